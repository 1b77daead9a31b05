#!/bin/bash
# mjf_setparams.sh: publish Machine/Job Features values (periodic, prefix MJF_).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

metrics=()
for pair in MACHINEFEATURES:total_cpu:MACHINE_TOTAL_CPU MACHINEFEATURES:hs06:MACHINE_HS06 \
    MACHINEFEATURES:shutdowntime:MACHINE_SHUTDOWNTIME MACHINEFEATURES:grace_secs:MACHINE_GRACE_SECS \
    JOBFEATURES:allocated_cpu:JOB_ALLOCATED_CPU; do
    IFS=: read -r variable file name <<<"$pair"
    dir=${!variable:-}
    [[ -n $dir && -r $dir/$file ]] || continue
    value=$(tr -cd 0-9. <"$dir/$file")
    [[ -n $value ]] && metrics+=("$name" "$value")
done
"$error_gen" -ok mjf_setparams.sh "${metrics[@]}"
exit 0
