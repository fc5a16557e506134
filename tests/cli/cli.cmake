# tests/cli/cli.cmake — the `voip` command-line softphone (cmd/voip) in real
# calls: ctest label "cli", one test per case of cli_test.sh.  include()d by
# tests/CMakeLists.txt; the binary is built by cmake/cli.cmake.
if(TARGET voip_cli AND VOIP_BUILD_EXAMPLES)
  foreach(_c call_echo answer_dial register sound_null interactive play_record)
    add_test(NAME cli.${_c} COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh ${_c})
    set_tests_properties(cli.${_c} PROPERTIES
      ENVIRONMENT "VOIP_CLI=${VOIP_CLI_FILE};VOIP_ECHO=$<TARGET_FILE:voip-echo>;VOIP_DIAL=$<TARGET_FILE:voip-dial>"
      TIMEOUT 90
      SKIP_RETURN_CODE 77
      LABELS cli)
  endforeach()
  unset(_c)
endif()
