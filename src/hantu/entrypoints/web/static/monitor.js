// The monitor panel refreshes its state and positions every few seconds while visible, so
// "구독 완료: 20/30" and the tick ages move without a reload (server-rendered sections).
(function () {
  "use strict";
  var EVERY_MS = 5000;
  var SECTIONS = ["monitor-state-card", "monitor-positions"];
  function refresh() {
    if (document.visibilityState !== "visible") { return; }
    fetch("/monitor", { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        SECTIONS.forEach(function (id) {
          var now = document.getElementById(id), next = fresh.getElementById(id);
          // Not under a focused button: a keyboard user must not lose their place.
          if (now && next && !now.contains(document.activeElement)) {
            now.innerHTML = next.innerHTML;
          }
        });
      })
      .catch(function () { /* the next round tries again */ });
  }
  setInterval(refresh, EVERY_MS);
})();
