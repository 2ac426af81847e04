// One run: #/run/<id>?tab=overview|charts|artifacts (+ the chart settings, or path=<artifact>).
// Overview: status, times, duration, source, user, parent and child runs, notes (Markdown, editable),
// params, latest metrics and tags (editable).

import { api, columnIdentifier, quoteValue, runData } from "../api.js";
import { alertBox, button, empty, errorMessage, field, h, replace, table } from "../dom.js";
import { formatNumber, formatTime, runDuration } from "../format.js";
import { renderMarkdown } from "../markdown.js";
import { href, updateQuery } from "../router.js";
import { ArtifactBrowser } from "./artifacts.js";
import { MetricPanel, prefetchHistories } from "./metric_panel.js";
import { statusBadge } from "./runs.js";

export const NOTE_TAG = "mlflow.note.content";
export const PARENT_TAG = "mlflow.parentRunId";
const TABS = { overview: "Overview", charts: "Charts", artifacts: "Artifacts" };

export function definitionList(pairs) {
  return h("dl", { class: "details" }, pairs.filter(Boolean).map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

export class RunPage {
  constructor(el, route) {
    this.el = el;
    this.runId = route.segments[1];
    this.alert = alertBox();
    this.header = h("div", { class: "run-header" }, h("h1", null, "Run"));
    this.tabs = h("nav", { class: "tabs", "aria-label": "Run sections" });
    this.body = h("div", { class: "tab-body" });
    el.append(this.header, this.alert.el, this.tabs, this.body);
    this.route = route;
    this.load();
  }

  destroy() {
    this.panel?.destroy();
  }

  tab(route) {
    const t = route.query.get("tab");
    return TABS[t] ? t : "overview";
  }

  async load() {
    if (this.tab(this.route) === "charts" && this.route.query.has("metrics")) {
      prefetchHistories([this.runId], this.route.query); // in parallel with the run itself
    }
    try {
      const { run } = await api.get("runs/get", { run_id: this.runId });
      this.run = run;
      this.d = runData(run);
    } catch (err) {
      replace(this.header, h("h1", null, "Run not found"));
      this.alert.show(errorMessage(err));
      return;
    }
    const experimentId = this.run.info.experiment_id;
    this.experiment = { experiment_id: experimentId, name: `Experiment ${experimentId}` }; // until its name arrives
    this.renderHeader();
    this.show(this.route, true);
    try {
      ({ experiment: this.experiment } = await api.get("experiments/get", { experiment_id: experimentId }));
      this.renderHeader();
      for (const link of this.el.querySelectorAll("[data-experiment-name]")) link.textContent = this.experimentLabel();
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }

  experimentLabel() {
    return `${this.experiment.name} (${this.experiment.experiment_id})`;
  }

  update(route) {
    this.route = route;
    if (this.run) this.show(route, false);
  }

  show(route, initial) {
    const tab = this.tab(route);
    replace(this.tabs, Object.entries(TABS).map(([key, label]) => h("a", {
      href: href(["run", this.runId], key === "overview" ? {} : { tab: key }), "aria-current": key === tab ? "page" : null,
    }, label)));
    if (!initial && tab === this.current && tab !== "overview") {
      if (tab === "charts") this.panel.update(route.query);
      else this.browser.update(route.query);
      return;
    }
    this.panel?.destroy();
    this.panel = null;
    this.current = tab;
    replace(this.body);
    if (tab === "charts") {
      const keys = Object.keys(this.d.metrics).sort();
      this.panel = new MetricPanel({ runs: [{ run_id: this.runId, label: this.run.info.run_name }], keys, query: route.query,
        defaultMetrics: keys.slice(0, 1) });
      this.body.append(this.panel.el);
    } else if (tab === "artifacts") {
      this.browser = new ArtifactBrowser(this.runId, route.query);
      this.body.append(this.browser.el);
    } else {
      this.renderOverview();
    }
  }

  renderHeader() {
    const info = this.run.info;
    document.title = `${info.run_name || info.run_id} · mlplug`;
    replace(this.header,
      h("p", { class: "crumbs" }, h("a", { href: "#/experiments" }, "Experiments"), " / ",
        h("a", { href: href(["runs"], { e: info.experiment_id }) }, this.experiment.name)),
      h("h1", null, info.run_name || info.run_id, " ", statusBadge(info.status),
        info.lifecycle_stage === "deleted" ? h("span", { class: "badge deleted" }, "deleted") : null));
  }

  async reload() {
    const { run } = await api.get("runs/get", { run_id: this.runId });
    this.run = run;
    this.d = runData(run);
    this.renderHeader();
    this.renderOverview();
  }

  renderOverview() {
    const info = this.run.info;
    const tags = this.d.tags;
    const source = tags["mlflow.source.name"];
    const commit = tags["mlflow.source.git.commit"];
    const parent = tags[PARENT_TAG];
    const children = h("span", { class: "muted" }, "Looking…");
    const details = definitionList([
      ["Run ID", h("code", null, info.run_id)],
      ["Experiment", h("a", { href: href(["runs"], { e: info.experiment_id }), dataset: { experimentName: "" } }, this.experimentLabel())],
      ["Status", statusBadge(info.status)],
      ["Started", formatTime(info.start_time)],
      ["Ended", formatTime(info.end_time) || "—"],
      ["Duration", runDuration(info) || "—"],
      ["Source", source ? [source, tags["mlflow.source.type"] ? ` (${tags["mlflow.source.type"]})` : ""] : "—"],
      commit ? ["Git commit", h("code", null, commit.slice(0, 12))] : null,
      ["User", info.user_id || tags["mlflow.user"] || "—"],
      ["Lifecycle stage", info.lifecycle_stage],
      ["Artifact URI", h("span", { class: "path" }, info.artifact_uri)],
      ["Parent run", parent ? h("a", { href: href(["run", parent]) }, parent) : "—"],
      ["Child runs", children],
    ]);
    this.loadChildren(children);

    replace(this.body,
      h("div", { class: "overview" },
        h("section", { class: "panel", "aria-labelledby": "details-h" }, h("h2", { id: "details-h" }, "Details"), details),
        this.notesSection(),
        this.paramsSection(),
        this.metricsSection(),
        this.tagsSection()));
  }

  async loadChildren(cell) {
    try {
      const page = await api.post("runs/search", {
        experiment_ids: [this.run.info.experiment_id], max_results: 100,
        filter: `${columnIdentifier("tags", PARENT_TAG)} = ${quoteValue(this.runId)}`,
      });
      const runs = page.runs || [];
      replace(cell, runs.length
        ? h("ul", { class: "plain" }, runs.map((r) => h("li", null, h("a", { href: href(["run", r.info.run_id]) }, r.info.run_name || r.info.run_id))))
        : "—");
    } catch (err) {
      replace(cell, errorMessage(err));
    }
  }

  notesSection() {
    const note = this.d.tags[NOTE_TAG] || "";
    const section = h("section", { class: "panel", "aria-labelledby": "notes-h" });
    const view = () => {
      const rendered = h("div", { class: "markdown" });
      rendered.innerHTML = note ? renderMarkdown(note) : ""; // renderMarkdown escapes the text first
      replace(section, h("div", { class: "section-head" }, h("h2", { id: "notes-h" }, "Notes"),
        button(note ? "Edit notes" : "Add notes", edit)), note ? rendered : empty("No notes yet."));
    };
    const edit = () => {
      const area = h("textarea", { rows: 8, "aria-label": "Notes (Markdown)" }, note);
      replace(section, h("h2", { id: "notes-h" }, "Notes"), area,
        h("div", { class: "toolbar" },
          button("Save notes", async () => {
            try {
              await api.post("runs/set-tag", { run_id: this.runId, key: NOTE_TAG, value: area.value });
              await this.reload();
            } catch (err) {
              this.alert.show(errorMessage(err));
            }
          }, { class: "primary" }),
          button("Cancel", view)),
        h("p", { class: "hint" }, "Markdown: # headings, **bold**, *italic*, `code`, lists, [links](https://…)."));
      area.focus();
    };
    view();
    return section;
  }

  paramsSection() {
    const entries = Object.entries(this.d.params).sort(([a], [b]) => a.localeCompare(b));
    return h("section", { class: "panel", "aria-labelledby": "params-h" }, h("h2", { id: "params-h" }, `Parameters (${entries.length})`),
      entries.length ? h("div", { class: "table-wrap" }, table(["Name", "Value"],
        entries.map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k), h("td", { class: "value" }, v))), { class: "grid kv params" }))
        : empty("No parameters."));
  }

  metricsSection() {
    const entries = Object.values(this.d.metrics).sort((a, b) => a.key.localeCompare(b.key));
    return h("section", { class: "panel", "aria-labelledby": "metrics-h" }, h("h2", { id: "metrics-h" }, `Metrics (${entries.length})`),
      entries.length ? h("div", { class: "table-wrap" }, table(["Name", "Latest value", "Step", "Logged at"],
        entries.map((m) => h("tr", null,
          h("th", { scope: "row" }, h("a", { href: href(["run", this.runId], { tab: "charts", metrics: m.key }) }, m.key)),
          h("td", { class: "num" }, formatNumber(m.value)), h("td", { class: "num" }, String(m.step ?? 0)),
          h("td", null, formatTime(m.timestamp)))), { class: "grid kv metrics" }))
        : empty("No metrics."));
  }

  tagsSection() {
    const all = Object.entries(this.d.tags).sort(([a], [b]) => a.localeCompare(b));
    const user = all.filter(([k]) => !k.startsWith("mlflow."));
    const system = all.filter(([k]) => k.startsWith("mlflow.") && k !== NOTE_TAG);
    const editable = this.run.info.lifecycle_stage === "active";
    const save = async (key, value) => {
      try {
        await api.post("runs/set-tag", { run_id: this.runId, key, value });
        await this.reload();
      } catch (err) {
        this.alert.show(errorMessage(err));
      }
    };
    const rows = user.map(([k, v]) => {
      const valueCell = h("td", { class: "value" }, v);
      const actions = h("td", { class: "actions" });
      if (editable) {
        actions.append(
          button("Edit", () => {
            const input = h("input", { value: v, "aria-label": `New value of tag ${k}` });
            replace(valueCell, h("form", { class: "inline-form compact", onsubmit: (e) => { e.preventDefault(); save(k, input.value); } },
              input, h("button", { type: "submit" }, "Save"), button("Cancel", () => replace(valueCell, v))));
            input.focus();
          }, { "aria-label": `Edit tag ${k}` }),
          button("Delete", async () => {
            try {
              await api.post("runs/delete-tag", { run_id: this.runId, key: k });
              await this.reload();
            } catch (err) {
              this.alert.show(errorMessage(err));
            }
          }, { class: "danger", "aria-label": `Delete tag ${k}` }));
      }
      return h("tr", null, h("th", { scope: "row" }, k), valueCell, actions);
    });
    const key = h("input", { name: "key", required: true, autocomplete: "off" });
    const value = h("input", { name: "value", autocomplete: "off" });
    const add = editable ? h("form", {
      class: "inline-form",
      onsubmit: (e) => { e.preventDefault(); save(key.value.trim(), value.value); },
    }, field("Tag name", key), field("Value", value), h("button", { type: "submit" }, "Add tag")) : null;
    return h("section", { class: "panel", "aria-labelledby": "tags-h" }, h("h2", { id: "tags-h" }, `Tags (${user.length})`),
      user.length ? h("div", { class: "table-wrap" }, table(["Name", "Value", h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Actions"))], rows, { class: "grid kv tags" })) : empty("No tags."),
      add,
      system.length ? h("details", { class: "system-tags" }, h("summary", null, `System tags (${system.length})`),
        h("div", { class: "table-wrap" }, table(["Name", "Value"], system.map(([k, v]) => h("tr", null, h("th", { scope: "row" }, k),
          h("td", { class: "value" }, v))), { class: "grid kv" }))) : null);
  }
}
