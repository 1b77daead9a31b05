"""Turn a merged, validated factory element tree into the typed model.

Only call this on a tree without errors: values are converted, not checked.
Absent attributes and absent elements take the schema defaults, as GlideinWMS
overlays its defaults file; absent lists are empty.
"""

from __future__ import annotations

from pathlib import Path

from glideinforge.creation.lib.element import Element as _Element
from glideinforge.creation.lib.language import Language
from glideinforge.creation.lib.xml_tree import Node

from . import model

__all__ = ["build_factory"]

_ENTRY_SETTINGS = (
    "gridtype",
    "auth_method",
    "trust_domain",
    "work_dir",
    "verbosity",
    "rsl",
    "bosco_dir",
    "proxy_url",
    "vm_id",
    "vm_type",
)


def _comma_list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


_ATTR_TYPES = {member.value: member for member in model.AttrType}


def _attr(element: _Element) -> model.Attr:
    return model.Attr(
        name=element.text("name"),
        value=element.text("value"),
        type=_ATTR_TYPES[element.text("type")],
        const=element.flag("const"),
        publish=element.flag("publish"),
        parameter=element.flag("parameter"),
        glidein_publish=element.flag("glidein_publish"),
        job_publish=element.flag("job_publish"),
        source=element.source,
    )


def _file(element: _Element) -> model.StagedFile:
    absfname = element.path("absfname")
    relfname = element.optional("relfname") or Path(element.text("absfname")).name
    options = element.child("untar_options")
    return model.StagedFile(
        absfname=absfname,
        relfname=relfname,
        const=element.flag("const"),
        executable=element.flag("executable"),
        wrapper=element.flag("wrapper"),
        untar=element.flag("untar"),
        type=element.text("type"),
        time=element.text("time"),
        period=element.integer("period"),
        prefix=element.text("prefix"),
        after_entry=element.flag("after_entry"),
        untar_options=model.UntarOptions(
            cond_attr=options.text("cond_attr"),
            dir=options.optional("dir"),
            absdir_outattr=options.optional("absdir_outattr"),
        ),
        source=element.source,
    )


def _submit_attr(element: _Element) -> model.SubmitAttr:
    return model.SubmitAttr(
        name=element.text("name"),
        value=element.text("value"),
        all_grid_types=element.optional_flag("all_grid_types"),
    )


def _limits(element: _Element) -> model.JobLimits:
    return model.JobLimits(
        glideins=element.integer("glideins"),
        idle=element.integer("idle"),
        held=element.integer("held"),
    )


def _cycle(element: _Element) -> model.CycleLimits:
    return model.CycleLimits(element.integer("max_per_cycle"), element.text("sleep").strip())


def _config(element: _Element) -> model.EntryConfig:
    max_jobs = element.child("max_jobs")
    stale = element.child("stale_age")
    submit = element.child("submit")
    selection = (
        element.child("entry_selection").text("algorithm_name")
        if element.kind == "entry_set_config"
        else None
    )
    return model.EntryConfig(
        max_jobs=model.MaxJobs(
            num_factories=max_jobs.optional_integer("num_factories"),
            per_entry=_limits(max_jobs.child("per_entry")),
            default_per_frontend=_limits(max_jobs.child("default_per_frontend")),
            per_frontends=tuple(
                model.FrontendLimits(item.text("name"), _limits(item), item.source)
                for item in max_jobs.items("per_frontends")
            ),
        ),
        stale_age=model.StaleAge(
            stale.integer("idle"), stale.integer("running"), stale.integer("unclaimed")
        ),
        release=_cycle(element.child("release")),
        remove=_cycle(element.child("remove")),
        require_voms_proxy=element.child("restrictions").flag("require_voms_proxy"),
        submit=model.EntrySubmit(
            cluster_size=submit.integer("cluster_size"),
            max_per_cycle=submit.integer("max_per_cycle"),
            sleep=submit.text("sleep").strip(),
            slots_layout=submit.text("slots_layout"),
            submit_attrs=tuple(_submit_attr(item) for item in submit.items("submit_attrs")),
        ),
        entry_selection=selection,
    )


