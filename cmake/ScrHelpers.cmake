# Small helpers so each component declares one target with explicit dependencies.

set(SCR_WARNINGS -Wall -Wextra -Wpedantic -Wno-unused-parameter -Wnon-virtual-dtor -Wshadow=local)
if(SCR_WERROR)
  list(APPEND SCR_WARNINGS -Werror)
  # GCC 12 at -O3 (CMake's Release) reports false -Wrestrict warnings on
  # `"K" + std::string` (GCC PR 105329, fixed in 12.3 and 13): shown, not fatal.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    list(APPEND SCR_WARNINGS -Wno-error=restrict)
  endif()
endif()

# scr_library(NAME SRCS a.cc ... DEPS x y ...): a static library of our own code.
function(scr_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${SCR_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# scr_binary(NAME SRCS ... DEPS ...): an executable of our own code.
function(scr_binary name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${SCR_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# scr_use_tcmalloc(TARGET): the target's malloc and operator new come from
# tcmalloc when SCR_TCMALLOC is on (see ScrDependencies.cmake).
function(scr_use_tcmalloc target)
  if(SCR_TCMALLOC_LIB)
    target_link_libraries(${target} PRIVATE -Wl,--no-as-needed ${SCR_TCMALLOC_LIB})
  endif()
endfunction()

# scr_test(NAME SRCS ... DEPS ... [LABELS l]): a GoogleTest binary registered with CTest.
function(scr_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${SCR_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    SCR_SHARED_DIR="${SCR_SHARED_DIR}"
    SCR_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    SCR_BINARY_DIR="${PROJECT_BINARY_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} scr_test_util GTest::gmock GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()
