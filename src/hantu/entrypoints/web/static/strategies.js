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

document.querySelectorAll("select.mode-select").forEach((select) => {
  select.addEventListener("change", async () => {
    const result = await apiRequest("PATCH", "/api/strategies/" + select.dataset.strategyId, {
      mode: select.value,
    });
    showToast(result.ok ? UI.alert_mode_saved : result.data.error || UI.toast_error,
      result.ok ? "success" : "error");
  });
});

document.getElementById("broker-account-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("broker-account-error");
  const save = document.getElementById("broker-account-save");
  const body = Object.fromEntries(new FormData(form).entries());
  error.textContent = "";
  save.disabled = true;
  showToast(UI.set_checking_keys, "info");
  const result = await apiRequest("POST", "/api/broker-accounts", body);
  save.disabled = false;
  if (result.ok && result.data.success !== false) {
    window.location.reload();
  } else {
    error.textContent = result.data.error || UI.toast_error;  // the keys were not saved
  }
});

// Tokens are shown masked; reveal, copy and the templates fetch the real one on demand.
async function fetchToken(strategyId) {
  const result = await apiRequest("GET", "/api/strategies/" + strategyId + "/token");
  if (!result.ok) {
    showToast(result.data.error || UI.toast_error, "error");
    return null;
  }
  return result.data;
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    showToast(UI.copied, "success");
  } catch (_err) {
    showToast(UI.toast_error, "error");
  }
}

function articleOf(element) {
  return element.closest("article.strategy");
}

document.querySelectorAll("button.reveal-token").forEach((button) => {
  button.addEventListener("click", async () => {
    const code = articleOf(button).querySelector("code.webhook-token");
    if (button.getAttribute("aria-pressed") === "true") {
      code.textContent = code.dataset.masked;
      button.setAttribute("aria-pressed", "false");
      button.textContent = UI.set_token_reveal;
      return;
    }
    const found = await fetchToken(button.dataset.strategyId);
    if (!found) return;
    code.textContent = found.token;
    button.setAttribute("aria-pressed", "true");
    button.textContent = UI.set_token_hide;
  });
});

document.querySelectorAll("button.copy-token").forEach((button) => {
  button.addEventListener("click", async () => {
    const found = await fetchToken(button.dataset.strategyId);
    if (found) await copyText(found.token);
  });
});

document.querySelectorAll("button.copy-template").forEach((button) => {
  button.addEventListener("click", async () => {
    const found = await fetchToken(button.dataset.strategyId);
    if (!found) return;
    const pre = articleOf(button).querySelector('pre[data-kind="' + button.dataset.kind + '"]');
    await copyText(pre.textContent.split(found.masked_token).join(found.token));
  });
});

document.querySelectorAll("button.rotate-token").forEach((button) => {
  button.addEventListener("click", async () => {
    if (!window.confirm(UI.set_token_rotate_confirm)) return;
    const result = await apiRequest("POST", "/api/strategies/" + button.dataset.strategyId + "/token", {});
    if (!result.ok) {
      showToast(result.data.error || UI.toast_error, "error");
      return;
    }
    window.location.reload();
  });
});

document.querySelectorAll("form.rename-form").forEach((form) => {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = new FormData(form).get("name");
    submitJson("/api/strategies/" + form.dataset.strategyId + "/rename", { name });
  });
});

document.querySelectorAll("button.delete-strategy").forEach((button) => {
  button.addEventListener("click", async () => {
    if (!window.confirm(UI.set_strategy_delete_confirm)) return;
    const result = await apiRequest("DELETE", "/api/strategies/" + button.dataset.strategyId);
    if (result.ok) {
      window.location.reload();
    } else {
      showToast(result.data.error || UI.toast_error, "error");
    }
  });
});

// "테스트 웹훅 보내기": validation only (POST /api/webhook/test); no order is placed.
document.querySelectorAll("button.test-webhook").forEach((button) => {
  button.addEventListener("click", async () => {
    const out = articleOf(button).querySelector(".test-result");
    const found = await fetchToken(button.dataset.strategyId);
    if (!found) return;
    const body = {
      token: found.token,
      symbol: "005930",
      side: "BUY",
      order_type: "MARKET",
      quantity: "1",
      id: "hantu-test-" + Date.now(),
    };
    const result = await apiRequest("POST", "/api/webhook/test", body);
    out.className = "test-result " + (result.ok ? "ok" : "fail");
    out.setAttribute("role", result.ok ? "status" : "alert");
    out.textContent = result.ok ? result.data.message : (result.data.error || UI.toast_error);
  });
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

// Telegram: a one-time code to send to the bot as "/start CODE", and unlinking.
const telegramCode = document.getElementById("telegram-code");
if (telegramCode) {
  telegramCode.addEventListener("click", async () => {
    const result = await apiRequest("POST", "/api/telegram/link-code", {});
    if (!result.ok) {
      showToast(result.data.error || UI.toast_error, "error");
      return;
    }
    document.getElementById("telegram-command").textContent = result.data.command;
    document.getElementById("telegram-copy").dataset.copy = result.data.command;
    document.getElementById("telegram-instructions").hidden = false;
  });
}
const telegramUnlink = document.getElementById("telegram-unlink");
if (telegramUnlink) {
  telegramUnlink.addEventListener("click", () => submitJson("/api/telegram/unlink", {}));
}
