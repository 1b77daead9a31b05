# shellcheck shell=bash disable=SC2016 # $(MACRO)s and $@ are HTCondor's and the wrapper's, written literally
# glidein_lib.sh: functions shared by the glideinforge glidein scripts.
#
# Sourced, never run. Every value condor_startup.sh derives (lifetimes, CPUs,
# memory, slots, collector, platform, quoting) is computed here by a function
# that takes its inputs as arguments and prints its result, so each can be
# tested on its own. Functions print a message on stderr and return 1 on bad
# input.

# gl_is_true VALUE: succeed for True/true/yes/1 (HTCondor-style booleans).
gl_is_true() {
    case "${1,,}" in
        true | yes | 1 | t | on) return 0 ;;
        *) return 1 ;;
    esac
}

# gl_is_int VALUE: succeed for a (signed) decimal integer.
gl_is_int() {
    [[ $1 =~ ^-?[0-9]+$ ]]
}

# gl_description_value FILE KEY: the value of KEY in a "key \tvalue" description file.
gl_description_value() {
    awk -F '\t' -v key="$2" '
        /^#/ { next }
        { k = $1; sub(/[ ]+$/, "", k) }
        k == key && NF >= 2 { print $2; exit }' "$1"
}

# gl_config_merge CONFIG PAIRS: apply the "KEY value" lines of PAIRS to glidein_config
# CONFIG in one pass, with gconfig_add semantics (one line per key, the last value
# wins) and history lines in CONFIG.history.
gl_config_merge() {
    local config=$1 pairs=$2
    awk -v pid="$$" '
        FNR == NR {
            if ($0 ~ /^[#[:space:]]/ || $0 == "") next
            key = $1; n++; keys[n] = key; lines[n] = $0; last[key] = n
            next
        }
        {
            split($0, f, " "); k = f[1]
            if (k in last) next
            print
        }
        END {
            for (i = 1; i <= n; i++) if (last[keys[i]] == i) print lines[i]
            for (i = 1; i <= n; i++) print "REG" pid " " lines[i] > (history)
        }' history="$config.history" "$pairs" "$config" >"$config.$$.merge" \
        && mv -f "$config.$$.merge" "$config"
}

# gl_constants_pairs FILE: a constants file ("NAME \tvalue" lines) as "NAME value" lines.
# Comment and blank lines are skipped; a line without a tab sets an empty value.
gl_constants_pairs() {
    awk '
        /^#/ || /^[[:space:]]*$/ { next }
        {
            tab = index($0, "\t")
            if (tab) { name = substr($0, 1, tab - 1); value = substr($0, tab + 1) }
            else { name = $0; value = "" }
            sub(/[[:space:]]+$/, "", name)
            if (name == "" || name ~ /[[:space:]]/) next
            print name " " value
        }' "$1"
}

# --- lifetimes ------------------------------------------------------------------------

# gl_lifetime RETIRE SPREAD MAX_WALLTIME JOB_MAX GRACEFUL RANDOM
# Prints "RETIRE JOB_MAX DIE" in seconds from the glidein start.
#   Without MAX_WALLTIME: RETIRE = RETIRE - (RANDOM mod (SPREAD+1)), DIE = RETIRE + JOB_MAX.
#   With MAX_WALLTIME: the glidein must be gone by MAX_WALLTIME, so the usable time is
#   MAX_WALLTIME - GRACEFUL; JOB_MAX is reduced to leave at least 600 s of retire time,
#   RETIRE = usable - JOB_MAX, then the spread (never below 600 s), DIE = usable.
# Empty JOB_MAX means the default 129600 s (36 h). A retire time under 600 s is an error.
gl_lifetime() {
    local retire=${1:-21600} spread=${2:-0} walltime=$3 job_max=${4:-129600}
    local graceful=${5:-120} random=${6:-0} usable spread_cut die
    local value
    for value in "$retire" "$spread" "$job_max" "$graceful" "$random"; do
        gl_is_int "$value" || { echo "gl_lifetime: '$value' is not an integer" >&2; return 1; }
    done
    if [[ -n $walltime ]]; then
        gl_is_int "$walltime" || { echo "gl_lifetime: walltime '$walltime' is not an integer" >&2; return 1; }
        usable=$((walltime - graceful))
        if ((usable < 600)); then
            echo "GLIDEIN_Max_Walltime $walltime leaves less than 600 s after the $graceful s graceful shutdown" >&2
            return 1
        fi
        ((job_max > usable - 600)) && job_max=$((usable - 600))
        ((job_max < 0)) && job_max=0
        retire=$((usable - job_max))
        die=$usable
    fi
    if ((spread > 0)); then
        spread_cut=$((random % (spread + 1)))
        ((retire - spread_cut < 600)) && spread_cut=$((retire > 600 ? retire - 600 : 0))
        retire=$((retire - spread_cut))
    fi
    if ((retire < 600)); then
        echo "retire time $retire s is under 600 s" >&2
        return 1
    fi
    [[ -n $walltime ]] || die=$((retire + job_max))
    echo "$retire $job_max $die"
}

# --- CPUs, memory, slots ---------------------------------------------------------------------

# gl_slot_cpus: CPUs the batch system gave this job (HTCondor, SLURM, PBS, LSF, SGE), else nproc.
gl_slot_cpus() {
    local cpus=""
    if [[ -n ${_CONDOR_MACHINE_AD:-} && -r ${_CONDOR_MACHINE_AD:-} ]]; then
        cpus=$(awk '$1 == "Cpus" && $2 == "=" { print $3; exit }' "$_CONDOR_MACHINE_AD")
    fi
    [[ -z $cpus ]] && cpus=${SLURM_CPUS_ON_NODE:-${PBS_NUM_PPN:-${NCPUS:-${LSB_MAX_NUM_PROCESSORS:-${NSLOTS:-}}}}}
    gl_is_int "$cpus" || cpus=$(nproc)
    echo "$cpus"
}

# gl_node_cpus: CPUs of the whole worker node.
gl_node_cpus() {
    nproc --all
}

# gl_cpus VALUE SLOT_CPUS NODE_CPUS: resolve GLIDEIN_CPUS (a number, auto/slot, or node).
gl_cpus() {
    local value=${1:-1}
    case "${value,,}" in
        auto | slot | -1) value=$2 ;;
        node | 0) value=$3 ;;
    esac
    if [[ ! $value =~ ^[0-9]+$ ]] || ((value < 1)); then
        echo "GLIDEIN_CPUS '$1' is not a positive number, auto, slot or node" >&2
        return 1
    fi
    echo "$value"
}

