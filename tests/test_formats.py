"""Golden bytes of every staged and work-dir file format."""

from __future__ import annotations

from glideinforge.creation.lib.condor_vars import CondorVar
from glideinforge.creation.lib.staged import FileListRow, versioned_name
from glideinforge.creation.lib.templating import Templates
from glideinforge.factory.model import InfosysRef

from compile_helpers import compiled, published_example
from conftest import EXAMPLE_FACTORY

render = Templates().render


def test_versioned_names_insert_the_suffix_before_the_last_part():
    assert versioned_name("file_list.lst", "T") == "file_list.T.lst"
    assert (
        versioned_name("condor_config.multi_schedd.include", "T")
        == "condor_config.multi_schedd.T.include"
    )
    assert versioned_name("htchirp.tar.gz", "T") == "htchirp.tar.T.gz"
    assert versioned_name("grid-mapfile", "T") == "grid-mapfile.T"
    assert versioned_name(".x", "T") == ".T.x"


def test_dict_file_bytes():
    content = render(
        "dict_file.j2", name="constants.T.cfg", rows=[("GLIDEIN_Site", "E1Site"), ("EMPTY", "")]
    )
    assert content == b"# File: constants.T.cfg\n#\nGLIDEIN_Site \tE1Site\nEMPTY \t\n"


def test_file_list_bytes_and_header():
    row = FileListRow("constants.cfg", "constants.T.cfg", "regular", config_out="CONSTS_FILE")
    content = render("file_list.j2", name="file_list.T.lst", rows=[row], largest=2952)
    lines = content.split(b"\n")
    assert lines[0] == b"# File: file_list.T.lst"
    assert lines[1] == b"#"
    assert lines[2] == b"# Largest file: 2952 bytes"
    assert (
        lines[3]
        == b"# Outfile \tInFile"
        + b" " * 9
        + b"\tCache/exec \tPeriod \tPrefix \tCondition \tConfigOut"
    )
    assert lines[4] == b"#" * 89
    assert (
        lines[5]
        == b"constants.cfg \tconstants.T.cfg \tregular \t0 \tGLIDEIN_PS_ \tTRUE \tCONSTS_FILE"
    )
    assert lines[6:] == [b""]


def test_vars_file_header_keeps_trailing_spaces_and_the_double_tab():
    row = CondorVar(
        "GLIDEIN_Site", "S", None, "GLIDEIN_Site", required=False, published=True, job_env="+"
    )
    lines = render("vars_file.j2", name="condor_vars.T.lst", rows=[row]).split(b"\n")
    assert lines[2] == (
        b"# VarName"
        + b" " * 15
        + b"Type"
        + b" " * 4
        + b"Default"
        + b" " * 9
        + b"CondorName"
        + b" " * 21
        + b"Req."
        + b" " * 5
        + b"Export"
        + b" " * 2
        + b"UserName"
        + b" " * 11
    )
    assert lines[3] == (
        b"#"
        + b" " * 23
        + b"S=Quote - = No Default"
        + b" " * 2
        + b"+ = VarName"
        + b" " * 29
        + b"Condor"
        + b" " * 3
        + b"- = Do not export"
        + b" "
    )
    assert lines[4] == b"#" + b" " * 96 + b"+ = Use VarName" + b" " * 3
    assert lines[5] == b"#" + b" " * 96 + b"@ = Use CondorName"
    assert lines[6] == b"#" * 115
    assert all(len(line) == 115 for line in lines[2:7])
    assert lines[7] == b"GLIDEIN_Site \tS \t- \t\t+ \tN \tY \t+"


def test_signature_summary_grid_map_infosys_and_monitor_bytes():
    assert render("sha1_file.j2", name="signature.T.sha1", rows=[("a" * 40, "x.T.cfg")]) == (
        b"# File: signature.T.sha1\n#\n" + b"a" * 40 + b"  x.T.cfg\n"
    )
    assert render(
        "summary_file.j2", name="signatures.sha1", rows=[("b" * 40, "description.T.cfg", "main")]
    ) == (b"# File: signatures.sha1\n#\n" + b"b" * 40 + b"  description.T.cfg  main\n")
    assert render("grid_mapfile.j2", rows=[]) == b""
    assert (
        render("grid_mapfile.j2", rows=[("/DC=org/CN=c", "fcollector1")])
        == b'"/DC=org/CN=c" fcollector1\n'
    )
    infosys = render(
        "infosys.j2", name="infosys.descript", rows=[InfosysRef("r1", "bdii.example.org", "BDII")]
    )
    assert infosys.split(b"\n") == [
        b"# File: infosys.descript",
        b"#",
        b"# Type \t" + b" " * 24 + b"Server \tRef \t\tID",
        b"#" * 78,
        b"BDII \t" + b" " * 14 + b"bdii.example.org \tr1 \t\tBDII://bdii.example.org/r1",
        b"",
    ]
    assert render("monitor_groups.j2", groups=["G"]) == (
        b"<!-- This entry is part of following monitoring groups -->\n<monitorgroups>\n"
        b'  <monitorgroup group_name="G">\n</monitorgroups>\n'
    )


def test_description_and_signature_share_a_suffix_and_all_text_is_latin1(tmp_path):
    plan = compiled(EXAMPLE_FACTORY, tmp_path)
    for directory in plan.stage:
        suffix = directory.description_name.split(".")[1]
        assert directory.signature_name == f"signature.{suffix}.sha1"
        for file in directory.files:
            if file.content is not None:
                file.content.decode("latin-1")
                assert file.content.endswith(b"\n") or file.content == b""
                assert b"\r" not in file.content
                assert b"\n\n" not in file.content


def test_identical_content_gets_identical_names(tmp_path):
    first = compiled(EXAMPLE_FACTORY, tmp_path / "a")
    second = compiled(EXAMPLE_FACTORY, tmp_path / "b")
    assert [file.relpath for d in first.stage for file in d.files] == [
        file.relpath for d in second.stage for file in d.files
    ]
    assert first.summary.content == second.summary.content


def test_every_published_list_states_the_size_of_its_largest_file(tmp_path):
    _, out = published_example(tmp_path)
    lists = sorted(out.rglob("*file_list.*.lst"))
    assert len(lists) >= 5
    for path in lists:
        lines = path.read_text().splitlines()
        rows = [line.split(" \t") for line in lines if not line.startswith("#")]
        sizes = [(path.parent / row[1]).stat().st_size for row in rows]
        assert lines[2] == f"# Largest file: {max(sizes, default=0)} bytes", path
