// Exit-rule forms (strategies and positions pages): load on open, save with PUT.
// A blank field is left out (inherited); "끄기" sends null (switched off). A position's
// form also has its fixed support price (blank: the recent daily low applies).
"use strict";

const EXIT_OFFABLE = [
  "stop_loss_pct", "take_profit_pct", "trailing_pct", "atr_take_k", "atr_trail_k",
];
const EXIT_TEXT = ["ticks_through", "atr_stop_k", "atr_period", "support_price"];

// The fields this form has: a strategy's form has no support price.
function exitFields(form) {
  return [...EXIT_OFFABLE, ...EXIT_TEXT].filter((name) => form.elements[name]);
}

function exitRulesSummary(effective, withSupport) {
  const parts = [];
  const pct = (name, label) => {
    const value = effective[name];
    parts.push(UI["exit_rules_field_" + name] + " " + (value === null ? UI.exit_rules_off : value));
  };
  pct("stop_loss_pct");
  pct("take_profit_pct");
  pct("trailing_pct");
  parts.push(UI.exit_rules_field_pricing + " " + UI["exit_rules_pricing_" + effective.pricing]);
  if (effective.atr_enabled) {
    parts.push(UI.exit_rules_field_atr_enabled + " " + UI.exit_rules_on + " (" +
      effective.atr_stop_k + " / " + (effective.atr_take_k ?? UI.exit_rules_off) + " / " +
      (effective.atr_trail_k ?? UI.exit_rules_off) + ", " + effective.atr_period + ")");
  }
  if (withSupport) {
    const support = effective.support_price;
    parts.push(UI.exit_rules_field_support_price + " " +
      (support === null || support === undefined ? UI.exit_rules_support_none : formatWon(support)));
  }
  return UI.exit_rules_effective + ": " + parts.join(" · ");
}

function fillExitRules(form, data) {
  const own = data.rules;
  const inherited = data.inherited;
  for (const name of exitFields(form)) {
    const input = form.elements[name];
    const off = form.elements[name + "__off"];
    const value = own[name];
    input.value = value === undefined || value === null ? "" : String(value);
    const below = inherited[name];
    input.placeholder = name === "support_price" ? UI.exit_rules_support_none
      : UI.exit_rules_inherited + ": " + (below === null ? UI.exit_rules_off : below);
    if (off) off.checked = Object.prototype.hasOwnProperty.call(own, name) && value === null;
  }
  form.elements.pricing.value = own.pricing || "";
  form.elements.atr_enabled.value = own.atr_enabled === undefined ? "" : String(own.atr_enabled);
  form.querySelector(".exit-rules-effective").textContent =
    exitRulesSummary(data.effective, Boolean(form.elements.support_price));
}

function readExitRules(form) {
  const body = {};
  for (const name of exitFields(form)) {
    const off = form.elements[name + "__off"];
    const value = form.elements[name].value.trim();
    if (off && off.checked) body[name] = null;
    else if (value !== "") body[name] = value;
  }
  if (form.elements.pricing.value) body.pricing = form.elements.pricing.value;
  if (form.elements.atr_enabled.value) body.atr_enabled = form.elements.atr_enabled.value === "true";
  return body;
}

// The error paragraph is an alert only while it says something (an empty alert would be
// announced and counted as one).
function showExitError(element, text) {
  element.textContent = text;
  if (text) element.setAttribute("role", "alert");
  else element.removeAttribute("role");
}

// Forms open by URL: a live swap of the positions section (live.js) redraws them closed,
// so they are bound again and reopened (their values loaded afresh). What a person typed and
// has not saved yet is kept by URL too and put back over the loaded values, so a fill or a
// price arriving mid-edit never makes "저장" save the old rules.
const exitRulesOpen = new Set();
const exitRulesDrafts = new Map();
// Saves still on their way, by URL: a form redrawn meanwhile loads after the save, never the
// rules from before it.
const exitRulesSaving = new Map();

function exitRulesDraft(form) {
  const draft = {};
  for (const element of form.elements) {
    if (!element.name) continue;
    draft[element.name] = element.type === "checkbox" ? element.checked : element.value;
  }
  return draft;
}

function restoreExitRulesDraft(form, draft) {
  for (const [name, value] of Object.entries(draft)) {
    const element = form.elements[name];
    if (!element) continue;
    if (element.type === "checkbox") element.checked = value;
    else element.value = value;
  }
}

function bindExitRules(details) {
  if (details.dataset.bound) return;
  details.dataset.bound = "1";
  const form = details.querySelector("form.exit-rules-form");
  const error = form.querySelector(".exit-rules-error");
  let loaded = false;
  const url = details.dataset.url;
  const keepDraft = () => exitRulesDrafts.set(url, exitRulesDraft(form));
  form.addEventListener("input", keepDraft);
  form.addEventListener("change", keepDraft);
  details.addEventListener("toggle", async () => {
    if (!details.open) {
      exitRulesOpen.delete(url);
      exitRulesDrafts.delete(url);  // closed by the person: the edit is abandoned
      return;
    }
    exitRulesOpen.add(url);
    if (loaded) return;
    const pending = exitRulesSaving.get(url);
    if (pending) await pending.catch(() => null);  // its own handler reports a failure
    const result = await apiRequest("GET", url);
    if (!result.ok) {
      showExitError(error, result.data.error || UI.toast_error);
      return;
    }
    loaded = true;
    fillExitRules(form, result.data);
    const draft = exitRulesDrafts.get(url);
    if (draft) restoreExitRulesDraft(form, draft);
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showExitError(error, "");
    const saving = apiRequest("PUT", url, readExitRules(form));
    exitRulesSaving.set(url, saving);
    let result;
    try {
      result = await saving;
    } finally {
      if (exitRulesSaving.get(url) === saving) exitRulesSaving.delete(url);
    }
    if (!result.ok || result.data.success === false) {
      showExitError(error, result.data.error || UI.toast_error);
      const field = result.data.field && form.elements[result.data.field];
      if (field && field.focus) {
        field.setAttribute("aria-invalid", "true");
        field.focus();
      }
      return;
    }
    form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    exitRulesDrafts.delete(url);
    fillExitRules(form, result.data);
    showToast(result.data.message || UI.exit_rules_saved, "success");
  });
  if (exitRulesOpen.has(url)) details.open = true;
}

function bindAllExitRules() {
  document.querySelectorAll("details.exit-rules").forEach(bindExitRules);
}

bindAllExitRules();
document.addEventListener("hantu:swapped", bindAllExitRules);
