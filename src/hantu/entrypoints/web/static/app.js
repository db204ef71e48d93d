// Shared helpers: CSRF header, HTML escaping, toasts, JSON requests. No external scripts.
"use strict";

const UI = JSON.parse(document.getElementById("ui-text").textContent);

function getCsrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") : "";
}

function escapeHtml(value) {
  if (value === null || value === undefined) return "";
  return String(value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// Money and share counts as messages_ko.format_won / format_shares show them: half-up
// (away from zero) to a whole number, thousand separators, then the unit. Works on the
// decimal string itself so a price never passes through a binary float.
function formatWhole(value, unit) {
  if (value === null || value === undefined || value === "") return "-";
  const text = String(value).trim();
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  let whole = (match[2] || "0").replace(/^0+(?=\d)/, "");
  if ((match[3] || "").charAt(0) >= "5") whole = (BigInt(whole) + 1n).toString();
  const sign = match[1] && whole !== "0" ? "-" : "";
  return sign + whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + unit;
}

function formatWon(value) {
  return formatWhole(value, UI.unit_won);
}

function formatShares(value) {
  return formatWhole(value, UI.unit_shares);
}

function showToast(message, kind) {
  const container = document.getElementById("toast-container");
  const toast = document.createElement("div");
  toast.className = "toast toast-" + (kind || "info");
  toast.setAttribute("role", kind === "error" ? "alert" : "status");
  toast.textContent = message;
  container.appendChild(toast);
  setTimeout(() => toast.remove(), 5000);
}

async function apiRequest(method, url, body) {
  const headers = { "Accept": "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = getCsrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch (_err) {
    data = { success: false, error: UI.toast_error };
  }
  return { ok: response.ok, status: response.status, data };
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.copy");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy || "");
    showToast(UI.copied, "success");
  } catch (_err) {
    showToast(UI.toast_error, "error");
  }
});
