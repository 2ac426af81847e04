// Line charts of metric histories drawn on a <canvas> from buckets (x range, first, last, min, max,
// count): the line goes through each bucket's first and last value, a band shows its min..max, so
// spikes stay visible however many points a bucket holds. Several series (metrics x runs) share one
// chart. Hover shows the values under the pointer; dragging across selects an x range to zoom into
// (the caller re-asks the server for that range at full detail); double-click resets the zoom.

import { h } from "../dom.js";
import { formatNumber } from "../format.js";
import { fitCanvas, GRID, INK, linearScale, linearTicks, logScale, logTicks, MUTED, formatAxisValue, X_AXES } from "./scale.js";

const MARGIN = { top: 12, right: 16, bottom: 36, left: 64 };

// Exponential moving average with bias correction (as TensorBoard does): weight 0 leaves the line alone.
export function smooth(values, weight) {
  if (!weight) return values;
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    count += 1;
    last = last * weight + (1 - weight) * v;
    return last / (1 - weight ** count);
  });
}

// The points the line is drawn through: (x_min, first) and (x_max, last) of every bucket.
// `ends[i]` is the index of bucket i's last point.
export function linePoints(buckets) {
  const xs = [];
  const ys = [];
  const ends = [];
  for (const b of buckets) {
    xs.push(b.x_min);
    ys.push(b.first);
    if (b.x_max !== b.x_min || b.count > 1) {
      xs.push(b.x_max);
      ys.push(b.last);
    }
    ends.push(xs.length - 1);
  }
  return { xs, ys, ends };
}

export class LineChart {
  constructor({ height = 320, label = "Metric chart", onZoom } = {}) {
    this.height = height;
    this.onZoom = onZoom;
    this.series = [];
    this.xAxis = "step";
    this.logY = false;
    this.smoothing = 0;
    this.xRange = null;
    // Focusable: arrow keys walk the values (as hovering does), Escape hides them.
    this.canvas = h("canvas", { role: "img", "aria-label": `${label}; use the left and right arrow keys to read values`, tabindex: 0 });
    this.cursor = null;
    this.tooltip = h("div", { class: "chart-tooltip", hidden: true, role: "status" });
    this.legend = h("ul", { class: "chart-legend", "aria-label": "Legend" });
    this.el = h("div", { class: "chart" }, h("div", { class: "chart-canvas" }, this.canvas, this.tooltip), this.legend);
    this.drag = null;
    this.canvas.addEventListener("mousemove", (e) => this.onMove(e));
    this.canvas.addEventListener("mouseleave", () => this.hideTooltip());
    this.canvas.addEventListener("mousedown", (e) => this.onDown(e));
    window.addEventListener("mouseup", this.upHandler = (e) => this.onUp(e));
    this.canvas.addEventListener("dblclick", () => this.onZoom?.(null));
    this.canvas.addEventListener("keydown", (e) => this.onKey(e));
    this.canvas.addEventListener("blur", () => this.hideTooltip());
    this.resizer = new ResizeObserver(() => this.draw());
    this.resizer.observe(this.el);
  }

  destroy() {
    this.resizer.disconnect();
    window.removeEventListener("mouseup", this.upHandler);
  }

  // series: [{label, color, buckets}]
  set({ series, xAxis, logY, smoothing, xRange }) {
    this.series = series;
    this.xAxis = xAxis || "step";
    this.logY = !!logY;
    this.smoothing = smoothing || 0;
    this.xRange = xRange || null;
    this.prepare();
    this.renderLegend();
    this.draw();
  }

  prepare() {
    for (const s of this.series) {
      const { xs, ys, ends } = linePoints(s.buckets);
      s.xs = xs;
      s.ys = smooth(ys, this.smoothing);
      s.ends = ends;
    }
  }

  renderLegend() {
    this.legend.replaceChildren(...this.series.map((s) => h("li", null,
      h("span", { class: "swatch", style: { background: s.color }, "aria-hidden": "true" }), s.label,
      s.buckets.length ? null : h("span", { class: "muted" }, " (no values)"))));
  }

