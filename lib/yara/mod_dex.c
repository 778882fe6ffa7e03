/* mod_dex.c — YARA's `dex` module (YARA 4.5 semantics) over format/dex.h:
 * the schema, the load step and the functions has_method() and has_class().
 *
 * What YARA exposes, and when (checked against YARA's behaviour; the
 * parser's header comment lists the quirks in detail):
 *   - the constants (DEX_FILE_MAGIC_035..039, ENDIAN_CONSTANT,
 *     REVERSE_ENDIAN_CONSTANT, NO_INDEX, ACC_*, TYPE_*) always;
 *   - nothing else unless the object starts with a whole header and a known
 *     magic; then header.* (magic and signature stop at their first NUL);
 *   - string_ids[], type_ids[], proto_ids[], field_ids[], method_ids[] for
 *     each table of the chain that lies inside the file; a string whose data
 *     cannot be read is an element with no value;
 *   - map_list.size and map_list.map_item[] after method_ids;
 *   - class_defs[], class_data_item[] (one per class that has class data),
 *     field[] and method[] (with code_item) after method_ids;
 *     number_of_fields and number_of_methods only when the walk of the
 *     classes ended;
 *   - code_item.padding, code_item.tries and code_item.handlers[] are
 *     declared but never filled (as in YARA);
 *   - has_method(name), has_method(class, name) and has_class(class), with
 *     strings or regular expressions: 1 when some counted method matches,
 *     else 0; undefined while number_of_methods is. Names compare as C strings
 *     (up to their first NUL), as YARA's functions do. */
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/dex.h"
#include "module.h"
#include "regex.h"

/* ---- functions ------------------------------------------------------------ */

/* The length of a value as a C string (up to its first NUL). */
static size_t c_length(const uint8_t *s, size_t n)
{
    const uint8_t *nul = memchr(s, 0, n);
    return nul ? (size_t)(nul - s) : n;
}

/* How a function argument is compared with a name. */
static bool arg_matches(const struct yobj_arg *a, bool regex, const struct fmt_dex_string *name)
{
    if (!name)
        return false;
    size_t n = c_length(name->value, name->size);
    if (regex) {
        size_t start, len;
        return yara_regex_search(a->regex, name->value, n, 0, &start, &len);
    }
    return c_length(a->s, a->n) == n && memcmp(a->s, name->value, n) == 0;
}

/* The parse behind the functions, or NULL when number_of_methods is undefined. */
static const struct fmt_dex *methods_known(const struct yobj_call *c)
{
    const struct fmt_dex *dex = c->module_state;
    return dex && dex->classes_complete ? dex : NULL;
}

/* Some counted method's name matches `name_arg` and, when `class_arg` is not
 * NULL, its class name matches `class_arg`. */
static void find_method(const struct yobj_call *c, const struct yobj_arg *class_arg,
                        const struct yobj_arg *name_arg, bool regex, struct yobj_result *o)
{
    o->type = YOBJ_INT;
    const struct fmt_dex *dex = methods_known(c);
    if (!dex)
        return;
    for (size_t i = 0; i < dex->nmethods; i++) {
        const struct fmt_dex_method *m = &dex->methods[i];
        if (arg_matches(name_arg, regex, m->name) && (!class_arg || arg_matches(class_arg, regex, m->class_name))) {
            yobj_ret_int(o, 1);
            return;
        }
    }
    yobj_ret_int(o, 0);
}

static void find_class(const struct yobj_call *c, const struct yobj_arg *class_arg, bool regex,
                       struct yobj_result *o)
{
    o->type = YOBJ_INT;
    const struct fmt_dex *dex = methods_known(c);
    if (!dex)
        return;
    for (size_t i = 0; i < dex->nmethods; i++) {
        if (arg_matches(class_arg, regex, dex->methods[i].class_name)) {
            yobj_ret_int(o, 1);
            return;
        }
    }
    yobj_ret_int(o, 0);
}

