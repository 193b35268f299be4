# Every Debian bookworm quirk of finding our dependencies lives here.
find_package(Threads REQUIRED)
find_package(absl CONFIG REQUIRED)
# Bookworm's protobuf ships no usable CMake config: module mode.
find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(SQLite3 REQUIRED)

# Xapian's config file sets variables only; wrap them in an imported target.
find_package(xapian CONFIG REQUIRED)
if(NOT TARGET scr::xapian)
  add_library(scr::xapian INTERFACE IMPORTED)
  set_target_properties(scr::xapian PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${XAPIAN_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${XAPIAN_LIBRARIES}")
endif()

pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc icu-i18n)
pkg_check_modules(URIPARSER REQUIRED IMPORTED_TARGET liburiparser)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)

find_program(SCR_PROTOC protoc REQUIRED)
find_program(SCR_GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)

# tcmalloc (gperftools' tcmalloc_minimal, Debian libgoogle-perftools-dev) for
# the two services: with glibc malloc, allocation was 10-15% of their CPU
# (protobuf messages, gRPC, and Xapian's std::map-based pending changes).
# Never with the sanitizers of the fuzz build.
option(SCR_TCMALLOC "Link search-service and ingest-service with tcmalloc_minimal" ON)
if(SCR_TCMALLOC AND NOT SCR_FUZZ)
  find_library(SCR_TCMALLOC_LIB NAMES tcmalloc_minimal REQUIRED)
endif()
