#!/bin/bash
# Example periodic site check: reports success to the glidein.
glidein_config="$1"
error_gen=$(grep -m1 '^ERROR_GEN_PATH ' "$glidein_config" | cut -d' ' -f2-)
"$error_gen" -ok "site_check.sh" "SiteCheck" "passed"
exit 0
