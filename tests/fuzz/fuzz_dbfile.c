/* fuzz_dbfile.c — libFuzzer target for the compiled database loader. The
 * harness rewrites the header checksum to match the mutated payload, so the
 * fuzzer gets past the checksum and exercises the section and index checks
 * that stand between a forged file and the engine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/db.h"

uint64_t dbfile_checksum_for_tests(const uint8_t *p, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 64 || size > (1 << 20))
        return 0;
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    memcpy(copy, "ASSAYDB\0", 8);
    uint64_t payload = size - 64, sum = dbfile_checksum_for_tests(copy + 64, size - 64);
    memcpy(copy + 24, &payload, 8);
    memcpy(copy + 32, &sum, 8);
    assay_db *db = assay_db_new();
    if (dbfile_load(db, "fuzz.adb", copy, size, -1) == ASSAY_OK) {
        db->finalized = true;
        assay_scan_buffer(db, "x", "hello world MZ", 14, NULL, NULL, NULL);
    }
    assay_db_free(db); /* frees the engine; the mapping (copy) is ours */
    free(copy);
    return 0;
}
