// A label sheet building in the background: poll its progress, move the bar, and reload
// the page (which then shows the download link) once it is done or has failed.
(function () {
  "use strict";
  var box = document.getElementById("sheet");
  if (!box) return;
  var bar = document.getElementById("sheet-progress");
  var percent = document.getElementById("sheet-percent");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (bar) { bar.max = state.total; bar.value = state.done; }
        if (percent) { percent.textContent = state.percent; }
        if (state.status === "done" || state.status === "failed") { window.location.reload(); }
        else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
