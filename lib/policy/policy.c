/* policy.c — review policies: YAML parsing into the model of policy.h with
 * line/column diagnostics, dates, and the evaluation helpers of the review
 * step. Format and semantics: docs/policy.md.
 *
 * Parsing goes in two steps: libyaml's event stream is turned into a small
 * node tree (scalars, sequences, mappings, each with its position), refusing
 * aliases and more than one document; the tree is then walked field by field.
 * The walk never stops at the first problem: every unknown field, bad value,
 * bad date, duplicate id or missing requirement becomes a diagnostic with the
 * node's line and column.
 *
 * Limits: input at most POLICY_MAX_BYTES (4 MiB), nesting at most
 * POLICY_MAX_DEPTH (32), at most POLICY_MAX_NODES (200000) nodes, at most
 * POLICY_MAX_DIAGS (1000) diagnostics kept; ids at most 128 bytes. */
#include "policy/policy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "util/error.h"

extern const char assay_default_policy[];
extern const unsigned long assay_default_policy_len;

#define POLICY_MAX_ID 128

/* ---- diagnostics ------------------------------------------------------------------ */

static struct policy_loc no_loc(void)
{
    return (struct policy_loc){0, 0};
}

void policy_add_diag(struct policy *p, enum policy_severity sev, struct policy_loc at, const char *fmt, ...)
{
    if (sev == POLICY_ERROR)
        p->errors++;
    else if (sev == POLICY_WARNING)
        p->warnings++;
    if (p->diags.n > POLICY_MAX_DIAGS)
        return;
    char msg[1024];
    if (p->diags.n == POLICY_MAX_DIAGS) {
        snprintf(msg, sizeof msg, "too many problems; the rest are not shown");
        sev = POLICY_ERROR;
        at = no_loc();
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    struct policy_diag d = {(uint8_t)sev, at.line, at.column, util_arena_strdup(&p->arena, msg)};
    if (d.message)
        (void)util_vec_push(&p->diags, d);
}

static bool diag_before(const struct policy_diag *x, const struct policy_diag *y)
{
    return x->line != y->line ? x->line < y->line : x->column < y->column;
}

void policy_sort_diags(struct policy *p)
{
    /* insertion sort: stable, and there are at most POLICY_MAX_DIAGS + 1 */
    for (size_t i = 1; i < p->diags.n; i++) {
        struct policy_diag d = p->diags.v[i];
        size_t j = i;
        for (; j > 0 && diag_before(&d, &p->diags.v[j - 1]); j--)
            p->diags.v[j] = p->diags.v[j - 1];
        p->diags.v[j] = d;
    }
}

/* ---- names -------------------------------------------------------------------------- */

static const char *const category_names[POLICY_CAT_COUNT_] = {
    [POLICY_CAT_ENDPOINT_PROTECTION] = "endpoint-protection",
    [POLICY_CAT_VIDEO_SURVEILLANCE] = "video-surveillance",
    [POLICY_CAT_TELECOM_EQUIPMENT] = "telecom-equipment",
    [POLICY_CAT_NETWORK_EQUIPMENT] = "network-equipment",
    [POLICY_CAT_TWO_WAY_RADIO] = "two-way-radio",
    [POLICY_CAT_MOBILE_DEVICE] = "mobile-device",
    [POLICY_CAT_TELECOM_SERVICE] = "telecom-service",
    [POLICY_CAT_VPN] = "vpn",
    [POLICY_CAT_BROWSER_EXTENSION] = "browser-extension",
    [POLICY_CAT_OTHER] = "other",
};

const char *policy_category_name(enum policy_category c)
{
    return (unsigned)c < POLICY_CAT_COUNT_ ? category_names[c] : "unknown";
}

int policy_category_from_name(const char *name)
{
    for (int i = 0; name && i < POLICY_CAT_COUNT_; i++)
        if (strcmp(name, category_names[i]) == 0)
            return i;
    return -1;
}

const char *policy_verdict_name(enum policy_verdict v)
{
    switch (v) {
    case POLICY_EXCLUDE: return "exclude";
    case POLICY_REVIEW: return "review";
    case POLICY_ALLOW: return "allow";
    default: return "none";
    }
}

static int verdict_from_name(const char *name)
{
    if (strcmp(name, "exclude") == 0)
        return POLICY_EXCLUDE;
    if (strcmp(name, "review") == 0)
        return POLICY_REVIEW;
    if (strcmp(name, "allow") == 0)
        return POLICY_ALLOW;
    return -1;
}

int policy_strength_from_name(const char *name)
{
    if (name == NULL)
        return -1;
    if (strcmp(name, "weak") == 0)
        return INV_WEAK;
    if (strcmp(name, "medium") == 0)
        return INV_MEDIUM;
    if (strcmp(name, "strong") == 0)
        return INV_STRONG;
    return -1;
}

int policy_kind_from_name(const char *name)
{
    for (int k = 1; name && k < INV_KIND_COUNT_; k++)
        if (strcmp(name, inv_kind_name((enum inv_kind)k)) == 0)
            return k;
    return -1;
}

const char *policy_severity_name(enum policy_severity s)
{
    switch (s) {
    case POLICY_ERROR: return "error";
    case POLICY_WARNING: return "warning";
    default: return "note";
    }
}

/* The evidence attributes of the inventory contract (inventory.h) with the
 * strength collectors usually give them. */
static const struct {
    const char *name;
    uint8_t strength;
} attribute_table[] = {
    {"package.name", INV_MEDIUM},      {"package.maintainer", INV_MEDIUM}, {"package.vendor", INV_MEDIUM},
    {"package.homepage", INV_MEDIUM},  {"registry.publisher", INV_MEDIUM}, {"registry.name", INV_WEAK},
    {"registry.url", INV_MEDIUM},      {"path", INV_WEAK},                 {"pe.company", INV_WEAK},
    {"pe.product", INV_WEAK},          {"signer.subject", INV_STRONG},     {"bundle.id", INV_MEDIUM},
    {"bundle.name", INV_WEAK},         {"elf.package", INV_MEDIUM},        {"kmod.author", INV_WEAK},
    {"kmod.signer", INV_MEDIUM},       {"extension.id", INV_MEDIUM},       {"extension.name", INV_WEAK},
    {"cert.subject", INV_MEDIUM},      {"usb.vendor_id", INV_MEDIUM},      {"usb.vendor_name", INV_WEAK},
    {"pci.vendor_id", INV_MEDIUM},     {"pci.vendor_name", INV_WEAK},      {"mac.org", INV_WEAK},
};

enum inv_strength policy_attribute_strength(const char *attribute)
{
    for (size_t i = 0; attribute && i < sizeof attribute_table / sizeof *attribute_table; i++)
        if (strcmp(attribute, attribute_table[i].name) == 0)
            return (enum inv_strength)attribute_table[i].strength;
    return INV_NONE;
}

/* ---- dates ---------------------------------------------------------------------------- */

policy_day policy_day_from_civil(int year, int month, int day)
{
    /* days since 1970-01-01: count from 0000-03-01 in 400-year eras so the
       leap day ends a year */
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = month > 2 ? month - 3 : month + 9;
    int doy = (153 * mp + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (policy_day)(era * 146097 + doe - 719468);
}

static void civil_from_day(policy_day d, int *year, int *month, int *day)
{
    int z = d + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

static int days_in_month(int year, int month)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : n[month - 1];
}

bool policy_parse_date(const char *s, policy_day *out)
{
    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *out = policy_day_from_civil(y, m, d);
    return true;
}

void policy_format_date(policy_day d, char *buf, size_t size)
{
    if (d == POLICY_NO_DAY) {
        snprintf(buf, size, "-");
        return;
    }
    int y, m, dd;
    civil_from_day(d, &y, &m, &dd);
    snprintf(buf, size, "%04d-%02d-%02d", y, m, dd);
}

policy_day policy_today(void)
{
    time_t t = time(NULL);
    return (policy_day)(t >= 0 ? t / 86400 : 0);
}

/* ---- YAML into a node tree -------------------------------------------------------------- */

enum { Y_SCALAR = 1, Y_SEQ, Y_MAP };

struct ynode {
    uint8_t type;
    bool plain;               /* an unquoted scalar */
    const char *value;        /* scalars: NUL-terminated */
    size_t len;
    struct ynode **kids;      /* sequence items; mapping keys and values alternating */
    size_t n;
    struct policy_loc loc;
};

typedef UTIL_VEC(struct ynode *) ynode_vec;

struct yframe {
    struct ynode *node;
    ynode_vec kids;
};

struct ybuilder {
    struct policy *p;
    struct yframe stack[POLICY_MAX_DEPTH];
    size_t depth;
    size_t nodes;
    struct ynode *root;
    bool failed;
};

static struct policy_loc mark_loc(yaml_mark_t m)
{
    return (struct policy_loc){(uint32_t)m.line + 1, (uint32_t)m.column + 1};
}

static struct ynode *ynode_new(struct ybuilder *b, uint8_t type, yaml_mark_t at)
{
    if (++b->nodes > POLICY_MAX_NODES) {
        policy_add_diag(b->p, POLICY_ERROR, mark_loc(at), "more than %d YAML nodes", POLICY_MAX_NODES);
        return NULL;
    }
    struct ynode *n = util_arena_alloc(&b->p->arena, sizeof *n);
    if (n) {
        n->type = type;
        n->loc = mark_loc(at);
    }
    return n;
}

/* Hang a finished node under the open container (or make it the root). */
static bool ynode_attach(struct ybuilder *b, struct ynode *n)
{
    if (b->depth == 0) {
        b->root = n;
        return true;
    }
    return util_vec_push(&b->stack[b->depth - 1].kids, n) == 0;
}

static bool on_scalar(struct ybuilder *b, const yaml_event_t *ev)
{
    struct ynode *n = ynode_new(b, Y_SCALAR, ev->start_mark);
    if (n == NULL)
        return false;
    n->len = ev->data.scalar.length;
    n->value = util_arena_strndup(&b->p->arena, (const char *)ev->data.scalar.value, n->len);
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return n->value && ynode_attach(b, n);
}

static bool on_open(struct ybuilder *b, uint8_t type, yaml_mark_t at)
{
    if (b->depth >= POLICY_MAX_DEPTH) {
        policy_add_diag(b->p, POLICY_ERROR, mark_loc(at), "nesting deeper than %d levels", POLICY_MAX_DEPTH);
        return false;
    }
    struct ynode *n = ynode_new(b, type, at);
    if (n == NULL)
        return false;
    b->stack[b->depth] = (struct yframe){.node = n};
    b->depth++;
    return true;
}

static bool on_close(struct ybuilder *b)
{
    struct yframe *f = &b->stack[--b->depth];
    struct ynode *n = f->node;
    bool ok = true;
    if (f->kids.n) {
        n->kids = util_arena_alloc(&b->p->arena, f->kids.n * sizeof *n->kids);
        if (n->kids) {
            memcpy(n->kids, f->kids.v, f->kids.n * sizeof *n->kids);
            n->n = f->kids.n;
        } else {
            ok = false;
        }
    }
    util_vec_free(&f->kids);
    return ok && ynode_attach(b, n);
}

/* One event; false stops the parse (an error was recorded, or OOM). */
static bool on_event(struct ybuilder *b, const yaml_event_t *ev, int *documents)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++*documents > 1) {
            policy_add_diag(b->p, POLICY_ERROR, mark_loc(ev->start_mark), "a policy is one YAML document; found a second");
            return false;
        }
        return true;
    case YAML_ALIAS_EVENT:
        policy_add_diag(b->p, POLICY_ERROR, mark_loc(ev->start_mark), "YAML aliases (*name) are not supported in policies");
        return false;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_open(b, Y_SEQ, ev->start_mark);
    case YAML_MAPPING_START_EVENT:
        return on_open(b, Y_MAP, ev->start_mark);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return b->depth > 0 && on_close(b);
    default:
        return true;
    }
}

