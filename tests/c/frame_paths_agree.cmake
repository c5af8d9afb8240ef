# Runs the frame benchmark pair for 500 frames and compares what each sent (G.711 + RTP, bit for
# bit) and what each decoded from the parsed packets: the image's path against an independent
# native C implementation. What the jitter buffer plays depends on its timing policy, which the
# native reference does not copy, so only the count played is printed.
# The primitives path (codec, RTP, jitter exports), and the media session's path: both must send
# the reference's payloads; the primitives must also decode as the reference does.
execute_process(COMMAND "${WASM3}" "${IMAGE}" 500 --primitives OUTPUT_VARIABLE w RESULT_VARIABLE rw)
execute_process(COMMAND "${WASM3}" "${IMAGE}" 500 OUTPUT_VARIABLE m RESULT_VARIABLE rm)
execute_process(COMMAND "${NATIVE}" 500 OUTPUT_VARIABLE n RESULT_VARIABLE rn)
if(NOT rw EQUAL 0 OR NOT rn EQUAL 0 OR NOT rm EQUAL 0)
  message(FATAL_ERROR "a frame program failed: ${rw} ${rn} ${rm}")
endif()
string(REGEX MATCH "\"tx_checksum\": ([0-9]+)" _ "${m}")
set(mv "${CMAKE_MATCH_1}")
string(REGEX MATCH "\"tx_checksum\": ([0-9]+)" _ "${n}")
message(STATUS "payloads sent by the media session: ${mv}, by the reference: ${CMAKE_MATCH_1}")
if(NOT mv OR NOT mv STREQUAL CMAKE_MATCH_1)
  message(FATAL_ERROR "the media session's payloads differ")
endif()
string(REGEX MATCH "\"played\": ([0-9]+)" _ "${w}")
message(STATUS "frames played by the image's jitter buffer: ${CMAKE_MATCH_1} of 501")
foreach(key tx_checksum rx_checksum)
  string(REGEX MATCH "\"${key}\": ([0-9]+)" _ "${w}")
  set(wv "${CMAKE_MATCH_1}")
  string(REGEX MATCH "\"${key}\": ([0-9]+)" _ "${n}")
  set(nv "${CMAKE_MATCH_1}")
  message(STATUS "${key}: image ${wv}, native ${nv}")
  if(NOT wv OR NOT wv STREQUAL nv)
    message(FATAL_ERROR "${key} differs")
  endif()
endforeach()
