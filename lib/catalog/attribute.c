/* attribute.c — tying inventory items to catalog vendors and products from
 * their evidence (rules: docs/vendor-catalog.md, "Attribution").
 *
 * Each evidence entry is compared with the catalog facts of the kinds that
 * apply to its attribute: package names exactly (or by "prefix*"), bundle
 * ids by prefix, USB/PCI ids and extension ids exactly, MAC organisations
 * and signer subjects by normalised equality, URLs and e-mail addresses by
 * domain, and name-like values (publishers, company names, paths) by whole
 * words. A value containing a vendor's homonym never counts for that vendor.
 *
 * Speed: catalog_load calls catalog_index_build_ once; the index (in the
 * catalog's arena, struct catalog.index_) holds every
 * fact pre-normalised in three hash tables — name facts by their first word,
 * full normalised names, exact ids — plus short lists for prefixes and
 * domains. Attributing an item then costs a few hash look-ups per word of
 * each evidence value and allocates nothing. A catalog assembled by hand
 * (or changed after loading) is indexed into a temporary arena per call.
 *
 * Limits: evidence values are normalised into a CATALOG_NORM_MAX-byte buffer
 * (longer values are cut at a word boundary); an item contributes at most
 * MAX_CANDIDATES (evidence, vendor) pairs and one value at most MAX_HITS
 * matches; further ones are ignored. Non-ASCII letters are compared as bytes
 * (no Unicode case folding). */
#include "catalog/catalog.h"
#include "catalog/catalog_internal.h"

#include <string.h>

#define CATALOG_NORM_MAX 1024
#define MAX_HITS 64
#define MAX_BLOCKED 16
#define MAX_CANDIDATES 256
#define NO_PRODUCT (-1)

/* Private link with catalog.c (see there). */

/* ---- normalisation -------------------------------------------------------------- */

static bool ascii_alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static char ascii_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

/* Length of a UTF-8 sequence treated as punctuation (NBSP, (c), (R), TM), or 0. */
static size_t utf8_separator(const unsigned char *s, size_t left)
{
    if (left >= 2 && s[0] == 0xc2 && (s[1] == 0xa0 || s[1] == 0xa9 || s[1] == 0xae))
        return 2;
    if (left >= 3 && s[0] == 0xe2 && s[1] == 0x84 && s[2] == 0xa2)
        return 3;
    return 0;
}

/* Case-fold ASCII, turn punctuation into single spaces, trim: "Co.,Ltd." ->
 * "co ltd". Bytes >= 0x80 are kept as word bytes. Writes at most cap-1 bytes
 * plus a NUL; when the value does not fit, the cut word is dropped. */
