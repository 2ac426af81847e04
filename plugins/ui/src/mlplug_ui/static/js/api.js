// The server's REST API as the page uses it: MLflow's endpoints under /ajax-api/2.0/mlflow/, mlplug's own
// under /ajax-api/2.0/mlplug/, and artifact files under /get-artifact. Errors become ApiError with the
// server's message (MLflow's {"error_code", "message"} bodies).

export const PREFIX = document.querySelector('meta[name="mlplug-prefix"]')?.content || "";

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function toQuery(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => q.append(key, v));
    else q.append(key, value);
  }
  return q.toString();
}

async function request(method, path, params, signal) {
  let url = PREFIX + path;
  const init = { method, headers: {}, signal };
  if (method === "GET") {
    const q = toQuery(params);
    if (q) url += `?${q}`;
  } else {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(params || {});
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError(0, "NETWORK", `The server did not answer (${err.message}). Is it running?`);
  }
  const text = await response.text();
  let data = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 500) };
    }
  }
  if (!response.ok) {
    throw new ApiError(response.status, data.error_code || `HTTP_${response.status}`,
      data.message || `${response.status} ${response.statusText}`);
  }
  return data;
}

const MLFLOW = "/ajax-api/2.0/mlflow/";
const MLPLUG = "/ajax-api/2.0/mlplug/";

export const api = {
  get: (endpoint, params, signal) => request("GET", MLFLOW + endpoint, params, signal),
  post: (endpoint, body) => request("POST", MLFLOW + endpoint, body),
  patch: (endpoint, body) => request("PATCH", MLFLOW + endpoint, body),
  del: (endpoint, body) => request("DELETE", MLFLOW + endpoint, body),
  mlplug: (endpoint, params, signal) => request("GET", MLPLUG + endpoint, params, signal),
};

export function artifactUrl(runId, path) {
  return `${PREFIX}/get-artifact?${toQuery({ run_id: runId, path })}`;
}

export async function fetchArtifactText(runId, path, maxBytes) {
  const response = await fetch(artifactUrl(runId, path));
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).message || message;
    } catch { /* not JSON */ }
    throw new ApiError(response.status, "ARTIFACT", message);
  }
  const buffer = await response.arrayBuffer();
  const bytes = maxBytes && buffer.byteLength > maxBytes ? buffer.slice(0, maxBytes) : buffer;
  return { text: new TextDecoder("utf-8").decode(bytes), truncated: bytes !== buffer, size: buffer.byteLength };
}

// Run data arrives as lists of {key, value}; the page wants maps.
export function runData(run) {
  const data = run.data || {};
  const toMap = (list, pick) => Object.fromEntries((list || []).map((x) => [x.key, pick(x)]));
  return {
    params: toMap(data.params, (x) => x.value),
    tags: toMap(data.tags, (x) => x.value),
    metrics: toMap(data.metrics, (x) => x),
  };
}

export function decodeNumber(v) {
  if (typeof v === "number") return v;
  if (v === "NaN") return NaN;
  if (v === "Infinity") return Infinity;
  if (v === "-Infinity") return -Infinity;
  return Number(v);
}

// `metrics.loss`, `params.lr`, `tags.mlflow.source.name` as MLflow's filter and order_by grammar wants
// them: keys that are not plain words go in backticks.
export function columnIdentifier(kind, key) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${kind}.${key}` : `${kind}.\`${key}\``;
}

export function quoteValue(value) {
  return `'${String(value).replace(/'/g, "''")}'`; // the filter grammar doubles a quote inside quotes
}
