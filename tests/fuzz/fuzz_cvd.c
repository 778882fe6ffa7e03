/* fuzz_cvd.c — libFuzzer target for the ClamAV .cvd/.cld reader.
 *
 * Each input is tried twice: as a whole container (header parsing, MD5
 * check), and as the body behind a valid header whose MD5 field is "X", so
 * the fuzzer reaches the gzip and tar reading without having to forge an MD5.
 *
 *   clang -std=c17 -g -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/util/buf.c lib/util/error.c lib/sig/clam_cvd.c tests/fuzz/fuzz_cvd.c -larchive -lcrypto -o fuzz_cvd */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "sig/clam_cvd.h"

#define FUZZ_HEADER "ClamAV-VDB:16 Sep 2021 08-32 -0400:62:6647427:90:X:X:fuzz:1631795546"

/* Read every byte so the sanitizers see an out-of-bounds member. */
static int fuzz_touch_member(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    unsigned *sum = ctx;
    *sum += (unsigned)strlen(name);
    for (size_t i = 0; i < len; i++)
        *sum += data[i];
    return 0;
}

static void fuzz_as_body(const uint8_t *data, size_t size)
{
    uint8_t *cvd = malloc(512 + size);
    if (!cvd)
        return;
    memset(cvd, ' ', 512);
    memcpy(cvd, FUZZ_HEADER, strlen(FUZZ_HEADER));
    if (size)
        memcpy(cvd + 512, data, size);
    unsigned sum = 0;
    int rc = clam_cvd_walk("fuzz.cld", cvd, 512 + size, fuzz_touch_member, &sum);
    if (rc != 0 && strstr(assay_last_error(), "fuzz.cld") == NULL)
        abort(); /* every error must name the file */
    free(cvd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sum = 0;
    struct clam_cvd_header h;
    if (clam_cvd_header_parse("fuzz.cvd", data, size, &h) == 0 &&
        (strlen(h.md5) != 0 && strlen(h.md5) != 32))
        abort();
    int rc = clam_cvd_walk("fuzz.cvd", data, size, fuzz_touch_member, &sum);
    if (rc != 0 && strstr(assay_last_error(), "fuzz.cvd") == NULL)
        abort();
    fuzz_as_body(data, size);
    return 0;
}
