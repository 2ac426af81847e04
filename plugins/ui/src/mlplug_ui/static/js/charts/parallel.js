// Parallel coordinates: one vertical axis per chosen param or metric, one line per run across them.
// Numeric axes are linear from their min to max; other values are spread as categories.

import { h } from "../dom.js";
import { formatNumber } from "../format.js";
import { fitCanvas, formatAxisValue, INK, MUTED } from "./scale.js";
import { axisValues } from "./scatter.js";

const M = { top: 34, right: 40, bottom: 24, left: 40 };

export class ParallelChart {
  constructor({ height = 340, label = "Parallel coordinates" } = {}) {
    this.height = height;
    this.canvas = h("canvas", { role: "img", "aria-label": label });
    this.tooltip = h("div", { class: "chart-tooltip", hidden: true, role: "status" });
    this.el = h("div", { class: "chart" }, h("div", { class: "chart-canvas" }, this.canvas, this.tooltip));
    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseleave", () => { this.tooltip.hidden = true; this.highlight = null; this.draw(); });
    this.resizer = new ResizeObserver(() => this.draw());
    this.resizer.observe(this.el);
  }

  destroy() {
    this.resizer.disconnect();
  }

  // dims: [{label, values: [per run]}]; runs: [{label, color}]
  set({ dims, runs }) {
    this.dims = dims.map((d) => ({ ...d, axis: axisValues(d.values) }));
    this.runs = runs;
    this.draw();
  }

  draw() {
    if (!this.dims) return;
    const width = Math.max(240, Math.floor(this.el.clientWidth || 600));
    const ctx = fitCanvas(this.canvas, width, this.height);
    const n = this.dims.length;
    if (n === 0) {
      ctx.fillStyle = MUTED;
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillText("Choose at least one param or metric.", M.left, this.height / 2);
      return;
    }
    const top = M.top;
    const bottom = this.height - M.bottom;
    const xs = this.dims.map((_d, i) => (n === 1 ? width / 2 : M.left + (i * (width - M.left - M.right)) / (n - 1)));
    const scales = this.dims.map((d) => {
      const axis = d.axis;
      if (!axis.numeric) {
        const k = Math.max(1, axis.categories.length - 1);
        return (v) => (v === null ? null : bottom - (v / k) * (bottom - top));
      }
      const vs = axis.values.filter((v) => v !== null);
      const lo = Math.min(...vs);
      const hi = Math.max(...vs);
      return (v) => (v === null ? null : hi === lo ? (top + bottom) / 2 : bottom - ((v - lo) / (hi - lo)) * (bottom - top));
    });
    this.layout = { xs, scales };
    this.runs.forEach((run, r) => {
      if (this.highlight !== null && this.highlight !== undefined && this.highlight !== r) this.line(ctx, r, "#c9d1d9", 1);
    });
    this.runs.forEach((run, r) => {
      if (this.highlight === null || this.highlight === undefined || this.highlight === r) this.line(ctx, r, run.color, this.highlight === r ? 3 : 1.5);
    });
    ctx.font = "12px system-ui, sans-serif";
    this.dims.forEach((d, i) => {
      const x = xs[i];
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(x + 0.5, top); ctx.lineTo(x + 0.5, bottom); ctx.stroke();
      ctx.fillStyle = INK;
      ctx.textAlign = i === 0 ? "left" : i === n - 1 ? "right" : "center";
      ctx.textBaseline = "bottom";
      ctx.fillText(d.label.length > 24 ? `${d.label.slice(0, 23)}…` : d.label, x, top - 14);
      ctx.fillStyle = MUTED;
      ctx.textBaseline = "middle";
      const axis = d.axis;
      const vs = axis.numeric ? axis.values.filter((v) => v !== null) : [];
      const ends = axis.numeric ? (vs.length ? [Math.min(...vs), Math.max(...vs)] : []) : [];
      const labels = axis.numeric ? ends.map((v) => [v, formatAxisValue(v)]) : axis.categories.map((c, k) => [k, c.slice(0, 12)]);
      ctx.textAlign = i === n - 1 ? "right" : "left";
      for (const [v, text] of labels) ctx.fillText(text, x + (i === n - 1 ? -6 : 6), scales[i](v));
    });
  }

  line(ctx, r, colour, widthPx) {
    const { xs, scales } = this.layout;
    ctx.strokeStyle = colour;
    ctx.lineWidth = widthPx;
    ctx.beginPath();
    let pen = false;
    this.dims.forEach((d, i) => {
      const y = scales[i](d.axis.values[r]);
      if (y === null) {
        pen = false;
        return;
      }
      if (pen) ctx.lineTo(xs[i], y);
      else ctx.moveTo(xs[i], y);
      pen = true;
    });
    ctx.stroke();
  }

  onMove(event) {
    if (!this.layout) return;
    const rect = this.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    const { xs, scales } = this.layout;
    let i = 0;
    while (i < xs.length - 1 && px > (xs[i] + xs[i + 1]) / 2) i += 1;
    let best = null;
    this.runs.forEach((_run, r) => {
      const y = scales[i](this.dims[i].axis.values[r]);
      if (y !== null && (best === null || Math.abs(y - py) < best.d)) best = { d: Math.abs(y - py), r };
    });
    const next = best && best.d < 12 ? best.r : null;
    if (next !== this.highlight) {
      this.highlight = next;
      this.draw();
    }
    if (next === null) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.replaceChildren(h("div", { class: "tooltip-x" }, this.runs[next].label),
      ...this.dims.map((d) => h("div", null, `${d.label}: ${formatNumber(d.values[next])}`)));
    this.tooltip.hidden = false;
    this.tooltip.style.left = px > rect.width / 2 ? "" : `${px + 12}px`;
    this.tooltip.style.right = px > rect.width / 2 ? `${rect.width - px + 12}px` : "";
    this.tooltip.style.top = `${py}px`;
  }
}
