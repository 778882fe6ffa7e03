/* fuzz_dotnet.c — libFuzzer target for fmt_dotnet_parse (CLI header,
 * metadata root, streams, tables, classes and signatures) and the YARA
 * dotnet module's load over it.
 *
 * Besides running the parser under the sanitizers it checks the documented
 * caps, that every reported offset lies inside the input and that every
 * string the struct holds is readable to its end. Seeds: the .NET files of
 * ../shared/yara-tests/data (or any .NET assemblies); the unit test
 * test_yara_dotnet builds a small one with every table the module reads.
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Ilib ... (or meson -Dfuzz=true: tests/fuzz_dotnet) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/dotnet.h"
#include "yara/module.h"

static size_t check_str(const char *s)
{
    return s ? strlen(s) : 0;
}

static void check_bytes(struct fmt_dotnet_bytes b)
{
    if (b.p && b.n) {
        volatile uint8_t sink = b.p[0] ^ b.p[b.n - 1];
        (void)sink;
    }
}

static size_t check_names(char *const *v, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += check_str(v[i]);
    return total;
}

static size_t check_class(const struct fmt_dotnet_class *c)
{
    size_t n = check_str(c->fullname) + check_str(c->name) + check_str(c->namespace_) + check_str(c->visibility) +
               check_str(c->type);
    n += check_names(c->generic_parameters, c->ngeneric_parameters) + check_names(c->base_types, c->nbase_types);
    if (c->nmethods && !c->has_methods)
        abort();
    for (size_t i = 0; i < c->nmethods; i++) {
        const struct fmt_dotnet_method *m = &c->methods[i];
        if (!m->name || !*m->name || !m->visibility || m->nparameters > FMT_DOTNET_MAX_PARAMS)
            abort();
        n += check_str(m->return_type) + check_names(m->generic_parameters, m->ngeneric_parameters);
        for (size_t k = 0; k < m->nparameters; k++) {
            size_t t = check_str(m->parameters[k].type);
            if (t > FMT_DOTNET_MAX_NAME)
                abort();
            n += t + check_str(m->parameters[k].name);
        }
    }
    return n;
}

static void check(const struct fmt_dotnet *dn, size_t size)
{
    if (dn->is_dotnet && !dn->is_pe)
        abort();
    if (dn->nguids > FMT_DOTNET_MAX_GUIDS || dn->nstreams > 255 || dn->nclasses > FMT_DOTNET_MAX_MEMBERS)
        abort();
    for (size_t i = 0; i < dn->nguids; i++)
        if (strlen(dn->guids[i]) != 36)
            abort();
    for (size_t i = 0; i < dn->nstreams; i++)
        if (strlen(dn->streams[i].name) > FMT_DOTNET_STREAM_NAME)
            abort();
    for (size_t i = 0; i < dn->nresources; i++)
        if (dn->resources[i].offset > size || dn->resources[i].length > size - dn->resources[i].offset)
            abort();
    for (size_t i = 0; i < dn->nfield_offsets; i++)
        if (dn->field_offsets[i] >= size)
            abort();
    for (size_t i = 0; i < dn->nuser_strings; i++)
        check_bytes(dn->user_strings[i]);
    for (size_t i = 0; i < dn->nconstants; i++)
        check_bytes(dn->constants[i]);
    size_t n = check_str(dn->version) + check_str(dn->module_name) + check_str(dn->typelib) +
               check_str(dn->assembly_name) + check_str(dn->assembly_culture);
    for (size_t i = 0; i < dn->nassembly_refs; i++) {
        check_bytes(dn->assembly_refs[i].public_key_or_token);
        n += check_str(dn->assembly_refs[i].name);
    }
    n += check_names(dn->modulerefs, dn->nmodulerefs);
    for (size_t i = 0; i < dn->nclasses; i++)
        n += check_class(&dn->classes[i]);
    volatile size_t sink = n;
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_dotnet dn;
    int rc = fmt_dotnet_parse(data, size, &dn);
    if (rc != ASSAY_OK && rc != ASSAY_EFORMAT && rc != ASSAY_ENOMEM)
        abort();
    if (rc == ASSAY_OK)
        check(&dn, size);
    else if (dn.is_pe || dn.nclasses)
        abort();
    fmt_dotnet_free(&dn);

    const struct yara_module *m = yara_module_find("dotnet");
    struct yobj_arena a = {0};
    struct yobj *root = yobj_new(&a, m->decl);
    void *state = NULL;
    if (root && m->load(&a, root, data, size, &state) != ASSAY_OK && state)
        abort();
    yobj_arena_free(&a);
    return 0;
}