  domain() {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const s of this.series) {
      for (const b of s.buckets) {
        x0 = Math.min(x0, b.x_min);
        x1 = Math.max(x1, b.x_max);
        const lo = this.logY ? (b.min > 0 ? b.min : b.max > 0 ? b.max : Infinity) : b.min;
        if (lo < y0) y0 = lo;
        if (b.max > y1 && (!this.logY || b.max > 0)) y1 = b.max;
      }
      for (const y of s.ys) {
        if (!Number.isFinite(y) || (this.logY && y <= 0)) continue;
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    if (this.xRange) [x0, x1] = this.xRange;
    if (!Number.isFinite(x0)) return null;
    if (x0 === x1) {
      x0 -= 1;
      x1 += 1;
    }
    if (!Number.isFinite(y0)) {
      y0 = this.logY ? 1 : 0;
      y1 = this.logY ? 10 : 1;
    }
    if (y0 === y1) {
      const pad = this.logY ? y0 * 0.5 : Math.abs(y0) * 0.05 || 1;
      y0 -= pad;
      y1 += this.logY ? y1 : pad;
    } else if (!this.logY) {
      const pad = (y1 - y0) * 0.04;
      y0 -= pad;
      y1 += pad;
    }
    return { x0, x1, y0, y1 };
  }

  draw() {
    const width = Math.max(200, Math.floor(this.el.clientWidth || 600));
    const ctx = fitCanvas(this.canvas, width, this.height);
    this.width = width;
    ctx.clearRect(0, 0, width, this.height);
    const d = this.domain();
    if (!d) {
      ctx.fillStyle = MUTED;
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillText("No values to draw.", MARGIN.left, this.height / 2);
      this.scales = null;
      return;
    }
    const left = MARGIN.left;
    const right = width - MARGIN.right;
    const top = MARGIN.top;
    const bottom = this.height - MARGIN.bottom;
    const x = linearScale(d.x0, d.x1, left, right);
    const y = (this.logY ? logScale : linearScale)(d.y0, d.y1, bottom, top);
    this.scales = { x, y, left, right, top, bottom };
    const axis = X_AXES[this.xAxis] || X_AXES.step;

    ctx.font = "12px system-ui, sans-serif";
    ctx.lineWidth = 1;
    ctx.strokeStyle = GRID;
    ctx.fillStyle = MUTED;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of this.logY ? logTicks(d.y0, d.y1) : linearTicks(d.y0, d.y1, 5)) {
      const py = Math.round(y(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(right, py);
      ctx.stroke();
      ctx.fillText(formatAxisValue(t), left - 6, py);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    const xticks = axis.ticks(d.x0, d.x1, Math.max(2, Math.floor((right - left) / 110)));
    for (const t of xticks) {
      const px = Math.round(x(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(px, top);
      ctx.lineTo(px, bottom);
      ctx.stroke();
      ctx.fillText(axis.format(t, d.x1 - d.x0), px, bottom + 6);
    }
    ctx.strokeStyle = INK;
    ctx.strokeRect(left + 0.5, top + 0.5, right - left, bottom - top);

    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    for (const s of this.series) this.drawSeries(ctx, s, x, y);
    ctx.restore();

    if (this.drag && this.drag.x1 !== undefined) {
      ctx.fillStyle = "rgba(11, 87, 208, 0.15)";
      const a = Math.min(this.drag.x0, this.drag.x1);
      ctx.fillRect(a, top, Math.abs(this.drag.x1 - this.drag.x0), bottom - top);
    }
  }

  drawSeries(ctx, s, x, y) {
    const clampY = (v) => (this.logY && v <= 0 ? NaN : y(v));
    // min..max bands of buckets that hold more than one point
    ctx.fillStyle = s.color;
    ctx.globalAlpha = 0.2;
    for (const b of s.buckets) {
      if (b.count < 2 || b.min === b.max) continue;
      const top = clampY(b.max);
      const bottom = this.logY && b.min <= 0 ? this.scales.bottom : clampY(b.min);
      if (!Number.isFinite(top)) continue;
      const x0 = x(b.x_min);
      ctx.fillRect(x0, top, Math.max(1, x(b.x_max) - x0), Math.max(1, bottom - top));
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.xs.length; i += 1) {
      const py = clampY(s.ys[i]);
      if (!Number.isFinite(py)) {
        pen = false;
        continue;
      }
      const px = x(s.xs[i]);
      if (pen) ctx.lineTo(px, py);
      else ctx.moveTo(px, py);
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
    if (s.xs.length === 1 || s.buckets.length < 40) { // few points: mark each
      ctx.fillStyle = s.color;
      for (let i = 0; i < s.xs.length; i += 1) {
        const py = clampY(s.ys[i]);
        if (Number.isFinite(py)) ctx.fillRect(x(s.xs[i]) - 2, py - 2, 4, 4);
      }
    }
  }

  // --- pointer -----------------------------------------------------------------------------------
  pointerX(event) {
    const rect = this.canvas.getBoundingClientRect();
    return { px: event.clientX - rect.left, py: event.clientY - rect.top };
  }

  onDown(event) {
    if (!this.scales || event.button !== 0) return;
    const { px } = this.pointerX(event);
    if (px < this.scales.left || px > this.scales.right) return;
    this.drag = { x0: px };
    event.preventDefault();
  }

  onUp(event) {
    if (!this.drag) return;
    const drag = this.drag;
    this.drag = null;
    if (drag.x1 !== undefined && Math.abs(drag.x1 - drag.x0) > 4 && this.scales) {
      const a = this.scales.x.invert(Math.min(drag.x0, drag.x1));
      const b = this.scales.x.invert(Math.max(drag.x0, drag.x1));
      this.onZoom?.([a, b]);
    } else {
      this.draw();
    }
    event.preventDefault?.();
  }

  onKey(event) {
    if (!this.scales) return;
    if (event.key === "Escape") {
      this.cursor = null;
      this.hideTooltip();
      return;
    }
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
    event.preventDefault();
    const { left, right, top, bottom } = this.scales;
    const stride = (right - left) / (event.shiftKey ? 10 : 50);
    const at = this.cursor ?? (left + right) / 2;
    this.cursor = Math.max(left, Math.min(right, at + (event.key === "ArrowRight" ? stride : -stride)));
    this.showValuesAt(this.cursor, (top + bottom) / 2);
  }

  onMove(event) {
    if (!this.scales) return;
    const { px, py } = this.pointerX(event);
    if (this.drag) {
      this.drag.x1 = Math.max(this.scales.left, Math.min(this.scales.right, px));
      this.draw();
      return;
    }
    if (px < this.scales.left || px > this.scales.right) {
      this.hideTooltip();
      return;
    }
    this.showValuesAt(px, py);
  }

  showValuesAt(px, py) {
    const xv = this.scales.x.invert(px);
    const axis = X_AXES[this.xAxis] || X_AXES.step;
    const rows = [];
    for (const s of this.series) {
      const b = nearestBucket(s.buckets, xv);
      if (!b) continue;
      const shown = this.smoothing ? s.ys[s.ends[s.buckets.indexOf(b)]] : b.last;
      let text = `${s.label}: ${formatNumber(shown)}`;
      if (b.count > 1) text += ` (min ${formatNumber(b.min)}, max ${formatNumber(b.max)}, ${b.count} points)`;
      rows.push({ color: s.color, text, x: b.x_max });
    }
    if (!rows.length) {
      this.hideTooltip();
      return;
    }
    this.tooltip.replaceChildren(h("div", { class: "tooltip-x" }, axis.tooltip(rows[0].x)),
      ...rows.map((r) => h("div", null, h("span", { class: "swatch", style: { background: r.color } }), r.text)));
    this.tooltip.hidden = false;
    const flip = px > this.width / 2;
    this.tooltip.style.left = flip ? "" : `${px + 14}px`;
    this.tooltip.style.right = flip ? `${this.width - px + 14}px` : "";
    this.tooltip.style.top = `${Math.max(0, py - 10)}px`;
  }

  hideTooltip() {
    this.tooltip.hidden = true;
  }
}

export function nearestBucket(buckets, xv) {
  if (!buckets.length) return null;
  let lo = 0;
  let hi = buckets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (buckets[mid].x_max < xv) lo = mid + 1;
    else hi = mid;
  }
  const b = buckets[lo];
  const prev = buckets[lo - 1];
  if (prev && xv - prev.x_max < b.x_min - xv) return prev;
  return b;
}
