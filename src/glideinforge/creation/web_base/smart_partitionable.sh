#!/bin/bash
# smart_partitionable.sh: record the slot layout the glidein will really use
# (single-CPU glideins are fixed unless FORCE_PARTITIONABLE is true).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

cpus=$(gl_cpus "$(gconfig_get GLIDEIN_CPUS)" "$(gl_slot_cpus)" "$(gl_node_cpus)" 2>/dev/null || echo 1)
layout=$(gl_slots_layout "$(gconfig_get SLOTS_LAYOUT)" "$cpus" "$(gconfig_get FORCE_PARTITIONABLE)")
gconfig_add SLOTS_LAYOUT "$layout"
"$error_gen" -ok smart_partitionable.sh SlotsLayout "$layout"
exit 0
