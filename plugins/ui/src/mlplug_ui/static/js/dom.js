// Building DOM nodes without HTML strings: text always goes in as text, so nothing a run logged can
// turn into markup. `h("a", {href, class: "x", onclick}, "text", child)`.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on") && typeof value === "function") {
        el.addEventListener(name.slice(2), value);
      } else if (name === "class") {
        el.className = value;
      } else if (name === "dataset") {
        Object.assign(el.dataset, value);
      } else if (name === "style") {
        Object.assign(el.style, value);
      } else if (name in el && typeof value !== "string" && name !== "list") {
        el[name] = value; // properties such as checked, value, disabled
      } else {
        el.setAttribute(name, value === true ? "" : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

let uid = 0;
export function nextId(prefix = "id") {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A message region for errors; screen readers announce it when it changes.
export function alertBox() {
  const box = h("div", { class: "alert", role: "alert", hidden: true });
  return {
    el: box,
    show(message) {
      box.textContent = message;
      box.hidden = false;
    },
    hide() {
      box.hidden = true;
      box.textContent = "";
    },
  };
}

export function errorMessage(err) {
  return err && err.message ? err.message : String(err);
}

// A labelled form control: <label>text <input ...></label>. The control is named by the label text alone
// (a <select> inside a <label> would otherwise be named with its options' text as well).
export function field(label, control, hint) {
  const labelId = nextId("label");
  const hintId = hint ? nextId("hint") : null;
  if (control instanceof Element && /^(INPUT|SELECT|TEXTAREA)$/.test(control.tagName) && !control.hasAttribute("aria-label")) {
    control.setAttribute("aria-labelledby", labelId);
    if (hintId) control.setAttribute("aria-describedby", hintId);
  }
  return h("label", { class: "field" }, h("span", { class: "field-label", id: labelId }, label), control,
    hint ? h("span", { class: "hint", id: hintId }, hint) : null);
}

export function button(label, onclick, attrs = {}) {
  return h("button", { type: "button", onclick, ...attrs }, label);
}

export function table(headers, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", null, h("tr", null, headers.map((x) => (x instanceof Node ? x : h("th", { scope: "col" }, x))))),
    h("tbody", null, rows));
}

export function empty(text) {
  return h("p", { class: "empty" }, text);
}
