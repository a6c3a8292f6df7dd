/* mkdocs-lessons: the faceted incident browser on `incidents/`.
 *
 * The page works without this script (a plain table). With it: filters with
 * live counts, a text filter and sortable columns. The state lives in the URL
 * query (?kind=near-miss&team=payments&q=checkout&sort=date&dir=desc), so a
 * view can be shared and other pages (the dashboard heat map) can link into
 * it. Repeated keys are OR within a facet; different keys are AND.
 * Plain JavaScript, no library, no network; safe on every page.
 */
(function () {
  "use strict";

  function start() {
    var root = document.querySelector("[data-lessons-index]");
    if (!root || root.getAttribute("data-lessons-ready")) return;
    root.setAttribute("data-lessons-ready", "1");

    var form = root.querySelector("[data-lessons-facets]");
    var tbody = root.querySelector("tbody");
    var status = root.querySelector("[data-lessons-status]");
    var empty = root.querySelector("[data-lessons-empty]");
    var active = root.querySelector("[data-lessons-active]");
    var search = form.querySelector("input[name=q]");
    var total = Number(root.getAttribute("data-total"));

    var facetKeys = Array.prototype.map.call(form.querySelectorAll("[data-facet]"), function (el) {
      return el.getAttribute("data-facet");
    });
    var filterKeys = facetKeys.concat(["quarter"]);
    var labels = { kind: "Kind", severity: "Severity", status: "Status", failure_type: "Failure type",
      term: "Failure class", team: "Team", year: "Year", tag: "Tag", quarter: "Quarter", q: "Text" };

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

    var rows = Array.prototype.map.call(tbody.rows, function (tr, index) {
      var values = {};
      filterKeys.forEach(function (key) {
        var raw = tr.getAttribute("data-" + key.replace(/_/g, "-")) || "";
        values[key] = raw ? raw.split(" ") : [];
      });
      values.term = broader(values.term || []);
      // The year and the quarter come from the timestamp as written (2024-03-14T09:12:00+01:00).
      var date = tr.getAttribute("data-date") || "";
      if (!(values.year || []).length && date) values.year = [date.slice(0, 4)];
      if (!(values.quarter || []).length && date) values.quarter = [date.slice(0, 4) + "-Q" + (Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1)];
      var words = (tr.textContent + " " + (tr.getAttribute("data-tag") || "") + " " +
        (tr.getAttribute("data-term") || "")).toLowerCase();
      return { tr: tr, values: values, text: words, order: index };
    });

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

    function writeState() {
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
      try { window.history.replaceState(null, "", url); } catch (e) { /* file:// in some browsers */ }
    }

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
        var words = state.q.toLowerCase().split(/\s+/);
        for (var w = 0; w < words.length; w++) if (words[w] && row.text.indexOf(words[w]) === -1) return false;
      }
      return true;
    }

    function updateCounts() {
      facetKeys.forEach(function (key) {
        var counts = {};
        rows.forEach(function (row) {
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

    function sortValue(row, key) {
      var tr = row.tr;
      switch (key) {
        case "date": return tr.getAttribute("data-date");
        case "id": return tr.getAttribute("data-id").replace(/\d+/g, function (d) { return ("0000000000" + d).slice(-10); });
        default:  // the title and the rest: the cell's text, or its data-sort (severity, status)
          var cell = tr.cells[columnIndex(key)];
          return cell ? (cell.getAttribute("data-sort") || cell.textContent.toLowerCase()) : "";
      }
    }

    function columnIndex(key) {
      var headers = root.querySelectorAll("thead th");
      for (var i = 0; i < headers.length; i++) if (headers[i].getAttribute("data-column") === key) return i;
      return -1;
    }

    function render() {
      var dir = state.dir || (state.sort === "date" ? "desc" : "asc");
      var sorted = rows.slice().sort(function (a, b) {
        var x = sortValue(a, state.sort), y = sortValue(b, state.sort);
        var c = x < y ? -1 : x > y ? 1 : a.order - b.order;
        return dir === "desc" ? -c : c;
      });
      var fragment = document.createDocumentFragment();
      var shown = 0;
      sorted.forEach(function (row) {
        var visible = matches(row, null);
        row.tr.hidden = !visible;
        if (visible) shown++;
        fragment.appendChild(row.tr);
      });
      tbody.appendChild(fragment);

      root.querySelectorAll("thead th").forEach(function (th) {
        var key = th.getAttribute("data-column");
        th.setAttribute("aria-sort", key === state.sort ? (dir === "desc" ? "descending" : "ascending") : "none");
      });
      form.querySelectorAll("input[type=checkbox]").forEach(function (input) {
        input.checked = (state.filters[input.name] || []).indexOf(input.value) !== -1;
      });
      if (search.value !== state.q) search.value = state.q;

      var filtered = Object.keys(state.filters).length || state.q;
      status.textContent = filtered ? shown + " of " + total + " reviews match." : total + " reviews.";
      root.setAttribute("data-shown", String(shown));
      empty.hidden = shown !== 0;
      renderActive();
      updateCounts();
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
        writeState();
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
      writeState();
      render();
    });
    root.querySelectorAll(".lessons-sort").forEach(function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-sort-key");
        var current = state.dir || (state.sort === "date" ? "desc" : "asc");
        if (key === state.sort) state.dir = current === "asc" ? "desc" : "asc";
        else { state.sort = key; state.dir = key === "date" ? "desc" : "asc"; }
        writeState();
        render();
      });
    });

    form.hidden = false;
    render();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // Material's instant navigation (if a site turns it on) swaps pages without a reload.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(start);
})();
