/* fuzz_ldb.c — libFuzzer target for .ldb lines and logical expressions.
 *
 * Each input gets a fresh sigdb. Every line goes to clam_parse_ldb_line: after
 * a success the new records must be consistent (bodies point at the new
 * logical signature and at nodes that exist, the expression slice lies in
 * lexpr_code and evaluates); after a failure the database must be exactly as
 * before and the message must name path:line. The first line is also compiled
 * on its own as a logical expression (with a subsignature count taken from
 * its length) and evaluated, and the raw input is evaluated as byte code,
 * which must never crash however malformed.
 *
 *   clang -std=c17 -g -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/util/buf.c lib/util/error.c lib/sig/sigdb.c lib/sig/clam_hex.c lib/sig/clam_offset.c \
 *       lib/sig/clam_ndb.c lib/sig/clam_lexpr.c lib/sig/clam_ldb.c tests/fuzz/fuzz_ldb.c -o fuzz_ldb */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "sig/clam_ldb.h"
#include "sig/clam_lexpr.h"

struct fuzz_snapshot {
    size_t strings, bodies, nodes, classes, altopts, altbytes, logicals, lexpr;
};

static struct fuzz_snapshot fuzz_snap(const struct sigdb *db)
{
    return (struct fuzz_snapshot){db->strings.len, db->bodies.n,     db->nodes.n,    db->classes.n,
                                  db->altopts.n,   db->altbytes.len, db->logicals.n, db->lexpr_code.len};
}

/* Counts vectors to evaluate with: none, one each, and some from the input. */
static void fuzz_counts(uint32_t counts[3][SIG_MAX_SUBSIGS], const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < SIG_MAX_SUBSIGS; i++) {
        counts[0][i] = 0;
        counts[1][i] = 1;
        counts[2][i] = size ? data[i % size] % 5 : 0;
    }
}

static void fuzz_check_success(const struct sigdb *db, const struct fuzz_snapshot *before, uint32_t lineno,
                               uint32_t counts[3][SIG_MAX_SUBSIGS])
{
    if (db->logicals.n != before->logicals + 1 || db->bodies.n <= before->bodies)
        abort();
    const struct sig_logical *lg = &db->logicals.v[before->logicals];
    if (lg->line != lineno || lg->subsig_count == 0 || lg->subsig_count > SIG_MAX_SUBSIGS)
        abort();
    if (lg->name >= db->strings.len || (uint64_t)lg->expr_offset + lg->expr_len > db->lexpr_code.len ||
        lg->expr_offset != before->lexpr || lg->expr_len == 0)
        abort();
    if (db->bodies.n - before->bodies < lg->subsig_count || db->bodies.n - before->bodies > 2u * lg->subsig_count)
        abort();
    for (size_t i = before->bodies; i < db->bodies.n; i++) {
        const struct sig_body *b = &db->bodies.v[i];
        if (b->logical != before->logicals || b->subsig >= lg->subsig_count || b->name != lg->name ||
            b->target != lg->target || b->node_count == 0 ||
            (uint64_t)b->node_first + b->node_count > db->nodes.n)
            abort();
    }
    for (int k = 0; k < 3; k++)
        (void)clam_lexpr_eval(db->lexpr_code.data + lg->expr_offset, lg->expr_len, counts[k]);
}

static void fuzz_one_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno,
                          uint32_t counts[3][SIG_MAX_SUBSIGS])
{
    struct fuzz_snapshot before = fuzz_snap(ctx->db);
    int rc = clam_parse_ldb_line(ctx, line, len, lineno);
    if (rc == ASSAY_OK) {
        fuzz_check_success(ctx->db, &before, lineno, counts);
        return;
    }
    struct fuzz_snapshot after = fuzz_snap(ctx->db);
    if (memcmp(&before, &after, sizeof before) != 0)
        abort();
    char where[32];
    snprintf(where, sizeof where, "fuzz.ldb:%u: ", lineno);
    if (strncmp(assay_last_error(), where, strlen(where)) != 0)
        abort();
}

static void fuzz_expression(const char *text, size_t len, uint32_t counts[3][SIG_MAX_SUBSIGS])
{
    struct util_buf code = {0};
    char err[256];
    uint32_t nsub = (uint32_t)(len % (SIG_MAX_SUBSIGS + 2));
    if (clam_lexpr_compile(text, len, nsub, &code, err, sizeof err) == 0) {
        if (code.len == 0)
            abort();
        for (int k = 0; k < 3; k++)
            (void)clam_lexpr_eval(code.data, code.len, counts[k]);
    } else {
        if (code.len != 0 || strncmp(err, "column ", 7) != 0)
            abort();
    }
    util_buf_free(&code);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t counts[3][SIG_MAX_SUBSIGS];
    fuzz_counts(counts, data, size);
    (void)clam_lexpr_eval(data, size, counts[2]);

    struct sigdb db;
    sigdb_init(&db);
    int src = sigdb_source(&db, "fuzz.ldb");
    struct sig_load_ctx ctx = {.db = &db, .path = "fuzz.ldb", .source = (uint16_t)(src < 0 ? 0 : src)};
    const char *text = (const char *)data;
    uint32_t lineno = 0;
    for (size_t pos = 0; pos < size;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - line) : size - pos;
        pos += n + 1;
        lineno++;
        if (lineno == 1)
            fuzz_expression(line, n, counts);
        if (n == 0 || line[0] == '#')
            continue;
        fuzz_one_line(&ctx, line, n, lineno, counts);
    }
    sigdb_free(&db);
    return 0;
}
