// Light or dark, as the system prefers (Bootstrap 5.3 colour modes), also when the
// preference changes while the page is open. A file, not inline: the CSP forbids those.
(function () {
  "use strict";
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  apply();
  query.addEventListener("change", apply);
})();