static void builder_free(struct ybuilder *b)
{
    while (b->depth > 0) {
        b->depth--;
        util_vec_free(&b->stack[b->depth].kids);
    }
}

/* Parse the text into b->root. False after recording an error. */
static bool yaml_to_tree(struct ybuilder *b, const char *text, size_t len)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        policy_add_diag(b->p, POLICY_ERROR, no_loc(), "out of memory");
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int documents = 0;
    bool ok = true, done = false;
    while (ok && !done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            struct policy_loc at = mark_loc(parser.problem_mark), from = mark_loc(parser.context_mark);
            if (parser.context)
                policy_add_diag(b->p, POLICY_ERROR, at, "YAML syntax: %s %s (from line %u, column %u)",
                            parser.problem ? parser.problem : "malformed input", parser.context, from.line,
                            from.column);
            else
                policy_add_diag(b->p, POLICY_ERROR, at, "YAML syntax: %s",
                            parser.problem ? parser.problem : "malformed input");
            ok = false;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        ok = on_event(b, &ev, &documents);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    builder_free(b);
    if (ok && b->root == NULL) {
        policy_add_diag(b->p, POLICY_ERROR, no_loc(), "empty policy (expected a mapping with format, id and entries)");
        ok = false;
    }
    return ok;
}

/* ---- reading nodes ------------------------------------------------------------------------- */

