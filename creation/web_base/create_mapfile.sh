#!/bin/bash
# create_mapfile.sh: the final HTCondor mapfile: token and filesystem identities plus
# every DN of the staged grid-mapfile (GRIDMAP) mapped to its user name.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

work_dir=$(dirname "$(readlink -f "$glidein_config")")
mapfile="$work_dir/condor_mapfile"
count=$(gl_write_mapfile "$mapfile" "$(gconfig_get GRIDMAP)") || exit 1
gconfig_add X509_CONDORMAP "$mapfile"
"$error_gen" -ok create_mapfile.sh MappedDNs "$count"
exit 0
