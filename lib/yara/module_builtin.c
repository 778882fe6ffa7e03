/* module_builtin.c — the math, hash and string modules as YARA sees them:
 * schemas and the glue from call arguments to mod_math.c / mod_hash.c.
 * Argument forms follow YARA's manual: (offset, size) ranges of the scanned
 * object or a string argument; an invalid range or argument gives undefined. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mod_hash.h"
#include "mod_math.h"
#include "module.h"

/* ---- helpers -------------------------------------------------------------- */

/* The bytes of (offset, size) of the object; false: undefined. */
static bool object_range(const struct yobj_call *call, const struct yobj_arg *offset, const struct yobj_arg *size,
                         const uint8_t **p, size_t *n)
{
    size_t start;
    if (!yara_math_range(call->len, offset->i, size->i, &start, n))
        return false;
    *p = call->data + start;
    return true;
}

/* ---- math ----------------------------------------------------------------- */

#define RANGE_OR_STRING(fname, body)                                                                       \
    static void fname##_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)  \
    {                                                                                                      \
        const uint8_t *p;                                                                                  \
        size_t n;                                                                                          \
        if (object_range(c, &a[0], &a[1], &p, &n)) {                                                       \
            body;                                                                                          \
        }                                                                                                  \
    }                                                                                                      \
    static void fname##_string(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o) \
    {                                                                                                      \
        (void)c;                                                                                           \
        const uint8_t *p = a[0].s;                                                                         \
        size_t n = a[0].n;                                                                                 \
        body;                                                                                              \
    }

RANGE_OR_STRING(entropy, yobj_ret_float(o, yara_math_entropy(p, n)))
RANGE_OR_STRING(mean, yobj_ret_float(o, yara_math_mean(p, n)))
RANGE_OR_STRING(serial_correlation, yobj_ret_float(o, yara_math_serial_correlation(p, n)))
RANGE_OR_STRING(monte_carlo_pi, double e; if (yara_math_monte_carlo_pi(p, n, &e)) yobj_ret_float(o, e))

static void deviation_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const uint8_t *p;
    size_t n;
    if (object_range(c, &a[0], &a[1], &p, &n))
        yobj_ret_float(o, yara_math_deviation(p, n, a[2].f));
}

static void deviation_string(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_float(o, yara_math_deviation(a[0].s, a[0].n, a[1].f));
}

static bool byte_arg(const struct yobj_arg *a)
{
    return a->i >= 0 && a->i <= 255;
}

static void count_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const uint8_t *p;
    size_t n;
    uint64_t h[256];
    if (byte_arg(&a[0]) && object_range(c, &a[1], &a[2], &p, &n)) {
        yara_math_histogram(p, n, h);
        yobj_ret_int(o, (int64_t)h[a[0].i]);
    }
}

static void count_all(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    uint64_t h[256];
    if (byte_arg(&a[0])) {
        yara_math_histogram(c->data, c->len, h);
        yobj_ret_int(o, (int64_t)h[a[0].i]);
    }
}

static void percentage_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const uint8_t *p;
    size_t n;
    uint64_t h[256];
    if (byte_arg(&a[0]) && object_range(c, &a[1], &a[2], &p, &n) && n > 0) {
        yara_math_histogram(p, n, h);
        yobj_ret_float(o, (double)h[a[0].i] / (double)n);
    }
}

static void percentage_all(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    uint64_t h[256];
    if (byte_arg(&a[0]) && c->len > 0) {
        yara_math_histogram(c->data, c->len, h);
        yobj_ret_float(o, (double)h[a[0].i] / (double)c->len);
    }
}

static void mode_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const uint8_t *p;
    size_t n;
    if (object_range(c, &a[0], &a[1], &p, &n) && n > 0)
        yobj_ret_int(o, yara_math_mode(p, n));
}

static void mode_all(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    if (c->len > 0)
        yobj_ret_int(o, yara_math_mode(c->data, c->len));
}

