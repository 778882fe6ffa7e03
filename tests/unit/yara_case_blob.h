/* yara_case_blob.h — unit tests of YARA modules: the input bytes (`data`,
 * hex) of the case at `line` of ../shared/yara-tests/<cases_file> ($ASSAY_SHARED
 * when set). The test is skipped when the file is missing, and fails when the
 * case has no data. Include after cmocka.h. The bytes are malloc'ed. */
#ifndef ASSAY_TEST_YARA_CASE_BLOB_H
#define ASSAY_TEST_YARA_CASE_BLOB_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline uint8_t *yara_case_blob(const char *cases_file, int line, size_t *len)
{
    const char *shared = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/%s", shared ? shared : "../shared", cases_file);
    json_t *cases = json_load_file(path, 0, NULL);
    if (!cases) {
        skip();
        return NULL;
    }
    uint8_t *out = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        const char *hex = json_string_value(json_object_get(c, "data"));
        if (json_integer_value(json_object_get(c, "line")) != line || !hex)
            continue;
        size_t n = strlen(hex) / 2;
        out = malloc(n ? n : 1);
        assert_non_null(out);
        for (size_t k = 0; k < n; k++) {
            unsigned v;
            assert_int_equal(sscanf(hex + 2 * k, "%2x", &v), 1);
            out[k] = (uint8_t)v;
        }
        *len = n;
        break;
    }
    json_decref(cases);
    if (!out)
        fail_msg("no blob for line %d of %s", line, cases_file);
    return out;
}

#endif
