# Makes the release packages tests/c/test_ota.c installs, with the release tool itself
# (`node bin/vsdk.js release pack`, an implementation independent of the runtime's verifier):
# signed with the development key the runtime trusts, and with a second key it does not.
# cmake -DROOT=repo -DKEY=dev-key.pem -DIMAGES=dir -DOUT=dir -DOPENSSL=openssl -DNODE=node -P ota_packages.cmake
file(MAKE_DIRECTORY "${OUT}")
if(NOT EXISTS "${OUT}/other-key.pem")
  execute_process(COMMAND "${OPENSSL}" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "${OUT}/other-key.pem"
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cannot make a second key")
  endif()
endif()
function(pack name image version key)
  execute_process(COMMAND "${NODE}" bin/vsdk.js release pack --image "${IMAGES}/${image}.wasm" --version ${version}
                          --key "${key}" --out "${OUT}/${name}.vota" ${ARGN}
                  WORKING_DIRECTORY "${ROOT}" RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "vsdk release pack ${name} failed")
  endif()
endfunction()
pack(probe-1.1.0 ota_probe 1.1.0 "${KEY}" --abi 1.1)
pack(probe-1.2.0 ota_probe 1.2.0 "${KEY}" --abi 1.1)
pack(trap_start-1.3.0 trap_start 1.3.0 "${KEY}" --abi 1.0)
pack(init_trap-1.4.0 ota_init_trap 1.4.0 "${KEY}" --abi 1.1)
pack(other_key-1.1.0 ota_probe 1.1.0 "${OUT}/other-key.pem" --abi 1.1)
pack(abi2-1.1.0 ota_probe 1.1.0 "${KEY}" --abi 2.0)
pack(min_runtime-1.1.0 ota_probe 1.1.0 "${KEY}" --abi 1.1 --min-runtime 9.0.0)
file(TOUCH "${OUT}/packages.stamp")
