/* engine.h — the compiled matching engine over one sigdb.
 *
 * engine_build() turns the loaded signature set into what a scan needs:
 *   - one Vectorscan literal database holding the atom of every body
 *     signature (pattern id = body index), so each object is read once;
 *   - a Vectorscan regex database for floating signatures with no usable
 *     atom (rare), and a list of anchored atom-less signatures checked
 *     directly at their offset;
 *   - the hash signatures sorted by (scope, size, kind, digest) so an object
 *     is hashed only when some signature of its size exists;
 *   - Vectorscan databases for filename IOC regexes and their false-positive
 *     regexes.
 * engine_scan_object() then runs everything on one buffer. An engine is
 * immutable after build and shared by all worker threads; each thread owns an
 * engine_scratch. */
#ifndef ASSAY_ENGINE_ENGINE_H
#define ASSAY_ENGINE_ENGINE_H

#include <hs/hs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../format/filetype.h"
#include "../sig/sigdb.h"
#include "../yara/rules.h"

#define ENGINE_BODY_DISABLED SIG_F_DISABLED

/* A sparse index over the sorted hash signatures: searching it, then one
 * block of the big array, touches a couple of pages per lookup instead of
 * ~20 scattered ones, so a long scan does not make the whole array resident. */
#define ENGINE_FENCE_STEP 64
struct engine_fence {
    uint64_t size;
    uint64_t scope;
};

/* A header check many YARA rules require (`uint16(0) == 0x5A4D`): the
 * literals of those rules' strings go into a database of their own, scanned
 * only over objects where the check holds (build.c, match.c). */
#define ENGINE_GUARD_CLASSES 4
#define ENGINE_GUARD_CLASS_MIN 64 /* fewer patterns are not worth a database */
struct engine_guard_class {
    uint32_t reader;               /* enum yreader */
    uint32_t offset;
    int64_t value;
};

/* A YARA pattern of a string used only as `$s at N`, checked at N instead of
 * searched for (yscan_fixed_ends): where its literal would end, N + end[i]. */
struct engine_fixed {
    uint32_t pattern;
    int64_t end[2];                /* -1: none */
};

/* Groups of gated YARA rules (gating.h): the literals of their other
 * strings wait in one database per group, of about GATE_GROUP_LITERALS
 * (gating.c), at most this many groups (a bit each in engine_scratch). */
#define ENGINE_GATE_GROUPS 64

struct engine {
    struct sigdb sig;
    struct yrules yara;            /* YARA rules; their patterns share the atom databases */
    uint32_t yara_base;            /* pattern ids >= this are YARA patterns (id - yara_base) */
    UTIL_VEC(uint32_t) yara_atom_next; /* per YARA pattern: the next one sharing its prefilter
                                          literal (YRULES_NONE ends the chain) */
    hs_database_t *atoms;
    hs_database_t *atoms_nul;      /* atoms starting with 00, as escaped regexes */
    uint32_t nclasses;             /* header checks with literal databases of their own */
    struct engine_guard_class classes[ENGINE_GUARD_CLASSES];
    hs_database_t *class_atoms[ENGINE_GUARD_CLASSES];
    hs_database_t *class_regexes[ENGINE_GUARD_CLASSES]; /* their masked windows and 00-led atoms */
    uint32_t ngates;               /* gate groups with databases of their own */
    hs_database_t *gate_atoms[ENGINE_GATE_GROUPS];
    UTIL_VEC(uint8_t) yara_gate_open; /* per YARA pattern: the gate group its hits open, plus
                                         one (0: none) */
    UTIL_VEC(uint8_t) yara_window_run; /* per YARA pattern: a masked window searched by its
                                          run of exact bytes (yara_literal.h): offset << 4 |
                                          length; 0: not so searched */
    UTIL_VEC(struct engine_fixed) yara_fixed; /* in no database: checked at their offset */
    hs_database_t *fallback;
    hs_database_t *filenames;
    hs_database_t *filename_fps;
    UTIL_VEC(uint32_t) direct;     /* anchored bodies without an atom */
    UTIL_VEC(uint32_t) zero_true;  /* logical signatures that hold with no subsignature match */
    UTIL_VEC(uint64_t) size_filter;/* see sizefilter.h; n is a power of two or 0 */
    UTIL_VEC(struct engine_fence) hash_fence; /* key of every ENGINE_FENCE_STEP-th hash */
    uint32_t section_hashes;       /* how many PE-section hash signatures */
    uint32_t allow_hashes;         /* how many allowlist hashes */
    uint8_t any_size_kinds;        /* bit per hash kind with SIG_ANY_SIZE detections */
    bool built;
};

