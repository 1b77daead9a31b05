"""The report page: written by every publishing reconfig and by gfactory report; escaped."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import time
from types import SimpleNamespace

import pytest
from lxml import html

from glideinforge.creation.lib.forked_check import ForkedJob
from glideinforge.creation.lib.publish import PublishError
from glideinforge.tools import factory_report, incremental_step, page_start, publish_flow
from glideinforge.tools.report_page import previous_states, report_states

from compile_helpers import fast_path_record, gfrontend_run, set_fast_path_record
from conftest import copy_example, factory_xml, run_gfactory

MONITOR = "var/lib/gwms-factory/web-area/monitor/glideinforge-report.html"
STAGE = "var/lib/gwms-factory/web-area/stage"


def _data(path) -> dict[str, dict]:
    """The entries the page carries, by name."""
    found = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>',
        path.read_text(),
        re.DOTALL,
    )
    return {item["name"]: item for item in json.loads(found[1])}


def _move_site_a(config, site: str) -> None:
    """Edit one entry: SITE_A_ce1's GLIDEIN_Site becomes ``site``."""
    sites = config.parent / "config.d/10-sites.xml"
    sites.write_text(sites.read_text().replace('value="SiteA"', f'value="{site}"'))


def test_a_reconfig_writes_the_page_into_the_monitor_directory(published):
    _, out = published

    entries = _data(out / MONITOR)

    assert list(entries) == ["CLOUD_ec2_east", "SITE_A_ce1", "SITE_B_slurm", "SITE_C_arc"]
    site_a = entries["SITE_A_ce1"]
    assert (site_a["gridtype"], site_a["site"], site_a["enabled"]) == ("condor", "SiteA", True)
    effective = {name: (value, source) for name, value, source in site_a["details"]["effective"]}
    assert effective["GLIDEIN_Site"] == ("SiteA", "entry SITE_A_ce1 const")
    assert effective["CONDOR_OS"] == ("default", "factory main param")
    staged = site_a["details"]["staged"]
    assert staged and {status for *_, status in staged} == {"signed in this state"}
    paths = [path for path, *_ in staged]
    assert all((out / STAGE / path).is_file() for path in paths)


def test_an_edit_updates_the_edited_entry_and_keeps_the_others(published):
    config, out = published
    before = _data(out / MONITOR)
    _move_site_a(config, "SiteA2")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert json.loads(result.stdout)["compiled_alone"] == 1  # the incremental path
    after = _data(out / MONITOR)
    assert after["SITE_A_ce1"]["site"] == "SiteA2"
    assert after["SITE_B_slurm"] == before["SITE_B_slurm"]
    page = html.fromstring((out / MONITOR).read_bytes())
    states = page.xpath("//table[@id='states-table']/tbody/tr")
    assert [row.xpath("td[5]")[0].text for row in states] == [
        "~SITE_A_ce1",
        "first recorded state",
    ]
    assert "(live)" in states[0].xpath("td[1]")[0].text_content()


def test_a_no_op_leaves_the_page_alone(published):
    config, out = published
    stamp = (out / MONITOR).stat().st_mtime_ns

    assert run_gfactory("reconfig", config, "--root", out).code == 0

    assert (out / MONITOR).stat().st_mtime_ns == stamp


def test_a_page_that_cannot_be_written_is_a_warning(published):
    config, out = published
    monitor = (out / MONITOR).parent
    (out / MONITOR).unlink()
    (out / MONITOR).mkdir()  # a directory where the page goes
    _move_site_a(config, "SiteA3")

    result = run_gfactory("reconfig", config, "--root", out)

    assert result.code == 0
    assert (
        f"gfactory: warning: cannot write the report page {monitor}/glideinforge-report.html: "
        in (result.stderr)
    )