# gl_memory_mb MAXMEM ESTIMATE CPUS NODE_CPUS MEMTOTAL_KB: the startd's MEMORY in MB.
# GLIDEIN_MaxMemMBs when set; with GLIDEIN_MaxMemMBs_Estimate true, the node's memory
# times CPUS/NODE_CPUS; otherwise empty (HTCondor detects it).
gl_memory_mb() {
    local maxmem=$1 estimate=$2 cpus=$3 node_cpus=$4 memtotal_kb=$5
    if [[ -n $maxmem ]]; then
        if ! gl_is_int "$maxmem" || ((maxmem <= 0)); then
            echo "GLIDEIN_MaxMemMBs '$maxmem' is not a positive integer" >&2
            return 1
        fi
        echo "$maxmem"
    elif gl_is_true "$estimate"; then
        if ! gl_is_int "$memtotal_kb" || ! gl_is_int "$node_cpus" || ((node_cpus <= 0)); then
            echo "cannot estimate memory from '$memtotal_kb' kB and '$node_cpus' CPUs" >&2
            return 1
        fi
        # The glidein's share of the node, never more than the node has.
        ((cpus > node_cpus)) && cpus=$node_cpus
        # shellcheck disable=SC2017 # whole MB first, then the share (the published figure)
        echo $((memtotal_kb / 1024 * cpus / node_cpus))
    fi
    return 0
}

# gl_slots_layout LAYOUT CPUS FORCE_PARTITIONABLE: "fixed" or "partitionable".
# A single-CPU glidein is fixed unless FORCE_PARTITIONABLE is true.
gl_slots_layout() {
    if [[ ${1,,} == partitionable ]] && { (($2 > 1)) || gl_is_true "$3"; }; then
        echo partitionable
    else
        echo fixed
    fi
}

# gl_memory_value TEXT: a resource memory in MB ("200", "1G", "512MB", "10%" kept as is).
gl_memory_value() {
    local text=${1^^} number unit
    if [[ $text =~ ^([0-9]+)%$ ]]; then
        echo "$1"
        return 0
    fi
    [[ $text =~ ^([0-9]+)(K|KB|M|MB|G|GB|T|TB)?$ ]] \
        || { echo "resource memory '$1' is not a number with an optional K/M/G/T unit or %" >&2; return 1; }
    number=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
    case "$unit" in
        K | KB) echo $((number / 1024)) ;;
        "" | M | MB) echo "$number" ;;
        G | GB) echo $((number * 1024)) ;;
        T | TB) echo $((number * 1048576)) ;;
    esac
}

