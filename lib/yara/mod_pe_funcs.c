/* mod_pe_funcs.c — the functions of YARA's `pe` module. They read the parsed
 * struct fmt_pe the module keeps as its state (NULL when the object is not a
 * PE: every function is then undefined, as in YARA).
 *
 * Name comparisons follow YARA 4.5: DLL and function names in imports(),
 * import_rva() and exports() ignore ASCII case; section_index(name) does not;
 * regular expressions search anywhere in the name (anchor them with ^ $). */
#include <string.h>
#include <strings.h>

#include "format/pe.h"
#include "mod_hash.h"
#include "mod_pe_internal.h"
#include "regex.h"

#define IMPORT_STANDARD 1
#define IMPORT_DELAYED 2

static const struct fmt_pe *state(const struct yobj_call *c)
{
    return c->module_state;
}

/* `name` (NUL-terminated, may be NULL) equals the string argument, ignoring case. */
static bool same_nocase(const char *name, const struct yobj_arg *a)
{
    return name && strlen(name) == a->n && strncasecmp(name, (const char *)a->s, a->n) == 0;
}

/* The regex argument finds a match somewhere in `name` (NULL: no). */
static bool regex_finds(const struct yobj_arg *a, const char *name)
{
    size_t start, len;
    return name && yara_regex_search(a->regex, (const uint8_t *)name, strlen(name), 0, &start, &len);
}

/* ---- checksum, bitness, rva_to_offset ------------------------------------- */

static void calculate_checksum(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    o->type = YOBJ_INT;
    if (state(c))
        yobj_ret_int(o, fmt_pe_calculate_checksum(c->data, c->len, state(c)));
}

static void is_dll(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    o->type = YOBJ_INT;
    if (state(c))
        yobj_ret_int(o, state(c)->is_dll);
}

static void is_32bit(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    o->type = YOBJ_INT;
    if (state(c))
        yobj_ret_int(o, !state(c)->is_64bit);
}

static void is_64bit(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    o->type = YOBJ_INT;
    if (state(c))
        yobj_ret_int(o, state(c)->is_64bit);
}

static void rva_to_offset(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    uint64_t off;
    o->type = YOBJ_INT;
    if (state(c) && a[0].i >= 0 && fmt_pe_rva_offset(state(c), (uint64_t)a[0].i, &off))
        yobj_ret_int(o, (int64_t)off);
}

/* ---- sections ------------------------------------------------------------- */

static void section_index_name(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    for (size_t i = 0; pe && i < pe->nsections; i++)
        if (strlen(pe->sections[i].name) == a[0].n && memcmp(pe->sections[i].name, a[0].s, a[0].n) == 0) {
            yobj_ret_int(o, (int64_t)i);
            return;
        }
}

/* The section whose raw data (in the file) holds offset a[0]. */
static void section_index_addr(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    for (size_t i = 0; pe && i < pe->nsections; i++) {
        const struct fmt_pe_section *s = &pe->sections[i];
        if (a[0].i >= s->raw_data_offset && a[0].i - s->raw_data_offset < s->raw_data_size) {
            yobj_ret_int(o, (int64_t)i);
            return;
        }
    }
}

/* ---- resources ------------------------------------------------------------ */

static void locale(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    if (!pe)
        return;
    bool found = false;
    for (size_t i = 0; i < pe->nresources && !found; i++)
        found = !pe->resources[i].language_utf16 && pe->resources[i].language == a[0].i;
    yobj_ret_int(o, found);
}

static void language(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    if (!pe)
        return;
    bool found = false;
    for (size_t i = 0; i < pe->nresources && !found; i++)
        found = !pe->resources[i].language_utf16 && (pe->resources[i].language & 0xff) == a[0].i;
    yobj_ret_int(o, found);
}

/* ---- Rich signature --------------------------------------------------------- */

/* Sum of the use counts of the entries with that version (and tool id, when
 * want_toolid); undefined without a Rich signature. */
