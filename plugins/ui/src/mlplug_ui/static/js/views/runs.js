// The runs table of one or several experiments. Everything it shows is in the URL:
//   e=1,2            experiment ids
//   filter=...       MLflow's search grammar (metrics.loss < 0.5 and params.model = 'cnn')
//   sort=metrics:loss&asc=1   the column sorted by (default: start time, newest first)
//   cols=metrics:loss,params:lr,tags:team   the chosen param/metric/tag columns
//   view=deleted|all, n=50 (page size), pg=2&tok=<page token>
// Only one page of runs is fetched (search_runs with max_results and page tokens), so the table is as
// quick with 100,000 runs as with 100.

import { api, columnIdentifier, runData } from "../api.js";
import { alertBox, button, clear, empty, errorMessage, field, h, replace } from "../dom.js";
import { formatNumber, formatTime, plural } from "../format.js";
import { href, listList, navigate, updateQuery } from "../router.js";

const PAGE_SIZES = [25, 50, 100, 200];
const ATTRIBUTES = {
  run_name: "Run name", start_time: "Created", status: "Status", user_id: "User",
};
const KINDS = { metrics: "Metrics", params: "Params", tags: "Tags" };
const DEFAULT_PER_KIND = 8;
// Page tokens seen per search, so "Previous" works without the server paging backwards.
const tokenMemory = new Map();

export function parseColumn(id) {
  const i = id.indexOf(":");
  return i < 0 ? null : { kind: id.slice(0, i), key: id.slice(i + 1) };
}

