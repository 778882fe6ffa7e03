/* pe_resources.c — the PE resource tree (type / name / language levels, as
 * Windows reads it) and the VS_VERSIONINFO StringFileInfo key/value pairs.
 *
 * The tree is untrusted: a subdirectory may point back at an ancestor, so the
 * walk is bounded both by depth (FMT_PE_MAX_RESOURCE_DEPTH) and by a budget of
 * directory entries visited in total (RESOURCE_VISIT_BUDGET). */
#include "format/pe.h"

#include <stdlib.h>
#include <string.h>

#include "assay.h"

#define RESOURCE_VISIT_BUDGET (4 * FMT_PE_MAX_RESOURCES)
#define RT_VERSION 16

struct rsrc_walk {
    struct fmt_pe *pe;
    uint64_t base;       /* file offset of the root directory */
    uint32_t base_rva;
    size_t budget;       /* directory entries left to visit */
    UTIL_VEC(struct fmt_pe_resource) out;
    /* the current path: ids and names of the type and name levels */
    uint32_t ids[FMT_PE_MAX_RESOURCE_DEPTH];
    char *names[FMT_PE_MAX_RESOURCE_DEPTH];
    uint8_t *raw[FMT_PE_MAX_RESOURCE_DEPTH];     /* the names' UTF-16LE bytes */
    size_t raw_len[FMT_PE_MAX_RESOURCE_DEPTH];
};

/* The directory-string (u16 length + UTF-16 units) at base + rel as the
 * name of level `depth`: UTF-8 in names[], the stored bytes in raw[]. Both
 * stay NULL when it cannot be read; ASSAY_ENOMEM on exhaustion. */
static int resource_name(struct rsrc_walk *w, uint32_t rel, unsigned depth)
{
    uint64_t off = w->base + rel;
    if (!fmt_pe_read_ok_(w->pe, off, 2))
        return ASSAY_OK;
    size_t units = fmt_pe_u16_(w->pe->data_ + off);
    if (!fmt_pe_read_ok_(w->pe, off + 2, 2 * (uint64_t)units))
        return ASSAY_OK;
    if (units > FMT_PE_MAX_STRING)
        units = FMT_PE_MAX_STRING;
    w->names[depth] = fmt_pe_utf16_to_utf8_(w->pe, w->pe->data_ + off + 2, units);
    w->raw[depth] = fmt_pe_alloc_(w->pe, 2 * units);
    if (!w->names[depth] || !w->raw[depth])
        return ASSAY_ENOMEM;
    memcpy(w->raw[depth], w->pe->data_ + off + 2, 2 * units);
    w->raw_len[depth] = 2 * units;
    return ASSAY_OK;
}

