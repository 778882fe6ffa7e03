/* mod_macho.c — YARA's "macho" module (being written: no members yet). */
#include "module.h"

static const struct yobj_decl macho_members[] = {{0}};
static const struct yobj_decl macho_decl = {.name = "macho", .type = YOBJ_STRUCT, .members = macho_members};

const struct yara_module yara_module_macho = {"macho", &macho_decl, NULL, NULL};
