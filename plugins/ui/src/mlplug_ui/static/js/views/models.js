// The model registry: #/models?q=part (list), #/models/<name> (versions, aliases, tags, description),
// #/models/<name>/versions/<v> (one version and the run it came from).

import { api, quoteValue } from "../api.js";
import { alertBox, button, empty, errorMessage, field, h, replace, table } from "../dom.js";
import { formatTime } from "../format.js";
import { renderMarkdown } from "../markdown.js";
import { href, updateQuery } from "../router.js";
import { definitionList } from "./run.js";

const PAGE = 100;

function markdown(text) {
  const div = h("div", { class: "markdown" });
  div.innerHTML = renderMarkdown(text); // escapes the text first
  return div;
}

function tagList(tags) {
  const list = tags || [];
  if (!list.length) return empty("No tags.");
  return h("div", { class: "table-wrap" }, table(["Name", "Value"], list.map((t) => h("tr", null,
    h("th", { scope: "row" }, t.key), h("td", { class: "value" }, t.value))), { class: "grid kv" }));
}

function runLink(runId) {
  return runId ? h("a", { href: href(["run", runId]) }, runId) : "—";
}

export class ModelsPage {
  constructor(el, route) {
    this.el = el;
    this.alert = alertBox();
    this.input = h("input", { type: "search", placeholder: "Part of a model name" });
    this.list = h("div", { class: "table-wrap" });
    this.pager = h("nav", { class: "pager", "aria-label": "Pages of models" });
    this.tokens = [undefined];
    el.append(h("h1", null, "Registered models"),
      h("form", { class: "inline-form", role: "search", onsubmit: (e) => { e.preventDefault(); updateQuery({ q: this.input.value.trim(), tok: null }); } },
        field("Find models", this.input), h("button", { type: "submit" }, "Find")),
      this.alert.el, this.list, this.pager);
    document.title = "Models · mlplug";
    this.update(route);
  }

  update(route) {
    this.q = route.query.get("q") || "";
    this.token = route.query.get("tok") || undefined;
    this.input.value = this.q;
    this.load();
  }

  async load() {
    try {
      const page = await api.get("registered-models/search", {
        filter: this.q ? `name ILIKE ${quoteValue(`%${this.q}%`)}` : undefined, max_results: PAGE,
        order_by: ["name ASC"], page_token: this.token,
      });
      this.alert.hide();
      const models = page.registered_models || [];
      replace(this.list, models.length ? table(["Name", "Latest version", "Aliases", "Last modified", "Tags"], models.map((m) => {
        const latest = (m.latest_versions || []).reduce((a, v) => (Number(v.version) > Number(a?.version || 0) ? v : a), null);
        return h("tr", null,
          h("th", { scope: "row" }, h("a", { href: href(["models", m.name]) }, m.name)),
          h("td", null, latest ? h("a", { href: href(["models", m.name, "versions", latest.version]) }, `Version ${latest.version}`) : "—"),
          h("td", null, (m.aliases || []).map((a) => h("span", { class: "badge alias" }, `@${a.alias}: v${a.version}`))),
          h("td", null, formatTime(m.last_updated_timestamp)),
          h("td", null, (m.tags || []).map((t) => h("span", { class: "badge" }, `${t.key}=${t.value}`))));
      }), { class: "grid models" }) : empty(this.q ? "No models match." : "No registered models yet."));
      replace(this.pager,
        button("First page", () => updateQuery({ tok: null }), { disabled: !this.token }),
        button("Next", () => updateQuery({ tok: page.next_page_token }), { disabled: !page.next_page_token }));
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }
}

export class ModelPage {
  constructor(el, route) {
    this.el = el;
    this.name = route.segments[1];
    this.alert = alertBox();
    this.content = h("div");
    el.append(h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Registered models")), h("h1", null, this.name),
      this.alert.el, this.content);
    document.title = `${this.name} · mlplug`;
    this.load();
  }