static bool is_null(const struct ynode *n)
{
    if (n == NULL)
        return true;
    if (n->type != Y_SCALAR || !n->plain)
        return false;
    return n->len == 0 || strcmp(n->value, "~") == 0 || strcmp(n->value, "null") == 0 ||
           strcmp(n->value, "Null") == 0 || strcmp(n->value, "NULL") == 0;
}

static const char *type_name(const struct ynode *n)
{
    if (is_null(n))
        return "nothing";
    return n->type == Y_MAP ? "a mapping" : n->type == Y_SEQ ? "a list" : "a scalar";
}

/* A mapping's value for `key`, NULL when absent. */
static const struct ynode *get(const struct ynode *map, const char *key)
{
    if (map == NULL || map->type != Y_MAP)
        return NULL;
    for (size_t i = 0; i + 1 < map->n; i += 2)
        if (map->kids[i]->type == Y_SCALAR && strcmp(map->kids[i]->value, key) == 0)
            return map->kids[i + 1];
    return NULL;
}

/* Check a mapping's keys: scalars, known, not repeated. */
static void check_keys(struct policy *p, const struct ynode *map, const char *const *known, const char *what)
{
    const struct ynode *first[32] = {0}; /* the first key of each known name */
    for (size_t i = 0; i + 1 < map->n; i += 2) {
        const struct ynode *k = map->kids[i];
        if (k->type != Y_SCALAR) {
            policy_add_diag(p, POLICY_ERROR, k->loc, "%s: a key must be a plain name, not %s", what, type_name(k));
            continue;
        }
        size_t which = 0;
        while (known[which] && strcmp(k->value, known[which]) != 0)
            which++;
        if (!known[which]) {
            char list[512] = "";
            size_t used = 0;
            for (size_t j = 0; known[j] && used < sizeof list; j++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "", known[j]);
            policy_add_diag(p, POLICY_ERROR, k->loc, "unknown field '%s' in %s (known: %s)", k->value, what, list);
            continue;
        }
        if (which < 32 && first[which])
            policy_add_diag(p, POLICY_ERROR, k->loc, "duplicate field '%s' in %s (first at line %u)", k->value, what,
                        first[which]->loc.line);
        else if (which < 32)
            first[which] = k;
    }
}

/* A mapping, or NULL after an error. */
static const struct ynode *want_map(struct policy *p, const struct ynode *n, const char *what)
{
    if (n && n->type == Y_MAP)
        return n;
    if (n)
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s: expected a mapping, found %s", what, type_name(n));
    return NULL;
}

static const struct ynode *want_list(struct policy *p, const struct ynode *n, const char *what)
{
    if (n && n->type == Y_SEQ)
        return n;
    if (n)
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s: expected a list, found %s", what, type_name(n));
    return NULL;
}

/* A non-empty text value; NULL (and an error when required or malformed). */
static const char *want_text(struct policy *p, const struct ynode *n, struct policy_loc parent, const char *what,
                             bool required)
{
    if (is_null(n) || (n->type == Y_SCALAR && n->len == 0)) {
        if (required)
            policy_add_diag(p, POLICY_ERROR, n ? n->loc : parent, "%s is required", what);
        return NULL;
    }
    if (n->type != Y_SCALAR) {
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s: expected text, found %s", what, type_name(n));
        return NULL;
    }
    if (n->len != strlen(n->value)) {
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s: contains a NUL character", what);
        return NULL;
    }
    return n->value;
}

static bool id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > POLICY_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '-' && c != '_' && c != '.')))
            return false;
    }
    return true;
}

/* An identifier: letters, digits, '-', '_', '.', starting with a letter or digit. */
static const char *want_id(struct policy *p, const struct ynode *n, struct policy_loc parent, const char *what,
                           bool required)
{
    const char *s = want_text(p, n, parent, what, required);
    if (s && !id_ok(s)) {
        policy_add_diag(p, POLICY_ERROR, n->loc,
                    "%s '%s': ids are 1-%d letters, digits, '-', '_' or '.', starting with a letter or digit", what,
                    s, POLICY_MAX_ID);
        return NULL;
    }
    return s;
}

static const char *want_url(struct policy *p, const struct ynode *n, struct policy_loc parent, const char *what,
                            bool required)
{
    const char *s = want_text(p, n, parent, what, required);
    if (s == NULL)
        return NULL;
    bool scheme = strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
    if (!scheme || strpbrk(s, " \t\r\n") || strlen(s) < 10) {
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s '%s': expected an http:// or https:// URL", what, s);
        return NULL;
    }
    return s;
}

/* A date; POLICY_NO_DAY when absent (error when required) or malformed. */
static policy_day want_date(struct policy *p, const struct ynode *n, struct policy_loc parent, const char *what,
                            bool required)
{
    const char *s = want_text(p, n, parent, what, required);
    policy_day d;
    if (s == NULL)
        return POLICY_NO_DAY;
    if (!policy_parse_date(s, &d)) {
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s '%s' is not a date (expected YYYY-MM-DD, a real calendar day)",
                    what, s);
        return POLICY_NO_DAY;
    }
    return d;
}

static bool want_bool(struct policy *p, const struct ynode *n, const char *what, bool *out)
{
    if (n && n->type == Y_SCALAR && n->plain && (strcmp(n->value, "true") == 0 || strcmp(n->value, "false") == 0)) {
        *out = n->value[0] == 't';
        return true;
    }
    if (n)
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s: expected true or false", what);
    return false;
}

/* A decimal integer in [0, max]; -1 after an error. */
static int32_t want_uint(struct policy *p, const struct ynode *n, int32_t max, const char *what)
{
    const char *s = want_text(p, n, no_loc(), what, true);
    if (s == NULL)
        return -1;
    int64_t v = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9' && v <= max; i++)
        v = v * 10 + (s[i] - '0');
    if (i == 0 || s[i] != '\0' || v > max) {
        policy_add_diag(p, POLICY_ERROR, n->loc, "%s '%s': expected a whole number from 0 to %d", what, s, (int)max);
        return -1;
    }
    return (int32_t)v;
}

/* A small open-addressing map from id to index, so duplicate and reference
 * checks stay linear however long the lists are. Lives in the arena. */
struct idmap {
    const char **keys;
    size_t *values;
    size_t cap;                /* a power of two, more than twice the ids */
};

static bool idmap_init(struct policy *p, struct idmap *m, size_t n)
{
    m->cap = 16;
    while (m->cap < 2 * n + 16)
        m->cap *= 2;
    m->keys = util_arena_alloc(&p->arena, m->cap * sizeof *m->keys);
    m->values = util_arena_alloc(&p->arena, m->cap * sizeof *m->values);
    if (m->keys == NULL || m->values == NULL) {
        m->cap = 0;
        policy_add_diag(p, POLICY_ERROR, no_loc(), "out of memory");
        return false;
    }
    return true;
}

