"""The frontend's stages on the glidein, and ``gfactory explain`` checked against real glideins.

The example factory and frontend are compiled with extra attrs covering every
precedence case; a glidein of SITE_A_ce1 requested by group ``main`` then runs
on 127.0.0.1 with both stages, and what it ends with must be what ``explain``
says, attr by attr.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import classad2
import pytest

from glideinforge.factory.glidein_args import ArgsError
from glideinforge.factory.try_glidein import ClientStage, condor_knobs, run_glidein
from glideinforge.frontend.request import frontend_request

from compile_helpers import gfactory_run, gfrontend_run
from conftest import copy_example

FACTORY_STAGE = Path("var/lib/gwms-factory/web-area/stage")
FACTORY_WORK = Path("var/lib/gwms-factory/work-dir")
FRONTEND_STAGE = Path("var/lib/gwms-frontend/web-area/stage")
FRONTEND_WORK = Path("var/lib/gwms-frontend/vofrontend")
ENTRY = "SITE_A_ce1"


@dataclass(frozen=True)
class Case:
    """One name set at up to four levels: ('p', value) a param, ('c', value) a const."""

    name: str
    factory_main: tuple[str, str] | None
    factory_entry: tuple[str, str] | None
    frontend_main: tuple[str, str] | None
    frontend_group: tuple[str, str] | None
    expected: str
    blocked: bool = False


PRECEDENCE = [
    Case("PX_FACTORY_PARAM", ("p", "f-main"), None, None, None, "f-main"),
    Case("PX_ENTRY_PARAM", ("p", "f-main"), ("p", "f-entry"), None, None, "f-entry"),
    Case("PX_FRONTEND_PARAM", ("p", "f-main"), ("p", "f-entry"), ("p", "fe-main"), None, "fe-main"),
    Case("PX_GROUP_PARAM", ("p", "f-main"), None, ("p", "fe-main"), ("p", "fe-group"), "fe-group"),
    Case("PX_NEW_FRONTEND_PARAM", None, None, ("p", "fe-main"), None, "fe-main"),
    Case(
        "PX_CONST_BLOCKS_PARAMS",
        ("c", "f-main"),
        None,
        ("p", "fe-main"),
        ("p", "fe-group"),
        "f-main",
        blocked=True,
    ),
    Case(
        "PX_FRONTEND_CONST_BEATS_GLOBAL", ("c", "f-main"), None, ("c", "fe-main"), None, "fe-main"
    ),
    Case("PX_GROUP_CONST", ("c", "f-main"), None, ("c", "fe-main"), ("c", "fe-group"), "fe-group"),
    Case(
        "PX_ENTRY_CONST_BEATS_ALL",
        ("c", "f-main"),
        ("c", "f-entry"),
        ("c", "fe-main"),
        ("c", "fe-group"),
        "f-entry",
    ),
    Case("PX_ENTRY_CONST_BEATS_GROUP", None, ("c", "f-entry"), None, ("c", "fe-group"), "f-entry"),
    Case(
        "PX_FRONTEND_CONST_BEATS_PARAM", None, None, ("c", "fe-main"), ("p", "fe-group"), "fe-main"
    ),
    Case(
        "PX_GROUP_CONST_BEATS_ENTRY_PARAM",
        ("p", "f-main"),
        ("p", "f-entry"),
        None,
        ("c", "fe-group"),
        "fe-group",
    ),
]


def _factory_attr(name: str, setting: tuple[str, str], extra: str = "") -> str:
    kind, value = setting
    const = "True" if kind == "c" else "False"
    return (
        f'<attr name="{name}" const="{const}" parameter="True" publish="True" '
        f'type="string" value="{value}"{extra}/>'
    )


def _frontend_attr(name: str, setting: tuple[str, str], extra: str = "") -> str:
    kind, value = setting
    parameter = "True" if kind == "p" else "False"
    return f'<attr name="{name}" parameter="{parameter}" type="string" value="{value}"{extra}/>'


def _insert_after(text: str, anchor: str, opening: str, rows: list[str]) -> str:
    """Insert ROWS right after the first OPENING that follows ANCHOR."""
    at = text.index(opening, text.index(anchor)) + len(opening)
    return text[:at] + "\n" + "\n".join(rows) + text[at:]


PUBLISHED = 'glidein_publish="True" job_publish="True"'


def _write_configs(root: Path) -> tuple[Path, Path]:
    factory_dir, frontend_dir = root / "factory", root / "frontend"
    copy_example("factory", factory_dir)
    copy_example("frontend", frontend_dir)
    main = factory_dir / "glideinWMS.xml"
    sites = factory_dir / "config.d" / "10-sites.xml"
    frontend = frontend_dir / "frontend.xml"
    rows: dict[str, list[str]] = {"fm": [], "fe": [], "gm": [], "gg": []}
    for case in PRECEDENCE:
        for key, setting, render in (
            ("fm", case.factory_main, _factory_attr),
            ("fe", case.factory_entry, _factory_attr),
            ("gm", case.frontend_main, _frontend_attr),
            ("gg", case.frontend_group, _frontend_attr),
        ):
            if setting is not None:
                # The winning group const is also published, to follow it into condor_config.
                extra = f" {PUBLISHED}" if case.name == "PX_GROUP_CONST" and key == "gg" else ""
                rows[key].append(render(case.name, setting, extra))
    main.write_text(_insert_after(main.read_text(), "<glidein", "<attrs>", rows["fm"]))
    sites.write_text(_insert_after(sites.read_text(), f'name="{ENTRY}"', "<attrs>", rows["fe"]))
    text = _insert_after(frontend.read_text(), "</match>", "<attrs>", rows["gm"])
    text = _insert_after(text, '<group name="main"', "<attrs>", rows["gg"])
    frontend.write_text(text)
    return main, frontend


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Both configs, with the precedence attrs, published under one root."""
    root = tmp_path_factory.mktemp("fe-e2e")
    factory, frontend = _write_configs(root)
    out = root / "out"
    code, _, err = gfactory_run("reconfig", factory, "--root", out)
    assert code == 0, err
    code, _, err = gfrontend_run("reconfig", frontend, "--root", out)
    assert code == 0, err
    return factory, frontend, out


