# Finds wasm3's C sources, in order:
#   1. VSDK_WASM3_SOURCE_DIR, a folder holding wasm3's m3_*.c and wasm3.h (the integrator's copy,
#      e.g. wasm3's source/ folder; the FreeRTOS and ESP-IDF builds accept theirs the same way);
#   2. otherwise PyPI's pywasm3 0.5.0 source distribution, pinned with its hash in
#      runtime/wasm3-source/requirements.txt, downloaded once with pip (never installed) and
#      unpacked into the build folder. It carries wasm3 v0.5.0, which runs what AssemblyScript
#      emits by default (bulk memory, non-trapping conversions); crates.io's newest wasm3-sys
#      (0.3.0) carries wasm3 0.4.7, which lacks bulk memory. See docs/runtime.md.
# Used by runtime/wasm3.cmake and the ESP-IDF component (ports/esp32).
set(VSDK_WASM3_REQUIREMENTS "${CMAKE_CURRENT_LIST_DIR}/wasm3-source/requirements.txt")

function(vsdk_wasm3_source_dir out_var deps_dir)
  set(VSDK_WASM3_SOURCE_DIR "" CACHE PATH "folder with wasm3's C sources (empty: fetch pywasm3 0.5.0 from PyPI)")
  if(VSDK_WASM3_SOURCE_DIR)
    if(NOT EXISTS "${VSDK_WASM3_SOURCE_DIR}/wasm3.h")
      message(FATAL_ERROR "VSDK_WASM3_SOURCE_DIR=${VSDK_WASM3_SOURCE_DIR} holds no wasm3.h")
    endif()
    set(${out_var} "${VSDK_WASM3_SOURCE_DIR}" PARENT_SCOPE)
    return()
  endif()
  set(dir "${deps_dir}/pywasm3-0.5.0/wasm3")
  if(NOT EXISTS "${dir}/wasm3.h")
    find_package(Python3 REQUIRED COMPONENTS Interpreter)
    message(STATUS "vsdk: downloading pywasm3 0.5.0 (wasm3 C sources) with pip")
    execute_process(
      COMMAND "${Python3_EXECUTABLE}" -m pip download --quiet --no-deps --no-binary :all:
              --require-hashes -r "${VSDK_WASM3_REQUIREMENTS}" -d "${deps_dir}"
      RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "vsdk: pip could not download pywasm3 (${VSDK_WASM3_REQUIREMENTS}); or set VSDK_WASM3_SOURCE_DIR")
    endif()
    file(ARCHIVE_EXTRACT INPUT "${deps_dir}/pywasm3-0.5.0.tar.gz" DESTINATION "${deps_dir}")
  endif()
  set(${out_var} "${dir}" PARENT_SCOPE)
endfunction()
