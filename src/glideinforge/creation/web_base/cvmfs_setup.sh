#!/bin/bash
# cvmfs_setup.sh: check the CVMFS requirement (GLIDEIN_CVMFS: REQUIRED, OPTIONAL, NEVER).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

requirement=$(gconfig_get GLIDEIN_CVMFS)
requirement=${requirement:-OPTIONAL}
if [[ -d /cvmfs && -n $(ls -A /cvmfs 2>/dev/null) ]]; then available=True; else available=False; fi
if [[ ${requirement^^} == REQUIRED && $available == False ]]; then
    "$error_gen" -error cvmfs_setup.sh WN_Resource "GLIDEIN_CVMFS is REQUIRED but /cvmfs is not mounted"
    exit 1
fi
gconfig_add GLIDEIN_CVMFS_AVAILABLE "$available"
"$error_gen" -ok cvmfs_setup.sh CVMFSAvailable "$available"
exit 0
