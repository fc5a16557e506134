#!/usr/bin/env bash
# run_all.sh — run every interop test without ctest (same scripts, same checks).
#   bash tests/interop/run_all.sh [TEST...]       e.g. run_all.sh dial_calls_sipp
# Uses VOIP_ECHO / VOIP_DIAL when set, else the binaries under build/.
# Ends with the line "interop: N passed, N failed, N skipped"; exit 0 when none failed.
set -u
D=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TESTS=("$@")
[ ${#TESTS[@]} -gt 0 ] || TESTS=(sipp_calls_echo dial_calls_sipp baresip_calls_echo dial_calls_baresip kamailio_register kamailio_calls kamailio_baresip invite_cancel_race sipp_info_dtmf lossy_link)
np=0; nf=0; ns=0
for t in "${TESTS[@]}"; do
  bash "$D/${t%.sh}.sh" </dev/null; rc=$?
  case $rc in
    0) np=$((np + 1)) ;;
    77) ns=$((ns + 1)) ;;
    *) nf=$((nf + 1)); echo "### $t failed (exit $rc)" ;;
  esac
done
echo "interop: $np passed, $nf failed, $ns skipped"
[ "$nf" = 0 ]
