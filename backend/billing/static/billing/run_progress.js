// Follows a billing run on its page: polls the run's JSON (data-progress-url) every
// two seconds, moves the progress bar, names the status in the page's language, and
// reloads the page once the run is done or failed, so that its result is shown. No inline script: the page's CSP allows none.
(function () {
  "use strict";
  var box = document.getElementById("run-progress");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  // The statuses' words in the page's language, as the page wrote them (data-label-<status>).
  function label(status) { return box.getAttribute("data-label-" + status) || status; }
  function set(field, value) {
    var node = box.querySelector('[data-field="' + field + '"]');
    if (node) node.textContent = value;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) return setTimeout(poll, 4000);
        if (run.total !== null) { bar.max = Math.max(run.total, 1); set("total", run.total); }
        bar.value = run.done;
        bar.textContent = run.done;
        set("done", run.done);
        set("invoices_issued", run.invoices_issued);
        set("status", label(run.status));
        if (run.status === "done" || run.status === "failed") {
          window.location.reload();
        } else {
          setTimeout(poll, 2000);
        }
      })
      .catch(function () { setTimeout(poll, 4000); });
  }
  setTimeout(poll, 1000);
})();
