// A run's artifacts: a folder tree (each folder listed when opened) and a preview of the chosen file
// (path=<file> in the URL): text, JSON, YAML, CSV/TSV as a table, images, an MLmodel summary; every
// file can be downloaded.

import { api, artifactUrl, fetchArtifactText } from "../api.js";
import { alertBox, empty, errorMessage, h, replace, table } from "../dom.js";
import { formatBytes } from "../format.js";
import { updateQuery } from "../router.js";

const MAX_PREVIEW = 5 * 1024 * 1024;
const MAX_TEXT = 1024 * 1024;
const MAX_ROWS = 500;
const IMAGE = /\.(png|jpe?g|gif|webp|bmp|svg|ico)$/i;
const JSON_FILE = /\.json$/i;
const YAML_FILE = /\.ya?ml$/i;
const TABLE = /\.(csv|tsv)$/i;
const TEXT = /(\.(txt|log|md|py|r|sh|cfg|ini|toml|conf|xml|html?|js|ts|java|scala|sql|ipynb|jsonl|env|gitignore|properties|proto|c|cc|cpp|h|go|rs)|(^|\/)(MLmodel|requirements\.txt|Dockerfile|LICENSE|README)[^/]*)$/i;

export function parseDelimited(text, delimiter) {
  // RFC 4180: quoted fields may hold the delimiter, newlines and doubled quotes.
  const rows = [];
  let row = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === "") quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      if (rows.length > MAX_ROWS) break;
    } else cell += c;
  }
  if (cell !== "" || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export class ArtifactBrowser {
  constructor(runId, query) {
    this.runId = runId;
    this.alert = alertBox();
    this.tree = h("ul", { class: "tree", role: "tree", "aria-label": "Artifacts" });
    this.preview = h("section", { class: "preview", "aria-label": "Preview", "aria-live": "polite" });
    this.sizes = new Map();
    this.el = h("div", { class: "artifacts" }, this.alert.el,
      h("div", { class: "artifact-layout" }, h("div", { class: "tree-pane" }, this.tree), this.preview));
    this.path = null;
    this.loadDir("", this.tree, 0).then(() => this.update(query));
  }

  update(query) {
    const path = query.get("path");
    if (path === this.path) return;
    this.path = path;
    for (const item of this.tree.querySelectorAll("[data-path]")) {
      item.setAttribute("aria-selected", item.dataset.path === path ? "true" : "false");
    }
    if (path) {
      this.expandTo(path).then(() => this.showFile(path));
    } else {
      replace(this.preview, empty("Choose a file to preview it."));
    }
  }

  async list(path) {
    const data = await api.get("artifacts/list", { run_id: this.runId, path: path || undefined });
    this.root = data.root_uri;
    return (data.files || []).sort((a, b) => (b.is_dir - a.is_dir) || a.path.localeCompare(b.path));
  }

  async loadDir(path, ul, depth) {
    try {
      const files = await this.list(path);
      if (!files.length && !path) {
        replace(ul, h("li", { class: "muted" }, "This run has no artifacts."));
        return;
      }
      replace(ul, files.map((f) => this.item(f, depth)));
    } catch (err) {
      this.alert.show(errorMessage(err));
    }
  }

  item(file, depth) {
    const name = file.path.split("/").pop();
    this.sizes.set(file.path, file.file_size);
    if (!file.is_dir) {
      return h("li", { role: "none" }, h("button", {
        type: "button", class: "tree-file", role: "treeitem", dataset: { path: file.path },
        "aria-selected": file.path === this.path ? "true" : "false",
        style: { paddingLeft: `${0.5 + depth}rem` },
        onclick: () => updateQuery({ path: file.path }),
      }, name, h("span", { class: "muted size" }, formatBytes(file.file_size))));
    }
    const children = h("ul", { role: "group", hidden: true });
    const toggle = h("button", {
      type: "button", class: "tree-dir", role: "treeitem", "aria-expanded": "false", dataset: { dir: file.path },
      style: { paddingLeft: `${0.5 + depth}rem` },
      onclick: () => this.toggleDir(toggle, children, file.path, depth + 1),
    }, h("span", { class: "caret", "aria-hidden": "true" }, "▸"), name);
    return h("li", { role: "none" }, toggle, children);
  }

  async toggleDir(toggle, children, path, depth, open) {
    const expand = open ?? toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(expand));
    toggle.querySelector(".caret").textContent = expand ? "▾" : "▸";
    children.hidden = !expand;
    if (expand && !children.dataset.loaded) {
      children.dataset.loaded = "1";
      await this.loadDir(path, children, depth);
    }
  }

  async expandTo(path) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i += 1) {
      const dir = parts.slice(0, i).join("/");
      const toggle = this.tree.querySelector(`[data-dir="${CSS.escape(dir)}"]`);
      if (toggle) await this.toggleDir(toggle, toggle.nextElementSibling, dir, i, true);
    }
    for (const item of this.tree.querySelectorAll("[data-path]")) {
      item.setAttribute("aria-selected", item.dataset.path === path ? "true" : "false");
    }
  }

  async showFile(path) {
    const name = path.split("/").pop();
    const size = this.sizes.get(path);
    const download = h("a", { href: artifactUrl(this.runId, path), download: name, class: "button-link" }, "Download");
    const head = h("div", { class: "section-head" }, h("h2", null, name),
      h("span", { class: "muted" }, size !== undefined ? formatBytes(size) : ""), download);
    const body = h("div", { class: "preview-body" }, h("p", { class: "muted" }, "Loading…"));
    replace(this.preview, head, h("p", { class: "path muted" }, path), body);
    try {
      if (IMAGE.test(name)) {
        replace(body, h("img", { src: artifactUrl(this.runId, path), alt: `Image artifact ${name}`, class: "artifact-image" }));
      } else if (name === "MLmodel") {
        replace(body, await this.mlmodel(path));
      } else if (size !== undefined && size > MAX_PREVIEW) {
        replace(body, empty(`This file is ${formatBytes(size)}; download it to look inside.`));
      } else if (JSON_FILE.test(name)) {
        const { text, truncated } = await fetchArtifactText(this.runId, path, MAX_PREVIEW);
        let shown = text;
        try {
          shown = truncated ? text : JSON.stringify(JSON.parse(text), null, 2);
        } catch { /* not valid JSON: show it as it is */ }
        replace(body, h("pre", { class: "code" }, shown));
      } else if (TABLE.test(name)) {
        const { text, truncated } = await fetchArtifactText(this.runId, path, MAX_TEXT);
        replace(body, this.delimited(text, name.toLowerCase().endsWith(".tsv") ? "\t" : ",", truncated));
      } else if (YAML_FILE.test(name) || TEXT.test(name) || size === undefined || size < MAX_TEXT) {
        const { text, truncated } = await fetchArtifactText(this.runId, path, MAX_TEXT);
        if (!YAML_FILE.test(name) && !TEXT.test(name) && /[\u0000-\u0008\u000e-\u001f]/.test(text.slice(0, 4096))) {
          replace(body, empty("No preview for this kind of file; download it instead."));
        } else {
          replace(body, h("pre", { class: "code" }, text), truncated ? h("p", { class: "muted" }, "Showing the first 1 MiB.") : null);
        }
      } else {
        replace(body, empty("No preview for this kind of file; download it instead."));
      }
    } catch (err) {
      replace(body, h("p", { class: "alert", role: "alert" }, errorMessage(err)));
    }
  }

  delimited(text, delimiter, truncated) {
    const rows = parseDelimited(text, delimiter);
    if (!rows.length) return empty("The file is empty.");
    const [header, ...rest] = rows;
    const shown = rest.slice(0, MAX_ROWS);
    return h("div", null,
      h("div", { class: "table-wrap" }, table(header.map((c) => h("th", { scope: "col" }, c)),
        shown.map((r) => h("tr", null, header.map((_c, i) => h("td", null, r[i] ?? "")))), { class: "grid csv" })),
      h("p", { class: "muted" }, `${shown.length} row${shown.length === 1 ? "" : "s"}${rest.length > MAX_ROWS || truncated ? " shown (the file has more)" : ""}.`));
  }

  async mlmodel(path) {
    const [{ content }, raw] = await Promise.all([api.mlplug("artifacts/read-yaml", { run_id: this.runId, path }),
      fetchArtifactText(this.runId, path, MAX_TEXT)]);
    const model = content || {};
    const flavors = Object.entries(model.flavors || {});
    const parseSpec = (raw) => {
      if (!raw) return null;
      try {
        return typeof raw === "string" ? JSON.parse(raw) : raw;
      } catch {
        return null;
      }
    };
    const signature = model.signature || {};
    const specTable = (title, raw) => {
      const spec = parseSpec(raw);
      if (!Array.isArray(spec)) return null;
      return h("div", null, h("h4", null, title), h("div", { class: "table-wrap" }, table(["Name", "Type", "Required"],
        spec.map((col) => h("tr", null, h("td", null, col.name ?? "—"),
          h("td", null, col.type === "tensor" ? `tensor ${col["tensor-spec"]?.dtype ?? ""} ${JSON.stringify(col["tensor-spec"]?.shape ?? [])}` : col.type),
          h("td", null, col.required === false ? "no" : "yes"))), { class: "grid" })));
    };
    const rows = [
      ["Flavors", flavors.map(([n]) => n).join(", ") || "—"],
      ["Loader module", model.flavors?.python_function?.loader_module || "—"],
      ["Python", model.flavors?.python_function?.python_version || "—"],
      ["MLflow version", model.mlflow_version || "—"],
      ["Created (UTC)", model.utc_time_created || "—"],
      ["Model UUID", model.model_uuid || "—"],
      ["Model ID", model.model_id || "—"],
      ["Run ID", model.run_id || "—"],
      ["Size", model.model_size_bytes ? formatBytes(model.model_size_bytes) : "—"],
    ];
    return h("div", { class: "mlmodel" },
      h("h3", null, "Model summary"),
      h("dl", { class: "details" }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)])),
      flavors.length ? h("div", null, h("h4", null, "Flavors"), h("ul", { class: "plain" }, flavors.map(([n, conf]) => h("li", null,
        h("strong", null, n), ": ", Object.entries(conf || {}).filter(([, v]) => typeof v !== "object").map(([k, v]) => `${k}=${v}`).join(", "))))) : null,
      specTable("Signature inputs", signature.inputs), specTable("Signature outputs", signature.outputs),
      h("details", null, h("summary", null, "MLmodel file"), h("pre", { class: "code" }, raw.text)));
  }
}
