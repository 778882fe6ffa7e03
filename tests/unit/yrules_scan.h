/* yrules_scan.h — tests of compiled rule files (unit test and fuzz target):
 * scan a loaded rule set without the engine. Atom hits are found by
 * comparing each pattern's atom bytes at every offset (a masked window's
 * values only: fewer hits, never an out-of-bounds read), then the strings
 * without atoms, then the conditions. Loops over huge constant ranges are not
 * evaluated (slow, not unsafe). */
#ifndef ASSAY_TEST_YRULES_SCAN_H
#define ASSAY_TEST_YRULES_SCAN_H

#include <stdbool.h>
#include <string.h>

#include "assay.h"
#include "yara/rules.h"
#include "yara/yscan.h"

static inline bool yrules_scan_small_bound(const struct ynode *b)
{
    if (b->op == YN_INT)
        return b->i > -100000 && b->i < 100000;
    return b->op == YN_STR_COUNT || b->op == YN_FILESIZE || b->op == YN_STR_OFFSET || b->op == YN_STR_LENGTH;
}

static inline bool yrules_scan_slow_loops(const struct yrules *r)
{
    for (size_t i = 0; i < r->nodes.n; i++) {
        const struct ynode *nd = &r->nodes.v[i];
        if (nd->op == YN_FOR_IN && nd->iter_kind == YIT_RANGE &&
            (!yrules_scan_small_bound(&r->nodes.v[r->kids.v[nd->kid_first]]) ||
             !yrules_scan_small_bound(&r->nodes.v[r->kids.v[nd->kid_first + 1]])))
            return true;
    }
    return false;
}

/* ASSAY_OK (also when skipped for its loops) or yscan_init's error. */
static inline int yrules_scan_without_engine(const struct yrules *r, const uint8_t *data, size_t len, bool has_ep,
                                             uint64_t ep)
{
    if (yrules_scan_slow_loops(r))
        return ASSAY_OK;
    struct yscan y;
    int rc = yscan_init(&y, r);
    if (rc != ASSAY_OK)
        return rc;
    yscan_begin(&y, data, len, 1000, false, has_ep, ep);
    for (size_t end = 1; end <= len; end++)
        for (uint32_t p = 0; p < r->patterns.n; p++) {
            const struct ypattern *pt = &r->patterns.v[p];
            if (pt->atom_len && pt->atom_len <= end &&
                memcmp(data + end - pt->atom_len, yrules_bytes(r, pt->atom), pt->atom_len) == 0)
                yscan_hit(&y, p, end);
        }
    yscan_finish_strings(&y);
    yscan_evaluate(&y);
    yscan_end(&y);
    yscan_free(&y);
    return ASSAY_OK;
}

#endif
