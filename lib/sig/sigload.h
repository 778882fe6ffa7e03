/* sigload.h — what every line-oriented signature parser receives.
 *
 * The loader (sigload.c) reads a database file, picks the parser by the file's
 * extension, splits the text into lines, drops blank lines and comments, and
 * calls the parser once per line. A parser appends records to ctx->db and
 * returns ASSAY_OK, or ASSAY_ESYNTAX after util_error("%s:%u: <what is wrong>",
 * ctx->path, line). With ctx->skip_bad the loader counts the line as skipped
 * and goes on; otherwise the load fails with that message. */
#ifndef ASSAY_SIG_SIGLOAD_H
#define ASSAY_SIG_SIGLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigdb.h"

struct sig_load_ctx {
    struct sigdb *db;
    const char *path;     /* for messages, as the user named it */
    uint16_t source;      /* sigdb_source() index of path */
    bool skip_bad;
};

typedef int (*sig_line_parser)(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);

/* Load one database given as text; `name` chooses the format by extension. */
int sigload_text(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad);
/* Load a file or, recursively, a folder (files in sorted order). */
int sigload_path(struct sigdb *db, const char *path, bool skip_bad);
/* Load YARA rules (db->yara) from a file whatever its name, or a folder. */
int sigload_yara_path(struct sigdb *db, const char *path, bool skip_bad);
int sigload_yara_text(struct sigdb *db, const char *name, const char *text, size_t len, bool skip_bad);

#endif
