// What every page does: the "打印" buttons (the browser's print of the page itself, laid out by
// the print section of static/css/app.css; the CSP allows no inline onclick), and the menu's groups, which close when
// another opens, on a tap elsewhere and on Esc.
(function () {
  "use strict";
  function closeMenus(except) {
    document.querySelectorAll("details.navgroup[open]").forEach(function (group) {
      if (group !== except) group.open = false;
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
    closeMenus(event.target.closest("details.navgroup"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();
