// Live pages: one EventSource on /api/v1/live for a signed-in page (base.html loads this
// only then). Every notice is (1) dispatched on `document` as a "hantu:live" CustomEvent
// whose detail is {topic, kind, order_id?, failed_order_id?, symbol?, status?, alert_id?}, for tables
// drawn by JavaScript, and (2) answered by re-fetching this page and swapping every element
// with an `id` and a `data-live` naming the topic, for server-rendered sections. A "resync"
// (the stream missed too much) does both for every topic. After a swap "hantu:swapped" is
// dispatched with {ids} so page scripts can bind to the new elements.
"use strict";

(function () {
  const ENDPOINT = "/api/v1/live";
  const TOPICS = ["order", "fill", "failed_order", "position", "alert"];
  const BATCH_MS = 150; // notices arriving together cause one re-fetch
  const DOWN_AFTER_MS = 1000; // a reconnect quicker than this shows no warning
  const REOPEN_MAX_MS = 30000;

  let source = null;
  let lastId = null;
  let connected = false;
  let reopenDelay = 1000;
  let reopenTimer = null;
  let downTimer = null;
  let batchTimer = null;
  let fetching = false;
  const pendingTopics = new Set();
  const indicator = makeIndicator();

  function makeIndicator() {
    const box = document.createElement("div");
    box.id = "live-status";
    box.className = "live-status";
    box.setAttribute("role", "status");
    box.hidden = true;
    box.textContent = UI.live_disconnected;
    // Set through the CSSOM: the Content Security Policy allows no inline style markup.
    Object.assign(box.style, {
      position: "fixed", left: "1rem", bottom: "1rem", zIndex: "11",
      padding: ".5rem .9rem", borderRadius: "6px", background: "#7c2d12", color: "#fff",
      fontSize: ".9rem",
    });
    document.body.appendChild(box);
    return box;
  }

  function setConnected(value) {
    connected = value;
    clearTimeout(downTimer);
    if (value) {
      indicator.hidden = true;
      reopenDelay = 1000;
    } else {
      downTimer = setTimeout(() => { indicator.hidden = connected; }, DOWN_AFTER_MS);
    }
  }

  function remember(event) {
    if (event.lastEventId) lastId = event.lastEventId;
  }

  function open() {
    if (source) return;
    clearTimeout(reopenTimer);
    const url = lastId ? ENDPOINT + "?last_event_id=" + encodeURIComponent(lastId) : ENDPOINT;
    source = new EventSource(url);
    source.onmessage = (event) => {
      remember(event);
      let detail;
      try { detail = JSON.parse(event.data); } catch (_error) { return; }
      if (detail && TOPICS.includes(detail.topic)) notify([detail]);
    };
    source.addEventListener("ready", (event) => { remember(event); setConnected(true); });
    source.addEventListener("resync", (event) => {
      remember(event);
      setConnected(true);
      notify(TOPICS.map((topic) => ({ topic, kind: "resync" })));
    });
    source.onerror = () => {
      setConnected(false);
      // CONNECTING: the browser retries by itself (`retry:` 1 s, with Last-Event-ID).
      // CLOSED (an error answer, e.g. signed out): reopen ourselves, backing off.
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        reopenTimer = setTimeout(open, reopenDelay);
        reopenDelay = Math.min(reopenDelay * 2, REOPEN_MAX_MS);
      }
    };
  }

  function close() {
    clearTimeout(reopenTimer);
    if (source) source.close();
    source = null;
    setConnected(false);
  }

  function notify(details) {
    for (const detail of details) {
      document.dispatchEvent(new CustomEvent("hantu:live", { detail }));
      pendingTopics.add(detail.topic);
    }
    if (!batchTimer) batchTimer = setTimeout(refresh, BATCH_MS);
  }

  function liveTopics(element) {
    return (element.getAttribute("data-live") || "").split(/\s+/).filter(Boolean);
  }

  function beingEdited(element) {
    const active = document.activeElement;
    if (!active || active === document.body || !element.contains(active)) return false;
    return active.matches("input, select, textarea, [contenteditable]");
  }

  function targets(topics) {
    return Array.from(document.querySelectorAll("[id][data-live]")).filter(
      (element) => liveTopics(element).some((topic) => topics.has(topic)),
    );
  }

  async function refresh() {
    batchTimer = null;
    if (fetching) { batchTimer = setTimeout(refresh, BATCH_MS); return; }
    const topics = new Set(pendingTopics);
    pendingTopics.clear();
    const elements = targets(topics);
    if (!elements.length) return;
    fetching = true;
    try {
      const response = await fetch(location.href, {
        cache: "no-store", credentials: "same-origin", headers: { Accept: "text/html" },
      });
      if (!response.ok || response.redirected) return; // signed out: leave the page as is
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      swap(elements, fresh);
    } catch (_error) {
      for (const topic of topics) pendingTopics.add(topic); // try again with the next one
    } finally {
      fetching = false;
    }
  }

  function swap(elements, fresh) {
    const scroll = [window.scrollX, window.scrollY];
    const focusedId = document.activeElement && document.activeElement.id;
    const swapped = [];
    for (const element of elements) {
      const replacement = fresh.getElementById(element.id);
      if (!replacement) continue;
      if (beingEdited(element)) {
        for (const topic of liveTopics(element)) pendingTopics.add(topic);
        element.addEventListener("focusout", () => notify([]), { once: true });
        continue;
      }
      const node = document.importNode(replacement, true);
      node.scrollTop = element.scrollTop;
      element.replaceWith(node);
      swapped.push(element.id);
    }
    if (focusedId && document.activeElement === document.body) {
      const again = document.getElementById(focusedId);
      if (again) again.focus({ preventScroll: true });
    }
    window.scrollTo(scroll[0], scroll[1]);
    if (swapped.length) {
      document.dispatchEvent(new CustomEvent("hantu:swapped", { detail: { ids: swapped } }));
    }
  }

  window.addEventListener("pagehide", close);
  window.addEventListener("pageshow", (event) => { if (event.persisted) open(); });
  window.hantuLive = {
    open,
    close,
    get lastId() { return lastId; },
    get connected() { return connected; },
  };
  open();
})();
