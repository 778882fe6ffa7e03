/* hs_runtime.h — which of Vectorscan's code paths assay compiles for and
 * scans with.
 *
 * Debian 12's Vectorscan 5.4.9 picks its AVX-512 scanning code on a CPU that
 * has AVX-512, and that code misses matches of regexes: `k.*` ending at the
 * last byte of a 65-byte buffer, `\x64.\x90[\x70-\x7f]` at two buffer
 * alignments in three (found by tests/diff/yara_random.sh, seeds 201 and
 * 202). Its AVX2 code finds them all. So databases are compiled for the host
 * without its AVX-512 features, and scanned by the AVX2 entry point when the
 * library exports it (its fat-runtime builds do) and the CPU has AVX-512;
 * otherwise by hs_scan. docs/dependencies.md has the details. */
#ifndef ASSAY_ENGINE_HS_RUNTIME_H
#define ASSAY_ENGINE_HS_RUNTIME_H

#include <hs.h>
#include <stdbool.h>

/* The platform every database is compiled for. */
const hs_platform_info_t *engine_hs_platform(void);

/* hs_scan, by the code path above. */
hs_error_t engine_hs_scan(const hs_database_t *db, const char *data, unsigned length, hs_scratch_t *scratch,
                          match_event_handler on_match, void *context);

/* Is the scan going through the AVX2 entry point in place of AVX-512 code? */
bool engine_hs_avoids_avx512(void);

#endif
