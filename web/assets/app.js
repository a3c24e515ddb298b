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

  // Count what is left of a long text as it is typed (the GOV.UK
  // character count): the limit itself is the field's maxlength, which
  // holds without the script too.
  document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var max = parseInt(area.getAttribute("maxlength"), 10);
    if (!(max > 0) || !area.id) return;
    var count = document.createElement("p");
    count.className = "hint char-count";
    count.id = area.id + "-count";
    count.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", count);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + count.id);
    function update() {
      var left = max - area.value.length;
      count.textContent = left === 0 ? "You have no characters remaining" :
        "You have " + left + (left === 1 ? " character" : " characters") + " remaining";
    }
    area.addEventListener("input", update);
    update();
  });

  // Select a feed link's whole text when it gets focus, ready to copy.
  document.querySelectorAll("input[data-copy]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
});
