"""Targeted durability: the files a run wrote, then the directories naming them."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from glideinforge.creation.lib import durability


def _recording(monkeypatch) -> list[str]:
    synced: list[str] = []
    real = os.fsync

    def fsync(handle: int) -> None:
        synced.append(str(Path(f"/proc/self/fd/{handle}").readlink()))
        real(handle)

    monkeypatch.setattr(durability.os, "fsync", fsync)
    return synced


def test_files_then_every_directory_naming_them_up_to_the_roots_parent(tmp_path, monkeypatch):
    root = tmp_path / "work"
    deep = root / "a" / "b"
    deep.mkdir(parents=True)
    (root / "c").mkdir()
    files = [deep / "one", root / "c" / "two", root / "three"]
    for file in files:
        file.write_text("x")
    synced = _recording(monkeypatch)
    count = durability.sync_written([*map(str, files), files[0]], [root])
    directories = {deep, deep.parent, root / "c", root, tmp_path}
    assert count == len(files) + len(directories)
    assert set(synced[: len(files)]) == set(map(str, files))  # the data first
    assert set(synced[len(files) :]) == set(map(str, directories))


def test_nothing_written_syncs_nothing_and_a_replaced_file_is_skipped(tmp_path, monkeypatch):
    synced = _recording(monkeypatch)
    assert durability.sync_written([], [tmp_path]) == 0
    gone = tmp_path / "gone"
    durability.sync_written([gone], [tmp_path])
    assert sorted(synced) == sorted([str(tmp_path), str(tmp_path.parent)])


def test_many_files_sync_their_file_system_once_instead(tmp_path, monkeypatch):
    files = []
    for index in range(5):
        (tmp_path / f"d{index}").mkdir()
        files.append(tmp_path / f"d{index}" / "file")
        files[-1].write_text("x")
    synced = _recording(monkeypatch)
    file_systems: list[str] = []

    def syncfs(handle: int) -> int:
        file_systems.append(str(Path(f"/proc/self/fd/{handle}").readlink()))
        return 0

    monkeypatch.setattr(durability, "FSYNC_LIMIT", 4)
    monkeypatch.setattr(durability, "_libc_syncfs", lambda: syncfs)
    assert durability.sync_written(files, [tmp_path]) == 1
    assert synced == []  # not one fsync per file
    assert len(file_systems) == 1 and Path(file_systems[0]).is_relative_to(tmp_path.parent)
    monkeypatch.setattr(durability, "_libc_syncfs", lambda: lambda _handle: -1)
    with pytest.raises(OSError, match=re.escape(str(tmp_path.parent))):  # names where
        durability.sync_written(files, [tmp_path])


@pytest.mark.parametrize("count", [8, 20])  # one after the other, and in threads
def test_an_fsync_error_is_raised_after_every_worker_stopped(tmp_path, monkeypatch, count):
    files = [tmp_path / f"file{index}" for index in range(count)]
    for file in files:
        file.write_text("x")
    real = os.fsync

    def fsync(handle: int) -> None:
        if Path(f"/proc/self/fd/{handle}").readlink().name == "file7":
            raise OSError(5, "Input/output error")
        real(handle)

    monkeypatch.setattr(durability.os, "fsync", fsync)
    with pytest.raises(OSError, match="Input/output error"):
        durability.sync_written(files, [tmp_path])
    assert threading.active_count() == 1  # a forked child may follow
