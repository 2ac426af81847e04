// The metric chart with its controls, for one run (run page) or several (compare view). Its settings
// live in the URL: metrics=a,b  x=step|wall|relative  log=1  smooth=0.6  zoom=lo,hi
// Each (run, metric) series is fetched from the server already bucketed to the chart's width, and a
// zoomed range is fetched again at full detail; log scale and smoothing only re-draw.

import { api } from "../api.js";
import { LineChart } from "../charts/line.js";
import { color, X_AXES } from "../charts/scale.js";
import { alertBox, errorMessage, field, h, nextId } from "../dom.js";
import { listList, updateQuery } from "../router.js";

const DASHES = [[], [6, 3], [2, 3], [8, 3, 2, 3]];

export function chartSettings(query, fallbackMetrics = []) {
  const zoom = listList(query, "zoom").map(Number);
  const smooth = Number(query.get("smooth") || 0);
  return {
    metrics: query.has("metrics") ? listList(query, "metrics") : fallbackMetrics,
    x: X_AXES[query.get("x")] ? query.get("x") : "step",
    log: query.get("log") === "1",
    smooth: Number.isFinite(smooth) ? Math.min(0.99, Math.max(0, smooth)) : 0,
    zoom: zoom.length === 2 && zoom.every(Number.isFinite) && zoom[0] < zoom[1] ? zoom : null,
  };
}

// Bucketed histories asked for, by request: shared by every panel, so a page can start fetching before
// its panel exists (the run page does, while it loads the run) and re-visits cost nothing.
const histories = new Map();
const MAX_CACHED = 300;

function historyRequest(runId, key, s, buckets) {
  const params = { run_id: runId, metric_key: key, x_axis: s.x, max_buckets: buckets };
  if (s.zoom) [params.min_x, params.max_x] = [Math.floor(s.zoom[0]), Math.ceil(s.zoom[1])];
  return params;
}

function fetchHistory(params) {
  const cacheKey = JSON.stringify(params);
  if (!histories.has(cacheKey)) {
    if (histories.size >= MAX_CACHED) histories.clear();
    histories.set(cacheKey, api.mlplug("metrics/get-history-bucketed", params)
      .catch((err) => { histories.delete(cacheKey); throw err; }));
  }
  return histories.get(cacheKey);
}

// As many buckets as the chart has pixels across (the chart spans the page's content box).
function bucketCount() {
  const width = document.getElementById("main")?.clientWidth || 900;
  return Math.max(100, Math.min(2000, Math.round(width)));
}

// Start fetching what a panel for these runs and URL settings will draw.
export function prefetchHistories(runIds, query) {
  const s = chartSettings(query);
  for (const runId of runIds) for (const key of s.metrics) fetchHistory(historyRequest(runId, key, s, bucketCount())).catch(() => {});
}

export class MetricPanel {
  // runs: [{run_id, label}]; keys: metric keys to offer
  constructor({ runs, keys, query, defaultMetrics }) {
    this.runs = runs;
    this.keys = keys;
    this.defaultMetrics = defaultMetrics || keys.slice(0, 1);
    this.alert = alertBox();
    this.chart = new LineChart({
      label: "Metric history chart",
      onZoom: (range) => updateQuery({ zoom: range ? range.map((v) => Math.round(v)).join(",") : null }),
    });
    this.controls = h("div", { class: "chart-controls" });
    this.status = h("p", { class: "chart-status muted", role: "status" });
    this.el = h("section", { class: "metric-panel", "aria-label": "Metric charts" }, this.controls, this.alert.el,
      this.chart.el, this.status);
    this.update(query);
  }

  destroy() {
    this.chart.destroy();
    this.loads = -1; // answers still on their way are dropped
  }

  update(query) {
    const settings = chartSettings(query, this.defaultMetrics);
    const previous = this.settings;
    this.settings = settings;
    this.renderControls();
    const refetch = !previous || previous.x !== settings.x || String(previous.zoom) !== String(settings.zoom)
      || String(previous.metrics) !== String(settings.metrics);
    if (refetch) this.load();
    else this.draw();
  }

