// The "打印" buttons: the browser's print of the page itself, laid out by static/css/print.css
// (the CSP allows no inline onclick).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
