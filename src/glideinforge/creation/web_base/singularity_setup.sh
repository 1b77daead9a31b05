#!/bin/bash
# singularity_setup.sh: decide whether and how jobs run in a container on this node.
#
# GWMS_SINGULARITY_STATUS combines the frontend's GLIDEIN_Singularity_Use (DISABLE_GWMS,
# the default, NEVER, OPTIONAL, PREFERRED, REQUIRED) with the entry's
# GLIDEIN_SINGULARITY_REQUIRE (NEVER, OPTIONAL, the default, PREFERRED, REQUIRED,
# REQUIRED_GWMS) into DISABLE, FAIL, NEVER, PREFERRED or REQUIRED, as the Custom HTCondor
# Variables page says. FAIL, and REQUIRED without a usable binary, fail the glidein.
# HAS_SINGULARITY is left unset for DISABLE, True when PREFERRED/REQUIRED found a binary,
# False otherwise. The binary is looked for, in order: GLIDEIN_SINGULARITY_BINARY_OVERRIDE
# (a file or a directory), SINGULARITY_BIN (a directory; keyword OSG, the default, means
# OSG_SINGULARITY_BINARY; keyword PATH means the next step), apptainer/singularity in PATH,
# then after "module load singularitypro" and "module load singularity", then
# OSG_SINGULARITY_BINARY (default: the OSG CVMFS location). With a binary it publishes
# GWMS_SINGULARITY_MODE (and SINGULARITY_MODE, "singularity/MODE" in GLIDEIN_PROVIDES), the
# default image and bind paths; condor_startup.sh then runs every job in a container
# (gl_container_command). An unknown GLIDEIN_CONTAINER_ENV word fails the glidein.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)

osg_default=/cvmfs/oasis.opensciencegrid.org/mis/singularity/bin/singularity
[[ -n ${CVMFS_MOUNT_DIR:-} ]] \
    && osg_default=$CVMFS_MOUNT_DIR/oasis.opensciencegrid.org/mis/singularity/bin/singularity
osg_binary=$(gconfig_get OSG_SINGULARITY_BINARY)
osg_binary=${osg_binary:-${OSG_SINGULARITY_BINARY:-$osg_default}}

# in_directory DIR: the apptainer or singularity binary in DIR, if executable.
in_directory() {
    local name
    for name in apptainer singularity; do
        [[ -f $1/$name && -x $1/$name ]] && { echo "$1/$name"; return 0; }
    done
    return 1
}

# usable PATH: PATH itself if an executable file, else the binary in PATH as a directory.
usable() {
    [[ -n $1 ]] || return 1
    if [[ -f $1 && -x $1 ]]; then
        echo "$1"
    elif [[ -d $1 ]]; then
        in_directory "$1"
    else
        return 1
    fi
}

in_path() {
    command -v apptainer || command -v singularity
}

after_module() {
    command -v module >/dev/null 2>&1 || return 1
    module load "$1" >/dev/null 2>&1 || return 1
    in_path
}

locate_binary() {
    local suggested
    usable "$(gconfig_get GLIDEIN_SINGULARITY_BINARY_OVERRIDE)" && return 0
    suggested=$(gconfig_get SINGULARITY_BIN)
    case "${suggested:-OSG}" in
        OSG) usable "$osg_binary" && return 0 ;;
        PATH) ;;
        *) usable "$suggested" && return 0 ;;
    esac
    in_path && return 0
    after_module singularitypro && return 0
    after_module singularity && return 0
    usable "$osg_binary"
}

