"""The report of a 1,000-entry factory in a real browser: headless Chromium (Debian's package).

A small harness is put around a copy of the page: first in its head, a recorder of
errors and ``console.error`` calls; last in its body, a script that filters the
entries table and sorts it as a person would, then writes what it saw into the DOM,
which Chromium dumps. A screenshot of the page is saved beside it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import html

from compile_helpers import gfactory_run
from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
from make_production_factory import write_factory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)

_RECORDER = """<script>
window.harnessErrors = [];
window.addEventListener("error", function (event) { window.harnessErrors.push(String(event.message)); });
const harnessConsoleError = console.error;
console.error = function () { window.harnessErrors.push(Array.from(arguments).join(" ")); harnessConsoleError.apply(console, arguments); };
</script>"""

_HARNESS = """<script>
(function () {
  const visible = function () {
    return Array.from(document.querySelectorAll("#levels-table tbody tr")).filter(function (row) { return !row.hidden; });
  };
  const result = { rows: visible().length, shownBefore: document.getElementById("shown").textContent };
  const filter = document.getElementById("filter");
  filter.value = "batch slurm";
  filter.dispatchEvent(new Event("input"));
  result.filtered = visible().length;
  result.shownAfter = document.getElementById("shown").textContent;
  result.filteredGridtypes = Array.from(new Set(visible().map(function (row) { return row.cells[2].textContent; })));
  filter.value = "";
  filter.dispatchEvent(new Event("input"));
  const bytes = document.querySelectorAll("#levels-table thead th")[9];
  bytes.click();
  const ascending = visible().map(function (row) { return Number(row.cells[9].textContent); });
  bytes.click();
  const descending = visible().map(function (row) { return Number(row.cells[9].textContent); });
  result.sortedUp = ascending.every(function (value, index) { return index === 0 || ascending[index - 1] <= value; });
  result.sortedDown = descending.every(function (value, index) { return index === 0 || descending[index - 1] >= value; });
  const first = document.querySelector("details.level-detail");
  first.open = true;
  first.dispatchEvent(new Event("toggle"));
  result.detailTables = first.querySelectorAll("table").length;
  result.detailAttrs = first.querySelectorAll("table.attrs tbody tr").length;
  result.detailFiles = Array.from(first.querySelectorAll("table.files tbody tr td:nth-child(4)")).map(function (td) { return td.textContent; });
  result.errors = window.harnessErrors;
  document.body.setAttribute("data-harness", JSON.stringify(result));
}());
</script>"""


def _chromium(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The report page of the production-shaped 1,000-entry factory, published."""
    base = tmp_path_factory.mktemp("browser")
    config = write_factory(1000, base / "factory", release_scale=0.01)
    out = base / "out"
    code, _, err = gfactory_run("reconfig", config, "--root", out)
    assert code == 0, err
    # The page the reconfig wrote into the monitor directory.
    page = out / "var/lib/gwms-factory/web-area/monitor/glideinforge-report.html"
    assert page.is_file()
    return page


def test_the_report_works_in_chromium(report, tmp_path):
    text = report.read_text(encoding="utf-8")
    harnessed = tmp_path / "harnessed.html"
    harnessed.write_text(
        text.replace("<head>", "<head>" + _RECORDER, 1).replace("</body>", _HARNESS + "</body>", 1),
        encoding="utf-8",
    )

    dumped = _chromium("--dump-dom", harnessed.as_uri()).stdout

    page = html.fromstring(dumped)
    result = json.loads(page.body.get("data-harness"))
    assert result["errors"] == []
    assert result["rows"] == 1000
    assert result["shownBefore"] == "1000"
    assert 1 <= result["filtered"] < 1000
    assert result["shownAfter"] == str(result["filtered"])
    assert result["filteredGridtypes"] == ["batch slurm"]
    assert result["sortedUp"] and result["sortedDown"]
    assert len(page.xpath("//details[@class='level-detail']")) == 1000
    assert result["detailTables"] == 2
    assert result["detailAttrs"] > 5
    assert result["detailFiles"] and set(result["detailFiles"]) == {"signed in this state"}


def test_a_screenshot_of_the_report_is_saved(report):
    screenshot = report.with_suffix(".png")

    _chromium("--window-size=1280,1600", f"--screenshot={screenshot}", report.as_uri())

    data = screenshot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) > 10_000  # a drawn page, not a blank one
