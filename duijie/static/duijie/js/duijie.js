// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Language selector: switch as soon as a language is chosen.
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    // Filter forms (the exhibition hall): apply a ticked facet at once.
    document.querySelectorAll("form[data-autosubmit-form]").forEach(function (form) {
      form.addEventListener("change", function (event) {
        if (event.target.matches("input[type=checkbox], input[type=radio], select")) { form.submit(); }
      });
    });
    // Mobile navigation toggle.
    var toggle = document.querySelector("[data-nav-toggle]");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var nav = document.getElementById(toggle.getAttribute("aria-controls"));
        var open = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!open));
        nav.classList.toggle("open", !open);
      });
    }
  });
})();
