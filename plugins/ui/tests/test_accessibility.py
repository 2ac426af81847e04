"""Keyboard reach, visible focus, colour contrast, and no sideways scrolling at 1280x800 and 1920x1080,
checked in Chromium on every page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

# Colour pairs of the style sheet: (what, CSS selector whose text colour counts, minimum ratio)
CONTRAST_PAIRS = [
    ("body text", "main h1", 7.0),
    ("muted text", ".muted", 4.5),
    ("links", "main a[href]", 4.5),
    ("top bar links", ".topbar nav a", 4.5),
    ("table headers", "table.grid thead th", 4.5),
    ("buttons", "main button:not(:disabled)", 4.5),
]

# Computes WCAG 2 contrast of an element's text colour against the first opaque background behind it.
CONTRAST_JS = """
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let bg = null;
  for (let node = el; node; node = node.parentElement) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c.length >= 3 && (c.length === 3 || c[3] > 0.9)) { bg = c; break; }
  }
  bg = bg || [255, 255, 255];
  const fg = parse(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


def _pages(demo) -> dict[str, str]:
    alpha = demo.runs["alpha"]
    many = ",".join(demo.runs.values())
    return {
        "experiments": "#/experiments",
        "runs": f"#/runs?e={demo.experiment_id}&cols=" + ",".join(
            [f"params:{k}" for k in ("epochs", "lr", "model")] + ["metrics:accuracy", "metrics:loss", "tags:team",
                                                                   "tags:mlflow.source.name", "tags:mlflow.source.type"]),
        "run": f"#/run/{alpha}",
        "charts": f"#/run/{alpha}?tab=charts&metrics=accuracy,loss",
        "artifacts": f"#/run/{alpha}?tab=artifacts&path=model%2FMLmodel",
        "compare": f"#/compare?runs={many}",
        "compare-charts": f"#/compare?runs={many}&tab=charts",
        "parallel": f"#/compare?runs={many}&tab=parallel",
        "models": "#/models",
        "model": f"#/models/{demo.model_name}",
        "version": f"#/models/{demo.model_name}/versions/{demo.version}",
    }


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    expect(page.locator("main")).not_to_contain_text("Loading…")


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_nothing_overflows_sideways(ui_server, demo, page, size):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    for name, path in _pages(demo).items():
        page.goto(f"{ui_server.url}/{path}")
        _settle(page)
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name} at {size}: page is {widths[0]}px wide in a {widths[1]}px window"


def test_text_has_readable_contrast(ui_server, demo, page):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    _settle(page)
    for what, selector, minimum in CONTRAST_PAIRS:
        ratio = page.evaluate(CONTRAST_JS, selector)
        assert ratio is not None, f"nothing matches {selector}"
        assert ratio >= minimum, f"{what} ({selector}) has contrast {ratio:.2f}, below {minimum}"


def test_tab_reaches_the_runs_page_controls_with_a_visible_focus_ring(ui_server, demo, page):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    _settle(page)
    reached, rings = [], []
    for _ in range(40):
        page.keyboard.press("Tab")
        info = page.evaluate("""() => {
          const el = document.activeElement;
          const style = getComputedStyle(el);
          return {name: el.getAttribute('aria-label') || el.textContent.trim().slice(0, 30) || el.name || el.tagName,
                  tag: el.tagName, outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }""")
        if info["tag"] == "BODY":  # past the last control, before the browser's own UI
            continue
        reached.append(info["name"])
        rings.append(info["outline"])
    for control in ("Skip to content", "Experiments", "Models", "Search", "Sort by Created", "Sort by lr",
                    "Select all runs on this page"):
        assert any(control == name or control in name for name in reached), f"Tab never reached {control!r}: {reached}"
    assert page.evaluate("() => document.activeElement.id") != "main"
    assert all(rings), f"controls without a visible focus ring: {[n for n, r in zip(reached, rings) if not r]}"


def test_keyboard_alone_opens_a_run_and_its_chart(ui_server, demo, page):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    _settle(page)
    link = page.get_by_role("link", name="alpha", exact=True)
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("alpha")
    page.get_by_role("link", name="Charts").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".chart")).to_have_attribute("data-state", "drawn")
    # arrow keys read the values that hovering shows
    page.locator(".chart canvas").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(".chart-tooltip")).to_contain_text("accuracy:")
    page.keyboard.press("Escape")
    expect(page.locator(".chart-tooltip")).to_be_hidden()
    # the zoom form is the keyboard's way to zoom
    page.get_by_label("Zoom from").fill("50")
    page.get_by_label("to", exact=True).fill("99")
    page.keyboard.press("Enter")
    expect(page.locator(".chart-status")).to_have_text("50 points in 50 buckets (zoomed).")


def test_the_skip_link_moves_focus_to_the_content(ui_server, page):
    page.goto(ui_server.url + "/#/experiments")
    _settle(page)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.url.endswith("#/experiments")


def test_runs_of_several_experiments_scroll_inside_their_table(ui_server, demo, page, screenshot):
    other = demo.client.create_experiment("a-second-experiment-with-a-rather-long-name")
    run = demo.client.create_run(other, run_name="a-run-in-the-second-experiment-with-a-long-name")
    demo.client.set_terminated(run.info.run_id, "FINISHED")
    cols = ",".join([f"params:{k}" for k in ("epochs", "lr", "model")] + ["metrics:accuracy", "metrics:loss", "tags:team",
                                                                         "tags:mlflow.source.name", "tags:mlflow.source.type"])
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id},{other}&cols={cols}")
    _settle(page)
    expect(page.locator("table.runs tbody tr")).to_have_count(6)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"page is {widths[0]}px wide in a {widths[1]}px window"
    wrap = page.locator(".runs-table-wrap")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    badge = page.locator("table.runs .badge", has_text="FINISHED").first
    lines = badge.evaluate("el => el.getClientRects().length === 1 && el.getBoundingClientRect().height"
                           " < 2 * parseFloat(getComputedStyle(el).lineHeight || 16)")
    assert badge.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"
    assert lines, "the FINISHED badge wraps"
    user = page.locator("table.runs tbody td", has_text="unknown").first
    one_line = "el => { const r = document.createRange(); r.selectNodeContents(el); return r.getClientRects().length === 1; }"
    assert user.evaluate(one_line), "the User column breaks 'unknown' mid-word"
    expect(page.locator("table.runs tbody tr", has_text="epsilon")).to_contain_text("ui-demo-")  # names, not ids
    screenshot(page, "11-runs-of-several-experiments")
