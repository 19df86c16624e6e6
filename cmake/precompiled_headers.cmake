# Precompiled headers, with Clang (the dev build): the heavy headers nearly every source
# includes (gRPC, protobuf, Abseil; GoogleTest and the API's stubs for the tests) are
# parsed and their templates instantiated once per build, not once per source. Each
# library and test reuses one of two precompiled headers (REUSE_FROM), so every source
# must be compiled with the same options and at least the macros the header was; they
# are (herald_warnings, -pthread everywhere, and GTEST_HAS_PTHREAD from GoogleTest for
# the tests).
option(HERALD_PCH "Precompile the common heavy headers (Clang only)" ON)
set(HERALD_PCH_ENABLED OFF)
if(HERALD_PCH AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(HERALD_PCH_ENABLED ON)
  add_compile_options(-pthread)  # gRPC's headers ask for it, so every user must agree
  add_library(herald_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/pch/empty.cc)
  target_include_directories(herald_pch PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(herald_pch PRIVATE protobuf::libprotobuf gRPC::grpc++ absl::statusor
                                           absl::strings herald_warnings)
  target_precompile_headers(herald_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/pch/herald_pch.h)

  if(HERALD_BUILD_TESTS)
    add_library(herald_test_pch STATIC ${PROJECT_SOURCE_DIR}/cmake/pch/empty.cc)
    target_include_directories(herald_test_pch PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_libraries(herald_test_pch PRIVATE herald_proto absl::statusor absl::strings
                                                  GTest::gmock GTest::gtest herald_warnings)
    target_precompile_headers(herald_test_pch PRIVATE
                              ${PROJECT_SOURCE_DIR}/cmake/pch/herald_test_pch.h)
  endif()
endif()
