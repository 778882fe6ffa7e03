/* store_internal.h — what the two halves of the review store share (private
 * to lib/store): an open store and the SQLite helpers that turn its results
 * into ASSAY_E* codes. store.c opens, checks and writes a store;
 * store_diff.c reads runs, compares them and lists them. */
#ifndef ASSAY_STORE_INTERNAL_H
#define ASSAY_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* An open store file; path is the caller's (not copied) for messages. */
struct store {
    sqlite3 *db;
    const char *path;
};

/* Turn an SQLite result into an ASSAY_E* code with a message; `what` names
 * the failed step for errors that are not about the file's format or locks. */
int store_fail(const struct store *s, int sqlite_rc, const char *what);

/* Run SQL without results. */
int store_exec(struct store *s, const char *sql);

/* Prepare a statement; an SQL error here on a store that passed the checks
 * means its tables do not have the expected columns (ASSAY_EFORMAT). */
int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st);

/* Bind text, or NULL when v is NULL; the text must outlive the step. */
int store_bind_text(sqlite3_stmt *st, int i, const char *v);

/* Step a query for its first row: 0 with *row set (a row is there to read)
 * or none came, or the read error. */
int store_step_row(struct store *s, sqlite3_stmt *st, bool *row);

/* Open an existing store for reading; *empty when it holds no schema yet.
 * ASSAY_ENOTFOUND when there is no file, ASSAY_EFORMAT when it is not a store. */
int store_open_existing(struct store *s, const char *path, bool *empty);

void store_close(struct store *s);

#endif
