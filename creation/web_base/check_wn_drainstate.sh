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

# feature_value BASE KEY: the value of KEY under a features BASE (a directory or a URL);
# empty when there is none. At most 64 bytes are read.
feature_value() {
    local base=$1 key=$2
    [[ -n $base ]] || return 0
    if [[ $base =~ ^https?:// ]]; then
        curl --fail --silent --max-time 10 --max-filesize 64 "$base/$key" 2>/dev/null | head -c 64
    elif [[ -f $base/$key && -r $base/$key ]]; then
        head -c 64 "$base/$key"
    fi
}

now=$(date +%s)
shutdown=""
for pair in "${JOBFEATURES:-}|shutdowntime_job" "${MACHINEFEATURES:-}|shutdowntime"; do
    value=$(feature_value "${pair%|*}" "${pair#*|}" | tr -d '[:space:]')
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
