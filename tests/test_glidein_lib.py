"""The glidein-side function library (creation/web_base/glidein_lib.sh), one function at a time."""

from __future__ import annotations

import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import classad2
import pytest

LIB = Path(str(files("glideinforge.creation.web_base").joinpath("glidein_lib.sh")))


def call(function: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    completed = subprocess.run(
        ["bash", "-c", 'source "$0"; "$@"', str(LIB), function, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    return completed.returncode, completed.stdout.strip(), completed.stderr.strip()


def value(function: str, *args: str) -> str:
    code, out, err = call(function, *args)
    assert code == 0, err
    return out


# --- lifetimes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # retire spread walltime job_max graceful random -> retire job_max die
        (("21600", "0", "", "", "120", "0"), "21600 129600 151200"),
        (("21600", "7200", "", "3600", "120", "1000"), "20600 3600 24200"),
        (("21600", "7200", "", "3600", "120", "7200"), "14400 3600 18000"),
        # Max_Walltime decides: retire = (walltime - graceful) - job_max, die at walltime - graceful.
        (("21600", "0", "171000", "129600", "120", "0"), "41280 129600 170880"),
        (("99999", "0", "171000", "3600", "120", "0"), "167280 3600 170880"),
        # A job max time that does not fit is reduced, leaving 600 s of retire time.
        (("21600", "0", "86400", "129600", "120", "0"), "600 85680 86280"),
        (("21600", "0", "86400", "", "120", "0"), "600 85680 86280"),
        # The spread never takes the retire time under 600 s.
        (("21600", "7200", "86400", "85000", "120", "7000"), "600 85000 86280"),
    ],
)
def test_lifetime(args, expected):
    assert value("gl_lifetime", *args) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("500", "0", "", "3600", "120", "0"), "retire time 500 s is under 600 s"),
        (("21600", "0", "700", "", "120", "0"), "leaves less than 600 s"),
        (("21600", "0", "", "many", "120", "0"), "'many' is not an integer"),
        (("21600", "0", "1e5", "", "120", "0"), "walltime '1e5' is not an integer"),
    ],
)
def test_lifetime_errors(args, message):
    code, _, err = call("gl_lifetime", *args)
    assert code == 1
    assert message in err


# --- CPUs, memory, layout --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "expected"),
    [("8", "8"), ("auto", "6"), ("slot", "6"), ("-1", "6"), ("node", "32"), ("0", "32"), ("", "1")],
)
def test_cpus(setting, expected):
    assert value("gl_cpus", setting, "6", "32") == expected


@pytest.mark.parametrize("setting", ["many", "2.5", "-3"])
def test_cpus_refuses_what_is_not_a_count(setting):
    code, _, err = call("gl_cpus", setting, "6", "32")
    assert code == 1
    assert f"GLIDEIN_CPUS '{setting}'" in err


def test_slot_cpus_come_from_the_batch_system():
    code, out, _ = call("gl_slot_cpus", env={"PATH": "/usr/bin:/bin", "SLURM_CPUS_ON_NODE": "12"})
    assert (code, out) == (0, "12")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("16000", "True", "8", "32", "65536000"), "16000"),  # set: used as is
        (("", "True", "8", "32", "65536000"), "16000"),  # estimate: 64000 MB * 8/32
        (("", "False", "8", "32", "65536000"), ""),  # HTCondor detects it
        (("", "", "8", "32", "65536000"), ""),
        # A glidein asking for more CPUs than the node has gets at most the node's memory.
        (("", "True", "4", "2", "24000000"), "23437"),
    ],
)
def test_memory(args, expected):
    assert value("gl_memory_mb", *args) == expected


def test_memory_refuses_a_bad_setting():
    assert call("gl_memory_mb", "lots", "", "1", "1", "1")[0] == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("partitionable", "8", "False"), "partitionable"),
        (("partitionable", "1", "False"), "fixed"),
        (("partitionable", "1", "True"), "partitionable"),
        (("fixed", "8", "True"), "fixed"),
    ],
)
def test_slots_layout(args, expected):
    assert value("gl_slots_layout", *args) == expected