# gl_parse_resource_slots SPEC: GLIDEIN_Resource_Slots as "name number memory type disk"
# lines. Resources are ';'-separated; each is name[,number[,memory[,type[,disk]]]] with
# any field also given as key=value. Number defaults to 1 ("auto" for GPUs: HTCondor
# discovers them), memory to 128 MB per instance, type to static for one instance and
# partitionable otherwise (main for discovered GPUs), disk to auto.
gl_parse_resource_slots() {
    local spec=$1 resource field key value index name number memory type disk
    local -a specs fields
    IFS=';' read -r -a specs <<<"$spec"
    for resource in "${specs[@]}"; do
        [[ -z ${resource//[[:space:]]/} ]] && continue
        IFS=',' read -r -a fields <<<"$resource"
        name="" number="" memory="" type="" disk=""
        index=0
        for field in "${fields[@]}"; do
            field=${field//[[:space:]]/}
            if [[ $field == *=* ]]; then
                key=${field%%=*} value=${field#*=}
            else
                key=$(echo name number memory type disk | cut -d' ' -f$((index + 1)))
                value=$field
            fi
            index=$((index + 1))
            [[ -z $value ]] && continue
            case "${key,,}" in
                name) name=$value ;;
                number) number=$value ;;
                memory) memory=$value ;;
                type) type=${value,,} ;;
                disk) disk=$value ;;
                *) echo "unknown resource field '$key' in '$resource'" >&2; return 1 ;;
            esac
        done
        [[ $name =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] \
            || { echo "resource name '$name' in '$resource' is not a valid name" >&2; return 1; }
        if [[ -z $number ]]; then
            if [[ ${name,,} == gpus ]]; then number=auto; else number=1; fi
        fi
        [[ $number == auto || ( $number =~ ^[0-9]+$ && $number -gt 0 ) ]] \
            || { echo "resource number '$number' in '$resource' is not a positive integer" >&2; return 1; }
        if [[ -z $type ]]; then
            if [[ $number == auto ]]; then type=main
            elif ((number == 1)); then type=static
            else type=partitionable
            fi
        fi
        case "$type" in
            main | extra | partitionable | static) ;;
            *) echo "resource type '$type' in '$resource' is not main, extra, partitionable or static" >&2; return 1 ;;
        esac
        if [[ $number == auto && $type != main ]]; then
            echo "resource '$name' without a number can only be of type main" >&2
            return 1
        fi
        if [[ -z $memory ]]; then
            if [[ $number == auto ]]; then memory=128; else memory=$((128 * number)); fi
        else
            memory=$(gl_memory_value "$memory") || return 1
        fi
        [[ -z $disk ]] && disk=auto
        [[ $disk =~ ^[0-9A-Za-z./%]+$ ]] || { echo "resource disk '$disk' is not valid" >&2; return 1; }
        echo "$name $number $memory $type $disk"
    done
}

# gl_slots_config LAYOUT CPUS MEMORY_MB DISK RESOURCES MONITORING
# The HTCondor slot definitions for the glidein. RESOURCES is the output of
# gl_parse_resource_slots. Slot type 1 is the main slot (CPUS one-CPU slots when fixed,
# one partitionable slot otherwise); resource slots and the monitoring slot follow.
# Resources of type extra, partitionable and static add virtual CPUs to NUM_CPUS.
# gl_disk_share DISK COUNT: one of COUNT equal slots' share of GLIDEIN_DISK (auto, a
# percentage, a fraction N/M or .N, or an amount with an optional unit).
gl_disk_share() {
    local disk=${1:-auto} count=$2 number
    if [[ ${disk,,} == auto ]]; then
        echo auto
    elif [[ $disk =~ ^([0-9]+)%$ ]]; then
        echo "$((BASH_REMATCH[1] / count))%"
    elif [[ $disk =~ ^([0-9]+)/([0-9]+)$ ]]; then
        echo "${BASH_REMATCH[1]}/$((BASH_REMATCH[2] * count))"
    elif [[ $disk =~ ^[0-9]*\.[0-9]+$ ]]; then
        awk -v d="$disk" -v n="$count" 'BEGIN { printf "%g\n", d / n }'
    elif [[ $disk =~ ^([0-9]+)([A-Za-z]*)$ ]]; then
        number=${BASH_REMATCH[1]}
        echo "$((number / count))${BASH_REMATCH[2]}"
    else
        echo "GLIDEIN_DISK '$disk' is not auto, a percentage, a fraction or an amount" >&2
        return 1
    fi
}

