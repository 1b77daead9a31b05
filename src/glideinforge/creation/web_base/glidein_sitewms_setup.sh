#!/bin/bash
# glidein_sitewms_setup.sh: record the site batch system and the job id it gave the glidein.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

if [[ -n ${SLURM_JOB_ID:-} ]]; then wms=SLURM job=$SLURM_JOB_ID
elif [[ -n ${PBS_JOBID:-} ]]; then wms=PBS job=$PBS_JOBID
elif [[ -n ${LSB_JOBID:-} ]]; then wms=LSF job=$LSB_JOBID
elif [[ -n ${JOB_ID:-} && -n ${SGE_ROOT:-} ]]; then wms=SGE job=$JOB_ID
elif [[ -n ${_CONDOR_JOB_AD:-} ]]; then wms=HTCondor job=$(awk '$1 == "GlobalJobId" { print $3 }' "$_CONDOR_JOB_AD" | tr -d "\"")
else wms=Unknown job=""
fi
gconfig_add GLIDEIN_SiteWMS "$wms"
[[ -n $job ]] && gconfig_add GLIDEIN_SiteWMS_JobId "$job"
"$error_gen" -ok glidein_sitewms_setup.sh SiteWMS "$wms"
exit 0
