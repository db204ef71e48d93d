// The strategies page: create strategies, add broker accounts, link them.
"use strict";

async function submitJson(url, body) {
  const result = await apiRequest("POST", url, body);
  if (result.ok && result.data.success !== false) {
    window.location.reload();
  } else {
    showToast(result.data.error || UI.toast_error, "error");
  }
}

document.getElementById("strategy-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = document.getElementById("strategy-name").value;
  const adopt = document.getElementById("strategy-adopt").checked;
  submitJson("/api/strategies", { name, adopt_broker_holdings: adopt });
});

document.querySelectorAll("input.adopt-toggle").forEach((box) => {
  box.addEventListener("change", () => {
    submitJson("/api/strategies/" + box.dataset.strategyId + "/settings", {
      adopt_broker_holdings: box.checked,
    });
  });
});

document.getElementById("broker-account-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(event.target).entries());
  submitJson("/api/broker-accounts", body);
});

document.querySelectorAll("form.link-form").forEach((form) => {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const brokerAccountId = Number(new FormData(form).get("broker_account_id"));
    submitJson("/api/strategies/" + form.dataset.strategyId + "/accounts", {
      broker_account_id: brokerAccountId,
    });
  });
});
