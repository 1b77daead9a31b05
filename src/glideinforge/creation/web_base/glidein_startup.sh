#!/bin/bash
# glideinforge glidein_startup.sh: the first thing a glidein runs on a worker node.
#
# Speaks the GlideinWMS glidein protocol: downloads the factory (main, entry) and
# frontend (client, client group) staging areas over HTTP, verifies every file
# against the signature chain anchored in the -sign* arguments, runs the staged
# scripts, and finally starts the last script (condor_startup.sh).
#
# It fails closed: a signature file, description or listed file whose SHA-1 does
# not match, or a listed file with no signature line (other than type nocache),
# stops the glidein with exit 1 after the failure wait. Names that would leave the
# glidein directory are refused; parameter values are data and are never run.
#
# Self-contained: the sourceable helpers that GlideinWMS appends as a tarball
# payload are written from this file into the work dir at startup.

export LANG=C LC_ALL=C
IFS=$' \t\n'
PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin${PATH:+:$PATH}"
umask 0022

startup_script=$(readlink -f "${BASH_SOURCE[0]}")
start_dir=$PWD
startup_time=$(date +%s)

usage() {
    cat >&2 <<'EOF'
Usage: glidein_startup.sh -name NAME -entry ENTRY -web URL -descript FILE -descriptentry FILE
                          -sign SHA1 -signentry SHA1 [options]
  -v std|nodebug|fast|check     operation mode (failure wait 1199 s, or 150 s for fast/check)
  -signtype sha1                the only supported signature type
  -proxy URL|None|OSG           HTTP proxy for the downloads
  -dir .|Condor|OSG|TMPDIR|AUTO|PATH   where the glidein work dir is created
  -factory NAME -schedd NAME -cluster N -subcluster N -submitcredid ID
  -clientname NAME -clientweb URL -clientsign SHA1 -clientsigntype sha1 -clientdescript FILE
  -clientgroup NAME -clientwebgroup URL -clientsigngroup SHA1 -clientdescriptgroup FILE
  -slotslayout fixed|partitionable -multiglidein N -param_NAME VALUE
Every option takes exactly one value.
EOF
}

die_usage() {
    printf 'glidein_startup.sh: %s\n' "$1" >&2
    usage
    exit 1
}

# --- arguments --------------------------------------------------------------

operation_mode=std
glidein_name="" glidein_entry="" repository_url="" descript_file="" descript_entry_file=""
sign_sha1="" sign_entry_sha1="" sign_type=sha1 proxy_url=None work_dir_spec=""
glidein_factory="" condorg_schedd="" condorg_cluster="" condorg_subcluster=""
submit_credid="" client_name="" client_repository_url="" client_sign_sha1=""
client_sign_type=sha1 client_descript_file="" client_group=""
client_repository_group_url="" client_sign_group_sha1="" client_descript_group_file=""
slots_layout="" multi_glidein="" multi_glidein_restart=""
declare -a param_names=() param_values=() original_args=("$@")

# Reverse of the factory's escape table; '.dot,' is decoded last.
decode_param() {
    local v=$1
    v=${v//.nbsp,/' '}
    v=${v//.semicolon,/';'}
    v=${v//.colon,/':'}
    v=${v//.tilde,/'~'}
    v=${v//.not,/'!'}
    v=${v//.question,/'?'}
    v=${v//.star,/'*'}
    v=${v//.dollar,/'$'}
    v=${v//.comment,/'#'}
    v=${v//.sclose,/']'}
    v=${v//.sopen,/'['}
    v=${v//.gclose,/'}'}
    v=${v//.gopen,/'{'}
    v=${v//.close,/')'}
    v=${v//.open,/'('}
    v=${v//.gt,/'>'}
    v=${v//.lt,/'<'}
    v=${v//.minus,/'-'}
    v=${v//.plus,/'+'}
    v=${v//.eq,/'='}
    v=${v//.singquot,/"'"}
    v=${v//.quot,/'"'}
    v=${v//.fork,/'`'}
    v=${v//.pipe,/'|'}
    # shellcheck disable=SC1003 # one backslash, quoted
    v=${v//.backslash,/'\'}
    v=${v//.amp,/'&'}
    v=${v//.comma,/','}
    v=${v//.dot,/'.'}
    printf '%s' "$v"
}

while [[ $# -gt 0 ]]; do
    option=$1
    [[ $# -ge 2 ]] || die_usage "option '$option' needs a value"
    value=$2
    case "$option" in
        -v) operation_mode=$value ;;
        -name) glidein_name=$value ;;
        -entry) glidein_entry=$value ;;
        -web) repository_url=$value ;;
        -descript) descript_file=$value ;;
        -descriptentry) descript_entry_file=$value ;;
        -sign) sign_sha1=$value ;;
        -signentry) sign_entry_sha1=$value ;;
        -signtype) sign_type=$value ;;
        -proxy) proxy_url=$value ;;
        -dir) work_dir_spec=$value ;;
        -factory) glidein_factory=$value ;;
        -schedd) condorg_schedd=$value ;;
        -cluster) condorg_cluster=$value ;;
        -subcluster) condorg_subcluster=$value ;;
        -submitcredid) submit_credid=$value ;;
        -clientname) client_name=$value ;;
        -clientweb) client_repository_url=$value ;;
        -clientsign) client_sign_sha1=$value ;;
        -clientsigntype) client_sign_type=$value ;;
        -clientdescript) client_descript_file=$value ;;
        -clientgroup) client_group=$value ;;
        -clientwebgroup) client_repository_group_url=$value ;;
        -clientsigngroup) client_sign_group_sha1=$value ;;
        -clientdescriptgroup) client_descript_group_file=$value ;;
        -slotslayout) slots_layout=$value ;;
        -multiglidein) multi_glidein=$value ;;
        -multirestart) multi_glidein_restart=$value ;;
        -param_*)
            name=${option#-param_}
            [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die_usage "invalid parameter name '$name'"
            param_names+=("$name")
            param_values+=("$(decode_param "$value")")
            ;;
        *) die_usage "unknown option '$option'" ;;
    esac
    shift 2
done

[[ -n $descript_file ]] || die_usage "missing -descript"
[[ -n $descript_entry_file ]] || die_usage "missing -descriptentry"
[[ -n $glidein_name ]] || die_usage "missing -name"
[[ -n $glidein_entry ]] || die_usage "missing -entry"
[[ -n $repository_url ]] || die_usage "missing -web"
[[ -n $sign_sha1 ]] || die_usage "missing -sign"
[[ -n $sign_entry_sha1 ]] || die_usage "missing -signentry"
[[ $sign_type == sha1 ]] || die_usage "unsupported -signtype '$sign_type' (only sha1)"
if [[ -n $client_repository_url ]]; then
    [[ -n $client_descript_file ]] || die_usage "missing -clientdescript"
    [[ -n $client_sign_sha1 ]] || die_usage "missing -clientsign"
    [[ $client_sign_type == sha1 ]] || die_usage "unsupported -clientsigntype '$client_sign_type'"
fi
if [[ -n $client_repository_group_url ]]; then
    [[ -n $client_repository_url ]] || die_usage "-clientwebgroup needs -clientweb"
    [[ -n $client_group ]] || die_usage "missing -clientgroup"
    [[ -n $client_descript_group_file ]] || die_usage "missing -clientdescriptgroup"
    [[ -n $client_sign_group_sha1 ]] || die_usage "missing -clientsigngroup"
fi

# A name that becomes a path component: no '/', no '..', no blanks or glob characters.
safe_name() {
    [[ $1 =~ ^[A-Za-z0-9_@+][A-Za-z0-9_.@+-]*$ && $1 != *..* ]]
}
safe_name "$glidein_entry" || die_usage "unsafe entry name '$glidein_entry'"
[[ -z $client_group ]] || safe_name "$client_group" || die_usage "unsafe group name '$client_group'"
for value in "$descript_file" "$descript_entry_file" "$client_descript_file" \
    "$client_descript_group_file"; do
    [[ -z $value ]] || safe_name "$value" || die_usage "unsafe description file name '$value'"
done
for value in "$sign_sha1" "$sign_entry_sha1" "$client_sign_sha1" "$client_sign_group_sha1"; do
    [[ -z $value || $value =~ ^[0-9a-fA-F]{40}$ ]] || die_usage "not a SHA-1: '$value'"
done

case "${slots_layout,,}" in
    *fixed*) slots_layout=fixed ;;
    *) slots_layout=partitionable ;;
esac

case "$operation_mode" in
    nodebug) sleep_time=1199 debug_mode=0 ;;
    fast) sleep_time=150 debug_mode=1 ;;
    check) sleep_time=150 debug_mode=2 ;;
    *) sleep_time=1199 debug_mode=1 ;;
