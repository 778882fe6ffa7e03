/* clam_ldb.c — ClamAV logical signatures (.ldb) into sig_logical records,
 * their subsignatures into sig_body records (see clam_ldb.h).
 *
 *   Name;TargetDescriptionBlock;LogicalExpression;Subsig0;Subsig1;...
 *
 * Target description block: comma-separated Key:Value. We honour
 *   Engine:X-Y            functionality-level range; must come first
 *   Target:N              required; the types clam_target_unsupported() allows
 *   FileSize:X-Y          \
 *   EntryPoint:X-Y         > need Engine with a minimum of at least 51 (0.96),
 *   NumberOfSections:X-Y  /  the last two only with Target 1, 6 or 9
 * Values are decimal; ranges need both ends and X <= Y. Keys are case
 * sensitive and may appear once. Container, Intermediates, IconGroup1/2 and
 * HandlerType restrict matching in ways we do not implement yet, so a
 * signature using them is rejected (never loaded with the restriction
 * silently dropped); so is any unknown key.
 *
 * Subsignature: [Offset:]HexSignature[::Modifiers], offset as in
 * clam_offset.h (EP/section offsets only with Target 1, 6 or 9), modifiers
 * any of i (nocase), w (wide), f (fullword), a (ascii). "w" gives one wide
 * body, "wa" a wide and an ascii body for the same subsignature. PCRE
 * (Trigger/regex/flags), byte-compare (N(<<...#...#...)), macro (${min-max}N$),
 * image fuzzy-hash (fuzzy_img#...) and version-information (VI:...)
 * subsignatures are rejected as not supported yet.
 *
 * Like ClamAV, the expression must use the last subsignature (its highest
 * index is N-1); earlier ones may go unused.
 *
 * On any error the database is left exactly as it was before the line. */
#include "clam_ldb.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/error.h"
#include "clam_hex.h"
#include "clam_lexpr.h"
#include "clam_ndb.h"
#include "clam_offset.h"
#include "sigfields.h"

/* Fields: name, TDB, expression, up to SIG_MAX_SUBSIGS subsignatures, and
 * one more to notice a line with too many. */
#define CLAM_LDB_MAX_FIELDS (3 + SIG_MAX_SUBSIGS + 1)
/* Engine level from which ClamAV accepts FileSize, EntryPoint, ... (0.96). */
#define CLAM_LDB_TDB_MIN_ENGINE 51

struct clam_ldb {
    struct sig_load_ctx *ctx;
    uint32_t lineno;
};

/* Everything a line may append to, to undo a failed line. */
struct clam_ldb_marks {
    size_t strings, bodies, nodes, classes, altopts, altbytes, logicals, lexpr;
};

static void clam_ldb_mark(const struct sigdb *db, struct clam_ldb_marks *m)
{
    *m = (struct clam_ldb_marks){
        .strings = db->strings.len, .bodies = db->bodies.n, .nodes = db->nodes.n,
        .classes = db->classes.n, .altopts = db->altopts.n, .altbytes = db->altbytes.len,
        .logicals = db->logicals.n, .lexpr = db->lexpr_code.len,
    };
}

static void clam_ldb_rollback(struct sigdb *db, const struct clam_ldb_marks *m)
{
    db->strings.len = m->strings;
    db->bodies.n = m->bodies;
    db->nodes.n = m->nodes;
    db->classes.n = m->classes;
    db->altopts.n = m->altopts;
    db->altbytes.len = m->altbytes;
    db->logicals.n = m->logicals;
    db->lexpr_code.len = m->lexpr;
}

