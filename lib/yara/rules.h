/* rules.h — a compiled YARA rule set: what the compiler (compile_*.c) makes of
 * parsed rule files (ast.h) and what the scan engine needs to run them.
 *
 * Model
 *   - The parsed files stay alive (their arenas own names, tags, metadata,
 *     string texts); compiled records point into them.
 *   - struct yrule: one per rule, in declaration order (rule references may
 *     only point backwards, so evaluating in order settles them).
 *   - struct ystring: one per string of a rule; its matches are found through
 *     one or more struct ypattern: a literal (every variant of a text string:
 *     ascii/wide x case x xor key x base64 shift) or, for hex strings and
 *     regular expressions, one of the atoms YARA would choose with the two
 *     programs YARA splits the string into there (compile_strings.c). The
 *     atom of every pattern goes into the engine's one Vectorscan database
 *     (pattern id = clam bodies + index).
 *   - Conditions are compiled to a typed expression tree in one node array
 *     (struct ynode; children are node indices), see compile_cond.c and
 *     eval.c. */
#ifndef ASSAY_YARA_RULES_H
#define ASSAY_YARA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/hashslots.h"
#include "util/idset.h"
#include "yara/ast.h"
#include "yara/lexer.h"
#include "yara/module.h"

struct yara_regex;

/* The YARA error code of the last failed YARA compilation on this thread
 * (YARA_ERR_* of lexer.h), or 0 when the last failure was not a YARA one.
 * Tests compare it with YARA's own expectations. */
enum yara_error_code yara_last_error_code(void);

#define YRULES_NONE UINT32_MAX
#define YRULES_MAX_MODULES 16
/* Matches kept per string and object unless the caller says otherwise. */
#define YRULES_DEFAULT_MAX_MATCHES 1000000

/* ---- values (conditions, externals) -------------------------------------- */

enum yval_type {
    YV_UNDEF = 0,
    YV_INT,      /* also booleans */
    YV_FLOAT,
    YV_STRING,
    YV_OBJECT,   /* a module value: struct, array, dict or function */
    YV_REGEX,
};

struct yval {
    uint8_t type;
    int64_t i;
    double f;
    const uint8_t *s;
    size_t n;
    struct yobj *o;
};

struct yexternal {
    const char *name;   /* malloc'ed */
    struct yval value;  /* strings malloc'ed */
};

/* ---- condition nodes ----------------------------------------------------- */

enum ynode_op {
    YN_INT = 1, YN_FLOAT, YN_STRING, YN_REGEX, /* constants */
    YN_FILESIZE, YN_ENTRYPOINT,
    YN_EXTERNAL,      /* a: external index */
    YN_RULE,          /* a: rule index */
    YN_VAR,           /* a: loop variable slot */
    YN_MODULE,        /* a: module slot; decl */
    YN_MEMBER,        /* kids[0] object, a: member index in decl */
    YN_INDEX,         /* kids[0] array, kids[1] int */
    YN_LOOKUP,        /* kids[0] dict, kids[1] string */
    YN_CALL,          /* kids[0] function object, kids[1..]: args; fn */
    YN_READ,          /* a: reader (enum yreader), kids[0] offset */
    YN_STR_FOUND,     /* a: string (YRULES_NONE: the for-of string) */
    YN_STR_AT,        /* a, kids[0] */
    YN_STR_IN,        /* a, kids[0] lo, kids[1] hi */
    YN_STR_COUNT,     /* a */
    YN_STR_COUNT_IN,  /* a, kids[0] lo, kids[1] hi */
    YN_STR_OFFSET,    /* a, kids[0] index (1-based) */
    YN_STR_LENGTH,    /* a, kids[0] index */
    YN_NEG, YN_BITNOT, YN_NOT, YN_DEFINED,
    YN_AND, YN_OR,    /* kids: operands */
    YN_ADD, YN_SUB, YN_MUL, YN_DIV, YN_MOD,
    YN_SHL, YN_SHR, YN_BAND, YN_BOR, YN_BXOR,
    YN_LT, YN_LE, YN_GT, YN_GE, YN_EQ, YN_NE,
    YN_CONTAINS, YN_ICONTAINS, YN_STARTSWITH, YN_ISTARTSWITH, YN_ENDSWITH, YN_IENDSWITH,
    YN_IEQUALS, YN_MATCHES,
    YN_OF,            /* quantifier of a set; see struct ynode */
    YN_FOR_OF,        /* for quant of string set : (body) */
    YN_FOR_IN,        /* for quant vars in iterable : (body) */
};

