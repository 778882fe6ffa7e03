/* yobj_path.h — unit tests of YARA modules: a value of a module's tree by
 * path, "sections", "symtab[68].name", "method[1].code_item.insns" (NULL:
 * no such value). Paths are at most 255 characters. */
#ifndef ASSAY_TEST_YOBJ_PATH_H
#define ASSAY_TEST_YOBJ_PATH_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yara/object.h"

static inline struct yobj *yobj_path(struct yobj *root, const char *path)
{
    struct yobj *o = root;
    char buf[256];
    char *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save)) {
        char *br = strchr(tok, '[');
        long idx = -1;
        if (br) {
            idx = strtol(br + 1, NULL, 10);
            *br = 0;
        }
        o = yobj_member(o, tok);
        if (o && idx >= 0)
            o = yobj_index(o, idx);
    }
    return o;
}

#endif
