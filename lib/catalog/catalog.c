/* catalog.c — loading the vendor catalog. STUB: not written yet. */
#include "catalog/catalog.h"

#include <string.h>

#include "util/error.h"

int catalog_load(struct catalog *c, const char *name, const char *text, size_t len)
{
    (void)text;
    (void)len;
    memset(c, 0, sizeof *c);
    return util_error(ASSAY_EINVAL, "%s: catalog loading is not written yet", name);
}

int catalog_load_file(struct catalog *c, const char *path)
{
    return catalog_load(c, path, "", 0);
}

int catalog_load_default(struct catalog *c)
{
    return catalog_load(c, "builtin:vendors.yaml", "", 0);
}

void catalog_free(struct catalog *c)
{
    util_arena_free(&c->arena);
    memset(c, 0, sizeof *c);
}

const struct catalog_vendor *catalog_vendor(const struct catalog *c, const char *id)
{
    (void)c;
    (void)id;
    return NULL;
}

const struct catalog_source *catalog_source(const struct catalog *c, const char *id)
{
    (void)c;
    (void)id;
    return NULL;
}
