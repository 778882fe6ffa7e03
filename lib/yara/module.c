/* module.c — the registry of YARA modules (see module.h). */
#include "module.h"

#include <string.h>

static const struct yara_module *const modules[] = {
    &yara_module_math,
    &yara_module_hash,
    &yara_module_string,
    &yara_module_pe,
    &yara_module_elf,
    &yara_module_time,
    &yara_module_console,
    &yara_module_cuckoo,
    &yara_module_macho,
    &yara_module_dex,
    &yara_module_dotnet,
    &yara_module_magic,
};

const struct yara_module *yara_module_find(const char *name)
{
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        if (strcmp(modules[i]->name, name) == 0)
            return modules[i];
    return NULL;
}