@pytest.fixture(scope="module")
def group_run(published, tmp_path_factory):
    """One glidein of SITE_A_ce1 requested by group main, stopped before HTCondor starts."""
    _, _, out = published
    return _run(out, tmp_path_factory.mktemp("start"))


def _run(out: Path, start: Path, group: str = "main", **kwargs):
    client = ClientStage(out / FRONTEND_WORK, out / FRONTEND_STAGE, group)
    return run_glidein(
        out / FACTORY_WORK, out / FACTORY_STAGE, ENTRY, start, client=client, **kwargs
    )


# --- the request and the argument list --------------------------------------------------------


def test_frontend_request_reads_the_published_frontend(published):
    _, _, out = published
    work = out / FRONTEND_WORK
    request = frontend_request(work, "main", web_url="http://127.0.0.1:1/client/")
    summary = {
        key: (sha1, name)
        for sha1, name, key in (
            line.split("  ") for line in (work / "signatures.sha1").read_text().splitlines()[2:]
        )
    }
    assert request.client_name == "vofe_example.main"
    assert request.words == (
        "-clientweb", "http://127.0.0.1:1/client",
        "-clientsign", summary["main"][0],
        "-clientsigntype", "sha1",
        "-clientdescript", summary["main"][1],
        "-clientgroup", "main",
        "-clientwebgroup", "http://127.0.0.1:1/client/group_main",
        "-clientsigngroup", summary["group_main"][0],
        "-clientdescriptgroup", summary["group_main"][1],
    )  # fmt: skip
    # Group params override the main ones.
    assert request.params["GLIDEIN_Max_Walltime"] == "86400"
    assert request.params["GLIDEIN_Collector"] == "pool.example.org:9620-9640"
    assert request.params["PX_GROUP_PARAM"] == "fe-group"
    assert "PX_FRONTEND_CONST_BEATS_GLOBAL" not in request.params  # a const: staged, not sent


