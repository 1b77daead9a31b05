"""verify_stage on small hand-made stages: the fast paths must fail exactly like the slow ones."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from glideinforge.creation.lib import states
from glideinforge.creation.lib.verify import verify_stage


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # noqa: S324 - the GlideinWMS signature format


def _write_directory(directory: Path, files: dict[str, bytes], extra_signature: str = "") -> str:
    """Stage ``files`` with a list, signature and description; return the summary line's digest."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if not (directory / name).exists():
            (directory / name).write_bytes(data)
    rows = "".join(
        f"{name.split('.')[0]}.x \t{name} \tregular \t0 \tGLIDEIN_PS_ \tTRUE \tFALSE\n"
        for name in files
    )
    file_list = f"# File: file_list.lst\n#\n{rows}".encode()
    (directory / "file_list.lst").write_bytes(file_list)
    description = (
        b"# File: description.cfg\n#\nsignature \tsignature.sha1\nfile_list \tfile_list.lst\n"
    )
    (directory / "description.cfg").write_bytes(description)
    signed = {name: (directory / name).read_bytes() for name in files}
    signed["file_list.lst"] = file_list
    signed["description.cfg"] = description
    lines = "".join(f"{_sha1(data)}  {name}\n" for name, data in signed.items())
    signature = f"# File: signature.sha1\n#\n{lines}{extra_signature}".encode()
    (directory / "signature.sha1").write_bytes(signature)
    return _sha1(signature)


def _stage(tmp_path: Path, entry_files: dict[str, bytes], extra_signature: str = "") -> Path:
    stage = tmp_path / "stage"
    main = _write_directory(stage, {"shared.1.sh": b"echo shared\n", "main.1.cfg": b"A 1\n"})
    entry = _write_directory(stage / "entry_one", entry_files, extra_signature)
    summary = tmp_path / "signatures.sha1"
    summary.write_text(f"{main}  description.cfg  main\n{entry}  description.cfg  entry_one\n")
    return summary


def _problems(tmp_path: Path, summary: Path) -> list[str]:
    return [str(problem) for problem in verify_stage(tmp_path / "stage", summary).problems]


def test_a_hard_linked_file_verifies_and_is_hashed_once(tmp_path):
    stage = tmp_path / "stage"
    (stage / "entry_one").mkdir(parents=True)
    (stage / "shared.1.sh").write_bytes(b"echo shared\n")
    os.link(stage / "shared.1.sh", stage / "entry_one" / "shared.1.sh")
    summary = _stage(tmp_path, {"shared.1.sh": b"echo shared\n", "own.1.cfg": b"B 2\n"})
    report = verify_stage(tmp_path / "stage", summary)
    assert report.problems == []
    # main: 2 files + list + description + signature; entry: own + 3 (shared is a link)
    assert report.files_checked == 5 + 4 + 1  # + the summary


def test_a_same_named_file_that_is_not_a_link_is_read_and_checked(tmp_path):
    """A name already hashed elsewhere proves nothing: another inode is read."""
    summary = _stage(tmp_path, {"shared.1.sh": b"echo shared\n"})
    victim = tmp_path / "stage" / "entry_one" / "shared.1.sh"
    victim.write_bytes(b"echo evil!\n")
    expected, actual = _sha1(b"echo shared\n"), _sha1(b"echo evil!\n")
    assert _problems(tmp_path, summary) == [
        f"{victim}: SHA-1 does not match the signature (expected {expected}, actual {actual})"
    ]


def test_a_malformed_signature_line_is_reported_and_the_rest_still_checked(tmp_path):
    summary = _stage(tmp_path, {"own.1.cfg": b"B 2\n"}, extra_signature="not a signature line\n")
    signature = tmp_path / "stage" / "entry_one" / "signature.sha1"
    assert _problems(tmp_path, summary) == [
        f"{signature}: malformed signature line: 'not a signature line'"
    ]


def test_an_unsafe_name_in_a_signature_file_is_refused(tmp_path):
    line = f"{_sha1(b'x')}  ../../etc/passwd\n"
    summary = _stage(tmp_path, {"own.1.cfg": b"B 2\n"}, extra_signature=line)
    signature = tmp_path / "stage" / "entry_one" / "signature.sha1"
    assert _problems(tmp_path, summary) == [
        f'{signature}: unsafe file name "../../etc/passwd": '
        'names may not contain "/", ".." or blanks',
        f"{signature}: malformed signature line: {line.strip()!r}",
    ]


def test_a_file_larger_than_one_read_streams_and_one_flipped_byte_fails(tmp_path):
    big = bytes(range(256)) * 8192 + b"tail"  # 2 MiB and a bit: more than one chunk
    summary = _stage(tmp_path, {"condor.1.tgz": big})
    report = verify_stage(tmp_path / "stage", summary)
    assert report.problems == []
    assert report.bytes_checked > len(big)
    victim = tmp_path / "stage" / "entry_one" / "condor.1.tgz"
    victim.write_bytes(big[:-1] + b"L")
    assert _problems(tmp_path, summary) == [
        f"{victim}: SHA-1 does not match the signature "
        f"(expected {_sha1(big)}, actual {_sha1(big[:-1] + b'L')})"
    ]


def test_digests_in_upper_case_verify_as_sha1sum_reads_them(tmp_path):
    stage = tmp_path / "stage"
    digest = _write_directory(stage, {"a.txt": b"alpha\n", "b.txt": b"beta\n"})
    signature = stage / "signature.sha1"
    lines = signature.read_text().splitlines(keepends=True)
    upper = "".join(
        line if line.startswith("#") else line[:40].upper() + line[40:] for line in lines
    )
    signature.write_text(upper)
    summary = tmp_path / "signatures.sha1"
    summary.write_text(f"{_sha1(upper.encode()).upper()}  description.cfg  main\n")
    assert verify_stage(stage, summary).problems == []
    assert digest != _sha1(upper.encode())  # the upper-case file is the one checked
    (stage / "b.txt").write_bytes(b"Beta\n")
    problems = verify_stage(stage, summary).problems
    assert [(Path(item.file).name, item.message) for item in problems] == [
        ("b.txt", "SHA-1 does not match the signature")
    ]


@pytest.mark.parametrize("size", [0, 1, 4095, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20])
def test_a_work_file_is_hashed_whole_whatever_its_size(tmp_path, size):
    path = tmp_path / "job.descript"
    content = bytes(range(256)) * (size // 256) + bytes(range(size % 256))
    path.write_bytes(content)
    expected = hashlib.sha1(content).hexdigest()  # noqa: S324 - the records' content key
    assert states._work_file_sha1(str(path)) == (expected, size)
