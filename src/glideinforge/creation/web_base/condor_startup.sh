#!/bin/bash
# condor_startup.sh: the glidein's last script. Builds condor_config from the staged
# base config, the condor_vars files and glidein_config, then runs condor_master.
#
# Called as "condor_startup.sh glidein_config" from the glidein work dir. Values are
# written into condor_config as data: strings are quoted so that HTCondor reads them
# back verbatim, and no value is ever evaluated by the shell.
#
# GLIDEIN_DEBUG_OPTIONS=nocondor stops after writing condor_config (used by
# `gfactory try-glidein` to show the result without starting HTCondor).

glidein_config=$1
# This script only reads glidein_config, so it is loaded once (the last value of a key wins).
declare -A glidein_value=()
while IFS= read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    if [[ $line == *" "* ]]; then
        glidein_value[${line%% *}]=${line#* }
    else
        glidein_value[$line]=""
    fi
done <"$glidein_config"

# setting KEY [DEFAULT]: the value of KEY: once the condor_vars rows are read (section 4),
# the one they gave it (glidein_config's, else the row's default); before, glidein_config's.
# DEFAULT when neither has one.
declare -A var_value=()
setting() {
    local value=${var_value[$1]:-${glidein_value[$1]:-}}
    printf '%s' "${value:-${2:-}}"
}
main_dir=$(setting GLIDEIN_WORK_DIR)
# shellcheck source=glidein_lib.sh
source "$main_dir/glidein_lib.sh"
error_gen=$(setting ERROR_GEN_PATH)
work_dir=$PWD
config="$work_dir/condor_config"

# fail TYPE DETAIL [METRIC VALUE]...: report and end the glidein's configuration.
fail() {
    echo "condor_startup.sh: $2" >&2
    "$error_gen" -error condor_startup.sh "$@"
    exit 1
}

# --- 1. environment -------------------------------------------------------------------------

while read -r name; do
    unset "$name"
done < <(compgen -e | grep -E '^_CONDOR_|^CONDOR_INHERIT$')
export GSI_AUTHZ_CONF=/dev/null

# --- 2. base config -----------------------------------------------------------------------

description="$main_dir/$(setting DESCRIPTION_FILE)"
[[ -r $description ]] || fail Corruption "cannot read the main description '$description'"
description_key() {
    gl_description_value "$description" "$1"
}
base_config=$(description_key condor_config)
[[ -n $base_config && -r $main_dir/$base_config ]] \
    || fail Corruption "the main description names no readable condor_config ('$base_config')"
cp "$main_dir/$base_config" "$config" || fail WN_Resource "cannot write '$config'"
export CONDOR_CONFIG=$config
echo "# ---- start of condor_startup generated part ----" >>"$config"

# --- 3. job wrapper -----------------------------------------------------------------------

wrapper="$work_dir/condor_job_wrapper.sh"
# What the wrapper execs: GLIDEIN_WRAPPER_EXEC, checked to be plain or quoted words.
exec_words=$(gl_wrapper_exec "$(setting GLIDEIN_WRAPPER_EXEC)" 2>"$work_dir/wrapper.err") \
    || fail Config "$(cat "$work_dir/wrapper.err")"
rm -f "$work_dir/wrapper.err"
# The wrapper's own text is written in single quotes: its $VARIABLES expand when a job runs.
# shellcheck disable=SC2016
{
    echo '#!/bin/bash'
    echo '# Job wrapper assembled by condor_startup.sh from the staged wrapper files.'
    # GLIDEIN_DEBUG_OPTIONS userjob: say where and how the job starts, on its stderr.
    if [[ ,$(setting GLIDEIN_DEBUG_OPTIONS),${GLIDEIN_DEBUG_OPTIONS:-}, == *,userjob,* ]]; then
        echo 'echo "condor_job_wrapper.sh: $(date) on $(uname -n) in $PWD as $(id -un): $*" >&2'
    fi
    # MODULE_USE (job environment; the job's +MODULE_USE wins): OSG's modules from CVMFS.
    cat <<'MODULES'
if [ -n "${_CONDOR_JOB_AD:-}" ] && [ -r "$_CONDOR_JOB_AD" ]; then
    job_module_use=$(sed -n 's/^MODULE_USE = //p' "$_CONDOR_JOB_AD" | tail -n 1)
    [ -n "$job_module_use" ] && MODULE_USE=$job_module_use && export MODULE_USE
fi
case "${MODULE_USE:-1}" in
    1 | [Tt][Rr][Uu][Ee])
        module_init=${CVMFS_MOUNT_DIR:-/cvmfs}/oasis.opensciencegrid.org/osg/sw/module-init.sh
        # shellcheck source=/dev/null
        [ -r "$module_init" ] && . "$module_init"
        ;;
esac
MODULES
    wrapper_list=$(setting WRAPPER_LIST)
    if [[ -n $wrapper_list && -r $wrapper_list ]]; then
        while IFS= read -r part; do
            [[ -r $part ]] || continue
            echo "# --- from ${part##*/} ---"
            cat "$part"
        done <"$wrapper_list"
    fi
    # Singularity found (HAS_SINGULARITY): each job runs in the container chosen at its start.
    container=""
    if [[ $(setting HAS_SINGULARITY) == True ]]; then
        container='"${GL_CONTAINER[@]}" '
        printf 'source %q\ndeclare -A GL_CONTAINER_SETTINGS=(' "$main_dir/glidein_lib.sh"
        for key in GWMS_SINGULARITY_STATUS SINGULARITY_BIN GWMS_SINGULARITY_IMAGE \
            SINGULARITY_IMAGES_DICT GLIDEIN_REQUIRED_OS SINGULARITY_IMAGE_RESTRICTIONS \
            GWMS_SINGULARITY_BIND_PATHS GLIDEIN_SINGULARITY_OPTS GLIDEIN_DEBUG_OUTPUT \
            GLIDEIN_CONTAINER_ENV; do
            printf ' [%s]=%q' "$key" "$(setting "$key")"
        done
        printf ')\ngl_container_command || exit 1\n'
    fi
    echo "exec $container$exec_words"
    echo 'echo "condor_job_wrapper.sh: cannot exec $1" >&2'
    echo 'exit 1'
} >"$wrapper"
chmod 0755 "$wrapper"
echo "USER_JOB_WRAPPER = \$(LOCAL_DIR)/condor_job_wrapper.sh" >>"$config"

