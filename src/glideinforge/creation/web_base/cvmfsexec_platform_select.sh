#!/bin/bash
# cvmfsexec_platform_select.sh: choose a cvmfsexec distribution. glideinforge stages
# none (the factory refuses configs that ask for one), so this only records that.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

gconfig_add CVMFSEXEC_PLATFORM none
"$error_gen" -ok cvmfsexec_platform_select.sh CVMFSExecPlatform none
exit 0
