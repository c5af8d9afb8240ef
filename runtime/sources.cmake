# Source lists shared by every build of the runtime (root CMake, FreeRTOS port, ESP-IDF component).
set(VSDK_RUNTIME_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(VSDK_RUNTIME_SOURCES
  ${VSDK_RUNTIME_DIR}/src/api.c
  ${VSDK_RUNTIME_DIR}/src/engine.c
  ${VSDK_RUNTIME_DIR}/src/image_scan.c
  ${VSDK_RUNTIME_DIR}/src/strerror.c
  ${VSDK_RUNTIME_DIR}/src/wx_compat.c
  ${VSDK_RUNTIME_DIR}/src/ota_package.c
  ${VSDK_RUNTIME_DIR}/src/ota_record.c
  ${VSDK_RUNTIME_DIR}/src/ota_update.c
  ${VSDK_RUNTIME_DIR}/src/ota_boot.c
  ${VSDK_RUNTIME_DIR}/../host-shims/src/imports.c)
# The OTA release key compiled in (generated source; see the file for VSDK_OTA_PUBLIC_KEY_PEM).
include(${VSDK_RUNTIME_DIR}/src/ota_key.cmake)
list(APPEND VSDK_RUNTIME_SOURCES ${VSDK_OTA_KEY_C})
set(VSDK_RUNTIME_INCLUDE_DIRS
  ${VSDK_RUNTIME_DIR}/include
  ${VSDK_RUNTIME_DIR}/../host-shims/include)
# Goes with wasm3 (its allocator, see src/heap.h), so it links after wasm3's objects.
set(VSDK_WASM3_HEAP_SOURCE ${VSDK_RUNTIME_DIR}/src/heap.c)
