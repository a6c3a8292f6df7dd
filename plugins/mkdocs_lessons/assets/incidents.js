/* mkdocs-lessons: the faceted incident browser on `incidents/` (and its numbered pages).
 *
 * The page works without this script: a table of one page of reviews, newest
 * first, and links to the other pages. With it: filters with live counts, a
 * text filter and sortable columns over ALL reviews. The state lives in the
 * URL query (?kind=near-miss&team=payments&q=checkout&sort=date&dir=desc),
 * so a view can be shared and other pages (the dashboard heat map) can link
 * into it. Repeated keys are OR within a facet; different keys are AND.
 *
 * A plain visit loads nothing more than the page. The first filter, search
 * or sort loads `data-rows` (incidents/rows.js: one short list per review,
 * the lists the page's own rows were made from) through a <script> element,
 * which works from file:// too, and renders the matching rows in the same
 * markup as the page's rows, `data-page-size` at a time.
 * Plain JavaScript, no library, nothing from outside the site; safe on every page.
 */
(function () {
  "use strict";

  // Rows files by absolute URL: { data, waiting } (loaded once per page view, shared by instant navigation).
  var loads = {};

  function loadRows(url, done) {
    var entry = loads[url];
    if (entry && entry.data) { done(entry.data); return; }
    if (entry) { entry.waiting.push(done); return; }
    entry = loads[url] = { data: null, waiting: [done] };
    var script = document.createElement("script");
    script.src = url;
    script.async = true;
    function finish(data) {
      var waiting = entry.waiting;
      entry.waiting = [];
      if (data) entry.data = data; else delete loads[url];
      waiting.forEach(function (callback) { callback(data); });
    }
    script.onload = function () {
      var raw = window.lessonsIncidentRows;
      window.lessonsIncidentRows = undefined;
      finish(raw && raw.rows ? prepare(raw) : null);
    };
    script.onerror = function () { finish(null); };
    document.head.appendChild(script);
  }

  // incidents/texts.js (summaries, causes, lessons), loaded once a reader types in the text filter.
  var textLoads = {};
  function loadTexts(url, done) {
    if (textLoads[url]) { textLoads[url].then(done); return; }
    textLoads[url] = new Promise(function (resolve) {
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = function () {
        var raw = window.lessonsIncidentTexts;
        window.lessonsIncidentTexts = undefined;
        if (!raw || !raw.texts) { resolve(null); return; }
        var lowered = {};
        Object.keys(raw.texts).forEach(function (id) {
          lowered[id] = raw.texts[id].map(function (t) { return (t || "").toLowerCase(); });
        });
        resolve({ fields: raw.fields, labels: raw.labels, texts: lowered });
      };
      script.onerror = function () { delete textLoads[url]; resolve(null); };
      document.head.appendChild(script);
    });
    textLoads[url].then(done);
  }

  // A row names its own terms; it is classified under each broader one too (`a/b` -> `a`, `a/b`).
  function broader(terms) {
    var out = [];
    terms.forEach(function (path) {
      var parts = path.split("/");
      for (var i = 1; i <= parts.length; i++) {
        var prefix = parts.slice(0, i).join("/");
        if (out.indexOf(prefix) === -1) out.push(prefix);
      }
    });
    return out;
  }

  function padNumbers(text) {
    return text.replace(/\d+/g, function (d) { return ("0000000000" + d).slice(-10); });
  }

  // rows.js as records: what a row shows, what it filters on, what it sorts by.
  function prepare(raw) {
    var at = {};
    raw.fields.forEach(function (name, i) { at[name] = i; });
    return raw.rows.map(function (row, order) {
      function get(name, empty) { var v = row[at[name]]; return v === undefined || v === null ? empty : v; }
      var id = get("id", ""), date = get("date", ""), kind = get("kind", ""), severity = get("severity", "");
      var status = get("status", ""), failureType = get("failure_type", ""), tags = get("tags", []);
      var teams = get("teams", []).map(function (i) { return raw.teams[i]; });
      var term = raw.terms[get("term", 0)] || ["", "", ""];
      var own = get("terms", []).map(function (i) { return raw.terms[i][0]; });
      var kindLabel = raw.kinds[kind] || kind;
      var teamText = teams.map(function (t) { return t[1]; }).join(", ");
      var severityRank = raw.severities.indexOf(severity);
      return {
        id: id, date: date, title: get("title", ""), kind: kindLabel, severity: severity || "\u2013", status: status,
        href: raw.incident.split("{id}").join(id), teams: teams, term: term, order: order,
        // Every term of the row ([path, label, href]): a row matched on a secondary cause shows it.
        terms: get("terms", []).map(function (i) { return raw.terms[i]; }),
        values: {
          kind: [kind], severity: severity ? [severity] : [], status: [status], failure_type: failureType ? [failureType] : [],
          term: broader(own), team: teams.map(function (t) { return t[0]; }), tag: tags,
          // The year and the quarter of the day as written, as Incident.year and quarter_of.
          year: date ? [date.slice(0, 4)] : [],
          quarter: date ? [date.slice(0, 4) + "-Q" + (Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1)] : []
        },
        text: [date, id, get("title", ""), kindLabel, severity || "\u2013", status, teamText, term[1], tags.join(" "), own.join(" ")].join(" ").toLowerCase(),
        sort: {
          date: -order,  // rows.js is newest first
          id: padNumbers(id),
          title: get("title", "").toLowerCase(),
          kind: kindLabel.toLowerCase(),
          severity: severityRank === -1 ? 9 : severityRank,
          status: raw.statuses.indexOf(status),
          teams: teamText.toLowerCase(),
          term: term[1].toLowerCase()
        }
      };
    });
  }

  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

  function start() {
    var root = document.querySelector("[data-lessons-index]");
    if (!root || root.getAttribute("data-lessons-ready")) return;
    root.setAttribute("data-lessons-ready", "1");

    var form = root.querySelector("[data-lessons-facets]");
    var tbody = root.querySelector("tbody");
    var status = root.querySelector("[data-lessons-status]");
    var empty = root.querySelector("[data-lessons-empty]");
    var more = root.querySelector("[data-lessons-more]");
    var pagers = root.querySelectorAll("[data-lessons-pager]");
    var active = root.querySelector("[data-lessons-active]");
    var search = form.querySelector("input[name=q]");
    var total = Number(root.getAttribute("data-total"));
    var pageSize = Number(root.getAttribute("data-page-size")) || 200;
    var rowsAttr = root.getAttribute("data-rows") || "";
    // Links in rows.js start from its folder; from this page they start here (`../../` on incidents/page/2/).
    var linkBase = rowsAttr.slice(0, rowsAttr.lastIndexOf("/") + 1);
    var rowsUrl = new URL(rowsAttr, document.baseURI).href;
    var textsUrl = rowsUrl.replace(/rows\.js(?=$|[?#])/, "texts.js");
    var texts = null, textsFailed = false, textsWaiting = false;

    var facetKeys = Array.prototype.map.call(form.querySelectorAll("[data-facet]"), function (el) {
      return el.getAttribute("data-facet");
    });
    var filterKeys = facetKeys.concat(["quarter"]);
    var labels = { kind: "Kind", severity: "Severity", status: "Status", failure_type: "Failure type",
      term: "Failure class", team: "Team", year: "Year", tag: "Tag", quarter: "Quarter", q: "Text" };

    // What the page came with: its own rows, status line and counts, shown again when no filter is on.
    var ownRows = Array.prototype.slice.call(tbody.rows);
    var ownStatus = status.textContent;
    var ownCounts = Array.prototype.map.call(form.querySelectorAll(".lessons-facet__count"), function (el) {
      return [el, el.textContent];
    });

    var records = null;  // every review, once rows.js is in
    var failed = false;
    var waiting = false;
    var sorted = [];  // the matching records in order, of which `rendered` are in the table
    var rendered = 0;
    var state = readState();

    function readState() {
      var params;
      try { params = new URLSearchParams(window.location.search); } catch (e) { params = new URLSearchParams(); }
      var s = { filters: {}, q: params.get("q") || "", sort: params.get("sort") || "date", dir: params.get("dir") || "" };
      filterKeys.forEach(function (key) {
        var selected = params.getAll(key).filter(Boolean);
        if (selected.length) s.filters[key] = selected;
      });
      return s;
    }

    // A filter change is a step the Back button undoes (push); typing replaces the entry it made.
    function writeState(replace) {
      var params = new URLSearchParams();
      filterKeys.forEach(function (key) {
        (state.filters[key] || []).forEach(function (value) { params.append(key, value); });
      });
      if (state.q) params.set("q", state.q);
      if (state.sort !== "date" || state.dir) {
        params.set("sort", state.sort);
        if (state.dir) params.set("dir", state.dir);
      }
      var query = params.toString();
      var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
      if (url === window.location.pathname + window.location.search + window.location.hash) return;
      try {
        if (replace) window.history.replaceState(null, "", url);
        else window.history.pushState(null, "", url);
      } catch (e) { /* file:// in some browsers */ }
    }

    function direction() { return state.dir || (state.sort === "date" ? "desc" : "asc"); }

    function filtered() { return Object.keys(state.filters).length > 0 || !!state.q; }

    // Newest first and nothing filtered: the page's own rows are the view.
    function plain() { return !filtered() && state.sort === "date" && direction() === "desc"; }

    function matches(row, skipKey) {
      for (var key in state.filters) {
        if (key === skipKey) continue;
        var wanted = state.filters[key];
        var have = row.values[key] || [];
        var hit = false;
        for (var i = 0; i < wanted.length && !hit; i++) hit = have.indexOf(wanted[i]) !== -1;
        if (!hit) return false;
      }
      if (state.q) {
        // Each word in the row's own text, or else in its summary, cause or lessons (named under its title).
        var words = state.q.toLowerCase().split(/\s+/);
        var own = texts && texts.texts[row.id];
        row.matched = [];
        for (var w = 0; w < words.length; w++) {
          if (!words[w] || row.text.indexOf(words[w]) !== -1) continue;
          var found = -1;
          for (var f = 0; own && f < own.length && found === -1; f++) if (own[f].indexOf(words[w]) !== -1) found = f;
          if (found === -1) return false;
          if (row.matched.indexOf(texts.labels[found]) === -1) row.matched.push(texts.labels[found]);
        }
      }
      return true;
    }

    function updateCounts() {
      facetKeys.forEach(function (key) {
        var counts = {};
        records.forEach(function (row) {
          if (!matches(row, key)) return;
          (row.values[key] || []).forEach(function (v) { counts[v] = (counts[v] || 0) + 1; });
        });
        form.querySelectorAll('[data-facet="' + key + '"] input').forEach(function (input) {
          var n = counts[input.value] || 0;
          var counter = input.parentNode.querySelector(".lessons-facet__count");
          if (counter) counter.textContent = String(n);
          input.parentNode.parentNode.classList.toggle("lessons-facet__value--empty", n === 0 && !input.checked);
        });
      });
    }

    // The same markup as the page's own rows (incident_index.html).
    function link(href, label) {
      var a = document.createElement("a");
      a.setAttribute("href", linkBase + href);
      a.textContent = label;
      return a;
    }

    // The failure class cell: the primary term, and any other term of the row that the
    // active term filter matched (a filter on "Design flaw" must show why the row is there).
    function termCell(row) {
      var parts = [link(row.term[2], row.term[1])];
      var wanted = state.filters.term || [];
      if (!wanted.length) return parts;
      function hit(path) {
        return wanted.some(function (w) { return path === w || path.indexOf(w + "/") === 0; });
      }
      if (hit(row.term[0])) return parts;
      row.terms.forEach(function (t) {
        if (t[0] === row.term[0] || !hit(t[0])) return;
        parts.push("; also ");
        parts.push(link(t[2], t[1]));
        parts.push(" (secondary)");
      });
      return parts;
    }

    function rowElement(row) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-id", row.id);
      function cell(content) {
        var td = document.createElement("td");
        (Array.isArray(content) ? content : [content]).forEach(function (part) {
          td.appendChild(typeof part === "string" ? document.createTextNode(part) : part);
        });
        tr.appendChild(td);
      }
      cell(row.date);
      cell(link(row.href, row.id));
      if (state.q && row.matched && row.matched.length) {
        var note = document.createElement("small");
        note.className = "lessons-index__matched";
        note.textContent = "Matched in the " + row.matched.join(", ");
        cell([row.title, document.createElement("br"), note]);
      } else {
        cell(row.title);
      }
      cell(row.kind);
      cell(row.severity);
      cell(row.status);
      var teams = [];
      row.teams.forEach(function (team, i) {
        if (i) teams.push(", ");
        teams.push(link(team[2], team[1]));
      });
      cell(teams);
      cell(termCell(row));
      return tr;
    }

    function showMore() {
      var fragment = document.createDocumentFragment();
      var until = Math.min(sorted.length, rendered + pageSize);
      for (; rendered < until; rendered++) fragment.appendChild(rowElement(sorted[rendered]));
      tbody.appendChild(fragment);
      var left = sorted.length - rendered;
      more.hidden = left === 0;
      more.querySelector("button").textContent = "Show " + thousands(Math.min(left, pageSize)) + " more (" +
        thousands(rendered) + " of " + thousands(sorted.length) + " shown)";
    }

    function setPagers(visible) {
      Array.prototype.forEach.call(pagers, function (pager) { pager.hidden = !visible; });
    }

    function showOwnRows(note) {
      tbody.textContent = "";
      ownRows.forEach(function (tr) { tbody.appendChild(tr); });
      ownCounts.forEach(function (pair) { pair[0].textContent = pair[1]; });
      form.querySelectorAll(".lessons-facet__value--empty").forEach(function (li) { li.classList.remove("lessons-facet__value--empty"); });
      setPagers(true);
      more.hidden = true;
      empty.hidden = true;
      status.textContent = note || ownStatus;
      root.setAttribute("data-shown", String(ownRows.length));
    }

    function showResults() {
      var dir = direction();
      sorted = records.filter(function (row) { return matches(row, null); });
      sorted.sort(function (a, b) {
        var x = a.sort[state.sort], y = b.sort[state.sort];
        var c = x < y ? -1 : x > y ? 1 : a.order - b.order;
        return dir === "desc" ? -c : c;
      });
      tbody.textContent = "";
      rendered = 0;
      showMore();
      setPagers(false);
      status.textContent = filtered() ? thousands(sorted.length) + " of " + thousands(total) + " reviews match." : thousands(total) + " reviews.";
      root.setAttribute("data-shown", String(sorted.length));
      empty.hidden = sorted.length !== 0;
      updateCounts();
    }

    function render() {
      root.querySelectorAll("thead th").forEach(function (th) {
        var key = th.getAttribute("data-column");
        th.setAttribute("aria-sort", key === state.sort ? (direction() === "desc" ? "descending" : "ascending") : "none");
      });
      form.querySelectorAll("input[type=checkbox]").forEach(function (input) {
        input.checked = (state.filters[input.name] || []).indexOf(input.value) !== -1;
      });
      renderActive();

      if (plain()) { showOwnRows(); return; }
      if (records && state.q && !texts && !textsFailed) {
        status.textContent = "Loading the summaries, causes and lessons\u2026";
        if (textsWaiting) return;
        textsWaiting = true;
        loadTexts(textsUrl, function (data) {
          textsWaiting = false;
          if (data) texts = data; else textsFailed = true;
          render();
        });
        return;
      }
      if (records) { showResults(); return; }
      if (failed) {
        showOwnRows("The list of all reviews could not be loaded, so this page cannot filter or sort; the year pages above list every review.");
        return;
      }
      status.textContent = "Loading all " + thousands(total) + " reviews\u2026";
      root.removeAttribute("data-shown");
      if (waiting) return;
      waiting = true;
      loadRows(rowsUrl, function (data) {
        waiting = false;
        if (data) records = data; else failed = true;
        render();
      });
    }

    function renderActive() {
      active.textContent = "";
      var chips = [];
      filterKeys.forEach(function (key) {
        (state.filters[key] || []).forEach(function (value) { chips.push([key, value]); });
      });
      if (state.q) chips.push(["q", state.q]);
      chips.forEach(function (chip) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "lessons-chip";
        button.setAttribute("data-remove", chip[0] + "=" + chip[1]);
        button.title = "Remove this filter";
        button.textContent = (labels[chip[0]] || chip[0]) + ": " + labelFor(chip[0], chip[1]) + " \u00d7";
        active.appendChild(button);
      });
      if (chips.length > 1) {
        var clear = document.createElement("button");
        clear.type = "button";
        clear.className = "lessons-chip lessons-chip--clear";
        clear.setAttribute("data-remove", "*");
        clear.textContent = "Clear all";
        active.appendChild(clear);
      }
    }

    function labelFor(key, value) {
      var input = form.querySelector('input[name="' + key + '"][value="' + cssEscape(value) + '"]');
      var span = input && input.parentNode.querySelector("span");
      return span ? span.textContent : value;
    }

    function cssEscape(value) {
      return window.CSS && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, "\\$&");
    }

    form.addEventListener("change", function (event) {
      var input = event.target;
      if (input.type !== "checkbox") return;
      var list = (state.filters[input.name] || []).filter(function (v) { return v !== input.value; });
      if (input.checked) list.push(input.value);
      if (list.length) state.filters[input.name] = list; else delete state.filters[input.name];
      writeState();
      render();
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    var timer = null;
    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        state.q = search.value.trim();
        writeState(true);
        render();
      }, 120);
    });
    active.addEventListener("click", function (event) {
      var target = event.target.closest("[data-remove]");
      if (!target) return;
      var what = target.getAttribute("data-remove");
      if (what === "*") {
        state.filters = {};
        state.q = "";
      } else {
        var key = what.slice(0, what.indexOf("=")), value = what.slice(what.indexOf("=") + 1);
        if (key === "q") state.q = "";
        else {
          var list = (state.filters[key] || []).filter(function (v) { return v !== value; });
          if (list.length) state.filters[key] = list; else delete state.filters[key];
        }
      }
      // The text box follows a removed text filter; otherwise it is the reader's (rows loading
      // while they type must not take back what they typed since).
      search.value = state.q;
      writeState();
      render();
    });
    more.querySelector("button").addEventListener("click", showMore);
    root.querySelectorAll(".lessons-sort").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-sort-key");
        if (key === state.sort) state.dir = direction() === "asc" ? "desc" : "asc";
        else { state.sort = key; state.dir = key === "date" ? "desc" : "asc"; }
        writeState();
        render();
      });
    });

    // Back and Forward move through the filter changes.
    window.addEventListener("popstate", function () {
      state = readState();
      search.value = state.q;
      render();
    });
    // On a phone the facets start folded, so the list comes first.
    var panel = form.querySelector("details.lessons-facets__panel");
    if (panel && window.matchMedia && window.matchMedia("(max-width: 44.984375em)").matches) panel.open = false;

    form.hidden = false;
    search.value = state.q;
    render();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // Material's instant navigation (if a site turns it on) swaps pages without a reload.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(start);
})();
