// index.js: sorting by any column, a text filter and a date-range filter for the session
// tables of the index pages and the agent pages. The pages work without it: it only adds
// controls. Rows carry raw numbers in data-sort and the local start day in data-day.
//
// On the index pages it then loads index-rows.js (every row of the archive, as data) and
// from then on sorts and filters every session, not only the page at hand: the table
// shows the first rows of the result and a button shows more. The page's own rows are
// used until the data is there, and if it never comes.
(function () {
  'use strict';

  var table = document.getElementById('sessions');
  if (!table || !table.tBodies.length) {
    return;
  }
  var tbody = table.tBodies[0];
  var headers = table.tHead ? table.tHead.rows[0].cells : [];
  var tools = document.getElementById('index-tools');
  var collator = new Intl.Collator(document.documentElement.lang || undefined, {
    numeric: true,
    sensitivity: 'base'
  });
  var state = { col: -1, dir: 0, q: '', lo: '', hi: '' };
  var count = null;

  function isNumeric(col) {
    return headers[col] && headers[col].getAttribute('data-type') === 'num';
  }

  function markSorted() {
    Array.prototype.forEach.call(headers, function (th, i) {
      if (i === state.col) {
        th.setAttribute('aria-sort', state.dir > 0 ? 'ascending' : 'descending');
      } else {
        th.removeAttribute('aria-sort');
      }
    });
  }

  function showCount(shown, total) {
    if (count) {
      count.textContent = shown + ' / ' + total + ' ' + ((tools && tools.getAttribute('data-shown')) || 'shown');
    }
  }

  // ------------------------------------------------------------------ this page's rows
  var page = (function () {
    var rows = Array.prototype.map.call(tbody.rows, function (tr, i) {
      return { tr: tr, index: i, text: null, day: tr.getAttribute('data-day') || '' };
    });
    var keys = {};

    function columnKeys(col, numeric) {
      if (keys[col]) {
        return keys[col];
      }
      keys[col] = rows.map(function (row) {
        var cell = row.tr.cells[col];
        if (!cell) {
          return null;
        }
        if (numeric) {
          var raw = cell.getAttribute('data-sort');
          return raw === null || raw === '' ? null : Number(raw);
        }
        return cell.textContent.trim();
      });
      return keys[col];
    }

    function sort() {
      var numeric = isNumeric(state.col);
      var k = columnKeys(state.col, numeric);
      var order = rows.slice();
      order.sort(function (a, b) {
        var x = k[a.index];
        var y = k[b.index];
        if (x === null || y === null) {
          // Missing figures always go last, whatever the direction.
          return x === y ? a.index - b.index : x === null ? 1 : -1;
        }
        var c = numeric ? x - y : collator.compare(x, y);
        return c !== 0 ? c * state.dir : a.index - b.index;
      });
      var fragment = document.createDocumentFragment();
      order.forEach(function (row) {
        fragment.appendChild(row.tr);
      });
      tbody.appendChild(fragment);
    }

    function filter() {
      var shown = 0;
      rows.forEach(function (row) {
        if (state.q && row.text === null) {
          row.text = row.tr.textContent.toLowerCase();
        }
        var ok =
          (!state.q || row.text.indexOf(state.q) !== -1) &&
          (!state.lo || (row.day !== '' && row.day >= state.lo)) &&
          (!state.hi || (row.day !== '' && row.day <= state.hi));
        if (row.tr.hidden === ok) {
          row.tr.hidden = !ok;
        }
        if (ok) {
          shown += 1;
        }
      });
      showCount(shown, rows.length);
    }

    return { sort: sort, filter: filter };
  })();

  var mode = page;

  function sortBy(col) {
    // Numbers start largest first (longest wait, newest start), text A to Z.
    state.dir = state.col === col ? -state.dir : isNumeric(col) ? -1 : 1;
    state.col = col;
    mode.sort();
    markSorted();
  }

  Array.prototype.forEach.call(headers, function (th, col) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    while (th.firstChild) {
      button.appendChild(th.firstChild);
    }
    th.appendChild(button);
    button.addEventListener('click', function () {
      sortBy(col);
    });
  });

  if (!tools) {
    return;
  }

  function control(labelText, type) {
    var label = document.createElement('label');
    var input = document.createElement('input');
    input.type = type;
    label.appendChild(document.createTextNode(labelText + ' '));
    label.appendChild(input);
    tools.appendChild(label);
    return input;
  }

  var text = control(tools.getAttribute('data-filter') || 'Filter', 'search');
  var from = control(tools.getAttribute('data-from') || 'From', 'date');
  var to = control(tools.getAttribute('data-to') || 'To', 'date');
  count = document.createElement('output');
  tools.appendChild(count);

  function applyFilter() {
    state.q = text.value.trim().toLowerCase();
    state.lo = from.value;
    state.hi = to.value;
    mode.filter();
  }

  var timer = 0;
  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(applyFilter, 120);
  }
  text.addEventListener('input', schedule);
  from.addEventListener('change', applyFilter);
  to.addEventListener('change', applyFilter);
  applyFilter();

  // ------------------------------------------------------------- every row of the archive
  var rowsUrl = tools.getAttribute('data-rows');
  if (!rowsUrl) {
    return;
  }
  var STEP = 200;

  /** The mode that sorts and filters every session, from index-rows.js's data. */
  function archive(data) {
    var rows = data.rows;
    var n = rows.length;
    var media = !!data.media;
    var units = data.units || ['h', 'min', 's', 'ms', 'd'];
    var gap = typeof data.gap === 'string' ? data.gap : ' ';
    var none = data.none || '—';
    var more = document.createElement('button');
    more.type = 'button';
    more.className = 'more-rows';
    more.textContent = tools.getAttribute('data-more') || 'More';
    more.hidden = true;
    table.parentNode.insertBefore(more, table.nextSibling);
    var keys = {};
    var haystack = null;
    var order = null; // sorted indices, or null for the pages' order
    var view = [];
    var shown = 0;

    // Row fields, in index-rows.js's order.
    var ID = 0, STEM = 1, START = 2, START_TEXT = 3, CUSTOMERS = 4, AGENTS = 5, MSGS = 6,
      DURATION = 7, FIRST = 8, LONGEST = 9, MEDIA = 10, STATUS = 11, STATUS_TEXT = 12,
      DETAIL = 13;

    function agentNames(r) {
      return r[AGENTS].map(function (i) { return data.agents[i] ? data.agents[i][0] : ''; }).join(', ');
    }
    function statusText(r) {
      var s = data.statuses[r[STATUS]] || ['', ''];
      return r[STATUS_TEXT] || s[1];
    }
    function day(r) {
      var m = /^\d{4}-\d{2}-\d{2}/.exec(r[START] === null ? '' : r[START_TEXT]);
      return m ? m[0] : '';
    }

    // What each column sorts by, in the header's order.
    var columns = [
      { num: function (r) { return r[START]; } },
      { text: function (r) { return r[ID]; } },
      { text: function (r) { return r[CUSTOMERS]; } },
      { text: agentNames },
      { num: function (r) { return r[MSGS] ? r[MSGS][0] : null; } },
      { num: function (r) { return r[MSGS] ? r[MSGS][1] : null; } },
      { num: function (r) { return r[MSGS] ? r[MSGS][2] : null; } },
      { num: function (r) { return r[MSGS] ? r[MSGS][3] : null; } },
      { num: function (r) { return r[DURATION]; } },
      { num: function (r) { return r[FIRST]; } },
      { num: function (r) { return r[LONGEST]; } }
    ];
    if (media) {
      columns.push({ num: function (r) { return r[MEDIA] ? r[MEDIA][1] : null; } });
    }
    columns.push({ text: statusText });

    function columnKeys(col) {
      if (keys[col]) {
        return keys[col];
      }
      var spec = columns[col];
      var k;
      if (spec.num) {
        k = new Float64Array(n);
        for (var i = 0; i < n; i++) {
          var v = spec.num(rows[i]);
          k[i] = v === null || v === undefined ? NaN : v;
        }
      } else {
        k = new Array(n);
        for (var j = 0; j < n; j++) {
          k[j] = String(spec.text(rows[j]) || '').toLowerCase();
        }
      }
      keys[col] = k;
      return k;
    }

    /** `850 ms`, `45 s`, `3 min 05 s`, `1 h 02 min`, `2 d 3 h` (`3分05秒` in Chinese): as
     * the pages write durations (render/format.rs, duration_ms). */
    function duration(ms) {
      if (ms === null || ms === undefined) {
        return none;
      }
      var sign = ms < 0 ? '-' : '';
      var a = Math.abs(ms);
      var s = Math.floor(a / 1000), m = Math.floor(a / 60000), h = Math.floor(a / 3600000);
      var d = Math.floor(a / 86400000);
      var two = function (x) { return x < 10 ? '0' + x : String(x); };
      var g = gap;
      if (a < 1000) return sign + a + g + units[3];
      if (s < 60) return sign + s + g + units[2];
      if (m < 60) return sign + m + g + units[1] + g + two(s % 60) + g + units[2];
      if (h < 24) return sign + h + g + units[0] + g + two(m % 60) + g + units[1];
      return sign + d + g + units[4] + g + (h % 24) + g + units[0];
    }

    function cell(tr, className, sortKey, content) {
      var td = document.createElement('td');
      if (className) td.className = className;
      if (sortKey !== undefined) td.setAttribute('data-sort', sortKey === null ? '' : String(sortKey));
      if (content !== undefined && content !== null) {
        if (typeof content === 'string') td.textContent = content;
        else td.appendChild(content);
      }
      tr.appendChild(td);
      return td;
    }
    function bdi(value) {
      var b = document.createElement('bdi');
      b.textContent = value;
      return b;
    }
    function link(href, child) {
      var a = document.createElement('a');
      a.href = href;
      a.appendChild(child);
      return a;
    }

    /** One row, as the page template writes it. */
    function render(r) {
      var tr = document.createElement('tr');
      var status = data.statuses[r[STATUS]] || ['answered', ''];
      tr.className = 'status-' + status[0];
      tr.setAttribute('data-day', day(r));
      cell(tr, '', r[START], r[START_TEXT]);
      var stem = r[STEM] === '' ? r[ID] : r[STEM];
      var id;
      if (stem === null) {
        id = bdi(r[ID]);
      } else if (r[ID] === '') {
        id = link('sessions/' + stem + '.html', document.createTextNode('(' + stem + ')'));
      } else {
        id = link('sessions/' + stem + '.html', bdi(r[ID]));
      }
      cell(tr, 'id', undefined, id);
      cell(tr, '', undefined, bdi(r[CUSTOMERS]));
      var agents = cell(tr, '', undefined, null);
      r[AGENTS].forEach(function (i, k) {
        var agent = data.agents[i];
        if (!agent) return;
        if (k > 0) agents.appendChild(document.createTextNode(', '));
        agents.appendChild(link('agents/' + agent[1] + '.html', bdi(agent[0])));
      });
      for (var m = 0; m < 4; m++) {
        var v = r[MSGS] ? r[MSGS][m] : null;
        cell(tr, 'num', v, v === null ? '' : String(v));
      }
      cell(tr, 'num', r[DURATION], duration(r[DURATION]));
      cell(tr, 'num', r[FIRST], duration(r[FIRST]));
      cell(tr, 'num', r[LONGEST], duration(r[LONGEST]));
      if (media) {
        cell(tr, 'num', r[MEDIA] ? r[MEDIA][1] : null, r[MEDIA] ? r[MEDIA][0] : '');
      }
      var st = cell(tr, 'status', undefined, statusText(r));
      if (r[DETAIL]) {
        st.appendChild(document.createTextNode(': '));
        st.appendChild(bdi(r[DETAIL]));
      }
      return tr;
    }

    function showNext() {
      var fragment = document.createDocumentFragment();
      var end = Math.min(view.length, shown + STEP);
      for (; shown < end; shown++) {
        fragment.appendChild(render(rows[view[shown]]));
      }
      tbody.appendChild(fragment);
      more.hidden = shown >= view.length;
    }

    function refresh() {
      var q = state.q, lo = state.lo, hi = state.hi;
      if (q && haystack === null) {
        haystack = new Array(n);
        for (var i = 0; i < n; i++) {
          var r = rows[i];
          haystack[i] = (r[START_TEXT] + ' ' + r[ID] + ' ' + r[CUSTOMERS] + ' ' + agentNames(r) + ' ' +
            statusText(r) + ' ' + (r[DETAIL] || '')).toLowerCase();
        }
      }
      view = [];
      for (var k = 0; k < n; k++) {
        var at = order ? order[k] : k;
        if (q && haystack[at].indexOf(q) === -1) continue;
        if (lo || hi) {
          var d = day(rows[at]);
          if (d === '' || (lo && d < lo) || (hi && d > hi)) continue;
        }
        view.push(at);
      }
      tbody.textContent = '';
      shown = 0;
      showNext();
      showCount(view.length, n);
    }

    function sort() {
      performance.mark('desk-sort-start');
      var k = columnKeys(state.col);
      var numeric = !!columns[state.col].num;
      var dir = state.dir;
      var idx = new Int32Array(n);
      for (var i = 0; i < n; i++) idx[i] = i;
      idx.sort(function (a, b) {
        var x = k[a], y = k[b];
        var xm = numeric ? x !== x : false, ym = numeric ? y !== y : false;
        if (xm || ym) {
          // Missing figures always go last, whatever the direction.
          return xm === ym ? a - b : xm ? 1 : -1;
        }
        var c = numeric ? x - y : x < y ? -1 : x > y ? 1 : 0;
        return c !== 0 ? c * dir : a - b;
      });
      order = idx;
      refresh();
      performance.measure('desk-sort', 'desk-sort-start');
    }

    function filter() {
      performance.mark('desk-filter-start');
      refresh();
      performance.measure('desk-filter', 'desk-filter-start');
    }

    more.addEventListener('click', showNext);
    return { sort: sort, filter: filter, more: more };
  }

  window.deskIndexRows = function (data) {
    if (!data || data.format !== 'desk-archive-index-rows' || !Array.isArray(data.rows)) {
      return;
    }
    var full = archive(data);
    mode = full;
    if (state.col >= 0) {
      full.sort();
    } else {
      full.filter();
    }
    // The page links and the note that sorting covers one page no longer apply.
    Array.prototype.forEach.call(document.querySelectorAll('.pager'), function (p) {
      p.hidden = true;
    });
    table.setAttribute('data-rows', 'all');
  };
  var script = document.createElement('script');
  script.src = rowsUrl;
  document.head.appendChild(script);
})();
