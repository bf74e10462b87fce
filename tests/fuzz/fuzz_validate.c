/* fuzz_validate.c - libFuzzer target for the whole validation path a
 * supplier's bytes take: fhir_json parse, base R4 check, VKP rules, and the
 * OperationOutcome serialisation, in both environments.
 *
 * Built only with -DKNUTE_FUZZ=ON and clang (see tests/fuzz/fuzz.cmake); CI
 * runs it for a bounded time from the corpus in tests/fhir/ and every file in
 * tests/fuzz/regressions/ (crashes found become files there, and
 * test_fuzz_regressions replays them in every build).
 */
#include <stddef.h>
#include <stdint.h>

#include "fhir/fhir_json.h"
#include "fhir/fhir_outcome.h"
#include "nid/nid.h"
#include "vkp/vkp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int envs[] = {NID_ENV_TEST, NID_ENV_PRODUCTION};
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        vkp_opts opts = {.environment = envs[i], .profile = NULL};
        fhir_outcome oc;
        fhir_outcome_init(&oc);
        vkp_validate((const char *)data, size, &opts, &oc);
        kn_buf out;
        kn_buf_init(&out, 64u << 20);
        fhir_outcome_to_json(&oc, &out);
        kn_buf_release(&out);
        fhir_outcome_release(&oc);
    }
    /* the writer must reproduce what it parsed, byte for byte when compact */
    fj_doc *doc = NULL;
    if (fj_parse((const char *)data, size, &doc, NULL) == 0) {
        kn_buf once, twice;
        kn_buf_init(&once, 64u << 20);
        kn_buf_init(&twice, 64u << 20);
        fj_write(fj_root(doc), &once);
        fj_doc *again = NULL;
        if (fj_parse(once.data ? once.data : "", once.len, &again, NULL) != 0)
            __builtin_trap(); /* our own output must parse */
        fj_write(fj_root(again), &twice);
        if (once.len != twice.len || __builtin_memcmp(once.data, twice.data, once.len) != 0)
            __builtin_trap(); /* and be a fixed point */
        fj_doc_free(again);
        kn_buf_release(&once);
        kn_buf_release(&twice);
        fj_doc_free(doc);
    }
    return 0;
}
