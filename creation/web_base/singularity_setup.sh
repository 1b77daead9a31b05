#!/bin/bash
# singularity_setup.sh: decide whether jobs run in a container on this node.
# GLIDEIN_Singularity_Use: DISABLE_GWMS (default) or NEVER: no container; OPTIONAL:
# use apptainer/singularity when found; PREFERRED/REQUIRED: must be found (REQUIRED
# fails the glidein otherwise). Publishes HAS_SINGULARITY and GWMS_SINGULARITY_STATUS.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

use=$(gconfig_get GLIDEIN_Singularity_Use)
use=${use:-DISABLE_GWMS}
binary=$(gconfig_get GLIDEIN_SINGULARITY_BINARY_OVERRIDE)
[[ -n $binary && -x $binary ]] || binary=$(command -v apptainer || command -v singularity || true)
case "${use^^}" in
    DISABLE_GWMS | NEVER) status=DISABLED ;;
    *) if [[ -n $binary ]]; then status=${use^^}; else status=NONE; fi ;;
esac
if [[ ${use^^} == REQUIRED && -z $binary ]]; then
    "$error_gen" -error singularity_setup.sh VO_Config "GLIDEIN_Singularity_Use is REQUIRED but no apptainer/singularity was found"
    exit 1
fi
if [[ $status == DISABLED || $status == NONE ]]; then
    gconfig_add HAS_SINGULARITY False
else
    gconfig_add HAS_SINGULARITY True
    gconfig_add SINGULARITY_BIN "$binary"
fi
gconfig_add GWMS_SINGULARITY_STATUS "$status"
"$error_gen" -ok singularity_setup.sh SingularityStatus "$status"
exit 0
