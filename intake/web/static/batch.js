// Live progress of a batch: polls the JSON endpoint, writes numbers with textContent only.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  var badge = document.getElementById("batch-status");
  var startedDone = null;

  function show(p) {
    var total = p.pages_total || 0;
    text.textContent = p.pages_done + " of " + (total || "?") + " pages done: " +
      p.pages_read + " read · " + p.pages_blank + " blank · " + p.pages_unread + " not read · " +
      p.forms_found + " forms";
    bar.max = Math.max(total, 1);
    bar.value = p.pages_done;
    badge.textContent = p.status;
    badge.className = "badge " + p.status;
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (p) {
        show(p);
        if (p.status === "done" || p.status === "failed") {
          if (startedDone === false) { window.location.reload(); }
          return;
        }
        startedDone = false;
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
