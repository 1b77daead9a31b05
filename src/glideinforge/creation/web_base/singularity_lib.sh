# shellcheck shell=bash
# singularity_lib.sh: container helpers for glidein scripts (sourced, never run).

# gwms_container_binary: print the apptainer/singularity binary to use, if any.
gwms_container_binary() {
    command -v apptainer || command -v singularity
}