/* The slot of `id`: where it is, or the empty slot it would take. */
static size_t idmap_slot(const struct idmap *m, const char *id)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *c = (const unsigned char *)id; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    size_t i = (size_t)h & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], id) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* The index stored for id, or SIZE_MAX. */
static size_t idmap_get(const struct idmap *m, const char *id)
{
    if (m->cap == 0)
        return SIZE_MAX;
    size_t i = idmap_slot(m, id);
    return m->keys[i] ? m->values[i] : SIZE_MAX;
}

/* Add id -> value; returns the earlier value when id was there (and keeps
 * it), SIZE_MAX when it is new. The map never fills: cap > 2 * n. */
static size_t idmap_put(struct idmap *m, const char *id, size_t value)
{
    if (m->cap == 0)
        return SIZE_MAX;
    size_t i = idmap_slot(m, id);
    if (m->keys[i])
        return m->values[i];
    m->keys[i] = id;
    m->values[i] = value;
    return SIZE_MAX;
}

/* A list of ids (vendor, product, source, tag) into *out. */
static void want_refs(struct policy *p, const struct ynode *n, const char *what, policy_refs *out)
{
    const struct ynode *list = want_list(p, n, what);
    struct idmap seen;
    if (list == NULL || list->n == 0 || !idmap_init(p, &seen, list->n))
        return;
    for (size_t i = 0; i < list->n; i++) {
        const char *id = want_id(p, list->kids[i], list->loc, what, true);
        if (id == NULL)
            continue;
        if (idmap_put(&seen, id, i) != SIZE_MAX)
            policy_add_diag(p, POLICY_ERROR, list->kids[i]->loc, "%s: '%s' is listed twice", what, id);
        else if (util_vec_push(out, ((struct policy_ref){id, list->kids[i]->loc})) != 0)
            policy_add_diag(p, POLICY_ERROR, no_loc(), "out of memory");
    }
}

/* ---- the policy's parts ---------------------------------------------------------------------- */

/* Sources into p->sources; their ids into *ids (index into p->sources). */
static void parse_sources(struct policy *p, const struct ynode *n, struct idmap *ids)
{
    static const char *const known[] = {"id", "title", "url", "accessed", NULL};
    const struct ynode *list = want_list(p, n, "sources");
    if (list == NULL || !idmap_init(p, ids, list->n))
        return;
    for (size_t i = 0; i < list->n; i++) {
        const struct ynode *m = want_map(p, list->kids[i], "source");
        if (m == NULL)
            continue;
        check_keys(p, m, known, "source");
        struct policy_source s = {
            .id = want_id(p, get(m, "id"), m->loc, "source id", true),
            .title = want_text(p, get(m, "title"), m->loc, "source title", true),
            .url = want_url(p, get(m, "url"), m->loc, "source url", true),
            .loc = m->loc,
        };
        if (get(m, "accessed") && want_date(p, get(m, "accessed"), m->loc, "source accessed", false) != POLICY_NO_DAY)
            s.accessed = get(m, "accessed")->value;
        if (s.id == NULL)
            continue;
        size_t first = idmap_put(ids, s.id, p->sources.n);
        if (first != SIZE_MAX)
            policy_add_diag(p, POLICY_ERROR, get(m, "id")->loc, "duplicate source id '%s' (first at line %u)", s.id,
                        p->sources.v[first].loc.line);
        else if (util_vec_push(&p->sources, s) != 0)
            policy_add_diag(p, POLICY_ERROR, no_loc(), "out of memory");
    }
}

static void parse_instrument(struct policy *p, const struct ynode *n, struct policy_entry *e)
{
    static const char *const known[] = {"name", "article", "date", "link", "binding", NULL};
    const struct ynode *m = want_map(p, n, "instrument");
    if (m == NULL)
        return;
    check_keys(p, m, known, "instrument");
    struct policy_instrument *in = &e->instrument;
    in->present = true;
    in->loc = m->loc;
    in->name = want_text(p, get(m, "name"), m->loc, "instrument name", true);
    in->article = want_text(p, get(m, "article"), m->loc, "instrument article", false);
    in->day = want_date(p, get(m, "date"), m->loc, "instrument date", false);
    if (in->day != POLICY_NO_DAY)
        in->date = get(m, "date")->value;
    in->link = want_url(p, get(m, "link"), m->loc, "instrument link", false);
    const struct ynode *b = get(m, "binding");
    in->binding_loc = b ? b->loc : m->loc;
    if (b == NULL)
        policy_add_diag(p, POLICY_ERROR, m->loc, "instrument binding is required (true: binding, false: advisory)");
    else
        (void)want_bool(p, b, "instrument binding", &in->binding);
}

/* A list of names mapped to bits through `lookup`. */
static uint32_t want_bits(struct policy *p, const struct ynode *n, const char *what, int (*lookup)(const char *),
                          const char *known_list)
{
    uint32_t bits = 0;
    const struct ynode *list = want_list(p, n, what);
    for (size_t i = 0; list && i < list->n; i++) {
        const char *s = want_text(p, list->kids[i], list->loc, what, true);
        if (s == NULL)
            continue;
        int v = lookup(s);
        if (v < 0 || v > 31)
            policy_add_diag(p, POLICY_ERROR, list->kids[i]->loc, "unknown %s '%s' (known: %s)", what, s, known_list);
        else
            bits |= 1u << v;
    }
    if (list && list->n == 0)
        policy_add_diag(p, POLICY_ERROR, list->loc, "%s: an empty list selects nothing; leave the field out instead",
                    what);
    return bits;
}

static void parse_rule(struct policy *p, const struct ynode *n, struct policy_subject *s)
{
    static const char *const known[] = {"attribute", "equals", "prefix", "suffix", "contains", NULL};
    static const char *const ops[] = {"equals", "prefix", "suffix", "contains"};
    const struct ynode *m = want_map(p, n, "match rule");
    if (m == NULL)
        return;
    check_keys(p, m, known, "match rule");
    struct policy_rule r = {.loc = m->loc};
    r.attribute = want_text(p, get(m, "attribute"), m->loc, "match attribute", true);
    if (r.attribute) {
        r.attribute_strength = (uint8_t)policy_attribute_strength(r.attribute);
        if (r.attribute_strength == INV_NONE) {
            policy_add_diag(p, POLICY_ERROR, get(m, "attribute")->loc,
                        "unknown evidence attribute '%s' (see the attribute table in docs/policy.md)", r.attribute);
            r.attribute = NULL;
        }
    }
    int count = 0;
    for (int i = 0; i < 4; i++) {
        const struct ynode *v = get(m, ops[i]);
        if (v == NULL)
            continue;
        count++;
        r.op = (enum policy_op)(i + 1);
        r.value = want_text(p, v, m->loc, ops[i], true);
    }
    if (count != 1) {
        policy_add_diag(p, POLICY_ERROR, m->loc, "a match rule needs exactly one of equals, prefix, suffix, contains");
        return;
    }
    if (r.attribute && r.value && util_vec_push(&s->match, r) != 0)
        policy_add_diag(p, POLICY_ERROR, no_loc(), "out of memory");
}