static int clam_ldb_fail(const struct clam_ldb *l, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int clam_ldb_fail(const struct clam_ldb *l, int code, const char *fmt, ...)
{
    char what[640];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return util_error(code, "%s:%u: %s", l->ctx->path, l->lineno, what);
}

/* Length to print of a field quoted in a message. */
static int clam_ldb_shown(size_t len)
{
    return (int)(len > 40 ? 40 : len);
}

static bool clam_ldb_is(const struct sig_field *f, const char *s)
{
    size_t n = strlen(s);
    return f->len == n && memcmp(f->s, s, n) == 0;
}

/* ------------------------------------------------------------------------
 * Target description block
 * ---------------------------------------------------------------------- */

/* Decimal number of s[*i..], at most `max`. */
static bool clam_ldb_number(const char *s, size_t len, size_t *i, uint64_t max, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
        unsigned d = (unsigned)(s[*i] - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
        (*i)++;
    }
    *out = v;
    return *i > start;
}

static bool clam_ldb_single(const struct sig_field *v, uint64_t max, uint64_t *out)
{
    size_t i = 0;
    return clam_ldb_number(v->s, v->len, &i, max, out) && i == v->len;
}

static int clam_ldb_range(const struct clam_ldb *l, const struct sig_field *key, const struct sig_field *v,
                          uint64_t max, uint64_t *lo, uint64_t *hi)
{
    size_t i = 0;
    if (!clam_ldb_number(v->s, v->len, &i, max, lo) || i >= v->len || v->s[i] != '-')
        goto bad;
    i++;
    if (!clam_ldb_number(v->s, v->len, &i, max, hi) || i != v->len)
        goto bad;
    if (*lo > *hi)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description: %.*s range %llu-%llu is reversed",
                             (int)key->len, key->s, (unsigned long long)*lo, (unsigned long long)*hi);
    return 0;
bad:
    return clam_ldb_fail(l, ASSAY_ESYNTAX,
                         "target description: %.*s needs a decimal range X-Y (at most %llu), got '%.*s'",
                         (int)key->len, key->s, (unsigned long long)max, clam_ldb_shown(v->len), v->s);
}

static bool clam_ldb_target_has_sections(unsigned target)
{
    return target == SIG_TARGET_PE || target == SIG_TARGET_ELF || target == SIG_TARGET_MACHO;
}

/* One Key:Value entry (position `index` in the block) into lg. */
static int clam_ldb_tdb_entry(const struct clam_ldb *l, size_t index, const struct sig_field *key,
                              const struct sig_field *val, struct sig_logical *lg)
{
    static const char *const unsupported[] = {"Container", "Intermediates", "IconGroup1", "IconGroup2",
                                              "HandlerType"};
    for (size_t k = 0; k < sizeof unsupported / sizeof *unsupported; k++)
        if (clam_ldb_is(key, unsupported[k]))
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "unsupported target description key '%s'", unsupported[k]);
    struct {
        const char *name;
        uint32_t bit;
    } const keys[] = {
        {"Engine", SIG_TDB_ENGINE},         {"Target", SIG_TDB_TARGET}, {"FileSize", SIG_TDB_FILESIZE},
        {"EntryPoint", SIG_TDB_EP},         {"NumberOfSections", SIG_TDB_NSECTIONS},
    };
    uint32_t bit = 0;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        if (clam_ldb_is(key, keys[k].name))
            bit = keys[k].bit;
    if (!bit)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "unknown target description key '%.*s'",
                             clam_ldb_shown(key->len), key->s);
    if (lg->tdb_fields & bit)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description key '%.*s' given twice", (int)key->len,
                             key->s);
    lg->tdb_fields |= bit;
    uint64_t lo, hi;
    switch (bit) {
    case SIG_TDB_ENGINE:
        if (index != 0)
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description: Engine must be the first key");
        if (clam_ldb_range(l, key, val, UINT32_MAX, &lo, &hi) != 0)
            return ASSAY_ESYNTAX;
        lg->engine_min = (uint32_t)lo;
        lg->engine_max = (uint32_t)hi;
        return 0;
    case SIG_TDB_TARGET: {
        if (!clam_ldb_single(val, 255, &lo))
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description: Target needs a number, got '%.*s'",
                                 clam_ldb_shown(val->len), val->s);
        const char *why = clam_target_unsupported((unsigned)lo);
        if (why)
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "%s", why);
        lg->target = (uint8_t)lo;
        return 0;
    }
    case SIG_TDB_FILESIZE:
        if (clam_ldb_range(l, key, val, UINT64_MAX, &lo, &hi) != 0)
            return ASSAY_ESYNTAX;
        lg->filesize_min = lo;
        lg->filesize_max = hi;
        return 0;
    case SIG_TDB_EP:
        if (clam_ldb_range(l, key, val, UINT64_MAX, &lo, &hi) != 0)
            return ASSAY_ESYNTAX;
        lg->ep_min = lo;
        lg->ep_max = hi;
        return 0;
    default:
        if (clam_ldb_range(l, key, val, UINT32_MAX, &lo, &hi) != 0)
            return ASSAY_ESYNTAX;
        lg->nsections_min = (uint32_t)lo;
        lg->nsections_max = (uint32_t)hi;
        return 0;
    }
}

