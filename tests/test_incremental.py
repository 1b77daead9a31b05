"""The incremental reconfig publishes exactly what the full run publishes.

Each case publishes a generated factory twice (trees A and B), applies the same
edit to both configurations, then reconfigures A incrementally and B with its
per-entry record removed (the full run). Every published byte, the state
records and the fingerprints must then agree, roots aside.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from glideinforge.creation.lib import history, xml_tree
from glideinforge.creation.lib.state_files import file_list_bytes
from glideinforge.creation.lib.xml_tree import convert, node_to_json
from glideinforge.factory import compile as compile_module
from glideinforge.factory import entry_keys, incremental, workdir
from glideinforge.factory.incremental import read_entries_record
from glideinforge.tools import publish_flow, reconfig_command
from glideinforge.tools.report_page import REPORT_NAME, previous_lines

from compile_helpers import (
    fast_path_record,
    gfactory_run,
    live_state_file,
    set_fast_path_record,
)

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
from make_factory import write_factory

WORK = "var/lib/gwms-factory/work-dir"
Edit = Callable[[Path], None]


def _replace(relpath: str, old: str, new: str, count: int = 1) -> Edit:
    def edit(config_dir: Path) -> None:
        path = config_dir / relpath
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new, count))

    return edit


def _first_entry(config_dir: Path) -> str:
    text = (config_dir / "config.d" / "10-sites.xml").read_text()
    return re.search(r'<entry name="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def _toggle_enabled(config_dir: Path) -> None:
    path = config_dir / "config.d" / "11-sites.xml"
    text = path.read_text()
    if 'enabled="True"' in text:
        path.write_text(text.replace('enabled="True"', 'enabled="False"', 1))
    else:
        path.write_text(text.replace('enabled="False"', 'enabled="True"', 1))


def _add_attr(config_dir: Path) -> None:
    path = config_dir / "config.d" / "12-sites.xml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "<attrs>",
            '<attrs>\n        <attr name="EXTRA_ONE" const="True" glidein_publish="True" '
            'job_publish="True" parameter="True" publish="True" type="string" value="x"/>',
            1,
        )
    )


def _shift_lines(config_dir: Path) -> None:
    path = config_dir / "config.d" / "13-sites.xml"
    text = path.read_text()
    path.write_text(text.replace("<entries>", "<entries>\n\n", 1))


EDITS: dict[str, Edit] = {
    "attr value": _replace("config.d/10-sites.xml", 'value="Site00000"/>', 'value="S0-x"/>'),
    "enable toggle": _toggle_enabled,
    "added attr": _add_attr,
    "lines shifted": _shift_lines,
    "two files": lambda d: (_toggle_enabled(d), _add_attr(d)),  # type: ignore[func-returns-value]
}


def _fast_path_objects(*roots: Path) -> dict[str, str]:
    """The fast paths' record objects under ``roots``: object name -> kind and state digest.

    Both trees' records count (each names its own live state's).
    """
    named = {}
    for path in (path for root in roots for path in root.rglob("history/states/*.json")):
        record = json.loads(path.read_bytes())
        for kind, sha1 in record["fast_paths"].items():
            named[sha1] = f"{kind}-{record['digest']}"
    return named


def _tree(root: Path, fast_paths: dict[str, str]) -> dict[str, bytes]:
    """Every file under ``root``, volatile record fields made comparable."""
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        relpath = str(path.relative_to(root))
        content = path.read_bytes()
        if "/history/states/" in relpath:
            record = json.loads(content)  # named and stamped by time
            relpath = f"history/states/{record['digest']}"
            content = json.dumps([record["digest"], record["files"], record["snapshots"]]).encode()
        elif path.name in fast_paths:  # compared as records: the entries byte for byte
            relpath = f"history/fast_paths/{fast_paths[path.name]}"
            if relpath.startswith("history/fast_paths/fingerprint"):
                record = json.loads(content)
                del record["outputs"]["digest"]  # over stamps, which differ
                content = json.dumps(record).encode()
        elif relpath.endswith(f"/{REPORT_NAME}"):  # stamped by time: its entries must agree
            content = b"\n".join(line for _, line in sorted(previous_lines(path).items()))
        files[relpath] = content
    return files


class _Pair:
    """One published factory, reconfigured after an edit both ways at the same paths."""

    def __init__(self, tmp_path: Path, entries: int = 30, prepare: Edit | None = None) -> None:
        self.config = write_factory(entries, tmp_path / "cfg", dropins=4)
        if prepare is not None:
            prepare(self.config.parent)
        self.out = tmp_path / "out"
        self.saved = tmp_path / "saved"
        self.incremental_tree = tmp_path / "incremental"
        code, _, stderr = gfactory_run("reconfig", self.config, "--root", self.out)
        assert code == 0, stderr
        shutil.copytree(self.out, self.saved, symlinks=True)

    def run_both(self) -> tuple[dict[str, object], dict[str, object]]:
        """Reconfig incrementally, keep that tree aside, then the full run from the same start."""
        incremental = _reconfig(self.config, self.out)
        self.out.rename(self.incremental_tree)
        shutil.copytree(self.saved, self.out, symlinks=True)
        set_fast_path_record(self.out / WORK, "entries", None)  # the full run
        full = _reconfig(self.config, self.out)
        return incremental, full


def _reconfig(config: Path, out: Path) -> dict[str, object]:
    code, stdout, stderr = gfactory_run("reconfig", config, "--root", out, "--json")
    assert code == 0, stderr
    return json.loads(stdout)


def _files(summary: dict[str, object]) -> int:
    """Every file a reconfig's summary counts: written, linked or unchanged."""
    return sum(
        int(str(summary[key])) for key in ("files_written", "files_linked", "files_unchanged")
    )