gl_slots_config() {
    local layout=$1 cpus=$2 memory=$3 disk=${4:-auto} resources=$5 monitoring=$6
    local name number res_memory type res_disk slot=1 extra_cpus=0 main_resources=""
    local reserved_memory=0 slot_lines="" per_slot_memory
    gl_disk_share "$disk" 1 >/dev/null || return 1
    while read -r name number res_memory type res_disk; do
        [[ -z $name ]] && continue
        case "$type" in
            main | extra)
                if [[ $number == auto ]]; then
                    echo "MACHINE_RESOURCE_INVENTORY_$name = \$(LIBEXEC)/condor_gpu_discovery -properties \$(GPU_DISCOVERY_EXTRA)"
                else
                    echo "MACHINE_RESOURCE_$name = $number"
                fi
                [[ $type == extra ]] && extra_cpus=$((extra_cpus + number))
                ;;
            partitionable | static)
                slot=$((slot + 1))
                echo "MACHINE_RESOURCE_$name = $number"
                extra_cpus=$((extra_cpus + number))
                if [[ $res_memory =~ ^[0-9]+$ ]]; then
                    reserved_memory=$((reserved_memory + res_memory))
                fi
                if [[ $type == partitionable ]]; then
                    slot_lines+="SLOT_TYPE_$slot = cpus=$number, $name=$number, memory=$res_memory, disk=$res_disk"$'\n'
                    slot_lines+="SLOT_TYPE_${slot}_PARTITIONABLE = True"$'\n'
                    slot_lines+="NUM_SLOTS_TYPE_$slot = 1"$'\n'
                else
                    per_slot_memory=$res_memory
                    [[ $res_memory =~ ^[0-9]+$ ]] && per_slot_memory=$((res_memory / number))
                    slot_lines+="SLOT_TYPE_$slot = cpus=1, $name=1, memory=$per_slot_memory, disk=$res_disk"$'\n'
                    slot_lines+="SLOT_TYPE_${slot}_PARTITIONABLE = False"$'\n'
                    slot_lines+="NUM_SLOTS_TYPE_$slot = $number"$'\n'
                fi
                slot_lines+="SLOT_TYPE_${slot}_START = (TARGET.Request$name =!= UNDEFINED) && (TARGET.Request$name > 0) && (\$(START))"$'\n'
                ;;
        esac
        [[ $type == main || $type == extra ]] && main_resources+=" $name"
    done <<<"$resources"
    if gl_is_true "$monitoring"; then
        slot=$((slot + 1))
        extra_cpus=$((extra_cpus + 1))
        reserved_memory=$((reserved_memory + 10))
        slot_lines+="SLOT_TYPE_$slot = cpus=1, memory=10, disk=1%"$'\n'
        slot_lines+="SLOT_TYPE_${slot}_PARTITIONABLE = False"$'\n'
        slot_lines+="NUM_SLOTS_TYPE_$slot = 1"$'\n'
        slot_lines+="SLOT_TYPE_${slot}_START = (TARGET.GLIDEIN_Is_Monitor =?= True)"$'\n'
        slot_lines+="SLOT_TYPE_${slot}_GLIDEIN_Is_Monitor_Slot = True"$'\n'
        echo "GLIDEIN_Monitoring_Slot_Type = $slot"
    fi
    local main_memory=auto
    if [[ -n $memory ]]; then
        main_memory=$((memory - reserved_memory))
        ((main_memory > 0)) || { echo "resource slots reserve more memory than the glidein's $memory MB" >&2; return 1; }
        echo "MEMORY = $memory"
    fi
    echo "NUM_CPUS = $((cpus + extra_cpus))"
    echo "GLIDEIN_CPUS_USED = $cpus"
    if [[ $layout == partitionable ]]; then
        echo "SLOT_TYPE_1 = cpus=$cpus, memory=$main_memory, disk=$disk"
        echo "SLOT_TYPE_1_PARTITIONABLE = True"
        echo "NUM_SLOTS_TYPE_1 = 1"
    else
        local fixed_memory=auto fixed_disk
        [[ $main_memory != auto ]] && fixed_memory=$((main_memory / cpus))
        fixed_disk=$(gl_disk_share "$disk" "$cpus") || return 1
        echo "SLOT_TYPE_1 = cpus=1, memory=$fixed_memory, disk=$fixed_disk"
        echo "SLOT_TYPE_1_PARTITIONABLE = False"
        echo "NUM_SLOTS_TYPE_1 = $cpus"
    fi
    printf '%s' "$slot_lines"
    [[ -n $main_resources ]] && echo "GLIDEIN_Main_Slot_Resources =$main_resources"
    return 0
}

# --- collector and platform ------------------------------------------------------------------

