"""Two-way: every configuration the project ships or its tests find valid, GlideinWMS accepts.

The suite keeps a copy of each distinct configuration any test checked as valid
(``conftest._record_valid_configs``); this module runs last (pytest takes test
files in name order) and asks GlideinWMS's own parser and validator about each,
plus the shipped examples, which are always checked.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from conftest import CHECKED_VALID, REPO, CheckedConfig
from oracle import accepts_factory, accepts_frontend, requires_oracle

pytestmark = requires_oracle

SHIPPED = (
    CheckedConfig("factory", REPO / "examples" / "factory" / "glideinWMS.xml", REPO),
    CheckedConfig("frontend", REPO / "examples" / "frontend" / "frontend.xml", REPO),
)


def _refusal(config: CheckedConfig) -> str | None:
    ask = accepts_factory if config.kind == "factory" else accepts_frontend
    answer = ask(config.copy, config.cwd)
    return None if answer.accepted else f"{config.copy}: {answer.output[-400:]}"


def test_glideinwms_accepts_every_configuration_the_project_ships_or_tests_as_valid():
    configs = [*SHIPPED, *CHECKED_VALID.values()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        refused = [problem for problem in pool.map(_refusal, configs) if problem]
    assert refused == [], f"{len(refused)} of {len(configs)} refused:\n" + "\n".join(refused)
