"""Handlers of the gfactory commands (the parser lives in ``gfactory``)."""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any, TextIO

from lxml import etree

from glideinforge.creation.lib.condor_vars import ENTRY_VARS
from glideinforge.creation.lib.diagnostics import ConfigError, Diagnostic, Severity
from glideinforge.creation.lib.fingerprint import (
    Fingerprint,
    read_fingerprint,
    recorded_digests,
    reusable_tarballs,
)
from glideinforge.creation.lib.history import StateRecord
from glideinforge.creation.lib.lock import WorkDirLock, work_dir_lock
from glideinforge.creation.lib.plan import pending_changes
from glideinforge.creation.lib.publish_stats import PublishStats
from glideinforge.creation.lib.staged import DigestCache
from glideinforge.creation.lib.xml_tree import ParsedHook
from glideinforge.factory.compile import CompiledFactory, compile_factory, reroot
from glideinforge.factory.entry_keys import FileFacts, file_facts
from glideinforge.factory.entry_rows import entry_rows, main_stage_bytes
from glideinforge.factory.fingerprint_record import record as record_fingerprint
from glideinforge.factory.incremental import entries_record, keep_fast_paths
from glideinforge.factory.lifecycle import (
    guard_errors,
    live_changes,
    read_live,
)
from glideinforge.factory.load import check_factory, load_factory
from glideinforge.factory.model import Factory
from glideinforge.factory.no_op import ConfigSnapshot
from glideinforge.factory.release_packer import ReleasePacker
from glideinforge.factory.routing import destinations
from glideinforge.factory.rsa_key import start_rsa_key
from glideinforge.factory.workdir_state import previous_schedds

from .cli_common import output_root
from .command_loading import loaded_for_command
from .exit_codes import EXIT_INVALID, EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from .inspect_command import FactoryView
from .names import entry_known
from .publish_flow import Plan, publish_plan
from .report import (
    print_changes,
    print_diagnostics,
    print_json,
    print_line,
)
from .tables import TextTable, print_table, staged_files_table

__all__ = [
    "EXIT_INVALID",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_USAGE",
    "compiled_view",
    "full_reconfig",
    "inspect_entry",
    "unlocked",
]


def validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Check a factory configuration and report every problem."""
    result = check_factory(args.config, strict=args.strict)
    entries = result.entry_count
    if args.json:
        print_json(
            {
                "valid": result.valid,
                "errors": [item.to_json() for item in result.errors],
                "warnings": [item.to_json() for item in result.warnings],
                "notes": [item.to_json() for item in result.notes],
                "entries": entries,
            },
            stdout,
        )
    else:
        print_diagnostics(result.diagnostics, stderr, verbose=args.verbose)
        counts = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)"
        if result.valid:
            print_line(
                f"{args.config}: valid: {entries} entries, "
                f"{len(result.files.all())} file(s), {counts}",
                stdout,
                "green",
            )
        else:
            print_line(f"{args.config}: invalid: {counts}", stderr, "bold red")
    return EXIT_OK if result.valid else EXIT_INVALID


def load_for_command(args: argparse.Namespace, stderr: TextIO) -> Factory | None:
    """Load CONFIG (re-rooted under ``--root``), printing every error; None when invalid."""
    return load_reporting(args, stderr, report_warnings=False)[0]


def load_reporting(
    args: argparse.Namespace,
    stderr: TextIO,
    *,
    report_warnings: bool = True,
    on_parsed: ParsedHook | None = None,
) -> tuple[Factory | None, tuple[Diagnostic, ...]]:
    """Load CONFIG as ``validate`` reports it (``--strict``, ``--verbose``); also its warnings.

    ``on_parsed`` is told each file that parses (see ``load_factory``).
    """
    result = load_factory(
        args.config,
        strict=getattr(args, "strict", False),
        root=output_root(args),
        on_parsed=on_parsed,
    )
    factory = loaded_for_command(
        args, stderr, (result.factory, result.diagnostics), reroot, report_warnings=report_warnings
    )
    return factory, tuple(
        item for item in result.diagnostics if item.severity is not Severity.ERROR
    )


def run_packer(
    scratch: Path, work: Path, recorded: tuple[Fingerprint | None, DigestCache] | None = None
) -> ReleasePacker:
    """Return the run's packer: it reuses the packs ``work``'s fingerprint records.

    ``recorded``: that fingerprint and the run's digests, when the caller read it.
    """
    if recorded is None:
        read = read_fingerprint(work)
        recorded = (read, recorded_digests(read))
    return ReleasePacker(scratch, reusable_tarballs(recorded[0]), recorded[1])


def compile_for_command(
    factory: Factory,
    scratch: Path,
    stderr: TextIO,
    schedds: dict[str, str] | None = None,
    *,
    packer: ReleasePacker | None = None,
) -> CompiledFactory | None:
    """Compile ``factory`` (keeping the live schedds), printing every problem; None on failure.

    HTCondor release trees packed before, and published as they were, are not packed again.
    ``packer``: the run's (``run_packer``), when the caller started packing already.
    """
    work = factory.submit.base_dir
    if schedds is None:
        schedds = previous_schedds(work)
    try:
        with nullcontext(packer) if packer is not None else run_packer(scratch, work) as used:
            return compile_factory(factory, scratch, schedds, packer=used)
    except ConfigError as error:
        print_diagnostics(error.diagnostics, stderr)
        return None


def _load_and_compile(
    args: argparse.Namespace, scratch: Path, stderr: TextIO
) -> CompiledFactory | None:
    """Load and compile the configuration, printing every problem; None on failure."""
    factory = load_for_command(args, stderr)
    return None if factory is None else compile_for_command(factory, scratch, stderr)


_Streams = tuple[TextIO, TextIO]
"""stdout and stderr."""


def _dry_run(
    factory: Factory,
    scratch: Path,
    args: argparse.Namespace,
    streams: _Streams,
    *,
    upgrade: bool,
    warnings: tuple[Diagnostic, ...],
) -> int:
    """Show what reconfig would change (entries, attrs, submit lines, files); write nothing."""
    stdout, stderr = streams
    compiled = compile_for_command(factory, scratch, stderr)
    if compiled is None:
        return EXIT_INVALID
    live = read_live(factory.submit.base_dir)
    errors = guard_errors(
        compiled,
        live,
        force_delete=args.force_delete,
        force_rename=args.force_rename,
        upgrade=upgrade,
    )
    changes = live_changes(compiled, live)
    files = pending_changes(compiled)
    if args.json:
        print_json(
            {
                "dry_run": True,
                "errors": errors,
                "warnings": changes.warnings(),
                "config_warnings": [item.to_json() for item in warnings],
                "changes": changes.to_json(),
                "files": [{"action": action, "path": path} for action, path in files],
            },
            stdout,
        )
    else:
        print_changes(changes, stdout)
        stdout.writelines(f"{action} {path}\n" for action, path in files)
        for message in changes.warnings():
            print_line(f"gfactory: warning: {message}", stderr, "yellow")
        for message in errors:
            print_line(f"gfactory: {message}", stderr, "bold red")
        print_line(f"dry run: {len(files)} file(s) would change; nothing written", stdout)
    return EXIT_INVALID if errors else EXIT_OK


def unlocked(args: argparse.Namespace, streams: _Streams, *, upgrade: bool) -> int:
    """Run a dry run, or report a configuration that cannot be read: neither writes."""
    stderr = streams[1]
    factory, warnings = load_reporting(args, stderr)
    if factory is None:
        return EXIT_INVALID
    if not args.dry_run:  # the files changed since they were read: say so, write nothing
        stderr.write(f"gfactory: {args.config} changed while being read; run again\n")
        return EXIT_INVALID
    with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
        return _dry_run(factory, Path(scratch), args, streams, upgrade=upgrade, warnings=warnings)


def full_reconfig(
    args: argparse.Namespace,
    streams: _Streams,
    lock: WorkDirLock,
    snapshot: ConfigSnapshot,
    started: float,
    *,
    upgrade: bool,
    recorded: tuple[Fingerprint | None, DigestCache] | None = None,
) -> int:
    """Load and compile the whole factory, then publish it (``publish_flow``); the exit code.

    Runs with the lock held. ``snapshot`` holds the configuration's bytes as read
    before loading: the records describe exactly those. ``recorded``: the locked
    work dir's fingerprint and the run's digests, when the caller read it.
    """
    stderr = streams[1]
    keyed: list[FileFacts] = []  # each file keyed from the load's own parse
    with (
        tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch,
        # The releases start packing as soon as a file naming them parses; leaving
        # stops the packs this run no longer needs.
        run_packer(Path(scratch), lock.work_dir, recorded) as packer,
    ):

        def read_file(name: str, data: bytes, root: etree._Element) -> None:
            facts = file_facts(name, data, root)
            if facts is not None:
                keyed.append(facts)
            packer.start_parsed(name, data, root)

        factory, warnings = load_reporting(args, stderr, on_parsed=read_file)
        if factory is None:
            return EXIT_INVALID
        if factory.submit.base_dir == lock.work_dir:
            # A create's key is made in a child while the factory compiles.
            rsa_key = start_rsa_key(lock.work_dir, factory.security.key_length)
            with nullcontext() if rsa_key is None else rsa_key:
                compiled = compile_for_command(factory, Path(scratch), stderr, packer=packer)
                if compiled is None:
                    return EXIT_INVALID
                read = (snapshot, tuple(keyed))

                def record(stats: PublishStats, known: Sequence[StateRecord]) -> None:
                    _record(compiled, stats, read, args, warnings, known=known)

                plan = Plan(compiled, record, warnings, rsa_key=rsa_key)
                outcome = publish_plan(plan, lock, args, streams, started=started, upgrade=upgrade)
                return EXIT_INVALID if outcome is None else outcome
    # The work dir read from the files was not the one the model has: lock that one too.
    with work_dir_lock(factory.submit.base_dir, wait=args.wait) as actual:
        return full_reconfig(args, streams, actual, snapshot, started, upgrade=upgrade)


def _record(
    compiled: CompiledFactory,
    stats: PublishStats,
    read: tuple[ConfigSnapshot, tuple[FileFacts, ...]],
    args: argparse.Namespace,
    warnings: tuple[Diagnostic, ...],
    *,
    known: Sequence[StateRecord],
) -> None:
    """Record the fingerprint and the per-entry record of what was just published.

    ``read``: the configuration's bytes as read before loading, and its files as
    the load keyed them; ``known``: the states read before the publish.
    """
    root = output_root(args)
    snapshot, keyed = read
    fingerprint = record_fingerprint(
        compiled, stats, snapshot, args.config, root, warnings=warnings
    )
    entries = (
        None
        if fingerprint is None
        else entries_record(compiled, args.config, snapshot, root, keyed)
    )
    keep_fast_paths(compiled.work_root, fingerprint, entries, known)


def _attr_rows(compiled: CompiledFactory, name: str) -> list[dict[str, Any]]:
    entry = compiled.factory.entry(name)
    rows = []
    for attr in entry.attrs:
        where = destinations(attr, ENTRY_VARS)
        lands = [
            label
            for label, flag in (
                ("constant", where.constant),
                ("attribute", where.attribute),
                ("parameter", where.parameter),
                ("condor_vars", where.condor_var is not None),
            )
            if flag
        ]
        rows.append(
            {
                "name": attr.name,
                "value": attr.value,
                "type": attr.type.value,
                "flags": {
                    "publish": attr.publish,
                    "const": attr.const,
                    "parameter": attr.parameter,
                    "glidein_publish": attr.glidein_publish,
                    "job_publish": attr.job_publish,
                },
                "lands_in": lands,
                "published_to_startd": where.published_to_startd,
                "job_environment": where.job_environment,
            }
        )
    return rows


def inspect_entry(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Show one entry's attrs and staged files."""
    with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
        compiled = _load_and_compile(args, Path(scratch), stderr)
    if compiled is None:
        return EXIT_INVALID
    names = [entry.name for entry in compiled.factory.entries]
    if not entry_known(args.entry, names, args.config, stderr):
        return EXIT_USAGE
    _show_entry(compiled, args.entry, args.json, stdout)
    return EXIT_OK


