/* fuzz_archive.c — libFuzzer target for lib/source/archive.c.
 *
 * Feeds arbitrary bytes to arc_detect and arc_walk and recurses into members
 * that look like archives, a few levels deep, the way the scanner does. The
 * limits are small so a bomb in the input is cut early: the fuzzer looks for
 * crashes, leaks and hangs, not for out-of-memory on honest large members.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/source/archive.c tests/fuzz/fuzz_archive.c -larchive -o fuzz_archive */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "source/archive.h"

enum { FUZZ_MAX_DEPTH = 3 };

static const struct arc_limits fuzz_limits = {
    .max_files = 64,
    .max_member_size = 256 * 1024,
    .max_total = 1024 * 1024,
    .max_ratio = 200,
};

struct fuzz_walk {
    int depth;
    uint64_t checksum; /* touch every delivered byte so ASan sees bad buffers */
};

static int fuzz_member(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct fuzz_walk *w = ctx;
    w->checksum += strlen(name);
    for (size_t i = 0; i < len; i++)
        w->checksum += data[i];
    if (w->depth < FUZZ_MAX_DEPTH && arc_detect(data, len)) {
        struct arc_report nested;
        w->depth++;
        arc_walk(data, len, name, &fuzz_limits, fuzz_member, w, &nested);
        w->depth--;
        if (nested.members > fuzz_limits.max_files)
            __builtin_trap();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_walk w = {0};
    struct arc_report report;
    (void)arc_detect(data, size);
    arc_walk(data, size, "fuzz.bin.gz", &fuzz_limits, fuzz_member, &w, &report);
    /* The report is a C string and the counters respect the limits. */
    if (memchr(report.message, 0, sizeof report.message) == NULL)
        __builtin_trap();
    if (report.members > fuzz_limits.max_files || report.bytes > fuzz_limits.max_total)
        __builtin_trap();
    return 0;
}
