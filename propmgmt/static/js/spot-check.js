// The spot-check form: the device's time and location at check-in. The form is queued on the phone
// like the field app's (field.js: its idempotency key, sent when there is signal).
(function () {
  "use strict";
  var form = document.getElementById("spot-check");
  if (!form) { return; }
  var status = form.querySelector("[data-check-in-status]");
  form.addEventListener("change", function (event) { // an item answered again: its old refusal goes
    var box = event.target.closest("[data-item]");
    if (!box) { return; }
    box.classList.remove("has-error");
    box.querySelectorAll("p.error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    var items = document.getElementById("items-error");
    if (items) { items.hidden = true; }
  });
  function set(name, value) { form.elements[name].value = value; }
  if (!form.elements.checked_at.value) { set("checked_at", new Date().toISOString()); }
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (position) {
      set("latitude", position.coords.latitude.toFixed(6));
      set("longitude", position.coords.longitude.toFixed(6));
      set("accuracy", Math.round(position.coords.accuracy));
      if (status) { status.textContent = status.textContent + " ✓ ±" + Math.round(position.coords.accuracy) + " m"; }
    }, function () { /* no location: the check is kept without one */ }, {enableHighAccuracy: true, timeout: 15000});
  }
})();
