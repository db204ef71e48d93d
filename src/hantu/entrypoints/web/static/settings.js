// The settings page: per-strategy risk limits, broker account edit and deactivation.
"use strict";

function failInto(element, result) {
  element.textContent = result.data.error || UI.toast_error;
}

document.querySelectorAll("form.limits-form").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      daily_loss_limit: data.get("daily_loss_limit"),
      max_symbol_exposure: data.get("max_symbol_exposure"),
      max_open_positions: data.get("max_open_positions"),
      adopt_broker_holdings: data.get("adopt_broker_holdings") === "on",
    };
    const error = form.querySelector(".limits-error");
    error.textContent = "";
    const result = await apiRequest("POST", "/api/strategies/" + form.dataset.strategyId + "/limits", body);
    if (result.ok) {
      window.location.reload();
    } else {
      failInto(error, result);
    }
  });
});

document.querySelectorAll("form.account-edit").forEach((form) => {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {};
    for (const [key, value] of new FormData(form).entries()) {
      if (String(value).trim() !== "") body[key] = value;
    }
    const error = form.querySelector(".account-error");
    error.textContent = "";
    if (body.app_key || body.app_secret) showToast(UI.set_checking_keys, "info");
    const result = await apiRequest("PATCH", "/api/broker-accounts/" + form.dataset.accountId, body);
    if (result.ok) {
      window.location.reload();
    } else {
      failInto(error, result);
    }
  });
});

async function post(url) {
  const result = await apiRequest("POST", url, {});
  if (result.ok) {
    window.location.reload();
  } else {
    showToast(result.data.error || UI.toast_error, "error");
  }
}

document.querySelectorAll("button.deactivate-account").forEach((button) => {
  button.addEventListener("click", () => post("/api/broker-accounts/" + button.dataset.accountId + "/deactivate"));
});
document.querySelectorAll("button.activate-account").forEach((button) => {
  button.addEventListener("click", () => post("/api/broker-accounts/" + button.dataset.accountId + "/activate"));
});