static void rich_sum(const struct yobj_call *c, int64_t version, int64_t toolid, bool want_version,
                     bool want_toolid, struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    if (!pe || !pe->rich.present)
        return;
    int64_t sum = 0;
    for (size_t i = 0; i < pe->rich.number_of_entries; i++) {
        const struct fmt_pe_rich_entry *e = &pe->rich.entries[i];
        if ((!want_version || e->version == version) && (!want_toolid || e->toolid == toolid))
            sum += e->times;
    }
    yobj_ret_int(o, sum);
}

static void rich_version(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    rich_sum(c, a[0].i, 0, true, false, o);
}

static void rich_version_toolid(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    rich_sum(c, a[0].i, a[1].i, true, true, o);
}

static void rich_toolid(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    rich_sum(c, 0, a[0].i, false, true, o);
}

static void rich_toolid_version(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    rich_sum(c, a[1].i, a[0].i, true, true, o);
}

/* ---- exports ---------------------------------------------------------------- */

enum export_key { BY_NAME, BY_ORDINAL, BY_REGEX };

/* Index of the first export matching the argument, or -1. */
static int64_t find_export(const struct fmt_pe *pe, enum export_key key, const struct yobj_arg *a)
{
    for (size_t i = 0; i < pe->nexports; i++) {
        const struct fmt_pe_export *x = &pe->exports[i];
        bool hit = key == BY_NAME ? same_nocase(x->name, a)
                 : key == BY_ORDINAL ? x->ordinal == a->i
                                     : regex_finds(a, x->name);
        if (hit)
            return (int64_t)i;
    }
    return -1;
}

/* exports(): 1 or 0 for a PE; exports_index(): the index, else undefined. */
#define EXPORT_FUNCS(suffix, key)                                                                           \
    static void exports_##suffix(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o) \
    {                                                                                                       \
        o->type = YOBJ_INT;                                                                                 \
        if (state(c))                                                                                       \
            yobj_ret_int(o, find_export(state(c), key, &a[0]) >= 0);                                             \
    }                                                                                                       \
    static void exports_index_##suffix(const struct yobj_call *c, const struct yobj_arg *a,                 \
                                       struct yobj_result *o)                                               \
    {                                                                                                       \
        o->type = YOBJ_INT;                                                                                 \
        int64_t i = state(c) ? find_export(state(c), key, &a[0]) : -1;                                      \
        if (i >= 0)                                                                                         \
            yobj_ret_int(o, i);                                                                                  \
    }

EXPORT_FUNCS(name, BY_NAME)
EXPORT_FUNCS(ordinal, BY_ORDINAL)
EXPORT_FUNCS(regex, BY_REGEX)

/* ---- imports ---------------------------------------------------------------- */

/* What an imports() call looks for: a DLL by name (or regex), and optionally
 * one function by name, ordinal or regex. */
struct import_query {
    const struct yobj_arg *dll;
    const struct yobj_arg *fn;   /* NULL: every function of the DLL */
    enum export_key dll_key;     /* BY_NAME or BY_REGEX */
    enum export_key fn_key;
};

static bool dll_matches(const struct import_query *q, const char *name)
{
    return q->dll_key == BY_REGEX ? regex_finds(q->dll, name) : same_nocase(name, q->dll);
}

static bool function_matches(const struct import_query *q, const struct fmt_pe_import_function *f)
{
    if (!q->fn)
        return true;
    switch (q->fn_key) {
    case BY_NAME: return same_nocase(f->name, q->fn);
    case BY_ORDINAL: return f->by_ordinal && f->ordinal == q->fn->i;
    default: return regex_finds(q->fn, f->name);
    }
}