static void has_method_s(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    find_method(c, NULL, &a[0], false, o);
}

static void has_method_ss(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    find_method(c, &a[0], &a[1], false, o);
}

static void has_method_r(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    find_method(c, NULL, &a[0], true, o);
}

static void has_method_rr(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    find_method(c, &a[0], &a[1], true, o);
}

static void has_class_s(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    find_class(c, &a[0], false, o);
}

static void has_class_r(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    find_class(c, &a[0], true, o);
}

/* ---- schema ------------------------------------------------------------------ */

#define X_INT_CONSTANTS(X)                                                                                       \
    X(ENDIAN_CONSTANT, 0x12345678) X(REVERSE_ENDIAN_CONSTANT, 0x78563412) X(NO_INDEX, 0xffffffff)               \
    X(ACC_PUBLIC, 0x1) X(ACC_PRIVATE, 0x2) X(ACC_PROTECTED, 0x4) X(ACC_STATIC, 0x8) X(ACC_FINAL, 0x10)           \
    X(ACC_SYNCHRONIZED, 0x20) X(ACC_VOLATILE, 0x40) X(ACC_BRIDGE, 0x40) X(ACC_TRANSIENT, 0x80)                   \
    X(ACC_VARARGS, 0x80) X(ACC_NATIVE, 0x100) X(ACC_INTERFACE, 0x200) X(ACC_ABSTRACT, 0x400)                     \
    X(ACC_STRICT, 0x800) X(ACC_SYNTHETIC, 0x1000) X(ACC_ANNOTATION, 0x2000) X(ACC_ENUM, 0x4000)                  \
    X(ACC_CONSTRUCTOR, 0x10000) X(ACC_DECLARED_SYNCHRONIZED, 0x20000)                                            \
    X(TYPE_HEADER_ITEM, 0x0000) X(TYPE_STRING_ID_ITEM, 0x0001) X(TYPE_TYPE_ID_ITEM, 0x0002)                      \
    X(TYPE_PROTO_ID_ITEM, 0x0003) X(TYPE_FIELD_ID_ITEM, 0x0004) X(TYPE_METHOD_ID_ITEM, 0x0005)                   \
    X(TYPE_CLASS_DEF_ITEM, 0x0006) X(TYPE_CALL_SITE_ID_ITEM, 0x0007) X(TYPE_METHOD_HANDLE_ITEM, 0x0008)          \
    X(TYPE_MAP_LIST, 0x1000) X(TYPE_TYPE_LIST, 0x1001) X(TYPE_ANNOTATION_SET_REF_LIST, 0x1002)                   \
    X(TYPE_ANNOTATION_SET_ITEM, 0x1003) X(TYPE_CLASS_DATA_ITEM, 0x2000) X(TYPE_CODE_ITEM, 0x2001)                \
    X(TYPE_STRING_DATA_ITEM, 0x2002) X(TYPE_DEBUG_INFO_ITEM, 0x2003) X(TYPE_ANNOTATION_ITEM, 0x2004)             \
    X(TYPE_ENCODED_ARRAY_ITEM, 0x2005) X(TYPE_ANNOTATIONS_DIRECTORY_ITEM, 0x2006)

/* The magic constants: "dex\n" and a version, without the trailing NUL. */
static const char *const magic_versions[] = {"035", "036", "037", "038", "039"};

#define INT(n) {.name = n, .type = YOBJ_INT}
#define STR(n) {.name = n, .type = YOBJ_STRING}
#define STRUCT(n, m) {.name = n, .type = YOBJ_STRUCT, .members = m}
#define ARRAY(n, el) {.name = n, .type = YOBJ_ARRAY, .element = &el}
#define FUNC(n, o) {.name = n, .type = YOBJ_FUNC, .overloads = o}

