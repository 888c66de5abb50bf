// Audience feed events: impressions, views with the furthest position reached, like/share/follow/skip, comments.
// Same-origin only; every POST carries the page's CSRF token and a fresh event id.
(function () {
  "use strict";
  var root = document.getElementById("feed-root");
  if (!root) { return; }
  var market = root.getAttribute("data-market");
  var csrf = root.getAttribute("data-csrf");

  function eventId() {
    var a = new Uint8Array(12);
    window.crypto.getRandomValues(a);
    return "e-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function send(work, type, fraction) {
    var body = { event_id: eventId(), work_id: work, market: market, type: type };
    if (typeof fraction === "number") { body.watch_fraction = Math.max(0, Math.min(1, fraction)); }
    return fetch("/api/v1/events", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".feed-card"), function (card) {
    var work = card.getAttribute("data-work");
    send(work, "impression");
    Array.prototype.forEach.call(card.querySelectorAll("button[data-event]"), function (button) {
      button.addEventListener("click", function () {
        send(work, button.getAttribute("data-event"));
        button.classList.add("done");
        if (button.getAttribute("data-event") === "skip") { card.hidden = true; }
      });
    });
    Array.prototype.forEach.call(card.querySelectorAll("video, audio"), function (media) {
      // One view per playback, reporting the furthest position reached (a seek back does not lower it).
      var reported = false, furthest = 0;
      media.addEventListener("timeupdate", function () { furthest = Math.max(furthest, media.currentTime); });
      function report() {
        if (reported || !media.duration || !isFinite(media.duration) || furthest <= 0) { return; }
        reported = true;
        send(work, "view", Math.max(furthest, media.currentTime) / media.duration);
      }
      media.addEventListener("pause", report);
      media.addEventListener("ended", report);
      window.addEventListener("pagehide", report);
    });
    var form = card.querySelector("form.feed-comment");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var text = form.querySelector("textarea").value.trim();
        if (!text) { return; }
        fetch("/api/v1/insight/comments", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify({ event_id: eventId(), work_id: work, market: market, text: text })
        }).then(function (r) { return r.json(); }).then(function (out) {
          var note = form.querySelector(".comment-status");
          note.textContent = note.getAttribute(out.status === "stored" ? "data-ok" : "data-held");
          form.querySelector("textarea").value = "";
        });
      });
    }
  });
}());