/* The first matching function of the list, or NULL; *count receives how many match. */
static const struct fmt_pe_import_function *find_imports(const struct fmt_pe_import_dll *dlls, size_t n,
                                                         const struct import_query *q, int64_t *count)
{
    const struct fmt_pe_import_function *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!dll_matches(q, dlls[i].name))
            continue;
        for (size_t j = 0; j < dlls[i].number_of_functions; j++)
            if (function_matches(q, &dlls[i].functions[j])) {
                if (!first)
                    first = &dlls[i].functions[j];
                ++*count;
            }
    }
    return first;
}

/* Number of matching imports among the kinds in `flags`; undefined for a non-PE. */
static void count_imports(const struct yobj_call *c, int64_t flags, const struct import_query *q, bool boolean,
                          struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    if (!pe)
        return;
    int64_t count = 0;
    if (flags & IMPORT_STANDARD)
        find_imports(pe->imports, pe->nimports, q, &count);
    if (flags & IMPORT_DELAYED)
        find_imports(pe->delayed_imports, pe->ndelayed_imports, q, &count);
    yobj_ret_int(o, boolean ? count > 0 : count);
}

/* imports(dll, fn) / imports(dll, ordinal): 1 or 0; imports(dll) and the
 * regex form: how many functions match. The forms with a leading flags
 * argument choose standard and/or delayed imports (pe.IMPORT_*). */
#define IMPORT_FUNCS(suffix, dkey, fkey, has_fn, boolean)                                                       \
    static void imports_##suffix(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)   \
    {                                                                                                           \
        struct import_query q = {&a[0], has_fn ? &a[1] : NULL, dkey, fkey};                                     \
        count_imports(c, IMPORT_STANDARD, &q, boolean, o);                                                      \
    }                                                                                                           \
    static void imports_flags_##suffix(const struct yobj_call *c, const struct yobj_arg *a,                     \
                                       struct yobj_result *o)                                                   \
    {                                                                                                           \
        struct import_query q = {&a[1], has_fn ? &a[2] : NULL, dkey, fkey};                                     \
        count_imports(c, a[0].i, &q, boolean, o);                                                               \
    }

IMPORT_FUNCS(name, BY_NAME, BY_NAME, true, true)
IMPORT_FUNCS(ordinal, BY_NAME, BY_ORDINAL, true, true)
IMPORT_FUNCS(dll, BY_NAME, BY_NAME, false, false)
IMPORT_FUNCS(regex, BY_REGEX, BY_REGEX, true, false)

/* import_rva / delayed_import_rva: the IAT slot RVA of the first match. */
static void import_rva_of(const struct yobj_call *c, bool delayed, const struct import_query *q,
                          struct yobj_result *o)
{
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_INT;
    if (!pe)
        return;
    int64_t count = 0;
    const struct fmt_pe_import_function *f =
        delayed ? find_imports(pe->delayed_imports, pe->ndelayed_imports, q, &count)
                : find_imports(pe->imports, pe->nimports, q, &count);
    if (f)
        yobj_ret_int(o, (int64_t)f->rva);
}

#define IMPORT_RVA_FUNCS(prefix, delayed)                                                                      \
    static void prefix##_name(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)      \
    {                                                                                                          \
        struct import_query q = {&a[0], &a[1], BY_NAME, BY_NAME};                                              \
        import_rva_of(c, delayed, &q, o);                                                                      \
    }                                                                                                          \
    static void prefix##_ordinal(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)   \
    {                                                                                                          \
        struct import_query q = {&a[0], &a[1], BY_NAME, BY_ORDINAL};                                           \
        import_rva_of(c, delayed, &q, o);                                                                      \
    }

IMPORT_RVA_FUNCS(import_rva, false)
IMPORT_RVA_FUNCS(delayed_import_rva, true)

static void imphash(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    const struct fmt_pe *pe = state(c);
    o->type = YOBJ_STRING;
    if (!pe)
        return;
    if (pe->imphash[0]) {
        yobj_ret_string(c, o, pe->imphash);
        return;
    }
    char hex[65]; /* no imports: the MD5 of nothing, as YARA */
    if (yara_hash_hex(YARA_MD5, (const uint8_t *)"", 0, hex))
        yobj_ret_string(c, o, hex);
}

