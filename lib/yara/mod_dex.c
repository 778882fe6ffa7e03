/* mod_dex.c — YARA's "dex" module (being written: no members yet). */
#include "module.h"

static const struct yobj_decl dex_members[] = {{0}};
static const struct yobj_decl dex_decl = {.name = "dex", .type = YOBJ_STRUCT, .members = dex_members};

const struct yara_module yara_module_dex = {"dex", &dex_decl, NULL, NULL};
