#!/bin/bash
# glidein_cpus_setup.sh: resolve GLIDEIN_CPUS (auto/slot: the batch slot; node: the
# whole node) to a number and record it in glidein_config.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

if ! cpus=$(gl_cpus "$(gconfig_get GLIDEIN_CPUS)" "$(gl_slot_cpus)" "$(gl_node_cpus)" 2>&1); then
    "$error_gen" -error glidein_cpus_setup.sh Config "$cpus"
    exit 1
fi
gconfig_add GLIDEIN_CPUS "$cpus"
"$error_gen" -ok glidein_cpus_setup.sh CPUs "$cpus"
exit 0
