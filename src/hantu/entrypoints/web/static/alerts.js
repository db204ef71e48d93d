// Live countdown to each pending alert's expiry; re-reads the rows after a live swap.
(function () {
  "use strict";
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.alert-countdown").forEach(function (el) {
      var left = Math.floor((Date.parse(el.getAttribute("datetime")) - now) / 1000);
      if (isNaN(left)) { return; }
      if (left <= 0) { el.textContent = el.getAttribute("data-expired"); return; }
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
