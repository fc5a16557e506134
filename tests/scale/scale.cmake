# tests/scale/scale.cmake — scale-out beyond one process (issue 16): Kamailio's
# dispatcher spreads calls over three voip-echo workers, each in its own
# network namespace (tests/scale/dispatcher.sh; README "Deployment").
#
# include()d by tests/CMakeLists.txt.  One ctest test, labelled "scale", about
# 25 s; it needs root for `ip netns` and exits 77 (skipped, with the reason)
# where namespaces cannot be created, or where kamailio is missing and CI is
# not set.
#
#   ctest -L scale --output-on-failure
add_test(NAME scale_dispatcher COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/dispatcher.sh)
set_tests_properties(scale_dispatcher PROPERTIES
  ENVIRONMENT "VOIP_ECHO=$<$<TARGET_EXISTS:voip-echo>:$<TARGET_FILE:voip-echo>>;VOIP_DIAL=$<$<TARGET_EXISTS:voip-dial>:$<TARGET_FILE:voip-dial>>"
  RUN_SERIAL TRUE
  TIMEOUT 120
  SKIP_RETURN_CODE 77
  LABELS scale)
