// The failed-orders section of /positions: list, filter, retry, remove.
"use strict";

const MAX_RETRIES = 5;

function currentFilters() {
  return {
    strategy_account_id: document.getElementById("filter-strategy").value,
    symbol: document.getElementById("filter-symbol").value.trim(),
  };
}

async function loadFailedOrders(filters) {
  const params = new URLSearchParams();
  if (filters.strategy_account_id) params.set("strategy_account_id", filters.strategy_account_id);
  if (filters.symbol) params.set("symbol", filters.symbol);
  const query = params.toString();
  const result = await apiRequest("GET", "/api/failed-orders" + (query ? "?" + query : ""));
  if (!result.ok) {
    showToast(result.data.error || UI.toast_error, "error");
    return;
  }
  renderFailedOrders(result.data.orders || []);
}

function renderFailedOrders(orders) {
  const tbody = document.getElementById("failed-orders-tbody");
  document.getElementById("failed-orders-empty").hidden = orders.length > 0;
  tbody.innerHTML = orders.map(renderRow).join("");
}

function seoulTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso || "");
  return when.toLocaleString("ko-KR", { timeZone: "Asia/Seoul", hour12: false });
}

function renderRow(order) {
  const side = order.side === "SELL" ? "sell" : "buy";
  const exhausted = order.retry_count >= MAX_RETRIES;
  return (
    '<tr data-id="' + escapeHtml(order.id) + '">' +
    "<td>" + escapeHtml(order.symbol_name ? order.symbol_name + " " + order.symbol : order.symbol) + "</td>" +
    '<td><span class="badge badge-' + side + '">' + escapeHtml(UI["side_" + order.side] || order.side) + "</span></td>" +
    '<td class="col-hide-md">' + escapeHtml(order.order_type) + "</td>" +
    "<td>" + escapeHtml(formatShares(order.quantity)) + "</td>" +
    '<td class="col-price">' + escapeHtml(order.price ? formatWon(order.price) : "-") + "</td>" +
    '<td class="reason">' + escapeHtml(order.reason) + "</td>" +
    '<td class="col-hide-md broker-error">' + escapeHtml(order.exchange_error || "") + "</td>" +
    '<td><span class="retry-count-badge">' + escapeHtml(order.retry_count) + "/" + MAX_RETRIES + "</span></td>" +
    '<td class="col-time">' + escapeHtml(seoulTime(order.created_at)) + "</td>" +
    '<td class="actions">' +
    '<button type="button" class="btn-retry" data-id="' + escapeHtml(order.id) + '"' + (exhausted ? " disabled" : "") + ">" + escapeHtml(UI.retry) + "</button> " +
    '<button type="button" class="btn-remove" data-id="' + escapeHtml(order.id) + '">' + escapeHtml(UI.remove) + "</button>" +
    "</td></tr>"
  );
}

async function retryFailedOrder(id) {
  if (!confirm(UI.confirm_retry)) return;
  const result = await apiRequest("POST", "/api/failed-orders/" + encodeURIComponent(id) + "/retry");
  if (result.ok && result.data.success) {
    showToast(UI.toast_retry_ok, "success");
  } else {
    showToast(result.data.error || UI.toast_error, "error");
  }
  await loadFailedOrders(currentFilters());
}

async function removeFailedOrder(id) {
  if (!confirm(UI.confirm_remove)) return;
  const result = await apiRequest("DELETE", "/api/failed-orders/" + encodeURIComponent(id));
  if (result.ok && result.data.success) {
    showToast(result.data.message || UI.toast_remove_ok, "success");
  } else {
    showToast(result.data.error || UI.toast_error, "error");
  }
  await loadFailedOrders(currentFilters());
}

function filterFailedOrders() {
  loadFailedOrders(currentFilters());
}

document.getElementById("filter-apply").addEventListener("click", filterFailedOrders);
document.getElementById("filter-symbol").addEventListener("keydown", (event) => {
  if (event.key === "Enter") filterFailedOrders();
});
document.getElementById("failed-orders-tbody").addEventListener("click", (event) => {
  const retry = event.target.closest("button.btn-retry");
  if (retry && !retry.disabled) return retryFailedOrder(retry.dataset.id);
  const remove = event.target.closest("button.btn-remove");
  if (remove) return removeFailedOrder(remove.dataset.id);
});
loadFailedOrders({});
