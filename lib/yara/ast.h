/* ast.h — the syntax tree the YARA 4.5 front end (lexer.c, parser.c) builds.
 *
 * Design
 *   - One arena (struct util_arena) owns every node, string and array of a
 *     parsed file: yara_file_free() releases everything at once, and nodes can
 *     point at each other freely. Arrays are (pointer, count) pairs allocated
 *     in the arena once their size is known.
 *   - struct yara_file holds, in source order, the imports, the includes (as
 *     written and as resolved; the rules of an included file are spliced into
 *     `rules` at the point of the include, YARA's semantics) and the rules.
 *   - A rule holds its modifiers, tags, meta entries, strings and condition.
 *     Every rule, string, meta entry and expression carries its source
 *     position (file name, 1-based line and column).
 *   - Strings: text strings are stored decoded (escapes resolved, may hold NUL
 *     bytes); regular expressions are kept as source text between the slashes
 *     plus their flags (i, s), for lib/yara/regex* to compile; hex strings are
 *     parsed into a tree of tokens (bytes with a nibble mask and negation,
 *     jumps, alternations of token sequences).
 *   - Conditions are trees of struct yara_expr; `kind` says which union member
 *     is meaningful. Integer constant sub-expressions are folded while parsing
 *     (YARA reports their overflow at compile time), so `1 + 2` appears as an
 *     INT node with value 3.
 *   - Names keep YARA's spelling: string identifiers include the sigil ("$a",
 *     "$" for anonymous, "$a*" for a wildcard); #a, @a and !a nodes name the
 *     string as "$a".
 *
 * Limits (exceeding one is an error, never a crash): expression nesting depth
 * YARA_MAX_DEPTH (parentheses, unary operators, calls, indexes, loops each
 * count one level); hex string alternation nesting YARA_MAX_HEX_DEPTH; include
 * depth YARA_MAX_INCLUDE_DEPTH; hex jumps up to INT32_MAX. */
#ifndef ASSAY_YARA_AST_H
#define ASSAY_YARA_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define YARA_MAX_DEPTH 128
#define YARA_MAX_HEX_DEPTH 32
#define YARA_MAX_INCLUDE_DEPTH 16

/* ---- positions ---------------------------------------------------------- */

struct yara_pos {
    const char *file; /* name given to the parser or the include hook */
    uint32_t line;    /* 1-based */
    uint32_t column;  /* 1-based, in bytes */
};

/* ---- hex strings -------------------------------------------------------- */

enum yara_hex_kind {
    YARA_HEX_BYTE = 1, /* value/mask: a byte matches when (b & mask) == value */
    YARA_HEX_JUMP,     /* [min-max]; max == -1 is unbounded */
    YARA_HEX_ALT,      /* ( seq | seq | ... ) */
};

struct yara_hex_seq;
/* 16 bytes: a hex string of thousands of bytes is thousands of tokens, kept
 * with the rule's AST. */
struct yara_hex_token {
    uint8_t kind;        /* enum yara_hex_kind */
    uint8_t value, mask; /* BYTE: "4D" 4D/FF, "?A" 0A/0F, "A?" A0/F0, "??" 00/00 */
    bool negated;        /* BYTE: ~4D, ~?A */
    uint32_t alt_count;  /* ALT */
    union {
        struct {
            int32_t jump_min, jump_max; /* JUMP */
        };
        struct yara_hex_seq *alts;      /* ALT */
    };
};

_Static_assert(sizeof(struct yara_hex_token) == 16, "hex tokens are kept by the thousand");

struct yara_hex_seq {
    struct yara_hex_token *tokens;
    size_t count;
};

/* ---- strings ------------------------------------------------------------ */

enum yara_string_kind { YARA_STR_TEXT = 1, YARA_STR_HEX, YARA_STR_REGEX };

enum yara_modifier {
    YARA_MOD_NOCASE = 1u << 0,
    YARA_MOD_WIDE = 1u << 1,
    YARA_MOD_ASCII = 1u << 2,
    YARA_MOD_FULLWORD = 1u << 3,
    YARA_MOD_PRIVATE = 1u << 4,
    YARA_MOD_XOR = 1u << 5,
    YARA_MOD_BASE64 = 1u << 6,
    YARA_MOD_BASE64WIDE = 1u << 7,
};

enum yara_regex_flag { YARA_RE_NOCASE = 1u << 0 /* /i */, YARA_RE_DOTALL = 1u << 1 /* /s */ };

struct yara_string {
    struct yara_pos pos;
    const char *name; /* "$a", or "$" when anonymous */
    enum yara_string_kind kind;
    /* TEXT: decoded bytes; REGEX: source between the slashes (NUL-terminated). */
    const uint8_t *text;
    size_t text_len;
    unsigned regex_flags;      /* REGEX */
    struct yara_hex_seq hex;   /* HEX */
    unsigned modifiers;        /* enum yara_modifier bits */
    uint8_t xor_min, xor_max;  /* XOR: plain `xor` is 0-255 */
    const char *base64_alphabet; /* BASE64/BASE64WIDE: NULL for the standard one */
    bool referenced;           /* set by the parser's checks */
};

/* ---- meta --------------------------------------------------------------- */

enum yara_meta_kind { YARA_META_STRING = 1, YARA_META_INT, YARA_META_BOOL };

struct yara_meta {
    struct yara_pos pos;
    const char *name;
    enum yara_meta_kind kind;
    const uint8_t *str; /* STRING: decoded, NUL-terminated, may hold NUL bytes */
    size_t str_len;
    int64_t integer;    /* INT; BOOL: 0 or 1 */
};

/* ---- expressions ------------------------------------------------------- */

