/* mkdocs-lessons: page layout in the browser.

   - Marks the tab of the section a page belongs to (the breadcrumb's second
     link, pages/layout.py): record pages are not in the navigation, so the
     theme marks no tab on them.
   - Labels table cells with their column's heading (data-label), so that
     below 60em a table of three or more columns shows as one labelled card
     per row (layout.css). Rows a script adds later (the incident index) are
     labelled too.

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

  function init() {
    activeTab();
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
