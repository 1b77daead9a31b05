#!/bin/bash
# setup_network.sh: record the node's host name and addresses.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

hostname=$(uname -n)
address=$(hostname -I 2>/dev/null | cut -d" " -f1)
gconfig_add GLIDEIN_Hostname "$hostname"
[[ -n $address ]] && gconfig_add GLIDEIN_IP_Address "$address"
"$error_gen" -ok setup_network.sh Hostname "$hostname"
exit 0
