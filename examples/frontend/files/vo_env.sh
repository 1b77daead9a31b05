#!/bin/bash
# Example VO environment setup, run before the factory entry files.
glidein_config=$1
add_config_line_source=$(grep -m1 "^ADD_CONFIG_LINE_SOURCE " "$glidein_config" | cut -d" " -f2-)
# shellcheck source=/dev/null
source "$add_config_line_source"
gconfig_add VO_ENV_READY 1
"$(grep -m1 "^ERROR_GEN_PATH " "$glidein_config" | cut -d" " -f2-)" -ok vo_env.sh VO_ENV_READY 1
