/* plist.h — Apple property lists, XML and binary ("bplist00"), parsed into a
 * small read-only tree (used by inventory/bundles.c for Contents/Info.plist).
 *
 * Formats
 *   - XML: the <plist> document of Apple's DTD. Elements dict (key/value
 *     pairs), array, string, key, integer (decimal, or hex with 0x), real,
 *     true, false, date (ISO 8601 "YYYY-MM-DDTHH:MM:SSZ"), data (base64,
 *     whitespace ignored). The prolog (<?xml?>, <!DOCTYPE>), comments,
 *     processing instructions and CDATA sections are understood; entities
 *     &amp; &lt; &gt; &quot; &apos; and &#N; / &#xH; are decoded, any other
 *     entity is an error. A root value without the <plist> wrapper is
 *     accepted. Non-UTF-8 encodings (UTF-16 XML, OpenStep text plists) are
 *     not supported.
 *   - Binary: header "bplist00", objects, offset table, 32-byte trailer.
 *     null, bool, int (1/2/4/8 bytes; 16-byte ints when they fit 64 bits),
 *     real (4/8 bytes), date, data, ASCII and UTF-16BE strings, uid, array,
 *     set (read as an array) and dict (keys must be strings). An object
 *     referenced several times is parsed once and shared in the tree.
 *
 * Strings in the tree are always valid UTF-8 and NUL-terminated: UTF-16
 * strings are converted, and invalid UTF-8 (XML), bytes >= 0x80 in binary
 * "ASCII" strings and unpaired surrogates become U+FFFD. A string may hold
 * an embedded NUL (&#0; is rejected, but binary strings may contain U+0000);
 * `len` gives the full length.
 *
 * Limits (the input is untrusted; everything is bounds-checked):
 *   - input at most PLIST_MAX_INPUT bytes (16 MiB)            -> ASSAY_ELIMIT
 *   - containers nested at most PLIST_MAX_DEPTH (64) deep      -> ASSAY_ELIMIT
 *   - at most PLIST_MAX_OBJECTS (1M) values: XML elements; for
 *     binary plists both the objects of the trailer and the
 *     container slots (each array element / dict entry counts,
 *     a shared object once per reference)                      -> ASSAY_ELIMIT
 *   - binary: at most PLIST_MAX_DECODED (32 MiB) of string and
 *     data bytes read in all (several object indices may point
 *     at the same bytes; each is read once per index)          -> ASSAY_ELIMIT
 *   - binary: every offset and count checked against the file,
 *     objects must lie between the header and the offset table,
 *     a container that (directly or not) contains itself is a
 *     reference cycle                                           -> ASSAY_EFORMAT
 * Any malformed input returns ASSAY_EFORMAT with a message naming the
 * format and the offset (assay_last_error()); it never crashes.
 *
 * Memory: the tree lives in the plist's arena and does not borrow the input
 * buffer; plist_free releases it all. */
#ifndef ASSAY_FORMAT_PLIST_H
#define ASSAY_FORMAT_PLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define PLIST_MAX_INPUT ((size_t)16 << 20)
#define PLIST_MAX_DEPTH 64
#define PLIST_MAX_OBJECTS ((size_t)1 << 20)
#define PLIST_MAX_DECODED ((size_t)32 << 20)

enum plist_type {
    PLIST_NULL = 1, /* binary only */
    PLIST_BOOL,
    PLIST_INTEGER,
    PLIST_REAL,
    PLIST_DATE,     /* seconds since 2001-01-01T00:00:00Z, in v.real */
    PLIST_DATA,
    PLIST_STRING,
    PLIST_UID,      /* binary only (NSKeyedArchiver references) */
    PLIST_ARRAY,
    PLIST_DICT,
};

struct plist_node;

struct plist_entry {
    const char *key;              /* UTF-8, NUL-terminated */
    size_t key_len;
    const struct plist_node *value;
};

struct plist_node {
    uint8_t type;                 /* enum plist_type */
    bool big_unsigned;            /* PLIST_INTEGER above INT64_MAX: read v.uinteger */
    size_t len;                   /* bytes of a string (without the NUL) or data;
                                     elements of an array; entries of a dict */
    union {
        bool boolean;
        int64_t integer;
        uint64_t uinteger;        /* when big_unsigned */
        double real;              /* PLIST_REAL and PLIST_DATE */
        uint64_t uid;
        const char *string;
        const uint8_t *data;
        const struct plist_node *const *items;   /* PLIST_ARRAY */
        const struct plist_entry *entries;       /* PLIST_DICT, in file order */
    } v;
};

struct plist {
    struct util_arena arena;
    const struct plist_node *root;
    bool binary;                  /* the input was a binary plist */
};

/* Parse `len` bytes, XML or binary (told apart by the "bplist" magic). On
 * success *out holds the tree (free with plist_free); on failure *out is
 * empty (plist_free is harmless) and the code is ASSAY_EFORMAT, ASSAY_ELIMIT
 * or ASSAY_ENOMEM with a message. */
int plist_parse(const void *data, size_t len, struct plist *out);
void plist_free(struct plist *pl);

/* The value of `key` in a dict (the first entry when a key repeats); NULL when
 * `dict` is NULL or not a dict or has no such key. */
const struct plist_node *plist_dict_get(const struct plist_node *dict, const char *key);
/* Element i of an array; NULL when out of range or not an array. */
const struct plist_node *plist_array_get(const struct plist_node *array, size_t i);
/* The string of a PLIST_STRING node, else NULL (NULL-safe). */
const char *plist_string(const struct plist_node *n);
/* The integer of a PLIST_INTEGER node that fits int64_t: true and *out. */
bool plist_integer(const struct plist_node *n, int64_t *out);
/* Shorthand: plist_string(plist_dict_get(dict, key)). */
const char *plist_dict_string(const struct plist_node *dict, const char *key);
/* Name of a type ("dict", "string", ...) for messages. */
const char *plist_type_name(enum plist_type t);

#endif
