#!/bin/bash
# cvmfs_umount.sh: run at glidein exit; unmounts CVMFS repositories the glidein mounted
# itself with cvmfsexec (none, as glideinforge stages no cvmfsexec distribution).
work_dir=$PWD
if [[ -x $work_dir/cvmfsexec/umountrepo ]]; then
    "$work_dir/cvmfsexec/umountrepo" -a
fi
exit 0
