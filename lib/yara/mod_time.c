/* mod_time.c — YARA's "time" module (see mod_time.h). */
#include "mod_time.h"

#include <time.h>

#include "module.h"

int64_t yara_time_now(void)
{
    return (int64_t)time(NULL);
}

static void now(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c, (void)a;
    o->type = YOBJ_INT;
    o->i = yara_time_now();
    o->defined = true;
}

static const struct yobj_overload o_now[] = {{"", YOBJ_INT, now}, {0}};
static const struct yobj_decl time_members[] = {{.name = "now", .type = YOBJ_FUNC, .overloads = o_now}, {0}};
static const struct yobj_decl time_decl = {.name = "time", .type = YOBJ_STRUCT, .members = time_members};

const struct yara_module yara_module_time = {"time", &time_decl, NULL, NULL};