static size_t normalize(const char *in, size_t n, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    bool space = false, cut = false;
    for (size_t i = 0; i < n;) {
        size_t sep = s[i] < 0x80 ? (ascii_alnum(s[i]) ? 0 : 1) : utf8_separator(s + i, n - i);
        if (sep > 0) {
            space = o > 0;
            i += sep;
            continue;
        }
        if (o + (space ? 2 : 1) >= cap) {
            cut = true;
            break;
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = ascii_lower((char)s[i++]);
    }
    if (cut) {
        while (o > 0 && out[o - 1] != ' ')
            o--;
        while (o > 0 && out[o - 1] == ' ')
            o--;
    }
    out[o] = '\0';
    return o;
}

/* ASCII lower-case copy (ids, package names, hosts); 0 when it does not fit. */
static size_t lower_copy(const char *s, size_t n, char *out, size_t cap)
{
    if (n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = ascii_lower(s[i]);
    out[n] = '\0';
    return n;
}

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* ---- the index ----------------------------------------------------------------- */

struct entry {
    const char *key;   /* normalised name, or lower-case id / prefix / domain */
    uint32_t keylen;
    uint32_t first;    /* token table: length of the key's first word */
    uint32_t next;     /* chain in a hash table; UINT32_MAX ends it */
    uint16_t vendor;
    int16_t product;   /* NO_PRODUCT: a vendor-level fact */
    uint8_t kind;      /* enum catalog_fact_kind */
    const struct catalog_fact *fact;
};

struct table {
    struct entry *e;
    uint32_t n;
    uint32_t mask;
    uint32_t *heads;
};

/* The lists an index keeps; a fact goes to one or two of them by kind. */
enum { T_TOKEN, T_FULL, T_EXACT, T_PKG_PREFIX, T_BUNDLE, T_DOMAIN, T_COUNT };

struct cat_index {
    struct table t[T_COUNT];
    size_t nvendors;
};

/* Which lists hold facts of `kind` (bit mask over T_*). */
static unsigned lists_of(enum catalog_fact_kind kind, const char *value)
{
    switch (kind) {
    case CF_LEGAL_NAME:
    case CF_SUBSIDIARY: return 1u << T_TOKEN | 1u << T_FULL;
    case CF_ALIAS:
    case CF_BRAND:
    case CF_HOMONYM: return 1u << T_TOKEN;
    case CF_SIGNING_SUBJECT:
    case CF_MAC_ORG: return 1u << T_FULL;
    case CF_PACKAGE_NAME: return value[0] && value[strlen(value) - 1] == '*' ? 1u << T_PKG_PREFIX : 1u << T_EXACT;
    case CF_USB_VENDOR:
    case CF_PCI_VENDOR:
    case CF_EXTENSION_ID: return 1u << T_EXACT;
    case CF_BUNDLE_PREFIX: return 1u << T_BUNDLE;
    case CF_DOMAIN: return 1u << T_DOMAIN;
    default: return 0;
    }
}

typedef int (*fact_visit)(void *ctx, uint16_t vendor, int16_t product, enum catalog_fact_kind kind,
                          const struct catalog_fact *f);

static int each_fact(const struct catalog *c, fact_visit fn, void *ctx)
{
    for (size_t v = 0; v < c->vendors.n; v++) {
        const struct catalog_vendor *vd = &c->vendors.v[v];
        for (int k = 0; k < CF_KIND_COUNT_; k++)
            for (size_t i = 0; i < vd->facts[k].n; i++)
                if (fn(ctx, (uint16_t)v, NO_PRODUCT, (enum catalog_fact_kind)k, &vd->facts[k].v[i]) != 0)
                    return -1;
        for (size_t p = 0; p < vd->products.n; p++)
            for (int k = 0; k < CF_KIND_COUNT_; k++)
                for (size_t i = 0; i < vd->products.v[p].match[k].n; i++)
                    if (fn(ctx, (uint16_t)v, (int16_t)p, (enum catalog_fact_kind)k, &vd->products.v[p].match[k].v[i]) !=
                        0)
                        return -1;
    }
    return 0;
}

struct build {
    struct util_arena *arena;
    struct cat_index *ix;
    bool fill; /* first pass counts, second fills */
};

/* The key a fact is stored under in list `t`. */
static const char *entry_key(struct build *b, int t, const struct catalog_fact *f, uint32_t *len)
{
    size_t n = strlen(f->value);
    char *key = util_arena_alloc(b->arena, n + 1);
    if (key == NULL)
        return NULL;
    if (t == T_TOKEN || t == T_FULL) {
        *len = (uint32_t)normalize(f->value, n, key, n + 1);
    } else {
        lower_copy(f->value, n, key, n + 1);
        if (t == T_PKG_PREFIX)
            key[--n] = '\0'; /* the '*' */
        *len = (uint32_t)n;
    }
    return key;
}

static int add_fact(void *ctx, uint16_t vendor, int16_t product, enum catalog_fact_kind kind,
                    const struct catalog_fact *f)
{
    struct build *b = ctx;
    unsigned lists = lists_of(kind, f->value);
    for (int t = 0; t < T_COUNT; t++) {
        if (!(lists & (1u << t)))
            continue;
        struct table *tb = &b->ix->t[t];
        if (!b->fill) {
            tb->n++;
            continue;
        }
        struct entry *e = &tb->e[tb->n++];
        e->key = entry_key(b, t, f, &e->keylen);
        if (e->key == NULL)
            return -1;
        const char *space = memchr(e->key, ' ', e->keylen);
        e->first = space ? (uint32_t)(space - e->key) : e->keylen;
        e->vendor = vendor;
        e->product = product;
        e->kind = (uint8_t)kind;
        e->fact = f;
        e->next = UINT32_MAX;
    }
    return 0;
}

/* Chain the entries of a hash table (T_TOKEN hashes the first word). */
static int hash_table(struct util_arena *arena, struct table *tb, bool by_first_word)
{
    uint32_t size = 8;
    while (size < 2 * tb->n)
        size *= 2;
    tb->heads = util_arena_alloc(arena, size * sizeof *tb->heads);
    if (tb->heads == NULL)
        return -1;
    tb->mask = size - 1;
    memset(tb->heads, 0xff, size * sizeof *tb->heads);
    for (uint32_t i = tb->n; i-- > 0;) {
        struct entry *e = &tb->e[i];
        uint32_t h = hash_bytes(e->key, by_first_word ? e->first : e->keylen) & tb->mask;
        e->next = tb->heads[h];
        tb->heads[h] = i;
    }
    return 0;
}

const void *catalog_index_build_(const struct catalog *c, struct util_arena *arena)
{
    struct cat_index *ix = util_arena_alloc(arena, sizeof *ix);
    if (ix == NULL || c->vendors.n > UINT16_MAX)
        return NULL;
    ix->nvendors = c->vendors.n;
    struct build b = {arena, ix, false};
    each_fact(c, add_fact, &b);
    for (int t = 0; t < T_COUNT; t++) {
        ix->t[t].e = util_arena_alloc(arena, (ix->t[t].n + 1) * sizeof(struct entry));
        if (ix->t[t].e == NULL)
            return NULL;
        ix->t[t].n = 0;
    }
    b.fill = true;
    if (each_fact(c, add_fact, &b) != 0)
        return NULL;
    if (hash_table(arena, &ix->t[T_TOKEN], true) != 0 || hash_table(arena, &ix->t[T_FULL], false) != 0 ||
        hash_table(arena, &ix->t[T_EXACT], false) != 0)
        return NULL;
    return ix;
}

/* ---- matching one evidence value ---------------------------------------------- */

struct hit {
    const struct entry *e;
    uint8_t strength;
};

/* What one evidence value matched, and the vendors it must not count for. */
struct value_hits {
    struct hit h[MAX_HITS];
    size_t n;
    uint16_t blocked[MAX_BLOCKED];
    size_t nblocked;
    const struct entry *homonym;
};

static void add_hit(struct value_hits *vh, const struct entry *e, uint8_t strength)
{
    if (vh->n < MAX_HITS)
        vh->h[vh->n++] = (struct hit){e, strength};
}

static void add_homonym(struct value_hits *vh, const struct entry *e)
{
    if (vh->homonym == NULL)
        vh->homonym = e;
    for (size_t i = 0; i < vh->nblocked; i++)
        if (vh->blocked[i] == e->vendor)
            return;
    if (vh->nblocked < MAX_BLOCKED)
        vh->blocked[vh->nblocked++] = e->vendor;
}

static bool is_name_kind(uint8_t kind)
{
    return kind == CF_LEGAL_NAME || kind == CF_ALIAS || kind == CF_BRAND || kind == CF_SUBSIDIARY;
}

/* Facts of `kind_mask` (bits over catalog_fact_kind) whose key equals s. */
static void lookup(const struct table *tb, const char *s, size_t n, unsigned kind_mask, uint8_t strength,
                   struct value_hits *vh)
{
    if (tb->n == 0)
        return;
    for (uint32_t i = tb->heads[hash_bytes(s, n) & tb->mask]; i != UINT32_MAX; i = tb->e[i].next) {
        const struct entry *e = &tb->e[i];
        if (e->keylen == n && (kind_mask & (1u << e->kind)) && memcmp(e->key, s, n) == 0)
            add_hit(vh, e, strength);
    }
}

/* Whole-word matches of name facts (and homonyms) in a normalised value.
 * Aliases and brands of a name-like attribute count at most as medium. */
static void match_words(const struct cat_index *ix, const char *s, size_t n, uint8_t strength, struct value_hits *vh)
{
    const struct table *tb = &ix->t[T_TOKEN];
    if (tb->n == 0)
        return;
    for (size_t pos = 0; pos < n;) {
        const char *space = memchr(s + pos, ' ', n - pos);
        size_t word = space ? (size_t)(space - (s + pos)) : n - pos;
        for (uint32_t i = tb->heads[hash_bytes(s + pos, word) & tb->mask]; i != UINT32_MAX; i = tb->e[i].next) {
            const struct entry *e = &tb->e[i];
            size_t end = pos + e->keylen;
            if (e->first != word || end > n || (end < n && s[end] != ' ') || memcmp(e->key, s + pos, e->keylen) != 0)
                continue;
            if (e->kind == CF_HOMONYM)
                add_homonym(vh, e);
            else if (is_name_kind(e->kind))
                add_hit(vh, e, (e->kind == CF_ALIAS || e->kind == CF_BRAND) && strength > INV_MEDIUM ? INV_MEDIUM
                                                                                                    : strength);
        }
        pos += word + 1;
    }
}

/* Homonyms contained in a normalised value (for values matched by equality). */
static void match_homonyms(const struct cat_index *ix, const char *s, size_t n, struct value_hits *vh)
{
    struct value_hits words = {.n = 0};
    match_words(ix, s, n, INV_WEAK, &words);
    for (size_t i = 0; i < words.nblocked; i++)
        if (vh->nblocked < MAX_BLOCKED)
            vh->blocked[vh->nblocked++] = words.blocked[i];
    if (vh->homonym == NULL)
        vh->homonym = words.homonym;
}

static void match_name(const struct cat_index *ix, const char *value, size_t len, uint8_t strength,
                       struct value_hits *vh)
{
    char norm[CATALOG_NORM_MAX];
    size_t n = normalize(value, len, norm, sizeof norm);
    match_words(ix, norm, n, strength, vh);
}

/* Each component of a path separately: a fact cannot span two folders. */
static void match_path(const struct cat_index *ix, const char *value, struct value_hits *vh)
{
    for (const char *p = value; *p;) {
        size_t len = strcspn(p, "/\\");
        if (len > 0)
            match_name(ix, p, len, INV_WEAK, vh);
        p += len;
        if (*p)
            p++;
    }
}

/* Equality after normalisation: MAC organisations, signer subjects. */
static void match_full(const struct cat_index *ix, const char *value, unsigned kind_mask, uint8_t strength,
                        struct value_hits *vh)
{
    char norm[CATALOG_NORM_MAX];
    size_t n = normalize(value, strlen(value), norm, sizeof norm);
    lookup(&ix->t[T_FULL], norm, n, kind_mask, strength, vh);
    match_homonyms(ix, norm, n, vh);
}

static void match_package(const struct cat_index *ix, const char *value, uint8_t strength, struct value_hits *vh)
{
    char low[CATALOG_NORM_MAX];
    size_t n = lower_copy(value, strlen(value), low, sizeof low);
    if (n == 0)
        return;
    lookup(&ix->t[T_EXACT], low, n, 1u << CF_PACKAGE_NAME, strength, vh);
    const struct table *pre = &ix->t[T_PKG_PREFIX];
    for (uint32_t i = 0; i < pre->n; i++)
        if (pre->e[i].keylen <= n && memcmp(low, pre->e[i].key, pre->e[i].keylen) == 0)
            add_hit(vh, &pre->e[i], strength);
}

/* A prefix ending in '.' matches ids that start with it; "com.x.app" also
 * matches itself and "com.x.app.*", not "com.x.application". */
static void match_bundle(const struct cat_index *ix, const char *value, uint8_t strength, struct value_hits *vh)
{
    char low[CATALOG_NORM_MAX];
    size_t n = lower_copy(value, strlen(value), low, sizeof low);
    const struct table *tb = &ix->t[T_BUNDLE];
    for (uint32_t i = 0; n > 0 && i < tb->n; i++) {
        const struct entry *e = &tb->e[i];
        if (e->keylen > n || memcmp(low, e->key, e->keylen) != 0)
            continue;
        if (e->key[e->keylen - 1] == '.' || low[e->keylen] == '\0' || low[e->keylen] == '.')
            add_hit(vh, e, strength);
    }
}

/* "12d1", "12D1" or "0x12d1" as 4 lower-case hex digits. */
static void match_hex_id(const struct cat_index *ix, const char *value, enum catalog_fact_kind kind,
                         uint8_t strength, struct value_hits *vh)
{
    if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X'))
        value += 2;
    char id[5];
    for (int i = 0; i < 4; i++) {
        char ch = ascii_lower(value[i]);
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return;
        id[i] = ch;
    }
    if (value[4] != '\0')
        return;
    id[4] = '\0';
    lookup(&ix->t[T_EXACT], id, 4, 1u << kind, strength, vh);
}

static void match_exact(const struct cat_index *ix, const char *value, enum catalog_fact_kind kind, uint8_t strength,
                        struct value_hits *vh)
{
    char low[CATALOG_NORM_MAX];
    size_t n = lower_copy(value, strlen(value), low, sizeof low);
    if (n > 0)
        lookup(&ix->t[T_EXACT], low, n, 1u << kind, strength, vh);
}

static void match_host(const struct cat_index *ix, const char *host, size_t n, uint8_t strength,
                       struct value_hits *vh)
{
    char low[256];
    while (n > 0 && host[n - 1] == '.')
        n--;
    if (n == 0 || lower_copy(host, n, low, sizeof low) == 0)
        return;
    const struct table *tb = &ix->t[T_DOMAIN];
    for (uint32_t i = 0; i < tb->n; i++) {
        const struct entry *e = &tb->e[i];
        if (e->keylen > n || memcmp(low + n - e->keylen, e->key, e->keylen) != 0)
            continue;
        if (e->keylen == n || low[n - e->keylen - 1] == '.')
            add_hit(vh, e, strength);
    }
}

/* The host of "scheme://user@host:port/path" (or of "host/path"). */
static void match_url(const struct cat_index *ix, const char *value, uint8_t strength, struct value_hits *vh)
{
    const char *scheme = strstr(value, "://");
    const char *host = scheme ? scheme + 3 : value;
    size_t n = strcspn(host, "/?#");
    const char *at = memrchr(host, '@', n);
    if (at != NULL) {
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    const char *colon = memchr(host, ':', n);
    if (colon != NULL)
        n = (size_t)(colon - host);
    match_host(ix, host, n, strength, vh);
}

/* The domain of an e-mail address: "Name <someone@example.com>". */
static void match_mail(const struct cat_index *ix, const char *value, uint8_t strength, struct value_hits *vh)
{
    const char *at = strrchr(value, '@');
    if (at != NULL)
        match_host(ix, at + 1, strcspn(at + 1, "> \t,;()"), strength, vh);
}

/* ---- evidence attributes ---------------------------------------------------- */

enum {
    A_PACKAGE = 1 << 0,
    A_BUNDLE = 1 << 1,
    A_USB = 1 << 2,
    A_PCI = 1 << 3,
    A_EXTENSION = 1 << 4,
    A_MAC = 1 << 5,
    A_SIGNER = 1 << 6,
    A_URL = 1 << 7,
    A_MAIL = 1 << 8,
    A_NAME = 1 << 9,
    A_PATH = 1 << 10,
};

static const struct {
    const char *name;
    unsigned how;
} attribute_rules[] = {
    {"package.name", A_PACKAGE},      {"elf.package", A_PACKAGE},       {"bundle.id", A_BUNDLE},
    {"usb.vendor_id", A_USB},         {"pci.vendor_id", A_PCI},         {"extension.id", A_EXTENSION},
    {"mac.org", A_MAC},               {"signer.subject", A_SIGNER},     {"cert.subject", A_SIGNER},
    {"package.homepage", A_URL},      {"registry.url", A_URL},          {"package.maintainer", A_NAME | A_MAIL},
    {"package.vendor", A_NAME},       {"registry.publisher", A_NAME},   {"registry.name", A_NAME},
    {"pe.company", A_NAME},           {"pe.product", A_NAME},           {"bundle.name", A_NAME},
    {"kmod.author", A_NAME},          {"kmod.signer", A_NAME},          {"extension.name", A_NAME},
    {"usb.vendor_name", A_NAME},      {"pci.vendor_name", A_NAME},      {"path", A_PATH},
};

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static unsigned attribute_rule(const char *attribute)
{
    for (size_t i = 0; i < sizeof attribute_rules / sizeof attribute_rules[0]; i++)
        if (strcmp(attribute, attribute_rules[i].name) == 0)
            return attribute_rules[i].how;
    if (ends_with(attribute, ".homepage") || ends_with(attribute, ".url"))
        return A_URL;
    return 0;
}

static void match_evidence(const struct cat_index *ix, const struct inv_evidence *ev, struct value_hits *vh)
{
    unsigned how = attribute_rule(ev->attribute);
    uint8_t s = ev->strength > INV_STRONG ? INV_STRONG : ev->strength;
    const char *v = ev->value;
    if (how & A_PACKAGE)
        match_package(ix, v, s, vh);
    if (how & A_BUNDLE)
        match_bundle(ix, v, s, vh);
    if (how & A_USB)
        match_hex_id(ix, v, CF_USB_VENDOR, s, vh);
    if (how & A_PCI)
        match_hex_id(ix, v, CF_PCI_VENDOR, s, vh);
    if (how & A_EXTENSION)
        match_exact(ix, v, CF_EXTENSION_ID, s, vh);
    if (how & A_MAC)
        match_full(ix, v, 1u << CF_MAC_ORG, s, vh);
    if (how & A_SIGNER)
        match_full(ix, v, 1u << CF_SIGNING_SUBJECT | 1u << CF_LEGAL_NAME | 1u << CF_SUBSIDIARY, s, vh);
    if (how & A_URL)
        match_url(ix, v, s, vh);
    if (how & A_MAIL)
        match_mail(ix, v, s, vh);
    if (how & A_NAME) /* a maintainer's address is matched by domain, not by name */
        match_name(ix, v, (how & A_MAIL) ? strcspn(v, "<") : strlen(v), s, vh);
    if (how & A_PATH)
        match_path(ix, v, vh);
}

/* ---- choosing the vendor --------------------------------------------------------- */

/* One (evidence, vendor) pair with the best fact it matched. */
struct candidate {
    const struct entry *e;
    uint32_t evidence;
    uint8_t strength;
};

/* Fact kinds from most to least specific, for choosing among a value's
 * matches (brands and aliases alike: the longer one wins). */
static int kind_rank(uint8_t kind)
{
    static const uint8_t rank[CF_KIND_COUNT_] = {
        [CF_SIGNING_SUBJECT] = 0, [CF_LEGAL_NAME] = 1, [CF_SUBSIDIARY] = 2, [CF_PACKAGE_NAME] = 3,
        [CF_BUNDLE_PREFIX] = 4,   [CF_EXTENSION_ID] = 5, [CF_USB_VENDOR] = 6, [CF_PCI_VENDOR] = 7,
        [CF_DOMAIN] = 8,          [CF_MAC_ORG] = 9,     [CF_BRAND] = 10,     [CF_ALIAS] = 10,
        [CF_HOMONYM] = 11,
    };
    return kind < CF_KIND_COUNT_ ? rank[kind] : CF_KIND_COUNT_;
}

/* True when hit (e, s) is a better reason than candidate c: stronger; then
 * naming a product; then a more specific kind; then a longer fact. */
static bool better(const struct entry *e, uint8_t s, const struct candidate *c)
{
    if (s != c->strength)
        return s > c->strength;
    if ((e->product != NO_PRODUCT) != (c->e->product != NO_PRODUCT))
        return e->product != NO_PRODUCT;
    if (kind_rank(e->kind) != kind_rank(c->e->kind))
        return kind_rank(e->kind) < kind_rank(c->e->kind);
    return e->keylen > c->e->keylen;
}

static bool blocked(const struct value_hits *vh, uint16_t vendor)
{
    for (size_t i = 0; i < vh->nblocked; i++)
        if (vh->blocked[i] == vendor)
            return true;
    return false;
}

static void merge_hits(const struct value_hits *vh, uint32_t evidence, struct candidate *cand, size_t *ncand)
{
    for (size_t i = 0; i < vh->n; i++) {
        const struct hit *h = &vh->h[i];
        if (blocked(vh, h->e->vendor))
            continue;
        size_t j = 0;
        while (j < *ncand && !(cand[j].evidence == evidence && cand[j].e->vendor == h->e->vendor))
            j++;
        if (j == *ncand) {
            if (*ncand == MAX_CANDIDATES)
                continue;
            cand[(*ncand)++] = (struct candidate){h->e, evidence, h->strength};
        } else if (better(h->e, h->strength, &cand[j])) {
            cand[j].e = h->e;
            cand[j].strength = h->strength;
        }
    }
}

/* Best strength and number of candidates for `vendor` (product >= 0: only
 * candidates naming that product). */
static void score(const struct candidate *cand, size_t n, uint16_t vendor, int product, uint8_t *best, size_t *count)
{
    *best = INV_NONE;
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (cand[i].e->vendor != vendor || (product != NO_PRODUCT && cand[i].e->product != product))
            continue;
        (*count)++;
        if (cand[i].strength > *best)
            *best = cand[i].strength;
    }
}

/* The vendor with the strongest reason (ties: most reasons, then catalog order). */
static int choose_vendor(const struct candidate *cand, size_t n, uint8_t *strength)
{
    int chosen = -1;
    uint8_t best = INV_NONE;
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t v = cand[i].e->vendor;
        uint8_t s;
        size_t count;
        score(cand, n, v, NO_PRODUCT, &s, &count);
        if (chosen < 0 || s > best || (s == best && count > most) || (s == best && count == most && v < chosen)) {
            chosen = v;
            best = s;
            most = count;
        }
    }
    *strength = best;
    return chosen;
}

static int choose_product(const struct candidate *cand, size_t n, uint16_t vendor)
{
    int chosen = NO_PRODUCT;
    uint8_t best = INV_NONE;
    size_t most = 0;
    for (size_t i = 0; i < n; i++) {
        int p = cand[i].e->product;
        if (cand[i].e->vendor != vendor || p == NO_PRODUCT)
            continue;
        uint8_t s;
        size_t count;
        score(cand, n, vendor, p, &s, &count);
        if (chosen == NO_PRODUCT || s > best || (s == best && count > most) ||
            (s == best && count == most && p < chosen)) {
            chosen = p;
            best = s;
            most = count;
        }
    }
    return chosen;
}

/* Reasons for `vendor`, strongest first (then in evidence order). */
static void fill_reasons(const struct candidate *cand, size_t n, uint16_t vendor, struct catalog_match *out)
{
    for (int s = INV_STRONG; s > INV_NONE && out->nreasons < CATALOG_MAX_REASONS; s--)
        for (size_t i = 0; i < n && out->nreasons < CATALOG_MAX_REASONS; i++) {
            if (cand[i].e->vendor != vendor || cand[i].strength != s)
                continue;
            struct catalog_reason *r = &out->reasons[out->nreasons++];
            r->evidence = cand[i].evidence;
            r->fact_kind = (enum catalog_fact_kind)cand[i].e->kind;
            r->fact = cand[i].e->fact;
            r->strength = cand[i].strength;
        }
}

/* An item that names a vendor's homonym anywhere (the Publisher "Shanghai
 * Dahua Scale Factory") is that other company's: name matches for the vendor
 * in its other values ("Dahua Scale Manager") do not count either. Identifier
 * facts (package names, ids, signing subjects, domains) still do. */
static size_t drop_homonym_names(struct candidate *cand, size_t n, const uint16_t *blocked, size_t nblocked)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        bool drop = false;
        for (size_t b = 0; b < nblocked && !drop; b++)
            drop = cand[i].e->vendor == blocked[b] && is_name_kind(cand[i].e->kind);
        if (!drop)
            cand[kept++] = cand[i];
    }
    return kept;
}