def test_frontend_request_refuses_disabled_groups_and_unpublished_frontends(published, tmp_path):
    _, _, out = published
    with pytest.raises(
        ArgsError, match=r"no enabled group 'retired' \(enabled groups: main, gpu\)"
    ):
        frontend_request(out / FRONTEND_WORK, "retired")
    with pytest.raises(ArgsError, match=r"no published frontend\.descript"):
        frontend_request(tmp_path, "main")


def test_glidein_args_with_a_frontend_puts_client_words_before_the_params(published):
    factory, frontend, out = published
    code, stdout, err = gfactory_run(
        "glidein-args", factory, ENTRY, "--root", out, "--frontend", frontend, "--group", "gpu",
        "--param", "PX_GROUP_PARAM=from-cli", "--json",
    )  # fmt: skip
    assert code == 0, err
    words = json.loads(stdout)
    layout = words.index("-slotslayout")
    assert words[layout + 2 : layout + 4] == [
        "-clientweb",
        "http://fe.example.org/vofrontend/stage",
    ]
    assert words[layout + 10 : layout + 12] == ["-clientgroup", "gpu"]
    assert words[layout + 18].startswith("-param_")
    pairs = dict(zip(words[::2], words[1::2], strict=True))
    assert pairs["-clientname"] == "vofe_example.gpu"
    assert pairs["-param_GLIDEIN_Client"] == "vofe_example.dot,gpu"
    assert pairs["-clientwebgroup"] == "http://fe.example.org/vofrontend/stage/group_gpu"
    # The frontend's params replace the factory's; --param replaces both.
    assert pairs["-param_GLIDEIN_Collector"] == "pool.dot,example.dot,org.colon,9620.minus,9640"
    assert pairs["-param_GLIDEIN_Singularity_Use"] == "REQUIRED"
    assert pairs["-param_PX_GROUP_PARAM"] == "from.minus,cli"
    assert pairs["-param_PX_FACTORY_PARAM"] == "f.minus,main"


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--group", "main"], 2, "--frontend and --group go together"),
        (["--frontend", "FRONTEND"], 2, "--frontend and --group go together"),
        (["--frontend", "FRONTEND", "--group", "retired"], 2, "retired: no such enabled group"),
        (["--frontend", "FRONTEND", "--group", "nosuch"], 2, "nosuch: no such enabled group"),
    ],
)
def test_glidein_args_frontend_usage_errors(published, extra, code, message):
    factory, frontend, out = published
    extra = [str(frontend) if word == "FRONTEND" else word for word in extra]
    result, _, err = gfactory_run("glidein-args", factory, ENTRY, "--root", out, *extra)
    assert (result, message in err) == (code, True), err


def test_glidein_args_with_an_unpublished_frontend_says_to_reconfig_it(published, tmp_path):
    factory, frontend, out = published
    code, _, err = gfactory_run(
        "glidein-args", factory, ENTRY, "--root", out, "--frontend", frontend, "--group", "main",
        "--web", "http://x",
    )  # fmt: skip
    assert code == 0, err
    shutil.copytree(out / FACTORY_WORK, tmp_path / FACTORY_WORK)
    code, _, err = gfactory_run(
        "glidein-args", factory, ENTRY, "--root", tmp_path, "--frontend", frontend,
        "--group", "main",
    )  # fmt: skip
    assert code == 1
    assert "no published frontend.descript" in err and "'gfrontend reconfig'" in err


# --- the glidein with both stages --------------------------------------------------------------