# --- resource slots (the seed page's examples) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("ioslot,2,200,static", ["ioslot 2 200 static auto"]),
        ("ioslot", ["ioslot 1 128 static auto"]),
        (
            "ioslot,2,disk=1GB;monitor;GPUs,3,,main",
            ["ioslot 2 256 partitionable 1GB", "monitor 1 128 static auto", "GPUs 3 384 main auto"],
        ),
        ("GPUs,type=main", ["GPUs auto 128 main auto"]),
        ("fast,3,1G,extra", ["fast 3 1024 extra auto"]),
        ("big,2,50%", ["big 2 50% partitionable auto"]),
        ("", []),
    ],
)
def test_parse_resource_slots(spec, expected):
    assert value("gl_parse_resource_slots", spec).splitlines() == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("io-slot", "resource name 'io-slot'"),
        ("ioslot,0", "resource number '0'"),
        ("ioslot,2,,weird", "resource type 'weird'"),
        ("GPUs,type=static", "without a number can only be of type main"),
        ("ioslot,2,lots", "resource memory 'lots'"),
        ("ioslot,colour=red", "unknown resource field 'colour'"),
    ],
)
def test_parse_resource_slots_errors(spec, message):
    code, _, err = call("gl_parse_resource_slots", spec)
    assert code == 1
    assert message in err


def test_slots_config_fixed_with_static_resource_slots():
    lines = value(
        "gl_slots_config", "fixed", "4", "4000", "auto", "ioslot 2 200 static auto", "False"
    ).splitlines()
    assert lines == [
        "MACHINE_RESOURCE_ioslot = 2",
        "MEMORY = 4000",
        "NUM_CPUS = 6",
        "GLIDEIN_CPUS_USED = 4",
        "SLOT_TYPE_1 = cpus=1, memory=950, disk=auto",
        "SLOT_TYPE_1_PARTITIONABLE = False",
        "NUM_SLOTS_TYPE_1 = 4",
        "SLOT_TYPE_2 = cpus=1, ioslot=1, memory=100, disk=auto",
        "SLOT_TYPE_2_PARTITIONABLE = False",
        "NUM_SLOTS_TYPE_2 = 2",
        "SLOT_TYPE_2_START = (TARGET.Requestioslot =!= UNDEFINED) && (TARGET.Requestioslot > 0) && ($(START))",
    ]


def test_slots_config_partitionable_with_main_gpus_and_monitoring_slot():
    lines = value(
        "gl_slots_config", "partitionable", "8", "", "auto", "GPUs auto 128 main auto", "True"
    ).splitlines()
    assert (
        "MACHINE_RESOURCE_INVENTORY_GPUs = $(LIBEXEC)/condor_gpu_discovery -properties $(GPU_DISCOVERY_EXTRA)"
        in lines
    )
    assert "NUM_CPUS = 9" in lines  # 8 + the monitoring slot's CPU
    assert "SLOT_TYPE_1 = cpus=8, memory=auto, disk=auto" in lines
    assert "SLOT_TYPE_1_PARTITIONABLE = True" in lines
    assert "SLOT_TYPE_2_START = (TARGET.GLIDEIN_Is_Monitor =?= True)" in lines
    assert not any(line.startswith("MEMORY") for line in lines)


def test_slots_config_refuses_reserving_more_memory_than_there_is():
    code, _, err = call(
        "gl_slots_config", "fixed", "1", "100", "auto", "io 2 200 static auto", "False"
    )
    assert code == 1
    assert "reserve more memory" in err


