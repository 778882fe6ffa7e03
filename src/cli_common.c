/* cli_common.c — size parsing, error printing and database opening shared by
 * the subcommands. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return false;
    unsigned shift = 0;
    switch (toupper((unsigned char)*end)) {
    case 0: break;
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: return false;
    }
    if (*end && end[1] && !(toupper((unsigned char)end[1]) == 'B' && !end[2]))
        return false;
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

/* One line per error: a rule file reports all of its errors, one per line. */
void cli_error(const char *context)
{
    const char *msg = assay_last_error();
    do {
        const char *nl = strchr(msg, '\n');
        int n = nl ? (int)(nl - msg) : (int)strlen(msg);
        if (context)
            fprintf(stderr, "assay: %s: %.*s\n", context, n, msg);
        else
            fprintf(stderr, "assay: %.*s\n", n, msg);
        msg = nl ? nl + 1 : NULL;
    } while (msg);
}

static void print_warning(void *user, const char *message)
{
    (void)user;
    fprintf(stderr, "assay: warning: %s\n", message);
}

assay_db *cli_open_databases(const struct cli_databases *d, bool finalize)
{
    assay_db *db = assay_db_new();
    if (!db) {
        cli_error(NULL);
        return NULL;
    }
    assay_db_set_warning_handler(db, print_warning, NULL);
    struct assay_load_options lo = {.skip_bad_signatures = d->skip_bad};
    int rc = ASSAY_OK;
    if (d->count == 0 && d->rule_count == 0)
        rc = assay_db_load_default(db);
    for (int i = 0; i < d->count && rc == ASSAY_OK; i++)
        rc = assay_db_load(db, d->paths[i], &lo);
    struct assay_load_options *each = d->rule_count > 0 ? calloc((size_t)d->rule_count, sizeof *each) : NULL;
    for (int i = 0; each && i < d->rule_count; i++)
        each[i] = lo;
    if (each && rc == ASSAY_OK) /* the next files parsed while one is compiled */
        rc = assay_db_load_yara_files(db, (const char *const *)d->rules, each, (size_t)d->rule_count, NULL);
    for (int i = 0; !each && i < d->rule_count && rc == ASSAY_OK; i++)
        rc = assay_db_load_yara(db, d->rules[i], &lo);
    free(each);
    if (rc == ASSAY_OK && finalize)
        rc = assay_db_finalize(db);
    if (rc != ASSAY_OK) {
        cli_error(NULL);
        assay_db_free(db);
        return NULL;
    }
    {
        struct assay_db_stats st;
        assay_db_get_stats(db, &st);
        if (st.skipped_bad)
            fprintf(stderr, "assay: skipped %zu malformed or unsupported signature%s\n", st.skipped_bad,
                    st.skipped_bad == 1 ? "" : "s");
    }
    return db;
}

void cli_print_profile(const struct assay_rule_cost *costs, size_t count, size_t top)
{
    double total = 0;
    for (size_t i = 0; i < count; i++)
        total += costs[i].seconds;
    fprintf(stderr, "profile: %zu YARA rules cost %.3f s in all (summed over threads); the slowest:\n", count,
            total);
    for (size_t i = 0; i < count && i < top; i++)
        fprintf(stderr, "  %9.3f s  %5.1f%%  %s:%s  %s:%u\n", costs[i].seconds,
                total > 0 ? 100.0 * costs[i].seconds / total : 0.0, costs[i].ns, costs[i].rule, costs[i].source,
                costs[i].line);
}
