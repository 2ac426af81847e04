"""The page's own modules (Markdown, CSV, smoothing, bucket lines, URLs, formatting), run in Chromium
on the served files: `run(module, expression)` imports the module and evaluates the expression on it."""
from __future__ import annotations

import pytest

from mlplug_ui.page import build_id


@pytest.fixture(scope="module")
def run(ui_server, browser):
    """One page for the module: these tests only call functions."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(ui_server.url + "/#/experiments")
    base = f"{ui_server.url}/static-files/{build_id()}/js/"

    def evaluate(module: str, body: str, *args):
        return page.evaluate(f"async (args) => {{ const m = await import({base + module!r}); return ({body}); }}",
                             list(args))

    yield evaluate
    context.close()
    assert not errors


@pytest.mark.parametrize("source, html", [
    ("# Title", "<h3>Title</h3>"),
    ("plain **bold** and *it* `a<b`", "<p>plain <strong>bold</strong> and <em>it</em> <code>a&lt;b</code></p>"),
    ("- one\n- two", "<ul><li>one</li><li>two</li></ul>"),
    ("1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"),
    ("```py\nx = '<b>'\n```", '<pre><code class="language-py">x = &#39;&lt;b&gt;&#39;</code></pre>'),
    ("> quoted", "<blockquote><p>quoted</p></blockquote>"),
    ("[docs](https://example.org/a?b=1&c=2)",
     '<p><a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">docs</a></p>'),
])
def test_markdown(run, source, html):
    assert run("markdown.js", "m.renderMarkdown(args[0])", source) == html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
    '[x](https://a.org/" onmouseover="alert(1))', "`<script>`", "**<b>x</b>**", "[<svg onload=alert(1)>](#a)",
    "<a href='javascript:alert(1)'>x</a>", "[x](//evil.example/)",
])
def test_markdown_never_lets_markup_through(run, source):
    """Rendered into a real DOM, only the renderer's own tags appear, with no handlers and no script URLs."""
    found = run("markdown.js", """(() => {
      const t = document.createElement('template');
      t.innerHTML = m.renderMarkdown(args[0]);
      return [...t.content.querySelectorAll('*')].map((el) => [el.tagName.toLowerCase(),
        [...el.attributes].map((a) => [a.name, a.value])]);
    })()""", source)
    allowed = {"p", "a", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "h3", "h4", "h5", "h6", "hr",
               "br", "del"}
    for tag, attributes in found:
        assert tag in allowed, (source, found)
        for name, value in attributes:
            assert not name.startswith("on"), (source, found)
            assert name != "href" or value.startswith(("https://", "http://", "#", "mailto:")), (source, found)


def test_csv_parsing_follows_rfc_4180(run):
    rows = run("views/artifacts.js", "m.parseDelimited(args[0], ',')", 'a,b\n"x, y","he said ""hi"""\r\n"multi\nline",3')
    assert rows == [["a", "b"], ["x, y", 'he said "hi"'], ["multi\nline", "3"]]
    assert run("views/artifacts.js", "m.parseDelimited(args[0], '\\t')", "a\tb\n1\t2") == [["a", "b"], ["1", "2"]]


def test_smoothing_is_a_debiased_moving_average(run):
    assert run("charts/line.js", "m.smooth([1, 1, 1], 0.9)", ) == pytest.approx([1, 1, 1])
    smoothed = run("charts/line.js", "m.smooth([0, 10], 0.5)")
    assert smoothed == pytest.approx([0, 10 * 0.5 / 0.75])
    assert run("charts/line.js", "m.smooth([3, 4], 0)") == [3, 4]


def test_bucket_lines_and_nearest_bucket(run):
    buckets = [{"x_min": 0, "x_max": 0, "first": 5, "last": 5, "count": 1},
               {"x_min": 10, "x_max": 19, "first": 1, "last": 2, "count": 10},
               {"x_min": 30, "x_max": 39, "first": 3, "last": 4, "count": 10}]
    assert run("charts/line.js", "m.linePoints(args[0])", buckets) == {
        "xs": [0, 10, 19, 30, 39], "ys": [5, 1, 2, 3, 4], "ends": [0, 2, 4]}
    assert run("charts/line.js", "[24, 26, 100, -5].map((x) => m.nearestBucket(args[0], x).x_min)", buckets) == [10, 30, 30, 0]


def test_urls_round_trip(run):
    assert run("router.js", "m.href(['models', 'a/b c', 'versions', '1'], {q: 'x y', none: null})") == \
        "#/models/a%2Fb%20c/versions/1?q=x+y"
    parsed = run("router.js", "(() => { const r = m.parseHash('#/models/a%2Fb%20c?q=x+y'); return [r.segments, r.query.get('q')]; })()")
    assert parsed == [["models", "a/b c"], "x y"]


def test_filter_identifiers_and_values(run):
    assert run("api.js", "[m.columnIdentifier('metrics', 'loss'), m.columnIdentifier('tags', 'mlflow.source.name')]") == [
        "metrics.loss", "tags.`mlflow.source.name`"]
    assert run("api.js", "m.quoteValue(args[0])", "it's") == "'it''s'"


@pytest.mark.parametrize("ms, text", [(850, "850 ms"), (4200, "4.2 s"), (45_000, "45 s"), (3_725_000, "1h 2m 5s"),
                                      (90_061_000, "1d 1h 1m")])
def test_durations(run, ms, text):
    assert run("format.js", "m.formatDuration(args[0])", ms) == text


def test_tick_labels_take_their_decimals_from_the_step(run):
    labels = run("charts/scale.js", "m.tickLabels(m.linearTicks(54.138, 54.152, 5))")
    assert labels == ["54.140", "54.145", "54.150"]  # a step of 0.005: three decimals, never "54.14, 54.14"
    assert run("charts/scale.js", "m.tickLabels([0, 0.5, 1, 1.5])") == ["0.0", "0.5", "1.0", "1.5"]
    assert run("charts/scale.js", "m.tickLabels([1000, 2000, 3000])") == ["1000", "2000", "3000"]
    assert run("charts/scale.js", "m.tickLabels([1e-4, 1.5e-4, 2e-4])") == ["1.0e-4", "1.5e-4", "2.0e-4"]
    assert run("charts/scale.js", "m.tickLabels([1000000, 1000100, 1000200])") == ["1.0000e+6", "1.0001e+6", "1.0002e+6"]