def _subentry(element: _Element) -> model.SubEntry:
    return model.SubEntry(
        name=element.text("name"),
        gatekeeper=element.text("gatekeeper"),
        enabled=element.flag("enabled"),
        gridtype=element.text("gridtype"),
        auth_method=element.text("auth_method"),
        trust_domain=element.text("trust_domain"),
        work_dir=element.text("work_dir"),
        verbosity=element.text("verbosity"),
        rsl=element.optional("rsl"),
        bosco_dir=element.optional("bosco_dir"),
        proxy_url=element.optional("proxy_url"),
        vm_id=element.optional("vm_id"),
        vm_type=element.optional("vm_type"),
        source=element.source,
    )


def _entry(element: _Element) -> model.Entry:
    members = (
        tuple(_subentry(item) for item in element.items("entries"))
        if (element.kind == "entry_set")
        else ()
    )
    settings: dict[str, str | None] = {}
    for name in (*_ENTRY_SETTINGS, "gatekeeper"):
        own = element.node.attributes.get(name)
        if own is None and members:
            settings[name] = getattr(members[0], name)
        else:
            settings[name] = element.optional(name)
    return model.Entry(
        name=element.text("alias" if element.kind == "entry_set" else "name"),
        gatekeeper=settings["gatekeeper"] or "",
        enabled=element.flag("enabled"),
        gridtype=settings["gridtype"] or "",
        auth_method=settings["auth_method"] or "",
        trust_domain=settings["trust_domain"] or "",
        work_dir=settings["work_dir"] or "",
        verbosity=settings["verbosity"] or "",
        rsl=settings["rsl"],
        bosco_dir=settings["bosco_dir"],
        proxy_url=settings["proxy_url"],
        vm_id=settings["vm_id"],
        vm_type=settings["vm_type"],
        config=_config(element.child("config")),
        allow_frontends=tuple(
            model.AllowFrontend(item.text("name"), item.text("security_class"), item.source)
            for item in element.items("allow_frontends")
        ),
        attrs=tuple(_attr(item) for item in element.items("attrs")),
        files=tuple(_file(item) for item in element.items("files")),
        infosys_refs=tuple(
            model.InfosysRef(item.text("ref"), item.text("server"), item.text("type"))
            for item in element.items("infosys_refs")
        ),
        monitorgroups=tuple(item.text("group_name") for item in element.items("monitorgroups")),
        source=element.source,
        members=members,
    )


def _log_limits(element: _Element) -> model.LogLimits:
    return model.LogLimits(
        element.text("max_days"), element.text("max_mbytes"), element.text("min_days")
    )


def _process_log(element: _Element) -> model.ProcessLog:
    own = element.node.attributes
    defaults = element.language.kinds[element.kind].defaults
    settings = (
        *own.items(),
        *((name, value) for name, value in defaults.items() if name not in own),
    )
    return model.ProcessLog(
        extension=element.text("extension"),
        msg_types=element.text("msg_types"),
        structured=element.flag("structured"),
        max_days=element.text("max_days"),
        min_days=element.text("min_days"),
        max_mbytes=element.text("max_mbytes"),
        backup_count=element.integer("backup_count"),
        compression=element.text("compression"),
        settings=tuple((name, value) for name, value in settings if name != "comment"),
    )


def _tarball(element: _Element) -> model.CondorTarball:
    return model.CondorTarball(
        arch=_comma_list(element.text("arch")),
        os=_comma_list(element.text("os")),
        version=_comma_list(element.text("version")),
        tar_file=element.path("tar_file") if element.optional("tar_file") else None,
        base_dir=element.path("base_dir") if element.optional("base_dir") else None,
        source=element.source,
    )


def _security(element: _Element) -> model.Security:
    return model.Security(
        pub_key=element.text("pub_key"),
        key_length=element.integer("key_length"),
        reuse_oldkey_onstartup_gracetime=element.integer("reuse_oldkey_onstartup_gracetime"),
        remove_old_cred_freq=element.integer("remove_old_cred_freq"),
        remove_old_cred_age=element.integer("remove_old_cred_age"),
        frontends=tuple(
            model.TrustedFrontend(
                name=item.text("name"),
                identity=item.text("identity"),
                security_classes=tuple(
                    model.SecurityClass(klass.text("name"), klass.text("username"))
                    for klass in item.items("security_classes")
                ),
                source=item.source,
            )
            for item in element.items("frontends")
        ),
    )


