// index.js: sorting by any column, a text filter and a date-range filter for the session
// tables of index.html and the agent pages. The pages work without it: it only adds
// controls. Rows carry raw numbers in data-sort and the local start day in data-day.
(function () {
  'use strict';

  var table = document.getElementById('sessions');
  if (!table || !table.tBodies.length) {
    return;
  }
  var tbody = table.tBodies[0];
  var headers = table.tHead ? table.tHead.rows[0].cells : [];
  var rows = Array.prototype.map.call(tbody.rows, function (tr, i) {
    return { tr: tr, index: i, text: null, day: tr.getAttribute('data-day') || '' };
  });
  var collator = new Intl.Collator(document.documentElement.lang || undefined, {
    numeric: true,
    sensitivity: 'base'
  });
  var keys = {};
  var current = { col: -1, dir: 0 };

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

  function sortBy(col) {
    var numeric = headers[col].getAttribute('data-type') === 'num';
    // Numbers start largest first (longest wait, newest start), text A to Z.
    var dir = current.col === col ? -current.dir : numeric ? -1 : 1;
    var k = columnKeys(col, numeric);
    var order = rows.slice();
    order.sort(function (a, b) {
      var x = k[a.index];
      var y = k[b.index];
      if (x === null || y === null) {
        // Missing figures always go last, whatever the direction.
        return x === y ? a.index - b.index : x === null ? 1 : -1;
      }
      var c = numeric ? x - y : collator.compare(x, y);
      return c !== 0 ? c * dir : a.index - b.index;
    });
    var fragment = document.createDocumentFragment();
    order.forEach(function (row) {
      fragment.appendChild(row.tr);
    });
    tbody.appendChild(fragment);
    Array.prototype.forEach.call(headers, function (th, i) {
      if (i === col) {
        th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      } else {
        th.removeAttribute('aria-sort');
      }
    });
    current = { col: col, dir: dir };
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

  var tools = document.getElementById('index-tools');
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
  var count = document.createElement('output');
  tools.appendChild(count);
  var shownLabel = tools.getAttribute('data-shown') || 'shown';

  function applyFilter() {
    var q = text.value.trim().toLowerCase();
    var lo = from.value;
    var hi = to.value;
    var shown = 0;
    rows.forEach(function (row) {
      if (q && row.text === null) {
        row.text = row.tr.textContent.toLowerCase();
      }
      var ok =
        (!q || row.text.indexOf(q) !== -1) &&
        (!lo || (row.day !== '' && row.day >= lo)) &&
        (!hi || (row.day !== '' && row.day <= hi));
      if (row.tr.hidden === ok) {
        row.tr.hidden = !ok;
      }
      if (ok) {
        shown += 1;
      }
    });
    count.textContent = shown + ' / ' + rows.length + ' ' + shownLabel;
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
})();
