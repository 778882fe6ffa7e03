/* dpkg.h — the dpkg status parser of the dpkg collector (dpkg.c), callable
 * on a buffer so the fuzz target (tests/fuzz/fuzz_dpkg.c) and the unit tests
 * can reach it without a root on disk.
 *
 * Limits (see dpkg.c for the rules on which stanzas become items):
 *   - the status file is read only up to DPKG_STATUS_MAX bytes, each
 *     info/<pkg>.list up to DPKG_LIST_MAX bytes (larger: an inv_problem);
 *   - at most DPKG_MAX_FILES_PER_PACKAGE owned files are recorded per
 *     package (more: an inv_problem, the rest are not recorded);
 *   - at most DPKG_MAX_PROBLEMS problems (malformed lines, unusable stanzas)
 *     are reported one by one per status file; the others are counted in one
 *     closing problem. */
#ifndef ASSAY_INVENTORY_DPKG_H
#define ASSAY_INVENTORY_DPKG_H

#include <stdbool.h>
#include <stddef.h>

#include "inventory/inventory.h"

#define DPKG_STATUS_REL "/var/lib/dpkg/status"
#define DPKG_INFO_REL "/var/lib/dpkg/info"
#define DPKG_STATUS_MAX ((size_t)128 << 20)
#define DPKG_LIST_MAX ((size_t)64 << 20)
#define DPKG_MAX_FILES_PER_PACKAGE 262144
#define DPKG_MAX_PROBLEMS 32

/* Parse the text of a dpkg status file (`len` bytes; it need not be
 * NUL-terminated and may hold any bytes) and add one INV_PACKAGE item per
 * kept stanza to `inv`. With `read_lists`, each package's owned files are
 * read from <root>/var/lib/dpkg/info/<pkg>[:<arch>].list. Malformed input
 * becomes inv_problems. Returns 0, or ASSAY_ENOMEM. */
int dpkg_parse_status(struct inventory *inv, const char *text, size_t len, bool read_lists);

#endif
