/* The learning-session index (sessions/): filter rows by kind and team.
   The filters start from the address (?kind=drill&team=payments) and write it back,
   so a filtered list can be shared. Without JavaScript every session is listed. */
(function () {
  "use strict";
  function setup() {
    var form = document.querySelector("[data-lessons-session-filters]");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    form.hidden = false;
    var kind = form.elements.kind, team = form.elements.team;
    var count = form.querySelector("[data-lessons-session-count]");
    var params = new URLSearchParams(window.location.search);
    if (params.get("kind")) kind.value = params.get("kind");
    if (params.get("team")) team.value = params.get("team");
    function apply(write) {
      var shown = 0, total = 0;
      document.querySelectorAll("[data-lessons-sessions] tbody tr").forEach(function (row) {
        var teams = (row.getAttribute("data-teams") || "").split(" ");
        var ok = (!kind.value || row.getAttribute("data-kind") === kind.value) && (!team.value || teams.indexOf(team.value) >= 0);
        row.hidden = !ok;
        total += 1;
        if (ok) shown += 1;
      });
      count.textContent = shown === total ? "" : shown + " of " + total + " sessions";
      if (write) {
        var next = new URLSearchParams();
        if (kind.value) next.set("kind", kind.value);
        if (team.value) next.set("team", team.value);
        var query = next.toString();
        window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
      }
    }
    kind.addEventListener("change", function () { apply(true); });
    team.addEventListener("change", function () { apply(true); });
    apply(false);
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(setup);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
