/* mkdocs-lessons: page layout in the browser.

   - Marks the tab of the section a page belongs to (the breadcrumb's second
     link, pages/layout.py): record pages are not in the navigation, so the
     theme marks no tab on them.
   - Labels table cells with their column's heading (data-label), so that
     below 60em a table of three or more columns shows as one labelled card
     per row (layout.css). Rows a script adds later (the incident index) are
     labelled too.
   - On a phone, a chart wider than the screen starts at its newest data
     (the right end) and says that it scrolls.
   - On the 404 page (pages/notfound.py), guesses the record a mistyped
     address meant ("INC-2024-17" -> INC-2024-017) from ids.js.

   Plain JavaScript, no library; a page without JavaScript keeps its tables,
   which then scroll. */
(function () {
  "use strict";

  function activeTab() {
    var crumbs = document.querySelectorAll(".lessons-crumbs a");
    if (crumbs.length < 2) return;
    var section = crumbs[1].href;
    var tabs = document.querySelectorAll(".md-tabs__link");
    for (var i = 0; i < tabs.length; i++) {
      if (tabs[i].href === section) {
        var item = tabs[i].closest(".md-tabs__item");
        if (item) item.classList.add("md-tabs__item--active");
        tabs[i].setAttribute("aria-current", "location");
        return;
      }
    }
  }

  function headings(table) {
    var row = table.tHead && table.tHead.rows[0];
    if (!row) return null;
    return Array.prototype.map.call(row.cells, function (cell) {
      return (cell.textContent || "").replace(/\s+/g, " ").trim();
    });
  }

  function label(table) {
    var names = headings(table);
    if (!names || names.length < 3) return;
    table.setAttribute("data-lessons-cards", "");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, index) {
          if (names[index] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[index]);
        });
      });
    });
  }

  function charts() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.lessons-chart"), function (figure) {
      if (figure.scrollWidth <= figure.clientWidth + 1) return;
      figure.classList.add("lessons-chart--scrolls");
      figure.scrollLeft = figure.scrollWidth; /* the newest quarters are on the right */
      if (!figure.querySelector(".lessons-chart__scroll-note")) {
        var note = document.createElement("p");
        note.className = "lessons-chart__scroll-note";
        note.textContent = "Showing the newest data: scroll sideways for earlier quarters.";
        var svg = figure.querySelector("svg");
        figure.insertBefore(note, svg ? svg.nextSibling : null);
      }
    });
  }

  /* --- the 404 page: "did you mean" ----------------------------------- */

  function distance(a, b) {
    var row = [];
    for (var j = 0; j <= b.length; j++) row.push(j);
    for (var i = 1; i <= a.length; i++) {
      var previous = row[0];
      row[0] = i;
      for (var k = 1; k <= b.length; k++) {
        var here = row[k];
        row[k] = Math.min(row[k] + 1, row[k - 1] + 1, previous + (a[i - 1] === b[k - 1] ? 0 : 1));
        previous = here;
      }
    }
    return row[b.length];
  }

  /* "inc-2024-17" -> "INC-2024-017": the record format pads numbers to three digits. */
  function normalise(word) {
    var match = /^([A-Za-z]+)-(?:(\d{4})-)?(\d+)$/.exec(word);
    if (!match) return word.toUpperCase();
    var number = match[3].length < 3 ? ("00" + match[3]).slice(-3) : match[3];
    return match[1].toUpperCase() + "-" + (match[2] ? match[2] + "-" : "") + number;
  }

  function guess(records, pathname) {
    var words = decodeURIComponent(pathname).split(/[\/]+/).filter(Boolean).map(function (w) {
      return w.replace(/\.html?$/, "");
    });
    var best = null;
    words.forEach(function (word) {
      if (!/-\d/.test(word)) return;
      var wanted = normalise(word);
      records.forEach(function (record) {
        var d = record[0] === wanted ? 0 : distance(wanted, record[0]);
        if (d <= 2 && (!best || d < best.d)) best = { d: d, record: record };
      });
    });
    return best && best.record;
  }

  function notFound() {
    var box = document.querySelector("[data-lessons-notfound]");
    if (!box) return;
    var script = document.createElement("script");
    script.src = box.getAttribute("data-lessons-ids");
    script.onload = function () {
      var record = guess(window.lessonsIds || [], window.location.pathname);
      var line = box.querySelector(".lessons-notfound__guess");
      if (!record || !line) return;
      var link = document.createElement("a");
      link.href = box.getAttribute("data-lessons-base") + record[2];
      link.textContent = record[0] + ": " + record[1];
      line.textContent = "Did you mean ";
      line.appendChild(link);
      line.appendChild(document.createTextNode("?"));
      line.hidden = false;
    };
    document.body.appendChild(script);
  }

  function init() {
    activeTab();
    charts();
    notFound();
    var tables = document.querySelectorAll(".md-typeset table");
    Array.prototype.forEach.call(tables, function (table) {
      label(table);
      if (!window.MutationObserver || !table.tBodies.length) return;
      new MutationObserver(function () {
        label(table);
      }).observe(table, { childList: true, subtree: true });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
