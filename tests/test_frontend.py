"""The frontend: language rules, match_expr allow-list, compiled formats, the gfrontend CLI."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from glideinforge.creation.lib.verify import verify_stage
from glideinforge.frontend.compile import compile_frontend, reroot_frontend
from glideinforge.frontend.load import check_frontend, load_frontend
from glideinforge.frontend.match_expr import MatchContext, match_expr_problems
from glideinforge.tools.gfrontend import run

from conftest import copy_example

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "frontend" / "frontend.xml"

BASE = """<frontend frontend_name="fe1" frontend_versioning="False">
  <work base_dir="/w" base_log_dir="/l"/>
  <stage base_dir="/s" web_base_url="http://h/s"/>
  <monitor base_dir="/m"/>
  <collectors><collector node="pool.org:9618" DN="/CN=pool"/></collectors>
  <match>
    <factory><collectors>
      <collector node="f.org" DN="/CN=f" factory_identity="gf@f.org" my_identity="fe@f.org"/>
    </collectors></factory>
    <job><schedds><schedd fullname="schedd.org" DN="/CN=schedd"/></schedds></job>
  </match>
  <attrs>ATTRS</attrs>
  <groups><group name="main" enabled="True">GROUP</group></groups>
</frontend>
"""


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "frontend.xml"
    path.write_text(text)
    return path


def _messages(tmp_path: Path, text: str, host_checks: bool = False) -> list[str]:
    result = check_frontend(_config(tmp_path, text), host_checks=host_checks)
    return [str(item) for item in result.errors]


def _base(attrs: str = "", group: str = "") -> str:
    return BASE.replace("ATTRS", attrs).replace("GROUP", group)


def _cli(*argv: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(list(argv), stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def test_base_config_is_valid(tmp_path: Path) -> None:
    assert _messages(tmp_path, _base()) == []


RULES = [
    # (change to the base config, expected message)
    (
        lambda t: t.replace('frontend_name="fe1"', 'frontend_name="fe.1"'),
        "Invalid frontend name 'fe.1', contains a point.",
    ),
    (
        lambda t: t.replace('frontend_name="fe1"', 'frontend_name="fe 1"'),
        "Invalid frontend name 'fe 1', contains a space.",
    ),
    (
        lambda t: t.replace('frontend_name="fe1"', 'frontend_name="fe$1"'),
        "Invalid frontend name 'fe$1', contains invalid characters.",
    ),
    (
        lambda t: t.replace('group name="main"', 'group name="XPVOmain"'),
        "Invalid group name 'XPVOmain', starts with reserved sequence 'XPVO'",
    ),
    (lambda t: re.sub(r"<groups>.*</groups>", "", t), "No groups defined!"),
    (
        lambda t: t.replace("ATTRS", '<attr name="GLIDEIN_Collector" value="x"/>'),
        "Attribute GLIDEIN_Collector cannot be defined by the user",
    ),
    (
        lambda t: t.replace("GROUP", '<attrs><attr name="GLIDEIN_CCB" value="x"/></attrs>'),
        "Attribute GLIDEIN_CCB cannot be defined by the user",
    ),
    (
        lambda t: t.replace(
            "GROUP", '<attrs><attr name="GLIDEIN_Max_Idle" value="20 minutes"/></attrs>'
        ),
        "GLIDEIN_Max_Idle is an integer glidein variable (condor_vars type I); the glidein "
        "refuses anything else",
    ),
    (
        lambda t: t.replace(
            '<collectors><collector node="pool.org:9618" DN="/CN=pool"/></collectors>', ""
        ),
        "At least one pool collector is needed",
    ),
    (
        lambda t: t.replace('DN="/CN=pool"/>', 'DN="/CN=pool" secondary="True"/>'),
        "Need at least one non-secondary pool collector",
    ),
    (
        lambda t: t.replace('node="pool.org:9618"', 'node="pool.org:9618-9620"'),
        "Port range not allowed for this end-point",
    ),
    (
        lambda t: t.replace(' DN="/CN=pool"', ""),
        "DN not defined for pool collector or CCB pool.org:9618",
    ),
    (lambda t: t.replace(' DN="/CN=schedd"', ""), "DN not defined for schedd schedd.org"),
    (lambda t: t.replace(' DN="/CN=f"', ""), "DN not defined for factory f.org"),
    (
        lambda t: t.replace('factory_identity="gf@f.org"', 'factory_identity="factory@fake.org"'),
        "factory_identity for f.org not set! (i.e. it is fake)",
    ),
    (
        lambda t: t.replace(' my_identity="fe@f.org"', ""),
        "my_identity for f.org not set! (i.e. it is fake)",
    ),
    (
        lambda t: t.replace('<schedd fullname="schedd.org" DN="/CN=schedd"/>', ""),
        "group main has no schedds (global or its own)",
    ),
    (
        lambda t: re.sub(r"<factory>.*</factory>", "", t, flags=re.DOTALL),
        "group main has no factory collectors",
    ),
    (
        lambda t: t.replace(
            '<schedd fullname="schedd.org"', '<schedd fullname="ALL"/><schedd fullname="x.org"'
        ),
        'fullname="ALL" must be the only global schedd',
    ),
    (
        lambda t: t.replace("ATTRS", '<attr name="N" type="int" value="x"/>'),
        "an int attr needs an integer value",
    ),
    (
        lambda t: t.replace("ATTRS", '<attr name="GLIDEIN_Singularity_Use" value="MAYBE"/>'),
        "GLIDEIN_Singularity_Use must be one of DISABLE_GWMS, NEVER, OPTIONAL, PREFERRED, REQUIRED",
    ),
    (
        lambda t: t.replace("ATTRS", '<attr name="GLIDEIN_Singularity_Use" value="REQUIRED"/>'),
        "Error: group main allows Singularity (REQUIRED) but has no wrapper file in the files list",
    ),
    (
        lambda t: t.replace("ATTRS", '<attr name="a.b" value="1" glidein_publish="True"/>'),
        "must be a variable name",
    ),
    (
        lambda t: t.replace("ATTRS", '<attr name="X" value="1" const="True"/>'),
        'unknown attribute "const"',
    ),
    (lambda t: t.replace("ATTRS", '<attr name="X"/>'), 'missing required attribute "value"'),
    (
        lambda t: t.replace(
            'frontend_versioning="False"',
            'frontend_versioning="False" enable_attribute_expansion="true"',
        ),
        '"enable_attribute_expansion" is "true"',
    ),
    (
        lambda t: t.replace("GROUP", '<config><glideins_removal type="BOGUS"/></config>'),
        '"type" is "BOGUS"',
    ),
    (
        lambda t: t.replace("<job>", '<job query_expr="(a &amp;&amp;">'),
        '"query_expr" is not a valid ClassAd expression',
    ),
    (
        lambda t: t.replace("<match>", '<match start_expr="(a =="> '),
        '"start_expr" is not a valid ClassAd expression',
    ),
    (
        lambda t: t.replace("<job>", '<job query_expr="($$(UNDEFINED_ATTR) == 1)">'),
        "refers to $$(UNDEFINED_ATTR) but no attr UNDEFINED_ATTR is defined",
    ),
    (
        lambda t: t.replace("<match>", "<match match_expr=\"__import__('os').system('id')\">"),
        "Invalid global match_expr: calling .system() is not allowed",
    ),
    (
        lambda t: t.replace("GROUP", "<match match_expr=\"job['Missing'] == 1\"/>"),
        "Invalid group main match_expr: job['Missing'] is not a job match_attr",
    ),
    (lambda t: t.replace("<match>", '<match policy_file="nope.py">'), '"policy_file"'),
    (
        lambda t: t.replace("<work ", '<high_availability enabled="True"/><work '),
        "Exactly one master ha_frontend information is needed",
    ),
    (
        lambda t: t.replace(
            "GROUP",
            '<security><credentials><credential type="grid_proxy"/></credentials></security>',
        ),
        "All credentials without generator need a absfname!",
    ),
    (
        lambda t: t.replace(
            "GROUP",
            '<security><credentials><credential absfname="/p" type="key_pair+vm_id"/></credentials></security>',
        ),
        "Required attribute 'vm_id' ('vm_id') missing in credential type 'key_pair+vm_id'",
    ),
    (
        lambda t: t.replace(
            "GROUP",
            '<security><credentials><credential absfname="/p" type="bogus"/></credentials></security>',
        ),
        '"type" is "bogus"',
    ),
    (
        lambda t: t.replace(
            "GROUP", '<files><file absfname="missing.sh" executable="True" const="False"/></files>'
        ),
        "A file cannot be executable if it is not constant",
    ),
    (
        lambda t: t.replace("GROUP", '<files><file absfname="missing.sh"/></files>'),
        "does not exist or is not a file",
    ),
    (lambda t: t.replace("<work ", "<workx/><work "), "unknown element <workx>"),
    (
        lambda t: t.replace("<stage ", '<work base_dir="/w2" base_log_dir="/l"/><stage '),
        "<work> appears 2 times",
    ),
    (lambda t: re.sub(r"<monitor [^>]*/>", "", t), "missing <monitor>"),
]


@pytest.mark.parametrize(("change", "expected"), RULES)
def test_each_rule_reports_its_message(tmp_path: Path, change, expected) -> None:
    text = change(BASE).replace("ATTRS", "").replace("GROUP", "")
    # Unknown and repeated elements are warnings; --strict makes them errors.
    result = check_frontend(_config(tmp_path, text), strict=True)
    messages = [str(item) for item in result.errors]
    assert any(expected in message for message in messages), messages


def test_every_problem_is_reported_at_once_with_file_and_line(tmp_path: Path) -> None:
    text = _base('<attr name="GLIDEIN_Collector" value="x"/>').replace(
        'frontend_name="fe1"', 'frontend_name="fe.1"'
    )
    messages = _messages(tmp_path, text)
    assert len(messages) == 2
    assert messages[0].startswith(f"{tmp_path / 'frontend.xml'}:1:")
    assert ":12:" in messages[1]


def test_shapes_glideinwms_refuses_are_refused(tmp_path: Path) -> None:
    # A name on credentials and a comment on list containers: GlideinWMS reads the list as a
    # dictionary and refuses both ("... not a list"), so they cannot be accepted.
    text = _base(
        group='<security><credentials comment="c"><credential name="tok" absfname="/t" '
        'type="idtoken" trust_domain="grid"/></credentials></security>'
    ).replace("<collectors>", '<collectors comment="pool">', 1)
    result = check_frontend(_config(tmp_path, text))
    assert sorted((item.code, item.path) for item in result.errors) == [
        ("structure.container_attribute", "/frontend/collectors/@comment"),
        (
            "structure.container_attribute",
            "/frontend/groups/group[@name='main']/security/credentials/@comment",
        ),
        (
            "structure.item_name",
            "/frontend/groups/group[@name='main']/security/credentials/credential/@name",
        ),
    ]


def test_host_checks_run_only_when_asked(tmp_path: Path) -> None:
    text = _base().replace(
        "<collectors>",
        '<security classad_proxy="/nonexistent/proxy"/><collectors>',
        1,
    )
    assert _messages(tmp_path, text) == []
    messages = _messages(tmp_path, text, host_checks=True)
    assert any("security.classad_proxy(/nonexistent/proxy) is not a file" in m for m in messages)


CONTEXT = MatchContext({"GLIDEIN_Site"}, {"DESIRED_Sites", "RequestGPUs"}, {"VO"})


@pytest.mark.parametrize(
    "expression",
    [
        "True",
        "glidein['attrs'].get('GLIDEIN_Site') in job.get('DESIRED_Sites', '').split(',')",
        "glidein['attrs']['GLIDEIN_Site'] == 'X' and job['RequestGPUs'] > 0",
        "int(job.get('RequestGPUs', 0)) >= 1 or attr_dict['VO'] == 'vo'",
        "(1 if job.get('x') else 2) in [1, 2] and not False",
    ],
)
def test_match_expr_allowed(expression: str) -> None:
    assert list(match_expr_problems(expression, CONTEXT)) == []


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("__import__('os').system('id')", "calling __import__() is not allowed"),
        ("job.__class__", "attribute access .__class__ is not allowed"),
        ("glidein['attrs'].__class__.__base__", "attribute access .__base__ is not allowed"),
        ("(lambda: 1)()", "a lambda is not allowed"),
        ("[x for x in job]", "a comprehension is not allowed"),
        ("open('/etc/passwd')", "calling open() is not allowed"),
        ("eval('1')", "calling eval() is not allowed"),
        ("os.system('x')", "calling .system() is not allowed"),
        ("(x := 1)", "an assignment (:=) is not allowed"),
        ("job['Missing']", "job['Missing'] is not a job match_attr"),
        ("glidein['attrs']['Nope'] == 1", "glidein['attrs']['Nope'] is not a factory match_attr"),
        ("job[", "is not a Python expression"),
    ],
)
def test_match_expr_refused(expression: str, problem: str) -> None:
    problems = list(match_expr_problems(expression, CONTEXT))
    assert any(problem in item for item in problems), problems


# --- compiled formats -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory):
    result = load_frontend(EXAMPLE)
    assert result.frontend is not None, [str(item) for item in result.errors]
    return compile_frontend(reroot_frontend(result.frontend, tmp_path_factory.mktemp("fe")))


def _file(directory, key: str) -> bytes:
    for planned in directory.files:
        name = planned.relpath.rsplit("/", 1)[-1]
        if name.startswith(key + ".") or name == key:
            assert planned.content is not None
            return planned.content
    raise AssertionError(f"{key} not planned")


def test_main_description_names_every_frontend_list(compiled) -> None:
    main = compiled.stage_directory("main")
    lines = _file(main, "description").decode().splitlines()
    keys = [line.split(" \t")[0] for line in lines[2:]]
    assert keys == [
        "signature",
        "preentry_file_list",
        "file_list",
        "aftergroup_preentry_file_list",
        "aftergroup_file_list",
    ]
    assert all(" \t" in line for line in lines[2:])
    group = compiled.stage_directory("group_main")
    group_keys = [
        line.split(" \t")[0] for line in _file(group, "description").decode().splitlines()[2:]
    ]
    assert group_keys == ["signature", "preentry_file_list", "file_list"]


def _rows(directory, key: str) -> list[list[str]]:
    """The rows of a staged file list (its comment header left out)."""
    lines = _file(directory, key).decode().splitlines()
    return [line.split(" \t") for line in lines if not line.startswith("#")]


def test_preentry_list_starts_with_the_fixed_files_then_preentry_user_files(compiled) -> None:
    main = compiled.stage_directory("main")
    rows = _rows(main, "preentry_file_list")
    assert [row[0] for row in rows] == [
        "constants.cfg",
        "condor_vars.lst",
        "untar.cfg",
        "nodes.blacklist",
        "cat_consts.sh",
        "check_blacklist.sh",
        "setup_prejob.sh",
        "grid-mapfile",
        "vo_env.sh",
    ]
    assert rows[0][6] == "CONSTS_FILE" and rows[3][2] == "nocache" and rows[8][2] == "exec"
    after = _rows(main, "aftergroup_file_list")
    assert after == [["vo_check.sh", after[0][1], "exec", "600", "VO_", "TRUE", "FALSE"]]
    group_rows = [
        row[0] for row in _rows(compiled.stage_directory("group_main"), "preentry_file_list")
    ]
    assert "setup_prejob.sh" not in group_rows and "grid-mapfile" not in group_rows


def test_constants_vars_and_grid_mapfile_bytes(compiled) -> None:
    main = compiled.stage_directory("main")
    constants = _file(main, "constants").decode()
    assert constants.endswith(
        "VO_Name \texamplevo\nVO_Motd \twelcome from the example VO\n"
        "GLIDECLIENT_Rank \t1\nGLIDECLIENT_Start \tTrue\n"
    )
    group_constants = _file(compiled.stage_directory("group_gpu"), "constants").decode()
    assert group_constants.endswith(
        "VO_Group \tgpu\nGPU_Motd \tGPUs here\nGLIDECLIENT_Group_Start \t(TARGET.RequestGPUs > 0)\n"
    )
    rows = _file(main, "condor_vars").decode().splitlines()[7:]
    assert rows == [
        "GLIDECLIENT_ReqNode \tS \t- \t\t+ \tN \tY \t-",
        "GLIDEIN_Singularity_Use \tS \t- \t\t+ \tN \tY \t+",
        "VO_Name \tS \t- \t\t+ \tN \tY \t+",
    ]
    assert _file(main, "grid-mapfile").decode() == (
        '"/DC=org/DC=example/OU=Services/CN=pool.example.org" collector1\n'
        '"/DC=org/DC=example/OU=Services/CN=ccb.example.org" collector2\n'
        '"/DC=org/DC=example/OU=Services/CN=fe.example.org" frontend\n'
    )


def _work(compiled, relpath: str) -> str:
    for planned in compiled.work_files:
        if planned.relpath == relpath:
            return planned.content.decode()
    raise AssertionError(relpath)


def test_work_dir_params_attrs_and_descripts(compiled) -> None:
    params = _work(compiled, "params.cfg")
    assert params.startswith(
        "# File: params.cfg\n#\n# Param \tType \tValue" + " " * 27 + "\n" + "#" * 49 + "\n"
    )
    assert params.endswith(
        "GLIDEIN_Collector \tCONST \t'pool.example.org:9620-9640'\n"
        "GLIDEIN_CCB \tCONST \t'ccb.example.org:9618'\n"
        "GLIDEIN_Glexec_Use \tCONST \t'NEVER'\n"
        "GLIDEIN_Singularity_Use \tCONST \t'PREFERRED'\n"
        "GLIDEIN_Max_Walltime \tCONST \t172800\n"
    )
    assert _work(compiled, "group_main/params.cfg").endswith(
        "GLIDEIN_Max_Walltime \tCONST \t86400\n"
    )
    attrs = _work(compiled, "attrs.cfg")
    assert "GLIDEIN_Max_Walltime \t172800\n" in attrs and "VO_Name \t'examplevo'\n" in attrs
    descript = dict(
        line.split(" \t", 1) for line in _work(compiled, "frontend.descript").splitlines()[2:]
    )
    assert descript["Groups"] == "main,gpu"  # the disabled group is compiled, not served
    assert descript["FactoryMatchAttrs"].startswith("[('GLIDEIN_Site', 's'), ('GLIDEIN_CPUS', 's')")
    assert descript["JobMatchAttrs"] == "[('DESIRED_Sites', 's'), ('RequestCpus', 'i')]"
    assert descript["SecurityName"] == "vofe_example"
    group = dict(
        line.split(" \t", 1)
        for line in _work(compiled, "group_gpu/group.descript").splitlines()[2:]
    )
    assert group["PartGlideinMinMemory"] == "4000"
    assert (
        group["ProxySecurityClasses"] == "{'/etc/gwms-frontend/tokens/gpu.scitoken': 'gpu_users'}"
    )
    summary = compiled.summary.content.decode().splitlines()[2:]
    assert [line.split("  ")[2] for line in summary] == [
        "group_main",
        "group_gpu",
        "group_retired",
        "main",
    ]


# --- gfrontend ------------------------------------------------------------------------------


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_reconfig_verify_and_noop(tmp_path: Path) -> None:
    code, out, err = _cli("reconfig", str(EXAMPLE), "--root", str(tmp_path))
    assert code == 0, err
    assert "2 enabled and 1 disabled groups" in out
    work = tmp_path / "var/lib/gwms-frontend/vofrontend"
    stage = tmp_path / "var/lib/gwms-frontend/web-area/stage"
    assert verify_stage(stage, work / "signatures.sha1").ok
    before = _tree(tmp_path)
    code, out, _ = _cli("reconfig", str(EXAMPLE), "--root", str(tmp_path))
    assert code == 0 and out.splitlines()[0].endswith("no changes")
    after = _tree(tmp_path)
    assert {k: v for k, v in after.items() if "/history/" not in k and "/lock" not in k} == {
        k: v for k, v in before.items() if "/history/" not in k and "/lock" not in k
    }
    code, out, _ = _cli("verify", str(EXAMPLE), "--root", str(tmp_path), "--json")
    assert code == 0 and json.loads(out)["ok"]
    (
        stage / "group_gpu" / next(p.name for p in (stage / "group_gpu").glob("constants.*"))
    ).write_text("x\n")
    code, _, err = _cli("verify", str(EXAMPLE), "--root", str(tmp_path))
    assert code == 1 and "constants" in err


def test_dry_run_diff_and_group_removal_guard(tmp_path: Path) -> None:
    assert _cli("reconfig", str(EXAMPLE), "--root", str(tmp_path))[0] == 0
    changed = tmp_path / "cfg" / "frontend.xml"
    changed.parent.mkdir()
    (changed.parent / "files").symlink_to(EXAMPLE.parent / "files")
    text = EXAMPLE.read_text().replace('value="86400"', 'value="43200"')
    changed.write_text(text)
    code, out, _ = _cli("reconfig", str(changed), "--root", str(tmp_path), "--dry-run", "--json")
    assert code == 0
    document = json.loads(out)
    group = next(item for item in document["changes"]["groups"] if item["group"] == "main")
    assert group["attrs"][0]["name"] == "GLIDEIN_Max_Walltime"
    assert group["attrs"][0]["new"]["value"] == "43200"
    code, out, _ = _cli("diff", str(EXAMPLE), str(changed), "--json")
    assert code == 1  # they differ, as diff(1) says
    assert json.loads(out)["differ"] is True
    assert any(f["path"] == "work:group_main/params.cfg" for f in json.loads(out)["files"])
    removed = re.sub(r'<group name="gpu".*?</group>', "", EXAMPLE.read_text(), flags=re.DOTALL)
    changed.write_text(removed)
    code, _, err = _cli("reconfig", str(changed), "--root", str(tmp_path))
    assert code == 1 and "enabled groups would be removed: gpu" in err
    assert _cli("reconfig", str(changed), "--root", str(tmp_path), "--force-delete")[0] == 0


def test_rollback_and_gc(tmp_path: Path) -> None:
    assert _cli("reconfig", str(EXAMPLE), "--root", str(tmp_path))[0] == 0
    changed = tmp_path / "cfg" / "frontend.xml"
    changed.parent.mkdir()
    (changed.parent / "files").symlink_to(EXAMPLE.parent / "files")
    changed.write_text(EXAMPLE.read_text().replace("GPUs here", "GPUs there"))
    assert _cli("reconfig", str(changed), "--root", str(tmp_path))[0] == 0
    code, out, err = _cli("rollback", str(EXAMPLE), "--root", str(tmp_path))
    assert code == 0, err
    work = tmp_path / "var/lib/gwms-frontend/vofrontend"
    stage = tmp_path / "var/lib/gwms-frontend/web-area/stage"
    assert verify_stage(stage, work / "signatures.sha1").ok
    assert "GPUs here" in (work / "group_gpu" / "attrs.cfg").read_text()
    # Publishing the change again leaves the first state's own files to gc.
    assert _cli("reconfig", str(changed), "--root", str(tmp_path))[0] == 0
    code, out, _ = _cli(
        "gc",
        str(EXAMPLE),
        "--root",
        str(tmp_path),
        "--keep-days",
        "0",
        "--keep-states",
        "1",
        "--json",
    )
    assert code == 0 and json.loads(out)["files_removed"]
    assert verify_stage(stage, work / "signatures.sha1").ok


def test_invalid_config_exit_codes(tmp_path: Path) -> None:
    bad = _config(tmp_path, _base().replace('frontend_name="fe1"', 'frontend_name="fe.1"'))
    code, _, err = _cli("reconfig", str(bad), "--root", str(tmp_path / "out"))
    assert code == 1 and "contains a point" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert _cli("validate", str(tmp_path / "missing.xml"))[0] == 2
    assert _cli("bogus")[0] == 2
    example = copy_example("frontend", tmp_path / "example") / "frontend.xml"
    code, out, _ = _cli("validate", str(example), "--json")
    assert code == 0 and json.loads(out) == {
        "valid": True,
        "errors": [],
        "warnings": [],
        "groups": 3,
    }


def test_an_unknown_log_message_type_is_only_a_warning(tmp_path: Path) -> None:
    text = _base().replace(
        "<attrs>",
        "<log_retention><process_logs>"
        '<process_log extension="err" msg_types="DEBUG,ERR,WARN,EXCEPTION"/>'
        "</process_logs></log_retention><attrs>",
    )
    result = check_frontend(_config(tmp_path, text))
    assert result.errors == []
    assert [item.message for item in result.warnings] == [
        '"msg_types" is "DEBUG,ERR,WARN,EXCEPTION": expected a comma-separated list of DEBUG, '
        "INFO, WARN, ERR, ALL, ADMIN (GlideinWMS accepts other names, as real configurations "
        "carry them, but they are no message type)"
    ]
