/* fuzz_yara_compile.c — libFuzzer target for the YARA rule compiler and the
 * scan behind it: the input is split at the first NUL byte into rule text
 * and data; the rules are compiled (strings into patterns, hex strings and
 * regexes into programs, conditions type-checked) and, when they compile,
 * the data is scanned with them. It must never crash, hang or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"

static void ignore_warning(void *user, const char *message)
{
    (void)user;
    (void)message;
}

static void ignore_finding(void *user, const struct assay_finding *f)
{
    (void)user;
    (void)f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t rules_len = nul ? (size_t)(nul - data) : size;
    const uint8_t *input = nul ? nul + 1 : data;
    size_t input_len = nul ? size - rules_len - 1 : 0;
    assay_db *db = assay_db_new();
    if (!db)
        return 0;
    assay_db_set_warning_handler(db, ignore_warning, NULL);
    assay_db_define(db, "ext", "1");
    struct assay_load_options lo = {.skip_bad_signatures = (size & 1) != 0};
    if (assay_db_load_text(db, "fuzz.yar", (const char *)data, rules_len, &lo) == ASSAY_OK &&
        assay_db_finalize(db) == ASSAY_OK) {
        struct assay_scan_options o;
        assay_scan_options_init(&o);
        o.threads = 1;
        o.scan_archives = false;
        o.report_nonmatching = true;
        o.max_string_matches = 1000;
        struct assay_scan_callbacks cb = {.finding = ignore_finding};
        struct assay_scan_summary sum;
        assay_scan_buffer(db, "input", input, input_len, &o, &cb, &sum);
    }
    assay_db_free(db);
    return 0;
}
