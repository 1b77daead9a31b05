"""The JSON Schema is a coherent, documented, whole-document description of the language."""

from __future__ import annotations

import copy

import jsonschema
import pytest

from glideinforge.creation.lib.language import node_to_document
from glideinforge.creation.lib.merge import read_merged_tree
from glideinforge.factory.load import factory_language
from glideinforge.schemas import load_schema

from conftest import copy_example


@pytest.fixture(scope="module")
def example_document(tmp_path_factory):
    """The example (naming its files by absolute path) as the document the schema describes."""
    language = factory_language()
    example = copy_example("factory", tmp_path_factory.mktemp("schema") / "factory")
    merged = read_merged_tree(example / "glideinWMS.xml", language)
    assert merged.root is not None
    return node_to_document(merged.root, language)


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema("factory"))


def test_example_document_validates_against_the_whole_schema(example_document):
    validator = jsonschema.Draft202012Validator(load_schema("factory"))
    assert [error.message for error in validator.iter_errors(example_document)] == []


def test_whole_schema_rejects_what_the_checker_rejects(example_document):
    validator = jsonschema.Draft202012Validator(load_schema("factory"))
    document = copy.deepcopy(example_document)
    document["entries"][0]["enabled"] = "yes"
    document["loop_delay"] = "soon"
    del document["factory_name"]
    errors = sorted(list(error.absolute_path) for error in validator.iter_errors(document))
    assert errors == [[], ["entries", 0, "enabled"], ["loop_delay"]]


def test_every_kind_and_property_is_described():
    schema = load_schema("factory")
    language = factory_language()
    for kind in language.kinds.values():
        assert schema["$defs"][kind.name].get("description"), kind.name
        for name, prop in kind.attributes.items():
            target = prop.get("$ref", "").rsplit("/", 1)[-1]
            described = prop.get("description") or schema["$defs"].get(target, {}).get(
                "description"
            )
            assert described, f"{kind.name}.{name}"


@pytest.mark.parametrize(
    ("kind", "name", "default"),
    [
        ("glidein", "glidein_name", "gfactory_instance"),
        ("glidein", "schedd_name", "schedd_glideins1@localhost"),
        ("glidein", "loop_delay", "60"),
        ("glidein", "restart_interval", "1800"),
        ("attr", "const", "True"),
        ("attr", "glidein_publish", "False"),
        ("attr", "type", "string"),
        ("entry", "auth_method", "grid_proxy"),
        ("entry", "trust_domain", "grid"),
        ("entry", "work_dir", "."),
        ("per_entry", "glideins", "10000"),
        ("default_per_frontend", "idle", "100"),
        ("stale_age", "running", "2678400"),
        ("entry_submit", "slots_layout", "fixed"),
        ("file", "prefix", "GLIDEIN_PS_"),
        ("untar_options", "cond_attr", "TRUE"),
        ("job_logs", "min_days", "2.0"),
        ("submit", "base_dir", "/var/lib/gwms-factory/work-dir"),
        ("stage", "web_base_url", "http://localhost/factory/stage"),
    ],
)
def test_defaults_are_glideinwms_defaults(kind, name, default):
    assert factory_language().kinds[kind].defaults[name] == default


def test_attributes_glideinwms_reads_but_its_defaults_file_lacks_are_declared():
    kinds = factory_language().kinds
    for kind, name in [
        ("glidein", "enable_attribute_expansion"),
        ("glidein", "factory_collector"),
        ("entry", "rsl"),
        ("entry", "bosco_dir"),
        ("entry", "proxy_url"),
        ("entry", "vm_id"),
        ("entry", "vm_type"),
        ("max_jobs", "num_factories"),
        ("submit_attr", "all_grid_types"),
    ]:
        assert name in kinds[kind].attributes, (kind, name)
    assert "submit_attrs" in kinds["submit"].lists


def test_list_containers_carry_glideinwms_merge_keys():
    kinds = factory_language().kinds
    assert kinds["glidein"].lists["entries"].merge_key == ("name",)
    assert kinds["glidein"].lists["entry_sets"].merge_key == ("alias",)
    assert kinds["glidein"].lists["files"].merge_key == ("absfname",)
    assert kinds["glidein"].lists["condor_tarballs"].merge_key == ("arch", "os", "version")
    assert kinds["security_frontend"].lists["security_classes"].merge_key == ("username",)
    assert kinds["glidein"].lists["monitoring_collectors"].merge_key == ("DN",)
    assert kinds["log_retention"].lists["process_logs"].merge_key == ("extension",)


def test_schema_safe_name_is_the_pattern_the_code_checks():
    from glideinforge.creation.lib.names import SAFE_NAME  # noqa: PLC0415 - one test's import

    assert load_schema("factory")["$defs"]["safe_name"]["allOf"][0]["pattern"] == SAFE_NAME.pattern