@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("child", [True, False])
def test_an_edit_writes_the_page_in_a_child(published, monkeypatch, child):
    config, out = published
    writers: list[int] = []
    prepare_report = factory_report.prepare_report

    def writing(*args):
        writers.append(os.getpid())  # seen here only when written here
        return prepare_report(*args)

    monkeypatch.setattr(factory_report, "prepare_report", writing)
    if not child:  # no fork to be had: the page is written when it is waited for
        monkeypatch.setattr(
            page_start, "start_in_child", lambda write, _what, **_: ForkedJob(write, None)
        )
    _move_site_a(config, "SiteA4")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["compiled_alone"] == 1
    assert writers == ([] if child else [os.getpid()])
    assert _data(out / MONITOR)["SITE_A_ce1"]["site"] == "SiteA4"
    with pytest.raises(ChildProcessError):  # any child was reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.usefixtures("single_threaded")
def test_an_edit_starts_its_page_before_it_plans(published, monkeypatch):
    config, out = published
    events: list[str] = []
    start, plan = incremental_step.start_early_page, incremental_step.plan_incremental

    def starting(*args):
        events.append("page")
        return start(*args)

    def planning(*args, **kwargs):
        events.append("plan")
        return plan(*args, **kwargs)

    monkeypatch.setattr(incremental_step, "start_early_page", starting)
    monkeypatch.setattr(incremental_step, "plan_incremental", planning)
    _move_site_a(config, "SiteA6")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["compiled_alone"] == 1
    assert events == ["page", "plan"]
    entries = _data(out / MONITOR)
    assert entries["SITE_A_ce1"]["site"] == "SiteA6"
    assert list(entries) == ["CLOUD_ec2_east", "SITE_A_ce1", "SITE_B_slurm", "SITE_C_arc"]
    with pytest.raises(ChildProcessError):  # the page child was reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.usefixtures("single_threaded")
def test_an_edit_whose_record_does_not_place_the_page_starts_it_at_the_publish(
    published, monkeypatch
):
    config, out = published
    work = out / "var/lib/gwms-factory/work-dir"
    record = json.loads(fast_path_record(work, "fingerprint") or b"")
    del record["report"]["monitor"]  # as recorded before the page was started early
    set_fast_path_record(work, "fingerprint", json.dumps(record).encode())
    early: list[object] = []
    monkeypatch.setattr(incremental_step, "start_early_page", lambda *args: early.append(args))
    _move_site_a(config, "SiteA7")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["compiled_alone"] == 1
    assert early == []
    assert _data(out / MONITOR)["SITE_A_ce1"]["site"] == "SiteA7"


def test_an_edit_that_writes_nothing_leaves_the_page_alone(published):
    config, out = published
    sites = config.parent / "config.d/10-sites.xml"
    sites.write_text(
        sites.read_text().replace(
            '<entry name="SITE_A_ce1" ', '<entry name="SITE_A_ce1" comment="moved racks" ', 1
        )
    )
    page = (out / MONITOR).stat()

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["compiled_alone"], document["files_written"]) == (1, 0)
    after = (out / MONITOR).stat()
    assert (after.st_ino, after.st_mtime_ns) == (page.st_ino, page.st_mtime_ns)


@pytest.mark.usefixtures("single_threaded")
def test_a_record_failing_after_the_publish_still_gets_its_page(published, monkeypatch):
    config, out = published

    def failing(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(incremental_step, "finish", failing)
    _move_site_a(config, "SiteA5")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["compiled_alone"] is None  # the full run took over
    with pytest.raises(ChildProcessError):  # the page child was reaped
        os.waitpid(-1, os.WNOHANG)
    assert _data(out / MONITOR)["SITE_A_ce1"]["site"] == "SiteA5"  # it tells of the publish


def test_the_command_verifies_the_stage_and_writes_where_asked(published, tmp_path):
    config, out = published
    victim = next((out / STAGE / "entry_SITE_A_ce1").glob("constants.*.cfg"))
    victim.write_text("tampered\n")

    result = run_gfactory("report", config, "--root", out, "--html", tmp_path / "r.html", "--json")

    assert result.code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "html": str(tmp_path / "r.html"),
        "bytes": (tmp_path / "r.html").stat().st_size,
        "entries": 4,
    }
    statuses = {
        path: status
        for path, *_, status in _data(tmp_path / "r.html")["SITE_A_ce1"]["details"]["staged"]
    }
    assert statuses[str(victim.relative_to(out / STAGE))] == "SHA-1 does not match the signature"
    assert sum(status == "verified" for status in statuses.values()) == len(statuses) - 1


