/* sigdb.h — the loaded signature set, as flat arrays of plain records.
 *
 * Every parser (ClamAV formats, IOC lists, compiled files) appends to one
 * struct sigdb. All cross references are 32-bit indices or string-pool
 * offsets, never pointers, so the whole set can be written to a compiled
 * database as a handful of contiguous blocks and used again straight from a
 * read-only mapping (see engine/dbfile.c). A vector whose `cap` is 0 while `v`
 * is set is a view into such a mapping and is not freed.
 *
 * Layout of a body signature: a run of pattern nodes in `nodes`, e.g. the hex
 * signature  4d5a??(01|02)*5045  becomes
 *     BYTE 4d, BYTE 5a, BYTE ?? (mask 0), CLASS {01,02}, GAP 0..inf, BYTE 50, BYTE 45
 * and `atom_first/atom_len` name the longest run of exact BYTE nodes, the
 * literal handed to Vectorscan as the prefilter for that signature. */
#ifndef ASSAY_SIG_SIGDB_H
#define ASSAY_SIG_SIGDB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "../util/buf.h"

#define SIG_NONE UINT32_MAX
#define SIG_ANY_SIZE UINT64_MAX
#define SIG_GAP_INF UINT32_MAX
/* Longest literal used as a prefilter atom; it also bounds the overlap
 * between chunks when a file larger than 4 GiB is scanned in pieces. */
#define SIG_MAX_ATOM 32
#define SIG_MAX_SUBSIGS 64
/* The ClamAV functionality level assay answers to: that of clamscan 1.4.6,
 * our reference. Signatures whose level range excludes it are loaded but
 * disabled, as ClamAV skips them. */
#define SIG_CLAM_FLEVEL 216

enum sig_hash_kind { SIG_MD5 = 0, SIG_SHA1 = 1, SIG_SHA256 = 2, SIG_HASH_KINDS = 3 };
enum sig_hash_scope { SIG_SCOPE_FILE = 0, SIG_SCOPE_PE_SECTION = 1 };
enum sig_hash_role { SIG_ROLE_DETECT = 0, SIG_ROLE_ALLOW = 1 };

struct sig_hash {
    uint64_t size;        /* file or section size; SIG_ANY_SIZE matches any */
    uint8_t digest[32];   /* MD5 16, SHA-1 20, SHA-256 32 bytes, zero padded */
    uint8_t kind;         /* enum sig_hash_kind */
    uint8_t scope;        /* enum sig_hash_scope */
    uint8_t role;         /* enum sig_hash_role */
    uint8_t is_ioc;       /* from a LOKI/THOR hash-iocs list */
    uint32_t name;        /* string pool offset */
    uint32_t line;
    uint16_t source;      /* index into sources */
    int16_t score;        /* IOC score (0: none given) */
};

/* ClamAV target types we distinguish. */
enum sig_target {
    SIG_TARGET_ANY = 0,
    SIG_TARGET_PE = 1,
    SIG_TARGET_OLE2 = 2,
    SIG_TARGET_HTML = 3,
    SIG_TARGET_MAIL = 4,
    SIG_TARGET_GRAPHICS = 5,
    SIG_TARGET_ELF = 6,
    SIG_TARGET_ASCII = 7,
    SIG_TARGET_MACHO = 9,
};

enum sig_offset_kind {
    SIG_OFF_ANY = 0,      /* *            */
    SIG_OFF_ABS,          /* n            */
    SIG_OFF_EOF,          /* EOF-n        (offset holds n: start = size - n) */
    SIG_OFF_EP,           /* EP+n / EP-n  */
    SIG_OFF_SECTION,      /* Sx+n         */
    SIG_OFF_SECTION_ALL,  /* SEx: anywhere inside section x */
    SIG_OFF_LAST_SECTION, /* SL+n         */
};

enum sig_body_flags {
    SIG_F_NOCASE = 1,     /* ::i  compare letters without case */
    SIG_F_FULLWORD = 2,   /* ::f  delimited by non-alphanumerics */
    SIG_F_WIDE = 4,       /* ::w  (already expanded into the nodes) */
    SIG_F_ASCII = 8,      /* ::a  */
    SIG_F_DISABLED = 0x80,/* outside our functionality level, or dropped by .ign2 */
};

struct sig_body {
    uint32_t name;        /* string pool offset (for .ldb: the logical signature's) */
    uint32_t line;
    uint32_t node_first;
    uint32_t node_count;
    uint32_t atom_first;  /* node index (relative to node_first) of the prefilter atom */
    uint32_t atom_len;    /* 0: no usable atom */
    uint32_t logical;     /* index into logicals, or SIG_NONE for .ndb */
    uint32_t min_len;     /* shortest possible match */
    int64_t offset;       /* n of the offset expression */
    uint64_t offset_range;/* m of a floating offset n,m (0: exact) */
    uint16_t source;
    uint8_t target;       /* enum sig_target */
    uint8_t offset_kind;  /* enum sig_offset_kind */
    uint8_t flags;        /* enum sig_body_flags */
    uint8_t subsig;       /* index in its logical signature */
    uint16_t section;     /* x of Sx+n / SEx */
};

