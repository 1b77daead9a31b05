#!/bin/bash
# cvmfs_helper_funcs.sh: report whether CVMFS is mounted on this node.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

if [[ -d /cvmfs && -n $(ls -A /cvmfs 2>/dev/null) ]]; then available=True; else available=False; fi
gconfig_add CVMFS_AVAILABLE "$available"
"$error_gen" -ok cvmfs_helper_funcs.sh CVMFSAvailable "$available"
exit 0