def test_before_a_reconfig_files_are_not_published(tmp_path):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"

    assert run_gfactory("report", config, "--root", tmp_path / "out").code == 0

    entries = _data(tmp_path / "out" / MONITOR)
    assert {status for *_, status in entries["SITE_A_ce1"]["details"]["staged"]} == {
        "not published"
    }


def test_the_page_is_self_contained_and_summarised(published):
    _, out = published

    page = html.fromstring((out / MONITOR).read_bytes())

    assert page.xpath("//script[@src] | //link[@href] | //img[@src] | //iframe") == []
    assert page.get_element_by_id("level-total").text == "4"
    captions = page.xpath("//figure[@class='plot']/figcaption/text()")
    assert captions[:2] == ["entries per gridtype", "entries per site (the 20 largest)"]
    assert len(page.xpath("//figure[@class='plot'][1]//*[local-name()='rect']")) == 4


def test_values_are_escaped(make_config, tmp_path):
    hostile = '<attr name="X_NOTE" type="string" value="&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"/>'
    config = make_config(factory_xml(attrs=hostile))
    target = tmp_path / "r.html"

    result = run_gfactory("report", config.main, "--root", tmp_path / "out", "--html", target)

    assert result.code == 0, result.stderr
    text = target.read_text()
    assert "</script><script>alert(1)" not in text
    assert len(html.fromstring(text).xpath("//script")) == 4  # columns, states, data, code
    effective = {name: value for name, value, _ in _data(target)["E1"]["details"]["effective"]}
    assert effective["X_NOTE"] == "</script><script>alert(1)</script>"


def test_a_full_run_that_changes_nothing_writes_a_missing_page_only(published):
    config, out = published
    work = out / "var/lib/gwms-factory/work-dir"
    stamp = (out / MONITOR).stat().st_mtime_ns
    set_fast_path_record(work, "fingerprint", None)  # the full run, which publishes nothing new

    assert run_gfactory("reconfig", config, "--root", out).code == 0
    assert (out / MONITOR).stat().st_mtime_ns == stamp
    with pytest.raises(ChildProcessError):  # the page child, started before, was stopped
        os.waitpid(-1, os.WNOHANG)

    (out / MONITOR).unlink()
    set_fast_path_record(work, "fingerprint", None)
    assert run_gfactory("reconfig", config, "--root", out).code == 0
    assert list(_data(out / MONITOR)) == [
        "CLOUD_ec2_east",
        "SITE_A_ce1",
        "SITE_B_slurm",
        "SITE_C_arc",
    ]


FRONTEND_MONITOR = "var/lib/gwms-frontend/web-area/monitor/glideinforge-report.html"


