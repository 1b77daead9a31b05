#!/bin/bash
# script_wrapper.sh: run a periodic glidein script as an HTCondor startd cron job.
#
# Called by the startd as "script_wrapper.sh GLIDEIN_CONFIG ID SCRIPT". Runs SCRIPT the
# way the glidein did at startup ("SCRIPT glidein_config ID", from the glidein work dir)
# in a private directory for its result, then prints the metrics of that result as
# typed ClassAd attributes for the startd (which adds the cron job's prefix): True/False
# as booleans, numbers as numbers, anything else as a string.
if [[ $# -eq 2 ]]; then
    exit 0  # the glidein runs it once at startup: nothing to do then
fi
glidein_config=$1 id=$2 script=$3
# shellcheck source=glidein_lib.sh
source "$(dirname "$0")/glidein_lib.sh" || exit 1
work_dir=$(dirname "$(readlink -f "$glidein_config")")
result_dir=$(mktemp -d "$work_dir/tmp/ps.XXXXXX") || exit 1
trap 'rm -rf "$result_dir"' EXIT
(cd "$result_dir" && "$script" "$work_dir/glidein_config" "$id" </dev/null >/dev/null 2>&1)
rc=$?
if [[ $rc != 0 ]]; then
    failed_list=$(awk '$1 == "GLIDEIN_PS_FAILED_LIST" { v = substr($0, 24) } END { print v }' "$work_dir/glidein_config")
    [[ -n $failed_list ]] && echo "$script $rc $(date +%s)" >>"$failed_list"
fi
if [[ -f $result_dir/otrb_output.xml ]]; then
    while IFS=$'\t' read -r name value; do
        echo "$name = $(gl_classad_value "$value")"
    done < <(sed -n 's|.*<metric name="\([A-Za-z_][A-Za-z0-9_]*\)"[^>]*>\([^<"\\]*\)</metric>.*|\1\t\2|p' \
        "$result_dir/otrb_output.xml")
fi
exit 0
