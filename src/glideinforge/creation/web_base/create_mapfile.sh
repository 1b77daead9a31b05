#!/bin/bash
# create_mapfile.sh: the final HTCondor mapfile: token and filesystem identities plus
# every DN of the staged grid-mapfiles (main, entry, client, client group) mapped to its
# user name. The DNs, comma
# separated, are X509_GRIDMAP_DNS (published as GLIDEIN_X509_GRIDMAP_DNS).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

work_dir=$(dirname "$(readlink -f "$glidein_config")")
mapfile="$work_dir/condor_mapfile"
# The grid-mapfiles of every stage level (main, entry, frontend client and group), combined.
gridmap="$work_dir/grid-mapfile.combined"
: >"$gridmap" || exit 1
for key in GRIDMAP ENTRY_GRIDMAP GLIDECLIENT_GRIDMAP GLIDECLIENT_GROUP_GRIDMAP; do
    file=$(gconfig_get "$key")
    [[ -n $file && -r $file ]] && cat "$file" >>"$gridmap"
done
count=$(gl_write_mapfile "$mapfile" "$gridmap") || exit 1
gconfig_add X509_CONDORMAP "$mapfile"
gconfig_add X509_GRIDMAP "$gridmap"
dns=""
declare -A seen=()
while IFS= read -r line; do
    [[ $line =~ ^\"([^\"]+)\"[[:space:]]+[A-Za-z0-9_.@-]+$ ]] || continue
    [[ -n ${seen[${BASH_REMATCH[1]}]:-} ]] && continue
    seen[${BASH_REMATCH[1]}]=1
    dns+="${dns:+,}${BASH_REMATCH[1]}"
done <"$gridmap"
[[ -n $dns ]] && gconfig_add_safe X509_GRIDMAP_DNS "$dns"
"$error_gen" -ok create_mapfile.sh MappedDNs "$count"
exit 0
