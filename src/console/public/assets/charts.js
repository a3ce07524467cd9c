// The overview's charts, drawn with uPlot (/assets/vendor/uplot.iife.min.js)
// from the JSON in #usage-data: requests, tokens and cost per day, one line
// per model. An enhancement only: the page's tables hold the same numbers.
(() => {
  "use strict";
  const source = document.getElementById("usage-data");
  const section = document.querySelector("[data-charts]");
  if (!source || !section || typeof uPlot !== "function") return;
  const usage = JSON.parse(source.textContent || "{}");
  if (!Array.isArray(usage.models) || usage.models.length === 0) return;

  // Distinct at a glance and readable on white (WCAG non-text contrast 3:1).
  const COLOURS = ["#1f5fbf", "#c0392b", "#1e8449", "#8e44ad", "#b9770e", "#117a8b", "#6e2c00", "#34495e"];
  const xs = usage.days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000);
  const money = (v) => `$${v.toFixed(v !== 0 && Math.abs(v) < 0.01 ? 6 : 2)}`;
  const count = (v) => v.toLocaleString("en-US");
  const FORMATS = { requests: count, tokens: count, cost_usd: money };
  // Ticks fall on whole UTC days, labelled as the tables write them (MM-DD).
  const day = (ts) => new Date(ts * 1000).toISOString().slice(0, 10);
  const DAY_S = 86400;

  // Shown before drawing, so each figure has its width.
  section.hidden = false;
  const width = (figure) => Math.max(280, figure.clientWidth);
  const plots = [];
  for (const figure of section.querySelectorAll("figure[data-chart]")) {
    const key = figure.dataset.chart;
    const values = usage[key];
    const format = FORMATS[key];
    if (!Array.isArray(values) || !format) continue;
    const options = {
      width: width(figure),
      height: 220,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { incrs: [DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S, 28 * DAY_S], values: (u, ticks) => ticks.map((ts) => day(ts).slice(5)) },
        { values: (u, ticks) => ticks.map(format), size: 70 },
      ],
      series: [
        { label: "Day (UTC)", value: (u, ts) => (ts == null ? "–" : day(ts)) },
        ...usage.models.map((model, i) => ({
          label: model,
          stroke: COLOURS[i % COLOURS.length],
          width: 2,
          points: { show: true, size: 5 },
          value: (u, v) => (v == null ? "–" : format(v)),
        })),
      ],
    };
    // uPlot appends after the caption; console.css keeps the caption above the chart.
    const plot = new uPlot(options, [xs, ...values], figure);
    plots.push({ plot, figure });
  }
  window.addEventListener("resize", () => {
    for (const { plot, figure } of plots) plot.setSize({ width: width(figure), height: 220 });
  });
})();
