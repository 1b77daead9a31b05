# parse_starterlog.awk: job statistics from an HTCondor StarterLog.
# Prints how many jobs started and how many ended with exit status 0 or otherwise.
/Starting a .* universe job/ { started++ }
/Process exited, pid=.*status=0$/ { good++; next }
/Process exited, pid=/ { bad++ }
END {
    printf "=== Stats of %s ===\n", FILENAME
    printf "Jobs started: %d\nJobs ended OK: %d\nJobs ended with errors: %d\n", started, good, bad
    printf "=== End Stats of %s ===\n", FILENAME
}