function orderBy(sort, asc) {
  const col = parseColumn(sort);
  if (!col) return [];
  const ident = col.kind === "attributes" ? `attributes.${col.key}` : columnIdentifier(col.kind, col.key);
  return [`${ident} ${asc ? "ASC" : "DESC"}`];
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${String(status || "").toLowerCase()}` }, status || "");
}

export class RunsPage {
  constructor(el, route) {
    this.el = el;
    this.alert = alertBox();
    this.selected = new Set();
    this.experiments = new Map();
    this.title = h("h1", null, "Runs");
    this.crumbs = h("p", { class: "crumbs" }, h("a", { href: "#/experiments" }, "Experiments"));
    this.filterInput = h("input", {
      type: "search", name: "filter", class: "filter-input", spellcheck: false, autocomplete: "off",
      placeholder: "metrics.loss < 0.5 and params.model = 'cnn'", disabled: true,
    });
    this.viewSelect = h("select", { onchange: (e) => updateQuery({ view: e.target.value === "active" ? null : e.target.value, pg: null, tok: null }) },
      [["active", "Active runs"], ["deleted", "Deleted runs"], ["all", "All runs"]].map(([v, t]) => h("option", { value: v }, t)));
    this.sizeSelect = h("select", { onchange: (e) => updateQuery({ n: e.target.value === "50" ? null : e.target.value, pg: null, tok: null }) },
      PAGE_SIZES.map((n) => h("option", { value: String(n) }, String(n))));
    const form = h("form", {
      class: "search-form", role: "search",
      onsubmit: (e) => {
        e.preventDefault();
        updateQuery({ filter: this.filterInput.value.trim(), pg: null, tok: null });
      },
    }, field("Filter runs", this.filterInput, "MLflow's search syntax; press Enter to search."),
    h("button", { type: "submit" }, "Search"),
    button("Clear", () => updateQuery({ filter: null, pg: null, tok: null })));
    this.toolbar = h("div", { class: "toolbar", role: "toolbar", "aria-label": "Selected runs" });
    this.chooser = h("details", { class: "column-chooser" });
    // The chooser is a pop-over: a click elsewhere or Escape closes it.
    this.closeChooser = (event) => {
      if (!this.chooser.open) return;
      if (event.type === "keydown" ? event.key === "Escape" : !this.chooser.contains(event.target)) {
        this.chooser.open = false;
        if (event.type === "keydown") this.chooser.querySelector("summary").focus();
      }
    };
    document.addEventListener("click", this.closeChooser);
    document.addEventListener("keydown", this.closeChooser);
    this.tableWrap = h("div", { class: "table-wrap runs-table-wrap" });
    this.pager = h("nav", { class: "pager", "aria-label": "Pages of runs" });
    el.append(this.crumbs, this.title, form,
      h("div", { class: "table-options" }, field("Show", this.viewSelect), field("Rows per page", this.sizeSelect), this.chooser),
      this.alert.el, this.toolbar, this.tableWrap, this.pager);
    this.update(route);
  }

  destroy() {
    document.removeEventListener("click", this.closeChooser);
    document.removeEventListener("keydown", this.closeChooser);
  }

  settings(route) {
    const q = route.query;
    const n = Number(q.get("n") || 50);
    return {
      experimentIds: listList(q, "e").length ? listList(q, "e") : ["0"],
      filter: q.get("filter") || "",
      sort: q.get("sort") || "attributes:start_time",
      asc: q.get("asc") === "1",
      cols: q.has("cols") ? listList(q, "cols").filter(parseColumn) : null,
      view: ["deleted", "all"].includes(q.get("view")) ? q.get("view") : "active",
      size: PAGE_SIZES.includes(n) ? n : 50,
      page: Math.max(1, Number(q.get("pg") || 1) || 1),
      token: q.get("tok") || undefined,
    };
  }

  update(route) {
    const s = this.settings(route);
    this.s = s;
    this.filterInput.value = s.filter;
    this.viewSelect.value = s.view;
    this.sizeSelect.value = String(s.size);
    this.searchKey = JSON.stringify([s.experimentIds, s.filter, s.sort, s.asc, s.view, s.size]);
    const memory = tokenMemory.get(this.searchKey) || [];
    memory[s.page] = s.token;
    tokenMemory.set(this.searchKey, memory);
    this.loadExperiments(s.experimentIds);
    this.loadRuns();
  }

  async loadExperiments(ids) {
    const missing = ids.filter((id) => !this.experiments.has(id));
    await Promise.all(missing.map(async (id) => {
      try {
        const { experiment } = await api.get("experiments/get", { experiment_id: id });
        this.experiments.set(id, experiment);
      } catch (err) {
        this.experiments.set(id, { experiment_id: id, name: `Experiment ${id}`, missing: true });
        this.alert.show(errorMessage(err));
      }
    }));
    const names = ids.map((id) => this.experiments.get(id)?.name || id);
    this.title.textContent = ids.length === 1 ? names[0] : `Runs of ${ids.length} experiments`;
    document.title = `${this.title.textContent} · mlplug`;
    if (ids.length > 1) {
      if (missing.length && this.runs?.length) this.renderTable(); // runs that came first showed bare experiment ids
      replace(this.crumbs, h("a", { href: "#/experiments" }, "Experiments"), " / ",
        names.map((name, i) => [i ? ", " : "", h("a", { href: href(["runs"], { e: ids[i] }) }, name)]));
    }
  }

  async loadRuns() {
    const s = this.s;
    const version = (this.version = (this.version || 0) + 1);
    this.tableWrap.setAttribute("aria-busy", "true");
    try {
      const page = await api.post("runs/search", {
        experiment_ids: s.experimentIds, filter: s.filter, max_results: s.size, order_by: orderBy(s.sort, s.asc),
        run_view_type: { active: "ACTIVE_ONLY", deleted: "DELETED_ONLY", all: "ALL" }[s.view], page_token: s.token,
      });
      if (version !== this.version) return;
      this.filterInput.disabled = false;
      this.alert.hide();
      this.runs = (page.runs || []).map((run) => ({ ...run, d: runData(run) }));
      this.nextToken = page.next_page_token;
      this.selected = new Set([...this.selected].filter((id) => this.runs.some((r) => r.info.run_id === id)));
      this.render();
    } catch (err) {
      if (version !== this.version) return;
      this.filterInput.disabled = false;
      this.alert.show(errorMessage(err));
      this.runs = [];
      this.nextToken = null;
      this.render();
    } finally {
      this.tableWrap.removeAttribute("aria-busy");
    }
  }

  // Columns to show: the chosen ones, or by default the first metrics and params of this page.
  columns() {
    if (this.s.cols) return this.s.cols.map(parseColumn);
    const keys = this.pageKeys();
    return [...keys.metrics.slice(0, DEFAULT_PER_KIND).map((key) => ({ kind: "metrics", key })),
      ...keys.params.slice(0, DEFAULT_PER_KIND).map((key) => ({ kind: "params", key }))];
  }

  pageKeys() {
    const sets = { metrics: new Set(), params: new Set(), tags: new Set() };
    for (const run of this.runs || []) {
      for (const kind of Object.keys(sets)) Object.keys(run.d[kind]).forEach((k) => sets[kind].add(k));
    }
    for (const col of (this.s.cols || []).map(parseColumn)) sets[col.kind]?.add(col.key);
    return Object.fromEntries(Object.entries(sets).map(([k, v]) => [k, [...v].sort()]));
  }

  render() {
    this.renderTable();
    this.renderToolbar();
    this.renderPager();
    this.renderChooser();
    performance.mark("mlplug:runs-rendered"); // rows on screen, search box usable: bench/ui.py reads this
    this.tableWrap.dataset.state = "ready";
  }

  headerCell(id, label) {
    const sorted = this.s.sort === id;
    const next = sorted ? !this.s.asc : id === "attributes:run_name";
    return h("th", { scope: "col", "aria-sort": sorted ? (this.s.asc ? "ascending" : "descending") : "none" },
      h("button", {
        type: "button", class: "sort", "aria-label": `Sort by ${label}`,
        onclick: () => updateQuery({ sort: id === "attributes:start_time" ? null : id, asc: next ? "1" : null, pg: null, tok: null }),
      }, label, h("span", { class: "sort-mark", "aria-hidden": "true" }, sorted ? (this.s.asc ? " ▲" : " ▼") : "")));
  }

  renderTable() {
    const runs = this.runs;
    if (!runs.length) {
      replace(this.tableWrap, empty(this.s.filter ? "No runs match this filter." : "No runs here yet."));
      return;
    }
    const cols = this.columns();
    const many = this.s.experimentIds.length > 1;
    const all = h("input", {
      type: "checkbox", "aria-label": "Select all runs on this page",
      checked: runs.every((r) => this.selected.has(r.info.run_id)),
      onchange: (e) => {
        runs.forEach((r) => (e.target.checked ? this.selected.add(r.info.run_id) : this.selected.delete(r.info.run_id)));
        this.renderTable();
        this.renderToolbar();
      },
    });
    const head = h("tr", null, h("th", { scope: "col", class: "select" }, all),
      Object.entries(ATTRIBUTES).map(([key, label]) => this.headerCell(`attributes:${key}`, label)),
      many ? h("th", { scope: "col" }, "Experiment") : null,
      cols.map((c) => this.headerCell(`${c.kind}:${c.key}`, c.key)));
    const kindRow = cols.length ? h("tr", { class: "kind-row" }, h("th", { colspan: 5 + (many ? 1 : 0) }),
      cols.map((c) => h("th", { class: `kind kind-${c.kind}` }, c.kind === "metrics" ? "metric" : c.kind.slice(0, -1)))) : null;
    const body = runs.map((run) => {
      const info = run.info;
      const id = info.run_id;
      const name = info.run_name || id;
      return h("tr", { class: this.selected.has(id) ? "selected" : "" },
        h("td", { class: "select" }, h("input", {
          type: "checkbox", checked: this.selected.has(id), "aria-label": `Select run ${name}`,
          onchange: (e) => {
            if (e.target.checked) this.selected.add(id);
            else this.selected.delete(id);
            e.target.closest("tr").classList.toggle("selected", e.target.checked);
            this.renderToolbar();
          },
        })),
        h("td", { class: "name" }, h("a", { href: href(["run", id]) }, name)),
        h("td", { class: "nowrap" }, formatTime(info.start_time)),
        h("td", null, statusBadge(info.status)),
        h("td", null, info.user_id),
        many ? h("td", null, this.experiments.get(info.experiment_id)?.name || info.experiment_id) : null,
        cols.map((c) => {
          const v = run.d[c.kind][c.key];
          if (c.kind === "metrics") return h("td", { class: "num" }, v ? formatNumber(v.value) : "");
          return h("td", { class: "value", title: v && v.length > 40 ? v : null }, v ?? "");
        }));
    });
    replace(this.tableWrap, h("table", { class: "grid runs", "aria-label": "Runs" },
      h("thead", null, kindRow, head), h("tbody", null, body)));
  }

  renderToolbar() {
    const ids = [...this.selected];
    const s = this.s;
    replace(this.toolbar,
      h("span", { class: "muted" }, ids.length ? `${plural(ids.length, "run")} selected` : "Select runs to compare or delete them."),
      button("Compare", () => navigate(["compare"], { runs: ids.join(",") }), { disabled: ids.length < 2 }),
      button("Chart", () => navigate(["compare"], { runs: ids.join(","), tab: "charts" }), { disabled: ids.length < 1 }),
      s.view !== "deleted" ? button("Delete", () => this.bulk("runs/delete", ids), { class: "danger", disabled: !ids.length }) : null,
      s.view !== "active" ? button("Restore", () => this.bulk("runs/restore", ids), { disabled: !ids.length }) : null,
      ids.length ? button("Clear selection", () => { this.selected.clear(); this.renderTable(); this.renderToolbar(); }) : null);
  }

  async bulk(endpoint, ids) {
    if (endpoint === "runs/delete" && !window.confirm(`Delete ${plural(ids.length, "run")}?`)) return;
    try {
      await Promise.all(ids.map((run_id) => api.post(endpoint, { run_id })));
      this.selected.clear();
      this.loadRuns();
    } catch (err) {
      this.alert.show(errorMessage(err));
      this.loadRuns();
    }
  }

  renderPager() {
    const s = this.s;
    const first = (s.page - 1) * s.size + 1;
    const count = this.runs.length;
    const memory = tokenMemory.get(this.searchKey) || [];
    const prevKnown = s.page === 2 || memory[s.page - 1] !== undefined;
    replace(this.pager,
      h("span", { class: "muted", role: "status" }, count ? `Runs ${first.toLocaleString()}–${(first + count - 1).toLocaleString()}` : ""),
      button("First page", () => updateQuery({ pg: null, tok: null }), { disabled: s.page === 1 }),
      button("Previous", () => updateQuery({ pg: s.page - 1 === 1 ? null : s.page - 1, tok: s.page - 1 === 1 ? null : memory[s.page - 1] }),
        { disabled: s.page === 1 || !prevKnown }),
      button("Next", () => updateQuery({ pg: s.page + 1, tok: this.nextToken }), { disabled: !this.nextToken }));
  }

  renderChooser() {
    const keys = this.pageKeys();
    const chosen = new Set(this.columns().map((c) => `${c.kind}:${c.key}`));
    const filter = h("input", {
      type: "search", placeholder: "Find a column", "aria-label": "Find a column",
      oninput: (e) => {
        const text = e.target.value.toLowerCase();
        for (const label of groups.querySelectorAll("label")) label.hidden = !label.dataset.key.toLowerCase().includes(text);
      },
    });
    const setCols = (ids) => updateQuery({ cols: ids.length ? ids.join(",") : "-" });
    const groups = h("div", { class: "chooser-groups" }, Object.entries(KINDS).map(([kind, title]) => h("fieldset", null,
      h("legend", null, `${title} (${keys[kind].length})`),
      keys[kind].length ? keys[kind].map((key) => {
        const id = `${kind}:${key}`;
        return h("label", { class: "check", dataset: { key } }, h("input", {
          type: "checkbox", checked: chosen.has(id),
          onchange: (e) => {
            const next = [...chosen].filter((c) => c !== id);
            if (e.target.checked) next.push(id);
            setCols(next);
          },
        }), key);
      }) : h("span", { class: "muted" }, "none on this page"))));
    const open = this.chooser.open;
    clear(this.chooser).append(h("summary", null, `Columns (${chosen.size})`), h("div", { class: "chooser-body" },
      filter, h("div", { class: "chooser-actions" },
        button("Show all", () => setCols(Object.keys(KINDS).flatMap((k) => keys[k].map((key) => `${k}:${key}`)))),
        button("Hide all", () => setCols([])), button("Default", () => updateQuery({ cols: null }))),
      groups));
    this.chooser.open = open;
  }
}
