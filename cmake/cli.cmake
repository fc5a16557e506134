# cmake/cli.cmake — builds `voip`, the command-line softphone (cmd/voip, a Go
# program over package voip, with cgo for miniaudio), into bin/, and installs
# it into <prefix>/bin.  include()d by the top-level CMakeLists.txt.
find_program(VOIP_GO go HINTS /usr/local/go/bin ENV GOROOT PATH_SUFFIXES bin)
if(NOT VOIP_GO)
  message(WARNING "go not found: the voip command-line softphone is not built")
  return()
endif()
file(GLOB_RECURSE _voip_cli_sources CONFIGURE_DEPENDS
     RELATIVE "${PROJECT_SOURCE_DIR}"
     cmd/voip/*.go sip/*.go rtp/*.go voip/*.go media/*.go dsp/*.go)
list(APPEND _voip_cli_sources go.mod go.sum)
set(VOIP_CLI_FILE "${CMAKE_BINARY_DIR}/bin/voip")
add_custom_command(
  OUTPUT "${VOIP_CLI_FILE}"
  COMMAND ${CMAKE_COMMAND} -E env CGO_ENABLED=1 "${VOIP_GO}" build -o "${VOIP_CLI_FILE}" ./cmd/voip
  WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
  DEPENDS ${_voip_cli_sources}
  COMMENT "go build ./cmd/voip -> bin/voip"
  VERBATIM)
add_custom_target(voip_cli ALL DEPENDS "${VOIP_CLI_FILE}")
install(PROGRAMS "${VOIP_CLI_FILE}" DESTINATION ${CMAKE_INSTALL_BINDIR})
unset(_voip_cli_sources)
