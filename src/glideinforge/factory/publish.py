"""Publish a compiled factory: stage first, then the work dir, summary last."""

from __future__ import annotations

from collections.abc import Callable

from glideinforge.creation.lib.atomic_files import make_directory
from glideinforge.creation.lib.forked_check import ForkedJob
from glideinforge.creation.lib.publish import publish_state
from glideinforge.creation.lib.publish_stats import PublishStats

from .compile import CompiledFactory
from .model import Factory
from .rsa_key import ensure_rsa_key

__all__ = ["publish_factory", "runtime_directories"]


def runtime_directories(factory: Factory) -> list[str]:
    """Return the lock, log and client directories the factory daemons write into."""
    work = factory.submit.base_dir
    log = factory.submit.base_log_dir
    names = [f"entry_{entry.name}" for entry in factory.entries]
    directories = [f"{work}/lock"]
    for name in names:
        directories += [f"{work}/{name}/lock", f"{log}/{name}"]
    for frontend in factory.security.frontends:
        for klass in frontend.security_classes:
            for base in (
                factory.submit.base_client_log_dir,
                factory.submit.base_client_proxies_dir,
            ):
                user_dir = f"{base}/user_{klass.username}/glidein_{factory.glidein_name}"
                directories += [f"{user_dir}/{name}" for name in names]
    return directories


def publish_factory(
    compiled: CompiledFactory,
    on_directory: Callable[[], None] | None = None,
    before_summary: Callable[[PublishStats], None] | None = None,
    *,
    repair: bool = False,
    rsa_key: ForkedJob | None = None,
) -> PublishStats:
    """Write every planned file; ``signatures.sha1`` is replaced last, atomically.

    ``on_directory`` is called after each stage directory (for progress bars);
    ``before_summary`` after everything else is on disk, just before the
    summary is replaced (to record the state); ``repair`` replaces content-named
    files whose bytes are wrong. The factory's ``rsa.key`` is
    made first if it is missing, so no summary ever names a work dir without it
    (``rsa_key``: its making, when the caller started it, ``start_rsa_key``).
    """
    factory = compiled.factory
    make_directory(factory.submit.base_dir)
    ensure_rsa_key(factory.submit.base_dir, factory.security.key_length, rsa_key)
    return publish_state(
        stage_root=factory.stage.base_dir,
        stage_directories=[directory.files for directory in compiled.stage],
        work_root=factory.submit.base_dir,
        work_files=compiled.work_files,
        summary=compiled.summary,
        runtime_directories=runtime_directories(factory),
        output_roots=(
            factory.submit.base_log_dir,
            factory.submit.base_client_log_dir,
            factory.submit.base_client_proxies_dir,
        ),
        on_directory=on_directory,
        before_summary=before_summary,
        repair=repair,
    )
