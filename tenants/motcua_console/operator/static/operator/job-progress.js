// Progressive enhancement of a tenant job's progress page: while the job runs, read its state from the
// page's JSON status address every second and redraw the progress in place (no reload). Without this
// file the page shows the state it was drawn with and a "Refresh" link.
(function () {
  "use strict";
  var box = document.querySelector(".job-progress[data-status-url]");
  if (!box || box.hasAttribute("data-finished") || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var part = function (name) { return box.querySelector('[data-job="' + name + '"]'); };
  var refresh = part("refresh");
  if (refresh) { refresh.hidden = true; }  // the page now keeps itself up to date

  function draw(state) {
    part("status").textContent = state.status_label;
    part("step").textContent = state.step_label;
    part("progress").textContent = state.progress;
    part("bar").value = state.progress;
    part("tenant-status").textContent = state.tenant_status_label;
    var error = part("error");
    error.textContent = state.error || "";
    error.hidden = !state.error;
    (state.steps || []).forEach(function (step) {
      var item = box.querySelector('[data-step="' + step.code + '"]');
      if (!item) { return; }
      item.setAttribute("data-state", step.state);
      item.querySelector('[data-job="state-label"]').textContent = step.state_label;
    });
    if (state.finished) {
      box.setAttribute("data-finished", "");
      part("done").hidden = false;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (state) {
        draw(state);
        if (!state.finished) { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        if (refresh) { refresh.hidden = false; }  // stop, and offer the plain way again
      });
  }
  window.setTimeout(poll, 1000);
})();
