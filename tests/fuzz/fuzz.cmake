# fuzz.cmake - the libFuzzer target for parse + validate (included from
# CMakeLists.txt when KNUTE_FUZZ is ON; needs clang and libclang-rt-14-dev).
#
#   fuzz_validate            the fuzzer binary
#   fuzz.validate (ctest)    runs it for KNUTE_FUZZ_SECONDS (default 60) from
#                            the FHIR corpus and tests/fuzz/regressions/, with
#                            ASan + UBSan; any crash fails the test and leaves
#                            the input in <build>/fuzz-artifacts/ to be added
#                            to tests/fuzz/regressions/.
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "KNUTE_FUZZ needs clang (CC=clang)")
endif()
target_compile_options(knute_lib PRIVATE -fsanitize=fuzzer-no-link)
add_executable(fuzz_validate ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_validate.c)
target_compile_options(fuzz_validate PRIVATE -fsanitize=fuzzer)
target_link_options(fuzz_validate PRIVATE -fsanitize=fuzzer)
target_link_libraries(fuzz_validate PRIVATE knute_lib)

set(KNUTE_FUZZ_SECONDS 60 CACHE STRING "Seconds the fuzz.validate test runs")
add_test(NAME fuzz.validate
  COMMAND ${CMAKE_COMMAND}
    -DFUZZER=$<TARGET_FILE:fuzz_validate>
    -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
    -DWORK_DIR=${CMAKE_BINARY_DIR}
    -DSECONDS=${KNUTE_FUZZ_SECONDS}
    -P ${CMAKE_SOURCE_DIR}/tests/fuzz/run_fuzz.cmake)
set_tests_properties(fuzz.validate PROPERTIES LABELS fuzz TIMEOUT 900)
