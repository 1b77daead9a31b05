#!/bin/bash
# check_blacklist.sh: stop the glidein on a worker node the stage's nodes.blacklist names.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)
id=$2
prefix=$(gl_id_prefix "$id") || exit 1
blacklist=$(gconfig_get "${prefix}BLACKLIST_FILE")
host=$(uname -n)
if [[ -n $blacklist && -r $blacklist ]] && awk -v host="$host" '!/^#/ && $1 == host { found = 1 } END { exit !found }' "$blacklist"; then
    echo "check_blacklist.sh: node $host is blacklisted" >&2
    "$error_gen" -error check_blacklist.sh WN_Resource "Worker node $host is blacklisted" hostname "$host"
    exit 1
fi
"$error_gen" -ok check_blacklist.sh NodeBlacklisted False
exit 0