/* Per-thread working memory. */
struct engine_scratch {
    hs_scratch_t *atoms, *atoms_nul, *fallback, *filenames, *filename_fps;
    hs_scratch_t *class_atoms[ENGINE_GUARD_CLASSES];
    hs_scratch_t *class_regexes[ENGINE_GUARD_CLASSES];
    hs_scratch_t *gate_atoms;      /* one for every gate group database */
    uint64_t gates_open;           /* bit per gate group opened in the current object */
    /* Per-body state, valid when stamp[i] == generation (no clearing per object). */
    uint32_t *stamp;
    uint32_t *logical_stamp;       /* logical signatures evaluated in the current object */
    uint32_t *count;
    uint64_t *first_start, *first_end;
    uint32_t generation;
    UTIL_VEC(uint32_t) touched;    /* bodies matched in the current object */
    UTIL_VEC(uint32_t) fname_hits; /* filename IOC ids */
    UTIL_VEC(uint32_t) fname_fp_hits;
    uint64_t *steps;               /* verifier steps spent per body in the current object */
    struct yscan *yara;            /* NULL when the engine has no YARA rules */
    /* YARA options, set by the caller after engine_scratch_init */
    uint64_t yara_max_matches;     /* 0: YRULES_DEFAULT_MAX_MATCHES */
    bool yara_fast;
    bool yara_nonmatching;         /* also report rules that did not match */
};

enum engine_evidence_kind { EV_BYTES = 1, EV_HASH = 2, EV_FILENAME = 3 };
#define ENGINE_NO_RULE UINT32_MAX

enum engine_view { VIEW_RAW = 0, VIEW_TEXT = 1 };

struct engine_evidence {
    uint8_t kind;
    uint8_t view;                  /* enum engine_view: where offset/length point */
    uint8_t hash_kind;
    uint8_t scope;
    int16_t subsig;                /* -1 for .ndb */
    uint64_t offset, length;       /* EV_BYTES: the match; EV_HASH: what was hashed */
    uint32_t ioc;                  /* EV_FILENAME: filename_iocs index */
    uint32_t ystring;              /* EV_BYTES of a YARA rule: strings index */
    uint8_t xor_key;
    uint8_t digest[32];            /* EV_HASH: the digest that matched */
};

struct engine_hit {
    uint32_t name;
    uint32_t line;
    uint16_t source;
    int16_t score;
    uint32_t ev_first, ev_count;
    uint32_t yara_rule;            /* rules index, or ENGINE_NO_RULE */
    bool matched;                  /* false: a YARA rule reported as not matching */
};

struct engine_result {
    UTIL_VEC(struct engine_hit) hits;
    UTIL_VEC(struct engine_evidence) evidence;
    uint8_t digest[SIG_HASH_KINDS][32];
    uint8_t have_digest;           /* bit per kind */
    bool allowlisted;              /* an .fp/.sfp entry matched: hits were dropped */
    bool budget_exhausted;         /* some verification gave up (reported as a warning) */
    struct util_buf text;          /* the normalized text of a text object (VIEW_TEXT evidence) */
    uint32_t budget_body;          /* one body that gave up, for the message */
    uint32_t yara_capped;          /* a YARA string whose matches were capped, or ENGINE_NO_RULE */
};

int engine_build(struct engine *e);
void engine_free(struct engine *e);

int engine_scratch_init(struct engine_scratch *s, const struct engine *e);
void engine_scratch_free(struct engine_scratch *s);

void engine_result_reset(struct engine_result *r);
void engine_result_free(struct engine_result *r);

enum engine_object_flags {
    ENGINE_WANT_SHA256 = 1,  /* hash the object even without findings */
    ENGINE_FILE_BACKED = 2,  /* data is a read-only file mapping: pages already
                                read may be dropped (they re-fault from the page
                                cache if touched again), keeping memory flat */
};

/* Scan one object. `path` is the display path (matched by filename IOCs).
 * Returns ASSAY_OK or an error (ENOMEM, EENGINE). */
int engine_scan_object(const struct engine *e, struct engine_scratch *s, const char *path,
                       const uint8_t *data, size_t len, unsigned flags, struct engine_result *r);

/* Compute the digests in `kinds` (bit per enum sig_hash_kind) not yet in r. */
int engine_hash_object(const uint8_t *data, size_t len, unsigned kinds, unsigned flags, struct engine_result *r);

/* Drop the resident pages of [data, data+len) of a file mapping (whole pages
 * only). A no-op unless flags has ENGINE_FILE_BACKED. */
void engine_release(const uint8_t *data, size_t len, unsigned flags);

/* Map the pages of [data, data+len) of a file mapping before a pass reads
 * them (util/pages.h). A no-op unless flags has ENGINE_FILE_BACKED. */
void engine_populate(const uint8_t *data, size_t len, unsigned flags);

#endif