/* Members of each structure, in declaration order (filled by index). */
enum {
    H_MAGIC, H_CHECKSUM, H_SIGNATURE, H_FILE_SIZE, H_HEADER_SIZE, H_ENDIAN_TAG, H_LINK_SIZE, H_LINK_OFFSET,
    H_MAP_OFFSET, H_STRING_IDS_SIZE, H_STRING_IDS_OFFSET, H_TYPE_IDS_SIZE, H_TYPE_IDS_OFFSET, H_PROTO_IDS_SIZE,
    H_PROTO_IDS_OFFSET, H_FIELD_IDS_SIZE, H_FIELD_IDS_OFFSET, H_METHOD_IDS_SIZE, H_METHOD_IDS_OFFSET,
    H_CLASS_DEFS_SIZE, H_CLASS_DEFS_OFFSET, H_DATA_SIZE, H_DATA_OFFSET
};
static const struct yobj_decl header_members[] = {
    STR("magic"),            INT("checksum"),          STR("signature"),         INT("file_size"),
    INT("header_size"),      INT("endian_tag"),        INT("link_size"),         INT("link_offset"),
    INT("map_offset"),       INT("string_ids_size"),   INT("string_ids_offset"), INT("type_ids_size"),
    INT("type_ids_offset"),  INT("proto_ids_size"),    INT("proto_ids_offset"),  INT("field_ids_size"),
    INT("field_ids_offset"), INT("method_ids_size"),   INT("method_ids_offset"), INT("class_defs_size"),
    INT("class_defs_offset"), INT("data_size"),        INT("data_offset"),       {0},
};

enum { S_OFFSET, S_SIZE, S_VALUE };
static const struct yobj_decl string_id_members[] = {INT("offset"), INT("size"), STR("value"), {0}};
static const struct yobj_decl type_id_members[] = {INT("descriptor_idx"), {0}};
enum { P_SHORTY_IDX, P_RETURN_TYPE_IDX, P_PARAMETERS_OFFSET };
static const struct yobj_decl proto_id_members[] = {
    INT("shorty_idx"), INT("return_type_idx"), INT("parameters_offset"), {0}};
static const struct yobj_decl field_id_members[] = {INT("class_idx"), INT("type_idx"), INT("name_idx"), {0}};
static const struct yobj_decl method_id_members[] = {INT("class_idx"), INT("proto_idx"), INT("name_idx"), {0}};
static const struct yobj_decl class_def_members[] = {
    INT("class_idx"),          INT("access_flags"),      INT("super_class_idx"),   INT("interfaces_offset"),
    INT("source_file_idx"),    INT("annotations_offset"), INT("class_data_offset"), INT("static_values_offset"),
    {0},
};
static const struct yobj_decl class_data_members[] = {
    INT("static_fields_size"), INT("instance_fields_size"), INT("direct_methods_size"),
    INT("virtual_methods_size"), {0}};
static const struct yobj_decl map_item_members[] = {INT("type"), INT("unused"), INT("size"), INT("offset"), {0}};
enum { F_CLASS_NAME, F_NAME, F_PROTO, F_FIELD_IDX_DIFF, F_ACCESS_FLAGS };
static const struct yobj_decl field_members[] = {
    STR("class_name"), STR("name"), STR("proto"), INT("field_idx_diff"), INT("access_flags"), {0}};
/* code_item.tries and the elements of code_item.handlers have no members in
 * YARA's declaration. */
static const struct yobj_decl no_members[] = {{0}};
static const struct yobj_decl handler_decl = STRUCT("handlers", no_members);
enum {
    C_REGISTERS_SIZE, C_INS_SIZE, C_OUTS_SIZE, C_TRIES_SIZE, C_DEBUG_INFO_OFF, C_INSNS_SIZE, C_INSNS
};
static const struct yobj_decl code_item_members[] = {
    INT("registers_size"), INT("ins_size"),   INT("outs_size"), INT("tries_size"),
    INT("debug_info_off"), INT("insns_size"), STR("insns"),     INT("padding"),
    STRUCT("tries", no_members), ARRAY("handlers", handler_decl), {0},
};
enum {
    M_CLASS_NAME, M_NAME, M_PROTO, M_DIRECT, M_VIRTUAL, M_METHOD_IDX_DIFF, M_ACCESS_FLAGS, M_CODE_OFF, M_CODE_ITEM
};
static const struct yobj_decl method_members[] = {
    STR("class_name"),      STR("name"),         STR("proto"),    INT("direct"),
    INT("virtual"),         INT("method_idx_diff"), INT("access_flags"), INT("code_off"),
    STRUCT("code_item", code_item_members), {0},
};