static int clam_ldb_tdb(const struct clam_ldb *l, const struct sig_field *tdb, struct sig_logical *lg)
{
    lg->engine_max = UINT32_MAX;
    lg->filesize_max = UINT64_MAX;
    lg->ep_max = UINT64_MAX;
    lg->nsections_max = UINT32_MAX;
    size_t start = 0, index = 0;
    for (size_t i = 0; i <= tdb->len; i++) {
        if (i < tdb->len && tdb->s[i] != ',')
            continue;
        struct sig_field item = {tdb->s + start, i - start};
        start = i + 1;
        const char *colon = memchr(item.s, ':', item.len);
        if (item.len == 0)
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description: empty entry %zu", index + 1);
        if (!colon)
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description: '%.*s' is not Key:Value",
                                 clam_ldb_shown(item.len), item.s);
        struct sig_field key = {item.s, (size_t)(colon - item.s)};
        struct sig_field val = {colon + 1, item.len - key.len - 1};
        if (clam_ldb_tdb_entry(l, index, &key, &val, lg) != 0)
            return ASSAY_ESYNTAX;
        index++;
    }
    if (!(lg->tdb_fields & SIG_TDB_TARGET))
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "target description block has no Target");
    uint32_t newer = lg->tdb_fields & (SIG_TDB_FILESIZE | SIG_TDB_EP | SIG_TDB_NSECTIONS);
    if (newer && (!(lg->tdb_fields & SIG_TDB_ENGINE) || lg->engine_min < CLAM_LDB_TDB_MIN_ENGINE))
        return clam_ldb_fail(l, ASSAY_ESYNTAX,
                             "target description: FileSize, EntryPoint and NumberOfSections need "
                             "Engine:%d-... (or higher) first, as ClamAV requires",
                             CLAM_LDB_TDB_MIN_ENGINE);
    if ((lg->tdb_fields & (SIG_TDB_EP | SIG_TDB_NSECTIONS)) && !clam_ldb_target_has_sections(lg->target))
        return clam_ldb_fail(l, ASSAY_ESYNTAX,
                             "target description: EntryPoint and NumberOfSections need Target 1 (PE), "
                             "6 (ELF) or 9 (Mach-O)");
    return 0;
}

/* ------------------------------------------------------------------------
 * Subsignatures
 * ---------------------------------------------------------------------- */

/* What kind of special subsignature `f` is, or NULL for an ordinary one. */
static const char *clam_ldb_special_kind(const struct sig_field *f)
{
    if (f->len >= 10 && memcmp(f->s, "fuzzy_img#", 10) == 0)
        return "image fuzzy-hash subsignatures are";
    if (f->len >= 2 && f->s[0] == '$' && f->s[1] == '{')
        return "macro subsignatures are";
    if (memchr(f->s, '/', f->len))
        return "PCRE subsignatures are";
    size_t i = 0;
    while (i < f->len && f->s[i] >= '0' && f->s[i] <= '9')
        i++;
    if (i > 0 && i < f->len && f->s[i] == '(' && memchr(f->s, '#', f->len))
        return "byte-compare subsignatures are";
    if (f->len >= 3 && memcmp(f->s, "VI:", 3) == 0)
        return "version-information (VI) subsignatures are";
    return NULL;
}

