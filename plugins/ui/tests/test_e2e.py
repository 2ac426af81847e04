"""The UI end to end in headless Chromium against a real `mlplug server`: data logged through the API,
then found, filtered, sorted, opened, charted, compared and previewed in the browser. Every page is
saved as a screenshot."""
from __future__ import annotations

import re

from playwright.sync_api import expect


RUN_NAMES = "table.runs tbody td.name a"


def _names(page) -> list[str]:
    return page.locator(RUN_NAMES).all_inner_texts()


def expect_names(page, names: list[str]) -> None:
    """The runs table lists exactly `names`, in order (waiting for the table to re-render)."""
    expect(page.locator(RUN_NAMES)).to_have_text(names)


def test_create_an_experiment_in_the_browser(ui_server, page, screenshot):
    page.goto(ui_server.url + "/")
    expect(page).to_have_url(re.compile(r"#/experiments$"))
    page.get_by_label("New experiment").fill("made-in-the-browser")
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"#/runs\?e=\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("made-in-the-browser")
    expect(page.get_by_text("No runs here yet.")).to_be_visible()
    page.goto(ui_server.url + "/#/experiments")
    expect(page.get_by_role("link", name="made-in-the-browser")).to_be_visible()
    screenshot(page, "01-experiments")


def test_rename_delete_and_restore_an_experiment(ui_server, demo, page):
    experiment_id = demo.client.create_experiment("to-rename")
    page.goto(ui_server.url + "/#/experiments")
    page.get_by_role("button", name="Rename to-rename").click()
    page.get_by_label("New name for to-rename").fill("renamed")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("link", name="renamed", exact=True)).to_be_visible()
    assert demo.client.get_experiment(experiment_id).name == "renamed"
    page.get_by_role("button", name="Delete renamed").click()
    expect(page.get_by_role("link", name="renamed", exact=True)).to_have_count(0)
    assert demo.client.get_experiment(experiment_id).lifecycle_stage == "deleted"
    page.get_by_label("Show deleted experiments").check()
    expect(page).to_have_url(re.compile(r"deleted=1"))
    page.get_by_role("button", name="Restore renamed").click()
    expect(page.get_by_role("link", name="renamed", exact=True)).to_have_count(0)
    assert demo.client.get_experiment(experiment_id).lifecycle_stage == "active"


def test_filter_and_sort_the_runs_table(ui_server, demo, page, screenshot):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.experiment_name)
    expect(page.locator("table.runs tbody tr")).to_have_count(5)
    expect_names(page, ["epsilon", "delta", "gamma", "beta", "alpha"])  # newest first
    screenshot(page, "02-runs-table")

    page.get_by_label("Filter runs").fill("params.model = 'cnn' and metrics.loss < 1")
    page.get_by_label("Filter runs").press("Enter")
    expect(page).to_have_url(re.compile(r"filter=params.model"))
    expect(page.locator("table.runs tbody tr")).to_have_count(2)
    assert sorted(_names(page)) == ["alpha", "gamma"]
    screenshot(page, "03-runs-filtered")

    page.get_by_role("button", name="Clear", exact=True).click()
    expect(page.locator("table.runs tbody tr")).to_have_count(5)
    page.get_by_role("button", name="Sort by lr").click()
    expect(page).to_have_url(re.compile(r"sort=params%3Alr"))
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("lr")
    expect_names(page, ["epsilon", "alpha", "delta", "beta", "gamma"])  # "0.2" > "0.1" > "0.05" > ...
    page.get_by_role("button", name="Sort by lr").click()
    expect(page.locator("th[aria-sort=ascending]")).to_contain_text("lr")
    expect_names(page, ["gamma", "beta", "delta", "alpha", "epsilon"])
    page.get_by_role("button", name="Sort by loss").click()
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("loss")
    expect_names(page, ["epsilon", "delta", "gamma", "beta", "alpha"])  # loss grows with the run's index


def test_a_bad_filter_says_why(ui_server, demo, page):
    page.expected_errors = "status of 400"
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    page.get_by_label("Filter runs").fill("params.model = cnn")
    page.get_by_label("Filter runs").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("not quoted")


