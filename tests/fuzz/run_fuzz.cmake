# run_fuzz.cmake - one bounded libFuzzer run (called by the fuzz.validate test).
# Seeds: every JSON file under tests/fhir/ and tests/fuzz/regressions/, copied
# into a fresh working corpus so the source tree is never written to.
file(REMOVE_RECURSE ${WORK_DIR}/fuzz-corpus)
file(MAKE_DIRECTORY ${WORK_DIR}/fuzz-corpus ${WORK_DIR}/fuzz-artifacts)
file(GLOB_RECURSE seeds ${SOURCE_DIR}/tests/fhir/*.json ${SOURCE_DIR}/tests/fuzz/regressions/*)
list(LENGTH seeds nseeds)
file(COPY ${seeds} DESTINATION ${WORK_DIR}/fuzz-corpus)
message(STATUS "fuzz: ${nseeds} seed files, ${SECONDS} s")
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -max_len=65536 -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${WORK_DIR}/fuzz-artifacts/
          ${WORK_DIR}/fuzz-corpus
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzz: the fuzzer found a failure (exit ${rc}); the input is in ${WORK_DIR}/fuzz-artifacts/ - add it to tests/fuzz/regressions/")
endif()
message(STATUS "fuzz: no failure in ${SECONDS} s")
