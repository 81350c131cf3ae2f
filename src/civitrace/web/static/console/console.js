// The staff console's one small script (progressive enhancement: every form works without it).
// - Warning forms: fill in the browser's UTC offset for the chosen day, so times are local.
// - The follow-up card: a Print button.
"use strict";
(function () {
  function offsetFor(form) {
    const day = form.querySelector("input[name=day]");
    const when = day && day.value ? new Date(day.value + "T12:00:00") : new Date();
    return String(-when.getTimezoneOffset());
  }
  document.querySelectorAll("form[data-utc-offset]").forEach(function (form) {
    const field = form.querySelector("input[name=utc_offset]");
    if (!field) return;
    field.value = offsetFor(form);
    form.addEventListener("submit", function () { field.value = offsetFor(form); });
  });
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
