#!/bin/bash
# setup_x509.sh: find the glidein's credential (an IDTOKEN or an X.509 proxy).
#
# IDTOKENs: GLIDEIN_CONDOR_TOKEN naming a file, or credential_*.idtoken files in the
# glidein's start dir, copied to cred.d/idtokens (mode 0600). Sets GLIDEIN_CONDOR_TOKEN
# and TRUST_DOMAIN (the collector host). A readable X509_USER_PROXY, with or without a
# token, is checked (an expired one stops the glidein) and published with X509_EXPIRE
# (which can shorten the glidein's life) and X509_CERT_DIR. With neither credential, the
# glidein cannot join the pool and stops. Also run periodically.
glidein_config=$1
add_config_line_source=$(awk '$1 == "ADD_CONFIG_LINE_SOURCE" { v = substr($0, 24) } END { print v }' "$glidein_config")
# shellcheck source=/dev/null
source "$add_config_line_source"
# shellcheck source=glidein_lib.sh
source "$(gconfig_get GLIDEIN_WORK_DIR)/glidein_lib.sh"
error_gen=$(gconfig_get ERROR_GEN_PATH)
work_dir=$(dirname "$(readlink -f "$glidein_config")")
token=$(gconfig_get GLIDEIN_CONDOR_TOKEN)
if [[ -z $token || ! -f $token ]]; then
    token=""
    start_dir=$(gconfig_get GLIDEIN_START_DIR_ORIG)
    shopt -s nullglob
    candidates=("$start_dir"/credential_*.idtoken)
    shopt -u nullglob
    if ((${#candidates[@]} > 0)); then
        mkdir -p "$work_dir/cred.d/idtokens" && chmod 0700 "$work_dir/cred.d" "$work_dir/cred.d/idtokens"
        for candidate in "${candidates[@]}"; do
            install -m 0600 "$candidate" "$work_dir/cred.d/idtokens/" || exit 1
        done
        token="$work_dir/cred.d/idtokens/${candidates[0]##*/}"
    fi
fi
if [[ -n $token ]]; then
    collector=$(gconfig_get GLIDEIN_Collector)
    trust_domain=${collector%%,*}
    trust_domain=${trust_domain%%[:?]*}
    gconfig_add GLIDEIN_CONDOR_TOKEN "$token"
    [[ -n $trust_domain ]] && gconfig_add TRUST_DOMAIN "$trust_domain"
fi
credentials=${token:+idtoken}
if [[ -n ${X509_USER_PROXY:-} && -r ${X509_USER_PROXY:-} ]]; then
    # X509_EXPIRE: when the proxy expires (its certificate's end date), refused once past.
    end=$(openssl x509 -noout -enddate -in "$X509_USER_PROXY" 2>/dev/null)
    expire=$(date -d "${end#notAfter=}" +%s 2>/dev/null)
    if [[ -z $end || -z $expire ]]; then
        echo "setup_x509.sh: cannot read the end date of the proxy $X509_USER_PROXY" >&2
        "$error_gen" -error setup_x509.sh VO_Proxy "Cannot read the X.509 proxy $X509_USER_PROXY"
        exit 1
    fi
    if ((expire <= $(date +%s))); then
        echo "setup_x509.sh: the proxy $X509_USER_PROXY expired at ${end#notAfter=}" >&2
        "$error_gen" -error setup_x509.sh VO_Proxy "The X.509 proxy expired at ${end#notAfter=}"
        exit 1
    fi
    gconfig_add X509_EXPIRE "$expire"
    gconfig_add X509_USER_PROXY "$X509_USER_PROXY"
    [[ -n ${X509_CERT_DIR:-} ]] && gconfig_add X509_CERT_DIR "$X509_CERT_DIR"
    credentials+="${credentials:+,}x509"
fi
if [[ -n $credentials ]]; then
    "$error_gen" -ok setup_x509.sh Credential "$credentials"
    exit 0
fi
echo "setup_x509.sh: no IDTOKEN (credential_*.idtoken, GLIDEIN_CONDOR_TOKEN) and no X509_USER_PROXY" >&2
"$error_gen" -error setup_x509.sh VO_Proxy "No IDTOKEN and no X.509 proxy: the glidein cannot authenticate"
exit 1
