/* mkdocs-lessons: the header's search box, with Pagefind behind it (search: pagefind).
 *
 * The box is Material's markup (theme/partials/search.html) without Material's
 * component names, so Material's own search stays out of it; this script gives
 * it Material's behaviour: "/", "s" or "f" opens it, the arrow keys walk the
 * results, Enter opens the selected one (the first when none is), Escape closes
 * it, and `?q=` opens it with a query.
 *
 * Pagefind (pagefind/pagefind.js, loaded when the box is first opened) fetches
 * only the index chunks a query needs. On top of its ranking:
 * - an exact id (INC-2024-017, SOP-007, SOP-007@2) puts that record first as
 *   soon as it is typed completely, when the record exists (its page is in
 *   the results), and Enter opens it;
 * - a record's own page comes before learning sessions that discussed it, and a
 *   superseded SOP version comes last;
 * - a query of several words that no page holds all of falls back to the
 *   pages holding most of them, and a word no record uses is corrected from
 *   the records' vocabulary (search/words.json, fetched only then);
 * - the preview is the record's summary (an SOP's purpose), its matched
 *   words marked.
 * Plain JavaScript, nothing from outside the site. Pagefind needs the site to
 * be served over http(s), as an intranet server does (not file://).
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-lessons-search]");
  if (!box) return;
  var toggle = document.getElementById("__search");
  var form = box.querySelector("form");
  var input = box.querySelector(".md-search__input");
  var meta = box.querySelector(".md-search-result__meta");
  var list = box.querySelector(".md-search-result__list");
  var here = window.location.href;
  var bundle = new URL(box.getAttribute("data-bundle"), here).href;
  var root = new URL(box.getAttribute("data-root"), here);
  var site = new URL((box.getAttribute("data-site") || ".").replace(/\/?$/, "/"), here);
  var wordsUrl = new URL(box.getAttribute("data-words"), here).href;
  var SHOWN = 10; // results rendered (each loads one small fragment)
  var WEAK = 0.5; // a top score below this is Pagefind guessing from a prefix of an unknown word
  var PAUSE = 150; // ms after the last key before a search (people type a key every 60-150 ms)
  var SHORT_PAUSE = 500; // the same when the last word is one or two letters
  var ID = /^\s*((?:INC-\d{4}-\d{3,})|(?:SOP-\d{3,}))(?:@(\d+))?\s*$/i;
  // Material's `search.highlight` (theme features, in the page's `__config`): Material's own highlighting needs
  // its search index, which a Pagefind site does not have, so this script does it.
  var HIGHLIGHT = (function () {
    try {
      var config = JSON.parse(document.getElementById("__config").textContent);
      return (config.features || []).indexOf("search.highlight") >= 0;
    } catch (error) {
      return false;
    }
  })();

  var engine = null;
  function pagefind() {
    if (!engine) {
      engine = import(bundle + "pagefind.js").then(function (pf) {
        // Results are addressed from the site's root, wherever the site is served.
        return pf.options({ baseUrl: site.pathname, excerptLength: 24 }).then(function () {
          pf.init();
          return pf;
        });
      });
    }
    return engine;
  }

  var vocabulary = null;
  function words() {
    if (!vocabulary) {
      vocabulary = fetch(wordsUrl).then(function (r) { return r.ok ? r.json() : []; }).catch(function () { return []; });
    }
    return vocabulary;
  }

  // -- the query ---------------------------------------------------------------
  function terms(query) {
    return query.toLowerCase().split(/[^\p{L}\p{N}@'-]+/u).filter(function (w) { return w.length > 0; });
  }

  function idTarget(query) {
    var m = ID.exec(query);
    if (!m) return null;
    var id = m[1].toUpperCase();
    var path = id.indexOf("INC-") === 0 ? "incidents/" + id + "/" : "sops/" + id + "/" + (m[2] ? "v" + m[2] + "/" : "");
    return new URL(path, root).pathname;
  }

  // Optimal-string-alignment distance between two words (a swap of two letters is one edit), stopping early past `limit`.
  function editDistance(a, b, limit) {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var rows = [], i, j;
    for (i = 0; i <= a.length; i++) { rows.push([i]); }
    for (j = 1; j <= b.length; j++) rows[0][j] = j;
    for (i = 1; i <= a.length; i++) {
      var best = Infinity;
      for (j = 1; j <= b.length; j++) {
        var cost = a[i - 1] === b[j - 1] ? 0 : 1;
        var v = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, rows[i - 2][j - 2] + 1);
        rows[i][j] = v;
        if (v < best) best = v;
      }
      if (best > limit) return limit + 1;
    }
    return rows[a.length][b.length];
  }

  // The closest known word (most frequent first among equals), or the word itself.
  function correct(word, known) {
    if (word.length < 4 || known.has(word)) return word;
    var limit = word.length < 7 ? 1 : 2, best = word, bestDistance = limit + 1;
    for (var k = 0; k < vocabularyList.length; k++) {
      var candidate = vocabularyList[k];
      if (candidate.indexOf(word) === 0) return word; // a prefix of a known word: the reader is still typing
      var d = editDistance(word, candidate, limit);
      if (d < bestDistance) { best = candidate; bestDistance = d; if (d === 1 && limit === 1) break; }
    }
    return best;
  }
  var vocabularyList = [];

  // Pagefind's results for `query`, with the fallbacks above.
  // `stale()`: the reader typed on; the fallbacks (several searches each) are then not worth running.
  function find(pf, query, stale) {
    return pf.search(query).then(function (search) {
      var hits = search ? search.results : [];
      var parts = terms(query);
      if (stale()) return { hits: hits, query: query };
      // For a word it does not know, Pagefind matches a short prefix of it ("alergen" finds every "a"),
      // with scores far below a real match's (1 and more): those are no results.
      var weak = !hits.length || hits[0].score < WEAK;
      if (!weak && hits.length >= 3 || parts.length === 0 || ID.test(query)) return { hits: hits, query: query };
      if (weak) hits = [];
      return words().then(function (list) {
        if (stale()) return { hits: hits, query: query };
        vocabularyList = list;
        var known = new Set(list);
        var fixed = parts.map(function (w) { return correct(w, known); });
        var corrected = fixed.join(" ");
        var again = corrected !== parts.join(" ") ? pf.search(corrected) : Promise.resolve(null);
        return again.then(function (second) {
          var better = second && second.results.length > hits.length ? second.results : hits;
          var used = better === hits ? query : corrected;
          if (better.length >= 3 || fixed.length < 2 || stale()) return { hits: better, query: used };
          // No page holds every word: pages holding most of them, best first.
          return Promise.all(fixed.map(function (w) { return pf.search(w); })).then(function (each) {
            var scores = {}, counts = {}, byId = {};
            each.forEach(function (s) {
              (s ? s.results : []).forEach(function (r) {
                byId[r.id] = r;
                scores[r.id] = (scores[r.id] || 0) + r.score;
                counts[r.id] = (counts[r.id] || 0) + 1;
              });
            });
            var merged = Object.keys(byId).sort(function (a, b) { return counts[b] - counts[a] || scores[b] - scores[a]; }).map(function (id) { return byId[id]; });
            var seen = new Set(better.map(function (r) { return r.id; }));
            return { hits: better.concat(merged.filter(function (r) { return !seen.has(r.id); })), query: corrected };
          });
        });
      });
    });
  }

  // Among the results shown: a page whose title is exactly the query first (a team, also as "<team> team";
  // a term, a record's title typed in full), then the others, then learning sessions, a superseded SOP
  // version after the rest (Pagefind cannot weigh whole pages).
  function normal(text) {
    return String(text || "").toLowerCase().replace(/^(?:inc-\d{4}-\d+|sop-\d+(?: v\d+)?):\s*/, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }
  // Learning sessions come after the failures and procedures they discussed (they repeat their words).
  function tier(data, query) {
    var title = normal(data.meta && data.meta.title), typed = normal(query);
    if (/\/sops\/SOP-[^/]+\/v\d+\/$/.test(data.url)) return 3;  // before the title test: old versions share it
    if (title === typed || (/\/teams\/[^/]+\/$/.test(data.url) && title + " team" === typed)) return 0;
    if (/\/sessions\/[^/]+\/$/.test(data.url)) return 2;
    return 1;
  }

  function load(hits, count) {
    return Promise.all(hits.slice(0, count).map(function (hit) {
      return hit.data().then(function (data) { return { hit: hit, data: data }; });
    }));
  }

  function search(query, stale) {
    return pagefind().then(function (pf) {
      return find(pf, query, stale).then(function (found) {
        if (stale()) return { items: [], total: 0, query: query };
        var target = idTarget(query);
        return load(found.hits, SHOWN).then(function (items) {
          items = items.map(function (item, index) { return { hit: item.hit, data: item.data, index: index }; });
          items.sort(function (a, b) { return tier(a.data, query) - tier(b.data, query) || a.index - b.index; });
          if (!target) return { items: items, total: found.hits.length, query: found.query };
          var pinned = items.findIndex(function (item) { return item.data.url === target; });
          if (pinned >= 0) {
            items.unshift(items.splice(pinned, 1)[0]);
            return { items: items, total: found.hits.length, query: found.query };
          }
          // The record may rank lower: look a little further before giving up (a mistyped id pins nothing).
          return load(found.hits.slice(SHOWN), 40).then(function (more) {
            var hit = more.find(function (item) { return item.data.url === target; });
            if (hit) items.unshift({ hit: hit.hit, data: hit.data, index: -1 });
            return { items: items.slice(0, SHOWN), total: found.hits.length, query: found.query };
          });
        });
      });
    });
  }

  // -- the results ------------------------------------------------------------
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // The words that start like a query word (group 2), or null when the query has none of two letters or more.
  function wordPattern(query) {
    var stems = terms(query).filter(function (w) { return w.length > 1; }).map(function (w) {
      var stem = w.length > 5 ? w.slice(0, w.length - 2) : w;
      return stem.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    });
    if (!stems.length) return null;
    return new RegExp("(^|[^\\p{L}\\p{N}])((?:" + stems.join("|") + ")[\\p{L}\\p{N}'-]*)", "giu");
  }

  // `text` in pieces, [plain, marked, plain, ...]: the words that start like a query word are the odd ones.
  function pieces(text, pattern) {
    var out = [], last = 0, m;
    pattern.lastIndex = 0;
    while ((m = pattern.exec(text))) {
      var start = m.index + m[1].length;
      out.push(text.slice(last, start), m[2]);
      last = start + m[2].length;
    }
    out.push(text.slice(last));
    return out;
  }

  // `text` escaped, with the words that start like a query word marked.
  function mark(text, query) {
    var pattern = wordPattern(query);
    if (!pattern) return escapeHtml(text);
    return pieces(text, pattern).map(function (piece, i) {
      return i % 2 ? "<mark>" + escapeHtml(piece) + "</mark>" : escapeHtml(piece);
    }).join("");
  }


  // Pagefind's excerpt is escaped text with <mark> around matches: keep only those tags.
  function excerpt(html) {
    return escapeHtml(html.replace(/<\/?mark>/g, "\u0001")).replace(/\u0001/g, function () {
      excerpt.open = !excerpt.open;
      return excerpt.open ? "<mark>" : "</mark>";
    });
  }

  function count(total) {
    if (total === 0) return box.getAttribute("data-none");
    if (total === 1) return box.getAttribute("data-one");
    return box.getAttribute("data-other").replace("#", String(total));
  }

  // A result's address; with Material's `search.highlight` feature it carries the query (`?h=`), as Material's
  // results do, and the page it opens marks the query's words (highlightPage below).
  function resultHref(url, query) {
    if (!HIGHLIGHT || !query.trim()) return url;
    var target = new URL(url, here);
    target.searchParams.set("h", query.trim());
    return target.pathname + target.search + target.hash;
  }

  // `typed`: what the box held when the search started (what the results are for).
  function render(result, typed) {
    list.textContent = "";
    meta.textContent = count(result.total);
    result.items.forEach(function (item, index) {
      var data = item.data;
      var title = (data.meta && data.meta.title) || data.url;
      var summary = data.meta && data.meta.summary;
      excerpt.open = false;
      var li = document.createElement("li");
      li.className = "md-search-result__item";
      li.setAttribute("role", "option");
      li.innerHTML =
        '<a class="md-search-result__link" tabindex="-1" href="' + escapeHtml(resultHref(data.url, result.query)) + '">' +
        '<article class="md-search-result__article md-typeset' + (index === 0 ? " md-search-result__article--document" : "") + '">' +
        '<div class="md-search-result__icon md-icon"></div>' +
        "<h1>" + mark(title, result.query) + "</h1>" +
        "<p>" + (summary ? mark(summary, result.query) : excerpt(data.excerpt || "")) + "</p>" +
        "</article></a>";
      list.appendChild(li);
    });
    input.setAttribute("aria-expanded", result.items.length ? "true" : "false");
    box.setAttribute("data-lessons-settled", typed);
  }

  // -- typing -----------------------------------------------------------------
  var latest = 0, pending = null, timer = null;

  function run() {
    var query = input.value;
    var ticket = ++latest;
    if (!query.trim()) {
      list.textContent = "";
      meta.textContent = box.getAttribute("data-placeholder");
      pending = null;
      return;
    }
    function stale() { return ticket !== latest; }
    var full = search(query, stale).then(function (result) {
      if (!stale()) render(result, query);
      return result;
    }, function (error) {
      if (!stale()) render({ items: [], total: 0, query: query }, query);
      throw error;
    });
    pending = full;
    var target = idTarget(query);
    if (target) {
      // An exact id answers before any index chunk arrives: one HEAD request says whether the
      // record exists (its address follows from its id); Pagefind's results fill in below it.
      var quick = fetch(new URL(target, here).href, { method: "HEAD" }).then(function (response) {
        if (!response.ok || stale() || box.getAttribute("data-lessons-settled") === query) return full;
        var id = ID.exec(query);
        var title = id[1].toUpperCase() + (id[2] ? "@" + id[2] : "");
        render({ items: [{ data: { url: target, meta: { title: title }, excerpt: "" } }], total: 1, query: query }, query);
        return null;
      }, function () { return full; });
      pending = quick;
    }
  }

  input.addEventListener("input", function () {
    // A pause lets a typist finish before anything is searched: on a large site a search for
    // a one- or two-letter prefix is the slowest there is, and searches queue in Pagefind's
    // worker. An id is searched at once, so it is first as soon as its last character is in.
    clearTimeout(timer);
    latest++;
    box.removeAttribute("data-lessons-settled");
    // A last word of one or two letters matches thousands of words on a large site (seconds in
    // Pagefind's worker, which later searches wait behind): searched only when the typing stops.
    var words = terms(input.value), last = words.length ? words[words.length - 1] : "";
    timer = setTimeout(run, ID.test(input.value) ? 0 : last.length < 3 ? SHORT_PAUSE : PAUSE);
  });

  function open() {
    if (!toggle.checked) {
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
    }
    input.focus();
  }

  function close() {
    toggle.checked = false;
    toggle.dispatchEvent(new Event("change"));
    input.blur();
  }

  toggle.addEventListener("change", function () {
    if (toggle.checked) {
      pagefind();
      setTimeout(function () { input.focus(); }, 0);
    }
  });
  input.addEventListener("focus", function () {
    pagefind();
    if (!toggle.checked) { toggle.checked = true; toggle.dispatchEvent(new Event("change")); }
  });
  form.addEventListener("reset", function () {
    setTimeout(function () { input.value = ""; run(); input.focus(); }, 0);
  });

  function links() {
    return Array.prototype.slice.call(list.querySelectorAll(".md-search-result__link"));
  }

  // Enter: the focused result, else the first result of what was typed (waiting for it if need be).
  function follow() {
    var focused = document.activeElement;
    if (focused && focused.classList.contains("md-search-result__link")) {
      window.location.href = focused.href;
      return;
    }
    clearTimeout(timer);
    if (box.getAttribute("data-lessons-settled") !== input.value || !pending) run();
    if (!pending) return;
    pending.then(function () {
      var first = links()[0];
      if (first) window.location.href = first.href;
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    follow();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (!toggle.checked) {
      if (!typing && (event.key === "/" || event.key === "s" || event.key === "f")) {
        event.preventDefault();
        open();
      }
      return;
    }
    var items = links();
    var index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Enter" && index >= 0) {
      event.preventDefault();
      follow();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!items.length) return;
      event.preventDefault();
      var next = event.key === "ArrowDown" ? index + 1 : index - 1;
      if (next < 0) { input.focus(); return; }
      items[Math.min(next, items.length - 1)].focus();
    } else if (!typing && event.key.length === 1 && index >= 0) {
      input.focus(); // typing on a result goes on in the box
    }
  });

  // `?h=` (a result followed with `search.highlight` on): the query's words marked in the page's text, as
  // Material marks them (`mark[data-md-highlight]`), built as nodes: the query is never read as markup.
  function highlightPage() {
    var query = new URLSearchParams(window.location.search).get("h");
    var content = document.querySelector("[data-md-component=content]") || document.querySelector("article");
    var pattern = HIGHLIGHT && query ? wordPattern(query) : null;
    if (!pattern || !content) return;
    var walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        var parent = node.parentElement;
        if (!parent || parent.closest("script, style, mark, svg, textarea, .md-search")) return NodeFilter.FILTER_REJECT;
        return NodeFilter.FILTER_ACCEPT;
      }
    });
    var found = [];
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      pattern.lastIndex = 0;
      if (pattern.test(node.nodeValue)) found.push(node);
    }
    found.forEach(function (node) {
      var nodes = document.createDocumentFragment();
      pieces(node.nodeValue, pattern).forEach(function (piece, i) {
        if (i % 2) {
          var marked = document.createElement("mark");
          marked.setAttribute("data-md-highlight", "");
          marked.textContent = piece;
          nodes.appendChild(marked);
        } else {
          nodes.appendChild(document.createTextNode(piece));
        }
      });
      node.parentNode.replaceChild(nodes, node);
    });
  }
  highlightPage();

  // `?q=` opens the box with a query, as with Material's search (not on the filter page search/, whose own `q` it is).
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked && !document.getElementById("lessons-pagefind")) {
    input.value = asked;
    open();
    run();
  }
})();
