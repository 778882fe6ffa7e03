/* fuzz_yara_parse.c — libFuzzer target for the YARA front end: any input is
 * parsed as rule text (includes answered from memory with the input itself,
 * which exercises the include depth limit); it must either parse or fail
 * with a diagnostic, never crash or leak. Each successful parse is also
 * dumped to exercise the tree printer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "yara/parser.h"

struct input {
    const uint8_t *data;
    size_t size;
};

static int include_self(void *user, const char *includer, const char *path, char **text, size_t *len,
                        char **resolved)
{
    (void)includer;
    const struct input *in = user;
    *text = malloc(in->size + 1);
    *resolved = strdup(path);
    if (*text == NULL || *resolved == NULL)
        return -1;
    memcpy(*text, in->data, in->size);
    (*text)[in->size] = '\0';
    *len = in->size;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    /* the first byte's low bit chooses error recovery (how assay loads rules) */
    struct yara_parse_options o = {.include = include_self, .include_user = &in, .max_include_depth = 3,
                                   .recover = size > 0 && (data[0] & 1)};
    struct yara_file *f = NULL;
    struct yara_diag d;
    if (yara_parse("fuzz.yar", (const char *)data, size, &o, &f, &d) == 0) {
        struct util_buf b = {0};
        for (size_t i = 0; i < f->rule_count; i++)
            yara_expr_dump(f->rules[i]->condition, &b);
        util_buf_free(&b);
        yara_file_free(f);
    }
    return 0;
}