def test_columns_paging_and_bulk_delete_restore(ui_server, demo, page):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}&n=25")
    page.get_by_text("Columns (").click()
    page.get_by_role("checkbox", name="team").check()
    expect(page).to_have_url(re.compile(r"cols=.*tags%3Ateam"))
    expect(page.locator("table.runs thead")).to_contain_text("team")

    extra = demo.client.create_experiment("paging")
    for i in range(30):
        demo.client.create_run(extra, start_time=1_700_000_000_000 + i, run_name=f"p{i:02d}")
    page.goto(f"{ui_server.url}/#/runs?e={extra}&n=25")
    expect(page.locator("table.runs tbody tr")).to_have_count(25)
    expect(page.get_by_text("Runs 1–25")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("table.runs tbody tr")).to_have_count(5)
    expect(page.get_by_text("Runs 26–30")).to_be_visible()
    expect_names(page, ["p04", "p03", "p02", "p01", "p00"])
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_text("Runs 1–25")).to_be_visible()
    page.go_back()  # the browser's back button returns to the second page
    expect(page.get_by_text("Runs 26–30")).to_be_visible()

    page.get_by_role("checkbox", name="Select run p00").check()
    page.get_by_role("checkbox", name="Select run p01").check()
    page.get_by_role("button", name="Delete", exact=True).click()
    expect(page.locator("table.runs tbody tr")).to_have_count(3)
    deleted = [r.info.run_name for r in demo.client.search_runs([extra], run_view_type=2)]
    assert sorted(deleted) == ["p00", "p01"]
    page.get_by_label("Show", exact=True).select_option("deleted")
    expect(page.locator("table.runs tbody tr")).to_have_count(2)
    page.get_by_role("checkbox", name="Select all runs on this page").check()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("No runs here yet.")).to_be_visible()
    assert demo.client.search_runs([extra], run_view_type=2) == []


def test_open_a_run_and_read_its_param_notes_and_family(ui_server, demo, page, screenshot):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    page.get_by_role("link", name="alpha", exact=True).click()
    expect(page).to_have_url(re.compile(f"#/run/{demo.runs['alpha']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("alpha")
    expect(page.get_by_role("heading", level=1)).to_contain_text("FINISHED")
    params = page.locator("table.params")
    expect(params.locator("tr", has_text="lr")).to_contain_text("0.1")
    expect(params.locator("tr", has_text="model")).to_contain_text("cnn")
    details = page.locator("dl.details")
    expect(details).to_contain_text("45 s")  # duration
    expect(details).to_contain_text("train_alpha.py (LOCAL)")
    expect(details.get_by_role("link", name="gamma")).to_be_visible()  # child run
    notes = page.locator(".markdown")
    expect(notes.get_by_role("heading", name="Baseline")).to_be_visible()
    expect(notes.locator("strong")).to_have_text("first")
    expect(page.locator("table.metrics tr", has_text="loss")).to_contain_text("0.005")  # 1/200 at step 199
    screenshot(page, "04-run-overview")

    page.get_by_role("link", name="gamma").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("gamma")
    expect(page.locator("dl.details").get_by_role("link", name=demo.runs["alpha"])).to_be_visible()  # parent


def test_edit_tags_and_notes(ui_server, demo, page):
    run_id = demo.runs["beta"]
    page.goto(f"{ui_server.url}/#/run/{run_id}")
    page.get_by_label("Tag name").fill("reviewed")
    page.get_by_label("Value", exact=True).fill("by me")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("table.tags")).to_contain_text("by me")
    page.get_by_role("button", name="Edit tag reviewed").click()
    page.get_by_label("New value of tag reviewed").fill("twice")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("table.tags")).to_contain_text("twice")
    page.get_by_role("button", name="Delete tag team").click()
    expect(page.locator("table.tags")).not_to_contain_text("nlp")
    tags = demo.client.get_run(run_id).data.tags
    assert tags["reviewed"] == "twice" and "team" not in tags

    page.get_by_role("button", name="Add notes").click()
    page.get_by_label("Notes (Markdown)").fill("Uses *dropout*.\n\n<script>alert(1)</script>")
    page.get_by_role("button", name="Save notes").click()
    expect(page.locator(".markdown em")).to_have_text("dropout")
    expect(page.locator(".markdown")).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    assert page.locator(".markdown script").count() == 0
    assert demo.client.get_run(run_id).data.tags["mlflow.note.content"].startswith("Uses *dropout*.")