# --- collector and platform ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("collectors", "random", "expected"),
    [
        ("a.org:9618,b.org:9618", "1", "b.org:9618"),
        ("a.org:9618,b.org:9618", "2", "a.org:9618"),
        ("c.org:9618?sock=collector1-3", "4", "c.org:9618?sock=collector2"),
        ("h.org:9620-9622", "2", "h.org:9622"),
        ("only.org", "77", "only.org"),
    ],
)
def test_pick_collector(collectors, random, expected):
    assert value("gl_pick_collector", collectors, random) == expected


def test_pick_collector_needs_one():
    assert call("gl_pick_collector", " , ", "0")[0] == 1


@pytest.mark.parametrize(
    ("preferences", "available", "expected"),
    [
        (
            ("default", "rhel9,default", "x86_64,default"),
            ["default-default-default"],
            "default-default-default",
        ),
        (
            ("default", "rhel9,default", "x86_64,default"),
            ["default-rhel8-x86_64", "default-rhel9-x86_64"],
            "default-rhel9-x86_64",
        ),
        (
            ("23.0,default", "rhel9", "x86_64"),
            ["default-rhel9-x86_64", "23.0-rhel9-x86_64"],
            "23.0-rhel9-x86_64",
        ),
    ],
)
def test_select_platform(preferences, available, expected):
    assert value("gl_select_platform", *preferences, *available) == expected


def test_select_platform_says_what_is_missing():
    code, _, err = call("gl_select_platform", "24.0", "rhel9", "aarch64", "default-default-default")
    assert code == 1
    assert "no condor tarball for version '24.0', OS 'rhel9', arch 'aarch64'" in err


# --- writing values into condor_config -----------------------------------------------------------------


def test_strings_are_quoted_so_htcondor_reads_them_back_verbatim():
    assert value("gl_condor_string", 'a"b\\c $(touch x)') == '"a\\"b\\\\c $(DOLLAR)(touch x)"'


def test_expressions_and_integers_are_written_as_given():
    assert value("gl_condor_value", "C", "(Memory > 2) && $(X)", "V") == "(Memory > 2) && $(X)"
    assert value("gl_condor_value", "I", "42", "V") == "42"
    assert value("gl_condor_value", "S", "hi there", "V") == '"hi there"'


@pytest.mark.parametrize("setting", ["20 minutes", "1e3", "", "0x10"])
def test_an_integer_variable_refuses_what_is_not_an_integer(setting):
    code, _, err = call("gl_condor_value", "I", setting, "GLIDEIN_Max_Idle")
    assert code == 1
    assert err == f"GLIDEIN_Max_Idle: '{setting}' is not an integer"


def test_an_integer_variable_takes_blanks_and_glideinwms_booleans():
    assert value("gl_condor_value", "I", " 1200 ", "V") == "1200"
    assert value("gl_condor_value", "I", "False", "GLIDEIN_REQUIRE_VOMS") == "False"


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("True", True),
        ("false", False),
        ("42", 42),
        ("-7", -7),
        ("1.5", 1.5),
        ("abc", "abc"),
        ('say "hi" \\ bye', "say hi  bye"),
        ("", ""),
        ("12 apples", "12 apples"),
    ],
)
def test_periodic_values_are_typed_classad_values(text, typed):
    ad = classad2.parseOne(f"X = {value('gl_classad_value', text)}")
    assert ad.eval("X") == typed
    assert type(ad.eval("X")) is type(typed)


def test_job_environment_items_double_their_quotes():
    assert (
        value("gl_job_env_item", "NOTE", 'it\'s "q" $HOME')
        == "'NOTE=it''s \"\"q\"\" $(DOLLAR)HOME'"
    )


def test_start_and_shutdown_expressions():
    assert value("gl_start_expr", "2") == "FALSE"
    start = value("gl_start_expr", "0")
    assert start.startswith(
        "(MyCurrentTime < $(GLIDEIN_ToRetire)) && (SiteWMS_WN_Draining =?= False)"
    )
    assert "($(GLIDEIN_Custom_Start))" in start
    assert "$(GLIDEIN_Max_Tail)" in value("gl_daemon_shutdown")


# --- constants into glidein_config -------------------------------------------------------------------------


