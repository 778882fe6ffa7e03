/* sigdb.c — lifetime and small helpers of the signature set (see sigdb.h). */
#include "sigdb.h"

#include <string.h>
#include "../util/hexdigit.h"

void sigdb_init(struct sigdb *db)
{
    memset(db, 0, sizeof *db);
    /* Offset 0 of the pool is the empty string, so 0 is never a real name. */
    util_buf_append_byte(&db->strings, 0);
}

/* Views into a mapped file have cap == 0 and are not ours to free. */
#define FREE_OWNED_VEC(vec) do { if ((vec).cap) free((vec).v); (vec).v = NULL; (vec).n = (vec).cap = 0; } while (0)
#define FREE_OWNED_BUF(buf) do { if ((buf).cap) free((buf).data); (buf).data = NULL; (buf).len = (buf).cap = 0; } while (0)

void sigdb_free(struct sigdb *db)
{
    FREE_OWNED_BUF(db->strings);
    FREE_OWNED_VEC(db->sources);
    FREE_OWNED_VEC(db->hashes);
    FREE_OWNED_VEC(db->bodies);
    FREE_OWNED_VEC(db->nodes);
    FREE_OWNED_VEC(db->classes);
    FREE_OWNED_VEC(db->altopts);
    FREE_OWNED_BUF(db->altbytes);
    FREE_OWNED_VEC(db->logicals);
    FREE_OWNED_BUF(db->lexpr_code);
    FREE_OWNED_VEC(db->filename_iocs);
    FREE_OWNED_VEC(db->ignored_names);
}

uint32_t sigdb_string(struct sigdb *db, const char *s, size_t len)
{
    size_t off = db->strings.len;
    if (off > UINT32_MAX - len - 1)
        return SIG_NONE;
    if (util_buf_append(&db->strings, s, len) != 0 || util_buf_append_byte(&db->strings, 0) != 0)
        return SIG_NONE;
    return (uint32_t)off;
}

void sigdb_skipped(struct sigdb *db, const char *message)
{
    db->skipped_bad++;
    if (db->warn)
        db->warn(db->warn_user, message);
}

int sigdb_source(struct sigdb *db, const char *path)
{
    for (size_t i = 0; i < db->sources.n; i++)
        if (strcmp(sigdb_str(db, db->sources.v[i].path), path) == 0)
            return (int)i;
    if (db->sources.n >= UINT16_MAX)
        return -1;
    uint32_t off = sigdb_string(db, path, strlen(path));
    if (off == SIG_NONE)
        return -1;
    struct sig_source src = {.path = off};
    if (util_vec_push(&db->sources, src) != 0)
        return -1;
    return (int)(db->sources.n - 1);
}

int sig_hash_kind_for_hexlen(size_t hexlen)
{
    switch (hexlen) {
    case 32: return SIG_MD5;
    case 40: return SIG_SHA1;
    case 64: return SIG_SHA256;
    default: return -1;
    }
}

static int hexval(char c)
{
    return util_hex_digit(c);
}

int sig_hex_decode(const char *hex, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
