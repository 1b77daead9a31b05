#!/bin/bash
# java_setup.sh: GLIDEIN_Java_Use (NEVER, OPTIONAL, PREFERRED, REQUIRED) against this node.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

use=$(gconfig_get GLIDEIN_Java_Use)
use=${use:-NEVER}
java=$(command -v java || true)
if [[ ${use^^} == REQUIRED && -z $java ]]; then
    "$error_gen" -error java_setup.sh WN_Resource "GLIDEIN_Java_Use is REQUIRED but no java was found"
    exit 1
fi
if [[ ${use^^} != NEVER && -n $java ]]; then
    gconfig_add JAVA "$java"
fi
"$error_gen" -ok java_setup.sh Java "${java:-none}"
exit 0