def test_the_glidein_verifies_and_runs_both_frontend_stages_in_order(group_run):
    run = group_run
    assert run.exit_code == 0, run.stderr[-3000:]
    lists = [item for item in run.verified if "file_list" in item]
    assert [item.split(".")[0] for item in lists] == [
        "main:file_list",
        "client:preentry_file_list",
        "client_group:preentry_file_list",
        "client:aftergroup_preentry_file_list",
        "entry:file_list",
        "main:precvmfs_file_list",
        "main:at_file_list",
        "client:file_list",
        "client_group:file_list",
        "client:aftergroup_file_list",
        "main:after_file_list",
    ]
    verified = {item.split(".")[0] for item in run.verified}
    assert {
        "client:vo_env",
        "client:vo_notes",
        "client:vo_wrapper",
        "client:vo_check",
        "client:setup_prejob",
        "client_group:group_main_setup",
        "client_group:constants",
    } <= verified
    config = run.glidein_config
    assert config["GLIDECLIENT_Name"] == "vofe_example.main"
    assert config["GLIDECLIENT_Group"] == "main"
    assert config["GLIDEIN_Client"] == "vofe_example.main"
    assert config["VO_Name"] == "examplevo"  # frontend main const
    assert config["VO_Group"] == "main"  # group const
    assert config["GLIDECLIENT_Group_Start"] == '(TARGET.VO_Name =?= "examplevo")'
    assert (run.glidein_dir / "client_group_main").is_dir()


def test_a_flipped_byte_in_a_group_file_stops_the_glidein(published, tmp_path):
    _, _, out = published
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    script = next((copy / FRONTEND_STAGE / "group_main").glob("group_main_setup.*.sh"))
    data = bytearray(script.read_bytes())
    data[-2] ^= 1
    script.write_bytes(bytes(data))
    run = _run(copy, tmp_path / "start")
    assert run.exit_code == 1
    assert f"File 'client_group_main/{script.name}' is corrupted" in run.stderr
    assert run.glidein_config.get("GLIDEIN_INITIALIZED") != "1"
    # Nothing after the bad file is fetched.
    assert not [item for item in run.verified if item.startswith("client:aftergroup_file_list")]


def test_a_wrong_clientsigngroup_stops_the_glidein(published, tmp_path):
    _, _, out = published

    def wrong(words, _url):
        words[words.index("-clientsigngroup") + 1] = "0" * 40
        return words

    run = _run(out, tmp_path / "start", adjust_words=wrong)
    assert run.exit_code == 1
    assert "Corrupted signature file 'client_group_main/signature." in run.stderr
    assert "VO_Group" not in run.glidein_config


def test_try_glidein_cli_with_a_frontend_group(published):
    factory, frontend, out = published
    code, stdout, err = gfactory_run(
        "try-glidein", factory, ENTRY, "--root", out, "--frontend", frontend, "--group", "gpu",
        "--json",
    )  # fmt: skip
    document = json.loads(stdout)
    assert document["glidein_config"]["VO_Group"] == "gpu"
    assert document["glidein_config"]["GLIDEIN_Singularity_Use"] == "REQUIRED"
    assert "-clientgroup" in document["arguments"]
    # Group gpu requires Singularity, which this machine lacks: the glidein refuses to go on.
    assert (code, document["exit_code"]) == (1, 1), err
    assert document["glidein_config"]["GLIDEIN_Failed"] == "True"
    assert not Path(document["glidein_dir"]).exists()  # removed, as without --keep


# --- explain, checked against the glidein ------------------------------------------------------


def _explained(published, group: str = "main") -> dict[str, dict]:
    factory, frontend, _ = published
    code, stdout, err = gfactory_run(
        "explain", factory, ENTRY, "--frontend", frontend, "--group", group, "--json"
    )
    assert code == 0, err
    return {item["name"]: item for item in json.loads(stdout)["attrs"]}


@pytest.mark.parametrize("case", PRECEDENCE, ids=lambda case: case.name)
def test_explain_says_what_the_glidein_got(published, group_run, case):
    explained = _explained(published)[case.name]
    assert explained["value"] == case.expected
    assert group_run.glidein_config[case.name] == case.expected
    blocked = [item["level"] for item in explained["chain"] if item["status"] == "blocked"]
    assert bool(blocked) == case.blocked


