// Scales and tick marks shared by the charts: linear, logarithmic, wall-clock time and durations.

import { formatNumber } from "../format.js";

export const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#e377c2", "#8c564b", "#17becf", "#bc5a00",
  "#7f7f7f", "#4e7d14"];

export function color(i) {
  return PALETTE[i % PALETTE.length];
}

export function linearScale(d0, d1, r0, r1) {
  const span = d1 - d0 || 1;
  const f = (v) => r0 + ((v - d0) / span) * (r1 - r0);
  f.invert = (p) => d0 + ((p - r0) / (r1 - r0)) * span;
  f.domain = [d0, d1];
  return f;
}

export function logScale(d0, d1, r0, r1) {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const span = l1 - l0 || 1;
  const f = (v) => r0 + ((Math.log10(Math.max(v, d0 / 1e6)) - l0) / span) * (r1 - r0);
  f.invert = (p) => 10 ** (l0 + ((p - r0) / (r1 - r0)) * span);
  f.domain = [d0, d1];
  return f;
}

function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const r = raw / power;
  return (r >= 5 ? 10 : r >= 2 ? 5 : r >= 1 ? 2 : 1) * power;
}

export function linearTicks(d0, d1, count = 6) {
  if (!(d1 > d0)) return [d0];
  const step = niceStep(d1 - d0, count);
  const ticks = [];
  for (let v = Math.ceil(d0 / step) * step; v <= d1 + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function logTicks(d0, d1) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(d0)); e <= Math.ceil(Math.log10(d1)); e += 1) {
    const v = 10 ** e;
    if (v >= d0 * 0.999 && v <= d1 * 1.001) ticks.push(v);
  }
  if (ticks.length < 2) return linearTicks(d0, d1, 4).filter((v) => v > 0);
  return ticks;
}

// Nice "round" ticks for a time axis in ms (wall clock) and their labels.
const TIME_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5,
  36e5, 72e5, 108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5, 2592e6, 31536e6];

export function timeTicks(d0, d1, count = 6) {
  if (!(d1 > d0)) return [d0];
  const raw = (d1 - d0) / count;
  const step = TIME_STEPS.find((s) => s >= raw) || niceStep(d1 - d0, count);
  const offset = new Date(d0).getTimezoneOffset() * 60000; // align days to local midnight
  const ticks = [];
  for (let v = Math.ceil((d0 - offset) / step) * step + offset; v <= d1; v += step) ticks.push(v);
  return ticks;
}

const pad = (n) => String(n).padStart(2, "0");

export function formatWall(ms, span) {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (span < 120e3) return `${hm}:${pad(d.getSeconds())}`;
  if (span < 2 * 864e5) return hm;
  return `${d.getMonth() + 1}/${d.getDate()} ${hm}`;
}

export function formatRelative(ms) {
  const s = ms / 1000;
  if (Math.abs(s) < 60) return `${formatNumber(Number(s.toPrecision(4)))}s`;
  if (Math.abs(s) < 3600) return `${Math.floor(s / 60)}m${pad(Math.round(s % 60))}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.round((s % 3600) / 60))}m`;
}

export function formatAxisValue(v) {
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

// Labels for evenly spaced ticks: as many decimals as the step needs, so neighbouring labels always differ
// (0.01 apart → two decimals even when the values are near 54, where four significant digits would not do).
export function tickLabels(ticks) {
  if (ticks.length < 2) return ticks.map(formatAxisValue);
  const step = Math.abs(ticks[1] - ticks[0]);
  const largest = Math.max(...ticks.map(Math.abs));
  const stepPower = Math.floor(Math.log10(step) + 1e-9);
  if (largest !== 0 && (largest < 1e-3 || largest >= 1e6)) {
    const digits = Math.min(15, Math.max(1, Math.floor(Math.log10(largest)) - stepPower));
    return ticks.map((v) => (v === 0 ? "0" : v.toExponential(digits)));
  }
  const decimals = Math.min(15, Math.max(0, -stepPower));
  return ticks.map((v) => (Math.abs(v) < step * 1e-9 ? 0 : v).toFixed(decimals));
}

// Which x-axis a chart shows, with its ticks and labels.
export const X_AXES = {
  step: { label: "Step", ticks: linearTicks, format: (v) => formatAxisValue(v), tooltip: (v) => `step ${v}` },
  wall: {
    label: "Time", ticks: timeTicks, format: formatWall,
    tooltip: (v) => new Date(v).toLocaleString(),
  },
  relative: {
    label: "Relative time", ticks: (a, b, n) => linearTicks(a, b, n), format: (v) => formatRelative(v),
    tooltip: (v) => formatRelative(v),
  },
};

// Canvas sized for the device's pixel ratio; returns the 2D context in CSS pixels.
export function fitCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

export const INK = "#1f2328";
export const MUTED = "#59636e";
export const GRID = "#d8dee4";