def test_constants_merge_like_repeated_gconfig_add(tmp_path):
    config = tmp_path / "glidein_config"
    config.write_text("\n# --- glidein_startup vals ---\nA 1\nB old value\nC 3\n")
    consts = tmp_path / "constants.cfg"
    consts.write_text("# File: constants.cfg\n#\nB \tnew value\nD \td\tafter tab\nE\nB \tnewest\n")
    pairs = tmp_path / "pairs"
    code, out, err = call("gl_constants_pairs", str(consts))
    assert code == 0, err
    pairs.write_text(out + "\n")
    assert out.splitlines() == ["B new value", "D d\tafter tab", "E ", "B newest"]
    assert call("gl_config_merge", str(config), str(pairs))[0] == 0
    assert config.read_text().splitlines() == [
        "",
        "# --- glidein_startup vals ---",
        "A 1",
        "C 3",
        "D d\tafter tab",
        "E ",
        "B newest",
    ]
    assert (tmp_path / "glidein_config.history").read_text().count("REG") == 4


# --- error_augment.sh ---------------------------------------------------------------------------

AUGMENT = Path(str(files("glideinforge.creation.web_base").joinpath("error_augment.sh")))
START, END = 1795269192, 1795269195  # 2026-11-21T07:53:12 and :15 in UTC-6