enum yara_expr_kind {
    YARA_EXPR_BOOL = 1,     /* integer: 0/1 */
    YARA_EXPR_INT,          /* integer */
    YARA_EXPR_FLOAT,        /* real */
    YARA_EXPR_TEXT,         /* text/text_len: a string literal */
    YARA_EXPR_REGEX,        /* text (source), regex_flags */
    YARA_EXPR_FILESIZE,
    YARA_EXPR_ENTRYPOINT,
    YARA_EXPR_IDENT,        /* name: rule, module, external or loop variable */
    YARA_EXPR_MEMBER,       /* left.name */
    YARA_EXPR_INDEX,        /* left[right] */
    YARA_EXPR_CALL,         /* left(args...) */
    YARA_EXPR_INT_READ,     /* name ("uint32be"...)(left) */
    YARA_EXPR_STR_MATCH,    /* name: $a (or $ in a for-of body) */
    YARA_EXPR_STR_AT,       /* name at left */
    YARA_EXPR_STR_IN,       /* name in left (a RANGE) */
    YARA_EXPR_STR_COUNT,    /* #a; left = optional RANGE (#a in (r)) */
    YARA_EXPR_STR_OFFSET,   /* @a; left = optional index */
    YARA_EXPR_STR_LENGTH,   /* !a; left = optional index */
    YARA_EXPR_UNARY,        /* op left: "-", "~", "not", "defined" */
    YARA_EXPR_BINARY,       /* left op right: "or" "and" "<" ... "contains" "matches" "+" ... */
    YARA_EXPR_RANGE,        /* (left..right) */
    YARA_EXPR_OF,           /* quant of set [at left | in left] */
    YARA_EXPR_FOR_OF,       /* for quant of set : (body) */
    YARA_EXPR_FOR_IN,       /* for quant vars in iterable : (body) */
};

enum yara_quant_kind {
    YARA_QUANT_ALL = 1,
    YARA_QUANT_ANY,
    YARA_QUANT_NONE,
    YARA_QUANT_EXPR,    /* N of ...: expr */
    YARA_QUANT_PERCENT, /* N% of ...: expr */
};

struct yara_expr;
struct yara_quant {
    enum yara_quant_kind kind;
    struct yara_expr *expr;
};

enum yara_set_kind {
    YARA_SET_THEM = 1, /* all strings of the rule */
    YARA_SET_STRINGS,  /* items: "$a", "$a*", "$b" */
    YARA_SET_RULES,    /* items: "rule1", "rule*" */
    YARA_SET_EXPRS,    /* exprs: (bool, bool, ...) */
};

struct yara_set {
    enum yara_set_kind kind;
    const char **items;
    size_t count;
    struct yara_expr **exprs;
};

enum yara_iter_kind {
    YARA_ITER_RANGE = 1, /* (lo..hi): expr is a RANGE */
    YARA_ITER_LIST,      /* (e1, e2, ...): exprs */
    YARA_ITER_EXPR,      /* an array or dictionary: expr */
};

struct yara_iterable {
    enum yara_iter_kind kind;
    struct yara_expr *expr;
    struct yara_expr **exprs;
    size_t count;
};

struct yara_expr {
    enum yara_expr_kind kind;
    struct yara_pos pos;
    const char *op;           /* UNARY, BINARY */
    const char *name;         /* IDENT, MEMBER, INT_READ, STR_* */
    int64_t integer;
    double real;
    const uint8_t *text;      /* TEXT, REGEX (NUL-terminated) */
    size_t text_len;
    unsigned regex_flags;
    struct yara_expr *left, *right;
    struct yara_expr **args;  /* CALL */
    size_t arg_count;
    /* OF, FOR_OF, FOR_IN */
    struct yara_quant quant;
    struct yara_set set;
    const char **vars;        /* FOR_IN: 1 or 2 names */
    size_t var_count;
    struct yara_iterable iter;
    struct yara_expr *body;
};

/* ---- rules and files ---------------------------------------------------- */

enum yara_rule_flag { YARA_RULE_PRIVATE = 1u << 0, YARA_RULE_GLOBAL = 1u << 1 };

struct yara_rule {
    struct yara_pos pos;
    const char *name;
    unsigned flags;
    const char **tags;
    size_t tag_count;
    struct yara_meta *metas;
    size_t meta_count;
    struct yara_string *strings;
    size_t string_count;
    struct yara_expr *condition;
};

struct yara_import {
    struct yara_pos pos;
    const char *module;
};

struct yara_include {
    struct yara_pos pos;
    const char *path;     /* as written */
    const char *resolved; /* name the hook returned */
};

struct yara_parse_error;

struct yara_file {
    struct util_arena arena;
    const char *name;
    struct yara_import *imports;
    size_t import_count;
    struct yara_include *includes;
    size_t include_count;
    struct yara_rule **rules;
    size_t rule_count;
    struct yara_parse_error *errors; /* parser.h: errors the parser went on after */
    size_t error_count;
};

void yara_file_free(struct yara_file *f);

/* A copy of f, in an arena of its own, with only what is needed once its
 * rules are compiled: file, rule and string names and positions, rule flags,
 * tags and metadata, string kinds and modifiers, imports and includes. The
 * strings' texts and hex tokens, the conditions and the parse errors are
 * left out. NULL on OOM (f is untouched either way). */
struct yara_file *yara_file_compact(const struct yara_file *f);

/* Print a compact S-expression of an expression (for tests and debugging),
 * e.g. (and $a (> (filesize) 100)). Returns 0 or -1 on OOM. */
struct util_buf;
int yara_expr_dump(const struct yara_expr *e, struct util_buf *out);

#endif