static int kind_lookup(const char *s)
{
    return policy_kind_from_name(s);
}

static void parse_subject(struct policy *p, const struct ynode *n, struct policy_entry *e)
{
    static const char *const known[] = {"vendors", "products", "categories", "kinds", "match", NULL};
    const struct ynode *m = want_map(p, n, "subject");
    if (m == NULL)
        return;
    check_keys(p, m, known, "subject");
    struct policy_subject *s = &e->subject;
    s->loc = m->loc;
    want_refs(p, get(m, "vendors"), "subject vendor", &s->vendors);
    want_refs(p, get(m, "products"), "subject product", &s->products);
    if (get(m, "categories")) {
        s->categories_loc = get(m, "categories")->loc;
        s->categories = want_bits(p, get(m, "categories"), "category", policy_category_from_name,
                                  "endpoint-protection, video-surveillance, telecom-equipment, network-equipment, "
                                  "two-way-radio, mobile-device, telecom-service, vpn, browser-extension, other");
    }
    if (get(m, "kinds")) {
        s->kinds_loc = get(m, "kinds")->loc;
        s->kinds = want_bits(p, get(m, "kinds"), "kind", kind_lookup,
                             "package, program, service, driver, kernel-module, app-bundle, executable, "
                             "browser-extension, certificate, usb-device, pci-device, network-interface, "
                             "network-neighbour");
    }
    const struct ynode *rules = want_list(p, get(m, "match"), "match");
    for (size_t i = 0; rules && i < rules->n; i++)
        parse_rule(p, rules->kids[i], s);
    /* a selector given but malformed, or whose items were all bad, was
       reported already */
    bool listed = false;
    static const char *const selectors[] = {"vendors", "products", "match"};
    for (int i = 0; i < 3; i++) {
        const struct ynode *l = get(m, selectors[i]);
        listed = listed || (!is_null(l) && !(l->type == Y_SEQ && l->n == 0));
    }
    if (s->vendors.n == 0 && s->products.n == 0 && s->match.n == 0 && !listed)
        policy_add_diag(p, POLICY_ERROR, m->loc, "entry '%s': the subject selects nothing (give vendors, products or match)",
                    e->id ? e->id : "?");
}

static void parse_scope(struct policy *p, const struct ynode *n, struct policy_entry *e)
{
    static const char *const known[] = {"host_tags", NULL};
    const struct ynode *m = want_map(p, n, "scope");
    if (m == NULL)
        return;
    check_keys(p, m, known, "scope");
    e->scope_loc = m->loc;
    want_refs(p, get(m, "host_tags"), "host tag", &e->host_tags);
    if (e->host_tags.n == 0 && get(m, "host_tags") == NULL)
        policy_add_diag(p, POLICY_ERROR, m->loc, "scope needs host_tags (leave scope out to cover every host)");
    else if (e->host_tags.n == 0 && get(m, "host_tags")->type == Y_SEQ)
        policy_add_diag(p, POLICY_ERROR, m->loc, "scope: an empty host_tags list covers no host");
}

static void parse_replacement(struct policy *p, const struct ynode *n, struct policy_entry *e)
{
    static const char *const known[] = {"category", "from", NULL};
    const struct ynode *m = want_map(p, n, "replacement");
    if (m == NULL)
        return;
    check_keys(p, m, known, "replacement");
    e->replacement.loc = m->loc;
    const char *cat = want_text(p, get(m, "category"), m->loc, "replacement category", true);
    int c = policy_category_from_name(cat);
    if (cat && c < 0)
        policy_add_diag(p, POLICY_ERROR, get(m, "category")->loc, "unknown replacement category '%s'", cat);
    const char *from = want_text(p, get(m, "from"), m->loc, "replacement from", false);
    if (from && strcmp(from, "allowed") != 0) {
        policy_add_diag(p, POLICY_ERROR, get(m, "from")->loc,
                    "replacement from '%s': the only value is 'allowed' (a vendor this policy does not exclude)", from);
        return;
    }
    if (c >= 0) {
        e->replacement.present = true;
        e->replacement.category = (enum policy_category)c;
    }
}

static void parse_milestones(struct policy *p, const struct ynode *n, struct policy_entry *e)
{
    static const char *const known[] = {"days", "date", "action", NULL};
    const struct ynode *list = want_list(p, n, "milestones");
    for (size_t i = 0; list && i < list->n; i++) {
        const struct ynode *m = want_map(p, list->kids[i], "milestone");
        if (m == NULL)
            continue;
        check_keys(p, m, known, "milestone");
        struct policy_milestone ms = {.days = -1, .day = POLICY_NO_DAY, .loc = m->loc};
        ms.action = want_text(p, get(m, "action"), m->loc, "milestone action", true);
        const struct ynode *days = get(m, "days"), *date = get(m, "date");
        if ((days == NULL) == (date == NULL)) {
            policy_add_diag(p, POLICY_ERROR, m->loc, "a milestone needs exactly one of days (after effective) or date");
            continue;
        }
        if (date) {
            ms.day = want_date(p, date, m->loc, "milestone date", true);
        } else {
            ms.days = want_uint(p, days, 36500, "milestone days");
            if (ms.days >= 0 && e->effective == POLICY_NO_DAY)
                policy_add_diag(p, POLICY_ERROR, days->loc, "milestone days: the entry has no effective date to count from");
            else if (ms.days >= 0)
                ms.day = e->effective + ms.days;
        }
        if (ms.action && ms.day != POLICY_NO_DAY && util_vec_push(&e->milestones, ms) != 0)
            policy_add_diag(p, POLICY_ERROR, no_loc(), "out of memory");
    }
}

