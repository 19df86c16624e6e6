# herald_library(NAME SRCS ... DEPS ...): one library per folder, linked by the
# binaries and by the tests, so tests run exactly the code that ships.
function(herald_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE herald_warnings)
endfunction()

# herald_test(NAME SRCS ... DEPS ... [LABELS ...] [TIMEOUT SECONDS]): a GoogleTest binary
# run by ctest; TIMEOUT replaces the preset's bound for each of its tests, and makes them
# start first when ctest runs tests side by side.
function(herald_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  set(properties LABELS "${ARG_LABELS}")
  if(ARG_TIMEOUT)
    list(APPEND properties TIMEOUT ${ARG_TIMEOUT} COST ${ARG_TIMEOUT})
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main
                        herald_warnings)
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES ${properties})
endfunction()
