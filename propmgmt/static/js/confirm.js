// Destructive actions ask first: <form data-confirm="..."> is submitted only when the user agrees.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) event.preventDefault();
});