def test_open_a_chart_with_its_settings_in_the_url(ui_server, demo, page, screenshot):
    run_id = demo.runs["alpha"]
    page.goto(f"{ui_server.url}/#/run/{run_id}")
    page.get_by_role("link", name="loss", exact=True).click()
    expect(page).to_have_url(re.compile(r"tab=charts&metrics=loss"))
    chart = page.locator(".chart")
    expect(chart).to_have_attribute("data-state", "drawn")
    expect(page.locator(".chart-status")).to_have_text("200 points in 200 buckets.")
    page.get_by_role("checkbox", name="accuracy").check()
    expect(page.locator(".chart-legend")).to_contain_text("accuracy")
    page.get_by_label("Log scale").check()
    page.get_by_label("X axis").select_option("relative")
    expect(page).to_have_url(re.compile(r"x=relative"))
    expect(chart).to_have_attribute("data-state", "drawn")

    box = page.locator(".chart canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tooltip = page.locator(".chart-tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("loss:")
    screenshot(page, "05-run-chart")

    # drag across the middle: zoom, which the URL keeps and the server answers at full detail
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 100)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 100, steps=5)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"zoom=\d+%2C\d+"))
    expect(page.locator(".chart-status")).to_contain_text("(zoomed)")
    zoomed = page.url
    page.get_by_role("button", name="Reset zoom").click()
    expect(page).not_to_have_url(re.compile("zoom="))

    page.goto("about:blank")
    page.goto(zoomed)  # a shared link shows the same chart
    expect(page.get_by_label("Log scale")).to_be_checked()
    expect(page.get_by_label("X axis")).to_have_value("relative")
    expect(page.get_by_role("checkbox", name="accuracy")).to_be_checked()
    expect(page.locator(".chart-status")).to_contain_text("(zoomed)")


def test_compare_two_runs(ui_server, demo, page, screenshot):
    page.goto(f"{ui_server.url}/#/runs?e={demo.experiment_id}")
    page.get_by_role("checkbox", name="Select run alpha").check()
    page.get_by_role("checkbox", name="Select run beta").check()
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"#/compare\?runs="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare 2 runs")
    diff = page.locator("table.diff").first
    for table in (diff, page.locator("table.diff").nth(1)):  # params and latest metrics: one linked header per run
        expect(table.locator("thead th")).to_have_text(["Name", "alpha", "beta"])
        expect(table.locator("thead th a", has_text="beta")).to_have_attribute("href", f"#/run/{demo.runs['beta']}")
    expect(diff.locator("tr.differs", has_text="lr")).to_contain_text("0.01")
    expect(diff.locator("tr.differs", has_text="model")).to_contain_text("mlp")
    screenshot(page, "06-compare-table")
    page.get_by_label("Only show differences").check()
    expect(diff.locator("tbody tr")).to_have_count(3)  # epochs, lr, model all differ

    page.get_by_role("link", name="Metric charts").click()
    expect(page.locator(".chart")).to_have_attribute("data-state", "drawn")
    expect(page.locator(".chart-legend li")).to_have_count(2)
    expect(page.locator(".chart-legend")).to_contain_text("alpha · accuracy")  # the first metric by name
    screenshot(page, "07-compare-chart")

    page.get_by_role("link", name="Scatter plot").click()
    page.get_by_label("X axis").select_option("params:lr")
    page.get_by_label("Y axis").select_option("metrics:loss")
    expect(page).to_have_url(re.compile(r"sy=metrics%3Aloss"))
    screenshot(page, "08-compare-scatter")
    page.get_by_role("link", name="Parallel coordinates").click()
    expect(page.locator("canvas[aria-label='Parallel coordinates of the compared runs']")).to_be_visible()
    screenshot(page, "09-compare-parallel")
    page.go_back()
    expect(page).to_have_url(re.compile(r"tab=scatter"))


def test_preview_artifacts(ui_server, demo, page, screenshot):
    run_id = demo.runs["alpha"]
    page.goto(f"{ui_server.url}/#/run/{run_id}?tab=artifacts")
    tree = page.get_by_role("tree")
    tree.get_by_role("treeitem", name=re.compile("^notes.txt")).click()
    expect(page).to_have_url(re.compile(r"path=notes.txt"))
    expect(page.locator(".preview pre")).to_contain_text("hello from the alpha run")
    download = page.get_by_role("link", name="Download")
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == "notes.txt"

    tree.get_by_role("treeitem", name=re.compile("^metrics.json")).click()
    expect(page.locator(".preview pre")).to_contain_text('"rmse": 53.4')
    tree.get_by_role("treeitem", name=re.compile("^config.yaml")).click()
    expect(page.locator(".preview pre")).to_contain_text("name: adam")
    tree.get_by_role("treeitem", name=re.compile("^table.csv")).click()
    expect(page.locator(".preview table.csv tbody tr")).to_have_count(2)
    expect(page.locator(".preview table.csv")).to_contain_text("with, comma")
    screenshot(page, "10-artifact-csv")
    tree.get_by_role("treeitem", name=re.compile("^plot.png")).click()
    image = page.get_by_role("img", name="Image artifact plot.png")
    expect(image).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) == 40  # the PNG decoded

    tree.get_by_role("treeitem", name="model").click()
    tree.get_by_role("treeitem", name=re.compile("^MLmodel")).click()
    summary = page.locator(".mlmodel")
    expect(summary).to_contain_text("python_function, sklearn")
    expect(summary).to_contain_text("3.17.2")
    expect(summary.locator("table").first).to_contain_text("bmi")
    screenshot(page, "11-artifact-mlmodel")

    page.goto("about:blank")
    page.goto(f"{ui_server.url}/#/run/{run_id}?tab=artifacts&path=model%2Fconda.yaml")  # deep link into a folder
    expect(page.locator(".preview pre")).to_contain_text("dependencies")
    expect(page.get_by_role("treeitem", name=re.compile("^conda.yaml"))).to_have_attribute("aria-selected", "true")