def _augment(tmp_path: Path, *args: str, otrb: str | None = None) -> str:
    if otrb is not None:
        (tmp_path / "otrb_output.xml").write_text(otrb)
    completed = subprocess.run(
        [shutil.which("bash") or "bash", str(AUGMENT), *args],
        cwd=tmp_path,
        env={"PATH": "/nonexistent", "TZ": "America/Chicago"},  # builtins only
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return (tmp_path / "otrx_output.xml").read_text()


def _augmented(cmd: str, result: str, *, id_: str, end: str = "07:53:15") -> str:
    return (
        '<?xml version="1.0"?>\n'
        f'<OSGTestResult id="{id_}" version="4.3.1">\n'
        "  <operatingenvironment>\n"
        '    <env name="cwd">/w</env>\n'
        "  </operatingenvironment>\n"
        "  <test>\n"
        f"    <cmd>{cmd}</cmd>\n"
        "    <tStart>2026-11-21T07:53:12-06:00</tStart>\n"
        f"    <tEnd>2026-11-21T{end}-06:00</tEnd>\n"
        "  </test>\n"
        f"{result}"
        "</OSGTestResult>\n"
    )


SCRIPT_RESULT = (
    '<?xml version="1.0"?>\n<OSGTestResult id="my_check.sh" version="4.3.1">\n'
    '  <result>\n    <status>OK</status>\n    <metric name="X" ts="t" uri="local">1</metric>\n'
    "  </result>\n</OSGTestResult>\n"
)


def test_error_augment_wraps_a_matching_result(tmp_path):
    out = _augment(tmp_path, "-process", "0", "main/c.sh", "/w", "/w/main/c.sh glidein_config",
                   str(START), str(END), otrb=SCRIPT_RESULT)  # fmt: skip
    assert out == _augmented(
        "/w/main/c.sh glidein_config",
        '  <result>\n    <status>OK</status>\n    <metric name="X" ts="t" uri="local">1</metric>\n'
        "  </result>\n",
        id_="main/c.sh",
    )


@pytest.mark.parametrize("otrb", [None, SCRIPT_RESULT])  # missing, or saying OK
def test_error_augment_replaces_a_missing_or_disagreeing_result(tmp_path, otrb):
    out = _augment(tmp_path, "-process", "3", "entry/x.sh", "/w", "/w/entry/x.sh glidein_config",
                   str(START), str(END), otrb=otrb)  # fmt: skip
    metric = '    <metric name="{}" ts="2026-11-21T07:53:15-06:00" uri="local">{}</metric>\n'
    assert out == _augmented(
        "/w/entry/x.sh glidein_config",
        "  <result>\n    <status>ERROR</status>\n"
        + metric.format("failure", "WN_Resource")
        + metric.format("ExitCode", "3")
        + "  </result>\n  <detail>\n    The test script did not produce an XML file. No further "
        "information available.\n  </detail>\n",
        id_="entry/x.sh",
    )


def test_error_augment_concat_drops_the_xml_header(tmp_path):
    _augment(tmp_path, "-process", "0", "main/z.sh", "/w", "z", str(START), str(END))
    _augment(tmp_path, "-concat")
    listed = (tmp_path / "otr_outlist.list").read_text()
    assert listed == _augmented(
        "z", "  <result>\n    <status>OK</status>\n  </result>\n", id_="main/z.sh"
    ).removeprefix('<?xml version="1.0"?>\n')


def test_error_augment_refuses_the_five_argument_form(tmp_path):
    completed = subprocess.run(
        ["bash", str(AUGMENT), "-process", "0", "main/z.sh", "/w", str(START), str(END)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert completed.stderr == (
        "error_augment.sh: -process takes EXIT_CODE ID CWD CMD START END (5 given)\n"
    )


@pytest.mark.parametrize(
    ("disk", "share"),
    [
        ("auto", "auto"),
        ("", "auto"),
        ("80%", "20%"),
        ("1/2", "1/8"),
        (".5", "0.125"),
        ("100G", "25G"),
        ("4096", "1024"),
    ],
)
def test_fixed_slots_share_the_glidein_disk(disk, share):
    assert value("gl_disk_share", disk, "4") == share
    lines = value("gl_slots_config", "fixed", "4", "4000", disk, "", "False").splitlines()
    assert f"SLOT_TYPE_1 = cpus=1, memory=1000, disk={share}" in lines


def test_a_disk_setting_htcondor_cannot_read_is_refused():
    code, _, err = call("gl_slots_config", "fixed", "4", "4000", "lots", "", "False")
    assert code == 1
    assert err == "GLIDEIN_DISK 'lots' is not auto, a percentage, a fraction or an amount"


# --- Singularity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("rhel8,rhel7", "rhel7,rhel9", "rhel7"),
        ("any", "rhel7,rhel8", "rhel7,rhel8"),
        ("rhel9,rhel8", "any", "rhel9,rhel8"),
        ("any", "any", "any"),
        ("rhel8", "rhel7", None),
    ],
)
def test_os_intersection(first, second, expected):
    code, out, _ = call("gl_os_intersection", first, second)
    assert (out if code == 0 else None) == expected


IMAGES = "rhel7:/cvmfs/img/el7,rhel8:/cvmfs/img/el8,default:/cvmfs/img/el9"


@pytest.mark.parametrize(
    ("images", "platforms", "restrictions", "expected"),
    [
        (IMAGES, "any", "cvmfs", "/cvmfs/img/el9"),  # the default key
        ("rhel7:/cvmfs/a,rhel8:/cvmfs/b", "any", "", "/cvmfs/a"),  # else the first entry
        (IMAGES, "rhel6,rhel8,rhel7", "cvmfs", "/cvmfs/img/el8"),  # the first with an image
        (IMAGES, "rhel6", "", None),
        ("rhel7:/home/x.sif", "rhel7", "cvmfs", None),  # restricted to CVMFS
        ("rhel7:/home/x.sif", "rhel7", "", "/home/x.sif"),
    ],
)
def test_singularity_image_selection(images, platforms, restrictions, expected):
    code, out, _ = call("gl_singularity_image", images, platforms, restrictions)
    assert (out if code == 0 else None) == expected


def test_singularity_binds_keep_existing_sources_once(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    user = f"{tmp_path}/a:/data:ro,{tmp_path}/missing"
    default = f"{tmp_path}/b,{tmp_path}/a"
    assert (
        value("gl_singularity_binds", user, default, "0") == f"{tmp_path}/a:/data:ro,{tmp_path}/b"
    )