/* effective, deadline / deadline_days; the deadline must not precede effective. */
static void parse_dates(struct policy *p, const struct ynode *m, struct policy_entry *e)
{
    const struct ynode *eff = get(m, "effective"), *dl = get(m, "deadline"), *dd = get(m, "deadline_days");
    e->effective = want_date(p, eff, m->loc, "effective", false);
    e->effective_loc = eff ? eff->loc : m->loc;
    e->deadline_days = -1;
    if (dl && dd) {
        policy_add_diag(p, POLICY_ERROR, dd->loc, "give deadline or deadline_days, not both");
        return;
    }
    if (dl) {
        e->deadline_loc = dl->loc;
        e->deadline = want_date(p, dl, m->loc, "deadline", false);
    } else if (dd) {
        e->deadline_loc = dd->loc;
        e->deadline_days = want_uint(p, dd, 36500, "deadline_days");
        if (e->deadline_days >= 0 && e->effective == POLICY_NO_DAY && eff == NULL)
            policy_add_diag(p, POLICY_ERROR, dd->loc, "deadline_days needs an effective date to count from");
        else if (e->deadline_days >= 0 && e->effective != POLICY_NO_DAY)
            e->deadline = e->effective + e->deadline_days;
    }
    if (e->deadline != POLICY_NO_DAY && e->effective != POLICY_NO_DAY && e->deadline < e->effective) {
        char a[16], b[16];
        policy_format_date(e->deadline, a, sizeof a);
        policy_format_date(e->effective, b, sizeof b);
        policy_add_diag(p, POLICY_ERROR, e->deadline_loc, "deadline %s is before the effective date %s", a, b);
    }
}

static void parse_entry(struct policy *p, const struct ynode *m, struct policy_entry *e)
{
    static const char *const known[] = {"id", "title", "notes", "instrument", "evidence", "subject",
                                        "min_strength", "verdict", "scope", "effective", "deadline",
                                        "deadline_days", "milestones", "replacement", NULL};
    check_keys(p, m, known, "entry");
    e->loc = m->loc;
    e->effective = e->deadline = POLICY_NO_DAY;
    e->min_strength = INV_MEDIUM;
    e->id = want_id(p, get(m, "id"), m->loc, "entry id", true);
    e->title = want_text(p, get(m, "title"), m->loc, "entry title", true);
    e->notes = want_text(p, get(m, "notes"), m->loc, "notes", false);

    const struct ynode *v = get(m, "verdict");
    e->verdict_loc = v ? v->loc : m->loc;
    const char *vs = want_text(p, v, m->loc, "verdict", true);
    int verdict = vs ? verdict_from_name(vs) : -1;
    if (vs && verdict < 0)
        policy_add_diag(p, POLICY_ERROR, v->loc, "unknown verdict '%s' (exclude, review or allow)", vs);
    e->verdict = verdict > 0 ? (enum policy_verdict)verdict : POLICY_VERDICT_NONE;

    const struct ynode *ms = get(m, "min_strength");
    e->strength_loc = ms ? ms->loc : m->loc;
    const char *ss = want_text(p, ms, m->loc, "min_strength", false);
    if (ss && policy_strength_from_name(ss) < 0)
        policy_add_diag(p, POLICY_ERROR, ms->loc, "unknown min_strength '%s' (weak, medium or strong)", ss);
    else if (ss)
        e->min_strength = (uint8_t)policy_strength_from_name(ss);

    if (get(m, "instrument"))
        parse_instrument(p, get(m, "instrument"), e);
    want_refs(p, get(m, "evidence"), "evidence", &e->evidence);
    if (get(m, "subject"))
        parse_subject(p, get(m, "subject"), e);
    else
        policy_add_diag(p, POLICY_ERROR, m->loc, "entry '%s': subject is required", e->id ? e->id : "?");
    if (get(m, "scope"))
        parse_scope(p, get(m, "scope"), e);
    parse_dates(p, m, e);
    if (get(m, "milestones"))
        parse_milestones(p, get(m, "milestones"), e);
    if (get(m, "replacement"))
        parse_replacement(p, get(m, "replacement"), e);
}

/* The checks across fields and entries: ids unique, evidence cited for
 * exclusions, evidence ids known. */
static void check_entry(struct policy *p, const struct policy_entry *e, const struct ynode *m,
                        struct idmap *entry_ids, const struct idmap *source_ids)
{
    const char *id = e->id ? e->id : "?";
    size_t first = e->id ? idmap_put(entry_ids, e->id, e->index) : SIZE_MAX;
    if (first != SIZE_MAX)
        policy_add_diag(p, POLICY_ERROR, get(m, "id")->loc, "duplicate entry id '%s' (first at line %u)", e->id,
                    p->entries.v[first].loc.line);
    if (e->verdict == POLICY_EXCLUDE && !e->instrument.present)
        policy_add_diag(p, POLICY_ERROR, e->verdict_loc,
                    "entry '%s': exclude without an instrument (name the directive, law or decision it applies)", id);
    if (e->verdict == POLICY_EXCLUDE && e->evidence.n == 0)
        policy_add_diag(p, POLICY_ERROR, e->verdict_loc,
                    "entry '%s': exclude without evidence (list the ids of the sources the decision rests on)", id);
    for (size_t i = 0; i < e->evidence.n; i++) {
        if (idmap_get(source_ids, e->evidence.v[i].value) == SIZE_MAX)
            policy_add_diag(p, POLICY_ERROR, e->evidence.v[i].loc, "entry '%s': evidence '%s' is not a source id", id,
                        e->evidence.v[i].value);
    }
}

static void parse_entries(struct policy *p, const struct ynode *n, const struct idmap *source_ids)
{
    const struct ynode *list = want_list(p, n, "entries");
    if (list == NULL)
        return;
    if (util_vec_reserve(&p->entries, list->n) != 0) {
        policy_add_diag(p, POLICY_ERROR, no_loc(), "out of memory");
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct ynode *m = want_map(p, list->kids[i], "entry");
        if (m == NULL)
            continue;
        struct policy_entry *e = &p->entries.v[p->entries.n];
        memset(e, 0, sizeof *e);
        e->index = p->entries.n++;
        parse_entry(p, m, e);
    }
    /* cross checks once every entry and source is known */
    struct idmap entry_ids;
    if (!idmap_init(p, &entry_ids, p->entries.n))
        return;
    for (size_t i = 0, k = 0; i < list->n; i++)
        if (list->kids[i]->type == Y_MAP)
            check_entry(p, &p->entries.v[k++], list->kids[i], &entry_ids, source_ids);
}

