// Progressive enhancement only: every page works without this file.
(function () {
  var root = document.documentElement;
  var darkQuery = window.matchMedia("(prefers-color-scheme: dark)");

  // The theme the switch would change to: the other one from the reader's choice or the OS's.
  function otherTheme() {
    var current = root.getAttribute("data-theme") || (darkQuery.matches ? "dark" : "light");
    return current === "dark" ? "light" : "dark";
  }

  // The light/dark switch: the choice is saved and read back by theme.js on every page.
  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    var icon = button.querySelector(".theme-icon");
    var text = button.querySelector(".theme-label");
    var label = function () {
      var next = otherTheme();
      button.setAttribute("aria-label", "Switch to the " + next + " theme");
      button.title = "Switch to the " + next + " theme";
      if (icon) icon.textContent = next === "dark" ? "☾" : "☀";
      // Shown in the phone menu, where an icon alone would be a riddle.
      if (text) text.textContent = next === "dark" ? "Dark theme" : "Light theme";
    };
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var next = otherTheme();
      root.setAttribute("data-theme", next);
      try { window.localStorage.setItem("paperfeed-theme", next); } catch (e) { /* not saved */ }
      label();
    });
    darkQuery.addEventListener("change", label);
  }

  // The phone and tablet menu: the header's links fold behind one button below 960 px.
  function setupMenu() {
    var header = document.querySelector(".site-header");
    var toggle = header && header.querySelector(".menu-toggle");
    if (!toggle) return;
    var close = function () {
      header.classList.remove("is-open");
      toggle.setAttribute("aria-expanded", "false");
    };
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("is-open")) { close(); toggle.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (!header.contains(event.target)) close();
    });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  // Keyboard: "/" focuses the search box; "j" and "k" move to the next and previous card.
  function setupKeys() {
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      if (event.key === "/") {
        var search = document.getElementById("site-q");
        if (search && search.offsetParent !== null) { event.preventDefault(); search.focus(); search.select(); }
        return;
      }
      if (event.key !== "j" && event.key !== "k") return;
      var cards = Array.prototype.slice.call(document.querySelectorAll(".paper-entry"));
      if (!cards.length) return;
      var index = cards.findIndex(function (card) { return card.classList.contains("is-current"); });
      if (index === -1) {
        index = cards.findIndex(function (card) { return card.contains(document.activeElement); });
      }
      var next = event.key === "j" ? index + 1 : (index === -1 ? 0 : index - 1);
      next = Math.max(0, Math.min(cards.length - 1, next));
      cards.forEach(function (card) { card.classList.remove("is-current"); });
      var card = cards[next];
      card.classList.add("is-current");
      var link = card.querySelector(".entry-title a");
      if (link) link.focus({ preventScroll: true });
      card.scrollIntoView({ block: "nearest" });
      event.preventDefault();
    });
  }

  // A "Copy" button for elements marked data-copy-target (the BibTeX box on paper pages).
  function setupCopy() {
    document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = target.value || target.textContent;
        var done = function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy BibTeX"; }, 2000);
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done, function () { target.select(); });
        } else {
          target.select();
          try { document.execCommand("copy"); done(); } catch (e) { /* text stays selected */ }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupThemeToggle();
    setupMenu();
    setupKeys();
    setupCopy();
  });
})();
