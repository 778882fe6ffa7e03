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

/* Compile YARA rules parsed from `text` (parsed again when it was parsed
 * for another state of db->yara; parsed->file is taken either way). */
struct yrules_parsed;
int sigload_yara_parsed(struct sigdb *db, const char *name, const char *text, size_t len,
                        struct yrules_parsed *parsed, bool skip_bad);

/* Load YARA rule files (or folders) in order, paths[i] in namespace ns[i]
 * (ns NULL or ns[i] NULL: the default one), as sigload_yara_path on each:
 * the next files are read and parsed on a second thread while one is
 * compiled. On an error *failed is the index of the path it came from. */
int sigload_yara_files(struct sigdb *db, const char *const *paths, const char *const *ns, const bool *skip_bad,
                       size_t n, size_t *failed);

#endif
