/* cli.h — shared helpers of the assay command's subcommands. */
#ifndef ASSAY_CLI_H
#define ASSAY_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "assay.h"

/* Exit codes, as clamscan: 0 nothing found, 1 found, 2 an error occurred. */
enum { EXIT_CLEAN = 0, EXIT_FOUND = 1, EXIT_TROUBLE = 2 };

int cmd_scan(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_yara(int argc, char **argv);
int cmd_inventory(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* "10M", "4G", "512K", "123" -> bytes. False on a malformed size. */
bool cli_parse_size(const char *s, uint64_t *out);
bool cli_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Print "assay: <context>: <last error>" to stderr. */
void cli_error(const char *context);

/* --profile output: the `top` most expensive YARA rules, to stderr. */
void cli_print_profile(const struct assay_rule_cost *costs, size_t count, size_t top);

/* Database sources given with -d; loads the default when none. */
struct cli_databases {
    const char **paths;
    int count;
    const char **rules;      /* YARA rule files or folders given with -r */
    int rule_count;
    bool skip_bad;
};
/* Create, load and finalize a database; NULL after printing the error. */
assay_db *cli_open_databases(const struct cli_databases *d, bool finalize);

#endif
