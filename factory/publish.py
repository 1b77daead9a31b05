"""Publish a compiled factory: stage first, then the work dir, summary last."""

from __future__ import annotations

import os
from collections.abc import Callable

from glideinforge.creation.lib.publish import PublishStats, publish_files, write_atomically

from .compile import CompiledFactory
from .model import Factory

__all__ = ["publish_factory"]


def _make_runtime_directories(factory: Factory) -> None:
    """Create the lock, log and client directories the factory daemons write into."""
    work = factory.submit.base_dir
    for entry in factory.entries:
        for directory in (
            work / f"entry_{entry.name}" / "lock",
            factory.submit.base_log_dir / f"entry_{entry.name}",
        ):
            directory.mkdir(parents=True, exist_ok=True)
    (work / "lock").mkdir(exist_ok=True)
    for frontend in factory.security.frontends:
        for klass in frontend.security_classes:
            for base in (
                factory.submit.base_client_log_dir,
                factory.submit.base_client_proxies_dir,
            ):
                user_dir = base / f"user_{klass.username}" / f"glidein_{factory.glidein_name}"
                for entry in factory.entries:
                    (user_dir / f"entry_{entry.name}").mkdir(parents=True, exist_ok=True)


def publish_factory(
    compiled: CompiledFactory,
    on_directory: Callable[[], None] | None = None,
    before_summary: Callable[[PublishStats], None] | None = None,
) -> PublishStats:
    """Write every planned file; ``signatures.sha1`` is replaced last, atomically.

    ``on_directory`` is called after each stage directory (for progress bars);
    ``before_summary`` after everything else is on disk, just before the
    summary is replaced (to record the state).
    """
    factory = compiled.factory
    stats = PublishStats()
    for directory in compiled.stage:
        publish_files(factory.stage.base_dir, directory.files, stats)
        if on_directory is not None:
            on_directory()
    work = factory.submit.base_dir
    publish_files(work, compiled.work_files, stats)
    _make_runtime_directories(factory)
    summary = work / compiled.summary.relpath
    assert compiled.summary.content is not None
    summary_changed = not (summary.exists() and summary.read_bytes() == compiled.summary.content)
    if stats.written or stats.linked or summary_changed:
        # One sync: everything the record and the new summary name is on disk first.
        os.sync()
    if before_summary is not None:
        before_summary(stats)  # writes the state record durably itself
    if summary_changed:
        write_atomically(summary, compiled.summary.content, durable=True)
        stats.written += 1
        stats.bytes_written += compiled.summary.size
        stats.paths.append(str(summary))
    else:
        stats.unchanged += 1
    return stats
