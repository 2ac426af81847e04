// The page's entry point: picks the view for the URL, and keeps the same view (updating it) when only
// its settings change, so a chart re-draws instead of the whole page being rebuilt.

import { clear, h } from "./dom.js";
import { navigate, onRouteChange, parseHash } from "./router.js";
import { ComparePage } from "./views/compare.js";
import { ExperimentsPage } from "./views/experiments.js";
import { ModelPage, ModelsPage, VersionPage } from "./views/models.js";
import { RunPage } from "./views/run.js";
import { RunsPage } from "./views/runs.js";

const VIEWS = [
  { name: "experiments", nav: "experiments", match: (s) => s.length === 1 && s[0] === "experiments", View: ExperimentsPage },
  { name: "runs", nav: "experiments", match: (s) => s.length === 1 && s[0] === "runs", View: RunsPage },
  { name: "run", nav: "experiments", match: (s) => s.length === 2 && s[0] === "run", View: RunPage },
  { name: "compare", nav: "experiments", match: (s) => s.length === 1 && s[0] === "compare", View: ComparePage },
  { name: "models", nav: "models", match: (s) => s.length === 1 && s[0] === "models", View: ModelsPage },
  { name: "model", nav: "models", match: (s) => s.length === 2 && s[0] === "models", View: ModelPage },
  { name: "version", nav: "models", match: (s) => s.length === 4 && s[0] === "models" && s[2] === "versions", View: VersionPage },
];

// Addresses the MLflow client prints (`#/experiments/<id>/runs/<run_id>`, `#/experiments/<id>`), mapped to
// ours so its links open here. Registry links (`#/models/<name>[/versions/<v>]`) already match our routes.
const ALIASES = [
  { match: (s) => s.length === 4 && s[0] === "experiments" && s[2] === "runs", to: (s) => [["run", s[3]], {}] },
  { match: (s) => s.length === 3 && s[0] === "experiments" && s[2] === "runs", to: (s) => [["runs"], { e: s[1] }] },
  { match: (s) => s.length === 2 && s[0] === "experiments", to: (s) => [["runs"], { e: s[1] }] },
];

let current = null;
let first = true;

function show(route) {
  const alias = ALIASES.find((a) => a.match(route.segments));
  if (alias) {
    const [segments, query] = alias.to(route.segments);
    navigate(segments, query, { replace: true });
    return;
  }
  const main = document.getElementById("main");
  const entry = VIEWS.find((v) => v.match(route.segments));
  if (!entry) {
    if (route.segments.length === 0) {
      navigate(["experiments"], {}, { replace: true });
      return;
    }
    current?.view.destroy?.();
    current = null;
    clear(main).append(h("h1", null, "Page not found"),
      h("p", null, "Nothing is shown at this address. ", h("a", { href: "#/experiments" }, "Go to the experiments"), "."));
    return;
  }
  const key = `${entry.name}:${route.segments.join("/")}`;
  if (current && current.key === key && current.view.update) {
    current.view.update(route);
    return;
  }
  current?.view.destroy?.();
  clear(main);
  current = { key, view: new entry.View(main, route) };
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === entry.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!first) main.focus({ preventScroll: true }); // a new view: keyboard and screen-reader users start at it
  first = false;
  window.scrollTo(0, 0);
}

onRouteChange((route) => {
  if (!location.hash || location.hash.startsWith("#/")) show(route);
});

document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault(); // "#main" is not a route
  document.getElementById("main").focus();
});

if (!location.hash.startsWith("#/")) navigate(["experiments"], {}, { replace: true });
else show(parseHash());
