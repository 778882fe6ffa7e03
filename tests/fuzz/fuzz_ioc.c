/* fuzz_ioc.c — libFuzzer target for the LOKI/THOR IOC line parsers.
 *
 * The input is split into lines the way the loader does (blank lines and
 * '#' comments dropped) and every line goes to both the hash and the
 * filename parser. After a successful parse the new record must point at
 * strings inside the pool; after a failure the message must name path:line.
 *
 *   clang -std=c17 -g -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/util/buf.c lib/util/error.c lib/sig/sigdb.c lib/sig/ioc.c tests/fuzz/fuzz_ioc.c -o fuzz_ioc */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "sig/ioc.h"

static void fuzz_check_string(const struct sigdb *db, uint32_t off)
{
    if (off >= db->strings.len || memchr(db->strings.data + off, '\0', db->strings.len - off) == NULL)
        abort();
}

static void fuzz_check_error(uint32_t lineno)
{
    char where[32];
    snprintf(where, sizeof where, "fuzz.txt:%u:", lineno);
    if (strstr(assay_last_error(), where) == NULL)
        abort();
}

static void fuzz_one_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    size_t before = ctx->db->hashes.n;
    int rc = ioc_parse_hash_line(ctx, line, len, lineno);
    if (rc == ASSAY_OK) {
        if (ctx->db->hashes.n != before + 1)
            abort();
        const struct sig_hash *h = &ctx->db->hashes.v[before];
        if (h->kind >= SIG_HASH_KINDS || h->name == 0 || h->line != lineno)
            abort();
        fuzz_check_string(ctx->db, h->name);
    } else {
        if (ctx->db->hashes.n != before)
            abort();
        fuzz_check_error(lineno);
    }

    before = ctx->db->filename_iocs.n;
    rc = ioc_parse_filename_line(ctx, line, len, lineno);
    if (rc == ASSAY_OK) {
        if (ctx->db->filename_iocs.n != before + 1)
            abort();
        const struct sig_filename_ioc *f = &ctx->db->filename_iocs.v[before];
        fuzz_check_string(ctx->db, f->regex);
        if (sigdb_str(ctx->db, f->regex)[0] == '\0')
            abort();
        if (f->fp_regex != SIG_NONE)
            fuzz_check_string(ctx->db, f->fp_regex);
    } else {
        if (ctx->db->filename_iocs.n != before)
            abort();
        fuzz_check_error(lineno);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sigdb db;
    sigdb_init(&db);
    struct sig_load_ctx ctx = {.db = &db, .path = "fuzz.txt", .source = 0, .skip_bad = false};
    const char *text = (const char *)data;
    uint32_t lineno = 0;
    for (size_t pos = 0; pos < size;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - line) : size - pos;
        pos += n + 1;
        lineno++;
        size_t i = 0;
        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i == n || line[i] == '#')
            continue;
        fuzz_one_line(&ctx, line, n, lineno);
    }
    sigdb_free(&db);
    return 0;
}
