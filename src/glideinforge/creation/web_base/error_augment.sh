#!/bin/bash
# error_augment.sh: wrap a script's otrb_output.xml with how and when it ran.
#
#   error_augment.sh -init                                  forget the previous result
#   error_augment.sh -process EXIT_CODE ID CWD CMD START END   write otrx_output.xml
#   error_augment.sh -concat                                append it to otr_outlist.list
#
# The -process arguments are GlideinWMS's: the test ID (e.g. main/setup_x509.sh), the
# directory and command it ran with, and its start and end times (seconds since the epoch).
# A result whose status disagrees with the exit code (OK if and only if 0), or a
# missing result, is replaced by one saying the script produced no usable XML.
# Runs after every exec script, so it uses shell builtins only (no extra processes).

# iso_time EPOCH: print EPOCH as 2026-01-02T03:04:05+01:00 in the local time zone.
iso_time() {
    local stamp
    printf -v stamp '%(%Y-%m-%dT%H:%M:%S%z)T' "$1"
    printf '%s:%s' "${stamp:0:${#stamp}-2}" "${stamp: -2}"
}

# read_result FILE: set result_body from an OSGTestResult file, as
# sed '1,/<OSGTestResult/d; /<\/OSGTestResult>/,$d' would.
read_result() {
    local line number=0 state=skip
    result_body=""
    while IFS= read -r line || [[ -n $line ]]; do
        number=$((number + 1))
        case $state in
            skip) [[ $number -gt 1 && $line == *"<OSGTestResult"* ]] && state=keep ;;
            keep)
                if [[ $line == *"</OSGTestResult>"* ]]; then
                    state='done'
                else
                    result_body+=${result_body:+$'\n'}$line
                fi
                ;;
        esac
    done <"$1"
}

case "$1" in
    -init)
        rm -f otrb_output.xml otrx_output.xml
        ;;
    -process)
        if (($# != 7)); then
            echo "error_augment.sh: -process takes EXIT_CODE ID CWD CMD START END ($(($# - 1)) given)" >&2
            exit 1
        fi
        rc=$2 id=$3 cwd=$4 cmd=$5 started=$6 ended=$7
        expected=OK
        [[ $rc == 0 ]] || expected=ERROR
        content=""
        [[ -f otrb_output.xml ]] && IFS= read -r -d '' content <otrb_output.xml
        if [[ $content == *"<status>$expected</status>"* ]]; then
            read_result otrb_output.xml
            result=$result_body
        else
            if [[ $expected == OK ]]; then
                result="  <result>
    <status>OK</status>
  </result>"
            else
                result="  <result>
    <status>ERROR</status>
    <metric name=\"failure\" ts=\"$(iso_time "$ended")\" uri=\"local\">WN_Resource</metric>
    <metric name=\"ExitCode\" ts=\"$(iso_time "$ended")\" uri=\"local\">$rc</metric>
  </result>
  <detail>
    The test script did not produce an XML file. No further information available.
  </detail>"
            fi
        fi
        {
            echo '<?xml version="1.0"?>'
            echo "<OSGTestResult id=\"$id\" version=\"4.3.1\">"
            echo "  <operatingenvironment>"
            echo "    <env name=\"cwd\">$cwd</env>"
            echo "  </operatingenvironment>"
            echo "  <test>"
            echo "    <cmd>$cmd</cmd>"
            echo "    <tStart>$(iso_time "$started")</tStart>"
            echo "    <tEnd>$(iso_time "$ended")</tEnd>"
            echo "  </test>"
            printf '%s\n' "$result"
            echo "</OSGTestResult>"
        } >otrx_output.xml
        ;;
    -concat)
        if [[ -f otrx_output.xml ]]; then
            while IFS= read -r line || [[ -n $line ]]; do
                [[ $line == "<?xml"* ]] || printf '%s\n' "$line"
            done <otrx_output.xml >>otr_outlist.list
        fi
        ;;
    *)
        echo "Usage: error_augment.sh -init | -process RC ID CWD CMD START END | -concat" >&2
        exit 1
        ;;
esac
exit 0