static int add_leaf(struct rsrc_walk *w, uint32_t data_rel)
{
    struct fmt_pe *pe = w->pe;
    if (w->out.n >= FMT_PE_MAX_RESOURCES) {
        pe->resources_truncated = true;
        return ASSAY_OK;
    }
    uint64_t off = w->base + data_rel;
    if (!fmt_pe_read_ok_(pe, off, 16))
        return ASSAY_OK;
    struct fmt_pe_resource r = {0};
    r.type = w->names[0] ? 0 : w->ids[0];
    r.id = w->names[1] ? 0 : w->ids[1];
    r.language = w->names[2] ? 0 : w->ids[2];
    r.type_string = w->names[0];
    r.name_string = w->names[1];
    r.language_string = w->names[2];
    r.type_utf16 = w->raw[0];
    r.name_utf16 = w->raw[1];
    r.language_utf16 = w->raw[2];
    r.type_utf16_len = w->raw_len[0];
    r.name_utf16_len = w->raw_len[1];
    r.language_utf16_len = w->raw_len[2];
    r.rva = fmt_pe_u32_(pe->data_ + off);
    r.length = fmt_pe_u32_(pe->data_ + off + 4);
    r.has_offset = fmt_pe_rva_offset(pe, r.rva, &r.offset);
    return util_vec_push(&w->out, r) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

static int walk_directory(struct rsrc_walk *w, uint32_t rel, unsigned depth)
{
    struct fmt_pe *pe = w->pe;
    uint64_t off = w->base + rel;
    if (depth >= FMT_PE_MAX_RESOURCE_DEPTH || !fmt_pe_read_ok_(pe, off, 16))
        return ASSAY_OK;
    const uint8_t *dir = pe->data_ + off;
    size_t n = (size_t)fmt_pe_u16_(dir + 12) + fmt_pe_u16_(dir + 14);
    for (size_t i = 0; i < n; i++) {
        if (w->budget == 0) {
            pe->resources_truncated = true;
            return ASSAY_OK;
        }
        w->budget--;
        uint64_t e = off + 16 + 8 * i;
        if (!fmt_pe_read_ok_(pe, e, 8))
            break;
        uint32_t name = fmt_pe_u32_(pe->data_ + e), target = fmt_pe_u32_(pe->data_ + e + 4);
        w->ids[depth] = name & 0x7fffffff;
        w->names[depth] = NULL;
        w->raw[depth] = NULL;
        w->raw_len[depth] = 0;
        int rc = (name & 0x80000000u) ? resource_name(w, name & 0x7fffffff, depth) : ASSAY_OK;
        if (rc != ASSAY_OK)
            return rc;
        if (target & 0x80000000u)
            rc = walk_directory(w, target & 0x7fffffff, depth + 1);
        else if (depth == FMT_PE_MAX_RESOURCE_DEPTH - 1)
            rc = add_leaf(w, target);
        else
            rc = ASSAY_OK; /* a leaf above the language level: Windows ignores it */
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

/* ------------------------------------------------------------------------ */
/* VS_VERSIONINFO                                                           */
/* ------------------------------------------------------------------------ */

/* One version-info block: wLength, wValueLength, wType, szKey, padding,
 * Value, padding, Children. */
struct vblock {
    uint64_t off, end;         /* [off, end) is the block */
    uint16_t value_length;
    const uint8_t *key;        /* UTF-16 units */
    size_t key_units;
    uint64_t value_off;
    uint64_t children_off;     /* for blocks whose value is value_length bytes */
};

struct vi_vec {
    struct fmt_pe_version_info *v;
    size_t n, cap;
};

static uint64_t align4(uint64_t v)
{
    return (v + 3) & ~(uint64_t)3;
}

static bool read_vblock(const struct fmt_pe *pe, uint64_t off, uint64_t limit, struct vblock *b)
{
    if (off + 6 > limit || !fmt_pe_read_ok_(pe, off, 6))
        return false;
    uint16_t length = fmt_pe_u16_(pe->data_ + off);
    if (length < 6 || off + length > limit || !fmt_pe_read_ok_(pe, off, length))
        return false;
    b->off = off;
    b->end = off + length;
    b->value_length = fmt_pe_u16_(pe->data_ + off + 2);
    b->key = pe->data_ + off + 6;
    uint64_t p = off + 6;
    while (p + 2 <= b->end && fmt_pe_u16_(pe->data_ + p) != 0)
        p += 2;
    b->key_units = (size_t)(p - (off + 6)) / 2;
    b->value_off = align4(p + 2);
    b->children_off = align4(b->value_off + b->value_length);
    return true;
}

static bool key_is(const struct vblock *b, const char *ascii)
{
    size_t n = strlen(ascii);
    if (b->key_units != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (fmt_pe_u16_(b->key + 2 * i) != (uint8_t)ascii[i])
            return false;
    return true;
}

static int add_version_string(struct fmt_pe *pe, const struct vblock *s,
                              struct vi_vec *out)
{
    if (out->n >= FMT_PE_MAX_VERSION_INFOS)
        return ASSAY_OK;
    /* wValueLength counts UTF-16 units (with the NUL); stop at the block end. */
    size_t units = 0;
    uint64_t p = s->value_off;
    while (units < s->value_length && p + 2 <= s->end && fmt_pe_u16_(pe->data_ + p) != 0) {
        units++;
        p += 2;
    }
    struct fmt_pe_version_info vi;
    vi.key = fmt_pe_utf16_to_utf8_(pe, s->key, s->key_units);
    vi.value = fmt_pe_utf16_to_utf8_(pe, pe->data_ + (s->value_off <= s->end ? s->value_off : s->end), units);
    if (!vi.key || !vi.value)
        return ASSAY_ENOMEM;
    return util_vec_push(out, vi) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

/* StringFileInfo -> StringTable* -> String*. */
static int parse_string_file_info(struct fmt_pe *pe, const struct vblock *sfi,
                                  struct vi_vec *out)
{
    struct vblock table, str;
    for (uint64_t t = align4(sfi->value_off); read_vblock(pe, t, sfi->end, &table);
         t = align4(table.end)) {
        for (uint64_t s = align4(table.value_off); read_vblock(pe, s, table.end, &str);
             s = align4(str.end)) {
            int rc = add_version_string(pe, &str, out);
            if (rc != ASSAY_OK)
                return rc;
        }
    }
    return ASSAY_OK;
}

static int parse_version_info(struct fmt_pe *pe, uint64_t off, uint32_t length,
                              struct vi_vec *out)
{
    struct vblock root, child;
    uint64_t limit = off + length;
    if (limit > pe->len_)
        limit = pe->len_;
    if (!read_vblock(pe, off, limit, &root) || !key_is(&root, "VS_VERSION_INFO"))
        return ASSAY_OK;
    for (uint64_t c = root.children_off; read_vblock(pe, c, root.end, &child); c = align4(child.end)) {
        if (!key_is(&child, "StringFileInfo"))
            continue;
        int rc = parse_string_file_info(pe, &child, out);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

static int parse_version_infos(struct fmt_pe *pe)
{
    struct vi_vec out = {0};
    for (size_t i = 0; i < pe->nresources; i++) {
        const struct fmt_pe_resource *r = &pe->resources[i];
        if (r->type_string || r->type != RT_VERSION || !r->has_offset)
            continue;
        int rc = parse_version_info(pe, r->offset, r->length, &out);
        if (rc != ASSAY_OK) {
            free(out.v);
            return rc;
        }
    }
    if (out.n) {
        pe->version_infos = fmt_pe_alloc_(pe, sizeof(*out.v) * out.n);
        if (!pe->version_infos) {
            free(out.v);
            return ASSAY_ENOMEM;
        }
        memcpy(pe->version_infos, out.v, sizeof(*out.v) * out.n);
        pe->nversion_infos = out.n;
    }
    free(out.v);
    return ASSAY_OK;
}

int fmt_pe_parse_resources_(struct fmt_pe *pe)
{
    const struct fmt_pe_data_directory *dir = &pe->data_directories[FMT_PE_DIR_RESOURCE];
    uint64_t base;
    if (!dir->virtual_address || !fmt_pe_rva_offset(pe, dir->virtual_address, &base) ||
        !fmt_pe_read_ok_(pe, base, 16))
        return ASSAY_OK;
    const uint8_t *root = pe->data_ + base;
    pe->has_resource_directory = true;
    pe->resource_timestamp = fmt_pe_u32_(root + 4);
    pe->resource_version.major = fmt_pe_u16_(root + 8);
    pe->resource_version.minor = fmt_pe_u16_(root + 10);
    struct rsrc_walk w = {.pe = pe, .base = base, .base_rva = dir->virtual_address,
                          .budget = RESOURCE_VISIT_BUDGET};
    int rc = walk_directory(&w, 0, 0);
    if (rc == ASSAY_OK && w.out.n) {
        pe->resources = fmt_pe_alloc_(pe, sizeof(*w.out.v) * w.out.n);
        if (pe->resources) {
            memcpy(pe->resources, w.out.v, sizeof(*w.out.v) * w.out.n);
            pe->nresources = w.out.n;
        } else {
            rc = ASSAY_ENOMEM;
        }
    }
    free(w.out.v);
    if (rc != ASSAY_OK)
        return rc;
    return parse_version_infos(pe);
}
