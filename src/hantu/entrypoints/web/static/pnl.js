// PnL charts: the equity curve (line) and daily PnL (bars, gains red, losses blue), drawn by
// TradingView's lightweight-charts served by hantu itself (static/vendor). Data from /api/pnl
// with the page's own filters; reloaded when a fill or position changes (hantu:live).
"use strict";

(function () {
  const UP = "#c81e1e";
  const DOWN = "#1d4ed8";
  const LC = window.LightweightCharts;
  const status = document.getElementById("pnl-chart-status");
  const select = document.getElementById("pnl-series");
  let report = null;
  let charts = null;

  function wonLabel(value) {
    return formatWon(Math.round(value).toString());
  }

  function makeChart(element) {
    return LC.createChart(element, {
      autoSize: true,
      layout: { background: { color: "#ffffff" }, textColor: "#1f2937" },
      localization: { locale: "ko-KR", priceFormatter: wonLabel, dateFormat: "yyyy-MM-dd" },
      rightPriceScale: { borderVisible: false },
      timeScale: { borderVisible: false },
      grid: { vertLines: { color: "#f1f5f9" }, horzLines: { color: "#f1f5f9" } },
    });
  }

  function build() {
    const equity = makeChart(document.getElementById("pnl-equity-chart"));
    const daily = makeChart(document.getElementById("pnl-daily-chart"));
    return {
      equity: equity,
      daily: daily,
      line: equity.addSeries(LC.LineSeries, { color: "#111827", lineWidth: 2 }),
      bars: daily.addSeries(LC.HistogramSeries, { color: UP }),
    };
  }

  function summaryFor(choice) {
    if (!report) return null;
    if (choice === "total") return report.total;
    const [kind, id] = choice.split(":");
    const groups = kind === "strategy" ? report.strategies : report.accounts;
    const found = groups.find((g) => String(g.id) === id);
    return found ? found.summary : null;
  }

  function draw() {
    const summary = summaryFor(select ? select.value : "total");
    const days = summary ? summary.days : [];
    charts.line.setData(days.map((d) => ({ time: d.day, value: Number(d.equity) })));
    charts.bars.setData(
      days.map((d) => {
        const value = Number(d.pnl);
        return { time: d.day, value: value, color: value < 0 ? DOWN : UP };
      })
    );
    charts.equity.timeScale().fitContent();
    charts.daily.timeScale().fitContent();
    status.textContent = days.length ? "" : UI.pnl_chart_empty;
    document.getElementById("pnl-charts").dataset.points = String(days.length);
  }

  async function load() {
    try {
      const response = await fetch("/api/pnl" + window.location.search, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      report = await response.json();
    } catch (error) {
      status.textContent = UI.pnl_chart_failed;
      return;
    }
    if (!charts) charts = build();
    draw();
  }

  if (!LC || !status) return;
  if (select) select.addEventListener("change", draw);
  document.addEventListener("hantu:live", (event) => {
    const topic = event.detail && event.detail.topic;
    if (topic === "fill" || topic === "position") load();
  });
  load();
})();
