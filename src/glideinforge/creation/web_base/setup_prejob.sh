#!/bin/bash
# setup_prejob.sh: the frontend's prejob hook (glideinforge's own).
#
# The glidein copies this file from the frontend stage to .gwms.d/exec/prejob/
# after the frontend lists; job wrappers run every script there before each
# user job, in the job's environment. This hook only records, in the job's
# environment, when the job started and which frontend group sent the glidein.
# It never fails the job: a prejob hook that cannot do its work stays silent.

GLIDEIN_PREJOB_TIME=$(date +%s)
export GLIDEIN_PREJOB_TIME
if [[ -n ${_CONDOR_MACHINE_AD:-} && -r $_CONDOR_MACHINE_AD ]]; then
    GLIDEIN_CLIENT_GROUP=$(awk -F' = ' '$1 == "GLIDECLIENT_Group" {gsub(/"/, "", $2); print $2}' \
        "$_CONDOR_MACHINE_AD")
    export GLIDEIN_CLIENT_GROUP
fi
# Sourced by the job wrapper (return) or run on its own (exit).
# shellcheck disable=SC2317
return 0 2>/dev/null || exit 0