# combine USE REQUIRE: print STATUS,REASON (STATUS FAIL when they cannot both hold).
combine() {
    local use=$1 require=$2
    [[ ,NEVER,OPTIONAL,PREFERRED,REQUIRED,REQUIRED_GWMS, == *",$require,"* ]] \
        || { echo "FAIL,GLIDEIN_SINGULARITY_REQUIRE is '$require'"; return; }
    [[ ,DISABLE_GWMS,NEVER,OPTIONAL,PREFERRED,REQUIRED, == *",$use,"* ]] \
        || { echo "FAIL,GLIDEIN_Singularity_Use is '$use'"; return; }
    case "$use,$require" in
        DISABLE_GWMS,REQUIRED_GWMS) echo "FAIL,the entry requires the GlideinWMS Singularity setup the frontend disables" ;;
        DISABLE_GWMS,*) echo "DISABLE," ;;
        NEVER,REQUIRED | NEVER,REQUIRED_GWMS) echo "FAIL,the entry requires Singularity the frontend never uses" ;;
        NEVER,*) echo "NEVER," ;;
        OPTIONAL,NEVER | OPTIONAL,OPTIONAL | PREFERRED,NEVER) echo "NEVER," ;;
        OPTIONAL,PREFERRED | PREFERRED,OPTIONAL | PREFERRED,PREFERRED) echo "PREFERRED," ;;
        REQUIRED,NEVER) echo "FAIL,the frontend requires Singularity the entry never allows" ;;
        *) echo "REQUIRED," ;;
    esac
}

# fail REASON: stop the glidein (VO_Config), saying why on stderr and in the result.
fail() {
    echo "singularity_setup.sh: $1" >&2
    "$error_gen" -error singularity_setup.sh VO_Config "$1" attribute GLIDEIN_Singularity_Use
    exit 1
}

use=$(gconfig_get GLIDEIN_Singularity_Use)
require=$(gconfig_get GLIDEIN_SINGULARITY_REQUIRE)
combined=$(combine "${use:-DISABLE_GWMS}" "${require:-OPTIONAL}")
status=${combined%%,*} reason=${combined#*,}
[[ $status == FAIL ]] && fail "Singularity: $reason"
gconfig_add GWMS_SINGULARITY_STATUS "$status"
container_env=$(gl_container_env "$(gconfig_get GLIDEIN_CONTAINER_ENV)" 2>&1) \
    || fail "$container_env"
if [[ $status == DISABLE ]]; then
    "$error_gen" -ok singularity_setup.sh SingularityStatus DISABLE
    exit 0
fi
binary=""
[[ $status == NEVER ]] || binary=$(locate_binary)
if [[ -z $binary ]]; then
    [[ $status == REQUIRED ]] \
        && fail "Singularity is REQUIRED but no apptainer/singularity binary was found"
    gconfig_add HAS_SINGULARITY False
    "$error_gen" -ok singularity_setup.sh SingularityStatus "$status" HasSingularity False
    exit 0
fi
gconfig_add HAS_SINGULARITY True
gconfig_add SINGULARITY_BIN "$binary"
gconfig_add GWMS_SINGULARITY_PATH "$binary"
mode=$(gl_singularity_mode "$binary")
gconfig_add GWMS_SINGULARITY_MODE "$mode"
gconfig_add SINGULARITY_MODE "$mode"
provides=$(gconfig_get GLIDEIN_PROVIDES)
gconfig_add_safe GLIDEIN_PROVIDES "${provides:+$provides,}singularity/$mode"
# The glidein's default image (GLIDEIN_REQUIRED_OS against SINGULARITY_IMAGES_DICT, within
# SINGULARITY_IMAGE_RESTRICTIONS: default any, as the page says; GlideinWMS's is cvmfs) and
# the bind paths that exist here.
required_os=$(gconfig_get GLIDEIN_REQUIRED_OS)
restrictions=$(gconfig_get SINGULARITY_IMAGE_RESTRICTIONS)
if image=$(gl_singularity_image "$(gconfig_get SINGULARITY_IMAGES_DICT)" \
    "${required_os:-any}" "${restrictions:-any}"); then
    gconfig_add_safe GWMS_SINGULARITY_IMAGE "$image"
fi
bind_cvmfs=$(gconfig_get GWMS_SINGULARITY_BIND_CVMFS)
binds=$(gl_singularity_binds "$(gconfig_get GLIDEIN_SINGULARITY_BINDPATH)" \
    "$(gconfig_get GLIDEIN_SINGULARITY_BINDPATH_DEFAULT)" "${bind_cvmfs:-1}")
[[ -n $binds ]] && gconfig_add_safe GWMS_SINGULARITY_BIND_PATHS "$binds"
version=$(timeout 30 "$binary" --version 2>/dev/null | head -n 1)
[[ -n $version ]] && gconfig_add_safe GWMS_SINGULARITY_VERSION "$version"
"$error_gen" -ok singularity_setup.sh SingularityStatus "$status" HasSingularity True
exit 0
