// Orders page: expand an order's fills, cancel an open order (with confirmation), and keep
// expanded rows open when the section is refreshed (after a cancel, or by the live swap).
"use strict";

(() => {
  const open = new Set();

  function message(text, ok) {
    const box = document.getElementById("orders-message");
    if (!box) return;
    box.textContent = text || "";
    box.classList.toggle("orders-message-ok", Boolean(ok));
    box.classList.toggle("orders-message-error", !ok);
  }

  function setOpen(button, expanded) {
    const row = document.getElementById(button.getAttribute("aria-controls"));
    if (!row) return;
    row.hidden = !expanded;
    button.setAttribute("aria-expanded", expanded ? "true" : "false");
  }

  function restore() {
    document.querySelectorAll("#orders-section .btn-fills").forEach((button) => {
      if (open.has(button.getAttribute("aria-controls"))) setOpen(button, true);
    });
  }

  async function refresh() {
    const response = await fetch(window.location.href, { credentials: "same-origin" });
    if (!response.ok) return;
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = doc.getElementById("orders-section");
    const current = document.getElementById("orders-section");
    if (fresh && current) current.replaceWith(fresh);
  }

  async function cancel(button) {
    if (!window.confirm(UI.orders_cancel_confirm)) return;
    button.disabled = true;
    const id = encodeURIComponent(button.dataset.orderId);
    try {
      const { ok, data } = await apiRequest("POST", "/api/orders/" + id + "/cancel");
      message(ok ? data.message : data.error || UI.toast_error, ok);
    } catch (_err) {
      message(UI.toast_error, false);
    }
    await refresh();
  }

  document.addEventListener("click", (event) => {
    const fills = event.target.closest("#orders-section .btn-fills");
    if (fills) {
      const expanded = fills.getAttribute("aria-expanded") !== "true";
      const key = fills.getAttribute("aria-controls");
      if (expanded) open.add(key); else open.delete(key);
      setOpen(fills, expanded);
      return;
    }
    const button = event.target.closest("#orders-section .btn-cancel");
    if (button) cancel(button);
  });

  // Whoever swaps the section (this script or live.js), expanded fills stay expanded.
  new MutationObserver(restore).observe(document.querySelector("main"), { childList: true, subtree: true });
})();