def test_the_frontend_writes_its_page_alike(tmp_path):
    config = copy_example("frontend", tmp_path / "frontend") / "frontend.xml"
    out = tmp_path / "out"
    code, _, stderr = gfrontend_run("reconfig", config, "--root", out)
    assert code == 0, stderr

    groups = _data(out / FRONTEND_MONITOR)

    assert list(groups) == ["main", "gpu", "retired"]
    main = groups["main"]
    assert main["enabled"] is True
    effective = {name: (value, source) for name, value, source in main["details"]["effective"]}
    assert effective["GLIDEIN_Max_Walltime"] == ("86400", "group main param")
    gpu = {name: (value, source) for name, value, source in groups["gpu"]["details"]["effective"]}
    assert gpu["GLIDEIN_Max_Walltime"] == ("172800", "frontend main param")  # inherited
    page = html.fromstring((out / FRONTEND_MONITOR).read_bytes())
    assert [th.text for th in page.xpath("//table[@id='levels-table']/thead//th")] == [
        "group", "enabled", "attrs", "files", "credentials", "staged bytes",
    ]  # fmt: skip
    stamp = (out / FRONTEND_MONITOR).stat().st_mtime_ns
    assert gfrontend_run("reconfig", config, "--root", out)[0] == 0  # nothing new published
    assert (out / FRONTEND_MONITOR).stat().st_mtime_ns == stamp

    code, stdout, _ = gfrontend_run("report", config, "--root", out, "--json")
    assert code == 0
    assert json.loads(stdout)["groups"] == 3
    statuses = {status for *_, status in _data(out / FRONTEND_MONITOR)["main"]["details"]["staged"]}
    assert statuses == {"verified"}


def test_the_states_a_page_tells_of_are_those_of_the_history(published):
    config, out = published
    sites = config.parent / "config.d/10-sites.xml"
    for number in range(3):
        sites.write_text(sites.read_text().replace('value="SiteA', f'value="SiteA{number}', 1))
        assert run_gfactory("reconfig", config, "--root", out).code == 0
    work = out / "var/lib/gwms-factory/work-dir"

    told = previous_states(out / MONITOR)
    fresh = report_states(work)

    assert len(told) == len(fresh) == 4
    assert {state.state_id: (state.work_files, state.changed) for state in fresh} == told
    assert report_states(work, told) == fresh
    assert [state.changed for state in fresh] == [("~SITE_A_ce1",)] * 3 + [()]


def _page_job(monkeypatch, tmp_path, *, child: bool, stderr=None, drawing=None):
    """Start a page whose drawing is a marker file: drawn (before), then written (after)."""
    drawn, written = tmp_path / "drawn", tmp_path / "written"

    def prepare(*_args):
        if drawing is not None:
            drawing()
        drawn.write_text(str(os.getpid()))
        return lambda: written.write_text(str(os.getpid()))

    monkeypatch.setattr(factory_report, "prepare_report", prepare)
    if not child:
        monkeypatch.setattr(
            page_start, "start_in_child", lambda write, _what, **_: ForkedJob(write, None)
        )
    compiled = SimpleNamespace(factory=SimpleNamespace(monitor=SimpleNamespace(base_dir=tmp_path)))
    page = page_start.start_page(compiled, None, None, stderr or io.StringIO())
    return page, drawn, written


@pytest.mark.usefixtures("single_threaded")
def test_the_page_is_drawn_during_the_publish_and_written_once_it_stands(monkeypatch, tmp_path):
    page, drawn, written = _page_job(monkeypatch, tmp_path, child=True)
    with page:
        for _ in range(1000):  # drawn in the child while this process publishes
            if drawn.exists():
                break
            time.sleep(0.01)
        assert drawn.read_text() != str(os.getpid())
        time.sleep(0.05)
        assert not written.exists()  # not before the publish stands
        page.published()
    assert written.read_text() == drawn.read_text()
    with pytest.raises(ChildProcessError):  # the child was reaped
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("child", [True, False])
def test_a_failed_publish_writes_no_page(monkeypatch, tmp_path, child):
    page, drawn, written = _page_job(monkeypatch, tmp_path, child=child)
    with pytest.raises(PublishError), page:
        raise PublishError("cannot publish")
    assert not written.exists()
    if not child:
        assert not drawn.exists()  # not even drawn here, for nothing
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.usefixtures("single_threaded")
@pytest.mark.parametrize("child", [True, False])
def test_a_published_page_is_written_by_its_child_or_at_the_wait(monkeypatch, tmp_path, child):
    page, drawn, written = _page_job(monkeypatch, tmp_path, child=child)
    with page:
        page.published()
    assert written.read_text() == drawn.read_text()
    assert (drawn.read_text() == str(os.getpid())) is not child