  async load() {
    try {
      const [{ registered_model: model }, versions] = await Promise.all([
        api.get("registered-models/get", { name: this.name }),
        api.get("model-versions/search", { filter: `name = ${quoteValue(this.name)}`, max_results: 1000,
          order_by: ["version_number DESC"] }),
      ]);
      this.render(model, versions.model_versions || []);
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }

  render(model, versions) {
    const aliases = model.aliases || [];
    const aliasOf = (v) => aliases.filter((a) => String(a.version) === String(v)).map((a) => a.alias);
    const aliasName = h("input", { required: true, autocomplete: "off", "aria-label": "Alias name" });
    const aliasVersion = h("select", { "aria-label": "Version for the alias" },
      versions.map((v) => h("option", { value: v.version }, `Version ${v.version}`)));
    const setAlias = versions.length ? h("form", {
      class: "inline-form",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api.post("registered-models/alias", { name: this.name, alias: aliasName.value.trim(), version: aliasVersion.value });
          this.load();
        } catch (err) {
          this.alert.show(errorMessage(err));
        }
      },
    }, field("Alias", aliasName), field("Version", aliasVersion), h("button", { type: "submit" }, "Set alias")) : null;
    replace(this.content,
      h("section", { class: "panel", "aria-labelledby": "model-details-h" }, h("h2", { id: "model-details-h" }, "Details"),
        definitionList([
          ["Created", formatTime(model.creation_timestamp)],
          ["Last modified", formatTime(model.last_updated_timestamp)],
          ["Versions", String(versions.length)],
        ]),
        model.description ? markdown(model.description) : h("p", { class: "muted" }, "No description.")),
      h("section", { class: "panel", "aria-labelledby": "versions-h" }, h("h2", { id: "versions-h" }, "Versions"),
        versions.length ? h("div", { class: "table-wrap" }, table(["Version", "Registered", "Status", "Stage", "Aliases", "Source run"],
          versions.map((v) => h("tr", null,
            h("th", { scope: "row" }, h("a", { href: href(["models", this.name, "versions", v.version]) }, `Version ${v.version}`)),
            h("td", null, formatTime(v.creation_timestamp)), h("td", null, v.status || ""), h("td", null, v.current_stage || "None"),
            h("td", null, aliasOf(v.version).map((a) => h("span", { class: "badge alias" }, `@${a}`))),
            h("td", null, runLink(v.run_id)))), { class: "grid versions" })) : empty("No versions yet.")),
      h("section", { class: "panel", "aria-labelledby": "aliases-h" }, h("h2", { id: "aliases-h" }, "Aliases"),
        aliases.length ? h("ul", { class: "plain" }, aliases.map((a) => h("li", null, h("span", { class: "badge alias" }, `@${a.alias}`), " → ",
          h("a", { href: href(["models", this.name, "versions", a.version]) }, `Version ${a.version}`), " ",
          button("Remove", async () => {
            try {
              await api.del("registered-models/alias", { name: this.name, alias: a.alias });
              this.load();
            } catch (err) {
              this.alert.show(errorMessage(err));
            }
          }, { class: "danger", "aria-label": `Remove alias ${a.alias}` })))) : empty("No aliases."),
        setAlias),
      h("section", { class: "panel", "aria-labelledby": "mtags-h" }, h("h2", { id: "mtags-h" }, "Tags"), tagList(model.tags)));
  }
}

export class VersionPage {
  constructor(el, route) {
    this.el = el;
    [, this.name, , this.version] = route.segments;
    this.alert = alertBox();
    this.content = h("div");
    el.append(h("p", { class: "crumbs" }, h("a", { href: "#/models" }, "Registered models"), " / ",
      h("a", { href: href(["models", this.name]) }, this.name)), h("h1", null, `${this.name} version ${this.version}`),
    this.alert.el, this.content);
    document.title = `${this.name} v${this.version} · mlplug`;
    this.load();
  }

  async load() {
    try {
      const { model_version: v } = await api.get("model-versions/get", { name: this.name, version: this.version });
      replace(this.content,
        h("section", { class: "panel", "aria-labelledby": "version-h" }, h("h2", { id: "version-h" }, "Details"),
          definitionList([
            ["Model", h("a", { href: href(["models", this.name]) }, this.name)],
            ["Version", String(v.version)],
            ["Status", v.status || "—"],
            ["Stage", v.current_stage || "None"],
            ["Aliases", (v.aliases || []).length ? v.aliases.map((a) => h("span", { class: "badge alias" }, `@${a}`)) : "—"],
            ["Registered", formatTime(v.creation_timestamp)],
            ["Last modified", formatTime(v.last_updated_timestamp)],
            ["Source run", runLink(v.run_id)],
            ["Source", h("span", { class: "path" }, v.source || "—")],
            v.model_id ? ["Logged model", h("code", null, v.model_id)] : null,
            v.run_id ? ["Artifacts", h("a", { href: href(["run", v.run_id], { tab: "artifacts" }) }, "Browse the source run's artifacts")] : null,
          ]),
          v.description ? markdown(v.description) : h("p", { class: "muted" }, "No description.")),
        h("section", { class: "panel", "aria-labelledby": "vtags-h" }, h("h2", { id: "vtags-h" }, "Tags"), tagList(v.tags)));
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }
}
