"""A run's digest cache: each file is stamped and read once a run."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from glideinforge.creation.lib.staged import DigestCache


def test_a_file_staged_by_every_entry_is_stamped_once_a_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "cat_consts.sh"
    shared.write_bytes(b"#!/bin/sh\n")
    stats: list[str] = []
    original = Path.stat

    def counting(path: Path, **options: bool) -> object:
        stats.append(path.name)
        return original(path, **options)

    monkeypatch.setattr(Path, "stat", counting)
    run = DigestCache()
    first = run.stamped(shared)
    assert all(run.stamped(shared) == first for _ in range(1000))
    assert stats == ["cat_consts.sh"]
    assert first[1].sha1 == hashlib.sha1(b"#!/bin/sh\n").hexdigest()  # noqa: S324
    assert first[0] == (10, shared.stat().st_mtime_ns, shared.stat().st_ino)


def test_a_file_changed_during_a_run_counts_as_changed_next_run(tmp_path: Path) -> None:
    source = tmp_path / "check.sh"
    source.write_bytes(b"one\n")
    run = DigestCache()
    stamp, digests = run.stamped(source)
    source.write_bytes(b"two, longer\n")
    assert run.stamped(source) == (stamp, digests)  # what the run saw first
    next_run = DigestCache()
    next_run.remember(str(source), stamp, digests)  # the record of this run
    assert next_run.digests(source).sha1 == hashlib.sha1(b"two, longer\n").hexdigest()  # noqa: S324
