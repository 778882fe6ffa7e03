/* module.h — the YARA modules assay provides, found by their import name.
 *
 * A module has a schema (object.h) and, optionally, a `load` step that fills
 * its values for one scanned object (pe, elf: parse the headers). Modules
 * made only of functions (math, hash, string) compute on call. */
#ifndef ASSAY_YARA_MODULE_H
#define ASSAY_YARA_MODULE_H

#include "object.h"

struct yara_module {
    const char *name;
    const struct yobj_decl *decl;
    /* Fill `root` (a fresh value tree of decl) for the object; may set
     * *state for the module's functions (freed by `unload`). NULL: nothing to do. */
    int (*load)(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state);
    void (*unload)(void *state);
};

/* The module called `name`, or NULL (the compiler reports "unknown module"). */
const struct yara_module *yara_module_find(const char *name);

extern const struct yara_module yara_module_math;
extern const struct yara_module yara_module_hash;
extern const struct yara_module yara_module_string;
extern const struct yara_module yara_module_pe;
extern const struct yara_module yara_module_elf;
extern const struct yara_module yara_module_time;
extern const struct yara_module yara_module_console;
extern const struct yara_module yara_module_cuckoo;
extern const struct yara_module yara_module_macho;
extern const struct yara_module yara_module_dex;
extern const struct yara_module yara_module_dotnet;
extern const struct yara_module yara_module_magic;

#endif
