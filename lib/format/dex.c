/* dex.c — bounds-checked DEX parser (see dex.h for what is read, YARA's
 * quirks it keeps and the limits).
 *
 * Every offset and size read from the file goes through in_file() before the
 * bytes behind it are touched; sums are formed in 64 bits. */
#include "format/dex.h"

#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/buf.h"
#include "util/error.h"

/* Sizes of the fixed-size items. */
#define STRING_ID_SIZE 4
#define TYPE_ID_SIZE 4
#define PROTO_ID_SIZE 12
#define MEMBER_ID_SIZE 8
#define CLASS_DEF_SIZE 32
#define MAP_ITEM_SIZE 12
#define CODE_ITEM_HEADER 16
/* Bytes that must be readable where YARA starts to decode an item. */
#define STRING_DATA_MIN 4
#define CLASS_DATA_MIN 16
#define ENCODED_FIELD_MIN 8
#define ENCODED_METHOD_MIN 12

struct reader {
    const uint8_t *d;
    size_t len;
};

/* [off, off + n) lies inside the buffer. */
static bool in_file(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

static uint16_t rd16(const struct reader *r, uint64_t off)
{
    const uint8_t *p = r->d + off;
    return (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const struct reader *r, uint64_t off)
{
    const uint8_t *p = r->d + off;
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* An unsigned LEB128 of at most 5 bytes at *pos, kept to 32 bits (the bits of
 * a fifth byte beyond them are dropped, as YARA does). False when it runs past
 * the end of the file. */
static bool rd_uleb(const struct reader *r, uint64_t *pos, uint32_t *out)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < 5; i++) {
        if (*pos >= r->len)
            return false;
        uint8_t b = r->d[(*pos)++];
        v |= (uint32_t)(b & (i < 4 ? 0x7f : 0xff)) << (7 * i);
        if (!(b & 0x80) || i == 4)
            break;
    }
    *out = v;
    return true;
}

static int nomem(void)
{
    return util_error(ASSAY_ENOMEM, "dex: out of memory");
}

/* Allocate an array of n elements (at least one, so that n == 0 gives a
 * valid pointer). */
static void *alloc_array(size_t n, size_t elem)
{
    return calloc(n ? n : 1, elem);
}

/* ---- header ---------------------------------------------------------------- */

static bool known_magic(const uint8_t *m)
{
    return memcmp(m, "dex\n03", 6) == 0 && m[6] >= '5' && m[6] <= '9' && m[7] == 0;
}

static void read_header(const struct reader *r, struct fmt_dex_header *h)
{
    memcpy(h->magic, r->d, 8);
    h->checksum = rd32(r, 8);
    memcpy(h->signature, r->d + 12, 20);
    uint32_t *const words[] = {
        &h->file_size,         &h->header_size,       &h->endian_tag,        &h->link_size,
        &h->link_offset,       &h->map_offset,        &h->string_ids_size,   &h->string_ids_offset,
        &h->type_ids_size,     &h->type_ids_offset,   &h->proto_ids_size,    &h->proto_ids_offset,
        &h->field_ids_size,    &h->field_ids_offset,  &h->method_ids_size,   &h->method_ids_offset,
        &h->class_defs_size,   &h->class_defs_offset, &h->data_size,         &h->data_offset,
    };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        *words[i] = rd32(r, 32 + 4 * i);
}

/* ---- id tables -------------------------------------------------------------- */

/* A table of `count` items of `size` bytes at `offset` lies wholly inside the
 * file; *kept is the number of entries kept (capped). */
static bool table_fits(struct fmt_dex *dex, size_t len, uint32_t offset, uint32_t count, uint64_t size,
                       size_t *kept)
{
    if (!in_file(len, offset, (uint64_t)count * size))
        return false;
    *kept = count;
    if (*kept > FMT_DEX_MAX_IDS) {
        *kept = FMT_DEX_MAX_IDS;
        dex->truncated = true;
    }
    return true;
}

/* One string_ids entry: kept when 4 bytes are readable at its data, its
 * length decodes inside the file and its value lies inside the file. */
static void read_string(const struct reader *r, uint32_t data_off, struct fmt_dex_string *s)
{
    s->offset = data_off;
    if (!in_file(r->len, data_off, STRING_DATA_MIN))
        return;
    uint64_t pos = data_off;
    uint32_t size;
    if (!rd_uleb(r, &pos, &size))
        return;
    /* YARA reads the value right after the first length byte. */
    if (!in_file(r->len, (uint64_t)data_off + 1, size))
        return;
    s->size = size;
    s->value = r->d + data_off + 1;
    s->present = true;
}

static int read_strings(const struct reader *r, struct fmt_dex *dex)
{
    const struct fmt_dex_header *h = &dex->header;
    size_t n;
    if (!table_fits(dex, r->len, h->string_ids_offset, h->string_ids_size, STRING_ID_SIZE, &n))
        return ASSAY_EFORMAT;
    dex->strings = alloc_array(n, sizeof *dex->strings);
    if (!dex->strings)
        return nomem();
    for (size_t i = 0; i < n; i++)
        read_string(r, rd32(r, (uint64_t)h->string_ids_offset + i * STRING_ID_SIZE), &dex->strings[i]);
    dex->nstrings = n;
    dex->strings_valid = true;
    return ASSAY_OK;
}

static int read_types(const struct reader *r, struct fmt_dex *dex)
{
    const struct fmt_dex_header *h = &dex->header;
    size_t n;
    if (!table_fits(dex, r->len, h->type_ids_offset, h->type_ids_size, TYPE_ID_SIZE, &n))
        return ASSAY_EFORMAT;
    dex->types = alloc_array(n, sizeof *dex->types);
    if (!dex->types)
        return nomem();
    for (size_t i = 0; i < n; i++)
        dex->types[i].descriptor_idx = rd32(r, (uint64_t)h->type_ids_offset + i * TYPE_ID_SIZE);
    dex->ntypes = n;
    dex->types_valid = true;
    return ASSAY_OK;
}

static int read_protos(const struct reader *r, struct fmt_dex *dex)
{
    const struct fmt_dex_header *h = &dex->header;
    size_t n;
    if (!table_fits(dex, r->len, h->proto_ids_offset, h->proto_ids_size, PROTO_ID_SIZE, &n))
        return ASSAY_EFORMAT;
    dex->protos = alloc_array(n, sizeof *dex->protos);
    if (!dex->protos)
        return nomem();
    for (size_t i = 0; i < n; i++) {
        uint64_t at = (uint64_t)h->proto_ids_offset + i * PROTO_ID_SIZE;
        dex->protos[i].shorty_idx = rd32(r, at);
        dex->protos[i].return_type_idx = rd32(r, at + 4);
        dex->protos[i].parameters_offset = rd32(r, at + 8);
    }
    dex->nprotos = n;
    dex->protos_valid = true;
    return ASSAY_OK;
}

/* field_ids or method_ids (the same 8-byte layout). */
static int read_member_ids(const struct reader *r, struct fmt_dex *dex, uint32_t offset, uint32_t count,
                           struct fmt_dex_member_id **out, size_t *nout)
{
    size_t n;
    if (!table_fits(dex, r->len, offset, count, MEMBER_ID_SIZE, &n))
        return ASSAY_EFORMAT;
    struct fmt_dex_member_id *ids = alloc_array(n, sizeof *ids);
    if (!ids)
        return nomem();
    for (size_t i = 0; i < n; i++) {
        uint64_t at = (uint64_t)offset + i * MEMBER_ID_SIZE;
        ids[i].class_idx = rd16(r, at);
        ids[i].type_or_proto = rd16(r, at + 2);
        ids[i].name_idx = rd32(r, at + 4);
    }
    *out = ids;
    *nout = n;
    return ASSAY_OK;
}

/* The id tables in YARA's order; the first that does not fit ends the chain
 * (ASSAY_EFORMAT, not an error of the file as a whole). */
static int read_id_tables(const struct reader *r, struct fmt_dex *dex)
{
    const struct fmt_dex_header *h = &dex->header;
    int rc = read_strings(r, dex);
    if (rc == ASSAY_OK)
        rc = read_types(r, dex);
    if (rc == ASSAY_OK)
        rc = read_protos(r, dex);
    if (rc == ASSAY_OK) {
        rc = read_member_ids(r, dex, h->field_ids_offset, h->field_ids_size, &dex->field_ids, &dex->nfield_ids);
        dex->field_ids_valid = rc == ASSAY_OK;
    }
    if (rc == ASSAY_OK) {
        rc = read_member_ids(r, dex, h->method_ids_offset, h->method_ids_size, &dex->method_ids,
                             &dex->nmethod_ids);
        dex->method_ids_valid = rc == ASSAY_OK;
    }
    return rc;
}

/* ---- map list ---------------------------------------------------------------- */

/* The map list. *complete is false when YARA would stop there: its count is
 * readable but not all of its items are (then no class is read either). */
static int read_map(const struct reader *r, struct fmt_dex *dex, bool *complete)
{
    uint32_t off = dex->header.map_offset;
    *complete = true;
    if (!in_file(r->len, off, 4))
        return ASSAY_OK;
    dex->map_present = true;
    dex->map_size = rd32(r, off);
    /* YARA reads the items only when count * 12 bytes (plus the count) would
     * fit in the file, wherever the list starts. */
    if ((uint64_t)dex->map_size * MAP_ITEM_SIZE + 4 > r->len) {
        *complete = false;
        return ASSAY_OK;
    }
    size_t n = 0;
    while (n < dex->map_size && in_file(r->len, (uint64_t)off + 4 + n * MAP_ITEM_SIZE, MAP_ITEM_SIZE))
        n++;
    *complete = n == dex->map_size;
    if (n > FMT_DEX_MAX_MAP_ITEMS) {
        n = FMT_DEX_MAX_MAP_ITEMS;
        dex->truncated = true;
    }
    dex->map_items = alloc_array(n, sizeof *dex->map_items);
    if (!dex->map_items)
        return nomem();
    for (size_t i = 0; i < n; i++) {
        uint64_t at = (uint64_t)off + 4 + i * MAP_ITEM_SIZE;
        dex->map_items[i].type = rd16(r, at);
        dex->map_items[i].unused = rd16(r, at + 2);
        dex->map_items[i].size = rd32(r, at + 4);
        dex->map_items[i].offset = rd32(r, at + 8);
    }
    dex->nmap_items = n;
    return ASSAY_OK;
}

/* ---- name resolution ------------------------------------------------------------ */

const struct fmt_dex_string *fmt_dex_string_at(const struct fmt_dex *dex, uint32_t idx)
{
    if (idx >= dex->nstrings || !dex->strings[idx].present)
        return NULL;
    return &dex->strings[idx];
}

const struct fmt_dex_string *fmt_dex_type_name(const struct fmt_dex *dex, uint32_t idx)
{
    if (idx >= dex->ntypes)
        return NULL;
    return fmt_dex_string_at(dex, dex->types[idx].descriptor_idx);
}

static const struct fmt_dex_string *proto_shorty(const struct fmt_dex *dex, uint32_t idx)
{
    if (idx >= dex->nprotos)
        return NULL;
    return fmt_dex_string_at(dex, dex->protos[idx].shorty_idx);
}

/* ---- class data -------------------------------------------------------------------- */

/* State of the walk of one class data: the read position. */
struct class_walk {
    const struct reader *r;
    struct fmt_dex *dex;
    uint64_t pos;
};

enum item_result {
    ITEM_OK,       /* decoded and resolved: bytes consumed, counted */
    ITEM_FAILED,   /* not counted, nothing consumed: the rest of the list fails alike */
};

static void read_code_item(const struct reader *r, uint32_t code_off, struct fmt_dex_code_item *c)
{
    if (!in_file(r->len, code_off, CODE_ITEM_HEADER))
        return;
    c->present = true;
    c->registers_size = rd16(r, code_off);
    c->ins_size = rd16(r, (uint64_t)code_off + 2);
    c->outs_size = rd16(r, (uint64_t)code_off + 4);
    c->tries_size = rd16(r, (uint64_t)code_off + 6);
    c->debug_info_off = rd32(r, (uint64_t)code_off + 8);
    c->insns_size = rd32(r, (uint64_t)code_off + 12);
    if (in_file(r->len, (uint64_t)code_off + CODE_ITEM_HEADER, (uint64_t)c->insns_size * 2))
        c->insns = r->d + code_off + CODE_ITEM_HEADER;
}

/* Decode the encoded field at w->pos into the next slot (dex->fields[nfields]).
 * *prev is the field index of the previous field of the list. */
static enum item_result read_encoded_field(struct class_walk *w, bool is_static, uint32_t *prev)
{
    struct fmt_dex *dex = w->dex;
    uint64_t pos = w->pos;
    uint32_t diff, flags;
    if (!in_file(w->r->len, pos, ENCODED_FIELD_MIN) || !rd_uleb(w->r, &pos, &diff) || !rd_uleb(w->r, &pos, &flags))
        return ITEM_FAILED;
    struct fmt_dex_field *f = &dex->fields[dex->nfields];
    memset(f, 0, sizeof *f);
    f->field_idx_diff = diff;
    f->access_flags = flags;
    f->is_static = is_static;
    dex->field_slots = dex->nfields + 1;
    uint32_t idx = *prev + diff;  /* wraps at 32 bits, as YARA's */
    if (idx >= dex->nfield_ids)
        return ITEM_FAILED;
    const struct fmt_dex_member_id *id = &dex->field_ids[idx];
    f->resolved = true;
    f->field_idx = idx;
    f->name = fmt_dex_string_at(dex, id->name_idx);
    f->class_name = fmt_dex_type_name(dex, id->class_idx);
    f->type = fmt_dex_type_name(dex, id->type_or_proto);
    *prev = idx;
    w->pos = pos;
    dex->nfields++;
    return ITEM_OK;
}

/* Decode the encoded method at w->pos into the next slot (dex->methods[nmethods]). */
static enum item_result read_encoded_method(struct class_walk *w, bool direct, uint32_t *prev)
{
    struct fmt_dex *dex = w->dex;
    uint64_t pos = w->pos;
    uint32_t diff, flags, code_off;
    if (!in_file(w->r->len, pos, ENCODED_METHOD_MIN) || !rd_uleb(w->r, &pos, &diff) ||
        !rd_uleb(w->r, &pos, &flags) || !rd_uleb(w->r, &pos, &code_off))
        return ITEM_FAILED;
    struct fmt_dex_method *m = &dex->methods[dex->nmethods];
    memset(m, 0, sizeof *m);
    m->method_idx_diff = diff;
    m->access_flags = flags;
    m->code_off = code_off;
    m->direct = direct;
    dex->method_slots = dex->nmethods + 1;
    uint32_t idx = *prev + diff;
    if (idx >= dex->nmethod_ids)
        return ITEM_FAILED;
    const struct fmt_dex_member_id *id = &dex->method_ids[idx];
    m->resolved = true;
    m->method_idx = idx;
    m->name = fmt_dex_string_at(dex, id->name_idx);
    m->class_name = fmt_dex_type_name(dex, id->class_idx);
    m->proto = proto_shorty(dex, id->type_or_proto);
    if (code_off != 0)
        read_code_item(w->r, code_off, &m->code);
    *prev = idx;
    w->pos = pos;
    dex->nmethods++;
    return ITEM_OK;
}

/* How the walk of the classes goes on after a list or a class. */
enum walk_status {
    WALK_ON,
    WALK_STOP,     /* unreadable class data (as YARA) or a cap */
    WALK_NOMEM,
};

/* Room for slot `need` of a growing array of items. */
static bool ensure_slot(void **items, size_t *cap, size_t need, size_t elem)
{
    return need < *cap || util_vec_grow_(items, cap, need + 1, elem) == 0;
}

/* One list of `count` fields or methods; `first_kind`: static fields or
 * direct methods (the first list of each pair). */
static enum walk_status read_list(struct class_walk *w, uint32_t count, bool methods, bool first_kind)
{
    struct fmt_dex *dex = w->dex;
    uint32_t prev = 0;
    for (uint32_t i = 0; i < count; i++) {
        size_t n = methods ? dex->nmethods : dex->nfields;
        if (n >= FMT_DEX_MAX_ENCODED) {
            dex->truncated = true;
            return WALK_STOP;
        }
        bool room = methods ? ensure_slot((void **)&dex->methods, &dex->methods_cap, n, sizeof *dex->methods)
                            : ensure_slot((void **)&dex->fields, &dex->fields_cap, n, sizeof *dex->fields);
        if (!room)
            return WALK_NOMEM;
        enum item_result res = methods ? read_encoded_method(w, first_kind, &prev)
                                       : read_encoded_field(w, first_kind, &prev);
        /* A failed item consumed nothing and left `prev` as it was: every
         * further item of the list would decode the same bytes and fail. */
        if (res == ITEM_FAILED)
            break;
    }
    return WALK_ON;
}

/* The class data at `off`. */
static enum walk_status read_class_data(const struct reader *r, struct fmt_dex *dex, uint32_t off)
{
    if (!in_file(r->len, off, CLASS_DATA_MIN))
        return WALK_STOP;
    struct class_walk w = {.r = r, .dex = dex, .pos = off};
    struct fmt_dex_class_data cd;
    if (!rd_uleb(r, &w.pos, &cd.static_fields_size) || !rd_uleb(r, &w.pos, &cd.instance_fields_size) ||
        !rd_uleb(r, &w.pos, &cd.direct_methods_size) || !rd_uleb(r, &w.pos, &cd.virtual_methods_size))
        return WALK_STOP;
    dex->class_data[dex->nclass_data++] = cd;
    enum walk_status st = read_list(&w, cd.static_fields_size, false, true);
    if (st == WALK_ON)
        st = read_list(&w, cd.instance_fields_size, false, false);
    if (st == WALK_ON)
        st = read_list(&w, cd.direct_methods_size, true, true);
    if (st == WALK_ON)
        st = read_list(&w, cd.virtual_methods_size, true, false);
    return st;
}

static int read_classes(const struct reader *r, struct fmt_dex *dex)
{
    const struct fmt_dex_header *h = &dex->header;
    size_t n;
    if (!table_fits(dex, r->len, h->class_defs_offset, h->class_defs_size, CLASS_DEF_SIZE, &n))
        return ASSAY_OK;
    dex->class_defs = alloc_array(n, sizeof *dex->class_defs);
    dex->class_data = alloc_array(n, sizeof *dex->class_data);
    if (!dex->class_defs || !dex->class_data)
        return nomem();
    dex->nclass_defs = n;
    dex->class_defs_valid = true;
    for (size_t i = 0; i < n; i++) {
        uint64_t at = (uint64_t)h->class_defs_offset + i * CLASS_DEF_SIZE;
        uint32_t *const v[] = {&dex->class_defs[i].class_idx,          &dex->class_defs[i].access_flags,
                               &dex->class_defs[i].super_class_idx,    &dex->class_defs[i].interfaces_offset,
                               &dex->class_defs[i].source_file_idx,    &dex->class_defs[i].annotations_offset,
                               &dex->class_defs[i].class_data_offset,  &dex->class_defs[i].static_values_offset};
        for (size_t k = 0; k < 8; k++)
            *v[k] = rd32(r, at + 4 * k);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t off = dex->class_defs[i].class_data_offset;
        if (off == 0)
            continue;
        enum walk_status st = read_class_data(r, dex, off);
        if (st == WALK_NOMEM)
            return nomem();
        if (st == WALK_STOP) {
            /* A cap ends the walk with what was read; unreadable class data
             * leaves the totals and the later classes unknown, as in YARA
             * (which reads each class definition as its walk reaches it). */
            dex->classes_complete = dex->truncated;
            if (!dex->truncated)
                dex->nclass_defs = i + 1;
            return ASSAY_OK;
        }
    }
    dex->classes_complete = true;
    return ASSAY_OK;
}

/* ---- entry points -------------------------------------------------------------------- */

int fmt_dex_parse(const uint8_t *data, size_t len, struct fmt_dex *out)
{
    memset(out, 0, sizeof *out);
    struct reader r = {.d = data, .len = len};
    if (!data || len < FMT_DEX_HEADER_SIZE || !known_magic(data))
        return ASSAY_EFORMAT;
    out->is_dex = true;
    read_header(&r, &out->header);

    int rc = read_id_tables(&r, out);
    if (rc == ASSAY_EFORMAT)
        return ASSAY_OK; /* a table outside the file: the rest stays unknown */
    bool map_complete = true;
    if (rc == ASSAY_OK)
        rc = read_map(&r, out, &map_complete);
    if (rc == ASSAY_OK && map_complete)
        rc = read_classes(&r, out);
    if (rc != ASSAY_OK) {
        fmt_dex_free(out);
        return rc;
    }
    return ASSAY_OK;
}

void fmt_dex_free(struct fmt_dex *dex)
{
    free(dex->strings);
    free(dex->types);
    free(dex->protos);
    free(dex->field_ids);
    free(dex->method_ids);
    free(dex->map_items);
    free(dex->class_defs);
    free(dex->class_data);
    free(dex->fields);
    free(dex->methods);
    memset(dex, 0, sizeof *dex);
}
