"""A name the configuration does not have: one message, a did-you-mean, exit code 2."""

from __future__ import annotations

import pytest

from glideinforge.tools.names import unknown_name

from compile_helpers import gfrontend_run
from conftest import copy_example, run_gfactory


def test_a_few_names_are_listed_with_the_close_one_suggested():
    message = unknown_name(
        "SITE_A_ce", "entry", ["SITE_A_ce1", "SITE_B_slurm"], "gfactory inspect C"
    )

    assert message == (
        "SITE_A_ce: no such entry; did you mean 'SITE_A_ce1'? (entry names: SITE_A_ce1, SITE_B_slurm)"
    )


def test_many_names_are_never_dumped():
    names = [f"CMSHTPC_T2_US_Site{number:04d}_ce" for number in range(1000)]

    message = unknown_name("CMSHTPC_T2_US_Site0042_c", "entry", names, "gfactory inspect C")

    assert message == (
        "CMSHTPC_T2_US_Site0042_c: no such entry; did you mean 'CMSHTPC_T2_US_Site0042_ce' or "
        "'CMSHTPC_T2_US_Site0942_ce' or 'CMSHTPC_T2_US_Site0904_ce'? "
        "(1,000 entry names; 'gfactory inspect C' lists them)"
    )


def test_a_name_in_another_case_is_suggested_first():
    names = [f"entry{number}" for number in range(20)] + ["Fermi_CE"]

    message = unknown_name("fermi_ce", "entry", names, "gfactory inspect C")

    assert message.startswith("fermi_ce: no such entry; did you mean 'Fermi_CE'?")


def test_nothing_close_says_so_without_a_guess():
    message = unknown_name("zzz", "group", [f"group{n}" for n in range(9)], "gfrontend inspect F")

    assert message == "zzz: no such group (9 group names; 'gfrontend inspect F' lists them)"


@pytest.mark.parametrize("command", ["inspect", "explain", "glidein-args", "try-glidein"])
def test_every_factory_command_answers_an_unknown_entry_alike(tmp_path, command):
    config = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    root = ["--root", str(tmp_path / "out")] if command != "explain" else []

    result = run_gfactory(command, config, "SITE_A_ce", *root)

    assert result.code == 2
    assert result.stderr.endswith(
        "SITE_A_ce: no such entry; did you mean 'SITE_A_ce1'? "
        "(entry names: CLOUD_ec2_east, SITE_A_ce1, SITE_B_slurm, SITE_C_arc)\n"
    )
    assert result.stdout == ""


def test_the_frontend_answers_an_unknown_group_alike(tmp_path):
    config = copy_example("frontend", tmp_path / "frontend") / "frontend.xml"

    code, stdout, stderr = gfrontend_run("inspect", config, "mian", "--root", tmp_path / "out")

    assert code == 2
    assert stdout == ""
    assert "mian: no such group; did you mean 'main'?" in stderr
