"""The block-parallel gzip writer behind every packed tarball."""

from __future__ import annotations

import gzip
import io
import random
import shutil
import struct
import subprocess
import tarfile
import threading
import zlib

import pytest
from zlib_ng import gzip_ng

from glideinforge.creation.lib import parallel_gzip
from glideinforge.creation.lib.condor_tarball import REQUIRED_BINARIES, pack_condor_base_dir
from glideinforge.creation.lib.parallel_gzip import ParallelGzipWriter

HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def _text(size: int, seed: int = 7) -> bytes:
    """Return ``size`` bytes that compress about as well as binaries do (3:1)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    words = [bytes(rng.choices(range(97, 123), k=rng.randint(2, 9))) for _ in range(400)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words) + b" %d\n" % rng.randint(0, 99999)
    return bytes(out[:size])


def _gzip(data: bytes, writes: list[int], block_size: int) -> bytes:
    """Gzip ``data`` written in pieces of the ``writes`` sizes (cycled)."""
    raw = io.BytesIO()
    with ParallelGzipWriter(raw, 6, block_size) as stream:
        position = 0
        index = 0
        while position < len(data):
            size = writes[index % len(writes)]
            assert stream.write(data[position : position + size]) == len(
                data[position : position + size]
            )
            position += size
            index += 1
        assert stream.tell() == len(data)
    return raw.getvalue()


def test_many_blocks_make_one_gzip_member_with_gzips_header_and_trailer():
    data = _text(300_000)
    packed = _gzip(data, [16384], 32768)
    assert packed[:10] == HEADER
    assert packed[-8:] == struct.pack("<II", zlib.crc32(data), len(data))
    assert gzip.decompress(packed) == data
    # One deflate stream: a raw inflater reads it to its end, with nothing left over.
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    assert inflater.decompress(packed[10:-8]) == data
    assert inflater.eof and inflater.unused_data == b""


def test_the_bytes_depend_on_the_data_only_not_on_the_writes_or_the_threads(monkeypatch):
    data = _text(200_000, seed=3)
    reference = _gzip(data, [200_000], 16384)
    assert _gzip(data, [1, 7, 4099, 65536, 3], 16384) == reference
    for cores in (1, 3, 8):
        monkeypatch.setattr(parallel_gzip.os, "cpu_count", lambda cores=cores: cores)
        assert _gzip(data, [10_000], 16384) == reference
    # A stream of exactly whole blocks ends the same way as any other.
    whole = data[: 16384 * 4]
    assert gzip.decompress(_gzip(whole, [16384], 16384)) == whole


def test_priming_each_block_keeps_zlibs_ratio():
    data = _text(1 << 20)
    single = len(gzip.compress(data, 6, mtime=0))  # Python's zlib, GlideinWMS's
    # 64 KiB blocks, each primed with the 32 KiB before it: within 0.5 % of one stream.
    assert len(_gzip(data, [16384], 1 << 16)) <= single * 1.005


def test_one_block_is_deflated_in_the_callers_thread_exactly_as_zlib_ngs_gzip_does():
    data = _text(50_000)
    before = threading.active_count()
    packed = _gzip(data, [999], 1 << 20)
    assert threading.active_count() == before
    assert packed[:10] == HEADER  # gzip.compress names the OS; GzipFile and this do not
    assert packed[10:] == gzip_ng.compress(data, 6, mtime=0)[10:]


def test_an_exception_inside_ends_nothing_and_stops_the_threads():
    raw = io.BytesIO()
    before = threading.active_count()

    def fail_inside() -> None:
        with ParallelGzipWriter(raw, 6, 4096) as stream:
            stream.write(_text(100_000))
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        fail_inside()
    assert threading.active_count() == before
    written = raw.getvalue()
    assert written.startswith(HEADER)
    assert struct.pack("<II", zlib.crc32(_text(100_000)), 100_000) not in written
    with pytest.raises(EOFError):
        gzip.decompress(written)


def test_a_release_of_many_blocks_unpacks_with_gnu_tar_and_gzip(tmp_path):
    base = tmp_path / "condor"
    (base / "sbin").mkdir(parents=True)
    (base / "lib" / "condor").mkdir(parents=True)
    library = _text(3 * (1 << 20) + 12345, seed=11)
    (base / "lib" / "condor" / "libcondor_utils.so").write_bytes(library)
    for name in REQUIRED_BINARIES:
        (base / name).write_bytes(b"#!/bin/sh\n")
    target = tmp_path / "condor.tgz"
    pack_condor_base_dir(base, target)
    again = tmp_path / "again.tgz"
    pack_condor_base_dir(base, again)
    assert target.read_bytes() == again.read_bytes()
    with tarfile.open(target) as tar:
        assert tar.extractfile("lib/condor/libcondor_utils.so").read() == library
    gnu_gzip, gnu_tar = shutil.which("gzip"), shutil.which("tar")
    assert gnu_gzip is not None and gnu_tar is not None
    subprocess.run([gnu_gzip, "-t", str(target)], check=True)
    out = tmp_path / "out"
    out.mkdir()
    subprocess.run([gnu_tar, "-xzf", str(target), "-C", str(out)], check=True)
    assert (out / "lib" / "condor" / "libcondor_utils.so").read_bytes() == library
