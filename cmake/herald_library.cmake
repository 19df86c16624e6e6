# herald_library(NAME SRCS ... DEPS ...): one library per folder, linked by the
# binaries and by the tests, so tests run exactly the code that ships.
function(herald_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE herald_warnings)
  if(HERALD_PCH_ENABLED)
    target_precompile_headers(${name} REUSE_FROM herald_pch)
  endif()
endfunction()

# herald_test(NAME SRCS ... DEPS ... [LABELS ...] [TIMEOUT SECONDS] [POSTGRES] [STORES FILTER]): a
# GoogleTest binary run by ctest; TIMEOUT replaces the preset's bound for each of its tests,
# and makes them start first when ctest runs tests side by side. POSTGRES: its tests use
# the shared test server. STORES FILTER: the tests FILTER (a --gtest_filter) names run
# on SQLite, then again on PostgreSQL.
function(herald_test name)
  cmake_parse_arguments(ARG "POSTGRES" "TIMEOUT;STORES" "SRCS;DEPS;LABELS" ${ARGN})
  set(properties LABELS "${ARG_LABELS}")
  if(ARG_POSTGRES)  # shares the server of the `postgres` fixture (tests/CMakeLists.txt)
    list(APPEND properties FIXTURES_REQUIRED postgres
         ENVIRONMENT "HERALD_TEST_POSTGRES_DIR=${HERALD_TEST_POSTGRES_DIR}")
  endif()
  if(ARG_TIMEOUT)
    list(APPEND properties TIMEOUT ${ARG_TIMEOUT} COST ${ARG_TIMEOUT})
  endif()
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main
                        herald_warnings)
  if(HERALD_PCH_ENABLED)
    target_precompile_headers(${name} REUSE_FROM herald_test_pch)
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST PROPERTIES ${properties})
  if(ARG_STORES)  # once more on PostgreSQL (tests/support/test_store.h)
    gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST TEST_PREFIX "postgres:"
      TEST_FILTER "${ARG_STORES}"
      PROPERTIES ${properties} FIXTURES_REQUIRED postgres
                 ENVIRONMENT "HERALD_TEST_POSTGRES_DIR=${HERALD_TEST_POSTGRES_DIR}"
                 ENVIRONMENT_MODIFICATION "HERALD_TEST_STORE=set:postgres")
  endif()
endfunction()
