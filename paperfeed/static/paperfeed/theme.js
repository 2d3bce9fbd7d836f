// Loaded in <head> without defer, before the stylesheet: the theme a reader chose (saved by
// site.js) is on <html> before the first paint, so no page flashes the other theme. Without a
// saved choice the stylesheet follows the OS setting.
(function () {
  var root = document.documentElement;
  root.classList.add("js");
  try {
    var theme = window.localStorage.getItem("paperfeed-theme");
    if (theme === "light" || theme === "dark") root.setAttribute("data-theme", theme);
  } catch (e) { /* storage blocked: the OS setting applies */ }
})();