static const struct yobj_decl string_id_decl = STRUCT("string_ids", string_id_members);
static const struct yobj_decl type_id_decl = STRUCT("type_ids", type_id_members);
static const struct yobj_decl proto_id_decl = STRUCT("proto_ids", proto_id_members);
static const struct yobj_decl field_id_decl = STRUCT("field_ids", field_id_members);
static const struct yobj_decl method_id_decl = STRUCT("method_ids", method_id_members);
static const struct yobj_decl class_def_decl = STRUCT("class_defs", class_def_members);
static const struct yobj_decl class_data_decl = STRUCT("class_data_item", class_data_members);
static const struct yobj_decl map_item_decl = STRUCT("map_item", map_item_members);
static const struct yobj_decl field_decl = STRUCT("field", field_members);
static const struct yobj_decl method_decl = STRUCT("method", method_members);

enum { ML_SIZE, ML_MAP_ITEM };
static const struct yobj_decl map_list_members[] = {INT("size"), ARRAY("map_item", map_item_decl), {0}};

static const struct yobj_overload o_has_method[] = {
    {"s", YOBJ_INT, has_method_s}, {"ss", YOBJ_INT, has_method_ss},
    {"r", YOBJ_INT, has_method_r}, {"rr", YOBJ_INT, has_method_rr}, {0}};
static const struct yobj_overload o_has_class[] = {
    {"s", YOBJ_INT, has_class_s}, {"r", YOBJ_INT, has_class_r}, {0}};

/* Root members: the values first (filled by index), then the constants. */
enum {
    R_HEADER, R_STRING_IDS, R_TYPE_IDS, R_PROTO_IDS, R_FIELD_IDS, R_METHOD_IDS, R_CLASS_DEFS, R_CLASS_DATA_ITEM,
    R_MAP_LIST, R_NUMBER_OF_FIELDS, R_FIELD, R_NUMBER_OF_METHODS, R_METHOD, R_HAS_METHOD, R_HAS_CLASS,
    R_FIRST_MAGIC, R_FIRST_INT_CONSTANT = R_FIRST_MAGIC + 5
};

#define DECL_CONSTANT(n, v) INT(#n),
static const struct yobj_decl dex_members[] = {
    STRUCT("header", header_members),
    ARRAY("string_ids", string_id_decl),
    ARRAY("type_ids", type_id_decl),
    ARRAY("proto_ids", proto_id_decl),
    ARRAY("field_ids", field_id_decl),
    ARRAY("method_ids", method_id_decl),
    ARRAY("class_defs", class_def_decl),
    ARRAY("class_data_item", class_data_decl),
    STRUCT("map_list", map_list_members),
    INT("number_of_fields"),
    ARRAY("field", field_decl),
    INT("number_of_methods"),
    ARRAY("method", method_decl),
    FUNC("has_method", o_has_method),
    FUNC("has_class", o_has_class),
    STR("DEX_FILE_MAGIC_035"), STR("DEX_FILE_MAGIC_036"), STR("DEX_FILE_MAGIC_037"), STR("DEX_FILE_MAGIC_038"),
    STR("DEX_FILE_MAGIC_039"),
    X_INT_CONSTANTS(DECL_CONSTANT){0},
};

#define VALUE_CONSTANT(n, v) v,
static const int64_t int_constant_values[] = {X_INT_CONSTANTS(VALUE_CONSTANT)};