  renderControls() {
    const s = this.settings;
    const metricsId = nextId("metrics");
    const metricBoxes = this.keys.length
      ? this.keys.map((key) => h("label", { class: "check" },
        h("input", {
          type: "checkbox", checked: s.metrics.includes(key), value: key,
          onchange: (e) => {
            const chosen = new Set(this.settings.metrics);
            if (e.target.checked) chosen.add(key);
            else chosen.delete(key);
            updateQuery({ metrics: this.keys.filter((k) => chosen.has(k)).join(",") || "-" , zoom: null });
          },
        }), key))
      : [h("span", { class: "muted" }, "This run has no metrics.")];
    const xSelect = h("select", { onchange: (e) => updateQuery({ x: e.target.value === "step" ? null : e.target.value, zoom: null }) },
      Object.entries(X_AXES).map(([value, axis]) => h("option", { value, selected: value === s.x }, axis.label)));
    const smoothOut = h("output", { class: "smooth-value" }, s.smooth.toFixed(2));
    const smoothInput = h("input", {
      type: "range", min: 0, max: 0.99, step: 0.01, value: String(s.smooth),
      oninput: (e) => { smoothOut.textContent = Number(e.target.value).toFixed(2); },
      onchange: (e) => updateQuery({ smooth: Number(e.target.value) ? e.target.value : null }, { replace: true }),
    });
    const zoomFrom = h("input", { type: "number", step: "any", value: s.zoom ? String(s.zoom[0]) : "", class: "narrow" });
    const zoomTo = h("input", { type: "number", step: "any", value: s.zoom ? String(s.zoom[1]) : "", class: "narrow" });
    const zoomForm = h("form", {
      class: "zoom-form",
      onsubmit: (e) => {
        e.preventDefault();
        const a = Number(zoomFrom.value);
        const b = Number(zoomTo.value);
        if (zoomFrom.value !== "" && zoomTo.value !== "" && a < b) updateQuery({ zoom: `${a},${b}` });
        else this.alert.show("Give an x range with 'from' smaller than 'to'.");
      },
    }, field("Zoom from", zoomFrom), field("to", zoomTo), h("button", { type: "submit" }, "Zoom"),
    h("button", { type: "button", disabled: !s.zoom, onclick: () => updateQuery({ zoom: null }) }, "Reset zoom"));
    this.controls.replaceChildren(
      h("fieldset", { class: "metric-choice" }, h("legend", { id: metricsId }, "Metrics"), metricBoxes),
      h("div", { class: "chart-options" },
        field("X axis", xSelect),
        h("label", { class: "check" }, h("input", {
          type: "checkbox", checked: s.log, onchange: (e) => updateQuery({ log: e.target.checked ? "1" : null }, { replace: true }),
        }), "Log scale"),
        field("Smoothing", h("span", { class: "inline" }, smoothInput, smoothOut))),
      zoomForm,
      h("p", { class: "hint" }, "Drag across the chart to zoom into a range; double-click it to reset."));
  }

  async load() {
    const load = (this.loads = (this.loads || 0) + 1); // a later load (or destroy) makes this one stale
    const s = this.settings;
    const pairs = [];
    for (const run of this.runs) for (const key of s.metrics) if (this.keys.includes(key)) pairs.push({ run, key });
    this.alert.hide();
    this.status.textContent = pairs.length ? "Loading…" : "";
    this.chart.el.dataset.state = "loading";
    const buckets = bucketCount();
    try {
      const results = await Promise.all(pairs.map(({ run, key }) => fetchHistory(historyRequest(run.run_id, key, s, buckets))));
      if (load !== this.loads) return;
      this.data = pairs.map((p, i) => ({ ...p, history: results[i] }));
      const points = results.reduce((n, r) => n + (r.count || 0), 0);
      this.status.textContent = pairs.length
        ? `${points.toLocaleString()} points in ${results.reduce((n, r) => n + r.buckets.length, 0).toLocaleString()} buckets${s.zoom ? " (zoomed)" : ""}.`
        : "";
      this.draw();
    } catch (err) {
      if (load !== this.loads) return;
      this.alert.show(errorMessage(err));
      this.status.textContent = "";
    }
  }

  draw() {
    if (!this.data) return;
    const s = this.settings;
    const manyRuns = this.runs.length > 1;
    const series = this.data.map(({ run, key, history }) => {
      const runIndex = this.runs.indexOf(run);
      const metricIndex = s.metrics.indexOf(key);
      return {
        label: manyRuns ? `${run.label} · ${key}` : key,
        color: color(manyRuns ? runIndex : metricIndex),
        dash: manyRuns ? DASHES[metricIndex % DASHES.length] : [],
        buckets: history.buckets,
      };
    });
    this.chart.set({ series, xAxis: s.x, logY: s.log, smoothing: s.smooth, xRange: s.zoom });
    this.chart.el.dataset.state = "drawn";
    performance.mark("mlplug:chart-drawn");
  }
}
