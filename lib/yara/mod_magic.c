/* mod_magic.c — YARA's "magic" module (being written: no members yet). */
#include "module.h"

static const struct yobj_decl magic_members[] = {{0}};
static const struct yobj_decl magic_decl = {.name = "magic", .type = YOBJ_STRUCT, .members = magic_members};

const struct yara_module yara_module_magic = {"magic", &magic_decl, NULL, NULL};
