"""The shipped example factory validates clean and loads into the expected model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from glideinforge.factory.load import check_factory, load_factory
from glideinforge.factory.model import AttrType

from conftest import EXAMPLE_FACTORY, REPO, copy_example


def test_example_factory_warns_only_that_its_paths_are_relative_to_the_repository():
    result = check_factory(EXAMPLE_FACTORY)
    assert result.errors == []
    assert [
        (item.code, Path(item.source.file).name, item.source.line) for item in result.warnings
    ] == [
        ("path.relative", "glideinWMS.xml", 48),
        ("path.relative", "glideinWMS.xml", 52),
        ("path.relative", "glideinWMS.xml", 53),
        ("path.relative", "glideinWMS.xml", 56),
        ("path.relative", "10-sites.xml", 55),
        ("path.relative", "10-sites.xml", 56),
    ]
    assert result.entry_count == 4


def test_a_copy_of_the_example_naming_its_files_absolutely_validates_clean_under_strict(tmp_path):
    example = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    result = check_factory(example, strict=True)
    assert result.errors == [] and result.warnings == []
    # 20-cloud.xml replaces SITE_B_slurm on purpose: a note, which --strict leaves a note.
    assert [(item.code, str(item.source)) for item in result.notes] == [
        ("merge.replaced", f"{example.parent}/config.d/20-cloud.xml:18:7")
    ]
    assert result.entry_count == 4


def test_example_factory_reads_both_dropins_in_name_order():
    result = check_factory(EXAMPLE_FACTORY)
    names = [path.name for path in result.files.all()]
    assert names == ["glideinWMS.xml", "10-sites.xml", "20-cloud.xml"]


def test_later_dropin_replaces_the_whole_entry():
    factory = load_factory(EXAMPLE_FACTORY).factory
    assert factory is not None
    slurm = factory.entry("SITE_B_slurm")
    assert slurm.gatekeeper == "pilot@login2.site-b.example.org"
    # The 10-sites.xml copy had GLIDEIN_ESTIMATED_CPUS; the replacement does not.
    assert [attr.name for attr in slurm.attrs] == ["GLIDEIN_Site", "GLIDEIN_CPUS"]
    assert slurm.source.file.endswith("20-cloud.xml")


def test_entries_merged_from_two_dropins_come_out_sorted_by_name():
    factory = load_factory(EXAMPLE_FACTORY).factory
    assert factory is not None
    assert [entry.name for entry in factory.entries] == [
        "CLOUD_ec2_east",
        "SITE_A_ce1",
        "SITE_B_slurm",
        "SITE_C_arc",
    ]
    assert [entry.name for entry in factory.enabled_entries] == [
        "CLOUD_ec2_east",
        "SITE_A_ce1",
        "SITE_B_slurm",
    ]


def test_example_model_carries_typed_values_and_defaults():
    factory = load_factory(EXAMPLE_FACTORY).factory
    assert factory is not None
    assert factory.schedd_names == (
        "schedd_glideins1@factory.example.org",
        "schedd_glideins2@factory.example.org",
    )
    assert factory.loop_delay == 60
    assert factory.restart_interval == 1800  # default
    walltime = next(attr for attr in factory.attrs if attr.name == "GLIDEIN_Max_Walltime")
    assert walltime.type is AttrType.INT
    assert walltime.typed_value == 171000
    assert walltime.const is False
    arc = factory.entry("SITE_C_arc")
    assert arc.enabled is False
    assert arc.config.release.max_per_cycle == 20  # absent <release>: defaults
    assert arc.config.remove.sleep == "0.2"
    cloud = factory.entry("CLOUD_ec2_east")
    assert cloud.config.max_jobs.per_entry.glideins == 20
    assert cloud.config.max_jobs.default_per_frontend.glideins == 5000  # default element
    assert cloud.vm_type == "m5.xlarge"


def test_relative_file_paths_are_read_from_the_declaring_files_directory():
    factory = load_factory(EXAMPLE_FACTORY).factory
    assert factory is not None
    site_check = factory.files[0]
    assert site_check.absfname == REPO / "examples" / "factory" / "files" / "site_check.sh"
    assert site_check.relfname == "site_check.sh"
    motd = factory.entry("SITE_A_ce1").files[0]
    assert motd.absfname.resolve() == REPO / "examples" / "factory" / "files" / "motd.txt"
    tool = factory.files[1]
    assert tool.untar_options.dir == "mytool"
    assert tool.untar_options.absdir_outattr == "MYTOOL_DIR"


def test_process_logs_keep_written_attributes_first_then_defaults():
    factory = load_factory(EXAMPLE_FACTORY).factory
    assert factory is not None
    info = factory.log_retention.process_logs[0]
    assert [name for name, _ in info.settings] == [
        "extension",
        "max_days",
        "max_mbytes",
        "min_days",
        "msg_types",
        "structured",
        "backup_count",
        "compression",
    ]


def test_python_dash_m_runs_the_cli_from_another_directory(tmp_path):
    example = copy_example("factory", tmp_path / "factory") / "glideinWMS.xml"
    (tmp_path / "elsewhere").mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "glideinforge", "validate", str(example)],
        cwd=tmp_path / "elsewhere",
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "valid: 4 entries" in completed.stdout
