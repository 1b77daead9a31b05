#!/bin/bash
# check_proxy.sh: an X.509 proxy, when the glidein uses one, must be readable.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

proxy=$(gconfig_get X509_USER_PROXY)
if [[ -n $proxy && ! -r $proxy ]]; then
    "$error_gen" -error check_proxy.sh VO_Proxy "X509_USER_PROXY $proxy is not readable"
    exit 1
fi
"$error_gen" -ok check_proxy.sh ProxyUsed "$([[ -n $proxy ]] && echo True || echo False)"
exit 0
