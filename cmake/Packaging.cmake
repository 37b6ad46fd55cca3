# `make package`: crmsim as a Debian package, by CPack, from the optimized
# build: the binary (stripped), the --help text of every command, the README
# and docs/, the shipped scenarios and example org and portal descriptions.
# Run-time dependencies are computed by dpkg-shlibdeps.
include(GNUInstallDirs)

install(TARGETS crmsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(crmsim_help ${CMAKE_BINARY_DIR}/crmsim-help.txt)
add_custom_command(
  OUTPUT ${crmsim_help}
  COMMAND ${CMAKE_COMMAND} -DCRMSIM=$<TARGET_FILE:crmsim> -DOUT=${crmsim_help}
          -P ${CMAKE_SOURCE_DIR}/cmake/help_text.cmake
  DEPENDS crmsim ${CMAKE_SOURCE_DIR}/cmake/help_text.cmake
  COMMENT "crmsim --help for every command")
add_custom_target(crmsim_help_text ALL DEPENDS ${crmsim_help})

install(FILES ${crmsim_help} README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(DIRECTORY scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/crmsim/scenarios)
install(FILES tests/clients/salesforce-org.yaml tests/clients/hubspot-portal.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/crmsim/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME crmsim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "crmsim maintainers <crmsim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Fake Salesforce and HubSpot servers and a sync simulator")
set(CPACK_PACKAGE_DESCRIPTION
    "crmsim validates a HubSpot <-> Salesforce sync configuration before go-live: stateful fake CRMs that real clients can use (crmsim serve), a sync engine and a deterministic simulator (crmsim validate).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
include(CPack)
