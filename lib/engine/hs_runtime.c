/* hs_runtime.c — Vectorscan's code path (hs_runtime.h). */
#include "hs_runtime.h"

#include <pthread.h>

/* Exported by Vectorscan's fat-runtime builds (one entry point per
 * instruction set behind the dispatching hs_scan); weak, so that a build
 * without it still links and scans with hs_scan. */
hs_error_t avx2_hs_scan(const hs_database_t *db, const char *data, unsigned length, unsigned flags,
                        hs_scratch_t *scratch, match_event_handler on_match, void *context) __attribute__((weak));

#define AVX512_FEATURES (HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static hs_platform_info_t platform;
static bool use_avx2;

static void choose(void)
{
    if (hs_populate_platform(&platform) != HS_SUCCESS)
        platform = (hs_platform_info_t){0};
    use_avx2 = avx2_hs_scan && (platform.cpu_features & AVX512_FEATURES);
    if (use_avx2) /* nothing in a database may need what the AVX2 code lacks */
        platform.cpu_features &= ~(unsigned long long)AVX512_FEATURES;
}

const hs_platform_info_t *engine_hs_platform(void)
{
    pthread_once(&once, choose);
    return &platform;
}

bool engine_hs_avoids_avx512(void)
{
    pthread_once(&once, choose);
    return use_avx2;
}

hs_error_t engine_hs_scan(const hs_database_t *db, const char *data, unsigned length, hs_scratch_t *scratch,
                          match_event_handler on_match, void *context)
{
    pthread_once(&once, choose);
    return use_avx2 ? avx2_hs_scan(db, data, length, 0, scratch, on_match, context)
                    : hs_scan(db, data, length, 0, scratch, on_match, context);
}
