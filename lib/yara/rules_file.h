/* rules_file.h — a compiled YARA rule set (struct yrules) written as one
 * self-contained, versioned blob and read back, for compiled databases
 * (lib/engine/dbfile.c keeps the blob in a section of its own; the atoms of
 * the rules' patterns are in the engine's Vectorscan databases, which dbfile
 * saves itself). The format is described in rules_file_internal.h and
 * docs/database-format.md; the checks on load in rules_file.c (records) and
 * rules_file_check.c (condition trees).
 *
 * A loaded rule set scans and reports exactly as the one that was saved:
 * rules, strings, patterns, condition nodes, regex programs, externals,
 * namespaces and modules are restored; the rule syntax trees are rebuilt
 * only as far as scans and reports read them (names, positions, flags,
 * tags, metadata, string names and kinds; no conditions, string texts or
 * hex tokens). No rule can be added to a loaded set. */
#ifndef ASSAY_YARA_RULES_FILE_H
#define ASSAY_YARA_RULES_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "yara/rules.h"

#define YRULES_FILE_VERSION 2

/* Append the blob of `r` to `out`. The blob is loaded back once before this
 * returns (so whatever is saved loads), which also refuses a rule set that a
 * loader would (e.g. a condition nested deeper than YRULES_FILE_MAX_DEPTH).
 * ASSAY_OK, ASSAY_ENOMEM, or ASSAY_ELIMIT / ASSAY_EINVAL with a message. */
int yrules_save(const struct yrules *r, struct util_buf *out);

/* Rebuild `r` (empty: as yrules_init left it; its warning handler is kept)
 * from a blob. Every count, index and offset is checked: a truncated, corrupt
 * or forged blob gets ASSAY_EFORMAT with a message, never a wild read, and
 * no condition it yields can recurse without bound. A blob from a build whose
 * module schemas differ is refused (ASSAY_EFORMAT, "recompile"). On failure
 * `r` is left empty. The blob is not referenced after the call. */
int yrules_load(struct yrules *r, const uint8_t *blob, size_t len);

/* The same, but the regex programs may stay in the blob (when it is aligned
 * for them) instead of being copied: the blob must outlive `r`, unmodified.
 * `file_mapping`: the blob is a read-only MAP_PRIVATE file mapping, whose
 * pages are given back as they are read (util_release_pages; never on heap
 * memory, which that would zero). */
int yrules_load_view(struct yrules *r, const uint8_t *blob, size_t len, bool file_mapping);

/* Set external variable `name` of a loaded rule set from `yara -d` text, as
 * YARA does for compiled rules: the variable must exist and keep its type
 * (ASSAY_EINVAL otherwise). */
int yrules_file_define(struct yrules *r, const char *name, const char *value);

/* Apply every external of `defined` (set with yrules_define before the rule
 * set was loaded) to `r` under the rules of yrules_file_define. */
int yrules_file_apply_externals(struct yrules *r, const struct yrules *defined);

/* Called by yrules_free for a set yrules_load made: frees the memory its
 * regexes share (their programs and byte sets). */
void yrules_file_release(struct yrules *r);

/* Conditions deeper than this are refused: evaluation recurses once per
 * level (the deepest of the shared rule sets is 91). */
#define YRULES_FILE_MAX_DEPTH 2000

#endif
