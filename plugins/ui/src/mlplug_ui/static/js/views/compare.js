// Compare selected runs: #/compare?runs=a,b,c&tab=table|charts|scatter|parallel
//   table: the runs' params side by side (differences marked; diff=1 shows only those) and latest metrics
//   charts: the metric chart with every run (settings as on the run page)
//   scatter: sx=<col>&sy=<col>, parallel: pc=<col>,<col>,... where a col is params:<key> or metrics:<key>

import { api, runData } from "../api.js";
import { ParallelChart } from "../charts/parallel.js";
import { color } from "../charts/scale.js";
import { ScatterChart } from "../charts/scatter.js";
import { alertBox, empty, errorMessage, field, h, replace, table } from "../dom.js";
import { formatNumber, formatTime } from "../format.js";
import { href, listList, updateQuery } from "../router.js";
import { MetricPanel } from "./metric_panel.js";
import { parseColumn, statusBadge } from "./runs.js";

const TABS = { table: "Params and metrics", charts: "Metric charts", scatter: "Scatter plot", parallel: "Parallel coordinates" };
const MAX_RUNS = 100;

export class ComparePage {
  constructor(el, route) {
    this.el = el;
    this.alert = alertBox();
    this.ids = [...new Set(listList(route.query, "runs"))].slice(0, MAX_RUNS);
    this.tabs = h("nav", { class: "tabs", "aria-label": "Comparison views" });
    this.body = h("div", { class: "tab-body" });
    this.heading = h("h1", null, `Compare ${this.ids.length} runs`);
    this.summary = h("div", { class: "table-wrap" });
    el.append(h("p", { class: "crumbs" }, h("a", { href: "#/experiments" }, "Experiments")), this.heading, this.alert.el,
      this.summary, this.tabs, this.body);
    document.title = `Compare runs · mlplug`;
    this.route = route;
    this.load();
  }

  destroy() {
    this.panel?.destroy();
    this.chart?.destroy();
  }

  async load() {
    if (!this.ids.length) {
      replace(this.body, empty("No runs chosen: select runs in a runs table and press Compare."));
      return;
    }
    const results = await Promise.all(this.ids.map((run_id) => api.get("runs/get", { run_id }).catch((err) => ({ err, run_id }))));
    const failed = results.filter((r) => r.err);
    if (failed.length) this.alert.show(failed.map((f) => `${f.run_id}: ${errorMessage(f.err)}`).join(" "));
    this.runs = results.filter((r) => r.run).map(({ run }, i) => ({
      id: run.info.run_id, label: run.info.run_name || run.info.run_id.slice(0, 8), info: run.info, d: runData(run), color: color(i),
    }));
    this.renderSummary();
    this.show(this.route, true);
    const ids = [...new Set(this.runs.map((r) => r.info.experiment_id))];
    const found = await Promise.all(ids.map((experiment_id) => api.get("experiments/get", { experiment_id })
      .then(({ experiment }) => experiment, () => null)));
    this.experimentNames = Object.fromEntries(found.filter(Boolean).map((e) => [e.experiment_id, e.name]));
    this.renderSummary();
  }

  update(route) {
    this.route = route;
    if (this.runs) this.show(route, false);
  }

  tab(route) {
    const t = route.query.get("tab");
    return TABS[t] ? t : "table";
  }

  keys(kind) {
    return [...new Set(this.runs.flatMap((r) => Object.keys(r.d[kind])))].sort();
  }

  renderSummary() {
    replace(this.summary, table(["Run", "Status", "Started", "Experiment"], this.runs.map((r) => h("tr", null,
      h("th", { scope: "row" }, h("span", { class: "swatch", style: { background: r.color }, "aria-hidden": "true" }),
        h("a", { href: href(["run", r.id]) }, r.label)),
      h("td", null, statusBadge(r.info.status)), h("td", null, formatTime(r.info.start_time)),
      h("td", null, h("a", { href: href(["runs"], { e: r.info.experiment_id }) },
        this.experimentNames?.[r.info.experiment_id] ?? r.info.experiment_id)))), { class: "grid compare-runs" }));
  }

  show(route, initial) {
    const tab = this.tab(route);
    const base = { runs: this.ids.join(",") };
    replace(this.tabs, Object.entries(TABS).map(([key, label]) => h("a", {
      href: href(["compare"], key === "table" ? base : { ...base, tab: key }), "aria-current": key === tab ? "page" : null,
    }, label)));
    if (!initial && tab === this.current && tab === "charts") {
      this.panel.update(route.query);
      return;
    }
    this.panel?.destroy();
    this.chart?.destroy();
    this.panel = null;
    this.chart = null;
    this.current = tab;
    replace(this.body);
    if (tab === "charts") {
      const keys = this.keys("metrics");
      this.panel = new MetricPanel({ runs: this.runs.map((r) => ({ run_id: r.id, label: r.label })), keys, query: route.query });
      this.body.append(this.panel.el);
    } else if (tab === "scatter") {
      this.renderScatter(route.query);
    } else if (tab === "parallel") {
      this.renderParallel(route.query);
    } else {
      this.renderTable(route.query);
    }
  }

  valueOf(run, col) {
    const v = run.d[col.kind]?.[col.key];
    return col.kind === "metrics" ? v?.value : v;
  }

  columnOptions(selected) {
    const groups = [["params", "Params"], ["metrics", "Metrics"]];
    return groups.map(([kind, label]) => h("optgroup", { label }, this.keys(kind).map((key) => h("option", {
      value: `${kind}:${key}`, selected: selected === `${kind}:${key}`,
    }, key))));
  }

