"""Turn a validated frontend element tree into the typed model.

Only call this on a tree without errors. Absent attributes take the schema
defaults; ``security_name`` and credential security classes are derived as
GlideinWMS derives them.
"""

from __future__ import annotations

from pathlib import Path

from glideinforge.creation.lib.attrs import Attr, AttrType, StagedFile, UntarOptions
from glideinforge.creation.lib.element import Element
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.xml_tree import Node

from . import model

__all__ = ["build_frontend"]

_ROOT_SETTINGS = (
    "frontend_versioning",
    "frontend_monitor_index_page",
    "downtimes_file",
    "loop_delay",
    "advertise_delay",
    "advertise_with_tcp",
    "advertise_with_multiple",
    "enable_attribute_expansion",
    "group_parallel_workers",
    "restart_attempts",
    "restart_interval",
)
_GLOBAL_LIMITS = (
    "idle_vms_total",
    "idle_vms_total_global",
    "running_glideins_total",
    "running_glideins_total_global",
)
_GROUP_LIMITS = (
    "partitionable_glidein",
    "running_glideins_per_entry",
    "running_glideins_total",
    "idle_glideins_per_entry",
    "idle_glideins_lifetime",
    "idle_vms_per_entry",
    "idle_vms_total",
    "processing_workers",
    "glideins_removal",
)
_CREDENTIAL_CORE = ("absfname", "type", "trust_domain", "security_class", "generator", "name")


def _attr(element: Element) -> Attr:
    # A frontend attr is always published; parameter="False" makes it a constant.
    parameter = element.flag("parameter")
    return Attr(
        name=element.text("name"),
        value=element.text("value"),
        type=AttrType(element.text("type")),
        const=not parameter,
        publish=True,
        parameter=parameter,
        glidein_publish=element.flag("glidein_publish"),
        job_publish=element.flag("job_publish"),
        source=element.source,
    )


def _file(element: Element) -> StagedFile:
    options = element.child("untar_options")
    return StagedFile(
        absfname=element.path("absfname"),
        relfname=element.optional("relfname") or Path(element.text("absfname")).name,
        const=element.flag("const"),
        executable=element.flag("executable"),
        wrapper=element.flag("wrapper"),
        untar=element.flag("untar"),
        type=element.optional("type") or "regular",
        time=element.text("time"),
        period=element.integer("period"),
        prefix=element.text("prefix"),
        after_entry=element.flag("after_entry"),
        untar_options=UntarOptions(
            cond_attr=options.text("cond_attr"),
            dir=options.optional("dir"),
            absdir_outattr=options.optional("absdir_outattr"),
        ),
        source=element.source,
        after_group=element.optional_flag("after_group") or False,
    )


def _match_attrs(element: Element) -> tuple[model.MatchAttr, ...]:
    return tuple(
        model.MatchAttr(item.text("name"), item.text("type"))
        for item in element.items("match_attrs")
    )


def _match(element: Element) -> model.Match:
    factory, job = element.child("factory"), element.child("job")
    policy = element.optional("policy_file")
    return model.Match(
        match_expr=element.text("match_expr"),
        start_expr=element.text("start_expr"),
        policy_file=element.path("policy_file") if policy else None,
        factory_query=factory.text("query_expr"),
        factory_attrs=_match_attrs(factory),
        factory_collectors=tuple(
            model.FactoryCollector(
                item.text("node"),
                item.text("DN"),
                item.text("factory_identity"),
                item.text("my_identity"),
                item.source,
            )
            for item in factory.items("collectors")
        ),
        job_query=job.text("query_expr"),
        job_attrs=_match_attrs(job),
        schedds=tuple(
            model.Schedd(item.text("fullname"), item.text("DN")) for item in job.items("schedds")
        ),
    )


def _security(element: Element, default_class: str, security_name: str | None) -> model.Security:
    credentials = []
    for item in element.items("credentials"):
        details = tuple(
            (name, value)
            for name, value in item.node.attributes.items()
            if name not in _CREDENTIAL_CORE and name != "comment"
        )
        credentials.append(
            model.Credential(
                absfname=item.optional("absfname"),
                type=item.text("type"),
                trust_domain=item.text("trust_domain"),
                security_class=item.optional("security_class") or default_class,
                generator=item.optional("generator"),
                name=item.optional("name"),
                details=details,
                source=item.source,
            )
        )
    return model.Security(
        security_name=security_name,
        proxy_selection_plugin=element.optional("proxy_selection_plugin"),
        idtoken_lifetime=element.optional("idtoken_lifetime"),
        idtoken_keyname=element.optional("idtoken_keyname"),
        credentials=tuple(credentials),
    )


