// The /failed-orders page: list with filters (account, symbol, Seoul days, status), select
// several and retry or remove them at once (one outcome per row), CSV link, statistics.
// Reloads on the live contract's "hantu:live" events with topic "failed_order".
"use strict";

const MAX_RETRIES = 5;
const selected = new Set();
const outcomes = new Map(); // id -> {ok, text}: the last bulk result, kept across reloads

function byId(id) {
  return document.getElementById(id);
}

function fill(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (_m, key) => (key in values ? values[key] : ""));
}

function currentFilters() {
  return {
    strategy_account_id: byId("filter-strategy").value,
    symbol: byId("filter-symbol").value.trim(),
    date_from: byId("filter-from").value,
    date_to: byId("filter-to").value,
    status: byId("filter-status").value,
  };
}

function filterQuery(filters, withStatus) {
  const params = new URLSearchParams();
  for (const key of ["strategy_account_id", "symbol", "date_from", "date_to"]) {
    if (filters[key]) params.set(key, filters[key]);
  }
  if (withStatus && filters.status) params.set("status", filters.status);
  const query = params.toString();
  return query ? "?" + query : "";
}

function showError(message) {
  const box = byId("failed-orders-error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function loadFailedOrders(filters) {
  const f = filters || currentFilters();
  byId("failed-orders-csv").href = "/api/failed-orders.csv" + filterQuery(f, true);
  const result = await apiRequest("GET", "/api/failed-orders" + filterQuery(f, true));
  if (!result.ok) {
    showError(result.data.error || UI.toast_error);
    return;
  }
  showError("");
  renderFailedOrders(result.data.orders || []);
  loadStats(f);
}

function renderFailedOrders(orders) {
  const shown = new Set(orders.map((o) => String(o.id)));
  for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
  byId("failed-orders-empty").hidden = orders.length > 0;
  byId("failed-orders-tbody").innerHTML = orders.map(renderRow).join("");
  updateSelection();
}

function seoulTime(iso) {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return String(iso || "");
  return when.toLocaleString("ko-KR", { timeZone: "Asia/Seoul", hour12: false });
}

function cell(label, content, cls) {
  const klass = cls ? ' class="' + cls + '"' : "";
  return "<td" + klass + ' data-label="' + escapeHtml(label) + '">' + content + "</td>";
}

function outcomeCell(id) {
  const outcome = outcomes.get(String(id));
  if (!outcome) return cell(UI.fo_col_outcome, "", "fo-outcome");
  const cls = "fo-outcome " + (outcome.ok ? "ok" : "fail");
  return cell(UI.fo_col_outcome, escapeHtml(outcome.text), cls);
}

function renderRow(order) {
  const id = escapeHtml(order.id);
  const side = order.side === "SELL" ? "sell" : "buy";
  const exhausted = order.retry_count >= MAX_RETRIES;
  const pending = order.status === "pending_retry";
  const checked = selected.has(String(order.id)) ? " checked" : "";
  const check =
    '<label><input type="checkbox" class="row-select" data-id="' + id + '"' + checked +
    ' aria-label="' + escapeHtml(UI.fo_select_row + " " + (order.symbol_label || order.symbol)) + '"></label>';
  const actions =
    '<button type="button" class="btn-retry" data-id="' + id + '"' + (exhausted || !pending ? " disabled" : "") + ">" + escapeHtml(UI.retry) + "</button> " +
    '<button type="button" class="btn-remove" data-id="' + id + '"' + (order.status === "removed" ? " disabled" : "") + ">" + escapeHtml(UI.remove) + "</button>";
  return (
    '<tr data-id="' + id + '">' +
    cell(UI.fo_select_row, check, "col-check") +
    cell(UI.col_symbol, escapeHtml(order.symbol_label || order.symbol)) +
    cell(UI.col_side, '<span class="badge badge-' + side + '">' + escapeHtml(UI["side_" + order.side] || order.side) + "</span>") +
    cell(UI.col_type, escapeHtml(order.order_type), "col-hide-md") +
    cell(UI.col_quantity, escapeHtml(formatShares(order.quantity))) +
    cell(UI.col_price, escapeHtml(order.price ? formatWon(order.price) : "-"), "col-price") +
    cell(UI.col_reason, escapeHtml(order.reason), "reason") +
    cell(UI.col_broker_error, escapeHtml(order.exchange_error || ""), "col-hide-md broker-error") +
    cell(UI.col_retry, '<span class="retry-count-badge">' + escapeHtml(order.retry_count) + "/" + MAX_RETRIES + "</span>") +
    cell(UI.col_created_at, escapeHtml(seoulTime(order.created_at)), "col-time") +
    outcomeCell(order.id) +
    cell(UI.col_actions, actions, "actions") +
    "</tr>"
  );
}

function updateSelection() {
  const boxes = [...document.querySelectorAll("#failed-orders-tbody input.row-select")];
  const all = byId("select-all");
  all.checked = boxes.length > 0 && boxes.every((b) => b.checked);
  all.indeterminate = !all.checked && boxes.some((b) => b.checked);
  byId("selected-count").textContent = selected.size ? fill(UI.fo_selected, { count: selected.size }) : "";
  byId("bulk-retry").disabled = selected.size === 0;
  byId("bulk-remove").disabled = selected.size === 0;
}

function showResults(data) {
  const results = data.results || [];
  for (const r of results) outcomes.set(String(r.id), { ok: r.success, text: r.message });
  byId("bulk-summary").textContent = fill(UI.fo_results_summary, { ok: data.succeeded, failed: data.failed });
  byId("bulk-results-list").innerHTML = results
    .map((r) => {
      const what = r.symbol_label || r.symbol || "#" + r.id;
      const verdict = r.success ? UI.fo_result_ok : UI.fo_result_failed;
      return '<li class="' + (r.success ? "ok" : "fail") + '" data-id="' + escapeHtml(r.id) + '">' +
        escapeHtml("#" + r.id + " " + what + " — " + verdict + ": " + r.message) + "</li>";
    })
    .join("");
  byId("bulk-results").hidden = results.length === 0;
}

async function runBulk(url, ids) {
  const result = await apiRequest("POST", url, { ids: ids.map(Number) });
  if (!result.ok) {
    showToast(result.data.error || UI.toast_error, "error");
  } else {
    showResults(result.data);
    showToast(fill(UI.fo_results_summary, { ok: result.data.succeeded, failed: result.data.failed }),
      result.data.failed ? "error" : "success");
    selected.clear();
  }
  await loadFailedOrders();
}

async function bulk(kind, ids) {
  if (ids.length === 0) return showToast(UI.fo_none_selected, "error");
  const question = kind === "retry" ? UI.fo_confirm_retry_many : UI.fo_confirm_remove_many;
  if (!confirm(fill(question, { count: ids.length }))) return;
  await runBulk("/api/failed-orders/" + kind, ids);
}

async function retryFailedOrder(id) {
  if (!confirm(UI.confirm_retry)) return;
  const result = await apiRequest("POST", "/api/failed-orders/" + encodeURIComponent(id) + "/retry");
  const ok = result.ok && result.data.success;
  outcomes.set(String(id), { ok, text: ok ? UI.toast_retry_ok : result.data.error || UI.toast_error });
  showToast(ok ? UI.toast_retry_ok : result.data.error || UI.toast_error, ok ? "success" : "error");
  await loadFailedOrders();
}

async function removeFailedOrder(id) {
  if (!confirm(UI.confirm_remove)) return;
  const result = await apiRequest("DELETE", "/api/failed-orders/" + encodeURIComponent(id));
  if (result.ok && result.data.success) {
    showToast(result.data.message || UI.toast_remove_ok, "success");
  } else {
    showToast(result.data.error || UI.toast_error, "error");
  }
  await loadFailedOrders();
}

function statRow(line, firstLabel) {
  return "<tr>" +
    cell(firstLabel, escapeHtml(line.label)) +
    cell(UI.fo_stats_count, escapeHtml(line.count)) +
    cell(UI.fo_stats_retried, escapeHtml(line.retried)) +
    cell(UI.fo_stats_resolved, escapeHtml(line.resolved)) +
    cell(UI.fo_stats_rate, escapeHtml(line.success_rate_text), "stat-rate") +
    "</tr>";
}

function renderStats(data) {
  const total = data.total;
  byId("stats-total").innerHTML = [
    [UI.fo_stats_count, total.count],
    [UI.fo_stats_retried, total.retried],
    [UI.fo_stats_resolved, total.resolved],
    [UI.fo_stats_rate, total.success_rate_text],
  ].map(([k, v]) => "<div><dt>" + escapeHtml(k) + '</dt><dd>' + escapeHtml(v) + "</dd></div>").join("");
  byId("stats-empty").hidden = total.count > 0;
  document.querySelector("#stats-by-symbol tbody").innerHTML = data.by_symbol
    .map((line) => statRow(line, UI.col_symbol)).join("");
  document.querySelector("#stats-by-reason tbody").innerHTML = data.by_reason
    .map((line) => statRow(line, UI.col_reason)).join("");
}

async function loadStats(filters) {
  const result = await apiRequest("GET", "/api/failed-orders/stats" + filterQuery(filters, false));
  if (result.ok) renderStats(result.data);
}

let liveTimer = null;
document.addEventListener("hantu:live", (event) => {
  if (!event.detail || event.detail.topic !== "failed_order") return;
  clearTimeout(liveTimer); // a burst of changes reloads once
  liveTimer = setTimeout(() => loadFailedOrders(), 150);
});

byId("failed-orders-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  loadFailedOrders();
});
byId("filter-apply").addEventListener("click", () => loadFailedOrders());
byId("filter-symbol").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    loadFailedOrders();
  }
});
byId("filter-status").addEventListener("change", () => loadFailedOrders());
byId("select-all").addEventListener("change", (event) => {
  for (const box of document.querySelectorAll("#failed-orders-tbody input.row-select")) {
    box.checked = event.target.checked;
    if (box.checked) selected.add(box.dataset.id);
    else selected.delete(box.dataset.id);
  }
  updateSelection();
});
byId("bulk-retry").addEventListener("click", () => bulk("retry", [...selected]));
byId("bulk-remove").addEventListener("click", () => bulk("remove", [...selected]));
byId("failed-orders-tbody").addEventListener("change", (event) => {
  const box = event.target.closest("input.row-select");
  if (!box) return;
  if (box.checked) selected.add(box.dataset.id);
  else selected.delete(box.dataset.id);
  updateSelection();
});
byId("failed-orders-tbody").addEventListener("click", (event) => {
  const retry = event.target.closest("button.btn-retry");
  if (retry && !retry.disabled) return retryFailedOrder(retry.dataset.id);
  const remove = event.target.closest("button.btn-remove");
  if (remove && !remove.disabled) return removeFailedOrder(remove.dataset.id);
});
loadFailedOrders();
