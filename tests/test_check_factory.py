"""gfrontend check-factory: one test per inconsistency class, on the shipped example pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from glideinforge.frontend.factory_check import credential_fits
from glideinforge.frontend.model import Credential

from compile_helpers import gfrontend_run
from conftest import copy_example


def _pair(tmp_path: Path, frontend=(), factory=(), sites=()) -> tuple[Path, Path]:
    """Copy the examples, applying (old, new) replacements to the frontend, factory, sites."""
    copy_example("frontend", tmp_path / "frontend")
    copy_example("factory", tmp_path / "factory")
    files = {
        tmp_path / "frontend" / "frontend.xml": frontend,
        tmp_path / "factory" / "glideinWMS.xml": factory,
        tmp_path / "factory" / "config.d" / "10-sites.xml": sites,
    }
    for path, replacements in files.items():
        text = path.read_text()
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        path.write_text(text)
    return tmp_path / "frontend" / "frontend.xml", tmp_path / "factory" / "glideinWMS.xml"


def _check(tmp_path: Path, *extra: str, **replacements) -> tuple[int, dict]:
    frontend, factory = _pair(tmp_path, **replacements)
    code, stdout, _ = gfrontend_run("check-factory", frontend, factory, "--json", *extra)
    return code, json.loads(stdout)


def _errors(document: dict) -> list[tuple[str, str]]:
    return [(item["code"], item["message"]) for item in document["errors"]]


EXAMPLE_WARNINGS = [
    (
        "cross.credential_fit",
        "entry SITE_A_ce1 (auth_method scitoken, trust_domain grid) allows this frontend, "
        "but group(s) main have no credential it takes",
    ),
    (
        "cross.credential_fit",
        "no credential of this frontend fits 1 enabled entry of the factory: CLOUD_ec2_east",
    ),
]


def test_the_example_pair_is_consistent_with_two_warnings(tmp_path):
    code, document = _check(tmp_path, "--factory-identity", "gfactory@factory.example.org")
    assert code == 0
    assert document["consistent"] is True
    assert document["errors"] == []
    assert [(item["code"], item["message"]) for item in document["warnings"]] == EXAMPLE_WARNINGS


def test_strict_turns_warnings_into_failure_and_text_output_has_locations(tmp_path):
    frontend, factory = _pair(tmp_path)
    code, stdout, stderr = gfrontend_run("check-factory", frontend, factory, "--strict")
    assert code == 1
    assert stdout == ""
    lines = stderr.splitlines()
    assert lines[0] == (
        f"{factory.parent}/config.d/10-sites.xml:5:7: /glidein/entries/entry[@name='SITE_A_ce1']: "
        "warning: " + EXAMPLE_WARNINGS[0][1]
    )
    # A second warning of the same kind is summarised, at the frontend's first credential
    # (not at line 1); --verbose shows it whole.
    assert lines[1] == (
        f"  ... and 1 more warning like it (cross.credential_fit) at {frontend}:18; "
        "--verbose lists all"
    )
    _, _, verbose = gfrontend_run("check-factory", frontend, factory, "--strict", "--verbose")
    assert verbose.splitlines()[1] == (
        f"{frontend}:18: /frontend/security/credentials: warning: " + EXAMPLE_WARNINGS[1][1]
    )
    assert lines[-1].endswith("inconsistent: 0 error(s), 2 warning(s)")


def test_security_name_not_trusted_by_the_factory(tmp_path):
    code, document = _check(
        tmp_path,
        frontend=[('security_name="vofe_example"', 'security_name="other_fe"')],
    )
    assert code == 1
    assert ("cross.security_name", (
        "security_name 'other_fe' (group main) is not a frontend the factory trusts "
        "(security/frontends: vofe_example)"
    )) in _errors(document)  # fmt: skip
    # Reported once for the name, not once per group using it.
    assert [c for c, _ in _errors(document)].count("cross.security_name") == 1


def test_group_security_name_override_is_checked_too(tmp_path):
    code, document = _check(
        tmp_path, frontend=[("<security>\n", '<security security_name="gpu_fe">\n')]
    )
    assert code == 1
    [item] = [item for item in document["errors"] if item["code"] == "cross.security_name"]
    assert item["message"].startswith("security_name 'gpu_fe' (group gpu) is not a frontend")
    assert item["path"] == "/frontend/groups/group[@name='gpu']/security/@security_name"


def test_identity_differs_from_my_identity(tmp_path):
    code, document = _check(
        tmp_path,
        frontend=[('my_identity="vofe_example@factory.example.org"', 'my_identity="me@else.org"')],
    )
    assert code == 1
    assert _errors(document) == [
        ("cross.identity", (
            "the factory expects frontend 'vofe_example' as 'vofe_example@factory.example.org', "
            f"but group {group} authenticates as 'me@else.org' "
            "(match/factory/collectors/collector@my_identity)"
        ))
        for group in ("main", "gpu")
    ]  # fmt: skip


def test_factory_identity_differs(tmp_path):
    code, document = _check(tmp_path, "--factory-identity", "other@factory.example.org")
    assert code == 1
    assert _errors(document) == [
        (
            "cross.factory_identity",
            "factory_identity 'gfactory@factory.example.org' is not the factory's identity "
            "'other@factory.example.org'",
        )
    ]


def test_credential_security_class_unknown_to_the_factory(tmp_path):
    code, document = _check(
        tmp_path,
        frontend=[(
            'security_class="gpu_users" trust_domain="grid" type="scitoken"',
            'security_class="gpu_admins" trust_domain="grid" type="scitoken"',
        )],
    )  # fmt: skip
    assert code == 1
    assert (
        "cross.security_class",
        "security_class 'gpu_admins' is not a class of frontend 'vofe_example' in the factory "
        "(classes: frontend, gpu_users)",
    ) in _errors(document)


def test_allow_frontend_with_a_class_the_frontend_does_not_have(tmp_path):
    code, document = _check(
        tmp_path,
        sites=[(
            '<allow_frontend name="vofe_example" security_class="gpu_users"/>',
            '<allow_frontend name="vofe_example" security_class="pilot"/>',
        )],
    )  # fmt: skip
    assert code == 1
    assert (
        "cross.allow_frontend",
        "allow_frontend 'vofe_example' names security class 'pilot', which frontend "
        "'vofe_example' does not have (classes: frontend, gpu_users)",
    ) in _errors(document)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("vofe_example", "per_frontend name 'vofe_example' is not <frontend>:<security class>"),
        (
            "vofe_example:pilot",
            "per_frontend 'vofe_example:pilot': frontend 'vofe_example' has no security class "
            "'pilot' (classes: frontend, gpu_users)",
        ),
    ],
)
def test_per_frontend_names(tmp_path, name, message):
    code, document = _check(
        tmp_path,
        sites=[('<per_frontend name="vofe_example:frontend"', f'<per_frontend name="{name}"')],
    )
    assert code == 1
    assert _errors(document) == [("cross.per_frontend", message)]


def test_an_entry_allowing_the_frontend_that_no_credential_fits(tmp_path):
    code, document = _check(
        tmp_path,
        sites=[(
            'gridtype="condor" proxy_url="OSG" trust_domain="grid"',
            'gridtype="condor" proxy_url="OSG" trust_domain="osg"',
        )],
    )  # fmt: skip
    assert code == 1
    [(rule, message)] = _errors(document)
    assert rule == "cross.credential_fit"
    assert message.startswith(
        "entry SITE_A_ce1 allows vofe_example:gpu_users, but no credential of this frontend fits "
        "it (auth_method scitoken, trust_domain osg; credentials: "
        "/etc/gwms-frontend/tokens/vo.idtoken (idtoken, grid, frontend); "
    )


def _credential(kind: str) -> Credential:
    return Credential("/c", kind, "grid", "frontend", None, None, (), source=None)


@pytest.mark.parametrize(
    ("kind", "auth_method", "entry_domain", "fits"),
    [
        ("scitoken", "scitoken", "grid", True),
        ("scitoken", "grid_proxy", "grid", True),  # the special case
        ("idtoken", "grid_proxy", "grid", False),
        ("grid_proxy", "scitoken", "grid", False),
        ("grid_proxy+voms_attr", "grid_proxy+voms_attr", "grid", True),
        ("grid_proxy", "grid_proxy+voms_attr", "grid", False),
        ("key_pair+vm_id+vm_type", "key_pair+vm_id", "grid", True),
        ("scitoken", "scitoken", "osg", False),  # trust domains must be equal
    ],
)
def test_credential_fits(kind, auth_method, entry_domain, fits):
    assert credential_fits(_credential(kind), auth_method, entry_domain) is fits


def test_invalid_configurations_are_not_compared(tmp_path):
    frontend, factory = _pair(
        tmp_path, frontend=[('frontend_name="vofe_example"', 'frontend_name="a.b"')]
    )
    code, _, stderr = gfrontend_run("check-factory", frontend, factory)
    assert code == 1
    assert "cannot compare: " in stderr
