/* fuzz_clamdb.c — libFuzzer target for the ClamAV text formats (.hdb .hsb .mdb
 * .msb .ndb .ldb .fp .sfp .ign2) through the whole path: parse, build the
 * Vectorscan engine, and scan a fixed sample and the input itself.
 * The first input byte picks the format; the rest is the database text. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "assay.h"

static const char *const names[] = {"f.hdb", "f.hsb", "f.mdb", "f.msb", "f.ndb", "f.ldb", "f.fp", "f.sfp", "f.ign2"};

static const uint8_t sample[] =
    "MZ\x90\x00 hello world, abcdef 0123456789 X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR \x00\x00\x00\xff\xfe";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    const char *name = names[data[0] % (sizeof names / sizeof names[0])];
    assay_db *db = assay_db_new();
    struct assay_load_options lo = {.skip_bad_signatures = (data[0] & 0x80) != 0};
    /* An .ign2 or .fp alone finalizes as "no signatures"; pair it with one. */
    assay_db_load_text(db, "base.ndb", "Base:0:*:68656c6c6f\n", 20, NULL);
    if (assay_db_load_text(db, name, (const char *)data + 1, size - 1, &lo) == ASSAY_OK &&
        assay_db_finalize(db) == ASSAY_OK) {
        struct assay_scan_options o;
        assay_scan_options_init(&o);
        o.scan_archives = false;
        assay_scan_buffer(db, "sample", sample, sizeof sample - 1, &o, NULL, NULL);
        assay_scan_buffer(db, "input", data, size, &o, NULL, NULL);
    }
    assay_db_free(db);
    return 0;
}
