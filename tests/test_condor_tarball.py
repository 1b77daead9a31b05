"""A ``base_dir`` release packs what its daemons need to run, as GlideinWMS packs it and more.

The release is built here with gcc: ``sbin/condor_master`` needs a library in
``lib/`` (found through its ``$ORIGIN`` search path, behind a link chain), which
needs one in ``lib/condor``; ``libexec/condor_shared_port`` needs one in ``lib64``.
The packed tarball, untarred elsewhere with GNU tar, runs its ``condor_master``.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

from glideinforge.creation.lib import elf_links
from glideinforge.creation.lib.condor_tarball import REQUIRED_BINARIES, pack_condor_base_dir
from glideinforge.creation.lib.elf_links import dynamic_links

from conftest import write_tree
from oracle import publish_factory, requires_oracle

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc builds the release")

_UTILS = "int extra_answer(void);\nint condor_utils_answer(void) { return extra_answer() + 1; }\n"
_EXTRA = "int extra_answer(void) { return 41; }\n"
_PORT = "int port_number(void) { return 9618; }\n"
_MASTER = (
    "#include <stdio.h>\nint condor_utils_answer(void);\n"
    'int main(void) { printf("master %d\\n", condor_utils_answer()); return 0; }\n'
)
_SHARED_PORT = (
    "#include <stdio.h>\nint port_number(void);\n"
    'int main(void) { printf("port %d\\n", port_number()); return 0; }\n'
)


def _gcc(out: Path, source: str, *flags: str) -> None:
    source_file = out.parent / f"{out.name}.c"
    source_file.write_text(source, encoding="utf-8")
    subprocess.run(["gcc", "-o", str(out), str(source_file), *flags], check=True)
    source_file.unlink()


@pytest.fixture
def release(tmp_path: Path) -> Path:
    """A small HTCondor-shaped release of real ELF programs and libraries."""
    base = tmp_path / "condor-24.0.1"
    write_tree(
        base,
        {
            "sbin/condor_startd": "#!/bin/sh\n",
            "sbin/condor_starter": "#!/bin/sh\n",
            "lib/condor_ssh_to_job_sshd_config_template": "Port 22\n",
            "lib/libunused.so": "not needed by anything\n",
            "lib/python3/htcondor.py": "# not packed\n",
            "libexec/condor_urlfetch": "#!/bin/sh\n",
            "etc/examples/condor_config": "# not packed\n",
        },
    )
    lib, lib_condor, lib64 = base / "lib", base / "lib" / "condor", base / "lib64"
    lib_condor.mkdir()
    lib64.mkdir()
    _gcc(lib_condor / "libextra.so.2.0", _EXTRA, "-shared", "-fPIC", "-Wl,-soname,libextra.so.2")
    (lib_condor / "libextra.so.2").symlink_to("libextra.so.2.0")
    _gcc(
        lib / "libcondor_utils.so.24.0",
        _UTILS,
        "-shared",
        "-fPIC",
        "-Wl,-soname,libcondor_utils.so.24",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/condor",
        f"-L{lib_condor}",
        "-l:libextra.so.2",
    )
    (lib / "libcondor_utils.so.24").symlink_to("libcondor_utils.so.24.0")
    (lib / "libcondor_utils.so").symlink_to("libcondor_utils.so.24")
    _gcc(lib64 / "libport.so", _PORT, "-shared", "-fPIC")
    _gcc(
        base / "sbin" / "condor_master",
        _MASTER,
        f"-L{lib}",
        "-lcondor_utils",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:$ORIGIN/../lib/condor",
        f"-Wl,-rpath-link,{lib_condor}",
    )
    _gcc(
        base / "libexec" / "condor_shared_port",
        _SHARED_PORT,
        f"-L{lib64}",
        "-lport",
        "-Wl,--disable-new-dtags,-rpath,${ORIGIN}/../lib64",  # DT_RPATH, the other spelling
    )
    (lib_condor / "libsystem.so").symlink_to("/etc/hostname")
    (lib_condor / "loop.so").symlink_to("loop.so")
    return base


def _members(tarball: Path, *, once: bool = True) -> dict[str, str]:
    """Each member's name: ``file`` or ``-> target`` for a link (each stored ``once``)."""
    with tarfile.open(tarball) as tar:
        members = [member for member in tar.getmembers() if not member.isdir()]
    names = [member.name for member in members]
    assert not once or len(names) == len(set(names)), names
    return {
        member.name: f"-> {member.linkname}" if member.issym() else "file" for member in members
    }


