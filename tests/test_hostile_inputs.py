"""Hostile inputs: every one gives a clear ``file: message`` and the right exit code, fast.

The table holds what a red-team run threw at the tools: special files where
configuration files belong, unusable ``config.d`` folders, absurdly wide
elements, over-long names, output paths that climb out of ``--root``.
"""

from __future__ import annotations

import io
import os
import tarfile
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from glideinforge.creation.lib.inputs import InputError, read_input
from glideinforge.tools import gfrontend

from conftest import STAND_IN_TARBALL, factory_xml, run_gfactory

MAIN = "glideinWMS.xml"


@dataclass(frozen=True)
class Hostile:
    """A configuration folder made hostile by ``arrange``, and what ``validate`` must say."""

    arrange: Callable[[Path], None]
    code: int
    message: str


def _write(folder: Path, main: str = "") -> None:
    (folder / "condor.tgz").write_bytes(STAND_IN_TARBALL)
    (folder / MAIN).write_text(main or factory_xml().replace("condor.tgz", f"{folder}/condor.tgz"))


def _dropin(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def arrange(folder: Path) -> None:
        _write(folder)
        (folder / "config.d").mkdir()
        make(folder / "config.d" / "10-x.xml")

    return arrange


def _config_d(make: Callable[[Path], None]) -> Callable[[Path], None]:
    def arrange(folder: Path) -> None:
        _write(folder)
        make(folder / "config.d")

    return arrange


def _with(**parts: str) -> Callable[[Path], None]:
    def arrange(folder: Path) -> None:
        _write(folder, factory_xml(**parts).replace("condor.tgz", f"{folder}/condor.tgz"))

    return arrange


def _wide_root(folder: Path) -> None:
    attributes = " ".join(f'a{index}="v"' for index in range(40_000))
    _write(folder, factory_xml(root_attrs=attributes).replace("condor.tgz", f"{folder}/condor.tgz"))


def _plain_tar(path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("condor")
        info.type = tarfile.DIRTYPE
        tar.addfile(info)


CASES = {
    "a drop-in linked to /dev/zero": Hostile(
        _dropin(lambda path: path.symlink_to("/dev/zero")),
        1,
        "10-x.xml:1: /: file is a character device, not a regular file",
    ),
    "a drop-in linked to /dev/urandom": Hostile(
        _dropin(lambda path: path.symlink_to("/dev/urandom")),
        1,
        "10-x.xml:1: /: file is a character device, not a regular file",
    ),
    "a FIFO drop-in": Hostile(
        _dropin(os.mkfifo), 1, "10-x.xml:1: /: file is a FIFO, not a regular file"
    ),
    "a directory named like a drop-in": Hostile(
        _dropin(lambda path: path.mkdir()),
        1,
        "10-x.xml:1: /: file is a directory, not a regular file",
    ),
    "a drop-in linking to itself": Hostile(
        _dropin(lambda path: path.symlink_to(path)),
        1,
        "10-x.xml:1: /: cannot read file: Too many levels of symbolic links",
    ),
    "a file named config.d": Hostile(
        _config_d(lambda path: path.write_text("x")),
        1,
        "config.d is not a directory: the configuration's drop-ins cannot be read",
    ),
    "a config.d linking to nothing": Hostile(
        _config_d(lambda path: path.symlink_to(path.parent / "nowhere")),
        1,
        "config.d is a link to nothing: the configuration's drop-ins cannot be read",
    ),
    "a config.d link loop": Hostile(
        _config_d(lambda path: path.symlink_to(path)),
        1,
        "config.d is a link loop: the configuration's drop-ins cannot be read",
    ),
    "a staged file linked to /dev/zero": Hostile(
        _with(files='<file absfname="/dev/zero" relfname="zero"/>'),
        1,
        '"absfname" file /dev/zero: file is a character device, not a regular file',
    ),
    "an HTCondor tarball that is a FIFO": Hostile(
        lambda folder: (
            _write(folder, factory_xml(tarballs=f'<condor_tarball tar_file="{folder}/pipe"/>')),
            os.mkfifo(folder / "pipe"),
        ),
        1,
        "pipe: file is a FIFO, not a regular file",
    ),
    "an HTCondor tarball that is not a tar": Hostile(
        lambda folder: (_write(folder), (folder / "condor.tgz").write_bytes(b"not a tarball\n")),
        1,
        "condor.tgz is not a gzip-compressed tar archive: the glidein unpacks HTCondor from it "
        "with tar -xz",
    ),
    "an HTCondor tarball that is an uncompressed tar": Hostile(
        lambda folder: (_write(folder), _plain_tar(folder / "condor.tgz")),
        1,
        "condor.tgz is not a gzip-compressed tar archive",
    ),
    "40,000 attributes on one element": Hostile(
        _wide_root, 1, "<glidein> has 40001 attributes, more than the limit of 1000"
    ),
    "an entry name of 300 characters": Hostile(
        _with(entries=f'<entry name="{"E" * 300}" gatekeeper="g g:1"/>'),
        1,
        "is longer than 200 characters: it becomes part of a file name",
    ),
    "a main file that is a FIFO": Hostile(
        lambda folder: os.mkfifo(folder / MAIN), 2, "cannot read"
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_a_hostile_input_gets_a_clear_message_and_exit_code(name, tmp_path):
    case = CASES[name]
    case.arrange(tmp_path)
    for argv in (("validate",), ("reconfig", "--root", tmp_path / "out")):
        result = run_gfactory(argv[0], tmp_path / MAIN, *argv[1:])
        assert result.code == case.code, (argv, result.stderr)
        assert case.message in result.stderr, (argv, result.stderr)
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unreadable_config_d_is_an_error_naming_it(tmp_path, monkeypatch):
    _config_d(lambda path: path.mkdir())(tmp_path)

    def refuse(self: Path) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", refuse)
    result = run_gfactory("validate", tmp_path / MAIN)
    assert result.code == 1
    assert (
        f"{tmp_path}/config.d cannot be read: Permission denied: the configuration's drop-ins "
        "cannot be read"
    ) in result.stderr


def test_an_unreadable_input_file_is_an_error_at_validation(tmp_path, monkeypatch):
    _with(files=f'<file absfname="{tmp_path}/secret.sh" executable="True"/>')(tmp_path)
    (tmp_path / "secret.sh").write_text("#!/bin/sh\n")
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode: False if str(path).endswith("secret.sh") else real_access(path, mode),
    )
    result = run_gfactory("validate", tmp_path / MAIN)
    assert result.code == 1
    assert (
        f'"absfname" file {tmp_path}/secret.sh: cannot read file: Permission denied'
        in result.stderr
    )


def _listing(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def test_output_paths_cannot_climb_out_of_root(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    climbing = f"/../../../..{outside}"
    _write(
        tmp_path,
        factory_xml(
            extra=f'<stage base_dir="{climbing}/stage"/><submit base_dir="/var/../..{outside}/work" '
            f'base_log_dir="{climbing}/log"/><monitor base_dir="{climbing}/monitor"/>'
        ).replace("condor.tgz", f"{tmp_path}/condor.tgz"),
    )
    result = run_gfactory("reconfig", tmp_path / MAIN, "--root", tmp_path / "root")
    assert result.code == 0, result.stderr
    assert _listing(outside) == set()
    assert (tmp_path / "root" / outside.relative_to("/") / "stage").is_dir()
    assert (tmp_path / "root" / outside.relative_to("/") / "work" / "glidein.descript").is_file()


def test_frontend_output_paths_cannot_climb_out_of_root(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    climbing = f"/../..{outside}"
    config = tmp_path / "frontend.xml"
    config.write_text(
        f"""<frontend frontend_name="fe1">
  <work base_dir="{climbing}/work" base_log_dir="{climbing}/log"/>
  <stage base_dir="{climbing}/stage" web_base_url="http://h/s"/>
  <monitor base_dir="{climbing}/monitor"/>
  <collectors><collector node="pool.org:9618" DN="/CN=pool"/></collectors>
  <match>
    <factory><collectors>
      <collector node="f.org" DN="/CN=f" factory_identity="gf@f.org" my_identity="fe@f.org"/>
    </collectors></factory>
    <job><schedds><schedd fullname="schedd.org" DN="/CN=schedd"/></schedds></job>
  </match>
  <groups><group name="main" enabled="True"/></groups>
</frontend>
"""
    )
    stdout, stderr = io.StringIO(), io.StringIO()
    code = gfrontend.run(
        ["reconfig", str(config), "--root", str(tmp_path / "root")], stdout, stderr
    )
    assert code == 0, stderr.getvalue()
    assert _listing(outside) == set()
    written = tmp_path / "root" / outside.relative_to("/") / "work" / "frontend_fe1"
    assert (written / "frontend.descript").is_file()


def test_a_staged_file_others_may_not_read_is_a_warning(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    secret.chmod(0o640)
    _with(files=f'<file absfname="{secret}" const="True"/>')(tmp_path)
    result = run_gfactory("validate", tmp_path / MAIN)
    assert result.code == 0, result.stderr
    warning = (
        f'"absfname" file {secret} is not readable by others (mode 0640): staging it '
        "publishes it on the web server, readable by anyone"
    )
    assert warning in result.stderr
    strict = run_gfactory("validate", tmp_path / MAIN, "--strict")
    assert strict.code == 1
    assert warning in strict.stderr
    secret.chmod(0o644)
    assert "not readable by others" not in run_gfactory("validate", tmp_path / MAIN).stderr


def test_an_input_is_read_whole_whatever_size_its_status_tells(tmp_path):
    # /proc files say they are empty: the first read, sized by the status, is not all.
    status = read_input(Path("/proc/self/status"))
    assert status.startswith(b"Name:\t") and status.endswith(b"\n")
    for size in (0, 1, 1 << 20, (1 << 20) + 1, 3 << 20):
        path = tmp_path / f"file{size}"
        path.write_bytes(os.urandom(size))
        assert read_input(path) == path.read_bytes()
        assert read_input(path, limit=size) == path.read_bytes()


def test_reading_an_input_asks_for_its_size_not_for_the_limit(tmp_path):
    path = tmp_path / "small.xml"
    path.write_bytes(b"<glidein/>\n" * 100)
    tracemalloc.start()
    try:
        content = read_input(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert content == b"<glidein/>\n" * 100
    assert peak < 1 << 16  # not a buffer of the 8 GB limit


def test_an_input_that_reads_past_the_limit_is_refused():
    path = Path("/proc/self/status")
    with pytest.raises(InputError) as raised:
        read_input(path, limit=10)
    assert str(raised.value) == f"{path}: file grew past the limit of 10 bytes while being read"
