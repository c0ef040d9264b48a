// "Select all" checkboxes: <input type="checkbox" data-select-all="name"> toggles every box of that name.
document.addEventListener("change", function (event) {
  var name = event.target.getAttribute("data-select-all");
  if (!name) return;
  document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});
