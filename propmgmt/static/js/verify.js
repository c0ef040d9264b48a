// The verification workbench: shows the "select all" box and asks before verifying a selection.
// Without this script the page works the same, without the question.
document.querySelectorAll(".js-only").forEach(function (element) { element.hidden = false; });
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.id !== "bulk-verify") return;
  var chosen = document.querySelectorAll('input[name="task"][form="bulk-verify"]:checked').length;
  if (chosen === 0) {
    window.alert(form.getAttribute("data-none"));
    event.preventDefault();
  } else if (!window.confirm(form.getAttribute("data-confirm").replace("{n}", chosen))) {
    event.preventDefault();
  }
});