def test_explain_chain_order_statuses_and_destinations(published, group_run):
    explained = _explained(published)
    chain = explained["PX_CONST_BLOCKS_PARAMS"]["chain"]
    assert [(item["level"], item["kind"], item["status"], item["by"]) for item in chain] == [
        ("factory main", "const", "effective", None),
        ("frontend main", "param", "overridden", "group main param"),
        ("group main", "param", "blocked", "factory main const"),
    ]
    group_const = explained["PX_GROUP_CONST"]
    assert group_const["source"] == "group main const"
    assert group_const["knobs"] == [{"name": "PX_GROUP_CONST", "type": "S"}]
    assert group_const["published"] == ["PX_GROUP_CONST"]
    assert group_const["job_environment"] == ["PX_GROUP_CONST"]
    knobs = group_run.condor_config
    assert knobs["PX_GROUP_CONST"] == '"fe-group"'  # type S: quoted
    assert "PX_GROUP_CONST" in str(knobs["STARTD_ATTRS"]).split()
    assert "'PX_GROUP_CONST=fe-group'" in str(knobs["STARTER_JOB_ENVIRONMENT"])
    # Only a condor_vars default sets it: it reaches condor_config, not glidein_config.
    worklife = explained["GLIDEIN_CLAIM_WORKLIFE_DYNAMIC"]
    assert (worklife["value"], worklife["source"]) == ("3600", "factory main condor_vars default")
    assert str(knobs["GLIDEIN_CLAIM_WORKLIFE_DYNAMIC"]) == "3600"
    assert "GLIDEIN_CLAIM_WORKLIFE_DYNAMIC" not in group_run.glidein_config
    # A value a shipped script rewrites on the node says so.
    assert explained["GLIDEIN_Collector"]["rewritten_by"] == ["collector_setup.sh"]


def test_explain_one_attr_prints_its_chain(published):
    factory, frontend, _ = published
    code, stdout, err = gfactory_run(
        "explain", factory, ENTRY, "PX_CONST_BLOCKS_PARAMS", "--frontend", frontend,
        "--group", "main",
    )  # fmt: skip
    assert code == 0, err
    lines = stdout.splitlines()
    assert lines[0] == "PX_CONST_BLOCKS_PARAMS = f-main   (from factory main const)"
    assert lines[3].split() == ["group", "main", "param", "'fe-group'", "blocked", "by", "factory",
                                "main", "const"]  # fmt: skip
    assert lines[4] == "  becomes: glidein_config only"


def test_explain_without_a_frontend_and_unknown_names(published):
    factory, _, _ = published
    code, stdout, _ = gfactory_run("explain", factory, ENTRY, "PX_GROUP_PARAM", "--json")
    assert code == 0
    assert json.loads(stdout)["attrs"][0]["value"] == "f-main"
    code, _, err = gfactory_run("explain", factory, ENTRY, "PX_GROUP_PARAMS")
    assert code == 2
    assert "did you mean PX_GROUP_PARAM" in err
    code, _, err = gfactory_run("explain", factory, "NO_SUCH_ENTRY")
    assert code == 2
    assert "NO_SUCH_ENTRY: no such entry" in err


def test_the_trusted_dns_of_the_grid_mapfile_are_published(group_run):
    run = group_run
    assert run.exit_code == 0, run.stderr[-3000:]
    gridmap = Path(run.glidein_config["GLIDECLIENT_GRIDMAP"]).read_text().splitlines()
    dns = list(dict.fromkeys(line.split('"')[1] for line in gridmap if line.startswith('"')))
    assert dns  # the frontend's collectors, CCB and proxy DNs
    mapfile = (run.glidein_dir / "condor_mapfile").read_text()
    assert all(dn.replace(".", "\\.").replace("/", "\\/") in mapfile for dn in dns)
    assert run.glidein_config["X509_GRIDMAP_DNS"] == ",".join(dns)
    knobs = condor_knobs(run.glidein_dir / "condor_config", ["GLIDEIN_X509_GRIDMAP_DNS"])
    assert classad2.ExprTree(knobs["GLIDEIN_X509_GRIDMAP_DNS"]).eval() == ",".join(dns)