esac

if [[ -n ${X509_USER_PROXY:-} ]]; then
    X509_USER_PROXY=$(readlink -f "$X509_USER_PROXY")
    export X509_USER_PROXY
fi

# --- downloads ----------------------------------------------------------------

user_agent="glidein/$glidein_entry/$condorg_schedd/$condorg_cluster.$condorg_subcluster/$client_name"
have_wget=0
have_curl=0
wget --version >/dev/null 2>&1 && have_wget=1
curl --version >/dev/null 2>&1 && have_curl=1

# Download caps. Descriptions, signature files and file lists are small text: at most
# metadata_limit bytes. A listed file may be at most its list's "# Largest file: N bytes"
# line plus list_margin (content-named files never change size); a list without that line
# (made by GlideinWMS) allows default_file_limit.
metadata_limit=$((8 * 1024 * 1024))
list_margin=$((1024 * 1024))
default_file_limit=$((2 * 1024 * 1024 * 1024))

# capped LIMIT COMMAND...: run COMMAND with files it writes capped just over LIMIT bytes
# (bash counts ulimit -f in KiB), so an endless answer is stopped early, not stored.
capped() {
    local limit=$1
    shift
    (
        ulimit -c 0
        ulimit -f $((limit / 1024 + 1))
        exec "$@"
    )
}

# fetch_url URL DEST NOCACHE(0|1) LIMIT [PROXY]: wget first, curl (with --fail) as fallback.
# Returns 0 when fetched, 2 when the answer exceeds LIMIT bytes (DEST is removed), 1 otherwise.
fetch_url() {
    local url=$1 dest=$2 nocache=$3 limit=$4 proxy=${5:-$proxy_url} tool rc
    local -a wget_args=(--quiet --tries=2 --timeout=60 --user-agent "wget/$user_agent"
        --output-document "$dest")
    local -a curl_args=(--fail --silent --show-error --retry 1 --max-time 300
        --max-filesize "$limit" --user-agent "curl/$user_agent" --output "$dest")
    if [[ $nocache == 1 ]]; then
        wget_args+=(--no-cache)
        curl_args+=(--header "Cache-Control: no-cache")
    fi
    if [[ -n $proxy && $proxy != None ]]; then
        wget_args+=(-e use_proxy=yes -e "http_proxy=$proxy")
        curl_args+=(--proxy "$proxy")
    fi
    for tool in wget curl; do
        rc=1
        if [[ $tool == wget && $have_wget == 1 ]]; then
            capped "$limit" wget "${wget_args[@]}" "$url"
            rc=$?
        elif [[ $tool == curl && $have_curl == 1 ]]; then
            capped "$limit" curl "${curl_args[@]}" "$url"
            rc=$? # 63: the announced size is over the limit
        fi
        if ((rc == 63)) || oversized "$dest" "$limit"; then
            rm -f -- "$dest"
            return 2
        fi
        ((rc == 0)) && return 0
        rm -f -- "$dest"
    done
    return 1
}

# oversized FILE LIMIT: whether FILE exists and holds more than LIMIT bytes.
oversized() {
    local size
    size=$(stat -c %s -- "$1" 2>/dev/null) || return 1
    ((size > $2))
}

if [[ $proxy_url == OSG ]]; then
    if [[ -n ${OSG_SQUID_LOCATION:-} ]]; then
        proxy_url=$OSG_SQUID_LOCATION
        [[ $proxy_url == *:* ]] || proxy_url="$proxy_url:3128"
    else
        proxy_url=None
    fi
fi
[[ -n $proxy_url ]] || proxy_url=None
if [[ $proxy_url != None ]]; then
    probe=$(mktemp) || exit 1
    if ! fetch_url "$repository_url/glidein_startup.sh" "$probe" 1 "$metadata_limit" \
        "$proxy_url"; then
        printf 'Resetting the HTTP proxy. The configured one (%s) seems unavailable!\n' \
            "$proxy_url" >&2
        proxy_url=None
    fi
    rm -f -- "$probe"
fi

# --- header -----------------------------------------------------------------------

glidein_uuid=$(uuidgen 2>/dev/null) \
    || glidein_uuid=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export GLIDEIN_UUID=$glidein_uuid GLIDEIN_Name=$glidein_name
echo "Starting glidein_startup.sh at $(date) ($startup_time)"
echo "script_checksum   = '$(md5sum "$startup_script" 2>/dev/null | cut -d' ' -f1)  $startup_script'"
echo "debug_mode        = '$operation_mode'"
echo "condorg_cluster   = '$condorg_cluster'"
echo "condorg_subcluster= '$condorg_subcluster'"
echo "condorg_schedd    = '$condorg_schedd'"
echo "glidein_uuid      = '$glidein_uuid'"
echo "glidein_credential_id = '$submit_credid'"
echo "glidein_factory   = '$glidein_factory'"
echo "glidein_name      = '$glidein_name'"
echo "glidein_entry     = '$glidein_entry'"
echo "client_name       = '$client_name'"
echo "client_group      = '$client_group'"
echo "work_dir          = '$work_dir_spec'"
echo "web_dir           = '$repository_url'"
echo "sign_type         = '$sign_type'"
echo "proxy_url         = '$proxy_url'"
echo "descript_fname    = '$descript_file'"
echo "descript_entry_fname = '$descript_entry_file'"
echo "sign_id           = '$sign_sha1'"
echo "sign_entry_id     = '$sign_entry_sha1'"
echo "client_web_dir    = '$client_repository_url'"
echo "client_descript_fname = '$client_descript_file'"
echo "client_sign_id    = '$client_sign_sha1'"
echo "client_web_group_dir = '$client_repository_group_url'"
echo "client_descript_group_fname = '$client_descript_group_file'"
echo "client_sign_group_id = '$client_sign_group_sha1'"
echo "Running on $(uname -n) as $(id -un) ($(id -u)), PID $$"
if [[ -n $multi_glidein_restart ]]; then
    echo "multi_glidein_restart = '$multi_glidein_restart'"