def _packed(base: Path, tmp_path: Path) -> dict[str, str]:
    """Pack ``base`` into ``tmp_path``; return its members (see ``_members``)."""
    target = tmp_path / "condor.tgz"
    pack_condor_base_dir(base, target)
    return _members(target)


def test_a_release_packs_its_daemons_libraries_with_their_links(release, tmp_path):
    assert _packed(release, tmp_path) == {
        "sbin/condor_master": "file",
        "sbin/condor_startd": "file",
        "sbin/condor_starter": "file",
        "lib/condor_ssh_to_job_sshd_config_template": "file",
        "lib/condor/libextra.so.2": "-> libextra.so.2.0",
        "lib/condor/libextra.so.2.0": "file",
        "libexec/condor_shared_port": "file",
        "libexec/condor_urlfetch": "file",
        "lib/libcondor_utils.so.24": "-> libcondor_utils.so.24.0",
        "lib/libcondor_utils.so.24.0": "file",
        "lib64/libport.so": "file",
    }


def test_the_untarred_release_runs_its_daemon_and_programs(release, tmp_path):
    target = tmp_path / "condor.tgz"
    pack_condor_base_dir(release, target)
    shutil.rmtree(release)  # nothing may still come from the release itself
    glidein = tmp_path / "glidein" / "condor"
    glidein.mkdir(parents=True)
    subprocess.run(["tar", "-xzf", str(target), "-C", str(glidein)], check=True)
    master = subprocess.run(
        [str(glidein / "sbin" / "condor_master")], capture_output=True, text=True, check=False
    )
    assert (master.returncode, master.stdout, master.stderr) == (0, "master 42\n", "")
    port = subprocess.run(
        [str(glidein / "libexec" / "condor_shared_port")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (port.returncode, port.stdout) == (0, "port 9618\n")


def test_an_rpm_layout_stores_libexec_condor_as_libexec_and_copies_links_leaving_it(tmp_path):
    base = write_tree(
        tmp_path / "usr",
        dict.fromkeys(("sbin/condor_master", "sbin/condor_startd"), "#!/bin/sh\n")
        | {"sbin/condor_starter": "#!/bin/sh\n", "lib/condor/libssl.so.3": "library\n"},
    )
    (base / "libexec" / "condor").mkdir(parents=True)
    (base / "libexec" / "condor" / "condor_ssh").write_text("ssh\n", encoding="utf-8")
    (base / "libexec" / "condor" / "libssl.so").symlink_to("../../lib/condor/libssl.so.3")
    (base / "libexec" / "condor" / "ssh").symlink_to("condor_ssh")
    (base / "libexec" / "condor" / "via_gone").symlink_to("gone/../condor_ssh")
    members = _packed(base, tmp_path)
    assert members["libexec/condor_ssh"] == "file"
    assert members["libexec/ssh"] == "-> condor_ssh"
    assert members["libexec/libssl.so"] == "file"  # its target is not where the link points
    assert members["libexec/via_gone"] == "file"  # through a folder the glidein has not
    with tarfile.open(tmp_path / "condor.tgz") as tar:
        assert tar.extractfile("libexec/libssl.so").read() == b"library\n"


def test_the_same_release_packs_to_the_same_bytes_wherever_it_lies(release, tmp_path):
    first, again, moved = tmp_path / "1.tgz", tmp_path / "2.tgz", tmp_path / "3.tgz"
    pack_condor_base_dir(release, first)
    pack_condor_base_dir(release, again)
    elsewhere = tmp_path / "elsewhere" / "condor"
    shutil.copytree(release, elsewhere, symlinks=True)
    pack_condor_base_dir(elsewhere, moved)
    assert first.read_bytes() == again.read_bytes() == moved.read_bytes()


def test_nothing_outside_the_release_is_packed_and_a_linked_tree_is(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    _gcc(outside / "libsystem.so", _PORT, "-shared", "-fPIC")
    base = write_tree(
        tmp_path / "condor",
        dict.fromkeys(("sbin/condor_startd", "sbin/condor_starter"), "#!/bin/sh\n")
        | {"lib64/condor/libinside.so": "library\n", "lib/condor_x": "x\n"},
    )
    (base / "ext").symlink_to(outside)  # a folder link leaving the release
    (base / "lib" / "condor").symlink_to("../lib64/condor")  # a tree root linked inside it
    (base / "lib" / "libsystem.so").symlink_to(outside / "libsystem.so")
    _gcc(
        base / "sbin" / "condor_master",
        _SHARED_PORT,
        f"-L{outside}",
        "-lsystem",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../ext",
    )
    assert _packed(base, tmp_path) == {
        "sbin/condor_master": "file",
        "sbin/condor_startd": "file",
        "sbin/condor_starter": "file",
        "lib/condor/libinside.so": "file",
    }


def _without_section_headers_nor_mapped_strings(library: bytes) -> bytes:
    """A 64-bit little-endian ELF file whose dynamic strings lie at no loaded address."""
    damaged = bytearray(library)
    struct.pack_into("<Q", damaged, 0x28, 0)  # e_shoff
    struct.pack_into("<HH", damaged, 0x3C, 0, 0)  # e_shnum, e_shstrndx
    program_headers, count = struct.unpack_from("<Q", damaged, 0x20)[0], damaged[0x38]
    for number in range(count):
        header = program_headers + 56 * number
        if struct.unpack_from("<I", damaged, header)[0] == 1:  # PT_LOAD: move it away
            struct.pack_into("<Q", damaged, header + 16, 0x7000000000)
    return bytes(damaged)


def test_a_damaged_or_foreign_file_asks_for_no_library(tmp_path):
    damaged = tmp_path / "damaged"
    damaged.write_bytes(b"\x7fELF\x02\x01\x01" + b"\xff" * 200)
    text = tmp_path / "text"
    text.write_text("#!/bin/sh\n", encoding="utf-8")
    assert dynamic_links(damaged) is None
    assert dynamic_links(text) is None


def test_a_library_pyelftools_asserts_on_asks_for_nothing(tmp_path, small_library):
    assert small_library[4:6] == b"\x02\x01"  # built here as 64-bit little-endian
    unmapped = tmp_path / "libodd.so"
    unmapped.write_bytes(_without_section_headers_nor_mapped_strings(small_library))
    assert dynamic_links(unmapped) is None
    base = write_tree(tmp_path / "condor", dict.fromkeys(REQUIRED_BINARIES, "#!/bin/sh\n"))
    (base / "lib" / "condor").mkdir(parents=True)
    shutil.copy(unmapped, base / "lib" / "condor" / "libodd.so")
    pack_condor_base_dir(base, tmp_path / "condor.tgz")
    assert "lib/condor/libodd.so" in _members(tmp_path / "condor.tgz")


@requires_oracle
def test_every_member_glideinwms_packs_we_pack_with_the_same_bytes(release, tmp_path):
    main = f"""<glidein factory_name="f" glidein_name="gfactory_instance">
 <entries><entry name="E1" gatekeeper="ce.example.org ce.example.org:9619" gridtype="condor"
   auth_method="grid_proxy" trust_domain="grid" enabled="True" verbosity="std" work_dir="."/></entries>
 <condor_tarballs><condor_tarball arch="default" os="default" version="default" base_dir="{release}"/></condor_tarballs>
 <files/>
</glidein>"""
    config = write_tree(tmp_path / "cfg", {"glideinWMS.xml": main}) / "glideinWMS.xml"
    theirs = publish_factory(config, config.parent, tmp_path / "gwms")
    assert theirs.answer.accepted, theirs.answer.output[-2000:]
    (their_tarball,) = theirs.stage.glob("condor_bin_0.*.tgz")
    ours = tmp_path / "ours.tgz"
    pack_condor_base_dir(release, ours)
    their_members, our_members = _members(their_tarball, once=False), _members(ours)
    assert "lib/libcondor_utils.so.24.0" in their_members  # found by GlideinWMS's ldd
    leaving = {"lib/condor/libsystem.so": "-> /etc/hostname", "lib/condor/loop.so": "-> loop.so"}
    assert leaving.items() <= their_members.items()  # links to nothing the glidein gets
    assert not leaving.keys() & our_members.keys()
    their_members = {name: kind for name, kind in their_members.items() if name not in leaving}
    assert their_members.items() <= our_members.items()
    with tarfile.open(their_tarball) as their_tar, tarfile.open(ours) as our_tar:
        for name, kind in their_members.items():
            if kind == "file":
                assert their_tar.extractfile(name).read() == our_tar.extractfile(name).read()


@pytest.fixture(scope="module")
def small_library(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real shared library's bytes, to damage."""
    out = tmp_path_factory.mktemp("elf") / "libport.so"
    _gcc(out, _PORT, "-shared", "-fPIC", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/x")
    return out.read_bytes()


def test_a_file_is_read_no_further_than_its_budget(tmp_path, small_library, monkeypatch):
    big = tmp_path / "big"
    big.write_bytes(b"\x01" * (elf_links._READ_BUDGET + 10))
    with big.open("rb") as raw:
        budgeted = elf_links._ReadBudget(raw)
        assert len(budgeted.read(elf_links._READ_BUDGET)) == elf_links._READ_BUDGET
        with pytest.raises(OSError, match="read budget"):
            budgeted.read(11)
    endless = bytearray(small_library)  # its dynamic entries run on for 4 MiB, with no end
    program_headers, count = struct.unpack_from("<Q", endless, 0x20)[0], endless[0x38]
    for number in range(count):
        header = program_headers + 56 * number
        if struct.unpack_from("<I", endless, header)[0] == 2:  # PT_DYNAMIC
            struct.pack_into("<QQ", endless, header + 8, len(small_library), 0)
            struct.pack_into("<Q", endless, header + 32, 4 << 20)
    (tmp_path / "endless.so").write_bytes(bytes(endless) + b"\x01" * (4 << 20))
    read: list[int] = []

    class Counted(elf_links._ReadBudget):
        def readinto(self, buffer: bytearray) -> int:
            count = super().readinto(buffer)
            read.append(count)
            return count

    monkeypatch.setattr(elf_links, "_ReadBudget", Counted)
    assert dynamic_links(tmp_path / "endless.so") is None
    assert 0 < sum(read) <= elf_links._READ_BUDGET


def test_a_damaged_library_answers_or_gives_nothing_never_raises(tmp_path, small_library):
    chance = random.Random(20)  # noqa: S311 - reproducible damage, not secrets
    path = tmp_path / "damaged.so"
    answered = 0
    for _ in range(5000):
        damaged = bytearray(small_library[: chance.randrange(4, len(small_library) + 1)])
        for _ in range(chance.randint(1, 6)):
            damaged[chance.randrange(min(len(damaged), 16384))] = chance.randrange(256)
        path.write_bytes(bytes(damaged))
        found = dynamic_links(path)
        answered += found is not None
        assert found is None or all(isinstance(name, str) for name in found.search_path)
    assert 0 < answered < 5000