@pytest.mark.parametrize("name", sorted(EDITS))
def test_incremental_publishes_what_the_full_run_publishes(tmp_path: Path, name: str) -> None:
    pair = _Pair(tmp_path)
    EDITS[name](pair.config.parent)

    incremental, full = pair.run_both()

    assert isinstance(incremental["compiled_alone"], int)  # line shifts recompile later entries
    assert full["compiled_alone"] is None
    assert incremental["changes"] == full["changes"]
    assert _files(incremental) == _files(full)  # kept files count as unchanged
    names = _fast_path_objects(pair.incremental_tree, pair.out)
    tree_a, tree_b = _tree(pair.incremental_tree, names), _tree(pair.out, names)
    assert sorted(tree_a.keys() ^ tree_b.keys()) == []
    assert [path for path in tree_a if tree_a[path] != tree_b[path]] == []
    code, _, stderr = gfactory_run("verify", pair.config, "--root", pair.out)
    assert code == 0, stderr
    # The records describe the state: the next run is a no-op.
    assert _reconfig(pair.config, pair.out)["fingerprint"] is True


def test_the_edit_changes_only_its_entry_and_main_files(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    entry = _first_entry(pair.config.parent)
    before = {path: path.stat().st_mtime_ns for path in pair.out.rglob("*") if path.is_file()}
    EDITS["attr value"](pair.config.parent)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    changed = {
        str(path.relative_to(pair.out))
        for path in pair.out.rglob("*")
        if path.is_file() and before.get(path) != path.stat().st_mtime_ns
    }
    elsewhere = [
        path
        for path in changed
        if f"entry_{entry}/" not in path and "/history/" not in path and "/entry_" in path
    ]
    assert changed
    assert elsewhere == []


@pytest.mark.parametrize("stray", [False, True])
def test_a_live_file_list_holding_a_file_no_kept_entry_has_takes_the_full_run(
    tmp_path: Path, stray: bool
) -> None:
    pair = _Pair(tmp_path)
    work = pair.out / WORK
    state_file = live_state_file(work)
    record = json.loads(state_file.read_bytes())
    listed = history.record_files(work, history.StateRecord.from_json(record))
    assert listed is not None
    kept = [file for file in listed if file.relpath.startswith("entry_")][-1]
    assert not kept.relpath.startswith(f"entry_{_first_entry(pair.config.parent)}/")
    added = history.RecordedFile(f"{kept.relpath.partition('/')[0]}/stray", kept.sha1)
    if stray:  # the live record lists a file no entry has
        content = file_list_bytes([*listed, added])
        history.store_bytes(work, content)
        record["files"] = history.sha1_hex(content)
        state_file.write_text(json.dumps(record))
    EDITS["attr value"](pair.config.parent)

    outcome = _reconfig(pair.config, pair.out)

    assert outcome["compiled_alone"] == (None if stray else 1)
    live = history.current_state(work, history.load_states(work)[0])
    assert live is not None
    after = history.record_files(work, live)
    assert after is not None
    assert added.relpath not in {file.relpath for file in after}


def _add_clash_attr(config_dir: Path, dropin: str, kind: str) -> None:
    path = config_dir / "config.d" / dropin
    attr = f'<attr name="CLASH_ATTR" const="True" parameter="True" type="{kind}" value="1"/>'
    path.write_text(path.read_text().replace("<attrs>", f"<attrs>{attr}", 1))


def test_an_edit_says_how_many_entries_it_compiled_alone(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    EDITS["attr value"](pair.config.parent)

    code, stdout, stderr = gfactory_run("reconfig", pair.config, "--root", pair.out)

    assert code == 0, stderr
    assert stdout.splitlines()[0].endswith(" s (1 edited entry compiled alone)")


def test_a_type_clash_with_a_kept_entry_takes_the_full_run(tmp_path: Path) -> None:
    # The clash is a warning only the whole document shows: the full run checks it.
    pair = _Pair(tmp_path)
    _add_clash_attr(pair.config.parent, "10-sites.xml", "string")
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    _add_clash_attr(pair.config.parent, "13-sites.xml", "int")  # the string one is kept
    assert _reconfig(pair.config, pair.out)["compiled_alone"] is None
    code, _, stderr = gfactory_run("validate", pair.config)
    assert code == 0
    assert "but other attrs of that name have other types (int, string" in stderr


def test_a_guard_error_takes_the_full_run_which_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = _Pair(tmp_path)
    asked: list[bool] = []

    def refusing(*_args: object, names: object = None, **_keywords: object) -> list[str]:
        asked.append(names is not None)
        return ["refused for the test"]

    monkeypatch.setattr(publish_flow, "guard_errors", refusing)
    EDITS["attr value"](pair.config.parent)
    summary = pair.saved / WORK / "signatures.sha1"

    code, stdout, stderr = gfactory_run("reconfig", pair.config, "--root", pair.out)

    assert (code, stdout) == (1, "")
    # Said once, by the full run: the edit gave way before showing anything.
    assert stderr.endswith("\ngfactory: refused for the test; nothing written\n")
    assert stderr.count("refused for the test") == 1
    assert stderr.count('legacy attribute "require_glidein_glexec_use" is ignored') == 1
    assert asked == [True, False]  # the edited entries alone, then the whole factory
    assert (pair.out / WORK / "signatures.sha1").read_bytes() == summary.read_bytes()


def test_an_edited_kept_output_takes_the_full_run_which_repairs_it(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    victim = max((pair.out / WORK).glob("entry_*/job.descript"))
    original = victim.read_bytes()
    victim.write_bytes(original + b"Tampered \tyes\n")
    EDITS["attr value"](pair.config.parent)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] is None
    assert victim.read_bytes() == original


def _checked_submit_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every submit description HTCondor's parser is asked about from now on."""
    checked: list[str] = []
    original = workdir.submit_file_errors

    def counting(text: str, checks: dict[str, str | None] | None = None) -> list[str]:
        checked.append(text)
        return original(text, checks)

    monkeypatch.setattr(workdir, "submit_file_errors", counting)
    return checked


def _add_submit_attr(value: str) -> Edit:
    return _replace(
        "config.d/10-sites.xml",
        "<submit_attrs>",
        f'<submit_attrs><submit_attr name="+Edited" value="{value}" all_grid_types="True"/>',
    )


def test_an_edit_checks_only_the_submit_files_it_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = _Pair(tmp_path)
    checked = _checked_submit_files(monkeypatch)
    EDITS["attr value"](pair.config.parent)  # the entry's submit file stays as published
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    assert checked == []
    _add_submit_attr("7")(pair.config.parent)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    entry = _first_entry(pair.config.parent)
    published = (pair.out / WORK / f"entry_{entry}" / "job.condor").read_text("latin-1")
    assert checked == [published]
    assert "+Edited = 7\n" in published


def test_an_edit_asks_for_the_published_files_check_only_after_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check runs in a child beside the load and the compile: asked sooner, it is waited for.
    pair = _Pair(tmp_path)
    steps: list[str] = []
    compile_factory, beside = incremental.compile_factory, reconfig_command.outputs_intact_beside

    def compiling(*args: Any, **kwargs: Any) -> Any:
        steps.append("compile")
        return compile_factory(*args, **kwargs)

    def checking(fingerprint: Any) -> Callable[[], Any]:
        answer = beside(fingerprint)

        def asked() -> Any:
            steps.append("outputs")
            return answer()

        return asked

    monkeypatch.setattr(incremental, "compile_factory", compiling)
    monkeypatch.setattr(reconfig_command, "outputs_intact_beside", checking)
    EDITS["attr value"](pair.config.parent)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    assert steps[:2] == ["compile", "outputs"]


UNNEEDED_BY_AN_EDIT = (
    "htcondor2",  # classad2 loads only to check an expression the edited entry holds
    "elftools",  # only to pack a release
    "concurrent.futures",  # fsyncs run in plain threads
    "ctypes",  # syncfs: only for a run of many files
    "glideinforge.tools.report_page",  # the page is drawn in a forked child
    "importlib.resources",  # shipped files are read from their directories
    "zipfile",  # (importlib.resources loads it to read them)
    "difflib",  # only a misspelt name or a changed submit file needs it
)


def test_such_an_edit_loads_only_what_it_needs(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    EDITS["attr value"](pair.config.parent)
    program = (
        "import io, json, sys\n"
        "from glideinforge.tools import gfactory\n"
        "stdout = io.StringIO()\n"
        f"code = gfactory.run(['reconfig', {str(pair.config)!r}, '--root', {str(pair.out)!r},"
        " '--json'], stdout, sys.stderr)\n"
        "print(code, json.loads(stdout.getvalue())['compiled_alone'],"
        f" sorted(set({UNNEEDED_BY_AN_EDIT!r}) & set(sys.modules)))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert completed.stdout == "0 1 []\n"


def test_an_edit_that_breaks_a_submit_file_is_refused(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    before = {path: path.read_bytes() for path in pair.out.rglob("*") if path.is_file()}
    _add_submit_attr("(1 +")(pair.config.parent)
    code, _, stderr = gfactory_run("reconfig", pair.config, "--root", pair.out)
    assert code == 1
    assert "generated submit file is rejected: +Edited = (1 +: the value is not a valid" in stderr
    assert {path: path.read_bytes() for path in pair.out.rglob("*") if path.is_file()} == before


def _parsed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of every file the keying parses from now on."""
    parsed: list[str] = []
    original = entry_keys.parse_xml_bytes

    def counting(data: bytes, file: str) -> object:
        parsed.append(Path(file).name)
        return original(data, file)

    monkeypatch.setattr(entry_keys, "parse_xml_bytes", counting)
    return parsed


def test_only_the_edited_file_is_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = _Pair(tmp_path)
    EDITS["attr value"](pair.config.parent)
    parsed = _parsed_files(monkeypatch)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    assert parsed == ["10-sites.xml"]


@pytest.mark.parametrize("full", [False, True])
def test_a_reconfig_reads_each_older_state_record_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, full: bool
) -> None:
    pair = _Pair(tmp_path)

    def edit(round_: int) -> None:  # the first entry's site: Site00000, then S0, S1, ...
        site = f"S{round_ - 1}" if round_ else "Site00000"
        _replace("config.d/10-sites.xml", f'value="{site}"/>', f'value="S{round_}"/>')(
            pair.config.parent
        )

    for round_ in range(5):  # a history of six states
        edit(round_)
        _reconfig(pair.config, pair.out)
    states = sorted(path.stem for path in (pair.out / WORK / "history" / "states").glob("*.json"))
    assert len(states) == 6
    if full:
        set_fast_path_record(pair.out / WORK, "entries", None)
    read: list[str] = []
    original = history.StateRecord.from_json.__func__  # type: ignore[attr-defined]

    def counting(cls: type, raw: dict[str, object]) -> history.StateRecord:
        read.append(str(raw["state"]))
        return original(cls, raw)  # type: ignore[no-any-return]

    monkeypatch.setattr(history.StateRecord, "from_json", classmethod(counting))
    edit(5)
    assert _reconfig(pair.config, pair.out).get("compiled_alone") == (None if full else 1)
    # The older states are read by the one scan alone; the live one also for the two fast
    # paths; the new one once, by the attach of its fast paths.
    assert [read.count(state) for state in states] == [1, 1, 1, 1, 1, 3]
    assert len(read) == len(states) + 3


def test_a_full_run_parses_each_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_factory(30, tmp_path / "cfg", dropins=4)
    parsed: list[str] = []
    for module in (xml_tree, entry_keys):  # the loader's parse and the keying's
        original = module.parse_xml_bytes

        def counting(data: bytes, file: str, *rest: int, original=original) -> object:
            parsed.append(Path(file).name)
            return original(data, file, *rest)

        monkeypatch.setattr(module, "parse_xml_bytes", counting)
    code, _, stderr = gfactory_run("reconfig", config, "--root", tmp_path / "out")
    assert code == 0, stderr
    files = [config.name, *sorted(path.name for path in (config.parent / "config.d").glob("*.xml"))]
    assert parsed == files
    record = read_entries_record(tmp_path / "out" / WORK)
    assert record is not None
    assert [facts.name.rsplit("/", 1)[-1] for facts in record.files] == files


def _entry_file(config_dir: Path) -> Path:
    return config_dir / "files" / "entry_only.sh"


def _give_an_entry_a_file(config_dir: Path) -> None:
    _entry_file(config_dir).write_text("#!/bin/sh\necho one\n")
    path = config_dir / "config.d" / "11-sites.xml"
    files = f'<files><file absfname="{_entry_file(config_dir)}" executable="True"/></files>'
    path.write_text(path.read_text().replace("<files/>", files, 1))


def test_the_main_stage_directory_is_kept_not_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = _Pair(tmp_path)
    stage = pair.out / "var/lib/gwms-factory/web-area/stage"
    before = {path: path.stat().st_mtime_ns for path in stage.iterdir() if path.is_file()}
    EDITS["attr value"](pair.config.parent)

    def refuse(**_: object) -> None:
        raise AssertionError("the main stage directory was planned again")

    monkeypatch.setattr(compile_module, "plan_main_directory", refuse)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] == 1
    assert {path: path.stat().st_mtime_ns for path in stage.iterdir() if path.is_file()} == before


def test_an_entry_whose_input_file_changed_is_compiled_from_its_unchanged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No configuration byte changed: the entry's file is parsed for the entry alone.
    pair = _Pair(tmp_path, prepare=_give_an_entry_a_file)
    _entry_file(pair.config.parent).write_text("#!/bin/sh\necho two\n")
    parsed = _parsed_files(monkeypatch)

    incremental, _ = pair.run_both()

    assert incremental["compiled_alone"] == 1
    assert parsed[0] == "11-sites.xml"
    names = _fast_path_objects(pair.incremental_tree, pair.out)
    tree_a, tree_b = _tree(pair.incremental_tree, names), _tree(pair.out, names)
    assert [
        path for path in tree_a.keys() | tree_b.keys() if tree_a.get(path) != tree_b.get(path)
    ] == []
    assert any(b"echo two" in content for content in tree_a.values())


def test_the_recorded_skeletons_are_the_files_without_their_entries(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    record = read_entries_record(pair.out / WORK)
    assert record is not None
    for facts in record.files:
        root = etree.fromstring(Path(facts.name).read_bytes())
        for block in root.iterchildren("entries"):
            for item in list(block):
                block.remove(item)
        assert node_to_json(convert(root, facts.name)) == node_to_json(facts.skeleton_tree())
    assert [len(facts.entries) for facts in record.files] == [0, 8, 8, 8, 6]


def test_an_unreadable_skeleton_takes_the_full_run(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    raw = json.loads(fast_path_record(pair.out / WORK, "entries"))
    raw["files"][0][4] = ["glidein", {}, "not a line", []]
    set_fast_path_record(pair.out / WORK, "entries", json.dumps(raw).encode())
    EDITS["attr value"](pair.config.parent)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] is None


def test_a_record_nested_too_deep_takes_the_full_run(tmp_path: Path) -> None:
    pair = _Pair(tmp_path)
    raw = json.loads(fast_path_record(pair.out / WORK, "entries"))
    raw["files"][0][4] = "SKELETON"
    depth = 5000
    nested = '["glidein", {}, 1, [' * depth + '["glidein", {}, 1, []]' + "]]" * depth
    too_deep = json.dumps(raw).replace('"SKELETON"', nested)  # too deep to read back
    set_fast_path_record(pair.out / WORK, "entries", too_deep.encode())
    EDITS["attr value"](pair.config.parent)
    assert _reconfig(pair.config, pair.out)["compiled_alone"] is None
