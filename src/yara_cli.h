/* yara_cli.h — what the three parts of `assay yara` share:
 *   cmd_yara.c          options and the main flow (load rules, scan, exit code);
 *   yara_cli_output.c   results printed as yara prints them (scan callbacks);
 *   yara_cli_messages.c errors and warnings reshaped as yara prints them.
 * Not a library interface: only src/ uses it. */
#ifndef ASSAY_YARA_CLI_H
#define ASSAY_YARA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "cli.h"

#define YARA_MAX_LIST 32 /* -t, -i and -d values, as yara */

struct pending_output; /* one file's output until it is done (yara_cli_output.c) */

/* The options of one run and the state of its scan. */
struct yara_cli {
    bool strings, lengths, meta, tags, negate, count, namespaces, no_warnings, compiled, fast;
    bool recursive, no_follow, skip_bad, profile;
    const char *tag_filter[YARA_MAX_LIST], *ident_filter[YARA_MAX_LIST], *defines[YARA_MAX_LIST];
    size_t ntags, nidents, ndefines;
    long long max_rules, threads, skip_larger;
    bool threads_given;
    unsigned long long matched_total; /* matching rules of the whole scan (-l) */
    const char *target;
    bool target_is_dir;
    struct pending_output *pending;
    bool error, out_of_memory;
};

/* ---- files (cmd_yara.c) ---- */
bool yara_cli_is_folder(const char *path);
bool yara_cli_cannot_open(const char *path);

/* ---- results (yara_cli_output.c); `user` is the struct yara_cli ---- */
void yara_cli_on_finding(void *user, const struct assay_finding *f);
void yara_cli_on_object_done(void *user, const char *path);
void yara_cli_on_message(void *user, const char *path, const char *text);
void yara_cli_on_profile(void *user, const struct assay_rule_cost *costs, size_t count);
/* The path as yara prints it, malloc'd (NULL when out of memory: print `path`). */
char *yara_cli_display_path(const struct yara_cli *c, const char *path);
/* Drops the output of files never finished (after an error). */
void yara_cli_free_pending_outputs(struct yara_cli *c);

/* ---- messages (yara_cli_messages.c) ---- */
void yara_cli_on_problem(void *user, const struct assay_problem *p);
/* A rule warning from the library (`user` is the struct yara_cli). */
void yara_cli_print_warning(void *user, const char *message);
/* A rule-loading error ("FILE:LINE:COL: MSG") as yara prints it, to stderr. */
void yara_cli_print_rules_error(const char *msg);
/* -z: yara's "skipping F" line for each file of the target folder over the
 * limit; `root` is the target's stat. */
void yara_cli_report_oversized(const struct yara_cli *c, const struct stat *root);

#endif
