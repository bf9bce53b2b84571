# tower_add_plugin(NAME SOURCES src... [LIBS lib...])
#
# Builds the Tower plugin tower-NAME.so: a MODULE library linked against the
# SDK (tower::sdk), with hidden visibility so that only the entry symbol is
# exported, and -Wl,--no-undefined so that a missing symbol fails the link
# instead of the load. The file lands in TOWER_PLUGIN_BUILD_DIR (default
# <build>/plugins) and installs into TOWER_PLUGIN_INSTALL_DIR (default
# <libdir>/tower/plugins). The target is named tower-plugin-NAME and is
# listed in the global property TOWER_ALL_PLUGINS (for tests to depend on).
#
# Used by Tower's own tree and, through find_package(Tower), by plugins built
# out of tree.
include_guard(GLOBAL)
include(GNUInstallDirs)

function(tower_add_plugin name)
  cmake_parse_arguments(P "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT P_SOURCES)
    message(FATAL_ERROR "tower_add_plugin(${name}): no SOURCES")
  endif()
  if(NOT name MATCHES "^[a-z0-9_-]+$")
    message(FATAL_ERROR "tower_add_plugin(${name}): plugin names are [a-z0-9_-]+")
  endif()
  set(build_dir ${TOWER_PLUGIN_BUILD_DIR})
  if(NOT build_dir)
    set(build_dir ${CMAKE_BINARY_DIR}/plugins)
  endif()
  set(install_dir ${TOWER_PLUGIN_INSTALL_DIR})
  if(NOT install_dir)
    set(install_dir ${CMAKE_INSTALL_LIBDIR}/tower/plugins)
  endif()
  add_library(tower-plugin-${name} MODULE ${P_SOURCES})
  set_target_properties(tower-plugin-${name} PROPERTIES
    OUTPUT_NAME tower-${name} PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${build_dir}
    CXX_VISIBILITY_PRESET hidden C_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(tower-plugin-${name} PRIVATE tower::sdk ${P_LIBS})
  target_link_options(tower-plugin-${name} PRIVATE -Wl,--no-undefined)
  install(TARGETS tower-plugin-${name} LIBRARY DESTINATION ${install_dir})
  set_property(GLOBAL APPEND PROPERTY TOWER_ALL_PLUGINS tower-plugin-${name})
endfunction()
