#!/bin/bash
# setup_script.sh: make the result helpers usable and publish ERROR_GEN_PATH.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
main_dir=$(gconfig_get GLIDEIN_WORK_DIR)
chmod u+x "$main_dir/error_gen.sh" "$main_dir/error_augment.sh" || exit 1
gconfig_add ERROR_GEN_PATH "$main_dir/error_gen.sh"
"$main_dir/error_gen.sh" -ok setup_script.sh
exit 0