/* Modifier letters after "::" into enum sig_body_flags bits. */
static int clam_ldb_modifiers(const struct clam_ldb *l, unsigned idx, const struct sig_field *m, unsigned *flags)
{
    *flags = 0;
    for (size_t i = 0; i < m->len; i++) {
        switch (m->s[i]) {
        case 'i': *flags |= SIG_F_NOCASE; break;
        case 'w': *flags |= SIG_F_WIDE; break;
        case 'f': *flags |= SIG_F_FULLWORD; break;
        case 'a': *flags |= SIG_F_ASCII; break;
        default: {
            unsigned char c = (unsigned char)m->s[i];
            if (c >= 0x20 && c < 0x7f)
                return clam_ldb_fail(l, ASSAY_ESYNTAX,
                                     "subsignature %u: unknown modifier '%c' (expected i, w, f or a)", idx, c);
            return clam_ldb_fail(l, ASSAY_ESYNTAX,
                                 "subsignature %u: unknown modifier byte 0x%02x (expected i, w, f or a)", idx, c);
        }
        }
    }
    return 0;
}

static bool clam_ldb_offset_needs_sections(uint8_t kind)
{
    return kind == SIG_OFF_EP || kind == SIG_OFF_SECTION || kind == SIG_OFF_SECTION_ALL ||
           kind == SIG_OFF_LAST_SECTION;
}

/* Append one body for subsignature `idx` in the given encoding. */
static int clam_ldb_body(const struct clam_ldb *l, unsigned idx, const struct sig_field *hex, unsigned flags,
                         const struct sig_body *proto)
{
    struct sig_body b = *proto;
    char err[256];
    if (clam_hex_parse(l->ctx->db, hex->s, hex->len, flags, &b, err, sizeof err) != 0)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "subsignature %u: hex signature, %s", idx, err);
    if (util_vec_push(&l->ctx->db->bodies, b) != 0)
        return clam_ldb_fail(l, ASSAY_ENOMEM, "out of memory");
    return 0;
}

static int clam_ldb_subsig(const struct clam_ldb *l, unsigned idx, const struct sig_field *f,
                           const struct sig_body *tmpl)
{
    if (f->len == 0)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "subsignature %u is empty", idx);
    const char *kind = clam_ldb_special_kind(f);
    if (kind)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "subsignature %u: %s not supported yet", idx, kind);
    struct sig_field body = *f, mods = {f->s + f->len, 0};
    for (size_t i = 0; i + 1 < f->len; i++)
        if (f->s[i] == ':' && f->s[i + 1] == ':') {
            body.len = i;
            mods = (struct sig_field){f->s + i + 2, f->len - i - 2};
            break;
        }
    unsigned flags;
    if (clam_ldb_modifiers(l, idx, &mods, &flags) != 0)
        return ASSAY_ESYNTAX;
    struct sig_body b = *tmpl;
    b.subsig = (uint8_t)idx;
    struct sig_field hex = body;
    const char *colon = memchr(body.s, ':', body.len);
    char err[256];
    if (colon) {
        size_t olen = (size_t)(colon - body.s);
        if (clam_offset_parse(body.s, olen, &b, err, sizeof err) != 0)
            return clam_ldb_fail(l, ASSAY_ESYNTAX, "subsignature %u: %s", idx, err);
        if (clam_ldb_offset_needs_sections(b.offset_kind) && !clam_ldb_target_has_sections(b.target))
            return clam_ldb_fail(l, ASSAY_ESYNTAX,
                                 "subsignature %u: offset '%.*s' needs Target 1 (PE), 6 (ELF) or 9 (Mach-O)",
                                 idx, clam_ldb_shown(olen), body.s);
        hex = (struct sig_field){colon + 1, body.len - olen - 1};
    } else {
        b.offset_kind = SIG_OFF_ANY;
    }
    unsigned common = flags & (SIG_F_NOCASE | SIG_F_FULLWORD);
    if (flags & SIG_F_WIDE) {
        int rc = clam_ldb_body(l, idx, &hex, common | SIG_F_WIDE, &b);
        if (rc == 0 && (flags & SIG_F_ASCII))
            rc = clam_ldb_body(l, idx, &hex, common | SIG_F_ASCII, &b);
        return rc;
    }
    return clam_ldb_body(l, idx, &hex, common | (flags & SIG_F_ASCII), &b);
}