@pytest.mark.usefixtures("single_threaded")
def test_a_killed_page_child_is_a_warning_and_the_publish_stands(monkeypatch, tmp_path):
    stderr = io.StringIO()
    page, _, written = _page_job(
        monkeypatch,
        tmp_path,
        child=True,
        stderr=stderr,
        drawing=lambda: os.kill(os.getpid(), signal.SIGKILL),  # the OOM killer, say
    )
    with page:
        page.published()
    assert not written.exists()
    assert stderr.getvalue() == (
        f"gfactory: warning: cannot write the report page {tmp_path / page_start.REPORT_NAME}:"
        f" writing {tmp_path / page_start.REPORT_NAME}: its process ended by signal SIGKILL\n"
    )


@pytest.mark.usefixtures("single_threaded")
def test_an_edit_whose_publish_fails_gives_way_to_the_full_run(published, monkeypatch):
    config, out = published

    publish, calls = publish_flow.publish_factory, []

    def failing_once(*args: object, **keywords: object) -> object:
        calls.append(args[0])
        if len(calls) == 1:  # the edit's publish; the full run's, after it, goes ahead
            raise PublishError("cannot publish: No space left on device")
        return publish(*args, **keywords)

    monkeypatch.setattr(publish_flow, "publish_factory", failing_once)
    _move_site_a(config, "SiteA6")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["compiled_alone"] is None  # the full run took over
    assert [len(compiled.factory.entries) for compiled in calls] == [1, 4]
    assert _data(out / MONITOR)["SITE_A_ce1"]["site"] == "SiteA6"
    with pytest.raises(ChildProcessError):  # the page child was stopped and reaped
        os.waitpid(-1, os.WNOHANG)


def _page_steps(monkeypatch, start: tuple[object, str], publish: tuple[object, str]) -> list[str]:
    """Record, in order, the page's start, the publish and the page told it stands.

    ``start`` and ``publish``: the module and the name of each call.
    """
    steps: list[str] = []
    start_page, publishing_call = getattr(*start), getattr(*publish)

    def starting(*args: object) -> page_start.PageInProgress:
        steps.append("page started")
        page = start_page(*args)
        published = page.published

        def telling() -> None:
            steps.append("page told")
            published()

        monkeypatch.setattr(page, "published", telling)
        return page

    def publishing(*args: object, **keywords: object) -> object:
        steps.append("publish")
        return publishing_call(*args, **keywords)

    monkeypatch.setattr(*start, starting)
    monkeypatch.setattr(*publish, publishing)
    return steps


@pytest.mark.usefixtures("single_threaded")
def test_an_edit_starts_its_page_before_it_publishes(published, monkeypatch):
    config, out = published
    steps = _page_steps(
        monkeypatch, (incremental_step, "start_early_page"), (publish_flow, "publish_factory")
    )
    _move_site_a(config, "SiteA7")

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["compiled_alone"] == 1
    assert steps == ["page started", "publish", "page told"]
    assert _data(out / MONITOR)["SITE_A_ce1"]["site"] == "SiteA7"


@pytest.mark.usefixtures("single_threaded")
def test_a_full_run_starts_its_page_before_it_publishes(tmp_path, monkeypatch):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    out = tmp_path / "out"
    steps = _page_steps(monkeypatch, (publish_flow, "start_page"), (publish_flow, "_publish"))

    result = run_gfactory("reconfig", config, "--root", out, "--json")

    assert result.code == 0, result.stderr
    assert steps == ["page started", "publish", "page told"]
    assert list(_data(out / MONITOR)) == [
        "CLOUD_ec2_east",
        "SITE_A_ce1",
        "SITE_B_slurm",
        "SITE_C_arc",
    ]
    with pytest.raises(ChildProcessError):  # the page child was reaped
        os.waitpid(-1, os.WNOHANG)
