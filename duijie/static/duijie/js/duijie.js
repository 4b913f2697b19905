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
    // Docking case board: drag a card onto a column; the hidden move form posts it (htmx swaps the
    // board). Delegated on the document, so that the board htmx swaps in keeps working.
    document.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".kanban-card");
      if (!card) { return; }
      event.dataTransfer.setData("text/plain", card.getAttribute("data-case"));
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("dragging");
    });
    document.addEventListener("dragend", function (event) {
      var card = event.target.closest && event.target.closest(".kanban-card");
      if (card) { card.classList.remove("dragging"); }
    });
    document.addEventListener("dragover", function (event) {
      var column = event.target.closest && event.target.closest(".kanban-column");
      if (column) { event.preventDefault(); column.classList.add("drop-target"); }
    });
    document.addEventListener("dragleave", function (event) {
      var column = event.target.closest && event.target.closest(".kanban-column");
      if (column && !column.contains(event.relatedTarget)) { column.classList.remove("drop-target"); }
    });
    document.addEventListener("drop", function (event) {
      var column = event.target.closest && event.target.closest(".kanban-column");
      var form = document.getElementById("board-move");
      if (!column || !form) { return; }
      event.preventDefault();
      column.classList.remove("drop-target");
      form.elements["case"].value = event.dataTransfer.getData("text/plain");
      form.elements["stage"].value = column.getAttribute("data-stage");
      form.requestSubmit();
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