/* ------------------------------------------------------------------------
 * The line
 * ---------------------------------------------------------------------- */

static int clam_ldb_expression(const struct clam_ldb *l, const struct sig_field *e, uint32_t nsub,
                               struct sig_logical *lg)
{
    struct sigdb *db = l->ctx->db;
    char err[256];
    size_t at = db->lexpr_code.len;
    if (clam_lexpr_compile(e->s, e->len, nsub, &db->lexpr_code, err, sizeof err) != 0)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "logical expression: %s", err);
    /* Does it still compile without the last subsignature? Then that one is
     * unused, which ClamAV rejects (it counts subsignatures by the highest
     * index in the expression). */
    struct util_buf scratch = {0};
    int without_last = clam_lexpr_compile(e->s, e->len, nsub - 1, &scratch, NULL, 0);
    util_buf_free(&scratch);
    if (without_last == 0)
        return clam_ldb_fail(l, ASSAY_ESYNTAX,
                             "logical expression does not use subsignature %u, the last one "
                             "(the line has %u subsignatures)", nsub - 1, nsub);
    if (db->lexpr_code.len > UINT32_MAX)
        return clam_ldb_fail(l, ASSAY_ELIMIT, "compiled logical expressions exceed 4 GiB");
    lg->expr_offset = (uint32_t)at;
    lg->expr_len = (uint32_t)(db->lexpr_code.len - at);
    return 0;
}

static int clam_ldb_parse(const struct clam_ldb *l, const char *line, size_t len)
{
    struct sigdb *db = l->ctx->db;
    struct sig_field f[CLAM_LDB_MAX_FIELDS];
    size_t n = sig_split(line, len, ';', f, CLAM_LDB_MAX_FIELDS);
    if (n < 4)
        return clam_ldb_fail(l, ASSAY_ESYNTAX,
                             "expected Name;TargetDescriptionBlock;LogicalExpression;Subsig0[;Subsig1...], "
                             "got %zu field%s", n, n == 1 ? "" : "s");
    if (f[0].len == 0)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "empty signature name");
    if (n > 3 + SIG_MAX_SUBSIGS)
        return clam_ldb_fail(l, ASSAY_ESYNTAX, "more than %d subsignatures", SIG_MAX_SUBSIGS);
    uint32_t nsub = (uint32_t)(n - 3);
    if (db->logicals.n >= SIG_NONE)
        return clam_ldb_fail(l, ASSAY_ELIMIT, "too many logical signatures");
    struct sig_logical lg = {.line = l->lineno, .source = l->ctx->source, .subsig_count = nsub};
    if (clam_ldb_tdb(l, &f[1], &lg) != 0)
        return ASSAY_ESYNTAX;
    lg.name = sigdb_string(db, f[0].s, f[0].len);
    if (lg.name == SIG_NONE)
        return clam_ldb_fail(l, ASSAY_ENOMEM, "out of memory");
    struct sig_body tmpl = {
        .name = lg.name, .line = l->lineno, .source = l->ctx->source, .target = lg.target,
        .logical = (uint32_t)db->logicals.n,
    };
    for (uint32_t i = 0; i < nsub; i++) {
        int rc = clam_ldb_subsig(l, i, &f[3 + i], &tmpl);
        if (rc != 0)
            return rc;
    }
    int rc = clam_ldb_expression(l, &f[2], nsub, &lg);
    if (rc != 0)
        return rc;
    if (util_vec_push(&db->logicals, lg) != 0)
        return clam_ldb_fail(l, ASSAY_ENOMEM, "out of memory");
    return ASSAY_OK;
}

int clam_parse_ldb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    struct clam_ldb l = {.ctx = ctx, .lineno = lineno};
    struct clam_ldb_marks marks;
    clam_ldb_mark(ctx->db, &marks);
    int rc = clam_ldb_parse(&l, line, len);
    if (rc != ASSAY_OK)
        clam_ldb_rollback(ctx->db, &marks);
    return rc;
}
