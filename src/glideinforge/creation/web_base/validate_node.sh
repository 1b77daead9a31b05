#!/bin/bash
# validate_node.sh: the node must give the glidein room to work.
# GLIDEIN_MIN_DISK_MBS (default 0) of free space in the work dir; writable work and tmp dirs.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

work_dir=$(dirname "$(readlink -f "$glidein_config")")
min_mb=$(gconfig_get GLIDEIN_MIN_DISK_MBS)
gl_is_int "${min_mb:-0}" || min_mb=0
free_mb=$(($(df -Pk "$work_dir" | awk 'NR == 2 { print $4 }') / 1024))
if ((free_mb < ${min_mb:-0})); then
    "$error_gen" -error validate_node.sh WN_Resource "only $free_mb MB free in $work_dir, $min_mb MB needed" FreeDiskMB "$free_mb"
    exit 1
fi
for dir in "$work_dir" "$(gconfig_get TMP_DIR)"; do
    if [[ ! -w $dir ]]; then
        "$error_gen" -error validate_node.sh WN_Resource "$dir is not writable"
        exit 1
    fi
done
"$error_gen" -ok validate_node.sh FreeDiskMB "$free_mb"
exit 0
