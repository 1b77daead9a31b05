#!/bin/bash
# cat_consts.sh: copy a stage's constants file into glidein_config.
#
# Called as "cat_consts.sh glidein_config ID". The constants file is the one named by
# <prefix>CONSTS_FILE (prefix from ID: main none, entry ENTRY_, client GLIDECLIENT_,
# client_group GLIDECLIENT_GROUP_). Each "NAME \tvalue" line sets NAME; comment lines
# are skipped. Stages run in protocol order, so later stages override earlier ones.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)
id=$2
prefix=$(gl_id_prefix "$id") || {
    "$error_gen" -error cat_consts.sh Corruption "unknown stage id '$id'"
    exit 1
}
consts_file=$(gconfig_get "${prefix}CONSTS_FILE")
if [[ -z $consts_file || ! -r $consts_file ]]; then
    echo "cat_consts.sh: no readable ${prefix}CONSTS_FILE in glidein_config" >&2
    "$error_gen" -error cat_consts.sh Corruption "${prefix}CONSTS_FILE not found in glidein_config" MissingAttribute "${prefix}CONSTS_FILE"
    exit 1
fi
pairs=$(mktemp "$PWD/consts.XXXXXX") || exit 1
gl_constants_pairs "$consts_file" >"$pairs"
count=$(wc -l <"$pairs")
echo "# --- constants of $id ---" >>"$glidein_config"
if ! gl_config_merge "$glidein_config" "$pairs"; then
    rm -f "$pairs"
    "$error_gen" -error cat_consts.sh WN_Resource "cannot update glidein_config"
    exit 1
fi
rm -f "$pairs"
"$error_gen" -ok cat_consts.sh NrAttributes "$count"
exit 0
