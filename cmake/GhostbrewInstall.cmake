# Installs the headers, the CMake package (find_package(ghostbrew CONFIG)) and ghostbrew.pc.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/ghostbrew DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ghostbrew EXPORT ghostbrewTargets)
install(EXPORT ghostbrewTargets NAMESPACE ghostbrew::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ghostbrew)
configure_package_config_file(cmake/ghostbrewConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ghostbrewConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ghostbrew)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ghostbrewConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ghostbrewConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ghostbrewConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ghostbrew)
configure_file(cmake/ghostbrew.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ghostbrew.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ghostbrew.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
