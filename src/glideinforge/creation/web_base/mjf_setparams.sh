#!/bin/bash
# mjf_setparams.sh: publish the WLCG Machine/Job Features values (at startup, and every 30
# minutes as a startd cron job with the prefix MJF_), read from $MACHINEFEATURES and
# $JOBFEATURES (directories or URLs). A value is a number or a string without quotes or
# backslashes, else "WrongFormat"; the startup values reach condor_config through the MJF_*
# condor_vars rows (integers, and the job id as a string).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

metrics=()
for pair in MACHINE:total_cpu MACHINE:hs06 MACHINE:shutdowntime MACHINE:grace_secs \
    JOB:allocated_cpu JOB:hs06_job JOB:shutdowntime_job JOB:grace_secs_job JOB:jobstart_secs \
    JOB:job_id JOB:wall_limit_secs JOB:cpu_limit_secs JOB:max_rss_bytes JOB:max_swap_bytes \
    JOB:scratch_limit_bytes; do
    source=${pair%%:*} key=${pair#*:}
    base_variable=${source}FEATURES
    value=$(gl_feature_value "${!base_variable:-}" "$key")
    [[ -n $value ]] || continue
    [[ $value =~ [\"\\] || ! $value =~ ^[[:print:]]+$ ]] && value=WrongFormat
    name=${source}_${key^^}
    [[ $key == job_id ]] && name=JOB_ID
    metrics+=("$name" "$value")
    if [[ $key == job_id ]]; then
        gconfig_add_safe MJF_JOB_ID "$value"
    elif gl_is_int "$value"; then
        gconfig_add_safe "MJF_$name" "$value"
    fi
done
"$error_gen" -ok mjf_setparams.sh "${metrics[@]}"
exit 0
