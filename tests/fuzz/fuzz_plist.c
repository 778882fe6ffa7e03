/* fuzz_plist.c — libFuzzer target for plist_parse (XML and binary property
 * lists, format/plist.h).
 *
 * Besides running the parser under the sanitizers it checks what the header
 * promises: only the documented error codes, an empty result on failure, and
 * on success a tree no deeper than PLIST_MAX_DEPTH whose strings and dict
 * keys are NUL-terminated at `len` and valid UTF-8, and whose lookups agree
 * with the entries. Shared binary objects make the tree a DAG, so the walk
 * stops after a fixed number of visits. Seeds: Info.plist files, and
 * plistlib.dumps(x, fmt=plistlib.FMT_BINARY) of a few dicts.
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Ilib lib/format/plist.c lib/util/arena.c lib/util/buf.c \
 *       lib/util/error.c tests/fuzz/fuzz_plist.c -o fuzz_plist */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/plist.h"

#define MAX_VISITS 200000

static size_t visits;

/* Well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF). */
static void check_utf8(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    if (s == NULL || s[len] != '\0')
        abort();
    for (size_t i = 0; i < len;) {
        uint8_t c = p[i];
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : (c & 0xF0) == 0xE0 ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (n == 0 || n > len - i)
            abort();
        uint32_t cp = n == 1 ? c : c & (0x7Fu >> n);
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                abort();
            cp = cp << 6 | (p[i + k] & 0x3Fu);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            abort();
        i += n;
    }
}

static void walk(const struct plist_node *n, unsigned depth)
{
    if (n == NULL || depth > PLIST_MAX_DEPTH || ++visits > MAX_VISITS)
        return;
    switch (n->type) {
    case PLIST_STRING:
        check_utf8(n->v.string, n->len);
        break;
    case PLIST_DATA:
        if (n->len && n->v.data == NULL)
            abort();
        if (n->len) {
            volatile uint8_t last = n->v.data[n->len - 1];
            (void)last;
        }
        break;
    case PLIST_ARRAY:
        if (depth == PLIST_MAX_DEPTH || n->len > PLIST_MAX_OBJECTS)
            abort();
        for (size_t i = 0; i < n->len; i++) {
            if (plist_array_get(n, i) == NULL)
                abort();
            walk(n->v.items[i], depth + 1);
        }
        break;
    case PLIST_DICT:
        if (depth == PLIST_MAX_DEPTH || n->len > PLIST_MAX_OBJECTS)
            abort();
        for (size_t i = 0; i < n->len; i++) {
            const struct plist_entry *e = &n->v.entries[i];
            check_utf8(e->key, e->key_len);
            if (e->value == NULL)
                abort();
            /* the first entry of that key answers the lookup (keys with a NUL cannot be looked up) */
            if (strlen(e->key) == e->key_len && plist_dict_get(n, e->key) == NULL)
                abort();
            walk(e->value, depth + 1);
        }
        break;
    case PLIST_NULL:
    case PLIST_BOOL:
    case PLIST_INTEGER:
    case PLIST_REAL:
    case PLIST_DATE:
    case PLIST_UID:
        break;
    default:
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct plist pl;
    int rc = plist_parse(data, size, &pl);
    if (rc != ASSAY_OK && rc != ASSAY_EFORMAT && rc != ASSAY_ELIMIT && rc != ASSAY_ENOMEM)
        abort();
    if (rc != ASSAY_OK && (pl.root != NULL || assay_last_error()[0] == '\0'))
        abort();
    if (rc == ASSAY_OK) {
        if (pl.root == NULL)
            abort();
        visits = 0;
        walk(pl.root, 0);
        (void)plist_dict_string(pl.root, "CFBundleIdentifier");
    }
    plist_free(&pl);
    return 0;
}