# gl_expand_collectors LIST: one collector per line from a comma-separated GLIDEIN_Collector,
# with "host:PORT1-PORT2" port ranges and "?sock=nameN-M" shared-port ranges expanded.
gl_expand_collectors() {
    local -a items
    local item host low high i prefix
    IFS=',' read -r -a items <<<"$1"
    for item in "${items[@]}"; do
        item=${item//[[:space:]]/}
        [[ -z $item ]] && continue
        if [[ $item =~ ^(.*[?\&]sock=[A-Za-z_]*)([0-9]+)-([0-9]+)$ ]]; then
            prefix=${BASH_REMATCH[1]} low=${BASH_REMATCH[2]} high=${BASH_REMATCH[3]}
            for ((i = low; i <= high; i++)); do echo "$prefix$i"; done
        elif [[ $item =~ ^([^:?]+):([0-9]+)-([0-9]+)$ ]]; then
            host=${BASH_REMATCH[1]} low=${BASH_REMATCH[2]} high=${BASH_REMATCH[3]}
            for ((i = low; i <= high; i++)); do echo "$host:$i"; done
        else
            echo "$item"
        fi
    done
}

# gl_pick_collector LIST RANDOM: the collector this glidein reports to.
gl_pick_collector() {
    local -a collectors
    mapfile -t collectors < <(gl_expand_collectors "$1")
    ((${#collectors[@]} > 0)) || { echo "GLIDEIN_Collector is empty" >&2; return 1; }
    echo "${collectors[$(($2 % ${#collectors[@]}))]}"
}

# gl_os_name: the worker node's OS as the factory names it (rhel7, rhel8, rhel9, ...).
gl_os_name() {
    local id="" like="" version=""
    if [[ -r /etc/os-release ]]; then
        id=$(. /etc/os-release && echo "${ID:-}")
        like=$(. /etc/os-release && echo "${ID_LIKE:-}")
        version=$(. /etc/os-release && echo "${VERSION_ID:-}")
    fi
    version=${version%%.*}
    case " $id $like " in
        *" rhel "* | *" centos "* | *" fedora "*) echo "rhel$version" ;;
        *" debian "* | *" ubuntu "*) echo "${id}$version" ;;
        *) echo "${id:-unknown}$version" ;;
    esac
}

# gl_select_platform VERSIONS OSES ARCHES AVAILABLE...: the first available
# "<version>-<os>-<arch>" in preference order; VERSIONS, OSES and ARCHES are
# comma-separated preference lists ("default" is a real label of the factory).
gl_select_platform() {
    local versions=$1 oses=$2 arches=$3 version os arch candidate available
    shift 3
    local -a vlist olist alist
    IFS=',' read -r -a vlist <<<"$versions"
    IFS=',' read -r -a olist <<<"$oses"
    IFS=',' read -r -a alist <<<"$arches"
    for version in "${vlist[@]}"; do
        for os in "${olist[@]}"; do
            for arch in "${alist[@]}"; do
                candidate="$version-$os-$arch"
                for available in "$@"; do
                    if [[ $available == "$candidate" ]]; then
                        echo "$candidate"
                        return 0
                    fi
                done
            done
        done
    done
    echo "no condor tarball for version '$versions', OS '$oses', arch '$arches' (have: $*)" >&2
    return 1
}

# --- condor_config values ----------------------------------------------------------------------

# gl_condor_string VALUE: VALUE as an HTCondor config string that reads back verbatim
# (quotes and backslashes escaped, '$' spelled $(DOLLAR) so no macro is expanded).
gl_condor_string() {
    local v=$1
    v=${v//\\/\\\\}
    v=${v//\"/\\\"}
    v=${v//\$/'$(DOLLAR)'}
    printf '"%s"' "$v"
}

# gl_job_env_item NAME VALUE: one 'NAME=VALUE' word of STARTER_JOB_ENVIRONMENT.
gl_job_env_item() {
    local v="$1=$2"
    v=${v//\'/\'\'}
    v=${v//\"/\"\"}
    v=${v//\$/'$(DOLLAR)'}
    printf "'%s'" "$v"
}

# gl_condor_value TYPE VALUE NAME: the right-hand side for a condor_vars variable of
# TYPE S (string, quoted to read back verbatim), or I (integer) and C (expression),
# both written as given: GlideinWMS's own tables type some booleans I, so I is not
# checked further.
gl_condor_value() {
    case "$1" in
        I)
            # An integer; GlideinWMS's own GLIDEIN_REQUIRE_VOMS row (type I) carries True/False.
            case "${2,,}" in
                true | false) printf '%s' "$2" ;;
                *)
                    [[ ${2// /} =~ ^[-+]?[0-9]+$ ]] \
                        || { echo "$3: '$2' is not an integer" >&2; return 1; }
                    printf '%s' "${2// /}"
                    ;;
            esac
            ;;
        C) printf '%s' "$2" ;;
        S) gl_condor_string "$2" ;;
        *) echo "$3: unknown type '$1'" >&2; return 1 ;;
    esac
}

# gl_x509_lifetime RETIRE DIE LEFT IGNORE: the retire and die times (s), shortened to a proxy
# with LEFT seconds to live when IGNORE (GLIDEIN_Ignore_X509_Duration, default True) is false,
# or always when LEFT is under 900 s.
gl_x509_lifetime() {
    local retire=$1 die=$2 left=$3 ignore=${4:-True}
    if gl_is_int "$left" && ((left < die)) && { ! gl_is_true "$ignore" || ((left < 900)); }; then
        die=$((left > 0 ? left : 0))
        ((retire > die)) && retire=$die
    fi
    echo "$retire $die"
}

# gl_os_intersection LIST1 LIST2: the platforms of LIST1 (comma separated, in its order)
# that LIST2 accepts; "any" in either list accepts the other. Returns 1 when none is left.
gl_os_intersection() {
    local first=${1// /} second=${2// /} item result=""
    [[ -n $first && -n $second ]] || return 1
    if [[ $first == any ]]; then
        result=$second
    elif [[ $second == any ]]; then
        result=$first
    else
        IFS=, read -r -a items <<<"$first"
        for item in "${items[@]}"; do
            [[ -n $item && ,$second, == *,"$item",* && ,$result, != *,"$item",* ]] \
                && result+="${result:+,}$item"
        done
    fi
    [[ -n $result ]] || return 1
    echo "$result"
}

# gl_singularity_image DICT PLATFORMS RESTRICTIONS: the image for the first of PLATFORMS
# (comma separated; "any": the "default" key, else the first entry) with a key in DICT
# ("key:image,..."); with RESTRICTIONS "cvmfs" only an image under /cvmfs/ is taken.
# Returns 1 when there is none.
gl_singularity_image() {
    local dict=$1 platforms=$2 restrictions=${3:-} entry key image=""
    local -a entries wanted
    IFS=, read -r -a entries <<<"$dict"
    if [[ $platforms == any ]]; then
        wanted=(default "${entries[0]%%:*}")
    else
        IFS=, read -r -a wanted <<<"$platforms"
    fi
    for key in "${wanted[@]}"; do
        for entry in "${entries[@]}"; do
            [[ ${entry%%:*} == "$key" && $entry == *:* ]] && { image=${entry#*:}; break 2; }
        done
    done
    [[ -n $image ]] || return 1
    if [[ ,${restrictions// /}, == *,cvmfs,* && $image != /cvmfs/* ]]; then
        return 1
    fi
    echo "$image"
}

# gl_singularity_binds USER DEFAULT BIND_CVMFS: the --bind list: USER's and DEFAULT's
# src[:dst[:opt]] items (comma separated), the site defaults and /cvmfs (unless
# BIND_CVMFS is false; $CVMFS_MOUNT_DIR, a cvmfsexec mount, bound as /cvmfs when set),
# without items whose source does not exist or repeats one.
gl_singularity_binds() {
    local item src result="" seen=","
    local -a items
    IFS=, read -r -a items <<<"$1,$2,/hadoop,/hdfs,/lizard,/mnt/hadoop,/mnt/hdfs"
    gl_is_true "${3:-1}" && items+=("${CVMFS_MOUNT_DIR:-/cvmfs}${CVMFS_MOUNT_DIR:+:/cvmfs}")
    for item in "${items[@]}"; do
        item=${item// /}
        src=${item%%:*}
        [[ -n $src && -e $src && $seen != *,"$src",* ]] || continue
        seen+="$src,"
        result+="${result:+,}$item"
    done
    echo "$result"
}

# gl_wrapper_exec TEXT: what the job wrapper execs (GLIDEIN_WRAPPER_EXEC; default "$@"),
# as shell words. GlideinWMS's documented form is escaped twice ("\\\"\\\$@\\\""):
# outer quotes and backslashes before " and $ are dropped. Only plain or double-quoted
# words of letters, digits, _./:=+,@%- and $NAME, ${NAME} or $@ are taken (no command
# substitution, no operators): anything else returns 1.
gl_wrapper_exec() {
    local text=$1 word plain='([A-Za-z0-9_./:=+,@%-]|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$@)*'
    local -a words
    [[ -n ${text//[[:space:]]/} ]] || { echo '"$@"'; return 0; }
    if [[ $text == \"*\" && $text == *\\* ]]; then
        text=${text:1:${#text}-2}
    fi
    text=$(sed -E 's/\\+(["$])/\1/g' <<<"$text")
    read -r -a words <<<"$text"
    for word in "${words[@]}"; do
        if [[ ! $word =~ ^(\"$plain\"|$plain)$ ]]; then
            echo "GLIDEIN_WRAPPER_EXEC: '$word' is not a plain or quoted word" >&2
            return 1
        fi
    done
    echo "${words[*]}"
}

# gl_feature_value BASE KEY: the value of KEY under a WLCG Machine/Job Features BASE (a
# directory, or an http(s) URL read with a 10 s timeout); blanks removed, at most 64 bytes;
# empty when there is none.
gl_feature_value() {
    local base=$1 key=$2
    [[ -n $base ]] || return 0
    if [[ $base =~ ^https?:// ]]; then
        curl --fail --silent --max-time 10 --max-filesize 64 "$base/$key" 2>/dev/null | head -c 64
    elif [[ -f $base/$key && -r $base/$key ]]; then
        head -c 64 "$base/$key"
    fi | tr -d '[:space:]'
}

# gl_classad_value TEXT: TEXT as a typed ClassAd value (what a startd cron job prints):
# booleans, integers and reals as they are, anything else a quoted string (without the
# quotes and backslashes old-style ClassAds cannot carry reliably).
gl_classad_value() {
    case "${1,,}" in
        true | false)
            printf '%s' "${1^}"
            return 0
            ;;
    esac
    if [[ $1 =~ ^[-+]?[0-9]+$ || $1 =~ ^[-+]?[0-9]*\.[0-9]+([eE][-+]?[0-9]+)?$ ]]; then
        printf '%s' "$1"
    else
        local text=${1//\\/}
        printf '"%s"' "${text//\"/}"
    fi
}

# gl_start_expr CHECK_MODE: the START expression (never starts jobs in check mode).
gl_start_expr() {
    if [[ $1 == 2 ]]; then
        echo "FALSE"
        return 0
    fi
    echo '(MyCurrentTime < $(GLIDEIN_ToRetire)) && (SiteWMS_WN_Draining =?= False) && ($(GLIDEIN_Start)) && ($(GLIDEIN_Entry_Start)) && ($(GLIDEIN_Custom_Start)) && ($(GLIDECLIENT_Start)) && ($(GLIDECLIENT_Group_Start))'
}

# gl_daemon_shutdown: when the startd ends the glidein (die time, retired and idle,
# never matched within GLIDEIN_Max_Idle, idle for GLIDEIN_Max_Tail after a job).
gl_daemon_shutdown() {
    echo '(MyCurrentTime > $(GLIDEIN_ToDie)) || ((State =?= "Unclaimed") && (MyCurrentTime > $(GLIDEIN_ToRetire))) || ((State =?= "Unclaimed") && (TotalTimeClaimedBusy =?= UNDEFINED) && (MyCurrentTime - DaemonStartTime > $(GLIDEIN_Max_Idle))) || ((State =?= "Unclaimed") && (TotalTimeClaimedBusy =!= UNDEFINED) && (MyCurrentTime - EnteredCurrentState > $(GLIDEIN_Max_Tail)))'
}

# gl_id_prefix ID: the glidein_config key prefix of a stage id.
gl_id_prefix() {
    case "$1" in
        main) echo "" ;;
        entry) echo "ENTRY_" ;;
        client) echo "GLIDECLIENT_" ;;
        client_group) echo "GLIDECLIENT_GROUP_" ;;
        *) echo "unknown stage id '$1'" >&2; return 1 ;;
    esac
}

# gl_write_mapfile MAPFILE [GRIDMAP]: write the HTCondor mapfile (token and filesystem
# identities, plus every DN of GRIDMAP mapped to its user) atomically; print how many
# DNs were mapped.
gl_write_mapfile() {
    local mapfile=$1 gridmap=${2:-} count=0 line dn
    {
        printf '%s\n' 'IDTOKENS (.*) \1' 'FS (.*) \1'
        if [[ -n $gridmap && -r $gridmap ]]; then
            while IFS= read -r line; do
                [[ $line =~ ^\"([^\"]+)\"[[:space:]]+([A-Za-z0-9_.@-]+)$ ]] || continue
                dn=${BASH_REMATCH[1]//./\\.}
                echo "SSL \"^${dn//\//\\/}\$\" ${BASH_REMATCH[2]}"
                count=$((count + 1))
            done <"$gridmap"
        fi
    } >"$mapfile.new" && mv -f "$mapfile.new" "$mapfile" && echo "$count"
}

# gl_container_env OPTIONS: GLIDEIN_CONTAINER_ENV (comma separated) normalized: empty is
# clearpaths; clear is clearall,gwmsset,osgset,condorset; keepall next to a clear option
# is dropped (as GlideinWMS does). Returns 1 on an unknown word.
gl_container_env() {
    local word result="" has_clear=""
    local -a words
    IFS=, read -r -a words <<<"${1// /}"
    [[ ${#words[@]} -gt 0 ]] || words=(clearpaths)
    for word in "${words[@]}"; do
        case $word in
            clear) result+=",clearall,gwmsset,osgset,condorset" has_clear=1 ;;
            clearall | clearpaths) result+=",$word" has_clear=1 ;;
            osgset | gwmsset | condorset | keepall) result+=",$word" ;;
            '') ;;
            *)
                echo "GLIDEIN_CONTAINER_ENV: '$word' is not clearall, clear, clearpaths, gwmsset, osgset, condorset or keepall" >&2
                return 1
                ;;
        esac
    done
    [[ -n $has_clear ]] && result=${result//,keepall/}
    echo "${result#,}"
}

# The variables a cleared container environment keeps (GLIDEIN_CONTAINER_ENV gwmsset, always
# kept when clearing, and osgset).
GL_CONTAINER_GWMSSET="GWMS_SINGULARITY_STATUS_EFFECTIVE GLIDEIN_Proxy_URL MODULE_USE InitializeModulesEnv LoadModules XRD_PLUGINCONFDIR POSIXSTASHCACHE STASHCACHE STASHCACHE_WRITABLE"
GL_CONTAINER_OSGSET="GLIDEIN_Site GLIDEIN_ResourceName HAS_SINGULARITY http_proxy OSG_SITE_NAME OSG_WN_TMP TZ X509_USER_PROXY X509_USER_CERT X509_USER_KEY"

# gl_job_ad_string NAME: NAME's value in the job ad ($_CONDOR_JOB_AD), quotes removed.
gl_job_ad_string() {
    [[ -n ${_CONDOR_JOB_AD:-} && -r $_CONDOR_JOB_AD ]] || return 0
    sed -n "s/^$1 = //p" "$_CONDOR_JOB_AD" | tail -n 1 | sed 's/^"\(.*\)"$/\1/'
}

# gl_container_command: set GL_CONTAINER to the command a job's words follow (empty: the
# job runs directly), from GL_CONTAINER_SETTINGS (what singularity_setup.sh found, baked
# into the job wrapper at startup) and the job: its SingularityImage (then the status is
# REQUIRED_Singularity_image_in_job), else its REQUIRED_OS against GLIDEIN_REQUIRED_OS in
# SINGULARITY_IMAGES_DICT, else the glidein's image. GWMS_SINGULARITY_STATUS_EFFECTIVE, when
# set, overrides the status; it is exported. REQUIRED without an image returns 1; PREFERRED
# falls back to running directly. GLIDEIN_CONTAINER_ENV shapes the environment.
gl_container_command() {
    local -n settings=GL_CONTAINER_SETTINGS
    local image job_image job_os platforms options name
    # shellcheck disable=SC2034 # the job wrapper runs it
    GL_CONTAINER=()
    job_image=$(gl_job_ad_string SingularityImage)
    job_os=$(gl_job_ad_string REQUIRED_OS)
    image=${settings[GWMS_SINGULARITY_IMAGE]}
    if [[ -n $job_image ]]; then
        image=$job_image
        GWMS_SINGULARITY_STATUS_EFFECTIVE=${GWMS_SINGULARITY_STATUS_EFFECTIVE:-REQUIRED_Singularity_image_in_job}
    elif [[ -n $job_os ]]; then
        image=""
        if platforms=$(gl_os_intersection "$job_os" "${settings[GLIDEIN_REQUIRED_OS]:-any}"); then
            image=$(gl_singularity_image "${settings[SINGULARITY_IMAGES_DICT]}" "$platforms" \
                "${settings[SINGULARITY_IMAGE_RESTRICTIONS]:-any}")
        fi
    fi
    export GWMS_SINGULARITY_STATUS_EFFECTIVE=${GWMS_SINGULARITY_STATUS_EFFECTIVE:-${settings[GWMS_SINGULARITY_STATUS]}}
    case ${GWMS_SINGULARITY_STATUS_EFFECTIVE%%_*} in
        REQUIRED | PREFERRED) ;;
        *) return 0 ;;
    esac
    if [[ -z $image || ! -x ${settings[SINGULARITY_BIN]} ]]; then
        [[ ${GWMS_SINGULARITY_STATUS_EFFECTIVE%%_*} == PREFERRED ]] && return 0
        echo "condor_job_wrapper.sh: Singularity is $GWMS_SINGULARITY_STATUS_EFFECTIVE but there is no image for REQUIRED_OS '${job_os:-any}'" >&2
        return 1
    fi
    options=$(gl_container_env "${settings[GLIDEIN_CONTAINER_ENV]}") || return 1
    local -a prefix=() cleanenv=() debug=() extra=() binds=()
    if [[ ,$options, == *,clearall,* ]]; then
        cleanenv=(--cleanenv)
        local kept=$GL_CONTAINER_GWMSSET
        [[ ,$options, == *,osgset,* ]] && kept+=" $GL_CONTAINER_OSGSET"
        [[ ,$options, == *,condorset,* ]] && kept+=" $(compgen -e | grep '^_CONDOR_' | tr '\n' ' ')"
        for name in $kept; do
            [[ -n ${!name+set} ]] && prefix+=("APPTAINERENV_$name=${!name}" "SINGULARITYENV_$name=${!name}")
        done
    fi
    if [[ ,$options, == *,clearall,* || ,$options, == *,clearpaths,* ]]; then
        prefix=(-u PATH -u LD_LIBRARY_PATH -u PYTHONPATH -u LD_PRELOAD "${prefix[@]}")
    fi
    [[ -n ${settings[GLIDEIN_DEBUG_OUTPUT]} ]] && debug=(-d -vvv)
    read -r -a extra <<<"${settings[GLIDEIN_SINGULARITY_OPTS]}"
    [[ -n ${settings[GWMS_SINGULARITY_BIND_PATHS]} ]] \
        && binds=(--bind "${settings[GWMS_SINGULARITY_BIND_PATHS]}")
    # shellcheck disable=SC2034 # the job wrapper runs it
    GL_CONTAINER=("$(command -v env)" "${prefix[@]}" "${settings[SINGULARITY_BIN]}" "${debug[@]}"
        exec --home "$PWD:/srv" --pwd /srv --ipc --pid --contain "${cleanenv[@]}" "${extra[@]}"
        "${binds[@]}" "$image")
}

# gl_singularity_mode BINARY: privileged when the glidein runs as root or the runtime's
# setuid starter (BINARY's ../libexec/<name>/bin/starter-suid) is setuid, else
# unprivileged (telling fakeroot apart needs an image run).
gl_singularity_mode() {
    local binary=$1 root name starter
    root=$(dirname "$(dirname "$binary")")
    name=$(basename "$binary")
    starter=$root/libexec/$name/bin/starter-suid
    if [[ $(id -u) == 0 || (-u $starter && -x $starter) ]]; then
        echo privileged
    else
        echo unprivileged
    fi
}