def _limits(config: Element, names: tuple[str, ...]) -> dict[str, model.Limits]:
    limits = {}
    for name in names:
        child = config.child(name)
        spec = child.language.kinds[child.kind]
        limits[name] = model.Limits(
            tuple((key, child.text(key)) for key in spec.attributes if key != "comment")
        )
    return limits


def _collectors(root: Element, tag: str) -> tuple[model.PoolCollector, ...]:
    return tuple(
        model.PoolCollector(
            node=item.text("node"),
            dn=item.text("DN"),
            secondary=item.optional_flag("secondary") or False,
            group=item.text("group"),
        )
        for item in root.items(tag)
    )


def _versioned(path: Path, name: str, versioning: bool) -> Path:
    return path / f"frontend_{name}" if versioning else path


def build_frontend(root_node: Node, language: Language, config_file: Path) -> model.Frontend:
    """Build the model of a validated frontend tree."""
    root = Element(root_node, language.root_kind, language)
    name = root.text("frontend_name")
    versioning = root.flag("frontend_versioning")
    work, stage, monitor = root.child("work"), root.child("stage"), root.child("monitor")
    web_url = stage.text("web_base_url").rstrip("/")
    monitor_url = (monitor.optional("web_base_url") or web_url.replace("stage", "monitor")).rstrip(
        "/"
    )
    if versioning:
        web_url = f"{web_url}/frontend_{name}"
        monitor_url = f"{monitor_url}/frontend_{name}"
    security = root.child("security")
    groups_security = [
        group.child("security").optional("security_name") for group in root.items("groups")
    ]
    global_name = security.optional("security_name")
    if global_name is None and any(value is None for value in groups_security):
        global_name = name
    config = root.child("config")
    ha = root.child("high_availability")
    groups = []
    for group in root.items("groups"):
        group_name = group.text("name")
        group_config = group.child("config")
        group_security = group.child("security")
        groups.append(
            model.Group(
                name=group_name,
                enabled=group.flag("enabled"),
                ramp_up_attenuation=group_config.text("ramp_up_attenuation"),
                ignore_down_entries=group_config.text("ignore_down_entries"),
                limits=_limits(group_config, _GROUP_LIMITS),
                match=_match(group.child("match")),
                security=_security(
                    group_security, f"group_{group_name}", group_security.optional("security_name")
                ),
                attrs=tuple(_attr(item) for item in group.items("attrs")),
                files=tuple(_file(item) for item in group.items("files")),
                source=group.source,
            )
        )
    footer = root.child("monitor_footer")
    return model.Frontend(
        name=name,
        settings={key: root.text(key) for key in _ROOT_SETTINGS},
        work_dir=_versioned(work.path("base_dir"), name, versioning),
        log_dir=_versioned(work.path("base_log_dir"), name, versioning),
        stage_dir=_versioned(stage.path("base_dir"), name, versioning),
        web_url=web_url,
        monitor_dir=_versioned(monitor.path("base_dir"), name, versioning),
        monitor_url=monitor_url,
        monitor_footer=(footer.text("display_txt"), footer.text("href_link")),
        process_logs=tuple(
            {
                key: item.text(key)
                for key in language.kinds[item.kind].attributes
                if key != "comment"
            }
            for item in root.child("log_retention").items("process_logs")
        ),
        high_availability={
            "enabled": ha.text("enabled"),
            "check_interval": ha.text("check_interval"),
            "ha_frontends": [
                {"frontend_name": item.text("frontend_name")} for item in ha.items("ha_frontends")
            ],
        },
        ramp_up_attenuation=config.text("ramp_up_attenuation"),
        ignore_down_entries=config.text("ignore_down_entries"),
        limits=_limits(config, _GLOBAL_LIMITS),
        classad_proxy=security.optional("classad_proxy"),
        proxy_dn=security.optional("proxy_DN"),
        sym_key=security.text("sym_key"),
        security=_security(security, "frontend", global_name),
        collectors=_collectors(root, "collectors"),
        ccbs=_collectors(root, "ccbs"),
        match=_match(root.child("match")),
        attrs=tuple(_attr(item) for item in root.items("attrs")),
        files=tuple(_file(item) for item in root.items("files")),
        groups=tuple(groups),
        config_file=config_file,
        source=root.source,
    )
