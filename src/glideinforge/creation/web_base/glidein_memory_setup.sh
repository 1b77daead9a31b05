#!/bin/bash
# glidein_memory_setup.sh: record the memory the glidein will use (GLIDEIN_MaxMemMBs,
# or the estimate from the node's memory when GLIDEIN_MaxMemMBs_Estimate is true).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

cpus=$(gl_cpus "$(gconfig_get GLIDEIN_CPUS)" "$(gl_slot_cpus)" "$(gl_node_cpus)" 2>/dev/null || echo 1)
memtotal_kb=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo 2>/dev/null)
if ! memory=$(gl_memory_mb "$(gconfig_get GLIDEIN_MaxMemMBs)" "$(gconfig_get GLIDEIN_MaxMemMBs_Estimate)" \
    "$cpus" "$(gl_node_cpus)" "$memtotal_kb" 2>&1); then
    "$error_gen" -error glidein_memory_setup.sh Config "$memory"
    exit 1
fi
[[ -n $memory ]] && gconfig_add GLIDEIN_MaxMemMBs "$memory"
"$error_gen" -ok glidein_memory_setup.sh MemoryMB "${memory:-auto}"
exit 0
