// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it and keyboard users start there.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  // Upload progress: forms marked data-upload send their file with XMLHttpRequest and show a bar;
  // the server answers the same redirect it gives the plain form.
  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      var bar = form.querySelector("progress");
      if (!bar) { return; }
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open(form.method, form.action);
      request.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round((e.loaded / e.total) * 100); bar.textContent = bar.value + "%"; }
      });
      request.addEventListener("load", function () {
        document.open(); document.write(request.responseText); document.close();
        if (request.responseURL) { window.history.replaceState(null, "", request.responseURL); }
      });
      request.addEventListener("error", function () { form.submit(); });
      bar.hidden = false;
      request.send(new FormData(form));
    });
  });

  // Confirm irreversible actions (withdrawal); the server asks again when JavaScript is off.
  Array.prototype.forEach.call(document.querySelectorAll("[data-confirm]"), function (element) {
    element.addEventListener("click", function (event) {
      if (!window.confirm(element.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