enum yreader {
    YR_INT8 = 0, YR_INT16, YR_INT32, YR_UINT8, YR_UINT16, YR_UINT32,
    YR_INT8BE, YR_INT16BE, YR_INT32BE, YR_UINT8BE, YR_UINT16BE, YR_UINT32BE,
};

enum yquant { YQ_ALL = 1, YQ_ANY, YQ_NONE, YQ_COUNT, YQ_PERCENT };

enum yset_kind { YSET_STRINGS = 1, YSET_RULES, YSET_EXPRS };

enum yiter_kind { YIT_RANGE = 1, YIT_LIST, YIT_ARRAY, YIT_DICT };

struct ynode {
    uint8_t op;        /* enum ynode_op */
    uint8_t type;      /* enum yval_type of the result (YV_INT for booleans) */
    uint8_t quant;     /* OF, FOR_*: enum yquant */
    uint8_t set_kind;  /* OF, FOR_OF: enum yset_kind */
    uint8_t iter_kind; /* FOR_IN: enum yiter_kind */
    uint8_t anchor;    /* OF: 0 none, 1 `at` kids[.], 2 `in` (lo, hi) */
    uint8_t nvars;     /* FOR_IN: 1 or 2 variables (slots a, a + 1) */
    uint8_t mod;       /* module slot of an object value (MODULE, MEMBER, ..., CALL) */
    uint32_t a;
    uint32_t kid_first; /* into yrules.kids */
    uint32_t kid_count;
    uint32_t set_first; /* OF/FOR_OF: into yrules.kids (string, rule or node indices) */
    uint32_t set_count;
    int64_t i;          /* INT constant; OF/FOR: quantity node index or -1 */
    double f;
    const uint8_t *s;   /* STRING constant */
    size_t n;
    const struct yobj_decl *decl;         /* MODULE, MEMBER, INDEX, LOOKUP, VAR of objects */
    const struct yobj_overload *fn;       /* CALL */
    struct yara_regex *re;                /* REGEX constant (owned by yrules) */
    uint32_t body;                        /* FOR_*: body node */
    uint32_t iter_node;                   /* FOR_IN: iterable node (range: kids of a pair) */
};

/* ---- strings and patterns ------------------------------------------------ */

enum ypattern_kind {
    YP_LITERAL = 1, /* lit/lit_len, compared whole (nocase: ASCII case-folded) */
    YP_REGEX,       /* fwd/pre programs run at each atom hit */
    YP_SCAN_ALL,    /* a regex with no atom: fwd tried at every offset of the object */
};

enum ypattern_flags {
    YPF_NOCASE = 1,
    YPF_FULLWORD = 2,
    YPF_WIDE = 4,    /* LITERAL: the wide form (fullword checks look at wide characters) */
    YPF_GREEDY = 8,  /* a later match at the same start replaces the earlier */
    YPF_MASKED = 16, /* REGEX: the atom is a masked window: atom_len values then
                        atom_len masks in yrules.bytes (compile_strings.c) */
};

struct ypattern {
    uint32_t string;   /* index into strings */
    uint8_t kind;      /* enum ypattern_kind */
    uint8_t flags;     /* enum ypattern_flags */
    uint8_t atom_nocase;
    uint8_t xor_key;   /* the key of an xor variant (for reports) */
    uint32_t lit;      /* LITERAL: offset into yrules.bytes */
    uint32_t lit_len;
    uint32_t atom;     /* offset into yrules.bytes */
    uint32_t atom_len; /* 0: no atom (SCAN_ALL) */
    uint32_t pre_min;  /* LITERAL: distance from match start to atom start */
    /* REGEX / SCAN_ALL, per form ([0] ascii, [1] wide; NULL when the string
     * has not that form): fwd matches forwards from the split point; pre
     * (NULL: nothing before) is the part before it, written reversed and
     * matched backwards from there. YARA tries the ascii form first and the
     * wide one only when the ascii fwd does not match. */
    struct yara_regex *fwd[2], *pre[2];
    int32_t back;      /* REGEX: the split point is this many bytes before the atom
                          (the literal Vectorscan looks for; negative: after it) */
    int32_t end_adj;   /* REGEX: where YARA's atom ends (the hit order) relative to
                          the end of that literal: 0 unless the literal was moved
                          to a rarer run of the string (compile_strings.c) */
    uint8_t frag;      /* the fragment of a chained string (0: head, or not chained) */
    uint8_t match_bits;/* REGEX: how rarely its fragment matches, as -log2 of the odds
                          that a match starts at a given byte (yara/byte_odds.h); the
                          gate plan's guess for a string rarer than its literal
                          (lib/engine/gating.c). 0: not known */
    struct yara_regex *re;     /* SCAN_ALL: the whole expression of this form (prefilter) */
    bool prefiltered;  /* SCAN_ALL: Vectorscan tells which objects may match (set by the engine) */
    uint32_t first;    /* SCAN_ALL: index into yrules.first_sets of the bytes a match
                          can start with, YRULES_NONE when any */
};