enum pat_node_kind {
    PN_BYTE = 0,          /* (byte & mask) == value; mask 0 is ??, f0 is a?, 0f is ?a */
    PN_CLASS = 1,         /* one byte in classes[a] (negation already applied) */
    PN_ALT = 2,           /* one of altopts[a .. a+b); negated: none of them, same length */
    PN_GAP = 3,           /* between a and b bytes (b == SIG_GAP_INF: unbounded) */
};

struct pat_node {
    uint8_t kind;
    uint8_t value;
    uint8_t mask;
    uint8_t negated;
    uint32_t a;
    uint32_t b;
};

struct pat_class {
    uint8_t bits[32];     /* bit (c & 7) of bits[c >> 3] set: byte c is in the class */
};

struct pat_altopt {
    uint32_t offset;      /* into altbytes */
    uint32_t len;
};

/* Target description block fields present in a logical signature. */
enum sig_tdb_fields {
    SIG_TDB_TARGET = 1,
    SIG_TDB_FILESIZE = 2,
    SIG_TDB_EP = 4,
    SIG_TDB_NSECTIONS = 8,
    SIG_TDB_ENGINE = 16,
};

struct sig_logical {
    uint32_t name;
    uint32_t line;
    uint32_t expr_offset; /* compiled expression in lexpr_code (see clam_lexpr.h) */
    uint32_t expr_len;
    uint32_t subsig_count;
    uint32_t tdb_fields;  /* enum sig_tdb_fields */
    uint64_t filesize_min, filesize_max;
    uint64_t ep_min, ep_max;
    uint32_t nsections_min, nsections_max;
    uint32_t engine_min, engine_max;
    uint16_t source;
    uint8_t target;
    uint8_t pad[5];
};

struct sig_filename_ioc {
    uint32_t regex;       /* string pool offset */
    uint32_t fp_regex;    /* SIG_NONE: no false-positive regex */
    uint32_t line;
    uint16_t source;
    int16_t score;
};

struct yrules;

struct sig_source {
    uint32_t path;        /* string pool offset */
};

struct sigdb {
    struct util_buf strings;
    UTIL_VEC(struct sig_source) sources;
    UTIL_VEC(struct sig_hash) hashes;
    UTIL_VEC(struct sig_body) bodies;
    UTIL_VEC(struct pat_node) nodes;
    UTIL_VEC(struct pat_class) classes;
    UTIL_VEC(struct pat_altopt) altopts;
    struct util_buf altbytes;
    UTIL_VEC(struct sig_logical) logicals;
    struct util_buf lexpr_code;
    UTIL_VEC(struct sig_filename_ioc) filename_iocs;
    UTIL_VEC(uint32_t) ignored_names;   /* .ign2: string pool offsets */
    size_t skipped_bad;
    /* Where YARA rule files (.yar, .yara) go, and their namespace; not part
     * of the flat records (NULL: YARA files are an unknown format). */
    struct yrules *yara;
    const char *yara_ns;
    /* Where skipped signatures are reported (may be NULL). */
    void (*warn)(void *user, const char *message);
    void *warn_user;
};

/* Count a skipped signature and report why. */
void sigdb_skipped(struct sigdb *db, const char *message);

void sigdb_init(struct sigdb *db);
void sigdb_free(struct sigdb *db);

/* Intern a string into the pool; returns its offset or SIG_NONE on ENOMEM. */
uint32_t sigdb_string(struct sigdb *db, const char *s, size_t len);
static inline const char *sigdb_str(const struct sigdb *db, uint32_t off)
{
    return (const char *)db->strings.data + off;
}
/* Bounds-checked lookups for records of a mapped file that were not validated
 * one by one on load (hash signatures): "?" rather than a wild read. */
static inline const char *sigdb_str_checked(const struct sigdb *db, uint32_t off)
{
    return off < db->strings.len ? sigdb_str(db, off) : "?";
}
static inline const char *sigdb_source_path(const struct sigdb *db, uint16_t source)
{
    return source < db->sources.n ? sigdb_str_checked(db, db->sources.v[source].path) : "?";
}
/* Register a database file; returns its source index or -1. */
int sigdb_source(struct sigdb *db, const char *path);

static inline size_t sig_digest_len(unsigned kind)
{
    return kind == SIG_MD5 ? 16 : kind == SIG_SHA1 ? 20 : 32;
}

/* Which hash kinds a digest of `hexlen` hex characters is: -1 if none. */
int sig_hash_kind_for_hexlen(size_t hexlen);
/* Decode `2*n` hex characters into n bytes; returns 0 or -1 on a bad digit. */
int sig_hex_decode(const char *hex, size_t n, uint8_t *out);

#endif
