// tolk's one script: small enhancements. Every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary, as the GOV.UK pattern does, so a
  // screen reader announces what went wrong.
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();

  // Show the region field only for an interview in person.
  document.querySelectorAll("form.search").forEach(function (form) {
    var region = form.querySelector("[data-in-person]");
    if (!region) return;
    function update() {
      var chosen = form.querySelector("input[name=modality]:checked");
      region.hidden = !!chosen && chosen.value !== "in_person";
    }
    form.querySelectorAll("input[name=modality]").forEach(function (r) { r.addEventListener("change", update); });
    update();
  });

  // Select a feed link's whole text when it gets focus, ready to copy.
  document.querySelectorAll("input[data-copy]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});
