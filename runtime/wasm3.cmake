# wasm3, compiled from its own C sources with our settings (never copied into this repository).
#
# Where the sources come from: see wasm3-source.cmake.
#
# Defines the static library `vsdk_wasm3` with the embedded settings measured in
# shared/reference/wasm3-measurements.md; each is a cache variable a port can override.

include("${CMAKE_CURRENT_LIST_DIR}/wasm3-source.cmake")
vsdk_wasm3_source_dir(VSDK_WASM3_SOURCE_DIR "${CMAKE_BINARY_DIR}/_deps")
set(VSDK_WASM3_CODE_PAGE_BYTES 1024 CACHE STRING "wasm3 code page size (d_m3CodePageAlignSize)")
set(VSDK_WASM3_MAX_FUNCTION_STACK 128 CACHE STRING "wasm3 compile-time function stack height (d_m3MaxFunctionStackHeight)")
option(VSDK_WASM3_HAS_FLOAT "build wasm3 with floating point opcodes (the image needs none)" OFF)

# The interpreter proper; the WASI, libc and tracer APIs are not used by the device.
set(VSDK_WASM3_SOURCES
  m3_bind.c m3_code.c m3_compile.c m3_core.c m3_emit.c m3_env.c m3_exec.c m3_function.c m3_info.c
  m3_module.c m3_parse.c)
list(TRANSFORM VSDK_WASM3_SOURCES PREPEND "${VSDK_WASM3_SOURCE_DIR}/")

# Settings every translation unit that includes wasm3 headers must agree on (struct layouts).
set(VSDK_WASM3_DEFINITIONS
  d_m3CodePageAlignSize=${VSDK_WASM3_CODE_PAGE_BYTES}
  d_m3MaxFunctionStackHeight=${VSDK_WASM3_MAX_FUNCTION_STACK}
  # One name per function (wasm3's default keeps room for 3: 8 bytes more in each of the
  # image's ~240 function records, all allocated at load). Every export of the image names its
  # own function; tests/node/image-exports.test.ts keeps it so.
  d_m3MaxDuplicateFunctionImpl=1
  # The compiler's table of a function's constants, in the runtime struct: 64 slots (wasm3's own
  # choice for small targets) instead of 120 saves 224 bytes; no function on the media path needs
  # more, and the release image still compiles whole (test_images).
  d_m3MaxConstantTableSize=64
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