static void in_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_int(o, a[0].f >= a[1].f && a[0].f <= a[2].f);
}

static void max2(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_int(o, (uint64_t)a[0].i > (uint64_t)a[1].i ? a[0].i : a[1].i); /* YARA compares unsigned */
}

static void min2(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_int(o, (uint64_t)a[0].i < (uint64_t)a[1].i ? a[0].i : a[1].i);
}

static void to_number(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_int(o, a[0].i != 0);
}

static void abs1(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_int(o, a[0].i < 0 ? -(uint64_t)a[0].i : (uint64_t)a[0].i);
}

static void to_string_base(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    char buf[32];
    switch (a[1].i) {
    case 10: snprintf(buf, sizeof buf, "%" PRId64, a[0].i); break;
    case 16: snprintf(buf, sizeof buf, "%" PRIx64, (uint64_t)a[0].i); break;
    case 8: snprintf(buf, sizeof buf, "%" PRIo64, (uint64_t)a[0].i); break;
    default: return; /* undefined */
    }
    yobj_ret_string(c, o, buf);
}

static void to_string_dec(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct yobj_arg args[2] = {a[0], {.i = 10}};
    to_string_base(c, args, o);
}

#define RANGE_AND_STRING(name, type)                                                               \
    {"ii", type, name##_range}, { "s", type, name##_string }

static const struct yobj_overload o_entropy[] = {RANGE_AND_STRING(entropy, YOBJ_FLOAT), {0}};
static const struct yobj_overload o_mean[] = {RANGE_AND_STRING(mean, YOBJ_FLOAT), {0}};
static const struct yobj_overload o_serial[] = {RANGE_AND_STRING(serial_correlation, YOBJ_FLOAT), {0}};
static const struct yobj_overload o_pi[] = {RANGE_AND_STRING(monte_carlo_pi, YOBJ_FLOAT), {0}};
static const struct yobj_overload o_deviation[] = {{"iif", YOBJ_FLOAT, deviation_range},
                                                   {"sf", YOBJ_FLOAT, deviation_string}, {0}};
static const struct yobj_overload o_count[] = {{"iii", YOBJ_INT, count_range}, {"i", YOBJ_INT, count_all}, {0}};
static const struct yobj_overload o_percentage[] = {{"iii", YOBJ_FLOAT, percentage_range},
                                                    {"i", YOBJ_FLOAT, percentage_all}, {0}};
static const struct yobj_overload o_mode[] = {{"ii", YOBJ_INT, mode_range}, {"", YOBJ_INT, mode_all}, {0}};
static const struct yobj_overload o_in_range[] = {{"fff", YOBJ_INT, in_range}, {0}};
static const struct yobj_overload o_max[] = {{"ii", YOBJ_INT, max2}, {0}};
static const struct yobj_overload o_min[] = {{"ii", YOBJ_INT, min2}, {0}};
static const struct yobj_overload o_to_number[] = {{"i", YOBJ_INT, to_number}, {0}};
static const struct yobj_overload o_abs[] = {{"i", YOBJ_INT, abs1}, {0}};
static const struct yobj_overload o_to_string[] = {{"i", YOBJ_STRING, to_string_dec},
                                                   {"ii", YOBJ_STRING, to_string_base}, {0}};

#define FUNC(n, o) {.name = n, .type = YOBJ_FUNC, .overloads = o}

static const struct yobj_decl math_members[] = {
    {.name = "MEAN_BYTES", .type = YOBJ_FLOAT},
    FUNC("entropy", o_entropy), FUNC("mean", o_mean), FUNC("deviation", o_deviation),
    FUNC("serial_correlation", o_serial), FUNC("monte_carlo_pi", o_pi), FUNC("count", o_count),
    FUNC("percentage", o_percentage), FUNC("mode", o_mode), FUNC("in_range", o_in_range),
    FUNC("max", o_max), FUNC("min", o_min), FUNC("to_number", o_to_number), FUNC("abs", o_abs),
    FUNC("to_string", o_to_string),
    {0},
};

static const struct yobj_decl math_decl = {.name = "math", .type = YOBJ_STRUCT, .members = math_members};

static int math_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    (void)a, (void)data, (void)len, (void)state;
    yobj_set_float(yobj_member(root, "MEAN_BYTES"), 127.5);
    return 0;
}

