/* mkdocs-lessons: reading paths in the browser.

   - "Mark as read" boxes and progress bars, kept in localStorage under a key
     named after the knowledge base's root folder, so two knowledge bases on
     one host never share progress. A page read once counts in every path
     that includes it. No server, no account.
   - On a page that is a step of paths, shows the banner of the path the
     reader is on: the one they came from (`?path=<id>`, which every step
     link carries, or the referrer: a path page, or a page opened with
     `?path=`), else the first one they have started (a step marked as
     read). Other readers keep the one quiet line that offers the paths.

   Plain JavaScript, no library; works over http(s) and file://. Pages
   without reading-path markup are left alone. When storage is blocked
   (private windows, some file:// setups) marks last until the page is left. */
(function () {
  "use strict";

  var PREFIX = "mkdocs-lessons:read:";

  function each(nodes, fn) {
    Array.prototype.forEach.call(nodes, fn);
  }

  function openStorage() {
    try {
      var storage = window.localStorage;
      if (!storage) return null;
      var probe = PREFIX + "probe";
      storage.setItem(probe, "1");
      storage.removeItem(probe);
      return storage;
    } catch (error) {
      return null;
    }
  }

  function absolute(url) {
    try {
      return new URL(url, window.location.href);
    } catch (error) {
      return null;
    }
  }

  /* The read marks of one knowledge base: a sorted JSON list of step keys. */
  function Marks(root) {
    var base = absolute(root || "./");
    this.key = PREFIX + (base ? base.pathname : String(root));
    this.storage = openStorage();
    this.memory = {};
  }

  Marks.prototype.all = function () {
    if (!this.storage) return this.memory;
    var marks = {};
    try {
      var list = JSON.parse(this.storage.getItem(this.key) || "[]");
      if (Array.isArray(list)) {
        list.forEach(function (key) {
          if (typeof key === "string") marks[key] = true;
        });
      }
    } catch (error) {
      /* A damaged entry reads as "nothing read yet". */
    }
    return marks;
  };

  Marks.prototype.set = function (step, read) {
    var marks = this.all();
    if (read) marks[step] = true;
    else delete marks[step];
    if (this.storage) {
      try {
        this.storage.setItem(this.key, JSON.stringify(Object.keys(marks).sort()));
        return;
      } catch (error) {
        this.storage = null; /* full or revoked: keep going for this visit */
      }
    }
    this.memory = marks;
  };

  /* --- which banner: the path the reader came from -------------------- */

  function pathOf(search, banners) {
    var match = /[?&]path=([^&#]*)/.exec(search || "");
    if (!match) return null;
    var id;
    try {
      id = decodeURIComponent(match[1].replace(/\+/g, " "));
    } catch (error) {
      return null;
    }
    return banners[id] ? id : null;
  }

  function folderOf(pathname) {
    return pathname.slice(0, pathname.lastIndexOf("/") + 1);
  }

  function pathFromReferrer(banners) {
    var referrer = document.referrer ? absolute(document.referrer) : null;
    if (!referrer) return null;
    var fromQuery = pathOf(referrer.search, banners);
    if (fromQuery) return fromQuery;
    for (var id in banners) {
      var page = absolute(banners[id].getAttribute("data-lessons-path-url") || "");
      if (!page || page.origin !== referrer.origin) continue;
      /* The path page, or its printable version next to it. */
      if (referrer.pathname.indexOf(folderOf(page.pathname)) === 0) return id;
    }
    return null;
  }

  /* The first path (in page order) with a step the reader marked as read. */
  function startedPath(elements, marks) {
    if (!marks) return null;
    var read = marks.all();
    for (var i = 0; i < elements.length; i++) {
      var keys = (elements[i].getAttribute("data-lessons-steps") || "").split(/\s+/);
      for (var k = 0; k < keys.length; k++) {
        if (keys[k] && read[keys[k]]) return elements[i].getAttribute("data-lessons-banner");
      }
    }
    return null;
  }

  function chooseBanner(marks) {
    var elements = document.querySelectorAll("[data-lessons-banner]");
    if (!elements.length) return;
    var banners = {};
    each(elements, function (element) {
      var id = element.getAttribute("data-lessons-banner");
      if (!banners[id]) banners[id] = element;
    });
    var chosen = pathOf(window.location.search, banners);
    var fromReferrer = false;
    if (!chosen) {
      chosen = pathFromReferrer(banners);
      fromReferrer = Boolean(chosen);
    }
    if (!chosen) chosen = startedPath(elements, marks);
    if (!chosen) return; /* not on a path: the quiet line offering it stays, banners hidden */
    each(elements, function (element) {
      element.hidden = element.getAttribute("data-lessons-banner") !== chosen;
    });
    each(document.querySelectorAll("[data-lessons-offer]"), function (line) {
      line.hidden = true;
    });
    if (fromReferrer && window.history && window.history.replaceState) {
      /* Keep the choice on reload and when the address is shared. */
      try {
        var here = new URL(window.location.href);
        here.searchParams.set("path", chosen);
        window.history.replaceState(window.history.state, "", here.href);
      } catch (error) {
        /* Some file:// setups refuse; the banner is right for this visit anyway. */
      }
    }
  }

  /* --- marks, bars and the "continue" button --------------------------- */

  function render(marks) {
    var read = marks.all();
    each(document.querySelectorAll("input[data-lessons-read]"), function (box) {
      box.checked = Boolean(read[box.getAttribute("data-lessons-read")]);
      var label = box.closest("label");
      if (label) {
        label.hidden = false;
        if (!marks.storage) label.title = "This browser does not let the page keep your progress: marks last until you leave the page.";
      }
      var item = box.closest("li");
      if (item) item.classList.toggle("lessons-step--read", box.checked);
    });
    each(document.querySelectorAll("[data-lessons-progress]"), function (element) {
      var keys = (element.getAttribute("data-lessons-steps") || "").split(/\s+/).filter(Boolean);
      var done = keys.filter(function (key) {
        return read[key];
      }).length;
      var bar = element.querySelector("progress");
      if (bar) {
        bar.max = Math.max(keys.length, 1);
        bar.value = done;
      }
      var label = element.querySelector(".lessons-progress__label");
      if (label) label.textContent = done + " of " + keys.length + " read";
      element.classList.toggle("lessons-progress--done", keys.length > 0 && done === keys.length);
      element.hidden = false;
    });
    each(document.querySelectorAll("a.lessons-continue"), function (button) {
      var links = document.querySelectorAll("a.lessons-step-link[data-lessons-step]");
      if (!links.length) return;
      var next = null;
      var index = 0;
      for (; index < links.length; index++) {
        if (!read[links[index].getAttribute("data-lessons-step")]) {
          next = links[index];
          break;
        }
      }
      var item = (next || links[0]).closest("li");
      var number = item && item.parentNode ? Array.prototype.indexOf.call(item.parentNode.children, item) + 1 : index + 1;
      var title = (next || links[0]).textContent;
      if (!next) button.textContent = "All steps read. Start again with step 1: " + title;
      else if (index === 0) button.textContent = "Start with step " + number + ": " + title;
      else button.textContent = "Continue with step " + number + ": " + title;
      button.setAttribute("href", (next || links[0]).getAttribute("href"));
    });
  }

  function init() {
    each(document.querySelectorAll(".lessons-print-button"), function (element) {
      element.hidden = false;
      var button = element.querySelector("button");
      if (button) {
        button.addEventListener("click", function () {
          window.print();
        });
      }
    });
    var anchor = document.querySelector("[data-lessons-root]");
    var marks = anchor ? new Marks(anchor.getAttribute("data-lessons-root")) : null;
    chooseBanner(marks);
    if (!marks) return;
    render(marks);
    document.addEventListener("change", function (event) {
      var box = event.target;
      if (!box || !box.matches || !box.matches("input[data-lessons-read]")) return;
      marks.set(box.getAttribute("data-lessons-read"), box.checked);
      render(marks);
    });
    /* Another tab marked something: follow it. */
    window.addEventListener("storage", function (event) {
      if (event.key === marks.key) render(marks);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