  renderTable(query) {
    const onlyDiff = query.get("diff") === "1";
    const params = this.keys("params").filter((k) => !onlyDiff || new Set(this.runs.map((r) => r.d.params[k])).size > 1);
    const metrics = this.keys("metrics");
    // A function, not an array: a DOM node lives in one table only, so each table needs its own header cells.
    const head = () => ["Name", ...this.runs.map((r) => h("th", { scope: "col" }, h("a", { href: href(["run", r.id]) }, r.label)))];
    const paramRows = params.map((k) => {
      const values = this.runs.map((r) => r.d.params[k]);
      const differs = new Set(values).size > 1;
      return h("tr", { class: differs ? "differs" : "" }, h("th", { scope: "row" }, k, differs ? h("span", { class: "sr-only" }, " (differs)") : null),
        values.map((v) => h("td", { class: "value" }, v ?? "—")));
    });
    const metricRows = metrics.map((k) => {
      const values = this.runs.map((r) => r.d.metrics[k]?.value);
      const nums = values.filter((v) => typeof v === "number");
      const best = nums.length > 1 ? [Math.min(...nums), Math.max(...nums)] : [];
      return h("tr", null, h("th", { scope: "row" }, k), values.map((v) => h("td", {
        class: `num${v === best[0] ? " lowest" : ""}${v === best[1] ? " highest" : ""}`,
      }, v === undefined ? "—" : formatNumber(v))));
    });
    replace(this.body,
      h("section", { class: "panel", "aria-labelledby": "pdiff-h" },
        h("div", { class: "section-head" }, h("h2", { id: "pdiff-h" }, "Parameters"),
          h("label", { class: "check" }, h("input", { type: "checkbox", checked: onlyDiff, onchange: (e) => updateQuery({ diff: e.target.checked ? "1" : null }) }),
            "Only show differences")),
        params.length ? h("div", { class: "table-wrap" }, table(head(), paramRows, { class: "grid diff" }))
          : empty(onlyDiff ? "All parameters are the same." : "No parameters.")),
      h("section", { class: "panel", "aria-labelledby": "mdiff-h" }, h("h2", { id: "mdiff-h" }, "Latest metrics"),
        metrics.length ? h("div", { class: "table-wrap" }, table(head(), metricRows, { class: "grid diff" })) : empty("No metrics.")));
  }

  defaultColumn(kind, skip) {
    const key = this.keys(kind).find((k) => `${kind}:${k}` !== skip);
    return key ? `${kind}:${key}` : null;
  }

  // The first param, else metric, whose values differ between the runs (a constant X axis shows nothing).
  varyingColumn() {
    for (const kind of ["params", "metrics"]) {
      const key = this.keys(kind).find((k) => new Set(this.runs.map((r) => this.valueOf(r, { kind, key: k }))).size > 1);
      if (key) return `${kind}:${key}`;
    }
    return null;
  }

  renderScatter(query) {
    const sx = query.get("sx") || this.varyingColumn() || this.defaultColumn("params") || this.defaultColumn("metrics");
    const sy = query.get("sy") || this.defaultColumn("metrics", sx) || sx;
    const xSel = h("select", { onchange: (e) => updateQuery({ sx: e.target.value }, { replace: true }) }, this.columnOptions(sx));
    const ySel = h("select", { onchange: (e) => updateQuery({ sy: e.target.value }, { replace: true }) }, this.columnOptions(sy));
    this.chart = new ScatterChart({ label: "Scatter plot of the compared runs" });
    replace(this.body, h("div", { class: "chart-options" }, field("X axis", xSel), field("Y axis", ySel)), this.chart.el);
    if (!sx || !sy) {
      replace(this.body, empty("These runs have no params or metrics to plot."));
      return;
    }
    const cx = parseColumn(sx);
    const cy = parseColumn(sy);
    this.chart.set({
      runs: this.runs.map((r) => ({ label: r.label, color: r.color, x: this.valueOf(r, cx), y: this.valueOf(r, cy) })),
      xLabel: cx.key, yLabel: cy.key,
    });
  }

  renderParallel(query) {
    const all = [...this.keys("params").map((k) => `params:${k}`), ...this.keys("metrics").map((k) => `metrics:${k}`)];
    const chosen = query.has("pc") ? listList(query, "pc").filter((c) => all.includes(c)) : all.slice(0, 8);
    const boxes = h("fieldset", { class: "metric-choice" }, h("legend", null, "Axes"), all.map((c) => h("label", { class: "check" },
      h("input", {
        type: "checkbox", checked: chosen.includes(c),
        onchange: (e) => {
          const next = all.filter((x) => (x === c ? e.target.checked : chosen.includes(x)));
          updateQuery({ pc: next.join(",") || "-" }, { replace: true });
        },
      }), `${parseColumn(c).kind === "params" ? "param" : "metric"} ${parseColumn(c).key}`)));
    this.chart = new ParallelChart({ label: "Parallel coordinates of the compared runs" });
    replace(this.body, boxes, this.chart.el);
    this.chart.set({
      dims: chosen.map((c) => {
        const col = parseColumn(c);
        return { label: col.key, values: this.runs.map((r) => this.valueOf(r, col)) };
      }),
      runs: this.runs.map((r) => ({ label: r.label, color: r.color })),
    });
  }
}