/* signatures[i].valid_on(t): not_before <= t <= not_after of the signature
 * it is called on (call->self); undefined when either bound is. */
static void valid_on(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    o->type = YOBJ_INT;
    const struct yobj *sig = c->self;
    if (!sig || sig->decl->type != YOBJ_STRUCT || sig->decl->members != pe_signature_members)
        return;
    const struct yobj *nb = &sig->members[PE_CERT_NOT_BEFORE], *na = &sig->members[PE_CERT_NOT_AFTER];
    if (nb->defined && na->defined)
        yobj_ret_int(o, a[0].i >= nb->i && a[0].i <= na->i);
}

/* ---- overload tables ---------------------------------------------------------- */

const struct yobj_overload pe_o_calculate_checksum[] = {{"", YOBJ_INT, calculate_checksum}, {0}};
const struct yobj_overload pe_o_is_dll[] = {{"", YOBJ_INT, is_dll}, {0}};
const struct yobj_overload pe_o_is_32bit[] = {{"", YOBJ_INT, is_32bit}, {0}};
const struct yobj_overload pe_o_is_64bit[] = {{"", YOBJ_INT, is_64bit}, {0}};
const struct yobj_overload pe_o_rva_to_offset[] = {{"i", YOBJ_INT, rva_to_offset}, {0}};
const struct yobj_overload pe_o_section_index[] = {
    {"s", YOBJ_INT, section_index_name}, {"i", YOBJ_INT, section_index_addr}, {0}};
const struct yobj_overload pe_o_locale[] = {{"i", YOBJ_INT, locale}, {0}};
const struct yobj_overload pe_o_language[] = {{"i", YOBJ_INT, language}, {0}};
const struct yobj_overload pe_o_rich_version[] = {
    {"i", YOBJ_INT, rich_version}, {"ii", YOBJ_INT, rich_version_toolid}, {0}};
const struct yobj_overload pe_o_rich_toolid[] = {
    {"i", YOBJ_INT, rich_toolid}, {"ii", YOBJ_INT, rich_toolid_version}, {0}};
const struct yobj_overload pe_o_exports[] = {
    {"s", YOBJ_INT, exports_name}, {"i", YOBJ_INT, exports_ordinal}, {"r", YOBJ_INT, exports_regex}, {0}};
const struct yobj_overload pe_o_exports_index[] = {{"s", YOBJ_INT, exports_index_name},
                                                   {"i", YOBJ_INT, exports_index_ordinal},
                                                   {"r", YOBJ_INT, exports_index_regex},
                                                   {0}};
const struct yobj_overload pe_o_imports[] = {
    {"ss", YOBJ_INT, imports_name},        {"si", YOBJ_INT, imports_ordinal},
    {"s", YOBJ_INT, imports_dll},          {"rr", YOBJ_INT, imports_regex},
    {"iss", YOBJ_INT, imports_flags_name}, {"isi", YOBJ_INT, imports_flags_ordinal},
    {"is", YOBJ_INT, imports_flags_dll},   {"irr", YOBJ_INT, imports_flags_regex},
    {0}};
const struct yobj_overload pe_o_import_rva[] = {
    {"ss", YOBJ_INT, import_rva_name}, {"si", YOBJ_INT, import_rva_ordinal}, {0}};
const struct yobj_overload pe_o_delayed_import_rva[] = {
    {"ss", YOBJ_INT, delayed_import_rva_name}, {"si", YOBJ_INT, delayed_import_rva_ordinal}, {0}};
const struct yobj_overload pe_o_imphash[] = {{"", YOBJ_STRING, imphash}, {0}};
const struct yobj_overload pe_o_valid_on[] = {{"i", YOBJ_INT, valid_on}, {0}};
