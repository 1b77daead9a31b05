#!/bin/bash
# Example entry setup script: adds one value to glidein_config.
glidein_config="$1"
add_config_line_source=$(grep -m1 '^ADD_CONFIG_LINE_SOURCE ' "$glidein_config" | cut -d' ' -f2-)
# shellcheck source=/dev/null
source "$add_config_line_source"
gconfig_add EXAMPLE_SETUP_DONE True
exit 0
