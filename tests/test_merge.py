"""config.d merging: file order, list merges, replacement, duplicates, sources."""

from __future__ import annotations

from glideinforge.factory.load import load_factory

from conftest import factory_xml


def entry(name: str, gatekeeper: str = "g", body: str = "") -> str:
    return f'<entry name="{name}" gatekeeper="{gatekeeper}">{body}</entry>'


def dropin(*entries: str, root_attrs: str = "") -> str:
    return f"<glidein {root_attrs}><entries>{''.join(entries)}</entries></glidein>"


def test_dropins_are_merged_in_file_name_order_and_later_wins(make_config):
    config = make_config(
        factory_xml(entries=entry("A", "main")),
        **{
            "config.d__20-b.xml": dropin(entry("A", "from-20")),
            "config.d__10-a.xml": dropin(entry("A", "from-10")),
            "config.d__30-notes.txt": "not xml, not read",
        },
    )
    factory = load_factory(config.main).factory
    assert factory is not None
    assert factory.entry("A").gatekeeper == "from-20"
    assert [path.name for path in factory.config_files] == [
        "glideinWMS.xml",
        "10-a.xml",
        "20-b.xml",
    ]


def test_replaced_entry_is_replaced_whole_not_deep_merged(make_config):
    main_entry = entry(
        "A", body='<attrs><attr name="X" value="1"/><attr name="Y" value="2"/></attrs>'
    )
    config = make_config(
        factory_xml(entries=main_entry),
        **{
            "config.d__10.xml": dropin(entry("A", body='<attrs><attr name="Y" value="3"/></attrs>'))
        },
    )
    factory = load_factory(config.main).factory
    assert factory is not None
    assert [(attr.name, attr.value) for attr in factory.entry("A").attrs] == [("Y", "3")]


def test_merged_lists_come_out_sorted_by_key(make_config):
    config = make_config(
        factory_xml(entries=entry("Zeta") + entry("Alpha")),
        **{"config.d__10.xml": dropin(entry("Mid"))},
    )
    factory = load_factory(config.main).factory
    assert factory is not None
    assert [item.name for item in factory.entries] == ["Alpha", "Mid", "Zeta"]


def test_untouched_lists_keep_document_order(make_config):
    config = make_config(factory_xml(entries=entry("Zeta") + entry("Alpha")))
    factory = load_factory(config.main).factory
    assert factory is not None
    assert [item.name for item in factory.entries] == ["Zeta", "Alpha"]


def test_global_attrs_merge_by_name_and_sort(make_config):
    config = make_config(
        factory_xml(attrs='<attr name="B" value="main"/><attr name="A" value="main"/>'),
        **{"config.d__10.xml": '<glidein><attrs><attr name="B" value="dropin"/></attrs></glidein>'},
    )
    factory = load_factory(config.main).factory
    assert factory is not None
    assert [(attr.name, attr.value) for attr in factory.attrs] == [("A", "main"), ("B", "dropin")]


def test_root_and_singleton_attributes_are_updated_and_point_at_the_dropin(make_config):
    config = make_config(
        factory_xml(extra='<monitor base_dir="/srv/monitor"/>'),
        **{
            "config.d__10.xml": '<glidein loop_delay="oops"><monitor update_thread_count="4"/></glidein>'
        },
    )
    result = load_factory(config.main)
    assert [str(item) for item in result.errors] == [
        f'{config.directory}/config.d/10.xml:1:10: /glidein/@loop_delay: "loop_delay" is "oops": '
        "must be an integer (the factory daemon reads it with int())"
    ]
    fixed = make_config(
        factory_xml(extra='<monitor base_dir="/srv/monitor"/>'),
        **{
            "config.d__10.xml": '<glidein loop_delay="99"><monitor update_thread_count="4"/></glidein>'
        },
    )
    factory = load_factory(fixed.main).factory
    assert factory is not None
    assert factory.loop_delay == 99
    assert str(factory.monitor.base_dir) == "/srv/monitor"
    assert factory.monitor.update_thread_count == 4


def test_conflicting_duplicate_inside_one_file_is_an_error_but_across_files_is_not(make_config):
    across = make_config(
        factory_xml(entries=entry("A")),
        **{"config.d__10.xml": dropin(entry("A", "replacement"))},
    )
    assert [str(item) for item in across.check().diagnostics] == [
        f"{across.directory}/config.d/10.xml:1:20: /glidein/entries/entry[@name='A']: note: "
        '<entry> name="A" of glideinWMS.xml is replaced whole by this one in 10.xml'
    ]
    within = make_config(
        factory_xml(entries=entry("A")),
        **{"config.d__10.xml": dropin(entry("B"), entry("B", "other"))},
    )
    assert [(item.code, item.source.file.endswith("10.xml")) for item in within.check().errors] == [
        ("structure.duplicate", True)
    ]


def test_identical_duplicate_inside_one_file_is_a_warning_and_read_once(make_config):
    config = make_config(
        factory_xml(entries=entry("A")), **{"config.d__10.xml": dropin(entry("B"), entry("B"))}
    )
    result = config.check()
    assert result.errors == []
    assert [(item.code, item.source.file.endswith("10.xml")) for item in result.warnings] == [
        ("structure.repeated_item", True)
    ]
    factory = load_factory(config.main).factory
    assert factory is not None
    assert [item.name for item in factory.entries] == ["A", "B"]


def test_same_priority_dropins_defining_one_entry_get_a_warning(make_config):
    config = make_config(
        factory_xml(),
        **{
            "config.d__50-site.xml": dropin(entry("A", "first")),
            "config.d__50-testbed.xml": dropin(entry("A", "second")),
        },
    )
    result = config.check()
    assert [item.path for item in result.warnings] == ["/glidein/entries/entry[@name='A']"]
    assert [item.message for item in result.warnings] == [
        '<entry> name="A" of 50-site.xml (line 1) is replaced by 50-testbed.xml: both have '
        "priority 50, so only alphabetical order decides"
    ]


def test_a_list_only_in_a_dropin_is_added(make_config):
    config = make_config(
        factory_xml(),
        **{
            "config.d__10.xml": '<glidein><monitoring_collectors><monitoring_collector DN="/CN=c" node="c.org"/>'
            "</monitoring_collectors></glidein>"
        },
    )
    factory = load_factory(config.main).factory
    assert factory is not None
    assert [collector.node for collector in factory.monitoring_collectors] == ["c.org"]
