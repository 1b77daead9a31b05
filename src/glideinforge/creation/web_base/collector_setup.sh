#!/bin/bash
# collector_setup.sh: pick the collector this glidein reports to.
#
# GLIDEIN_Collector is a comma-separated list of alternatives, each "host:port",
# "host:PORT1-PORT2" or "host:port?sock=nameN-M"; one is chosen at random (spreading
# glideins over secondary collectors). The full list is kept as GLIDEIN_Master_Collector.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)
collectors=$(gconfig_get GLIDEIN_Collector)
if [[ -z $collectors ]]; then
    echo "collector_setup.sh: GLIDEIN_Collector is not set" >&2
    "$error_gen" -error collector_setup.sh Config "GLIDEIN_Collector is not set" MissingAttribute GLIDEIN_Collector
    exit 1
fi
if ! chosen=$(gl_pick_collector "$collectors" "$RANDOM" 2>&1); then
    "$error_gen" -error collector_setup.sh Config "$chosen"
    exit 1
fi
gconfig_add GLIDEIN_Master_Collector "$collectors"
gconfig_add GLIDEIN_Collector "$chosen"
echo "Using collector $chosen"
"$error_gen" -ok collector_setup.sh Collector "$chosen"
exit 0