fi

# --- multi-glidein: run N copies side by side ---------------------------------------

# param_value NAME: the (last) decoded value of -param_NAME, empty without one.
param_value() {
    local i value=""
    for i in "${!param_names[@]}"; do
        [[ ${param_names[i]} == "$1" ]] && value=${param_values[i]}
    done
    printf '%s' "$value"
}

# The GLIDEIN_MULTIGLIDEIN parameter asks for copies as -multiglidein does (which wins).
[[ -z $multi_glidein ]] && multi_glidein=$(param_value GLIDEIN_MULTIGLIDEIN)
if [[ -n $multi_glidein && -z $multi_glidein_restart && $multi_glidein != 1 ]]; then
    [[ $multi_glidein =~ ^[1-9][0-9]*$ ]] || die_usage "-multiglidein needs a positive number"
    declare -a child_args=() all_args=()
    for ((i = 0; i < ${#original_args[@]}; i += 2)); do
        [[ ${original_args[i]} == -multiglidein ]] && continue
        all_args+=("${original_args[i]}" "${original_args[i + 1]}")
        [[ ${original_args[i]} == -dir ]] && continue
        child_args+=("${original_args[i]}" "${original_args[i + 1]}")
    done
    # GLIDEIN_MULTIGLIDEIN_LAUNCHALL: one command starting every copy (split into words, never
    # evaluated); GLIDEIN_MULTIGLIDEIN_LAUNCHER: a command put before each copy's.
    declare -a launchall=() launcher=()
    read -r -a launchall <<<"$(param_value GLIDEIN_MULTIGLIDEIN_LAUNCHALL)"
    read -r -a launcher <<<"$(param_value GLIDEIN_MULTIGLIDEIN_LAUNCHER)"
    declare -a children=()
    if ((${#launchall[@]} > 0)); then
        echo "Starting $multi_glidein glideins with ${launchall[*]}"
        "${launchall[@]}" bash "$startup_script" "${all_args[@]}" -multirestart 0 &
        children+=($!)
    fi
    for ((i = 1; i <= multi_glidein && ${#launchall[@]} == 0; i++)); do
        mkdir -p "glidein_dir$i" || exit 1
        # Each copy finds the glidein's credentials in its own start dir.
        for credential in credential_*.idtoken; do
            [[ -f $credential ]] && cp -p "$credential" "glidein_dir$i/"
        done
        (cd "glidein_dir$i" && exec "${launcher[@]}" bash "$startup_script" "${child_args[@]}" \
            -dir . -multirestart "$i") &
        children+=($!)
    done
    for child in "${children[@]}"; do
        wait "$child"
    done
    echo "All $multi_glidein glideins ended"
    exit 0
fi

# --- failure handling ----------------------------------------------------------------

xml_escape() {
    local v=$1
    v=${v//&/'&amp;'}
    v=${v//</'&lt;'}
    v=${v//>/'&gt;'}
    v=${v//\"/'&quot;'}
    printf '%s' "$v"
}

failure_type="" failure_detail="" failure_file=""
work_dir="" glide_local_tmp_dir="" glidein_config=""
# debug_option NAME: whether GLIDEIN_DEBUG_OPTIONS lists NAME, in the environment or, once
# glidein_config holds the factory's and frontend's values, as an attr.
debug_option() {
    local options=${GLIDEIN_DEBUG_OPTIONS:-}
    [[ -n $glidein_config && -f $glidein_config ]] \
        && options+=",$(gconfig_get GLIDEIN_DEBUG_OPTIONS)"
    [[ ,${options// /}, == *,$1,* ]]
}

wait_before_exit() {
    debug_option nowait && sleep_time=1
    local deadline=$(($(date +%s) + sleep_time)) now
    echo "Sleeping $sleep_time s before reporting the failure" >&2
    now=$(date +%s)
    while ((now < deadline)); do
        sleep $((deadline - now > 300 ? 300 : deadline - now))
        now=$(date +%s)
    done
}

print_final_xml() {
    local rc=$1 status=OK
    ((rc == 0)) || status=ERROR
    echo "=== XML description of glidein activity ==="
    echo '<?xml version="1.0"?>'
    echo '<OSGTestResult id="glidein_startup.sh" version="4.3.1">'
    echo '  <operatingenvironment>'
    echo "    <env name=\"client_name\">$(xml_escape "$client_name")</env>"
    echo "    <env name=\"client_group\">$(xml_escape "$client_group")</env>"
    echo "    <env name=\"user\">$(xml_escape "$(id -un)")</env>"
    echo "    <env name=\"arch\">$(uname -m)</env>"
    echo "    <env name=\"hostname\">$(xml_escape "$(uname -n)")</env>"
    echo "    <env name=\"cwd\">$(xml_escape "$start_dir")</env>"
    echo '  </operatingenvironment>'
    echo "  <test>"
    echo "    <cmd>$(xml_escape "$startup_script")</cmd>"
    echo "    <tStart>$(date --date=@"$startup_time" +%Y-%m-%dT%H:%M:%S%:z)</tStart>"
    echo "    <tEnd>$(date +%Y-%m-%dT%H:%M:%S%:z)</tEnd>"
    echo "  </test>"
    echo "  <result>"
    echo "    <status>$status</status>"
    if [[ $status == ERROR ]]; then
        echo "    <metric name=\"failure\" ts=\"$(date +%Y-%m-%dT%H:%M:%S%:z)\" uri=\"local\">$(xml_escape "${failure_type:-Unknown}")</metric>"
        [[ -z $failure_file ]] || echo "    <metric name=\"file\" ts=\"$(date +%Y-%m-%dT%H:%M:%S%:z)\" uri=\"local\">$(xml_escape "$failure_file")</metric>"
    fi
    echo "  </result>"
    [[ -z $failure_detail ]] || echo "  <detail>$(xml_escape "$failure_detail")</detail>"
    echo "</OSGTestResult>"
    echo "=== End XML description of glidein activity ==="
}

run_cleanup_scripts() {
    local script
    [[ -n $work_dir && -d $work_dir/.gwms.d/exec/cleanup ]] || return 0
    for script in "$work_dir"/.gwms.d/exec/cleanup/*; do
        [[ -x $script ]] || continue
        (cd "$work_dir" && "$script" glidein_config cleanup </dev/null) \
            || echo "Cleanup script $script failed" >&2
    done
}

remove_work_dirs() {
    cd "$start_dir" || return 0
    if ! debug_option nocleanup; then
        [[ -z $work_dir ]] || rm -rf -- "$work_dir"
        [[ -z $glide_local_tmp_dir ]] || rm -rf -- "$glide_local_tmp_dir"
    fi
}

# report_failure PHASE: when failure reporting is on, run the last script in advertise-only
# mode (GLIDEIN_ADVERTISE_ONLY 1), which sends the collectors an ad saying why this glidein
# failed: PHASE alive before the failure wait (ALIVEONLY and ALWAYS), final after it (ALWAYS).
# GLIDEIN_Report_Failed is for the user collector, GLIDEIN_Factory_Report_Failed (ALIVEONLY
# by default when GLIDEIN_Factory_Collector is set) for the factory's.
report_failure() {
    local phase=$1 report factory_report script
    [[ -n ${last_script:-} && -n $glidein_config && -f $glidein_config ]] || return 0
    report=$(gconfig_get GLIDEIN_Report_Failed)
    factory_report=$(gconfig_get GLIDEIN_Factory_Report_Failed)
    if [[ -z $factory_report && -n $(gconfig_get GLIDEIN_Factory_Collector) ]]; then
        factory_report=ALIVEONLY
    fi
    if [[ $phase == final ]]; then
        [[ ${report^^} == ALWAYS || ${factory_report^^} == ALWAYS ]] || return 0
    else
        [[ ${report:-NEVER} != NEVER || ${factory_report:-NEVER} != NEVER ]] || return 0
    fi
    gconfig_add GLIDEIN_ADVERTISE_PHASE "$phase"
    script="$work_dir/main/$last_script"
    if [[ ! -x $script ]]; then
        echo "glidein_startup.sh: cannot report the failure: main/$last_script was not staged" >&2
        return 0
    fi
    echo "Reporting the failure ($phase) through main/$last_script (advertise only)" >&2
    (cd "$work_dir" && "$script" glidein_config </dev/null) \
        || echo "glidein_startup.sh: the failure report through main/$last_script failed" >&2
}

# glidein_exit RC: report, wait on failure, clean up and exit with RC.
glidein_exit() {
    local rc=$1 now
    trap - TERM INT QUIT
    debug_option nowait && sleep_time=1
    run_cleanup_scripts
    if ((rc != 0)) && [[ -n $glidein_config && -f $glidein_config ]]; then
        now=$(date +%s)
        gconfig_add GLIDEIN_ADVERTISE_ONLY 1
        gconfig_add GLIDEIN_Failed True
        gconfig_add GLIDEIN_EXIT_CODE "$rc"
        gconfig_add GLIDEIN_ToDie $((now + sleep_time))
        gconfig_add GLIDEIN_Expire $((now + sleep_time))
        gconfig_add GLIDEIN_LAST_SCRIPT "${last_run_script:-glidein_startup.sh}"
        gconfig_add GLIDEIN_ADVERTISE_TYPE Retiring
        gconfig_add GLIDEIN_FAILURE_REASON "${failure_detail//$'\n'/ }"
    fi
    if ((rc != 0)); then
        report_failure alive
        wait_before_exit
        report_failure final
    fi
    local end_time
    end_time=$(date +%s)
    echo "=== Glidein ending $(date) ($end_time) with code $rc after $((end_time - startup_time)) ==="
    print_final_xml "$rc"
    remove_work_dirs
    exit "$rc"
}

# fail TYPE FILE MESSAGE: print MESSAGE and leave through the failure path.
fail() {
    failure_type=$1 failure_file=$2 failure_detail=$3
    printf 'glidein_startup.sh: %s\n' "$failure_detail" >&2
    glidein_exit 1
}

early_failure() {
    failure_type=WN_RESOURCE failure_detail=$1
    printf 'glidein_startup.sh: %s\n' "$1" >&2
    wait_before_exit
    print_final_xml 1
    remove_work_dirs
    exit 1
}

# --- work directory ---------------------------------------------------------------------

free_kb() {
    df -Pk "$1" 2>/dev/null | awk 'NR == 2 {print $4}'
}

case "$work_dir_spec" in
    "" | .) work_base=$start_dir ;;
    Condor | CONDOR) work_base=${_CONDOR_SCRATCH_DIR:-} ;;
    OSG) work_base=${OSG_WN_TMP:-} ;;
    TMPDIR) work_base=${TMPDIR:-} ;;
    AUTO)
        work_base=""
        for candidate in "${_CONDOR_SCRATCH_DIR:-}" "${OSG_WN_TMP:-}" "${TMPDIR:-}" "$start_dir"; do
            [[ -n $candidate && -d $candidate && -w $candidate ]] || continue
            free=$(free_kb "$candidate")
            if [[ -n $free ]] && ((free >= 1000000)); then
                work_base=$candidate
                break
            fi
        done
        ;;
    *) work_base=$work_dir_spec ;;
esac
[[ -n $work_base && -d $work_base ]] \
    || early_failure "work dir '$work_dir_spec' does not name an existing directory"
# dir_id: with nocleanup, a tag naming the stages (the last 4 characters of the factory's and
# the frontend's web hosts, as GlideinWMS tags them; "debug" without) that tells kept
# directories apart; empty otherwise.
dir_id() {
    debug_option nocleanup || return 0
    local url tag="" host
    for url in "$repository_url" "$client_repository_url"; do
        host=${url#*//}
        host=${host%%.*}
        host=${host//[^A-Za-z0-9-]/}
        tag+=${host: -4}
    done
    echo "${tag:-debug}_"
}
work_dir=$(mktemp -d "$work_base/glide_$(dir_id)XXXXXX") \
    || early_failure "cannot create a work dir in '$work_base'"
cd "$work_dir" || early_failure "cannot enter '$work_dir'"
glide_local_tmp_dir=$(mktemp -d "/tmp/glide_$(dir_id)$(id -un)_XXXXXX") \
    || early_failure "cannot create a local tmp dir in /tmp"
entry_dir="entry_$glidein_entry"
client_group_dir="client_group_$client_group"
mkdir -p .gwms.d/bin .gwms.d/lib .gwms.d/exec/setup .gwms.d/exec/prejob \
    .gwms.d/exec/postjob .gwms.d/exec/cleanup .gwms.d/exec/setup_singularity \
    tmp main condor_config.d "$entry_dir" \
    || early_failure "cannot create the directories of '$work_dir'"
[[ -z $client_repository_url ]] || mkdir client || early_failure "cannot create client/"
[[ -z $client_repository_group_url ]] || mkdir "$client_group_dir" \
    || early_failure "cannot create $client_group_dir/"
if [[ -f $start_dir/tokens.tgz && -f $start_dir/url_dirs.desc ]]; then
    mv "$start_dir/tokens.tgz" "$start_dir/url_dirs.desc" . \
        || echo "Cannot move the remote-logging credentials" >&2
fi

# --- sourceable helpers (the protocol's payload) -------------------------------------------

write_payload() {
    cat >add_config_line.source <<'EOF'
# glidein_config access for glidein scripts (glideinforge).
# glidein_config lines are "KEY value"; the last occurrence of a key wins.
# Functions use $glidein_config when set, else ./glidein_config.

# gconfig_get KEY [FILE] [-i]: print the value of KEY (empty if unset).
gconfig_get() {
    local key=$1 file=${2:-${glidein_config:-glidein_config}} fold=0
    [[ $file == -i ]] && { file=${glidein_config:-glidein_config}; fold=1; }
    [[ ${3:-} == -i ]] && fold=1
    [[ -r $file ]] || return 1
    awk -v key="$key" -v fold="$fold" '
        { k = substr($0, 1, length(key) + 1); if (fold) { k = tolower(k); kk = tolower(key " ") } else kk = key " " }
        k == kk { value = substr($0, length(key) + 2); found = 1 }
        END { if (found) print value }' "$file"
}

# gconfig_add KEY VALUE...: set KEY to the words of VALUE joined by spaces.
gconfig_add() {
    local key=$1 file=${glidein_config:-glidein_config}
    shift
    local value="$*"
    if [[ -z $key || $key == *[[:space:]]* || $value == *$'\n'* ]]; then
        echo "gconfig_add: refusing key '$key' (blank) or a value with a newline" >&2
        return 1
    fi
    printf 'REG%s %s %s\n' "$$" "$key" "$value" >>"$file.history"
    awk -v line="$key $value" -v prefix="$key " '
        $0 == line { same = 1 }
        substr($0, 1, length(prefix)) != prefix { kept[++n] = $0; next }
        { dropped++ }
        END {
            if (same && dropped == 1) exit 3
            for (i = 1; i <= n; i++) print kept[i]
            print line
        }' "$file" >"$file.$$.tmp"
    case $? in
        0) mv -f "$file.$$.tmp" "$file" ;;
        3) rm -f "$file.$$.tmp" ;;
        *) rm -f "$file.$$.tmp"; return 1 ;;
    esac
}

# gconfig_add_safe KEY VALUE...: gconfig_add under a lock, for parallel writers.
gconfig_add_safe() {
    local lock="${glidein_config:-glidein_config}.lock" tries=0 rc
    until ln -s "$$" "$lock" 2>/dev/null; do
        ((++tries > 600)) && { echo "gconfig_add_safe: cannot take $lock" >&2; return 1; }
        sleep 0.1
    done
    gconfig_add "$@"
    rc=$?
    rm -f "$lock"
    return $rc
}

add_config_line() { gconfig_add "$@"; }
add_config_line_safe() { gconfig_add_safe "$@"; }
EOF
    cat >get_id_selectors.source <<'EOF'
# Map a staging-area id to its glidein_config key prefix and directory (glideinforge).
get_prefix() {
    case "$1" in
        main) echo "" ;;
        entry) echo "ENTRY_" ;;
        client) echo "GLIDECLIENT_" ;;
        client_group) echo "GLIDECLIENT_GROUP_" ;;
        *) echo "UNKNOWN_ID_" ; return 1 ;;
    esac
}
get_id_selectors() {
    id_prefix=$(get_prefix "$1")
}
EOF
    cat >logging_utils.source <<'EOF'
# Local logging for glidein scripts (glideinforge): nothing is sent anywhere.
glog_write() {
    local dir
    dir=$(gconfig_get GLIDEIN_LOGDIR 2>/dev/null)
    [[ -n $dir && -d $dir ]] || return 0
    printf '%s %s %s\n' "$(date +%s)" "$1" "${*:2}" >>"$dir/glidein.log"
}
glog_send() { return 0; }
EOF
    cat >b64uuencode.source <<'EOF'
# b64uuencode: base64-encode stdin in a uuencode-style frame (glideinforge).
b64uuencode() {
    echo "begin-base64 644 -"
    base64 -w 76
    echo "===="
}
EOF
    cat >glidein_paths.source <<'EOF'
# Path helpers for glidein scripts (glideinforge).
robust_realpath() {
    readlink -f "$1" 2>/dev/null || printf '%s\n' "$1"
}
EOF
}
write_payload || early_failure "cannot write the helper files in '$work_dir'"
# shellcheck source=/dev/null
source ./add_config_line.source

# --- glidein_config ----------------------------------------------------------------------------

glidein_config="$work_dir/glidein_config"
{
    echo
    echo "# --- glidein_startup vals ---"
    echo "GLIDEIN_UUID $glidein_uuid"
    echo "GLIDEIN_Factory $glidein_factory"
    echo "GLIDEIN_Name $glidein_name"
    echo "GLIDEIN_Entry_Name $glidein_entry"
    [[ -z $client_name ]] || echo "GLIDECLIENT_Name $client_name"
    [[ -z $client_group ]] || echo "GLIDECLIENT_Group $client_group"
    echo "GLIDEIN_CredentialIdentifier $submit_credid"
    echo "CONDORG_CLUSTER $condorg_cluster"
    echo "CONDORG_SUBCLUSTER $condorg_subcluster"
    echo "CONDORG_SCHEDD $condorg_schedd"
    echo "DEBUG_MODE $debug_mode"
    echo "GLIDEIN_STARTUP_PID $$"
    echo "GLIDEIN_START_DIR_ORIG $start_dir"
    echo "GLIDEIN_WORKSPACE_ORIG $work_base"
    echo "GLIDEIN_WORK_DIR $work_dir/main"
    echo "GLIDEIN_ENTRY_WORK_DIR $work_dir/$entry_dir"
    echo "TMP_DIR $work_dir/tmp"
    echo "GLIDEIN_LOCAL_TMP_DIR $glide_local_tmp_dir"
    echo "PROXY_URL $proxy_url"
    echo "DESCRIPTION_FILE $descript_file"
    echo "DESCRIPTION_ENTRY_FILE $descript_entry_file"
    echo "GLIDEIN_Signature $sign_sha1"
    echo "GLIDEIN_Entry_Signature $sign_entry_sha1"
    if [[ -n $client_repository_url ]]; then
        echo "GLIDECLIENT_WORK_DIR $work_dir/client"
        echo "GLIDECLIENT_DESCRIPTION_FILE $client_descript_file"
        echo "GLIDECLIENT_Signature $client_sign_sha1"
        if [[ -n $client_repository_group_url ]]; then
            echo "GLIDECLIENT_GROUP_WORK_DIR $work_dir/$client_group_dir"
            echo "GLIDECLIENT_DESCRIPTION_GROUP_FILE $client_descript_group_file"
            echo "GLIDECLIENT_Group_Signature $client_sign_group_sha1"
        fi
    fi
    echo "B64UUENCODE_SOURCE $work_dir/b64uuencode.source"
    echo "ADD_CONFIG_LINE_SOURCE $work_dir/add_config_line.source"
    echo "GET_ID_SELECTORS_SOURCE $work_dir/get_id_selectors.source"
    echo "LOGGING_UTILS_SOURCE $work_dir/logging_utils.source"
    echo "GLIDEIN_PATHS_SOURCE $work_dir/glidein_paths.source"
    echo "WRAPPER_LIST $work_dir/wrapper_list.lst"
    echo "SLOTS_LAYOUT $slots_layout"
    echo "GLIDEIN_INITIALIZED 0"
    echo "GLIDEIN_ADVERTISE_ONLY 0"
    echo "GLIDEIN_CONDOR_TOKEN ${GLIDEIN_CONDOR_TOKEN:-}"
    echo "# --- User Parameters ---"
} >"$glidein_config" || early_failure "cannot create '$glidein_config'"
: >"$glidein_config.history"
: >wrapper_list.lst
param_list=""
for i in "${!param_names[@]}"; do
    value=${param_values[i]}
    if [[ $value == *$'\n'* ]]; then
        fail Config "" "parameter ${param_names[i]} has a newline in its value"
    fi
    gconfig_add "${param_names[i]}" "$value" || fail Config "" "cannot record ${param_names[i]}"
    param_list+="${param_list:+,}${param_names[i]}"
done
echo "PARAM_LIST $param_list"
mkdir -p "logs/$glidein_uuid"
gconfig_add GLIDEIN_LOGDIR "$work_dir/logs/$glidein_uuid"
gconfig_add GLIDEIN_LOG_NO_SEND True
gconfig_add CURL_VERSION "$(curl --version 2>/dev/null | head -n 1)"
gconfig_add GLIDEIN_LOG_INITIALIZED 1

# --- staging areas ------------------------------------------------------------------------------

# Per id: base URL, local dir, glidein_config prefix, description, expected signature hash.
declare -A id_url=([main]=$repository_url [entry]="$repository_url/$entry_dir")
declare -A id_dir=([main]=main [entry]=$entry_dir)
declare -A id_prefix=([main]="" [entry]=ENTRY_ [client]=GLIDECLIENT_ [client_group]=GLIDECLIENT_GROUP_)
declare -A id_description=([main]=$descript_file [entry]=$descript_entry_file)
declare -A id_sign=([main]=$sign_sha1 [entry]=$sign_entry_sha1)
declare -a ids=(main entry)
if [[ -n $client_repository_url ]]; then
    id_url[client]=$client_repository_url id_dir[client]=client
    id_description[client]=$client_descript_file id_sign[client]=$client_sign_sha1
    ids+=(client)
    if [[ -n $client_repository_group_url ]]; then
        id_url[client_group]=$client_repository_group_url id_dir[client_group]=$client_group_dir
        id_description[client_group]=$client_descript_group_file
        id_sign[client_group]=$client_sign_group_sha1
        ids+=(client_group)
    fi
fi

# description_value ID KEY: the value of KEY in the id's description ("key \tvalue" lines).
description_value() {
    awk -F '\t' -v key="$2" '
        /^#/ { next }
        { k = $1; sub(/[ ]+$/, "", k) }
        k == key && NF >= 2 { v = $2; for (i = 3; i <= NF; i++) v = v "\t" $i; print v; exit }
    ' "${id_dir[$1]}/${id_description[$1]}"
}

# Signature lines per id, read once: signed["<id>/<name>"] is the SHA-1, or "duplicate".
declare -A signed=()
# shellcheck disable=SC2094 # fail only names the file it is reading
load_signatures() {
    local id=$1 hash name extra
    while read -r hash name extra; do
        [[ -z $hash || $hash == \#* ]] && continue
        if [[ -n $extra || ! ${hash,,} =~ ^[0-9a-f]{40}$ || -z $name ]]; then
            fail Corruption "${id_dir[$id]}/signature.sha1" \
                "Malformed line in the $id signature file: '$hash $name $extra'"
        fi
        if [[ -n ${signed[$id/$name]:-} ]]; then
            signed[$id/$name]=duplicate
        else
            signed[$id/$name]=${hash,,}
        fi
    done <"${id_dir[$id]}/signature.sha1"
}

file_sha1() {
    local sum
    sum=$(sha1sum <"$1") || return 1
    printf '%s' "${sum%% *}"
}

# download ID INFILE NOCACHE LIMIT: fetch <id url>/INFILE into the id dir, or fail (Network;
# Corruption when the answer is over LIMIT bytes).
download() {
    local id=$1 infile=$2 nocache=$3 limit=$4
    local url="${id_url[$id]}/$infile"
    fetch_url "$url" "${id_dir[$id]}/$infile" "$nocache" "$limit"
    case $? in
        0) ;;
        2) fail Corruption "$url" \
            "File '$infile' from '$url' is over its $limit-byte limit; download stopped." ;;
        *) fail Network "$url" "Failed to load file '$infile' from '$url'" ;;
    esac
}

# list_file_limit LIST: the download limit of the files a verified LIST names.
list_file_limit() {
    local largest
    largest=$(awk '/^# Largest file: [0-9]+ bytes$/ { print $4; exit }' "$1")
    if [[ $largest =~ ^[0-9]{1,15}$ ]]; then
        echo $((largest + list_margin))
    else
        echo "$default_file_limit"
    fi
}

# verify_file ID INFILE TYPE [soft]: fail closed unless INFILE matches its signature line.
# With "soft", a hash mismatch returns 1 instead (the caller fetches the file again).
verify_file() {
    local id=$1 infile=$2 type=$3 soft=${4:-} dir=${id_dir[$1]} expected actual
    expected=${signed[$id/$infile]:-}
    if [[ -z $expected || $expected == duplicate ]]; then
        if [[ $type == nocache ]]; then
            echo "No signature for $dir/$infile (type nocache, accepted unverified)." >&2
            return 0
        fi
        fail Corruption "$dir/$infile" \
            "File '$dir/$infile' has no signature line in the $id signature file; refusing it."
    fi
    actual=$(file_sha1 "$dir/$infile")
    if [[ $actual != "$expected" ]]; then
        [[ $soft == soft ]] && return 1
        fail Corruption "$dir/$infile" \
            "File '$dir/$infile' is corrupted: signature says $expected, got $actual."
    fi
    echo "Signature OK for $id:$infile." >&2
}

# Phase A: descriptions and signature files, checked against the arguments.
for id in "${ids[@]}"; do
    download "$id" "${id_description[$id]}" 0 "$metadata_limit"
    signature_name=$(description_value "$id" signature)
    [[ -n $signature_name ]] \
        || fail Corruption "${id_dir[$id]}/${id_description[$id]}" \
            "No signature in description file '${id_dir[$id]}/${id_description[$id]}'."
    safe_name "$signature_name" || fail Corruption "$signature_name" \
        "Refusing unsafe signature file name '$signature_name' in the $id description."
    download "$id" "$signature_name" 0 "$metadata_limit"
    actual=$(file_sha1 "${id_dir[$id]}/$signature_name")
    if [[ $actual != "${id_sign[$id],,}" ]]; then
        fail Corruption "${id_dir[$id]}/$signature_name" \
            "Corrupted signature file '${id_dir[$id]}/$signature_name': expected ${id_sign[$id],,}, got $actual."
    fi
    mv -f "${id_dir[$id]}/$signature_name" "${id_dir[$id]}/signature.sha1"
    load_signatures "$id"
    echo "Signature file OK for $id: $signature_name" >&2
done

# Phase B: each description against its own signature file.
for id in "${ids[@]}"; do
    description=${id_description[$id]}
    expected=${signed[$id/$description]:-}
    [[ -n $expected && $expected != duplicate ]] || fail Corruption "${id_dir[$id]}/$description" \
        "Corrupted description file '${id_dir[$id]}/$description': no single signature line."
    actual=$(file_sha1 "${id_dir[$id]}/$description")
    [[ $actual == "$expected" ]] || fail Corruption "${id_dir[$id]}/$description" \
        "Corrupted description file '${id_dir[$id]}/$description': signature says $expected, got $actual."
done

# Phase C.
last_script=$(description_value main last_script)
[[ -n $last_script ]] || fail Corruption "main/$descript_file" \
    "last_script not in description file 'main/$descript_file'."
safe_name "$last_script" || fail Corruption "$last_script" "Refusing unsafe last_script '$last_script'."
cleanup_script=$(gconfig_get GLIDEIN_CLEANUP_SCRIPT)

# --- processing the lists -----------------------------------------------------------------------

periodic_count=0
cron_include="$work_dir/condor_config_startd_cron_include"

# register_periodic ID PATH PERIOD PREFIX: a startd cron job that re-runs PATH.
register_periodic() {
    local id=$1 path=$2 period=$3 prefix=$4 name
    periodic_count=$((periodic_count + 1))
    name="GLIDEIN_PS_$periodic_count"
    [[ $prefix == NOPREFIX ]] && prefix=""
    if [[ ! -f $cron_include ]]; then
        printf '# Periodic glidein scripts, run by the startd as cron jobs\n' >"$cron_include"
        gconfig_add GLIDEIN_condor_config_startd_cron_include "$cron_include"
        gconfig_add GLIDEIN_PS_FAILED_LIST "$work_dir/ps_failed.lst"
    fi
    {
        echo "STARTD_CRON_JOBLIST = \$(STARTD_CRON_JOBLIST) $name"
        echo "STARTD_CRON_${name}_MODE = Periodic"
        echo "STARTD_CRON_${name}_KILL = True"
        echo "STARTD_CRON_${name}_PERIOD = ${period}s"
        echo "STARTD_CRON_${name}_EXECUTABLE = $work_dir/main/script_wrapper.sh"
        echo "STARTD_CRON_${name}_ARGS = $glidein_config $id $path"
        echo "STARTD_CRON_${name}_CWD = $work_dir"
        echo "STARTD_CRON_${name}_PREFIX = $prefix"
    } >>"$cron_include"
}

# run_exec ID PATH TYPE: run one exec script as "<path> glidein_config <id>".
run_exec() {
    local id=$1 path=$2 type=$3 rc started ended
    local -a command=("$path" glidein_config "$id")
    if [[ $type == exec:*s* ]]; then
        [[ -x main/singularity_wrapper.sh ]] \
            || fail Config "$path" "exec:s file '$path' needs main/singularity_wrapper.sh"
        command=(main/singularity_wrapper.sh "$path" glidein_config "$id")
    fi
    echo "Executing (flags:${type#exec}) $path"
    # error_augment.sh -init and -concat, done in the shell (no extra processes).
    [[ -e otrb_output.xml || -e otrx_output.xml ]] && rm -f otrb_output.xml otrx_output.xml
    started=$EPOCHSECONDS
    last_run_script=$path
    "${command[@]}" </dev/null
    rc=$?
    ended=$EPOCHSECONDS
    if [[ -x main/error_augment.sh ]]; then
        main/error_augment.sh -process "$rc" "$id/${path##*/}" "$PWD" "$path glidein_config" \
            "$started" "$ended"
        local line
        while IFS= read -r line; do
            [[ $line == "<?xml"* ]] || printf '%s\n' "$line"
        done <otrx_output.xml >>otr_outlist.list
    fi
    if ((rc != 0)); then
        echo "=== Validation error in $path ===" >&2
        fail Validation "$path" "Script '$path' ($id) failed with exit code $rc."
    fi
    echo "=== validation OK in $path ($((ended - started)) s) ===" >&2
}

# untar_file ID PATH OUTFILE CONFIG_OUT: unpack PATH where the id's untar.cfg says.
untar_file() {
    local id=$1 path=$2 outfile=$3 config_out=$4 prefix cfg subdir target only
    prefix=${id_prefix[$id]}
    cfg=$(gconfig_get "${prefix}UNTAR_CFG_FILE")
    [[ -n $cfg && -f $cfg ]] || fail Config "$path" "cannot find ${prefix}UNTAR_CFG_FILE for '$path'"
    subdir=$(awk -F '\t' -v name="${outfile,,}" '
        /^#/ { next }
        { k = $1; sub(/[ ]+$/, "", k) }
        tolower(k) == name && NF >= 2 { print $2; exit }' "$cfg")
    [[ -n $subdir ]] || fail Config "$path" "untar dir for '$outfile' cannot be empty"
    if [[ $subdir == /* || /$subdir/ == */../* || ! $subdir =~ ^[A-Za-z0-9_./+@-]+$ ]]; then
        fail Config "$path" "Refusing unsafe untar dir '$subdir' for '$outfile'."
    fi
    target="${id_dir[$id]}/$subdir"
    mkdir -p "$target" || fail WN_RESOURCE "$path" "cannot create '$target'"
    tar --no-same-owner -xmzf "$path" -C "$target" \
        || fail Corruption "$path" "Error untarring '$path' into '$target'"
    if [[ $config_out == CONDOR_DIR ]]; then
        shopt -s nullglob dotglob
        local -a entries=("$target"/*)
        shopt -u nullglob dotglob
        if ((${#entries[@]} == 1)) && [[ -d ${entries[0]} ]]; then
            only=${entries[0]}
            echo "Fixing directory structure of condor tarball"
            if ! { mv "$only" "$target.fixup" && rmdir "$target" && mv "$target.fixup" "$target"; }; then
                fail WN_RESOURCE "$path" "cannot fix the condor tarball layout"
            fi
        fi
    fi
    untar_result=$(readlink -f "$target")
}

# parse_row LINE: set row=(outfile infile type period prefix condition config_out) from a
# file-list line of 5, 6 or 7 columns (more: row_extra=1). Returns 1 when malformed.
parse_row() {
    local -a cols
    read -r -a cols <<<"$1"
    row_extra=0
    case ${#cols[@]} in
        5) row=("${cols[0]}" "${cols[1]}" "${cols[2]}" 0 GLIDEIN_PS_ "${cols[3]}" "${cols[4]}") ;;
        6) row=("${cols[@]:0:4}" GLIDEIN_PS_ "${cols[4]}" "${cols[5]}") ;;
        7) row=("${cols[@]}") ;;
        *)
            ((${#cols[@]} > 7)) || return 1
            row=("${cols[@]:0:7}") row_extra=1
            ;;
    esac
}

# prefetch_list ID LIST LIMIT: fetch with one curl every file of a verified list that is certainly
# used (condition TRUE, not gconditional_, not nocache), sparing a process per file. Nothing
# is trusted for it: each file is still verified right before it is used, and one that did
# not arrive, or arrived damaged, is fetched again the usual way.
declare -A prefetched=()
prefetch_list() {
    local id=$1 list=$2 limit=$3 line infile dir=${id_dir[$1]}
    [[ $have_curl == 1 ]] || return 0
    local -a targets=() row
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line == \#* || -z ${line//[[:space:]]/} ]] && continue
        parse_row "$line" || continue
        infile=${row[1]}
        [[ ${row[5]} == TRUE && ${row[2]} != nocache && $infile != gconditional_* ]] || continue
        safe_name "$infile" && [[ -z ${prefetched[$id/$infile]:-} && ! -e $dir/$infile ]] \
            || continue
        targets+=(--output "$dir/$infile" "${id_url[$id]}/$infile")
        prefetched[$id/$infile]=1
    done <"$list"
    ((${#targets[@]} > 0)) || return 0
    local -a curl_args=(--fail --silent --retry 1 --max-time 300 --max-filesize "$limit"
        --user-agent "curl/$user_agent")
    [[ -n $proxy_url && $proxy_url != None ]] && curl_args+=(--proxy "$proxy_url")
    capped "$limit" curl "${curl_args[@]}" "${targets[@]}" 2>/dev/null || true
}

# process_row ID LINE LIMIT: fetch (at most LIMIT bytes), verify and act on one file-list row.
process_row() {
    local id=$1 line=$2 limit=$3 outfile infile type period prefix condition config_out
    local -a row
    [[ -n ${line//[[:space:]]/} ]] || return 0
    parse_row "$line" || fail Corruption "$id" "Malformed file-list row in the $id stage: '$line'"
    ((row_extra)) && echo "Ignoring extra columns in the $id row '$line'" >&2
    outfile=${row[0]} infile=${row[1]} type=${row[2]} period=${row[3]}
    prefix=${row[4]} condition=${row[5]} config_out=${row[6]}
    for name in "$outfile" "$infile"; do
        safe_name "$name" || fail Corruption "$name" \
            "Refusing unsafe file name '$name' in the $id file list."
    done
    [[ $period =~ ^[0-9]+$ ]] || fail Corruption "$infile" "Bad period '$period' for '$infile'."
    if [[ $condition != TRUE ]]; then
        [[ $(gconfig_get "$condition" "$glidein_config" -i) == 1 ]] || return 0
    fi
    if [[ $infile =~ ^gconditional_([^_]+)_ ]]; then
        [[ -n $(gconfig_get "GLIDEIN_USE_${BASH_REMATCH[1]}") ]] || return 0
    fi
    local dir=${id_dir[$id]}
    local nocache=0
    [[ $type == nocache ]] && nocache=1
    if [[ -n ${prefetched[$id/$infile]:-} && -f $dir/$infile ]]; then
        unset "prefetched[$id/$infile]"
        if ! verify_file "$id" "$infile" "$type" soft; then
            rm -f -- "$dir/$infile"
            download "$id" "$infile" "$nocache" "$limit"
            verify_file "$id" "$infile" "$type"
        fi
    else
        download "$id" "$infile" "$nocache" "$limit"
        verify_file "$id" "$infile" "$type"
    fi
    [[ $infile == "$outfile" ]] || mv -f "$dir/$infile" "$dir/$outfile"
    local path="$work_dir/$dir/$outfile" recorded
    recorded=$path
    case "$type" in
        regular | nocache) ;;
        exec | exec:*)
            chmod u+x "$path"
            if [[ $id == main && $outfile == "$last_script" ]]; then
                :
            elif [[ $outfile == cvmfs_umount.sh || ( -n $cleanup_script && $outfile == "$cleanup_script" ) ]]; then
                cp "$path" .gwms.d/exec/cleanup/
            else
                run_exec "$id" "$path" "$type"
                ((period > 0)) && register_periodic "$id" "$path" "$period" "$prefix"
            fi
            ;;
        wrapper) echo "$path" >>wrapper_list.lst ;;
        untar)
            untar_file "$id" "$path" "$outfile" "$config_out"
            recorded=$untar_result
            ;;
        config:c | config:*c*) mv -f "$path" condor_config.d/ && recorded="$work_dir/condor_config.d/$outfile" ;;
        *) fail Corruption "$infile" "Unknown file type '$type' for '$infile' in the $id list." ;;
    esac
    [[ $config_out == FALSE ]] || gconfig_add "${id_prefix[$id]}$config_out" "$recorded"
    # The Custom HTCondor Variables page's name for the entry's condor vars file.
    [[ $id == entry && $config_out == CONDOR_VARS_FILE ]] \
        && gconfig_add CONDOR_VARS_ENTRY_FILE "$recorded"
}

# process_list ID KEY OPTIONAL: fetch and verify the list named by KEY, then its rows.
process_list() {
    local id=$1 key=$2 optional=${3:-0} list_name line limit
    list_name=$(description_value "$id" "$key")
    if [[ -z $list_name ]]; then
        [[ $optional == 1 ]] && return 0
        fail Corruption "${id_dir[$id]}/${id_description[$id]}" \
            "No '$key' in description file '${id_dir[$id]}/${id_description[$id]}'."
    fi
    safe_name "$list_name" || fail Corruption "$list_name" "Refusing unsafe list name '$list_name'."
    download "$id" "$list_name" 0 "$metadata_limit"
    verify_file "$id" "$list_name" regular
    limit=$(list_file_limit "${id_dir[$id]}/$list_name")
    prefetch_list "$id" "${id_dir[$id]}/$list_name" "$limit"
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line == \#* || -z ${line//[[:space:]]/} ]] && continue
        process_row "$id" "$line" "$limit"
    done <"${id_dir[$id]}/$list_name"
    if [[ $id == client* && -f client/setup_prejob.sh ]]; then
        cp client/setup_prejob.sh .gwms.d/exec/prejob/
    fi
}

has_id() {
    [[ -n ${id_dir[$1]:-} ]]
}

process_list main file_list
has_id client && process_list client preentry_file_list
has_id client_group && process_list client_group preentry_file_list
has_id client && process_list client aftergroup_preentry_file_list "$(has_id client_group && echo 0 || echo 1)"
process_list entry file_list
process_list main precvmfs_file_list
process_list main at_file_list
PATH="$work_dir/.gwms.d/bin:$PATH"
for tool in main/gwms-python main/condor_chirp; do
    [[ -f $tool ]] && cp "$tool" .gwms.d/bin/
done
[[ -d main/lib ]] && cp -r main/lib/. .gwms.d/lib/
[[ -f main/gconfig.py ]] && mkdir -p .gwms.d/lib/python && cp main/gconfig.py .gwms.d/lib/python/
has_id client && process_list client file_list
has_id client_group && process_list client_group file_list
has_id client && process_list client aftergroup_file_list "$(has_id client_group && echo 0 || echo 1)"
process_list main after_file_list
[[ -d main/lib ]] && cp -r main/lib/. .gwms.d/lib/

# --- the last script ---------------------------------------------------------------------------

gconfig_add GLIDEIN_INITIALIZED 1
echo "# --- Last Script values ---" >>"$glidein_config"
[[ -x main/$last_script ]] || fail Config "main/$last_script" \
    "last_script '$last_script' was not staged by the main file lists."
echo "=== Last script starting $(date) ($(date +%s)) after validating for $(($(date +%s) - startup_time)) ==="
last_run_script="main/$last_script"
"$work_dir/main/$last_script" glidein_config </dev/null &
last_pid=$!
# shellcheck disable=SC2329 # run by the traps below
forward_signal() {
    kill -s "$1" "$last_pid" 2>/dev/null
    signalled=1
}
signalled=0
trap 'forward_signal TERM' TERM
trap 'forward_signal INT' INT
trap 'forward_signal QUIT' QUIT
trap '' HUP
wait "$last_pid"
rc=$?
while kill -0 "$last_pid" 2>/dev/null; do
    wait "$last_pid"
    rc=$?
done
if ((signalled)); then
    rc=0
fi
if ((rc != 0)); then
    failure_type=Validation failure_file="main/$last_script"
    failure_detail="Last script '$last_script' ended with code $rc."
    echo "glidein_startup.sh: $failure_detail" >&2
fi
glidein_exit "$rc"
