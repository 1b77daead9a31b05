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
gridmap=$(gconfig_get GRIDMAP)
count=0
{
    echo "IDTOKENS (.*) \\1"
    echo "FS (.*) \\1"
    if [[ -n $gridmap && -r $gridmap ]]; then
        while IFS= read -r line; do
            [[ $line =~ ^\"([^\"]+)\"[[:space:]]+([A-Za-z0-9_.@-]+)$ ]] || continue
            dn=${BASH_REMATCH[1]//./\\.}
            echo "SSL \"^${dn//\//\\/}\$\" ${BASH_REMATCH[2]}"
            count=$((count + 1))
        done <"$gridmap"
    fi
} >"$mapfile.new" && mv -f "$mapfile.new" "$mapfile"
gconfig_add X509_CONDORMAP "$mapfile"
"$error_gen" -ok create_mapfile.sh MappedDNs "$count"
exit 0