def test_open_a_registered_model(ui_server, demo, page, screenshot):
    page.goto(ui_server.url + "/#/models")
    page.get_by_label("Find models").fill(demo.model_name[-6:])
    page.get_by_role("button", name="Find").click()
    row = page.locator("table.models tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("@champion")
    screenshot(page, "12-models")
    page.get_by_role("link", name=demo.model_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.model_name)
    expect(page.locator(".markdown strong")).to_have_text("things")
    versions = page.locator("table.versions")
    expect(versions).to_contain_text("Version 1")
    expect(versions).to_contain_text("@champion")
    expect(page.locator("table.kv")).to_contain_text("vision-team")
    screenshot(page, "13-model")
    versions.get_by_role("link", name="Version 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{demo.model_name} version 1")
    expect(page.locator("table.kv")).to_contain_text("validated")
    screenshot(page, "14-model-version")
    page.locator("dl.details").get_by_role("link", name=demo.runs["alpha"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("alpha")


def test_set_and_remove_an_alias(ui_server, demo, page):
    page.goto(f"{ui_server.url}/#/models/{demo.model_name}")
    page.get_by_label("Alias name").fill("staging")
    page.get_by_role("button", name="Set alias").click()
    expect(page.locator("table.versions")).to_contain_text("@staging")
    assert demo.client.get_model_version_by_alias(demo.model_name, "staging").version == demo.version
    page.get_by_role("button", name="Remove alias staging").click()
    expect(page.locator("table.versions")).not_to_contain_text("@staging")


def test_back_and_forward_walk_through_the_views(ui_server, demo, page):
    page.goto(ui_server.url + "/#/experiments")
    page.get_by_role("link", name=demo.experiment_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.experiment_name)
    page.get_by_role("link", name="beta", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("beta")
    page.get_by_role("link", name="Charts").click()
    expect(page.locator(".chart")).to_have_attribute("data-state", "drawn")
    page.go_back()
    expect(page.locator("table.params")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.experiment_name)
    page.go_forward()
    page.go_forward()
    expect(page.locator(".chart")).to_have_attribute("data-state", "drawn")


def test_links_the_mlflow_client_prints_open_here(ui_server, demo, page):
    run_id = demo.runs["beta"]
    page.goto(f"{ui_server.url}/#/experiments/{demo.experiment_id}/runs/{run_id}")
    expect(page).to_have_url(re.compile(rf"#/run/{run_id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("beta")
    page.goto(f"{ui_server.url}/#/experiments/{demo.experiment_id}")
    expect(page).to_have_url(re.compile(rf"#/runs\?e={demo.experiment_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.experiment_name)
    page.goto(f"{ui_server.url}/#/models/{demo.model_name}/versions/{demo.version}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(demo.model_name)


def test_scatter_defaults_to_a_varying_axis_with_titles(ui_server, demo, page, screenshot):
    from mlplug.entities import Metric, Param

    experiment_id = demo.client.create_experiment("scatter-close-values")
    ids = []
    for i, rmse in enumerate([54.1512, 54.1449, 54.1387]):
        run_id = demo.client.create_run(experiment_id, run_name=f"s{i}").info.run_id
        demo.client.log_batch(run_id, metrics=[Metric("rmse", rmse, 1_700_000_000_000, 0)],
                              params=[Param("a_fixed", "same"), Param("depth", str(3 + i))])
        ids.append(run_id)
    page.goto(f"{ui_server.url}/#/compare?runs={','.join(ids)}&tab=scatter")
    expect(page.get_by_label("X axis")).to_have_value("params:depth")  # not a_fixed, which is the same for all
    expect(page.get_by_label("Y axis")).to_have_value("metrics:rmse")
    expect(page.locator("canvas[role=img]")).to_have_attribute(
        "aria-label", "Scatter plot of the compared runs: rmse against depth")
    screenshot(page, "10-compare-scatter-close-values")
