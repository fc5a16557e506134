# tests/interop/interop.cmake — interop tests against real SIP peers (SIPp, baresip,
# Kamailio as registrar and proxy), and through a lossy link (cmd/voip-impair).
#
# include()d by tests/CMakeLists.txt.  Each script is one ctest test, labelled
# "interop", run serially (fixed loopback ports), at most 120 s each.  The
# example programs come from the voip-echo / voip-dial targets (generator
# expressions: the targets may be defined before or after this file is read).
#
# A script exits 77 (ctest: skipped) when a peer program (sipp, baresip,
# kamailio, tshark) is missing and the environment variable CI is not set; under CI a
# missing peer fails the test (scripts/install-deps.sh must have installed it).
#
#   ctest -L interop --output-on-failure           # all of them
#   ctest -R interop_sipp_calls_echo -V            # one, verbose
set(VOIP_INTEROP_DIR ${CMAKE_CURRENT_LIST_DIR})
set(VOIP_INTEROP_TESTS
  sipp_calls_echo
  dial_calls_sipp
  sipp_early
  baresip_calls_echo
  baresip_hold_echo
  dial_calls_baresip
  dial_transfer_baresip
  kamailio_register
  kamailio_calls
  kamailio_baresip
  invite_cancel_race
  sipp_info_dtmf
  sipp_reinvite
  sipp_session_timer
  lossy_link
  baresip_wideband
  inband_dtmf   # media toolkit (issue 12): in-band DTMF with SIPp, baresip and multimon-ng
  baresip_srtp
  sipp_ipv6_echo
  baresip_dtls  # DTLS-SRTP with baresip's dtls_srtp (issue 14)
)
foreach(_t IN LISTS VOIP_INTEROP_TESTS)
  add_test(NAME interop_${_t} COMMAND bash ${VOIP_INTEROP_DIR}/${_t}.sh)
  set_tests_properties(interop_${_t} PROPERTIES
    ENVIRONMENT "VOIP_ECHO=$<$<TARGET_EXISTS:voip-echo>:$<TARGET_FILE:voip-echo>>;VOIP_DIAL=$<$<TARGET_EXISTS:voip-dial>:$<TARGET_FILE:voip-dial>>"
    RUN_SERIAL TRUE
    TIMEOUT 120
    SKIP_RETURN_CODE 77
    LABELS interop)
endforeach()
unset(_t)
