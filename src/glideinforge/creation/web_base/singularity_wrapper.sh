#!/bin/bash
# singularity_wrapper.sh: run a script of type exec:s, in a container when configured.
#
# At startup the glidein runs it as "singularity_wrapper.sh glidein_config ID" (nothing
# to do). For exec:s rows it is called as "singularity_wrapper.sh SCRIPT glidein_config
# ID": SCRIPT runs inside GLIDEIN_SINGULARITY_IMAGE (else the image singularity_setup.sh
# chose) with the container binary it found, the bind paths it kept and
# GLIDEIN_SINGULARITY_OPTS, or directly when there is no image.
if [[ $# -eq 2 ]]; then
    exit 0
fi
script=$1 glidein_config=$2 id=$3
value() {
    awk -v key="$1" 'index($0, key " ") == 1 { v = substr($0, length(key) + 2) } END { print v }' "$glidein_config"
}
image=$(value GLIDEIN_SINGULARITY_IMAGE)
image=${image:-$(value GWMS_SINGULARITY_IMAGE)}
binary=$(value SINGULARITY_BIN)
if [[ -n $image && -n $binary && -x $binary ]]; then
    # The bind paths singularity_setup.sh kept, and GLIDEIN_SINGULARITY_OPTS as words.
    binds=$(value GWMS_SINGULARITY_BIND_PATHS)
    declare -a options=()
    read -r -a options <<<"$(value GLIDEIN_SINGULARITY_OPTS)"
    # GLIDEIN_DEBUG_OUTPUT (any value): the container runtime's debug output too.
    declare -a debug=()
    [[ -n $(value GLIDEIN_DEBUG_OUTPUT) ]] && debug=(-d -vvv)
    exec "$binary" "${debug[@]}" exec --bind "$PWD${binds:+,$binds}" --pwd "$PWD" \
        "${options[@]}" "$image" "$script" "$glidein_config" "$id"
fi
exec "$script" "$glidein_config" "$id"
