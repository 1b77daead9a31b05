#!/bin/bash
# condor_platform_select.sh: choose the HTCondor tarball for this worker node.
#
# The main file list offers one untar row per CONDOR_PLATFORM_<version>-<os>-<arch>.
# This sets exactly one of them to 1 in glidein_config, from CONDOR_VERSION, CONDOR_OS
# and CONDOR_ARCH (comma-separated preferences; "default" or empty means this node's
# OS and architecture first, then the factory's "default" label).
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)
main_dir=$(gconfig_get GLIDEIN_WORK_DIR)
description="$main_dir/$(gconfig_get DESCRIPTION_FILE)"
file_list="$main_dir/$(gl_description_value "$description" file_list)"
mapfile -t available < <(awk '!/^#/ && $6 ~ /^CONDOR_PLATFORM_/ { print substr($6, 17) }' "$file_list" 2>/dev/null)
if ((${#available[@]} == 0)); then
    echo "No condor tarball is staged; nothing to select"
    "$error_gen" -ok condor_platform_select.sh CondorPlatform none
    exit 0
fi
preferences() {
    local value=$1 detected=$2
    case "${value,,}" in
        "" | default | auto) echo "$detected,default" ;;
        *) echo "$value" ;;
    esac
}
version=$(gconfig_get CONDOR_VERSION)
[[ -z $version || ${version,,} == auto ]] && version=default
oses=$(preferences "$(gconfig_get CONDOR_OS)" "$(gl_os_name)")
arches=$(preferences "$(gconfig_get CONDOR_ARCH)" "$(uname -m)")
if ! platform=$(gl_select_platform "$version" "$oses" "$arches" "${available[@]}" 2>&1); then
    echo "condor_platform_select.sh: $platform" >&2
    "$error_gen" -error condor_platform_select.sh Config "$platform"
    exit 1
fi
gconfig_add "CONDOR_PLATFORM_$platform" 1
echo "Selected condor platform $platform"
"$error_gen" -ok condor_platform_select.sh CondorPlatform "$platform"
exit 0