def compiled_view(args: argparse.Namespace, stderr: TextIO) -> FactoryView | None:
    """Compile CONFIG and return what ``inspect`` shows of it (None: invalid)."""
    with tempfile.TemporaryDirectory(prefix="glideinforge-") as scratch:
        compiled = _load_and_compile(args, Path(scratch), stderr)
    if compiled is None:
        return None
    factory = compiled.factory
    rows = entry_rows(compiled)
    live = read_live(factory.submit.base_dir)
    return FactoryView(
        name=f"{factory.factory_name}/{factory.glidein_name}",
        rows=rows,
        stage_bytes=(main_stage_bytes(compiled) or 0) + sum(row.staged_bytes for row in rows),
        files=sum(len(directory.files) for directory in compiled.stage)
        + len(compiled.work_files)
        + 1,
        work=factory.submit.base_dir,
        published=live.current is not None and live.current.summary_sha1 == compiled.summary.sha1,
    )


def _show_entry(compiled: CompiledFactory, name: str, as_json: bool, stdout: TextIO) -> None:
    attrs = _attr_rows(compiled, name)
    directory = compiled.stage_directory(f"entry_{name}")
    staged = [
        {"path": file.relpath, "sha1": file.sha1, "bytes": file.size} for file in directory.files
    ]
    if as_json:
        print_json({"entry": name, "attrs": attrs, "staged_files": staged}, stdout)
        return
    attr_rows = [
        [
            row["name"],
            row["value"],
            row["type"],
            " ".join(flag for flag, value in row["flags"].items() if value),
            ", ".join(row["lands_in"]),
            "yes" if row["published_to_startd"] else "no",
            row["job_environment"] or "-",
        ]
        for row in attrs
    ]
    columns = ("attr", "value", "type", "flags", "lands in", "startd", "job env")
    print_table(TextTable(f"entry {name}: attrs", columns, attr_rows), stdout)
    print_table(staged_files_table(f"entry {name}: staged files", staged), stdout)
