// A long <select data-search="placeholder"> gets a search box above it: typing hides the options
// that do not contain the text (name, work number, crew) and selects the first that does.
// Without JavaScript it stays a plain select.
(function () {
  document.querySelectorAll("select[data-search]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.placeholder = select.getAttribute("data-search");
    box.setAttribute("aria-label", select.getAttribute("data-search"));
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;  // "anyone" stays
        var text = option.text.toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) >= 0; });
        option.hidden = !match;
        option.disabled = !match;
        if (match && first === null) first = option;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (words.length && first) select.value = first.value;
      if (!words.length) select.value = "";
    });
  });
})();