static const struct yobj_decl dex_decl = STRUCT("dex", dex_members);

/* ---- load --------------------------------------------------------------------- */

static void set_u(struct yobj *o, uint64_t v)
{
    yobj_set_int(o, (int64_t)v);
}

/* Set each member of `m` from `v[0..n)`. */
static void set_all(struct yobj *m, const uint32_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        set_u(&m[i], v[i]);
}

/* A string member from a resolved DEX string (NULL: left undefined). */
static int set_dex_string(struct yobj_arena *a, struct yobj *o, const struct fmt_dex_string *s)
{
    if (!s)
        return ASSAY_OK;
    return yobj_set_string(a, o, s->value, s->size) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

/* A fixed-size byte field up to its first NUL. */
static int set_c_bytes(struct yobj_arena *a, struct yobj *o, const uint8_t *p, size_t max)
{
    return yobj_set_string(a, o, p, c_length(p, max)) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

/* The items of array member `o`, resized to n (NULL on ENOMEM). */
static struct yobj *items_of(struct yobj_arena *a, struct yobj *o, size_t n, int *rc)
{
    struct yobj *items = yobj_array_resize(a, o, n);
    if (!items && n)
        *rc = ASSAY_ENOMEM;
    return items;
}

static int fill_header(struct yobj_arena *a, struct yobj *h, const struct fmt_dex_header *d)
{
    const uint32_t words[] = {
        d->file_size,        d->header_size,       d->endian_tag,       d->link_size,        d->link_offset,
        d->map_offset,       d->string_ids_size,   d->string_ids_offset, d->type_ids_size,   d->type_ids_offset,
        d->proto_ids_size,   d->proto_ids_offset,  d->field_ids_size,   d->field_ids_offset, d->method_ids_size,
        d->method_ids_offset, d->class_defs_size,  d->class_defs_offset, d->data_size,       d->data_offset,
    };
    set_all(&h[H_FILE_SIZE], words, sizeof words / sizeof words[0]);
    set_u(&h[H_CHECKSUM], d->checksum);
    int rc = set_c_bytes(a, &h[H_MAGIC], d->magic, sizeof d->magic);
    if (rc == ASSAY_OK)
        rc = set_c_bytes(a, &h[H_SIGNATURE], d->signature, sizeof d->signature);
    return rc;
}

static int fill_id_tables(struct yobj_arena *a, struct yobj *r, const struct fmt_dex *d)
{
    int rc = ASSAY_OK;
    if (d->strings_valid) {
        struct yobj *it = items_of(a, &r[R_STRING_IDS], d->nstrings, &rc);
        for (size_t i = 0; rc == ASSAY_OK && i < d->nstrings; i++) {
            const struct fmt_dex_string *s = &d->strings[i];
            if (!s->present)
                continue; /* YARA leaves the whole element out */
            set_u(&it[i].members[S_OFFSET], s->offset);
            set_u(&it[i].members[S_SIZE], s->size);
            rc = set_dex_string(a, &it[i].members[S_VALUE], s);
        }
    }
    if (rc == ASSAY_OK && d->types_valid) {
        struct yobj *it = items_of(a, &r[R_TYPE_IDS], d->ntypes, &rc);
        for (size_t i = 0; rc == ASSAY_OK && i < d->ntypes; i++)
            set_u(&it[i].members[0], d->types[i].descriptor_idx);
    }
    if (rc == ASSAY_OK && d->protos_valid) {
        struct yobj *it = items_of(a, &r[R_PROTO_IDS], d->nprotos, &rc);
        for (size_t i = 0; rc == ASSAY_OK && i < d->nprotos; i++) {
            const uint32_t v[] = {d->protos[i].shorty_idx, d->protos[i].return_type_idx,
                                  d->protos[i].parameters_offset};
            set_all(it[i].members, v, 3);
        }
    }
    const struct fmt_dex_member_id *const ids[] = {d->field_ids, d->method_ids};
    const size_t counts[] = {d->nfield_ids, d->nmethod_ids};
    const bool valid[] = {d->field_ids_valid, d->method_ids_valid};
    for (int t = 0; t < 2 && rc == ASSAY_OK; t++) {
        if (!valid[t])
            continue;
        struct yobj *it = items_of(a, &r[t ? R_METHOD_IDS : R_FIELD_IDS], counts[t], &rc);
        for (size_t i = 0; rc == ASSAY_OK && i < counts[t]; i++) {
            const uint32_t v[] = {ids[t][i].class_idx, ids[t][i].type_or_proto, ids[t][i].name_idx};
            set_all(it[i].members, v, 3);
        }
    }
    return rc;
}

static int fill_map(struct yobj_arena *a, struct yobj *r, const struct fmt_dex *d)
{
    if (!d->map_present)
        return ASSAY_OK;
    struct yobj *ml = r[R_MAP_LIST].members;
    set_u(&ml[ML_SIZE], d->map_size);
    int rc = ASSAY_OK;
    struct yobj *it = items_of(a, &ml[ML_MAP_ITEM], d->nmap_items, &rc);
    for (size_t i = 0; rc == ASSAY_OK && i < d->nmap_items; i++) {
        const struct fmt_dex_map_item *m = &d->map_items[i];
        const uint32_t v[] = {m->type, m->unused, m->size, m->offset};
        set_all(it[i].members, v, 4);
    }
    return rc;
}

static int fill_classes(struct yobj_arena *a, struct yobj *r, const struct fmt_dex *d)
{
    if (!d->class_defs_valid)
        return ASSAY_OK;
    int rc = ASSAY_OK;
    struct yobj *it = items_of(a, &r[R_CLASS_DEFS], d->nclass_defs, &rc);
    for (size_t i = 0; rc == ASSAY_OK && i < d->nclass_defs; i++) {
        const struct fmt_dex_class_def *c = &d->class_defs[i];
        const uint32_t v[] = {c->class_idx,          c->access_flags,       c->super_class_idx,
                              c->interfaces_offset,  c->source_file_idx,    c->annotations_offset,
                              c->class_data_offset,  c->static_values_offset};
        set_all(it[i].members, v, 8);
    }
    it = rc == ASSAY_OK ? items_of(a, &r[R_CLASS_DATA_ITEM], d->nclass_data, &rc) : NULL;
    for (size_t i = 0; rc == ASSAY_OK && i < d->nclass_data; i++) {
        const struct fmt_dex_class_data *c = &d->class_data[i];
        const uint32_t v[] = {c->static_fields_size, c->instance_fields_size, c->direct_methods_size,
                              c->virtual_methods_size};
        set_all(it[i].members, v, 4);
    }
    if (d->classes_complete) {
        set_u(&r[R_NUMBER_OF_FIELDS], d->nfields);
        set_u(&r[R_NUMBER_OF_METHODS], d->nmethods);
    }
    return rc;
}

static int fill_field(struct yobj_arena *a, struct yobj *m, const struct fmt_dex_field *f)
{
    set_u(&m[F_FIELD_IDX_DIFF], f->field_idx_diff);
    set_u(&m[F_ACCESS_FLAGS], f->access_flags);
    int rc = set_dex_string(a, &m[F_CLASS_NAME], f->class_name);
    if (rc == ASSAY_OK)
        rc = set_dex_string(a, &m[F_NAME], f->name);
    if (rc == ASSAY_OK)
        rc = set_dex_string(a, &m[F_PROTO], f->type);
    return rc;
}

static int fill_code_item(struct yobj_arena *a, struct yobj *m, const struct fmt_dex_code_item *c)
{
    if (!c->present)
        return ASSAY_OK;
    const uint32_t v[] = {c->registers_size, c->ins_size, c->outs_size, c->tries_size, c->debug_info_off,
                          c->insns_size};
    set_all(&m[C_REGISTERS_SIZE], v, 6);
    if (!c->insns)
        return ASSAY_OK;
    return yobj_set_string(a, &m[C_INSNS], c->insns, (size_t)c->insns_size * 2) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

static int fill_method(struct yobj_arena *a, struct yobj *m, const struct fmt_dex_method *x)
{
    const uint32_t v[] = {x->direct, !x->direct, x->method_idx_diff, x->access_flags, x->code_off};
    set_all(&m[M_DIRECT], v, 5);
    int rc = set_dex_string(a, &m[M_CLASS_NAME], x->class_name);
    if (rc == ASSAY_OK)
        rc = set_dex_string(a, &m[M_NAME], x->name);
    if (rc == ASSAY_OK)
        rc = set_dex_string(a, &m[M_PROTO], x->proto);
    if (rc == ASSAY_OK)
        rc = fill_code_item(a, m[M_CODE_ITEM].members, &x->code);
    return rc;
}

static int fill_members(struct yobj_arena *a, struct yobj *r, const struct fmt_dex *d)
{
    int rc = ASSAY_OK;
    struct yobj *it = items_of(a, &r[R_FIELD], d->field_slots, &rc);
    for (size_t i = 0; rc == ASSAY_OK && i < d->field_slots; i++)
        rc = fill_field(a, it[i].members, &d->fields[i]);
    it = rc == ASSAY_OK ? items_of(a, &r[R_METHOD], d->method_slots, &rc) : NULL;
    for (size_t i = 0; rc == ASSAY_OK && i < d->method_slots; i++)
        rc = fill_method(a, it[i].members, &d->methods[i]);
    return rc;
}

static int fill(struct yobj_arena *a, struct yobj *root, const struct fmt_dex *d)
{
    struct yobj *r = root->members;
    int rc = fill_header(a, r[R_HEADER].members, &d->header);
    if (rc == ASSAY_OK)
        rc = fill_id_tables(a, r, d);
    if (rc == ASSAY_OK)
        rc = fill_map(a, r, d);
    if (rc == ASSAY_OK)
        rc = fill_classes(a, r, d);
    if (rc == ASSAY_OK)
        rc = fill_members(a, r, d);
    return rc;
}

static int set_constants(struct yobj_arena *a, struct yobj *root)
{
    for (size_t i = 0; i < sizeof magic_versions / sizeof magic_versions[0]; i++) {
        char magic[FMT_DEX_MAGIC_LEN + 1];
        memcpy(magic, "dex\n", 4);
        memcpy(magic + 4, magic_versions[i], 4);
        if (yobj_set_string(a, &root->members[R_FIRST_MAGIC + i], magic, FMT_DEX_MAGIC_LEN) != 0)
            return ASSAY_ENOMEM;
    }
    for (size_t i = 0; i < sizeof int_constant_values / sizeof int_constant_values[0]; i++)
        yobj_set_int(&root->members[R_FIRST_INT_CONSTANT + i], int_constant_values[i]);
    return ASSAY_OK;
}

static int dex_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    int rc = set_constants(a, root);
    if (rc != ASSAY_OK)
        return rc;
    struct fmt_dex *dex = calloc(1, sizeof *dex);
    if (!dex)
        return ASSAY_ENOMEM;
    rc = fmt_dex_parse(data, len, dex);
    if (rc != ASSAY_OK) {
        fmt_dex_free(dex);
        free(dex);
        return rc == ASSAY_ENOMEM ? rc : ASSAY_OK; /* not DEX: only the constants */
    }
    rc = fill(a, root, dex);
    if (rc != ASSAY_OK) {
        fmt_dex_free(dex);
        free(dex);
        return rc;
    }
    *state = dex;
    return ASSAY_OK;
}

static void dex_unload(void *state)
{
    struct fmt_dex *dex = state;
    if (dex) {
        fmt_dex_free(dex);
        free(dex);
    }
}

const struct yara_module yara_module_dex = {"dex", &dex_decl, dex_load, dex_unload};
