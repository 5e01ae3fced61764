/* eISO's page behaviour, loaded on every page after Bootstrap and Tom Select. */
(function () {
  "use strict";

  function noResults() {
    var div = document.createElement("div");
    div.className = "no-results";
    div.textContent = document.body.dataset.searchEmpty || "";
    return div;
  }

  // Searchable select boxes: <select data-searchable>, on page load and in content swapped in by htmx.
  function searchable(root) {
    if (!window.TomSelect || !root.querySelectorAll) return;
    var selects = root.matches && root.matches("select[data-searchable]") ? [root] : [];
    selects.push.apply(selects, root.querySelectorAll("select[data-searchable]"));
    selects.forEach(function (select) {
      if (select.tomselect) return;
      new TomSelect(select, {
        create: false,
        diacritics: true,  // Tom Select's own folding: "dat do" finds "Đất Đỏ" (tested, đ/Đ included)
        maxOptions: null,
        allowEmptyOption: true,
        plugins: select.multiple ? ["remove_button"] : [],
        render: { no_results: noResults },
      });
    });
  }

  // <select data-autosubmit>: choosing submits its form (an event listener, not an inline onchange: the CSP
  // allows no inline script).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) target.form.submit();
  });

  // <button data-print>: prints the page (a printable card, a letter).
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  window.eiso = { searchable: searchable };
  document.addEventListener("DOMContentLoaded", function () { searchable(document); });
  document.addEventListener("htmx:load", function (event) { searchable(event.detail.elt); });
})();
