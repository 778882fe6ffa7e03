/* store.h — the review store: every `assay review` run recorded in one SQLite
 * file (host, time, policy, items, findings), so runs can be compared
 * (`assay diff RUN1 RUN2`) and a fleet rolled up. Schema, limits and the
 * run forms: docs/store.md. */
#ifndef ASSAY_STORE_H
#define ASSAY_STORE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "review/review.h"

/* PRAGMA user_version of the files this code writes; newer files are refused. */
#define STORE_SCHEMA_VERSION 1
/* PRAGMA application_id of an assay store: "AsRv". */
#define STORE_APPLICATION_ID 0x41735276
/* How long a writer or reader waits for another process's lock. */
#define STORE_BUSY_MS 5000
/* The largest single value (a finding's JSON) read from or written to a store. */
#define STORE_MAX_VALUE (64 << 20)

/* $ASSAY_STORE if set; else, as root, /var/lib/assay/reviews.sqlite; else
 * $XDG_DATA_HOME/assay/reviews.sqlite (an absolute XDG_DATA_HOME only), else
 * ~/.local/share/assay/reviews.sqlite. Computed once; never NULL. */
const char *store_default_path(void);

/* Record one review run (creating the file 0600, its missing folders 0700
 * and the schema when needed) in one transaction; *run_id receives the new
 * run's id. 0 or ASSAY_E* with a message: ASSAY_EFORMAT "not an assay store"
 * for a file that is not SQLite, is corrupt, is another program's database
 * or has a newer schema version; ASSAY_EIO when it cannot be written or
 * stays locked by another writer for STORE_BUSY_MS. */
int store_record_review(const char *path, const struct review *rv, int64_t *run_id);

/* Resolve a run form ("12", "latest", "previous", "latest~2",
 * "HOST@latest", "HOST@previous", "HOST@latest~N") to a run id.
 * ASSAY_ENOTFOUND with a message when no such run exists. */
int store_resolve_run(const char *path, const char *spec, int64_t *run_id);

/* The comparison of two runs as one JSON document (docs/store.md; the caller
 * owns it). run2 NULL: "latest"; run1 NULL: the run of run2's host recorded
 * before run2. with_reports: appeared and removed findings carry the report
 * object stored with them. *different is set when anything appeared, was
 * removed or changed. */
int store_diff_doc(const char *path, const char *run1, const char *run2, int with_reports, json_t **doc,
                   int *different);

/* `assay diff`: compare two runs of the store (forms as store_resolve_run;
 * NULLs as store_diff_doc) and print what appeared, what was removed and
 * what changed, as text or JSON (json != 0). Returns 0 when there is no
 * difference, 1 when there is, or a negative ASSAY_E* code. */
int store_diff(const char *path, const char *run1, const char *run2, int json, FILE *out);

/* `assay diff --list`: the runs of the store, newest first. */
int store_list(const char *path, FILE *out);
/* The same, only the runs of `host` (NULL: all), as text or JSON. */
int store_list_runs(const char *path, const char *host, int json, FILE *out);

#endif
