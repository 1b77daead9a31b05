#!/bin/bash
# error_augment.sh: wrap a script's otrb_output.xml with how and when it ran.
#
#   error_augment.sh -init                              forget the previous result
#   error_augment.sh -process EXIT_CODE CMD CWD START END   write otrx_output.xml
#   error_augment.sh -concat                            append it to otr_outlist.list
#
# A result whose status disagrees with the exit code (OK if and only if 0), or a
# missing result, is replaced by one saying the script produced no usable XML.

iso_time() {
    date --date=@"$1" +%Y-%m-%dT%H:%M:%S%:z
}

case "$1" in
    -init)
        rm -f otrb_output.xml otrx_output.xml
        ;;
    -process)
        rc=$2 cmd=$3 cwd=$4 started=$5 ended=$6
        expected=OK
        [[ $rc == 0 ]] || expected=ERROR
        if [[ -f otrb_output.xml ]] && grep -q "<status>$expected</status>" otrb_output.xml; then
            result=$(sed -e '1,/<OSGTestResult/d' -e '/<\/OSGTestResult>/,$d' otrb_output.xml)
            id=$(sed -n 's/.*<OSGTestResult id="\([^"]*\)".*/\1/p' otrb_output.xml | head -n 1)
        else
            id=${cmd##*/}
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
            sed -e '/^<?xml/d' otrx_output.xml >>otr_outlist.list
        fi
        ;;
    *)
        echo "Usage: error_augment.sh -init | -process RC CMD CWD START END | -concat" >&2
        exit 1
        ;;
esac
exit 0