static void parse_top(struct policy *p, const struct ynode *root)
{
    static const char *const known[] = {"format", "id", "title", "catalog", "sources", "entries", NULL};
    const struct ynode *m = want_map(p, root, "policy");
    if (m == NULL)
        return;
    check_keys(p, m, known, "policy");
    const struct ynode *f = get(m, "format");
    const char *format = want_text(p, f, m->loc, "format", true);
    if (format && strcmp(format, POLICY_FORMAT) != 0)
        policy_add_diag(p, POLICY_ERROR, f->loc, "format '%s' is not supported (expected %s)", format, POLICY_FORMAT);
    p->id = want_id(p, get(m, "id"), m->loc, "policy id", true);
    p->title = want_text(p, get(m, "title"), m->loc, "policy title", false);
    const struct ynode *c = get(m, "catalog");
    p->catalog = want_text(p, c, m->loc, "catalog", false);
    p->catalog_loc = c ? c->loc : m->loc;
    struct idmap source_ids = {0};
    if (get(m, "sources"))
        parse_sources(p, get(m, "sources"), &source_ids);
    if (get(m, "entries"))
        parse_entries(p, get(m, "entries"), &source_ids);
    else
        policy_add_diag(p, POLICY_ERROR, m->loc, "entries is required (a list of decisions)");
}

/* ---- loading ------------------------------------------------------------------------------------ */

static int load_result(struct policy *p)
{
    if (p->errors == 0)
        return 0;
    for (size_t i = 0; i < p->diags.n; i++) {
        const struct policy_diag *d = &p->diags.v[i];
        if (d->severity != POLICY_ERROR)
            continue;
        if (p->errors > 1)
            return util_error(ASSAY_ESYNTAX, "%s:%u:%u: %s (and %zu more errors)", p->name, d->line, d->column,
                              d->message, p->errors - 1);
        return util_error(ASSAY_ESYNTAX, "%s:%u:%u: %s", p->name, d->line, d->column, d->message);
    }
    return util_error(ASSAY_ESYNTAX, "%s: %zu errors", p->name, p->errors);
}

int policy_load(struct policy *p, const char *name, const char *text, size_t len)
{
    memset(p, 0, sizeof *p);
    p->name = util_arena_strdup(&p->arena, name ? name : "policy");
    if (p->name == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    if (len > POLICY_MAX_BYTES) {
        policy_add_diag(p, POLICY_ERROR, no_loc(), "larger than %zu bytes", POLICY_MAX_BYTES);
        return util_error(ASSAY_ELIMIT, "%s: a policy is at most %zu bytes", p->name, POLICY_MAX_BYTES);
    }
    struct ybuilder b = {.p = p};
    if (yaml_to_tree(&b, text ? text : "", text ? len : 0))
        parse_top(p, b.root);
    return load_result(p);
}

/* Read a whole stream, at most POLICY_MAX_BYTES + 1 bytes. */
static int read_stream(FILE *f, const char *path, struct util_buf *out)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (util_buf_append(out, chunk, n) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
        if (out->len > POLICY_MAX_BYTES)
            return util_error(ASSAY_ELIMIT, "%s: a policy is at most %zu bytes", path, POLICY_MAX_BYTES);
    }
    if (ferror(f))
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    return 0;
}

int policy_load_file(struct policy *p, const char *path)
{
    memset(p, 0, sizeof *p);
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    struct util_buf b = {0};
    int rc = read_stream(f, is_stdin ? "stdin" : path, &b);
    if (!is_stdin)
        fclose(f);
    if (rc == 0)
        rc = policy_load(p, is_stdin ? "stdin" : path, (const char *)b.data, b.len);
    util_buf_free(&b);
    return rc;
}

int policy_load_default(struct policy *p)
{
    return policy_load(p, "builtin:example.yaml", assay_default_policy, (size_t)assay_default_policy_len);
}

bool policy_catalog_path(const struct policy *p, char *buf, size_t size)
{
    if (p->catalog == NULL || size == 0)
        return false;
    const char *slash = p->name ? strrchr(p->name, '/') : NULL;
    int n;
    if (p->catalog[0] == '/' || slash == NULL)
        n = snprintf(buf, size, "%s", p->catalog);
    else
        n = snprintf(buf, size, "%.*s/%s", (int)(slash - p->name), p->name, p->catalog);
    return n >= 0 && (size_t)n < size;
}

void policy_free(struct policy *p)
{
    for (size_t i = 0; i < p->entries.n; i++) {
        struct policy_entry *e = &p->entries.v[i];
        util_vec_free(&e->evidence);
        util_vec_free(&e->subject.vendors);
        util_vec_free(&e->subject.products);
        util_vec_free(&e->subject.match);
        util_vec_free(&e->host_tags);
        util_vec_free(&e->milestones);
    }
    util_vec_free(&p->entries);
    util_vec_free(&p->sources);
    util_vec_free(&p->diags);
    util_arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}

/* ---- evaluation ------------------------------------------------------------------------------------ */

struct policy_deadline policy_deadline_status(const struct policy_entry *e, policy_day today)
{
    struct policy_deadline d = {.state = POLICY_NO_DEADLINE, .date = e->deadline};
    if (e->effective != POLICY_NO_DAY && today < e->effective) {
        d.state = POLICY_NOT_YET_EFFECTIVE;
        d.days = e->effective - today;
        d.date = e->effective;
    } else if (e->deadline != POLICY_NO_DAY && today <= e->deadline) {
        d.state = POLICY_DUE;
        d.days = e->deadline - today;
    } else if (e->deadline != POLICY_NO_DAY) {
        d.state = POLICY_OVERDUE;
        d.days = today - e->deadline;
    }
    return d;
}

void policy_deadline_text(const struct policy_deadline *d, char *buf, size_t size)
{
    const char *s = d->days == 1 ? "" : "s";
    switch (d->state) {
    case POLICY_NOT_YET_EFFECTIVE:
        snprintf(buf, size, "not yet effective (in %d day%s)", (int)d->days, s);
        break;
    case POLICY_DUE:
        if (d->days == 0)
            snprintf(buf, size, "due today");
        else
            snprintf(buf, size, "due in %d day%s", (int)d->days, s);
        break;
    case POLICY_OVERDUE:
        snprintf(buf, size, "overdue by %d day%s", (int)d->days, s);
        break;
    default:
        snprintf(buf, size, "no deadline");
        break;
    }
}

const struct policy_milestone *policy_next_milestone(const struct policy_entry *e, policy_day today)
{
    const struct policy_milestone *best = NULL;
    for (size_t i = 0; i < e->milestones.n; i++) {
        const struct policy_milestone *m = &e->milestones.v[i];
        if (m->day >= today && (best == NULL || m->day < best->day))
            best = m;
    }
    return best;
}

