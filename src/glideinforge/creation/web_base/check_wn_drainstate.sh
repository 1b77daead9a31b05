#!/bin/bash
# check_wn_drainstate.sh: is the site draining this node? (periodic, as a startd cron job)
# WLCG Machine/Job Features: when $JOBFEATURES/shutdowntime_job or
# $MACHINEFEATURES/shutdowntime (a local file, or a URL under an http(s) base) holds a
# shutdown time, the glidein stops accepting jobs (SiteWMS_WN_Draining); less than 30
# minutes before it, running jobs are preempted (SiteWMS_WN_Preempt). A value that is not
# a Unix time fails the check and changes nothing.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

now=$(date +%s)
shutdown=""
for pair in "${JOBFEATURES:-}|shutdowntime_job" "${MACHINEFEATURES:-}|shutdowntime"; do
    value=$(gl_feature_value "${pair%|*}" "${pair#*|}")
    [[ -n $value ]] || continue
    if ! gl_is_int "$value"; then
        "$error_gen" -error check_wn_drainstate.sh WN_Resource \
            "${pair#*|} under '${pair%|*}' is '$value', not a Unix time"
        exit 1
    fi
    [[ -z $shutdown || $value -lt $shutdown ]] && shutdown=$value
done
draining=False preempt=False
if [[ -n $shutdown ]]; then
    draining=True
    ((shutdown - now < 1800)) && preempt=True
fi
gconfig_add_safe SiteWMS_WN_Draining "$draining"
gconfig_add_safe SiteWMS_WN_Preempt "$preempt"
"$error_gen" -ok check_wn_drainstate.sh SiteWMS_WN_Draining "$draining" SiteWMS_WN_Preempt "$preempt"
exit 0