# --- 4. variables -------------------------------------------------------------------------

vars_files=()
for key in GLIDECLIENT_GROUP_CONDOR_VARS_FILE GLIDECLIENT_CONDOR_VARS_FILE \
    ENTRY_CONDOR_VARS_FILE CONDOR_VARS_FILE; do
    file=$(setting "$key")
    [[ -n $file ]] || continue
    [[ -r $file ]] || fail Corruption "$key names the unreadable file '$file'"
    vars_files+=("$file")
done
((${#vars_files[@]} > 0)) || fail Corruption "no condor_vars file in glidein_config"

token=$(setting GLIDEIN_CONDOR_TOKEN)
token_usable=0
[[ -n $token && -f $token ]] && token_usable=1
declare -A published=()
published_names=()
job_env=""
declare -A job_env_seen=()

while read -r var_name var_type var_default condor_name required export user_name extra; do
    [[ -z $var_name || $var_name == \#* ]] && continue
    if [[ -z $user_name || -n $extra ]]; then
        fail Corruption "malformed condor_vars line for '$var_name' (7 fields expected)"
    fi
    value=${glidein_value[$var_name]:-}
    # A blank integer is unset, as validation reads it.
    [[ $var_type == I && -z ${value//[[:space:]]/} ]] && value=""
    if [[ -z $value ]]; then
        case "$var_name" in
            X509_USER_PROXY | X509_EXPIRE | X509_CERT_DIR | X509_CONDORMAP)
                [[ $token_usable == 0 ]] && required=Y ;;
        esac
        if [[ $required == Y ]]; then
            fail Config "Cannot extract $var_name from 'glidein_config'" MissingAttribute "$var_name"
        fi
        [[ $var_default == - ]] && continue
        value=$var_default
        # A default of "$NAME" takes the value of an earlier variable (never evaluated).
        if [[ $value =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
            value=${var_value[${BASH_REMATCH[1]}]:-}
            [[ -n $value ]] || continue
        fi
    fi
    [[ $condor_name == + ]] && condor_name=$var_name
    [[ $condor_name =~ ^[A-Za-z_][A-Za-z0-9_.]*$ ]] \
        || fail Corruption "invalid HTCondor name '$condor_name' for '$var_name'"
    rendered=$(gl_condor_value "$var_type" "$value" "$var_name") \
        || fail Config "$var_name: value '$value' does not fit type $var_type" BadAttribute "$var_name"
    echo "$condor_name=$rendered" >>"$config"
    var_value[$var_name]=$value
    if [[ $export == Y && -z ${published[$condor_name]:-} ]]; then
        published[$condor_name]=1
        published_names+=("$condor_name")
    fi
    case "$user_name" in
        -) env_name="" ;;
        +) env_name=$var_name ;;
        @) env_name=$condor_name ;;
        *) env_name=$user_name ;;
    esac
    if [[ -n $env_name && -z ${job_env_seen[$env_name]:-} ]]; then
        job_env_seen[$env_name]=1
        job_env+="${job_env:+ }$(gl_job_env_item "$env_name" "$value")"
    fi
done < <(cat "${vars_files[@]}")

condor_dir=$(setting CONDOR_DIR)
[[ -n $condor_dir ]] \
    || fail Config "Cannot extract CONDOR_DIR from 'glidein_config'" MissingAttribute CONDOR_DIR
[[ -x $condor_dir/sbin/condor_master ]] \
    || fail Corruption "no sbin/condor_master in CONDOR_DIR '$condor_dir'"

# --- 5. times -------------------------------------------------------------------------------

start_time=$(date +%s)
spread=$(setting GLIDEIN_Retire_Time_Spread 7200)
read -r retire_time job_max_time die_time < <(gl_lifetime \
    "$(setting GLIDEIN_Retire_Time 21600)" "$spread" \
    "$(setting GLIDEIN_Max_Walltime "")" "$(setting GLIDEIN_Job_Max_Time 129600)" \
    "$(setting GLIDEIN_Graceful_Shutdown 120)" "$RANDOM" 2>"$work_dir/lifetime.err")
if [[ -z $die_time ]]; then
    fail Config "$(cat "$work_dir/lifetime.err")"
fi
x509_expire=$(setting X509_EXPIRE)
if gl_is_int "$x509_expire"; then
    read -r retire_time die_time < <(gl_x509_lifetime "$retire_time" "$die_time" \
        $((x509_expire - start_time)) "$(setting GLIDEIN_Ignore_X509_Duration True)")
fi
echo "Retire time: $retire_time s (spread $spread s), job max time: $job_max_time s, die time: $die_time s"
debug_mode=$(setting DEBUG_MODE 0)
{
    echo "LOCAL_DIR = $work_dir"
    echo "CONDOR_DIR = $condor_dir"
    echo "SEC_DEFAULT_SESSION_DURATION = $((die_time + 3600))"
    echo "GLIDEIN_START_TIME = $start_time"
    echo "GLIDEIN_Retire_Time_Used = $retire_time"
    echo "GLIDEIN_Job_Max_Time_Used = $job_max_time"
    echo "GLIDEIN_ToRetire = $((start_time + retire_time))"
    echo "GLIDEIN_ToDie = $((start_time + die_time))"
    echo "GLIDEIN_Expire = $((start_time + die_time))"
    # How long a running job may go on: held jobs HOLD_GRACE_TIME, preempted ones
    # PREEMPT_GRACE_TIME (20 minutes when the site preempts, SiteWMS_WN_Preempt), others
    # the job max time of the lifetimes.
    echo "MAXJOBRETIREMENTTIME = ifThenElse((SiteWMS_WN_Preempt =?= True), 1200, ifThenElse((\$(WANT_HOLD)) =?= True, \$(HOLD_GRACE_TIME), ifThenElse((\$(PREEMPT)) =?= True, \$(PREEMPT_GRACE_TIME), $job_max_time)))"
    echo "CLAIM_WORKLIFE = ifThenElse(DynamicSlot =?= True, \$(GLIDEIN_CLAIM_WORKLIFE_DYNAMIC), \$(GLIDEIN_CLAIM_WORKLIFE))"
    echo "STARTER_JOB_ENVIRONMENT = \"$job_env\""
    echo "GLIDEIN_VARIABLES = ${published_names[*]}"
    echo "STARTD_ATTRS = \$(STARTD_ATTRS) \$(GLIDEIN_VARIABLES) GLIDEIN_ToRetire GLIDEIN_ToDie GLIDEIN_Expire GLIDEIN_START_TIME"
    echo "MASTER_ATTRS = \$(MASTER_ATTRS) \$(GLIDEIN_VARIABLES) GLIDEIN_ToRetire GLIDEIN_ToDie"
    echo "MASTER_NAME = glidein_$$_$RANDOM"
    echo "STARTD_NAME = glidein_$$_$RANDOM"
    echo "GLIDEIN_PARENT_PID = $PPID"
    echo "START = $(gl_start_expr "$debug_mode")"
    echo "PREEMPT = (\$(PREEMPT)) || (\$(GLIDEIN_PREEMPT)) || (\$(GLIDEIN_Entry_PREEMPT)) || (\$(GLIDECLIENT_PREEMPT)) || (\$(GLIDECLIENT_Group_PREEMPT)) || (SiteWMS_WN_Preempt =?= True)"
    echo "WANT_HOLD = (\$(GLIDEIN_Hold)) || (\$(GLIDEIN_Entry_Hold)) || (\$(GLIDECLIENT_Hold)) || (\$(GLIDECLIENT_Group_Hold))"
    echo "RANK = (\$(GLIDEIN_Rank)) + (\$(GLIDEIN_Entry_Rank)) + (\$(GLIDECLIENT_Rank)) + (\$(GLIDECLIENT_Group_Rank))"
    echo "STARTD_NOCLAIM_SHUTDOWN = $(setting GLIDEIN_Max_Idle 1200)"
    echo "STARTD.DAEMON_SHUTDOWN = $(gl_daemon_shutdown)"
    echo "MASTER.DAEMON_SHUTDOWN_FAST = (MyCurrentTime > \$(GLIDEIN_ToDie) + $(setting GLIDEIN_Graceful_Shutdown 120))"
    if [[ $token_usable == 1 ]]; then
        echo "SEC_TOKEN_DIRECTORY = ${token%/*}"
    fi
    # Connection brokering only when asked for: through GLIDEIN_CCB, else the collector.
    if gl_is_true "$(setting USE_CCB False)"; then
        [[ -n $(setting GLIDEIN_CCB) ]] && echo "CCB_ADDRESS = \$(GLIDEIN_CCB)" \
            || echo "CCB_ADDRESS = \$(HEAD_NODE)"
    fi
} >>"$config"

# --- 6. periodic scripts --------------------------------------------------------------------

cron_include=$(setting GLIDEIN_condor_config_startd_cron_include)
if [[ -n $cron_include && -r $cron_include ]]; then
    echo "include : $cron_include" >>"$config"
fi

# --- 7. slots -----------------------------------------------------------------------------------

cpus=$(gl_cpus "$(setting GLIDEIN_CPUS 1)" "$(gl_slot_cpus)" "$(gl_node_cpus)" 2>"$work_dir/slots.err") \
    || fail Config "$(cat "$work_dir/slots.err")"
memtotal_kb=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo 2>/dev/null)
memory=$(gl_memory_mb "$(setting GLIDEIN_MaxMemMBs "")" "$(setting GLIDEIN_MaxMemMBs_Estimate False)" \
    "$cpus" "$(gl_node_cpus)" "$memtotal_kb" 2>"$work_dir/slots.err") \
    || fail Config "$(cat "$work_dir/slots.err")"
layout=$(gl_slots_layout "$(setting SLOTS_LAYOUT fixed)" "$cpus" "$(setting FORCE_PARTITIONABLE False)")
resources=$(gl_parse_resource_slots "$(setting GLIDEIN_Resource_Slots "")" 2>"$work_dir/slots.err") \
    || fail Config "GLIDEIN_Resource_Slots: $(cat "$work_dir/slots.err")"
slots=$(gl_slots_config "$layout" "$cpus" "$memory" "$(setting GLIDEIN_DISK auto)" "$resources" \
    "$(setting GLIDEIN_Monitoring_Enabled True)" 2>"$work_dir/slots.err") \
    || fail Config "$(cat "$work_dir/slots.err")"
{
    echo "# Slots: $layout layout, $cpus CPUs, memory ${memory:-detected by HTCondor}"
    echo "GLIDEIN_SLOTS_LAYOUT_USED = $layout"
    printf '%s\n' "$slots"
    grep -q '^MACHINE_RESOURCE_GPUs\|^MACHINE_RESOURCE_INVENTORY_GPUs' <<<"$slots" \
        || echo "MACHINE_RESOURCE_GPUs = 0"
} >>"$config"
rm -f "$work_dir/slots.err" "$work_dir/lifetime.err"

# --- 8. includes named in the main description ------------------------------------------------

append_include() {
    local key=$1 required=$2 name
    name=$(description_key "$key")
    if [[ -z $name || ! -r $main_dir/$name ]]; then
        [[ $required == 1 ]] && fail Corruption "Error appending $key: no staged '$name'"
        return 0
    fi
    echo "# --- $name ---" >>"$config"
    cat "$main_dir/$name" >>"$config"
}
append_include condor_config_main_include 1
gl_is_true "$(setting GLIDEIN_Monitoring_Enabled True)" \
    && append_include condor_config_monitor_include 0
[[ $debug_mode == 2 ]] && append_include condor_config_check_include 0
mkdir -p "$work_dir/log" "$work_dir/execute" "$work_dir/spool"

echo "condor_config written: $config"
if [[ ,${GLIDEIN_DEBUG_OPTIONS:-},$(setting GLIDEIN_DEBUG_OPTIONS), == *,nocondor,* ]]; then
    "$error_gen" -ok condor_startup.sh CondorStarted False
    exit 0
fi

# --- 9. advertise-only (failure reporting) ------------------------------------------------------

if [[ $(setting GLIDEIN_ADVERTISE_ONLY) == 1 ]]; then
    # The helper is staged as a regular (non-executable) file: run it with bash.
    helper="$main_dir/advertise_failure.helper"
    if [[ ! -r $helper ]]; then
        echo "condor_startup.sh: cannot advertise the failure: no $helper" >&2
    elif ! bash "$helper" "$condor_dir/sbin/condor_advertise" "$glidein_config"; then
        echo "condor_startup.sh: advertising the failure did not work" >&2
    fi
    exit 0
fi

# --- 10. HTCondor --------------------------------------------------------------------------------

gl_is_true "$(setting GLIDEIN_Expose_X509 False)" || unset X509_USER_PROXY
started=$(date +%s)
"$condor_dir/sbin/condor_master" -f -pidfile "$work_dir/condor_master2.pid" &
master_pid=$!
trap 'kill -s TERM "$master_pid" 2>/dev/null' TERM INT QUIT
wait "$master_pid"
rc=$?
ended=$(date +%s)
[[ $rc == 99 ]] && rc=0

# --- 11. wrap-up ---------------------------------------------------------------------------------

if [[ -r $main_dir/parse_starterlog.awk ]]; then
    for log in "$work_dir"/log/StarterLog*; do
        [[ -f $log ]] && awk -f "$main_dir/parse_starterlog.awk" "$log"
    done
fi
if [[ $rc == 0 ]]; then
    "$error_gen" -ok condor_startup.sh AutoShutdown True CondorDuration $((ended - started)) CondorKilled False
else
    "$error_gen" -error condor_startup.sh Unknown "condor_master ended with code $rc" \
        CondorDuration $((ended - started)) CondorExitCode "$rc"
fi
exit "$rc"
