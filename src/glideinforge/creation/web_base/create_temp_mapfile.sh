#!/bin/bash
# create_temp_mapfile.sh: the HTCondor mapfile used while the glidein starts up.
# Maps the glidein's own token and filesystem identities; create_mapfile.sh replaces it
# at the end with one that also maps the grid-mapfile DNs.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

work_dir=$(dirname "$(readlink -f "$glidein_config")")
mapfile="$work_dir/condor_mapfile"
gl_write_mapfile "$mapfile" >/dev/null || exit 1
gconfig_add X509_CONDORMAP "$mapfile"
"$error_gen" -ok create_temp_mapfile.sh MapFile "$mapfile"
exit 0
