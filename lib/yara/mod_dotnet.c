/* mod_dotnet.c — YARA's "dotnet" module (being written: no members yet). */
#include "module.h"

static const struct yobj_decl dotnet_members[] = {{0}};
static const struct yobj_decl dotnet_decl = {.name = "dotnet", .type = YOBJ_STRUCT, .members = dotnet_members};

const struct yara_module yara_module_dotnet = {"dotnet", &dotnet_decl, NULL, NULL};