static bool attribute_with(const struct catalog *c, const struct cat_index *ix, const struct inv_item *it,
                           struct catalog_match *out)
{
    struct candidate cand[MAX_CANDIDATES];
    size_t ncand = 0;
    const struct entry *homonym = NULL;
    uint16_t blocked[MAX_BLOCKED];
    size_t nblocked = 0;
    for (size_t i = 0; i < it->evidence.n; i++) {
        const struct inv_evidence *ev = &it->evidence.v[i];
        if (ev->attribute == NULL || ev->value == NULL || ev->value[0] == '\0' || ev->strength == INV_NONE)
            continue;
        struct value_hits vh;
        vh.n = 0;
        vh.nblocked = 0;
        vh.homonym = NULL;
        match_evidence(ix, ev, &vh);
        merge_hits(&vh, (uint32_t)i, cand, &ncand);
        if (homonym == NULL)
            homonym = vh.homonym;
        for (size_t b = 0; b < vh.nblocked && nblocked < MAX_BLOCKED; b++)
            blocked[nblocked++] = vh.blocked[b];
    }
    ncand = drop_homonym_names(cand, ncand, blocked, nblocked);
    uint8_t strength;
    int vendor = choose_vendor(cand, ncand, &strength);
    if (vendor < 0) {
        if (homonym != NULL) {
            out->vendor = &c->vendors.v[homonym->vendor];
            out->homonym = homonym->fact;
        }
        return false;
    }
    const struct catalog_vendor *v = &c->vendors.v[vendor];
    int product = choose_product(cand, ncand, (uint16_t)vendor);
    out->vendor = v;
    out->product = product == NO_PRODUCT ? NULL : &v->products.v[product];
    out->strength = strength;
    fill_reasons(cand, ncand, (uint16_t)vendor, out);
    return true;
}

bool catalog_attribute(const struct catalog *c, const struct inv_item *it, struct catalog_match *out)
{
    if (out == NULL)
        return false;
    memset(out, 0, sizeof *out);
    if (c == NULL || it == NULL)
        return false;
    const struct cat_index *ix = c->index_;
    if (ix != NULL && c->index_vendors_ == c->vendors.n && ix->nvendors == c->vendors.n)
        return attribute_with(c, ix, it, out);
    /* A catalog built by hand (or changed since loading): index it for this call. */
    struct util_arena arena = {0};
    bool found = false;
    if ((ix = catalog_index_build_(c, &arena)) != NULL)
        found = attribute_with(c, ix, it, out);
    util_arena_free(&arena);
    return found;
}