bool policy_entry_in_scope(const struct policy_entry *e, const struct policy_context *ctx)
{
    if (e->host_tags.n == 0)
        return true;
    for (size_t i = 0; ctx && i < ctx->ntags; i++)
        for (size_t j = 0; j < e->host_tags.n; j++)
            if (ctx->host_tags[i] && strcmp(ctx->host_tags[i], e->host_tags.v[j].value) == 0)
                return true;
    return false;
}

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ieq_n(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

static bool rule_value_matches(const struct policy_rule *r, const char *v)
{
    size_t vn = strlen(v), rn = strlen(r->value);
    switch (r->op) {
    case POLICY_OP_EQUALS:
        return vn == rn && ieq_n(v, r->value, rn);
    case POLICY_OP_PREFIX:
        return vn >= rn && ieq_n(v, r->value, rn);
    case POLICY_OP_SUFFIX:
        return vn >= rn && ieq_n(v + vn - rn, r->value, rn);
    case POLICY_OP_CONTAINS:
        for (size_t i = 0; i + rn <= vn; i++)
            if (ieq_n(v + i, r->value, rn))
                return true;
        return false;
    }
    return false;
}

static bool refs_have(const policy_refs *refs, const char *id)
{
    for (size_t i = 0; id && i < refs->n; i++)
        if (strcmp(refs->v[i].value, id) == 0)
            return true;
    return false;
}

/* Keep the stronger of the current hit and a candidate. */
static void consider(struct policy_hit *best, bool *have, uint8_t basis, uint8_t strength,
                     const struct policy_rule *rule, int32_t evidence)
{
    if (*have && strength <= best->strength)
        return;
    *have = true;
    best->basis = basis;
    best->strength = strength;
    best->rule = rule;
    best->evidence = evidence;
}

/* The strongest way the subject covers the item at the entry's min_strength. */
static bool subject_hit(const struct policy_entry *e, const struct inv_item *it, const struct catalog_match *m,
                        struct policy_hit *hit)
{
    bool have = false;
    const struct policy_subject *s = &e->subject;
    bool attributed = m && m->vendor && m->nreasons > 0 && m->strength >= e->min_strength;
    if (attributed && m->product && refs_have(&s->products, m->product->id))
        consider(hit, &have, POLICY_BY_PRODUCT, m->strength, NULL, -1);
    if (attributed && refs_have(&s->vendors, m->vendor->id))
        consider(hit, &have, POLICY_BY_VENDOR, m->strength, NULL, -1);
    for (size_t r = 0; r < s->match.n; r++)
        for (size_t i = 0; i < it->evidence.n; i++) {
            const struct inv_evidence *ev = &it->evidence.v[i];
            if (ev->attribute && ev->value && ev->strength >= e->min_strength &&
                strcmp(ev->attribute, s->match.v[r].attribute) == 0 && rule_value_matches(&s->match.v[r], ev->value))
                consider(hit, &have, POLICY_BY_RULE, ev->strength, &s->match.v[r], (int32_t)i);
        }
    return have;
}

/* kinds and categories narrow the subject */
static bool filters_pass(const struct policy_entry *e, const struct inv_item *it, const struct catalog_match *m)
{
    const struct policy_subject *s = &e->subject;
    if (s->kinds && (it->kind >= 32 || !(s->kinds & (1u << it->kind))))
        return false;
    if (s->categories) {
        int c = m && m->vendor && m->product ? policy_category_from_name(m->product->category) : -1;
        if (c < 0 || !(s->categories & (1u << c)))
            return false;
    }
    return true;
}

bool policy_entry_matches(const struct policy_entry *e, const struct inv_item *it, const struct catalog_match *m,
                          policy_day today, struct policy_hit *hit)
{
    struct policy_hit h = {.entry = e, .evidence = -1};
    if (e->verdict == POLICY_VERDICT_NONE || !filters_pass(e, it, m) || !subject_hit(e, it, m, &h))
        return false;
    h.deadline = policy_deadline_status(e, today);
    if (hit)
        *hit = h;
    return true;
}

/* Does hit a come before hit b? More severe first, then file order. */
static bool precedes(const struct policy_hit *a, const struct policy_hit *b)
{
    if (a->entry->verdict != b->entry->verdict)
        return a->entry->verdict > b->entry->verdict;
    return a->entry->index < b->entry->index;
}

size_t policy_evaluate_all(const struct policy *p, const struct inv_item *it, const struct catalog_match *m,
                           const struct policy_context *ctx, struct policy_hit *hits, size_t max)
{
    size_t count = 0, kept = 0;
    policy_day today = ctx ? ctx->today : policy_today();
    for (size_t i = 0; i < p->entries.n; i++) {
        struct policy_hit h;
        const struct policy_entry *e = &p->entries.v[i];
        if (!policy_entry_in_scope(e, ctx) || !policy_entry_matches(e, it, m, today, &h))
            continue;
        count++;
        if (hits == NULL || max == 0)
            continue;
        /* insertion into the kept prefix, in precedence order */
        size_t at = kept;
        while (at > 0 && precedes(&h, &hits[at - 1]))
            at--;
        if (at >= max)
            continue;
        size_t last = kept < max ? kept : max - 1;
        memmove(&hits[at + 1], &hits[at], (last - at) * sizeof *hits);
        hits[at] = h;
        if (kept < max)
            kept++;
    }
    return count;
}

bool policy_evaluate(const struct policy *p, const struct inv_item *it, const struct catalog_match *m,
                     const struct policy_context *ctx, struct policy_result *out)
{
    memset(out, 0, sizeof *out);
    policy_day today = ctx ? ctx->today : policy_today();
    bool have = false;
    for (size_t i = 0; i < p->entries.n; i++) {
        struct policy_hit h;
        const struct policy_entry *e = &p->entries.v[i];
        if (!policy_entry_in_scope(e, ctx) || !policy_entry_matches(e, it, m, today, &h))
            continue;
        out->matching++;
        if (!have || precedes(&h, &out->hit)) {
            out->hit = h;
            have = true;
        }
        if (e->replacement.present && out->replacement == NULL)
            out->replacement = e;
    }
    /* the deciding entry's own rule comes first */
    if (have && out->hit.entry->replacement.present)
        out->replacement = out->hit.entry;
    return have;
}

bool policy_replacement_present(const struct policy *p, const struct policy_entry *rule_entry,
                                const struct inv_item *const *items, const struct catalog_match *matches, size_t n,
                                const struct policy_context *ctx, size_t *found)
{
    if (found)
        *found = SIZE_MAX;
    if (rule_entry == NULL || !rule_entry->replacement.present)
        return true;
    const char *want = policy_category_name(rule_entry->replacement.category);
    for (size_t i = 0; i < n; i++) {
        const struct catalog_match *m = &matches[i];
        if (m->vendor == NULL || m->product == NULL || m->nreasons == 0 || m->strength < INV_MEDIUM ||
            m->product->category == NULL || strcmp(m->product->category, want) != 0)
            continue;
        struct policy_result r;
        if (policy_evaluate(p, items[i], m, ctx, &r) && r.hit.entry->verdict == POLICY_EXCLUDE)
            continue;
        if (found)
            *found = i;
        return true;
    }
    return false;
}
