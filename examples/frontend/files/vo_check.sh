#!/bin/bash
# Example periodic VO health check.
"$(grep -m1 "^ERROR_GEN_PATH " "$1" | cut -d" " -f2-)" -ok vo_check.sh
