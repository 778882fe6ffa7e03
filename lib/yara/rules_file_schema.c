/* rules_file_schema.c — module schemas as the compiled rules file names
 * them: each module's entries in preorder with a fingerprint of their names,
 * types and signatures (rules_file_internal.h, struct schema), and the
 * (module slot, preorder index, overload index) references that stand for
 * ynode.decl and ynode.fn in the blob — made by the saver through a pointer
 * map, resolved and bounds-checked by the loader.
 *
 * Limits: schemas of up to RF_SCHEMA_MAX entries and RF_SCHEMA_DEPTH levels
 * (deeper or larger ones cannot be saved: ASSAY_ELIMIT). */
#include <stdlib.h>
#include <string.h>

#include "yara/rules_file_internal.h"

static int schema_walk(struct schema *s, const struct yobj_decl *d, unsigned depth)
{
    if (depth > RF_SCHEMA_DEPTH || s->decls.n >= RF_SCHEMA_MAX)
        return util_error(ASSAY_ELIMIT, "a YARA module schema is too large to save");
    if (util_vec_push(&s->decls, d) != 0)
        return oom();
    uint8_t type = (uint8_t)d->type;
    s->fingerprint = fnv(s->fingerprint, d->name ? d->name : "", d->name ? strlen(d->name) + 1 : 1);
    s->fingerprint = fnv(s->fingerprint, &type, 1);
    int rc = ASSAY_OK;
    if (d->type == YOBJ_FUNC)
        for (size_t i = 0; d->overloads && d->overloads[i].args; i++) {
            uint8_t result = (uint8_t)d->overloads[i].result;
            s->fingerprint = fnv(s->fingerprint, d->overloads[i].args, strlen(d->overloads[i].args) + 1);
            s->fingerprint = fnv(s->fingerprint, &result, 1);
        }
    if (d->type == YOBJ_STRUCT)
        for (size_t i = 0; rc == ASSAY_OK && d->members && d->members[i].name; i++)
            rc = schema_walk(s, &d->members[i], depth + 1);
    if ((d->type == YOBJ_ARRAY || d->type == YOBJ_DICT) && d->element && rc == ASSAY_OK)
        rc = schema_walk(s, d->element, depth + 1);
    static const uint8_t end = 0xFF; /* so that sibling and child entries differ */
    s->fingerprint = fnv(s->fingerprint, &end, 1);
    return rc;
}

int schema_build(struct schema *s, const struct yara_module *m)
{
    memset(s, 0, sizeof *s);
    s->fingerprint = fnv(FNV_START, m->name, strlen(m->name) + 1);
    return schema_walk(s, m->decl, 0);
}

void schema_free(struct schema *s)
{
    util_vec_free(&s->decls);
}

uint32_t overload_count(const struct yobj_decl *d)
{
    uint32_t n = 0;
    while (d->overloads && d->overloads[n].args)
        n++;
    return n;
}

uint32_t member_count(const struct yobj_decl *d)
{
    uint32_t n = 0;
    while (d->members && d->members[n].name)
        n++;
    return n;
}

/* ---- the pointer map (saving: schema entries, files, regexes) ------------------- */

static size_t ptr_slot(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & (cap - 1);
}

bool ptrmap_get(const struct ptrmap *m, const void *k, uint32_t *v)
{
    if (!m->cap)
        return false;
    for (size_t i = ptr_slot(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return false;
        if (m->keys[i] == k) {
            *v = m->vals[i];
            return true;
        }
    }
}

int ptrmap_put(struct ptrmap *m, const void *k, uint32_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        const void **keys = calloc(cap, sizeof *keys);
        uint32_t *vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return oom();
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = ptr_slot(m->keys[i], cap);
                while (keys[j])
                    j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t i = ptr_slot(k, m->cap);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = v;
    m->n++;
    return ASSAY_OK;
}

void ptrmap_free(struct ptrmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- references ----------------------------------------------------------------- */

int schema_index(struct ptrmap *decls, const struct schema *s, uint32_t slot)
{
    int rc = ASSAY_OK;
    for (size_t i = s->decls.n; rc == ASSAY_OK && i-- > 0;) /* backwards: the first occurrence wins */
        rc = ptrmap_put(decls, s->decls.v[i], slot * RF_SCHEMA_MAX + (uint32_t)i);
    return rc;
}

int decl_ref(const struct ptrmap *decls, const struct yobj_decl *d, struct rf_node *x)
{
    x->decl = RF_NONE;
    if (!d)
        return ASSAY_OK;
    uint32_t v;
    if (!ptrmap_get(decls, d, &v))
        return util_error(ASSAY_EINVAL, "a YARA condition names a module value outside the module schemas");
    x->decl_mod = (uint8_t)(v / RF_SCHEMA_MAX);
    x->decl = v % RF_SCHEMA_MAX;
    return ASSAY_OK;
}

/* The index of nd->fn among the overloads of nd->decl (RF_NONE: no call). */
int fn_ref(const struct ynode *nd, struct rf_node *x)
{
    x->fn = RF_NONE;
    if (!nd->fn)
        return ASSAY_OK;
    for (uint32_t k = 0; nd->decl && nd->decl->type == YOBJ_FUNC && k < overload_count(nd->decl); k++)
        if (&nd->decl->overloads[k] == nd->fn)
            x->fn = k;
    if (x->fn == RF_NONE)
        return util_error(ASSAY_EINVAL, "a YARA condition calls a function outside the module schemas");
    return ASSAY_OK;
}

bool decl_at(const struct schema *schemas, uint32_t module_count, const struct rf_node *x,
             const struct yobj_decl **out)
{
    *out = NULL;
    if (x->decl == RF_NONE)
        return true;
    if (x->decl_mod >= module_count || x->decl >= schemas[x->decl_mod].decls.n)
        return false;
    *out = schemas[x->decl_mod].decls.v[x->decl];
    return true;
}
