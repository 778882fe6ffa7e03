/* mod_cuckoo.c — YARA's "cuckoo" module without a sandbox report: the schema
 * is complete so rules that import it compile, and every function is false,
 * which is what yara answers when no Cuckoo report is given (-x). Reading
 * reports is not implemented. */
#include "module.h"

static void no_report(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)c, (void)a;
    o->type = YOBJ_INT;
    o->i = 0;
    o->defined = true;
}

static const struct yobj_overload o_r[] = {{"r", YOBJ_INT, no_report}, {0}};
static const struct yobj_overload o_ri[] = {{"ri", YOBJ_INT, no_report}, {0}};

#define F(n, o) {.name = n, .type = YOBJ_FUNC, .overloads = o}
static const struct yobj_decl network[] = {F("dns_lookup", o_r), F("http_get", o_r), F("http_post", o_r),
                                           F("http_request", o_r), F("http_user_agent", o_r), F("host", o_r),
                                           F("tcp", o_ri), F("udp", o_ri), {0}};
static const struct yobj_decl registry[] = {F("key_access", o_r), {0}};
static const struct yobj_decl filesystem[] = {F("file_access", o_r), {0}};
static const struct yobj_decl sync[] = {F("mutex", o_r), {0}};
static const struct yobj_decl process[] = {F("executed_command", o_r), F("api_call", o_r), {0}};
static const struct yobj_decl members[] = {
    {.name = "network", .type = YOBJ_STRUCT, .members = network},
    {.name = "registry", .type = YOBJ_STRUCT, .members = registry},
    {.name = "filesystem", .type = YOBJ_STRUCT, .members = filesystem},
    {.name = "sync", .type = YOBJ_STRUCT, .members = sync},
    {.name = "process", .type = YOBJ_STRUCT, .members = process},
    {0},
};
static const struct yobj_decl cuckoo_decl = {.name = "cuckoo", .type = YOBJ_STRUCT, .members = members};

const struct yara_module yara_module_cuckoo = {"cuckoo", &cuckoo_decl, NULL, NULL};
