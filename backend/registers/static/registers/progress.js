// The register import's progress bar: asks the server every second how far the import
// is, and reloads the page when it has finished (or failed) to show the result.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var url = box.getAttribute("data-progress-url");
  var bar = document.getElementById("progress-bar");

  function show(state) {
    bar.value = state.percent;
    bar.textContent = state.percent + "%";
    box.querySelector("[data-done]").textContent = state.done;
    box.querySelector("[data-total]").textContent = state.total;
    box.querySelector("[data-percent]").textContent = state.percent;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) return setTimeout(poll, 3000);
        show(state);
        if (state.status === "running") return setTimeout(poll, 1000);
        window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  setTimeout(poll, 1000);
})();
