// A scatter plot of runs: one value per run on each axis (a param or a metric), hover names the run.

import { h } from "../dom.js";
import { formatNumber } from "../format.js";
import { fitCanvas, GRID, INK, linearScale, linearTicks, MUTED, tickLabels } from "./scale.js";

const M = { top: 12, right: 16, bottom: 44, left: 84 };

// Values of one axis: numbers when every value parses as one, else categories in first-seen order.
export function axisValues(values) {
  const present = values.filter((v) => v !== undefined && v !== null && v !== "");
  const numeric = present.every((v) => Number.isFinite(typeof v === "number" ? v : Number(v)));
  if (numeric) return { numeric: true, values: values.map((v) => (v === undefined || v === null || v === "" ? null : Number(v))) };
  const categories = [...new Set(present.map(String))];
  return { numeric: false, categories, values: values.map((v) => (v === undefined || v === null ? null : categories.indexOf(String(v)))) };
}

export class ScatterChart {
  constructor({ height = 320, label = "Scatter plot" } = {}) {
    this.height = height;
    this.label = label;
    this.canvas = h("canvas", { role: "img", "aria-label": label });
    this.tooltip = h("div", { class: "chart-tooltip", hidden: true, role: "status" });
    this.el = h("div", { class: "chart" }, h("div", { class: "chart-canvas" }, this.canvas, this.tooltip));
    this.points = [];
    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseleave", () => { this.tooltip.hidden = true; });
    this.resizer = new ResizeObserver(() => this.draw());
    this.resizer.observe(this.el);
  }

  destroy() {
    this.resizer.disconnect();
  }

  // runs: [{label, color, x, y}]
  set({ runs, xLabel, yLabel }) {
    this.runs = runs;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.x = axisValues(runs.map((r) => r.x));
    this.y = axisValues(runs.map((r) => r.y));
    this.canvas.setAttribute("aria-label", `${this.label}: ${yLabel || "?"} against ${xLabel || "?"}`);
    this.draw();
  }

  draw() {
    if (!this.runs) return;
    const width = Math.max(200, Math.floor(this.el.clientWidth || 500));
    const ctx = fitCanvas(this.canvas, width, this.height);
    const left = M.left;
    const right = width - M.right;
    const top = M.top;
    const bottom = this.height - M.bottom;
    const span = (axis) => {
      if (!axis.numeric) return [-0.5, axis.categories.length - 0.5];
      const vs = axis.values.filter((v) => v !== null);
      if (!vs.length) return [0, 1];
      let a = Math.min(...vs);
      let b = Math.max(...vs);
      if (a === b) {
        a -= Math.abs(a) * 0.1 || 1;
        b += Math.abs(b) * 0.1 || 1;
      }
      const pad = (b - a) * 0.05;
      return [a - pad, b + pad];
    };
    const [x0, x1] = span(this.x);
    const [y0, y1] = span(this.y);
    const x = linearScale(x0, x1, left, right);
    const y = linearScale(y0, y1, bottom, top);
    ctx.font = "12px system-ui, sans-serif";
    ctx.strokeStyle = GRID;
    ctx.fillStyle = MUTED;
    // Tick positions and their labels; numeric labels get the decimals their step needs.
    const ticks = (axis, a, b, n) => {
      if (!axis.numeric) return axis.categories.map((c, i) => [i, String(c).slice(0, 14)]);
      const ts = linearTicks(a, b, n);
      const labels = tickLabels(ts);
      return ts.map((t, i) => [t, labels[i]]);
    };
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const [t, text] of ticks(this.y, y0, y1, 5)) {
      const py = Math.round(y(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(right, py); ctx.stroke();
      ctx.fillText(text, left - 6, py);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const [t, text] of ticks(this.x, x0, x1, Math.max(2, Math.floor((right - left) / 100)))) {
      const px = Math.round(x(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(px, top); ctx.lineTo(px, bottom); ctx.stroke();
      ctx.fillText(text, px, bottom + 6);
    }
    // Axis titles: the chosen param or metric of each axis.
    ctx.fillStyle = INK;
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.fillText(this.xLabel || "", (left + right) / 2, bottom + 24);
    ctx.save();
    ctx.translate(14, (top + bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(this.yLabel || "", 0, 0);
    ctx.restore();
    ctx.strokeStyle = INK;
    ctx.strokeRect(left + 0.5, top + 0.5, right - left, bottom - top);
    this.points = [];
    this.runs.forEach((run, i) => {
      const vx = this.x.values[i];
      const vy = this.y.values[i];
      if (vx === null || vy === null) return;
      const px = x(vx);
      const py = y(vy);
      ctx.fillStyle = run.color;
      ctx.beginPath();
      ctx.arc(px, py, 5, 0, Math.PI * 2);
      ctx.fill();
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      this.points.push({ px, py, run });
    });
  }

  onMove(event) {
    const rect = this.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    let best = null;
    for (const p of this.points) {
      const d = (p.px - px) ** 2 + (p.py - py) ** 2;
      if (d < 100 && (!best || d < best.d)) best = { d, p };
    }
    if (!best) {
      this.tooltip.hidden = true;
      return;
    }
    const { run } = best.p;
    this.tooltip.replaceChildren(h("div", { class: "tooltip-x" }, run.label),
      h("div", null, `${this.xLabel}: ${formatNumber(run.x)}`), h("div", null, `${this.yLabel}: ${formatNumber(run.y)}`));
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${best.p.px + 12}px`;
    this.tooltip.style.top = `${best.p.py}px`;
  }
}