def build_factory(root: Node, language: Language, config_files: tuple[Path, ...]) -> model.Factory:
    """Build the model of a validated, merged factory tree."""
    glidein = _Element(root, language.root_kind, language)
    retention = glidein.child("log_retention")
    monitor = glidein.child("monitor")
    footer = glidein.child("monitor_footer")
    stage = glidein.child("stage")
    submit = glidein.child("submit")
    cvmfsexec = glidein.child("cvmfsexec_distro")
    return model.Factory(
        factory_name=glidein.text("factory_name"),
        glidein_name=glidein.text("glidein_name"),
        schedd_names=_comma_list(glidein.text("schedd_name")),
        factory_collector=glidein.optional("factory_collector"),
        factory_versioning=glidein.flag("factory_versioning"),
        loop_delay=glidein.integer("loop_delay"),
        advertise_delay=glidein.integer("advertise_delay"),
        advertise_with_tcp=glidein.flag("advertise_with_tcp"),
        advertise_with_multiple=glidein.flag("advertise_with_multiple"),
        advertise_pilot_accounting=glidein.flag("advertise_pilot_accounting"),
        entry_parallel_workers=glidein.integer("entry_parallel_workers"),
        restart_attempts=glidein.integer("restart_attempts"),
        restart_interval=glidein.integer("restart_interval"),
        recoverable_exitcodes=glidein.text("recoverable_exitcodes"),
        enable_attribute_expansion=glidein.flag("enable_attribute_expansion"),
        log_retention=model.LogRetention(
            condor_logs=_log_limits(retention.child("condor_logs")),
            job_logs=_log_limits(retention.child("job_logs")),
            summary_logs=_log_limits(retention.child("summary_logs")),
            process_logs=tuple(_process_log(item) for item in retention.items("process_logs")),
        ),
        monitor=model.Monitor(
            base_dir=monitor.path("base_dir"),
            javascript_rrd_dir=monitor.path("javascriptRRD_dir"),
            flot_dir=monitor.path("flot_dir"),
            jquery_dir=monitor.path("jquery_dir"),
            update_thread_count=monitor.integer("update_thread_count"),
        ),
        monitor_footer=model.MonitorFooter(footer.text("display_txt"), footer.text("href_link")),
        security=_security(glidein.child("security")),
        stage=model.Stage(
            base_dir=stage.path("base_dir"),
            web_base_url=stage.text("web_base_url"),
            use_symlink=stage.flag("use_symlink"),
        ),
        submit=model.Submit(
            base_dir=submit.path("base_dir"),
            base_log_dir=submit.path("base_log_dir"),
            base_client_log_dir=submit.path("base_client_log_dir"),
            base_client_proxies_dir=submit.path("base_client_proxies_dir"),
            num_factories=submit.integer("num_factories"),
            submit_attrs=tuple(_submit_attr(item) for item in submit.items("submit_attrs")),
        ),
        attrs=tuple(_attr(item) for item in glidein.items("attrs")),
        entries=(
            *(_entry(item) for item in glidein.items("entries")),
            *(_entry(item) for item in glidein.items("entry_sets")),
        ),
        condor_tarballs=tuple(_tarball(item) for item in glidein.items("condor_tarballs")),
        files=tuple(_file(item) for item in glidein.items("files")),
        cvmfsexec_distro=model.CvmfsexecDistro(
            sources=_comma_list(cvmfsexec.text("sources")),
            platforms=_comma_list(cvmfsexec.text("platforms")),
        ),
        monitoring_collectors=tuple(
            model.MonitoringCollector(
                dn=item.text("DN"),
                node=item.text("node"),
                group=item.text("group"),
                secondary=item.flag("secondary"),
            )
            for item in glidein.items("monitoring_collectors")
        ),
        config_files=config_files,
    )
