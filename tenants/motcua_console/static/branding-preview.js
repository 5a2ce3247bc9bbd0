// The branding page's live preview: as the admin types, the preview panel shows the name, contact details
// and colours, and the contrast check is redone. Progressive enhancement only: without this file the
// "Preview" button redraws the page on the server. Colours are set through the CSSOM (the CSP forbids
// inline style attributes, not this).
(function () {
  "use strict";
  var form = document.getElementById("branding-form");
  var preview = document.getElementById("brand-preview");
  var check = document.getElementById("contrast-check");
  if (!form || !preview || !check) { return; }
  var HEX = /^#[0-9a-fA-F]{6}$/;
  var WHITE = "#ffffff", NEAR_BLACK = "#1b1f24";  // as motcua_platform.branding
  var minimum = parseFloat(preview.getAttribute("data-min-contrast")) || 4.5;

  function luminance(colour) {
    var sum = [0.2126, 0.7152, 0.0722], total = 0;
    for (var i = 0; i < 3; i++) {
      var c = parseInt(colour.substr(1 + 2 * i, 2), 16) / 255;
      total += sum[i] * (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4));
    }
    return total;
  }
  function contrast(a, b) {
    var x = luminance(a), y = luminance(b);
    return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
  }

  function update() {
    Array.prototype.forEach.call(preview.querySelectorAll("[data-preview]"), function (element) {
      var input = form.elements[element.getAttribute("data-preview")];
      if (input) { element.textContent = input.value.trim(); }
    });
    var primary = form.elements.primary_color.value, accent = form.elements.secondary_color.value;
    if (HEX.test(accent)) { preview.style.setProperty("--preview-accent", accent); }
    if (!HEX.test(primary)) { return; }
    var white = contrast(primary, WHITE), dark = contrast(primary, NEAR_BLACK);
    var best = Math.max(white, dark), ratio = (Math.round(best * 10) / 10).toString();
    preview.style.setProperty("--preview-brand", primary);
    preview.style.setProperty("--preview-brand-text", white >= dark ? WHITE : NEAR_BLACK);
    var readable = best >= minimum;
    check.className = readable ? "contrast-ok" : "contrast-bad";
    check.textContent = preview.getAttribute(readable ? "data-contrast-ok" : "data-contrast-bad").replace("{ratio}", ratio);
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
})();
