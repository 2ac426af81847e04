// The experiment list: create, rename, delete and restore experiments; open one or several in the runs
// table. URL: #/experiments?deleted=1&q=name-part

import { api, quoteValue } from "../api.js";
import { alertBox, button, empty, errorMessage, field, h, replace, table } from "../dom.js";
import { formatTime } from "../format.js";
import { href, navigate, updateQuery } from "../router.js";

export class ExperimentsPage {
  constructor(el, route) {
    this.el = el;
    this.alert = alertBox();
    this.list = h("div", { class: "table-wrap" });
    this.selected = new Set();
    this.toolbar = h("div", { class: "toolbar" });
    this.search = h("input", { type: "search", name: "q", placeholder: "Part of a name" });
    this.deletedToggle = h("input", { type: "checkbox", onchange: (e) => updateQuery({ deleted: e.target.checked ? "1" : null }) });
    const name = h("input", { name: "name", required: true, autocomplete: "off" });
    const location = h("input", { name: "artifact_location", autocomplete: "off", placeholder: "Server default" });
    const create = h("form", {
      class: "inline-form",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const body = { name: name.value.trim() };
          if (location.value.trim()) body.artifact_location = location.value.trim();
          const { experiment_id: id } = await api.post("experiments/create", body);
          name.value = "";
          location.value = "";
          navigate(["runs"], { e: id });
        } catch (err) {
          this.alert.show(errorMessage(err));
        }
      },
    }, field("New experiment", name), field("Artifact location (optional)", location), h("button", { type: "submit" }, "Create"));
    el.append(
      h("h1", null, "Experiments"),
      h("section", { class: "panel", "aria-label": "Create an experiment" }, create),
      this.alert.el,
      h("form", {
        class: "inline-form", role: "search",
        onsubmit: (e) => { e.preventDefault(); updateQuery({ q: this.search.value.trim() }); },
      }, field("Find experiments", this.search), h("button", { type: "submit" }, "Find"),
      h("label", { class: "check" }, this.deletedToggle, "Show deleted experiments")),
      this.toolbar, this.list);
    this.update(route);
  }

  update(route) {
    this.route = route;
    this.showDeleted = route.query.get("deleted") === "1";
    this.deletedToggle.checked = this.showDeleted;
    this.search.value = route.query.get("q") || "";
    this.selected.clear();
    this.load();
  }

  async load() {
    const q = this.route.query.get("q");
    const version = (this.version = (this.version || 0) + 1);
    try {
      const experiments = [];
      let token;
      do { // experiments are few; a page of a thousand at a time
        const page = await api.post("experiments/search", {
          view_type: this.showDeleted ? "DELETED_ONLY" : "ACTIVE_ONLY", max_results: 1000, page_token: token,
          filter: q ? `name ILIKE ${quoteValue(`%${q}%`)}` : undefined, order_by: ["last_update_time DESC"],
        });
        experiments.push(...(page.experiments || []));
        token = page.next_page_token;
      } while (token && experiments.length < 10000);
      if (version === this.version) this.render(experiments);
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }

  renderToolbar() {
    const ids = [...this.selected];
    replace(this.toolbar,
      button(`Open ${ids.length > 1 ? `${ids.length} experiments` : "selected"} in the runs table`,
        () => navigate(["runs"], { e: ids.join(",") }), { disabled: ids.length === 0 }));
  }

  render(experiments) {
    this.renderToolbar();
    if (!experiments.length) {
      replace(this.list, empty(this.showDeleted ? "No deleted experiments." : "No experiments yet: create one above."));
      return;
    }
    const rows = experiments.map((exp) => this.row(exp));
    replace(this.list, table([
      h("th", { scope: "col", class: "select" }, h("span", { class: "sr-only" }, "Select")),
      "Name", "ID", "Artifact location", "Created", "Last modified", "Actions"], rows, { class: "grid experiments" }));
  }

  row(exp) {
    const nameCell = h("td", null, h("a", { href: href(["runs"], { e: exp.experiment_id }) }, exp.name));
    const actions = h("td", { class: "actions" });
    const renameForm = () => {
      const input = h("input", { value: exp.name, "aria-label": `New name for ${exp.name}`, required: true });
      const form = h("form", {
        class: "inline-form compact",
        onsubmit: async (e) => {
          e.preventDefault();
          try {
            await api.post("experiments/update", { experiment_id: exp.experiment_id, new_name: input.value.trim() });
            this.load();
          } catch (err) {
            this.alert.show(errorMessage(err));
          }
        },
      }, input, h("button", { type: "submit" }, "Save"), button("Cancel", () => this.load()));
      replace(nameCell, form);
      input.focus();
      input.select();
    };
    if (this.showDeleted) {
      actions.append(button("Restore", () => this.act("experiments/restore", exp), { "aria-label": `Restore ${exp.name}` }));
    } else {
      actions.append(
        button("Rename", renameForm, { "aria-label": `Rename ${exp.name}` }),
        button("Delete", () => this.act("experiments/delete", exp, `Delete experiment "${exp.name}" and its runs?`),
          { class: "danger", "aria-label": `Delete ${exp.name}` }));
    }
    const check = h("input", {
      type: "checkbox", "aria-label": `Select ${exp.name}`,
      onchange: (e) => {
        if (e.target.checked) this.selected.add(exp.experiment_id);
        else this.selected.delete(exp.experiment_id);
        this.renderToolbar();
      },
    });
    return h("tr", null, h("td", { class: "select" }, check), nameCell, h("td", null, exp.experiment_id),
      h("td", { class: "path" }, exp.artifact_location), h("td", null, formatTime(exp.creation_time)),
      h("td", null, formatTime(exp.last_update_time)), actions);
  }

  async act(endpoint, exp, question) {
    if (question && !window.confirm(question)) return;
    try {
      await api.post(endpoint, { experiment_id: exp.experiment_id });
      this.alert.hide();
      this.load();
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }
}
