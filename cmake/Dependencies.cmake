# Finds every external dependency. A missing one stops configuration with the
# Debian package that provides it, so the fix is one apt-get away.

function(tlsfloor_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR
      "tlsfloor: ${what} not found. Install it with:\n"
      "    apt-get install -y ${package}\n"
      "(or run the README's first command, which installs everything).")
  endif()
endfunction()

# LLVM 19 (Support: JSON, YAML, threads, file system, mmap; Object: ELF/PE/Mach-O).
# (LLVM's version file accepts only an exact major.minor, so look in the
# Debian LLVM 19 prefix first and check the major version ourselves.)
find_package(LLVM CONFIG QUIET PATHS /usr/lib/llvm-19/lib/cmake/llvm NO_DEFAULT_PATH)
if(NOT LLVM_FOUND)
  find_package(LLVM CONFIG QUIET)
endif()
if(LLVM_FOUND AND NOT LLVM_VERSION_MAJOR EQUAL 19)
  set(LLVM_FOUND FALSE)
endif()
tlsfloor_require(LLVM_FOUND "LLVM 19 (CMake package)" "llvm-19-dev")
message(STATUS "tlsfloor: LLVM ${LLVM_PACKAGE_VERSION} in ${LLVM_INSTALL_PREFIX}")

add_library(tlsfloor_llvm INTERFACE)
target_include_directories(tlsfloor_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
separate_arguments(_llvm_defs NATIVE_COMMAND "${LLVM_DEFINITIONS}")
target_compile_definitions(tlsfloor_llvm INTERFACE ${_llvm_defs})
if(TARGET LLVM)
  # Debian ships one shared libLLVM: link it rather than dozens of static archives.
  target_link_libraries(tlsfloor_llvm INTERFACE LLVM)
else()
  llvm_map_components_to_libnames(_llvm_libs support object binaryformat)
  target_link_libraries(tlsfloor_llvm INTERFACE ${_llvm_libs})
endif()

# libclang's C API (same LLVM release).
find_path(LIBCLANG_INCLUDE_DIR clang-c/Index.h
  HINTS ${LLVM_INCLUDE_DIRS} NO_DEFAULT_PATH)
find_library(LIBCLANG_LIBRARY NAMES clang clang-19
  HINTS ${LLVM_LIBRARY_DIRS} NO_DEFAULT_PATH)
set(_libclang_ok FALSE)
if(LIBCLANG_INCLUDE_DIR AND LIBCLANG_LIBRARY)
  set(_libclang_ok TRUE)
endif()
tlsfloor_require(_libclang_ok "libclang 19 (clang-c/Index.h, libclang.so)" "libclang-19-dev")
add_library(tlsfloor_libclang INTERFACE)
target_include_directories(tlsfloor_libclang SYSTEM INTERFACE ${LIBCLANG_INCLUDE_DIR})
target_link_libraries(tlsfloor_libclang INTERFACE ${LIBCLANG_LIBRARY})

# RE2 (Debian bookworm ships a pkg-config file, no CMake package).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(RE2 QUIET IMPORTED_TARGET re2)
endif()
tlsfloor_require(RE2_FOUND "RE2" "libre2-dev pkg-config")

# libarchive (release bundles), through its pkg-config file.
if(PkgConfig_FOUND)
  pkg_check_modules(LIBARCHIVE QUIET IMPORTED_TARGET libarchive)
endif()
tlsfloor_require(LIBARCHIVE_FOUND "libarchive" "libarchive-dev")

# libsquashfs (squashfs-tools-ng): SquashFS firmware images, which libarchive
# does not read.
if(PkgConfig_FOUND)
  pkg_check_modules(LIBSQUASHFS QUIET IMPORTED_TARGET libsquashfs1)
endif()
tlsfloor_require(LIBSQUASHFS_FOUND "libsquashfs" "libsquashfs-dev")

# CLI11 (header-only).
find_package(CLI11 CONFIG QUIET)
tlsfloor_require(CLI11_FOUND "CLI11" "libcli11-dev")

if(TLSFLOOR_BUILD_TESTS)
  find_package(GTest CONFIG QUIET)
  if(NOT GTest_FOUND)
    find_package(GTest QUIET)
  endif()
  tlsfloor_require(GTest_FOUND "GoogleTest" "libgtest-dev")
endif()

find_package(Threads REQUIRED)
