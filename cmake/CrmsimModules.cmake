# Module targets and the include roots that enforce the dependency rule.
#
# crmsim_module(<name> DIR <dir> [DEPS <module>...]) declares a module whose
# sources live in <dir> (relative to the source tree). It creates the include
# root build/include/<name>/ holding one symbolic link per visible module
# (itself and its dependencies, transitively), each at the module's own path,
# so `#include "env/clock.h"` resolves only where env is visible. Nothing else
# of the source tree is on the include path. The library target
# crmsim_<name> exists once <dir> holds a .cpp (a header-only module is an
# INTERFACE library); its link list names only the declared dependencies.
#
# crmsim_use_module(<target> <name>) compiles <target> against <name>'s
# include root and links it with crmsim_<name>.

function(crmsim_module name)
  cmake_parse_arguments(M "" "DIR" "DEPS" ${ARGN})
  set(visible ${name})
  foreach(dep IN LISTS M_DEPS)
    get_property(dep_visible GLOBAL PROPERTY CRMSIM_VISIBLE_${dep})
    if(NOT dep_visible)
      message(FATAL_ERROR "module ${name}: dependency ${dep} is not declared before it")
    endif()
    list(APPEND visible ${dep_visible})
  endforeach()
  list(REMOVE_DUPLICATES visible)
  set_property(GLOBAL PROPERTY CRMSIM_VISIBLE_${name} ${visible})
  set_property(GLOBAL PROPERTY CRMSIM_DIR_${name} ${M_DIR})
  set_property(GLOBAL APPEND PROPERTY CRMSIM_MODULES ${name})

  set(root ${CMAKE_BINARY_DIR}/include/${name})
  file(REMOVE_RECURSE ${root})
  foreach(module IN LISTS visible)
    get_property(dir GLOBAL PROPERTY CRMSIM_DIR_${module})
    if(EXISTS ${CMAKE_SOURCE_DIR}/${dir})
      get_filename_component(parent ${root}/${dir} DIRECTORY)
      file(MAKE_DIRECTORY ${parent})
      file(CREATE_LINK ${CMAKE_SOURCE_DIR}/${dir} ${root}/${dir} SYMBOLIC)
    endif()
  endforeach()
  file(MAKE_DIRECTORY ${root})
  set_property(GLOBAL PROPERTY CRMSIM_ROOT_${name} ${root})

  set(deps)
  foreach(dep IN LISTS M_DEPS)
    list(APPEND deps crmsim_${dep})
  endforeach()
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${M_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  if(sources)
    add_library(crmsim_${name} STATIC ${sources})
    target_include_directories(crmsim_${name} PRIVATE ${root})
    target_link_libraries(crmsim_${name} PUBLIC ${deps})
    target_link_libraries(crmsim_${name} PRIVATE nlohmann_json::nlohmann_json)
  else()
    add_library(crmsim_${name} INTERFACE)
    target_link_libraries(crmsim_${name} INTERFACE ${deps})
  endif()
endfunction()

function(crmsim_use_module target name)
  get_property(root GLOBAL PROPERTY CRMSIM_ROOT_${name})
  if(NOT root)
    message(FATAL_ERROR "crmsim_use_module: unknown module ${name}")
  endif()
  target_include_directories(${target} PRIVATE ${root})
  target_link_libraries(${target} PRIVATE crmsim_${name} nlohmann_json::nlohmann_json)
endfunction()
