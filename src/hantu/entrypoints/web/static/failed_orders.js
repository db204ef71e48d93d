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

// One cell; `data-label` names the column when the table turns into cards on phones.
function cell(label, className, html) {
  const cls = className ? ' class="' + className + '"' : "";
  return "<td" + cls + ' data-label="' + escapeHtml(UI[label] || "") + '">' + html + "</td>";
}

function renderRow(order) {
  const side = order.side === "SELL" ? "sell" : "buy";
  const exhausted = order.retry_count >= MAX_RETRIES;
  const symbol = order.symbol_name ? order.symbol_name + " " + order.symbol : order.symbol;
  const orderType = UI["conv_order_type_" + order.order_type] || order.order_type;
  return (
    '<tr data-id="' + escapeHtml(order.id) + '">' +
    cell("col_symbol", "", escapeHtml(symbol)) +
    cell("col_side", "", '<span class="badge badge-' + side + '">' + escapeHtml(UI["side_" + order.side] || order.side) + "</span>") +
    cell("col_type", "col-hide-md", escapeHtml(orderType)) +
    cell("col_quantity", "", escapeHtml(formatShares(order.quantity))) +
    cell("col_price", "col-price", escapeHtml(order.price ? formatWon(order.price) : "-")) +
    cell("col_reason", "reason", escapeHtml(order.reason)) +
    cell("col_broker_error", "col-hide-md broker-error", escapeHtml(order.exchange_error || "")) +
    cell("col_retry", "", '<span class="retry-count-badge">' + escapeHtml(order.retry_count) + "/" + MAX_RETRIES + "</span>") +
    cell("col_created_at", "col-time", escapeHtml(seoulTime(order.created_at))) +
    cell("col_actions", "actions",
      '<button type="button" class="btn-retry" data-id="' + escapeHtml(order.id) + '"' + (exhausted ? " disabled" : "") + ">" + escapeHtml(UI.retry) + "</button> " +
      '<button type="button" class="btn-remove" data-id="' + escapeHtml(order.id) + '">' + escapeHtml(UI.remove) + "</button>") +
    "</tr>"
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