struct ybyteset {
    uint8_t bits[32];
};

struct ygap {
    int64_t min, max;  /* bytes between two fragments of a chained string */
};

struct ystring {
    const struct yara_string *ast;
    uint32_t rule;
    uint32_t pattern_first, pattern_count;
    /* A string YARA cuts at its long jumps (over 200 bytes, lazy, at the top
     * level) into nfrag > 1 fragments matched on their own, then chained:
     * yrules.chain_gaps[chain_first + i] bounds the gap before fragment i. */
    uint32_t chain_first;
    uint32_t nfrag;
    bool is_private;
    bool is_hex;
    bool yara_literal;         /* a hex string or regex of plain bytes (of a chained one:
                                  its first fragment), which YARA makes a literal
                                  string: `$s at N` then keeps only matches at N */
    bool slow;                 /* its best atom is poor: warned about, as YARA does */
    /* Used only as `$s at N` with one constant N: like YARA, only a match
     * starting at N is recorded (elsewhere it is neither needed nor shown). */
    int64_t fixed_offset;      /* -1: anywhere */
    uint8_t use;               /* compile_cond.c bookkeeping: 0 unused, 1 at-only, 2 other */
    bool all_matches;          /* used with at, in, #, @ or ! (not only as $s): fast
                                  mode (-f) must not stop at its first match */
};

/* A cheap test a rule's condition implies ("costs nothing when it cannot
 * hold"): filesize bounds and header reads compared with constants, taken
 * from the top-level `and` chain. Checked once per object before any of the
 * rule's string hits is confirmed. */
#define YGUARD_MAX_HEADER 4
struct yguard_header {
    uint8_t reader;    /* enum yreader */
    uint8_t op;        /* YN_EQ or YN_NE */
    uint32_t offset;
    int64_t value;
};

struct yguard {
    uint64_t size_min, size_max;
    uint8_t nheader;
    struct yguard_header header[YGUARD_MAX_HEADER];
};

struct yrule {
    const struct yara_rule *ast;
    const struct yara_file *file;  /* its imports */
    const char *ns;            /* namespace name */
    uint32_t ns_index;
    uint32_t string_first, string_count;
    uint32_t cond;             /* root node */
    uint32_t modules;          /* bit per module slot the condition uses */
    bool needs_match;          /* false whenever none of its strings matched: such a
                                  rule is not evaluated on objects where none did */
    struct yguard guard;
    bool is_private, is_global;
};

struct ynamespace {
    const char *name;
    UTIL_VEC(uint32_t) globals;  /* global rules of the namespace */
};

/* A compiled string's definition, written out (yrules_string_twin). */
struct ystring_def {
    size_t offset;    /* string_defs.bytes[offset, offset + len) */
    uint32_t len;
    uint32_t string;  /* index into yrules.strings; UINT32_MAX once rolled back */
};

struct yrules {
    UTIL_VEC(struct yara_file *) files;
    UTIL_VEC(struct yrule) rules;
    UTIL_VEC(struct ystring) strings;
    UTIL_VEC(struct ypattern) patterns;
    UTIL_VEC(struct ynode) nodes;
    UTIL_VEC(uint32_t) kids;
    UTIL_VEC(struct ynamespace) namespaces;
    UTIL_VEC(struct yexternal) externals;
    UTIL_VEC(struct yara_regex *) regexes;  /* every compiled regex, freed at the end */
    UTIL_VEC(uint32_t) scan_all;            /* patterns without an atom */
    UTIL_VEC(struct ybyteset) first_sets;   /* see ypattern.first */
    UTIL_VEC(struct ygap) chain_gaps;       /* see ystring.chain_first */
    struct util_buf bytes;                  /* literal and atom bytes */
    struct util_arena consts;               /* the conditions' string constants: the syntax
                                               tree they were parsed into is compacted */
    struct util_hashslots programs;         /* the distinct programs patterns run: indices
                                               into regexes, by program hash */
    struct {
        struct util_hashslots index;        /* indices into defs, by definition hash */
        UTIL_VEC(struct ystring_def) defs;
        struct util_buf bytes, scratch;     /* definitions written out */
    } string_defs;                          /* the strings compiled, by definition
                                               (string_share.c; only while loading) */
    struct util_idset rule_names;           /* (namespace, name hash) of every rule: a
                                               filter before looking a name up */
    const struct yara_module *modules[YRULES_MAX_MODULES];
    uint32_t module_count;
    uint32_t max_vars;                      /* loop variable slots any condition needs */
    size_t warnings;
    void (*warn)(void *user, const char *message);
    void *warn_user;
    void *file_storage;                     /* a set loaded from a compiled file (rules_file.c):
                                               the regex programs and byte sets its regexes share */
};

