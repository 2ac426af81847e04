// Hash routing: every view and all of its settings live in the URL (`#/runs?e=1&filter=...`), so a link
// can be shared and the browser's back and forward buttons walk through what was shown.

const listeners = [];

export function parseHash(hash = location.hash) {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  const [path, search = ""] = raw.split(/\?(.*)/s, 2);
  const segments = path.split("/").filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { path: `/${segments.map(encodeURIComponent).join("/")}`, segments, query: new URLSearchParams(search) };
}

export function href(segments, query) {
  const path = `/${segments.map((s) => encodeURIComponent(s)).join("/")}`;
  const q = query instanceof URLSearchParams ? query : new URLSearchParams(cleanQuery(query));
  const qs = q.toString();
  return `#${path}${qs ? `?${qs}` : ""}`;
}

function cleanQuery(query) {
  const out = {};
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === "" || v === false) continue;
    out[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

export function navigate(segments, query, { replace = false } = {}) {
  const target = href(segments, query);
  if (target === location.hash) return;
  if (replace) {
    history.replaceState(history.state, "", target);
    notify();
  } else {
    location.hash = target;
  }
}

// Change some settings of the current view: `null` removes one. Pushes a history entry unless `replace`.
export function updateQuery(changes, options = {}) {
  const route = parseHash();
  const query = new URLSearchParams(route.query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === null || v === "" || v === false) query.delete(k);
    else query.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  navigate(route.segments, query, options);
}

export function listList(query, name) {
  const raw = query.get(name);
  return raw ? raw.split(",").map((s) => s.trim()).filter(Boolean) : [];
}

export function onRouteChange(fn) {
  listeners.push(fn);
}

function notify() {
  for (const fn of listeners) fn(parseHash());
}

window.addEventListener("hashchange", notify);
