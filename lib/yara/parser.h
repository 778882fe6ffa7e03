/* parser.h — the YARA 4.5 front end: parse rule text into the syntax tree of
 * ast.h, with the checks that need no module knowledge (duplicate rules,
 * strings, tags and modifiers; undefined and unreferenced strings; invalid hex
 * strings; integer overflow in literals and constant expressions; rule-set
 * wildcards). Errors name the file, line and column and carry a YARA error
 * code (lexer.h). */
#ifndef ASSAY_YARA_PARSER_H
#define ASSAY_YARA_PARSER_H

#include <stddef.h>

#include "yara/ast.h"
#include "yara/lexer.h"

/* Supply the text of `include "path"` written in `includer`. On success set
 * *text and *len to a malloc'ed buffer (the parser frees it) and *resolved to a
 * malloc'ed name used for positions and nested includes; return 0. Return -1
 * when the file cannot be read. */
typedef int (*yara_include_fn)(void *user, const char *includer, const char *path, char **text,
                               size_t *len, char **resolved);

struct yara_parse_options {
    yara_include_fn include;   /* NULL: `include` is an error (ERROR_INCLUDES_DISABLED) */
    void *include_user;
    unsigned max_include_depth; /* 0: YARA_MAX_INCLUDE_DEPTH */
    /* Rule names this file does not declare may still name rules of earlier
     * files in the namespace: leave set references to the compiler. */
    bool external_rules;
    /* Go on after an error in a rule or import, as YARA does: the parser
     * skips to the next `rule`, `private`, `global`, `import` or `include`
     * and records the error in the file's `errors`. Not after an error of
     * the lexer, an include or memory. */
    bool recover;
};

/* An error the parser went on after (yara_parse_options.recover). */
struct yara_parse_error {
    struct yara_diag diag;
    size_t rules_before;     /* rules of the file parsed before it */
    const char *rule;        /* the rule it is in, when its name was read; else NULL */
};

/* A ready-made hook: read `path` from the file system, relative to the
 * directory of `includer` unless absolute. `user` is unused. */
int yara_include_from_fs(void *user, const char *includer, const char *path, char **text,
                         size_t *len, char **resolved);

/* Parse `text` (named `name` in positions). Returns ASSAY_OK with *out set
 * (free with yara_file_free), or ASSAY_ESYNTAX / ASSAY_ENOMEM / ASSAY_ELIMIT
 * with *diag describing the first error (also in assay_last_error()). With
 * `recover`, errors it went on after leave ASSAY_OK with *out holding the
 * rules that parsed and file->errors the errors in order (*diag the last). */
int yara_parse(const char *name, const char *text, size_t len, const struct yara_parse_options *opts,
               struct yara_file **out, struct yara_diag *diag);

#endif
