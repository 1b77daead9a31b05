#!/bin/bash
# Example group setup for group main.
glidein_config=$1
add_config_line_source=$(grep -m1 "^ADD_CONFIG_LINE_SOURCE " "$glidein_config" | cut -d" " -f2-)
# shellcheck source=/dev/null
source "$add_config_line_source"
gconfig_add VO_MAIN_READY 1
"$(grep -m1 "^ERROR_GEN_PATH " "$glidein_config" | cut -d" " -f2-)" -ok group_main_setup.sh VO_MAIN_READY 1
