// search.js: the site search box of the index pages. It loads Pagefind's browser side from
// data/search/ (pagefind.js, its worker and WebAssembly), merges the index's shards listed
// in data/search/desk-archive-search.json, and lists results (session, time, accounts, a
// snippet) that link to the message nearest the match. Nothing here writes HTML: every
// piece of text from the index goes into the page as a text node.
//
// Browsers do not let a page opened from a file fetch the index, so there the box says how
// to serve the archive instead.
(function () {
  'use strict';

  var root = document.getElementById('site-search');
  if (!root) {
    return;
  }
  var form = document.getElementById('search-form');
  var input = document.getElementById('search-q');
  var go = document.getElementById('search-go');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  var more = document.getElementById('search-more');
  var filterBox = document.getElementById('search-filters');
  var selects = Array.prototype.slice.call(root.querySelectorAll('select[data-filter]'));
  var text = function (name) {
    return root.getAttribute('data-' + name) || '';
  };
  var PAGE = 10;
  // Chinese and Japanese are written without spaces: words are split before searching.
  var UNSPACED = /[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]/;
  // Pagefind hands the records' URLs back from the site root: ours are relative to data/.
  var RECORD_URL = /^\/*(sessions\/[a-z0-9-]+\.html)(#m-[0-9]+)?$/;
  var ANCHOR_ID = /^m-[0-9]+$/;

  root.hidden = false;

  if (window.location.protocol === 'file:') {
    input.disabled = true;
    go.disabled = true;
    filterBox.hidden = true;
    status.textContent = text('file');
    status.classList.add('search-note');
    return;
  }

  var base = new URL(text('base'), document.baseURI).href;
  var loading = null;
  var current = { results: [], shown: 0, query: 0 };

  function setStatus(message) {
    status.textContent = message;
  }

  /** Loads Pagefind once and merges every shard after the first; resolves to the API. */
  function load() {
    if (loading) {
      return loading;
    }
    setStatus(text('loading'));
    loading = fetch(base + 'desk-archive-search.json', { cache: 'no-cache' })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('manifest: HTTP ' + response.status);
        }
        return response.json();
      })
      .then(function (manifest) {
        var shards = (manifest && manifest.shards) || [];
        if (shards.length === 0) {
          // An archive without messages has an empty index: every search finds nothing.
          setStatus('');
          return {
            search: function () { return Promise.resolve({ results: [] }); },
            filters: function () { return Promise.resolve({}); }
          };
        }
        return import(base + 'pagefind.js').then(function (api) {
          return api.options({ excerptLength: 24 }).then(function () {
            return api.init();
          }).then(function () {
            var merges = shards.slice(1).map(function (shard) {
              return api.mergeIndex(base + shard.dir);
            });
            return Promise.all(merges);
          }).then(function () {
            setStatus('');
            return api;
          });
        });
      });
    loading.catch(function () {
      loading = null;
      setStatus(text('failed'));
    });
    return loading;
  }

  /** The query as Pagefind should see it: unspaced runs split into words. */
  function prepare(query) {
    var lang = (document.documentElement.lang || '').toLowerCase();
    var segmentsItself = /^(zh|ja|th)\b/.test(lang);
    if (segmentsItself || !UNSPACED.test(query) || typeof Intl.Segmenter !== 'function') {
      return query;
    }
    var words = [];
    var segmenter = new Intl.Segmenter('zh', { granularity: 'word' });
    var parts = segmenter.segment(query);
    var iterator = parts[Symbol.iterator]();
    for (var step = iterator.next(); !step.done; step = iterator.next()) {
      if (step.value.segment.trim()) {
        words.push(step.value.segment);
      }
    }
    return words.join(' ');
  }

  function chosenFilters() {
    var filters = {};
    selects.forEach(function (select) {
      if (select.value) {
        filters[select.getAttribute('data-filter')] = select.value;
      }
    });
    return filters;
  }

  /** Fills the filter menus with what the whole index holds (once). */
  var filling = null;
  function fillFilters() {
    if (filling) {
      return filling;
    }
    // Pagefind reads every shard's filter files for this: only when someone opens them.
    filling = load().then(function (api) {
      return api.filters();
    }).then(function (totals) {
      selects.forEach(function (select) {
        var values = Object.keys((totals || {})[select.getAttribute('data-filter')] || {}).sort();
        values.forEach(function (value) {
          var option = document.createElement('option');
          option.value = value;
          option.textContent = value;
          select.appendChild(option);
        });
      });
    });
    filling.catch(function () {
      filling = null;
    });
    return filling;
  }

  /**
   * The link of a result: the message (anchor) holding the most of the record's matched
   * word positions, the first of them on a tie; else the record's first message. A query
   * of several words (or one that Pagefind splits, as a Chinese index does with
   * "INV-2026-02-88410") matches each word anywhere in the record, so the first match
   * alone can be a lone "2026" messages before the one that holds them all.
   */
  function target(data) {
    var match = RECORD_URL.exec(typeof data.url === 'string' ? data.url : '');
    if (!match) {
      return null;
    }
    var url = match[1] + (match[2] || '');
    var anchors = (data.anchors || []).filter(function (anchor) {
      return ANCHOR_ID.test(anchor.id) && typeof anchor.location === 'number';
    }).sort(function (a, b) {
      return a.location - b.location;
    });
    var locations = (data.locations || []).filter(function (l) {
      return typeof l === 'number';
    });
    var best = null;
    var bestCount = 0;
    anchors.forEach(function (anchor, i) {
      var end = i + 1 < anchors.length ? anchors[i + 1].location : Infinity;
      var count = locations.filter(function (l) {
        return l >= anchor.location && l < end;
      }).length;
      if (count > bestCount) {
        best = anchor;
        bestCount = count;
      }
    });
    if (best) {
      url = url.split('#')[0] + '#' + best.id;
    }
    return new URL(url, document.baseURI).href;
  }

  /** Appends a Pagefind excerpt: text, with its <mark> delimiters made into elements. */
  function appendExcerpt(parent, excerpt) {
    var marked = false;
    String(excerpt || '').split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === '<mark>') {
        marked = true;
      } else if (part === '</mark>') {
        marked = false;
      } else if (part) {
        var node = document.createTextNode(part);
        if (marked) {
          var mark = document.createElement('mark');
          mark.appendChild(node);
          parent.appendChild(mark);
        } else {
          parent.appendChild(node);
        }
      }
    });
  }

  function span(className, value) {
    var el = document.createElement('span');
    el.className = className;
    el.textContent = value;
    return el;
  }

  function renderResult(data) {
    var href = target(data);
    if (!href) {
      return null;
    }
    var meta = data.meta || {};
    var item = document.createElement('li');
    item.className = 'search-result';
    var title = document.createElement('p');
    title.className = 'result-title';
    var link = document.createElement('a');
    link.href = href;
    var id = document.createElement('bdi');
    id.textContent = meta.session || href;
    link.appendChild(id);
    title.appendChild(link);
    if (meta.time) {
      title.appendChild(document.createTextNode(' '));
      title.appendChild(span('result-time', meta.time));
    }
    item.appendChild(title);
    if (meta.accounts) {
      var who = document.createElement('p');
      who.className = 'result-accounts';
      var bdi = document.createElement('bdi');
      bdi.textContent = meta.accounts;
      who.appendChild(bdi);
      item.appendChild(who);
    }
    var snippet = document.createElement('p');
    snippet.className = 'result-snippet';
    snippet.setAttribute('dir', 'auto');
    appendExcerpt(snippet, data.excerpt);
    item.appendChild(snippet);
    return item;
  }

  /** Shows the next page of the current results. */
  function showMore(query) {
    var slice = current.results.slice(current.shown, current.shown + PAGE);
    current.shown += slice.length;
    return Promise.all(slice.map(function (r) { return r.data(); })).then(function (all) {
      if (query !== current.query) {
        return;
      }
      all.forEach(function (data) {
        var item = renderResult(data);
        if (item) {
          list.appendChild(item);
        }
      });
      more.hidden = current.shown >= current.results.length;
    });
  }

  function run() {
    var query = ++current.query;
    var term = prepare(input.value.trim());
    var filters = chosenFilters();
    if (!term && Object.keys(filters).length === 0) {
      list.textContent = '';
      more.hidden = true;
      setStatus('');
      return;
    }
    load().then(function (api) {
      return api.search(term || null, { filters: filters });
    }).then(function (search) {
      if (query !== current.query || !search) {
        return null;
      }
      list.textContent = '';
      current.results = search.results || [];
      current.shown = 0;
      var n = current.results.length;
      var found = n === 1 ? text('one') : text('results').replace('{n}', String(n));
      // Announced once the first results are on the page.
      return showMore(query).then(function () {
        if (query === current.query) {
          setStatus(n ? found : text('none'));
        }
      });
    }).catch(function () {
      if (query === current.query) {
        setStatus(text('failed'));
      }
    });
  }

  var timer = 0;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    run();
  });
  input.addEventListener('input', function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(run, 300);
  });
  // Loading starts when someone shows an interest, not with every visit to the index.
  input.addEventListener('focus', function () {
    load().catch(function () {});
  });
  selects.forEach(function (select) {
    select.addEventListener('change', run);
  });
  filterBox.addEventListener('toggle', function () {
    if (filterBox.open) {
      fillFilters().catch(function () {
        setStatus(text('failed'));
      });
    }
  });
  more.addEventListener('click', function () {
    showMore(current.query);
  });
})();
