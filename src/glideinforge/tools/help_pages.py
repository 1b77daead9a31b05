"""Each command's ``--help`` page: what it does, an example, and its exit codes."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from glideinforge.frozen import frozen

__all__ = ["HELP_PAGES", "HelpPage", "document_commands"]


@frozen
class HelpPage:
    """The prose around one command's options."""

    description: str
    examples: tuple[str, ...]
    """Command lines, ``{tool}`` standing for gfactory or gfrontend."""
    failure: str | None
    """What exit code 1 means for this command (None: it does not end with 1)."""
    locks: bool = False
    """True for the commands that take the work dir's lock (exit 3)."""


HELP_PAGES: Mapping[str, HelpPage] = {
    "validate": HelpPage(
        "Check the configuration (the main file and its config.d drop-ins) and report every "
        "problem at once, each as file:line:column: path: message. Nothing is written.",
        ("{tool} validate {config}", "{tool} validate {config} --strict --json"),
        "the configuration is invalid (with --strict: or has warnings)",
    ),
    "reconfig": HelpPage(
        "Compile the configuration into the staging area and the work dir, atomically and "
        "under the work dir's lock, then say what changed, where, and what to do next. An "
        "unchanged configuration writes nothing; a few edited entries are compiled alone.",
        ("{tool} reconfig {config}", "{tool} reconfig {config} --dry-run"),
        "the configuration is invalid, a guard refused the change, or publishing failed",
        locks=True,
    ),
    "upgrade": HelpPage(
        "A reconfig that also moves the published state to this glideinforge's scripts and "
        "version (reconfig refuses a state another version published).",
        ("{tool} upgrade {config}",),
        "the configuration is invalid, a guard refused the change, or publishing failed",
        locks=True,
    ),
    "verify": HelpPage(
        "Check every published file against the signature chain that starts at the "
        "signatures.sha1 summary, as a glidein does, failing closed.",
        ("{tool} verify {config}", "{tool} verify --stage DIR --signatures FILE"),
        "a file is missing or does not match its signature, or nothing is published yet",
    ),
    "inspect": HelpPage(
        "Show what the configuration publishes: every level with its settings, or one in "
        "detail with its attrs (where each lands) and its staged files.",
        ("{tool} inspect {config}", "{tool} inspect {config} NAME --json"),
        "the configuration is invalid",
    ),
    "gc": HelpPage(
        "Remove the staged files and state records that no kept state needs: the live state, "
        "the newest --keep-states and those of the last --keep-days are kept.",
        ("{tool} gc {config} --dry-run", "{tool} gc {config} --keep-days 3"),
        "nothing is published yet, or a file could not be removed",
        locks=True,
    ),
    "rollback": HelpPage(
        "Publish an earlier recorded state again (by default the one before the live one).",
        ("{tool} rollback {config} --list", "{tool} rollback {config} --to 20261205T1423"),
        "no such state, or its files are no longer kept",
        locks=True,
    ),
    "diff": HelpPage(
        "Show what changes between two configurations: levels, effective attrs, settings, "
        "submit files and published files. Like diff(1), it exits 1 when they differ.",
        ("{tool} diff {config} new/{config_name}",),
        "the configurations differ, or one is invalid",
    ),
    "explain": HelpPage(
        "Show the value a glidein of ENTRY gets for each attr, which level set it, which "
        "levels it beat, and where it lands (glidein_config, condor_config, startd ad, job "
        "environment).",
        (
            "gfactory explain {config} ENTRY",
            "gfactory explain {config} ENTRY GLIDEIN_Max_Walltime",
        ),
        "the configuration is invalid",
    ),
    "glidein-args": HelpPage(
        "Print the glidein_startup.sh argument list the factory submits for ENTRY (run "
        "reconfig first).",
        ("gfactory glidein-args {config} ENTRY", "gfactory glidein-args {config} ENTRY --json"),
        "the configuration is invalid, or nothing is published yet",
    ),
    "try-glidein": HelpPage(
        "Run ENTRY's glidein on this machine against the published stage (served on "
        "127.0.0.1), then show what it verified and the condor_config it built. Its scratch "
        "directory is removed afterwards unless --keep is given.",
        ("gfactory try-glidein {config} ENTRY", "gfactory try-glidein {config} ENTRY --keep"),
        "the glidein failed, the configuration is invalid, or nothing is published yet",
    ),
    "check-factory": HelpPage(
        "Check this frontend against a factory's configuration: security names and classes, "
        "the entries each group can use and the credentials they take.",
        ("gfrontend check-factory {config} /etc/gwms-factory/glideinWMS.xml",),
        "the two configurations are inconsistent (with --strict: or have warnings)",
    ),
    "report": HelpPage(
        "Write the configuration as one self-contained web page: a summary, the entries or "
        "groups (sort and filter them in the browser), each one's attrs with the level that "
        "set them and its staged files with their signature status (verified first), the "
        "recorded states and what changed between them, and plots. It needs no network; "
        "every publishing reconfig writes it into the monitor directory too.",
        ("{tool} report {config}", "{tool} report {config} --html /tmp/report.html"),
        "the configuration is invalid, or the page cannot be written",
    ),
    "demand": HelpPage(
        "Read idle jobs from condor_q output (-long or -json), group them by what they "
        "request (CPUs, memory, disk, GPUs, OS, with pyglidein's defaults), and match each "
        "group to the enabled entries with HTCondor's own matchmaking (classad2): the job's "
        "Requirements against the machine ad a glidein of the entry would advertise, and "
        "its START against the job. Shows per group the entries and the glideins needed.",
        (
            "gfactory demand {config} --jobs jobs.json   (jobs.json: condor_q -global -json)",
            "gfactory demand {config} --jobs jobs.long --constraint 'Owner == \"alice\"'",
        ),
        "the configuration is invalid",
    ),
    "serve": HelpPage(
        "Serve the factory's demand as pyglidein's server does: POST /jsonrpc answers "
        "get_state (the idle jobs grouped by request) and monitoring (a site client's "
        "report), with JSON-RPC errors for bad requests; GET /status.json, GET / (a page) "
        "and GET /report (the factory's report page). The jobs (a file, a schedd or a pool) "
        "are read again every --interval seconds; SIGTERM or SIGINT stop it cleanly.",
        ("gfactory serve {config} --jobs jobs.json --listen 0.0.0.0:8080 --interval 300",),
        "the configuration is invalid",
    ),
    "submit": HelpPage(
        "Submit N glideins of an enabled entry to a batch system: HTCondor (the local schedd, "
        "through htcondor2, the description checked with htcondor2.Submit), SLURM (sbatch), "
        "PBS (qsub), LSF (bsub) or UGE (qsub). Each glidein runs the work dir's "
        "glidein_startup.sh with the arguments glidein-args gives and asks for the entry's "
        "CPUs, memory, GPUs and walltime. The script comes from a jinja2 template "
        "(--templates DIR overrides <system>.j2); the submission is recorded under the log "
        "dir (glidein_<name>/entry_<entry>/submissions/), with the glideins' output.",
        (
            "gfactory submit {config} SITE_A --count 5 --to slurm --dry-run",
            (
                "gfactory submit {config} SITE_A --count 5 --to slurm "
                "--credential credential_site.idtoken"
            ),
        ),
        "the entry is disabled or unpublished, the template fails, or the batch system refused",
    ),
    "site-client": HelpPage(
        "pyglidein's site client for one entry: every --delay seconds, read the demand from "
        "a server (gfactory serve, or any pyglidein server), keep the requests a glidein of "
        "the entry can run (classad2 matching, as gfactory demand), count the entry's "
        "glideins in the local queue and submit what is missing, never more than "
        "--limit-per-submit at once, --max-idle idle or --max-total queued. A server that is "
        "down or answers garbage is retried (--retries, --retry-delay); a queue that cannot "
        "be counted submits nothing. SIGTERM or SIGINT stop it.",
        (
            (
                "gfactory site-client {config} SITE_A --server http://server:8080/jsonrpc "
                "--to slurm --once"
            ),
        ),
        "with --once: the cycle failed (server, queue or submission)",
    ),
    "completion": HelpPage(
        "Print a shell completion script (commands, options, file names).",
        (
            "source <({tool} completion bash)",
            "{tool} completion zsh > ~/.zfunc/_{tool}",
        ),
        None,
    ),
}


def _epilog(tool: str, config: str, page: HelpPage) -> str:
    config_name = config.rsplit("/", 1)[-1]
    examples = "\n".join(
        "  " + example.format(tool=tool, config=config, config_name=config_name)
        for example in page.examples
    )
    codes = ["  0  success"]
    if page.failure is not None:
        codes.append(f"  1  {page.failure}")
    codes.append("  2  usage error or unreadable input")
    if page.locks:
        codes.append("  3  another reconfig, upgrade, gc or rollback holds the work dir's lock")
    return "examples:\n" + examples + "\n\nexit codes:\n" + "\n".join(codes)


def document_commands(
    tool: str, config: str, commands: Mapping[str, argparse.ArgumentParser]
) -> None:
    """Give each command of ``tool`` its description, examples and exit codes."""
    for name, parser in commands.items():
        page = HELP_PAGES[name]
        parser.description = page.description
        parser.epilog = _epilog(tool, config, page)
