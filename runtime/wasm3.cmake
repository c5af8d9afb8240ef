# wasm3, compiled from its own C sources with our settings (never copied into this repository).
#
# Where the sources come from, in order:
#   1. VSDK_WASM3_SOURCE_DIR, a folder holding wasm3's source/*.c (the integrator's copy; the
#      FreeRTOS and ESP-IDF builds pass theirs the same way);
#   2. otherwise PyPI's pywasm3 0.5.0 source distribution, pinned with its hash in
#      runtime/wasm3-source/requirements.txt, downloaded once with pip (never installed) and
#      unpacked into the build folder. It carries wasm3 v0.5.0, which runs what AssemblyScript
#      emits by default (bulk memory, non-trapping conversions); crates.io's newest wasm3-sys
#      (0.3.0) carries wasm3 0.4.7, which lacks bulk memory. See docs/runtime.md.
#
# Defines the static library `vsdk_wasm3` with the embedded settings measured in
# shared/reference/wasm3-measurements.md; each is a cache variable a port can override.

set(VSDK_WASM3_SOURCE_DIR "" CACHE PATH "folder with wasm3's C sources (empty: fetch pywasm3 0.5.0 from PyPI)")
set(VSDK_WASM3_CODE_PAGE_BYTES 1024 CACHE STRING "wasm3 code page size (d_m3CodePageAlignSize)")
set(VSDK_WASM3_MAX_FUNCTION_STACK 128 CACHE STRING "wasm3 compile-time function stack height (d_m3MaxFunctionStackHeight)")
option(VSDK_WASM3_HAS_FLOAT "build wasm3 with floating point opcodes (the image needs none)" OFF)

if(NOT VSDK_WASM3_SOURCE_DIR)
  set(_vsdk_wasm3_dir "${CMAKE_BINARY_DIR}/_deps/pywasm3-0.5.0/wasm3")
  if(NOT EXISTS "${_vsdk_wasm3_dir}/wasm3.h")
    set(_req "${CMAKE_CURRENT_LIST_DIR}/wasm3-source/requirements.txt")
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
    message(STATUS "vsdk: downloading pywasm3 0.5.0 (wasm3 C sources) with pip")
    execute_process(
      COMMAND "${Python3_EXECUTABLE}" -m pip download --quiet --no-deps --no-binary :all:
              --require-hashes -r "${_req}" -d "${CMAKE_BINARY_DIR}/_deps"
      RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "vsdk: pip could not download pywasm3 (see ${_req}); or set VSDK_WASM3_SOURCE_DIR")
    endif()
    file(ARCHIVE_EXTRACT INPUT "${CMAKE_BINARY_DIR}/_deps/pywasm3-0.5.0.tar.gz" DESTINATION "${CMAKE_BINARY_DIR}/_deps")
  endif()
  set(VSDK_WASM3_SOURCE_DIR "${_vsdk_wasm3_dir}" CACHE PATH "" FORCE)
endif()

# The interpreter proper; the WASI, libc and tracer APIs are not used by the device.
set(VSDK_WASM3_SOURCES
  m3_bind.c m3_code.c m3_compile.c m3_core.c m3_emit.c m3_env.c m3_exec.c m3_function.c m3_info.c
  m3_module.c m3_parse.c)
list(TRANSFORM VSDK_WASM3_SOURCES PREPEND "${VSDK_WASM3_SOURCE_DIR}/")

# Settings every translation unit that includes wasm3 headers must agree on (struct layouts).
set(VSDK_WASM3_DEFINITIONS
  d_m3CodePageAlignSize=${VSDK_WASM3_CODE_PAGE_BYTES}
  d_m3MaxFunctionStackHeight=${VSDK_WASM3_MAX_FUNCTION_STACK}
  d_m3VerboseErrorMessages=0
  d_m3LogOutput=0
  d_m3HasFloat=$<BOOL:${VSDK_WASM3_HAS_FLOAT}>
  # Without float support, refuse float opcodes when compiling (at load), not when executed.
  d_m3NoFloatDynamic=0)

add_library(vsdk_wasm3 STATIC ${VSDK_WASM3_SOURCES} "${CMAKE_CURRENT_LIST_DIR}/src/heap.c")
target_include_directories(vsdk_wasm3 SYSTEM PUBLIC "${VSDK_WASM3_SOURCE_DIR}")
target_compile_definitions(vsdk_wasm3 PUBLIC ${VSDK_WASM3_DEFINITIONS})
target_compile_options(vsdk_wasm3 PRIVATE -w)
# wasm3's heap goes through runtime/src/heap.c, which counts it and can cap it.
set_source_files_properties("${VSDK_WASM3_SOURCE_DIR}/m3_core.c" PROPERTIES
  COMPILE_DEFINITIONS "calloc=vsdk_heap_calloc;realloc=vsdk_heap_realloc;free=vsdk_heap_free")
