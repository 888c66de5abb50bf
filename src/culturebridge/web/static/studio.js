// Home page: refresh the running jobs and their progress every few seconds, without a reload.
// Same-origin GET of /api/v1/jobs/running; the list is rebuilt with DOM nodes (no innerHTML).
(function () {
  "use strict";
  var box = document.getElementById("running");
  if (!box || !window.fetch) { return; }
  var empty = box.getAttribute("data-empty");
  var queuedLabel = box.getAttribute("data-queued");
  var number = new Intl.NumberFormat(document.documentElement.lang || "en");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function draw(data) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (data.running.length === 0) {
      box.appendChild(el("p", "muted", empty));
    } else {
      var list = el("ul", "jobs-live");
      data.running.forEach(function (job) {
        var item = el("li");
        item.setAttribute("data-job", job.id);
        item.appendChild(el("span", "", job.kind));
        if (job.total) {
          var bar = el("progress");
          bar.max = job.total;
          bar.value = job.done;
          bar.setAttribute("aria-label", job.kind);
          item.appendChild(document.createTextNode(" "));
          item.appendChild(bar);
          item.appendChild(document.createTextNode(" " + job.percent + "%"));
        }
        item.appendChild(document.createTextNode(" "));
        item.appendChild(el("span", "muted", job.message));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    var queued = el("p", "muted", queuedLabel + ": " + number.format(data.queued) + (data.queued_capped ? "+" : ""));
    queued.id = "queued";
    box.appendChild(queued);
  }

  function poll() {
    fetch("/api/v1/jobs/running", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () { /* offline for a moment: try again on the next tick */ })
      .then(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 3000);
}());
