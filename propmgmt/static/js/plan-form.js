// The plan form shows only the fields of the chosen "Repeats" (elements with data-repeat="kind kind").
// Without JavaScript every field shows; the server ignores those of other choices either way.
(function () {
  var select = document.querySelector("select[name=repeat]");
  if (!select) return;
  function show() {
    document.querySelectorAll("[data-repeat]").forEach(function (part) {
      part.hidden = part.getAttribute("data-repeat").split(" ").indexOf(select.value) < 0;
    });
  }
  select.addEventListener("change", show);
  show();
})();
