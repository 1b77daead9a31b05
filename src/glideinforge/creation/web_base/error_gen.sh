#!/bin/bash
# error_gen.sh: write a script's result as otrb_output.xml in the current directory.
#
#   error_gen.sh -ok NAME [METRIC VALUE]...
#   error_gen.sh -error NAME FAILURE_TYPE "DETAIL" [METRIC VALUE]...
#
# FAILURE_TYPE is one of the GlideinWMS failure classes (WN_Resource, Network,
# Config, VO_Config, Corruption, ...). The glidein wraps the result with the
# script's command line and times (error_augment.sh).

xml_escape() {
    local v=$1
    v=${v//&/'&amp;'}
    v=${v//</'&lt;'}
    v=${v//>/'&gt;'}
    v=${v//\"/'&quot;'}
    printf '%s' "$v"
}

metric_lines() {
    local ts
    ts=$(date +%Y-%m-%dT%H:%M:%S%:z)
    while [[ $# -ge 2 ]]; do
        printf '    <metric name="%s" ts="%s" uri="local">%s</metric>\n' \
            "$(xml_escape "$1")" "$ts" "$(xml_escape "$2")"
        shift 2
    done
}

usage() {
    echo "Usage: error_gen.sh -ok NAME [METRIC VALUE]... | -error NAME TYPE DETAIL [METRIC VALUE]..." >&2
    exit 1
}

[[ $# -ge 2 ]] || usage
mode=$1 name=$2
shift 2
case "$mode" in
    -ok)
        {
            echo '<?xml version="1.0"?>'
            echo "<OSGTestResult id=\"$(xml_escape "$name")\" version=\"4.3.1\">"
            echo "  <result>"
            echo "    <status>OK</status>"
            metric_lines "$@"
            echo "  </result>"
            echo "</OSGTestResult>"
        } >otrb_output.xml
        ;;
    -error)
        [[ $# -ge 2 ]] || usage
        failure=$1 detail=$2
        shift 2
        {
            echo '<?xml version="1.0"?>'
            echo "<OSGTestResult id=\"$(xml_escape "$name")\" version=\"4.3.1\">"
            echo "  <result>"
            echo "    <status>ERROR</status>"
            metric_lines failure "$failure" "$@"
            echo "  </result>"
            echo "  <detail>"
            echo "    $(xml_escape "$detail")"
            echo "  </detail>"
            echo "</OSGTestResult>"
        } >otrb_output.xml
        ;;
    *) usage ;;
esac
exit 0
