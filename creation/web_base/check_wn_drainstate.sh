#!/bin/bash
# check_wn_drainstate.sh: is the site draining this node? (periodic)
# Machine/Job Features: a shutdowntime within 30 minutes means draining; within the
# job's grace period, preemption.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

now=$(date +%s)
draining=False preempt=False
for features in "${MACHINEFEATURES:-}" "${JOBFEATURES:-}"; do
    [[ -n $features && -r $features/shutdowntime ]] || continue
    shutdown=$(tr -cd 0-9 <"$features/shutdowntime")
    [[ -n $shutdown ]] || continue
    ((shutdown - now < 1800)) && draining=True
    ((shutdown - now < 600)) && preempt=True
done
gconfig_add_safe SiteWMS_WN_Draining "$draining"
gconfig_add_safe SiteWMS_WN_Preempt "$preempt"
"$error_gen" -ok check_wn_drainstate.sh SiteWMS_WN_Draining "$draining" SiteWMS_WN_Preempt "$preempt"
exit 0
