# tests/soak/soak.cmake — the soak suite: the real voip-echo (and voip-dial)
# processes abused from outside on 127.0.0.1 (a no-ACK INVITE, an INVITE
# flood, 2,000 sequential calls, TCP fd exhaustion, a slowloris, RTP flood and
# spoofing), each flood bounded in count and time. See tests/soak/README.md.
#
# include()d by tests/CMakeLists.txt.  Each script is one ctest test
# soak_<name>, labelled "soak", RUN_SERIAL (fixed ports, and the resource
# measurements must not share the machine with another soak test), with a
# TIMEOUT well above its usual duration; the whole suite takes ~2.5 minutes.
# Exit 77 (skipped) when a peer (sipp) is missing and CI is not set.
#
#   ctest -L soak --output-on-failure        # all of them
#   ctest -R soak_invite_flood -V            # one, verbose
set(VOIP_SOAK_DIR ${CMAKE_CURRENT_LIST_DIR})
set(VOIP_SOAK_TESTS
  noack_invite
  tcp_fd_exhaustion
  slowloris
  rtp_flood_spoof
  sequential_calls
  invite_flood
)
foreach(_t IN LISTS VOIP_SOAK_TESTS)
  add_test(NAME soak_${_t} COMMAND bash ${VOIP_SOAK_DIR}/${_t}.sh)
  set_tests_properties(soak_${_t} PROPERTIES
    ENVIRONMENT "VOIP_ECHO=$<$<TARGET_EXISTS:voip-echo>:$<TARGET_FILE:voip-echo>>;VOIP_DIAL=$<$<TARGET_EXISTS:voip-dial>:$<TARGET_FILE:voip-dial>>"
    RUN_SERIAL TRUE
    RESOURCE_LOCK voip_soak
    TIMEOUT 90
    SKIP_RETURN_CODE 77
    LABELS soak)
endforeach()
unset(_t)
