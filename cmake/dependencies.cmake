# Every third-party library Herald links, found once here. All come from Debian
# bookworm packages listed in tools/setup/debian-packages.txt.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(CURL REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

find_path(PHONENUMBER_INCLUDE_DIR phonenumbers/phonenumberutil.h REQUIRED)
find_library(PHONENUMBER_LIBRARY phonenumber REQUIRED)
add_library(herald_phonenumber INTERFACE)
target_include_directories(herald_phonenumber SYSTEM INTERFACE ${PHONENUMBER_INCLUDE_DIR})
target_link_libraries(herald_phonenumber INTERFACE ${PHONENUMBER_LIBRARY})

find_program(HERALD_PROTOC protoc REQUIRED)
find_program(HERALD_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
set(HERALD_GRPC_PROTO_DIR /usr/share/grpc-proto
    CACHE PATH "Where the grpc-proto package keeps gRPC's own .proto files")

# heraldd's allocator in optimized builds. Its threads hand buffers to each other (intake
# to the writer, the lane to the connector), which glibc's malloc serves from shared
# arenas under contention: with tcmalloc's per-thread caches heraldd spends about a third
# less CPU per notification (README, Performance).
if(HERALD_TCMALLOC)
  find_library(HERALD_TCMALLOC_LIBRARY tcmalloc_minimal REQUIRED)
endif()
