"""Compile a frontend model into a plan: its stage directories and work-dir files, in memory.

The stage has ``main`` (the glidein's "client") and one ``group_<name>``
directory per group ("client_group"), planned by the same planner as the
factory's; the routing of attrs is the factory's too (a frontend attr is a
published attr whose ``parameter`` flag decides between params and constants).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from glideinforge.creation.lib.attrs import Attr, StagedFile
from glideinforge.creation.lib.condor_vars import CondorVar
from glideinforge.creation.lib.explain import AttrLevel, LevelRole
from glideinforge.creation.lib.paths import rerooted
from glideinforge.creation.lib.plan import StageLookup, plan_summary
from glideinforge.creation.lib.routing import RoutedAttrs, collector_list_param, route_attrs
from glideinforge.creation.lib.stage_plan import StageDirectory, StageInputs, plan_stage_directory
from glideinforge.creation.lib.staged import PlannedFile
from glideinforge.creation.lib.templating import Templates
from glideinforge.frozen import frozen

from .model import Frontend
from .workdir import plan_group_work_files, plan_main_work_files

__all__ = ["CompiledFrontend", "compile_frontend", "group_levels", "reroot_frontend"]

REQ_NODE_VAR = CondorVar(
    "GLIDECLIENT_ReqNode",
    "S",
    None,
    "GLIDECLIENT_ReqNode",
    required=False,
    published=True,
    job_env="-",
)
"""The vars row every frontend main stage carries."""


@frozen
class CompiledFrontend(StageLookup):
    """Everything one frontend reconfig publishes.

    Attributes:
        frontend: the model, with output directories as they will be written.
        stage: the stage directories, groups in configuration order, then main.
        work_files: the work-dir files except ``signatures.sha1``.
        summary: ``signatures.sha1``, published last.
        routed_main: the main level's routed attrs (constants and params).
        routed_groups: each group's routed attrs.
    """

    frontend: Frontend
    stage: tuple[StageDirectory, ...]
    work_files: tuple[PlannedFile, ...]
    summary: PlannedFile
    routed_main: RoutedAttrs
    routed_groups: dict[str, RoutedAttrs]

    @property
    def stage_root(self) -> Path:
        """Return where the stage directories go."""
        return self.frontend.stage_dir

    @property
    def work_root(self) -> Path:
        """Return where the work-dir files go."""
        return self.frontend.work_dir


def reroot_frontend(frontend: Frontend, root: Path) -> Frontend:
    """Return ``frontend`` with every output directory moved under ``root``."""
    return replace(
        frontend,
        work_dir=rerooted(frontend.work_dir, root),
        log_dir=rerooted(frontend.log_dir, root),
        stage_dir=rerooted(frontend.stage_dir, root),
        monitor_dir=rerooted(frontend.monitor_dir, root),
    )


def _start_expression(
    expression: str, attrs: tuple[Attr, ...], legacy: str
) -> tuple[str, tuple[Attr, ...]]:
    """AND a legacy ``GLIDECLIENT_*Start`` attr into the start expression and drop the attr."""
    kept = tuple(attr for attr in attrs if attr.name != legacy)
    for attr in attrs:
        if attr.name == legacy:
            expression = f"({expression})&&({attr.value})"
    return expression, kept


def _file_slots(files: tuple[StagedFile, ...], *, main: bool) -> dict[str, list[StagedFile]]:
    slots: dict[str, list[StagedFile]] = {
        "preentry_files": [],
        "user_files": [],
        "aftergroup_preentry_files": [],
        "aftergroup_files": [],
    }
    for staged in files:
        after_group = main and staged.after_group
        if staged.after_entry:
            slots["aftergroup_files" if after_group else "user_files"].append(staged)
        else:
            slots["aftergroup_preentry_files" if after_group else "preentry_files"].append(staged)
    return slots


def _grid_map(frontend: Frontend) -> list[tuple[str, str]]:
    dns = list(dict.fromkeys(item.dn for item in (*frontend.collectors, *frontend.ccbs) if item.dn))
    rows = [(dn, f"collector{number}") for number, dn in enumerate(dns, start=1)]
    if frontend.proxy_dn:
        rows.append((frontend.proxy_dn, "frontend"))
    return rows


def compile_frontend(frontend: Frontend) -> CompiledFrontend:
    """Plan every file of the frontend's staging area and work dir."""
    templates = Templates()
    params = []
    collectors = collector_list_param(frontend.collectors)
    if collectors is not None:
        params.append(("GLIDEIN_Collector", collectors))
    ccbs = collector_list_param(frontend.ccbs)
    if ccbs is not None:
        params.append(("GLIDEIN_CCB", ccbs))
    start, main_attrs = _start_expression(
        frontend.match.start_expr, frontend.attrs, "GLIDECLIENT_Start"
    )
    routed_main = route_attrs(main_attrs, (), params=params)
    routed_main = replace(
        routed_main,
        constants={**routed_main.constants, "GLIDECLIENT_Start": start},
        condor_vars=(REQ_NODE_VAR, *routed_main.condor_vars),
    )
    main_stage = plan_stage_directory(
        key="main",
        level="client",
        subdir="",
        inputs=StageInputs(
            constants=routed_main.constants,
            condor_vars=routed_main.condor_vars,
            templates=templates,
            user_files=_file_slots(frontend.files, main=True),
            grid_map=_grid_map(frontend),
        ),
    )
    stage_dirs: list[StageDirectory] = []
    routed_groups: dict[str, RoutedAttrs] = {}
    work_files: list[PlannedFile] = []
    for group in frontend.groups:
        group_start, group_attrs = _start_expression(
            group.match.start_expr, group.attrs, "GLIDECLIENT_Group_Start"
        )
        routed = route_attrs(group_attrs, ())
        routed = replace(
            routed, constants={**routed.constants, "GLIDECLIENT_Group_Start": group_start}
        )
        routed_groups[group.name] = routed
        key = f"group_{group.name}"
        stage_dirs.append(
            plan_stage_directory(
                key=key,
                level="client_group",
                subdir=key,
                inputs=StageInputs(
                    constants=routed.constants,
                    condor_vars=routed.condor_vars,
                    templates=templates,
                    user_files=_file_slots(group.files, main=False),
                ),
            )
        )
        work_files += plan_group_work_files(templates, frontend, group, routed)
    stage_dirs.append(main_stage)
    work_files = plan_main_work_files(templates, frontend, routed_main) + work_files
    summary = plan_summary(templates, stage_dirs)
    return CompiledFrontend(
        frontend=frontend,
        stage=tuple(stage_dirs),
        work_files=tuple(work_files),
        summary=summary,
        routed_main=routed_main,
        routed_groups=routed_groups,
    )


def group_levels(compiled: CompiledFrontend, group: str) -> list[AttrLevel]:
    """Return the frontend's levels of ``group``: its main attrs, then the group's own."""
    return [
        AttrLevel(LevelRole.FRONTEND_MAIN, "frontend main", compiled.routed_main),
        AttrLevel(LevelRole.FRONTEND_GROUP, f"group {group}", compiled.routed_groups[group]),
    ]
