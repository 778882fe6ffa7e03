/* mod_time.h — YARA's "time" module: time.now(), the current time in seconds
 * since 1970-01-01 00:00:00 UTC. */
#ifndef ASSAY_YARA_MOD_TIME_H
#define ASSAY_YARA_MOD_TIME_H

#include <stdint.h>

/* Seconds since the Unix epoch; the value time.now() returns. */
int64_t yara_time_now(void);

#endif