struct yrules_load_options {
    bool skip_bad_rules;      /* drop a bad rule (named in a warning) and go on */
    const char *ns;           /* NULL: "default" */
};

void yrules_init(struct yrules *r);
void yrules_free(struct yrules *r);

/* A rule file parsed, not yet compiled: parsing needs no yrules, so the
 * next files of a list can be parsed on another thread while one is
 * compiled (lib/sig/yara_ahead.c). */
struct yrules_parsed {
    int rc;                   /* yara_parse's */
    struct yara_file *file;   /* NULL unless rc is ASSAY_OK */
    struct yara_diag diag;
    bool after_rules;         /* parsed as coming after rules (a reference to an unknown
                                 rule is then left to the compiler, as YARA does) */
    bool keep_spent;          /* set by the caller: the syntax tree, once compacted, is
                                 handed back in `spent` for the caller to free */
    struct yara_file *spent;
};

/* Parse (thread-safe; includes are read from the file system). */
void yrules_parse(struct yrules_parsed *out, const char *name, const char *text, size_t len, bool after_rules);
/* Was p parsed as r needs it (after_rules exactly when r has rules)? If
 * not, parse the text again before adding it. */
bool yrules_parsed_fits(const struct yrules *r, const struct yrules_parsed *p);
/* Compile a parsed file into r, as yrules_add_text does (p->file is taken:
 * freed or kept by r). */
int yrules_add_parsed(struct yrules *r, struct yrules_parsed *p, const struct yrules_load_options *opts);

/* Define an external variable from `yara -d` text (see assay_db_define). */
int yrules_define(struct yrules *r, const char *name, const char *value);

/* Parse and compile rule text (`name` in positions; includes resolved
 * relative to it on the file system). Returns ASSAY_OK or an error with the
 * message in assay_last_error() and the YARA code in yara_last_error_code(). */
int yrules_add_text(struct yrules *r, const char *name, const char *text, size_t len,
                    const struct yrules_load_options *opts);

/* Programs of patterns are shared (rule sets repeat strings): an earlier
 * regex among r->regexes[0, valid) whose program is the same as `re`'s
 * (yara_regex_same_program), or NULL after recording `re` as
 * r->regexes[index]. Only for regexes whose AST is dropped. */
struct yara_regex *yrules_share_program(struct yrules *r, struct yara_regex *re, size_t index, size_t valid);

/* An earlier string (below `string`) defined word for word as string
 * `string` is, whose patterns it can copy instead of being compiled; else
 * YRULES_NONE, after recording `string` as the one to copy from then on. */
uint32_t yrules_string_twin(struct yrules *r, uint32_t string);
/* The strings from index `strings` on were rolled back: none is a twin. */
void yrules_string_defs_roll_back(struct yrules *r, size_t strings);
/* Free the table of compiled strings (no more will be added, or all are gone). */
void yrules_forget_string_defs(struct yrules *r);

/* Once every rule is added: give back the spare room of the growing vectors
 * (up to half of each: ~10 MB for signature-base) before the engine is built. */
void yrules_trim(struct yrules *r);

/* Everything the engine needs per rule set is built as rules are added; this
 * only reports whether there is anything to run. */
static inline bool yrules_empty(const struct yrules *r)
{
    return r->rules.n == 0;
}

/* compile_cond.c: compile a rule's condition; fills rule->cond. */
int ycompile_condition(struct yrules *r, uint32_t rule_index, struct yara_diag *diag);
/* compile_strings.c: the patterns of one string. */
int ycompile_string(struct yrules *r, uint32_t string_index, struct yara_diag *diag);

/* May a rule called `name` exist in namespace ns? (false: surely not) */
bool yrules_may_have_rule(const struct yrules *r, uint32_t ns, const char *name);

/* The regex as Vectorscan (PCRE) syntax, NUL-terminated: explicit classes,
 * groups and bounded repeats. 0 or -1 when memory runs out. */
int yara_regex_pcre(const struct yara_regex *re, struct util_buf *out);

/* Record a compile error (thread-local code + assay error message). */
int yrules_fail(const struct yara_diag *d);

static inline const uint8_t *yrules_bytes(const struct yrules *r, uint32_t off)
{
    return r->bytes.data + off;
}

#endif