const struct yara_module yara_module_math = {"math", &math_decl, math_load, NULL};

/* ---- hash ----------------------------------------------------------------- */

static void digest(const struct yobj_call *c, enum yara_digest kind, const uint8_t *p, size_t n,
                   struct yobj_result *o)
{
    char hex[65];
    if (yara_hash_hex(kind, p, n, hex))
        yobj_ret_string(c, o, hex);
}

#define DIGEST_FUNCS(fname, kind)                                                                          \
    static void fname##_range(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)  \
    {                                                                                                      \
        const uint8_t *p;                                                                                  \
        size_t n;                                                                                          \
        if (object_range(c, &a[0], &a[1], &p, &n))                                                         \
            digest(c, kind, p, n, o);                                                                      \
    }                                                                                                      \
    static void fname##_string(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o) \
    {                                                                                                      \
        digest(c, kind, a[0].s, a[0].n, o);                                                                \
    }

DIGEST_FUNCS(md5, YARA_MD5)
DIGEST_FUNCS(sha1, YARA_SHA1)
DIGEST_FUNCS(sha256, YARA_SHA256)
RANGE_OR_STRING(crc32, yobj_ret_int(o, yara_hash_crc32(p, n)))
RANGE_OR_STRING(checksum32, yobj_ret_int(o, yara_hash_checksum32(p, n)))

static const struct yobj_overload o_md5[] = {RANGE_AND_STRING(md5, YOBJ_STRING), {0}};
static const struct yobj_overload o_sha1[] = {RANGE_AND_STRING(sha1, YOBJ_STRING), {0}};
static const struct yobj_overload o_sha256[] = {RANGE_AND_STRING(sha256, YOBJ_STRING), {0}};
static const struct yobj_overload o_crc32[] = {RANGE_AND_STRING(crc32, YOBJ_INT), {0}};
static const struct yobj_overload o_checksum32[] = {RANGE_AND_STRING(checksum32, YOBJ_INT), {0}};

static const struct yobj_decl hash_members[] = {
    FUNC("md5", o_md5), FUNC("sha1", o_sha1), FUNC("sha256", o_sha256),
    FUNC("crc32", o_crc32), FUNC("checksum32", o_checksum32),
    {0},
};

static const struct yobj_decl hash_decl = {.name = "hash", .type = YOBJ_STRUCT, .members = hash_members};

const struct yara_module yara_module_hash = {"hash", &hash_decl, NULL, NULL};

/* ---- string --------------------------------------------------------------- */

static void to_int_base(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    int64_t v;
    if (a[1].i >= INT32_MIN && a[1].i <= INT32_MAX && yara_string_to_int((const char *)a[0].s, a[0].n, (int)a[1].i, &v))
        yobj_ret_int(o, v);
}

static void to_int_auto(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    struct yobj_arg args[2] = {a[0], {.i = 0}};
    to_int_base(c, args, o);
}

static void length(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c;
    yobj_ret_int(o, (int64_t)a[0].n);
}

static const struct yobj_overload o_to_int[] = {{"s", YOBJ_INT, to_int_auto}, {"si", YOBJ_INT, to_int_base}, {0}};
static const struct yobj_overload o_length[] = {{"s", YOBJ_INT, length}, {0}};

static const struct yobj_decl string_members[] = {FUNC("to_int", o_to_int), FUNC("length", o_length), {0}};
static const struct yobj_decl string_decl = {.name = "string", .type = YOBJ_STRUCT, .members = string_members};

const struct yara_module yara_module_string = {"string", &string_decl, NULL, NULL};
