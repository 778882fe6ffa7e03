/* regex.h — YARA regular expressions (YARA 4.5 semantics): parser, compiler to
 * a small instruction program, a linear-time Pike-VM matcher and a literal
 * extractor for the engine's prefilter.
 *
 * Syntax accepted (the text between the slashes of /RE/flags):
 *   literals; escapes \n \t \r \f \a \xHH (exactly two hex digits); any other
 *   escaped byte stands for itself (YARA warns about it in strict-escape mode:
 *   yara_regex_has_unknown_escape() reports it); `.`; classes [...] with
 *   ranges, negation [^...], a leading ']' (or "^]") taken literally, '-' first
 *   or last taken literally, \w \W \s \S \d \D inside and outside classes;
 *   anchors ^ $ \b \B; groups ( ) (non-capturing for matching); alternation |
 *   (an empty alternative is allowed only after a '|': "(abc|)" is valid,
 *   "(|abc)" and "()" are not, as in YARA's grammar); quantifiers * + ? {n}
 *   {n,} {,m} {n,m} (blanks allowed around the numbers) and their lazy forms
 *   with a trailing '?'. A '{' that does not open a well-formed repeat is a
 *   literal. Anchors and quantifiers cannot be repeated ("nothing to repeat").
 *
 * Semantics: `.` matches any byte but '\n' unless YARA_REGEX_DOTALL; with
 * YARA_REGEX_NOCASE every literal and class is closed under ASCII case. ^ is
 * offset 0 of the data, $ is the end of the data (no multi-line mode). \w is
 * [A-Za-z0-9_], \s is [ \t\n\v\f\r], \d is [0-9].
 *
 * AST: nodes live in one array (struct yara_regex_node); a node's children are
 * a linked list first_child -> next_sibling (indices, YARA_REGEX_NONE ends).
 *   CLASS   one byte from a 256-bit set (literals are one-member sets),
 *   EMPTY   the empty string, ASSERT (^ $ \b \B, zero width),
 *   CONCAT  children in sequence, ALT children as alternatives (first preferred),
 *   REPEAT  one child, min..max times (max == YARA_REGEX_INF: unbounded), greedy
 *           or lazy.
 *
 * Limits (exceeding one is a syntax error with a column, or ASSAY_ELIMIT):
 *   repeat counts  <= YARA_REGEX_MAX_REPEAT (32767, YARA's RE_MAX_RANGE)
 *   nesting        <= YARA_REGEX_MAX_DEPTH groups/levels
 *   AST size       <= YARA_REGEX_MAX_NODES nodes
 *   program size   <= YARA_REGEX_MAX_INSTS instructions (repeats are unrolled)
 *
 * Matching: a Pike VM; the work of one match_at call is O(W * I) where W is
 * min(len - start, YARA_REGEX_SCAN_LIMIT) and I the instruction count (memory
 * O(I)). As in YARA, a match never covers more than YARA_REGEX_SCAN_LIMIT
 * bytes. For a fixed start the reported match is the one of the highest
 * priority path (YARA's fiber order, like Perl's): greedy quantifiers prefer
 * more iterations, lazy ones fewer, alternatives prefer the left branch. */
#ifndef ASSAY_YARA_REGEX_H
#define ASSAY_YARA_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YARA_REGEX_NOCASE 1u /* the `i` modifier */
#define YARA_REGEX_DOTALL 2u /* the `s` modifier */
#define YARA_REGEX_WIDE_WORD 4u /* \b \B look at wide characters (the byte 2 back) */
#define YARA_REGEX_SHORTEST 8u  /* an anchored match ends at the first position any path
                                   reaches the end (YARA's fast matcher, used for hex
                                   strings without alternatives) */
#define YARA_REGEX_PARSE_ONLY 16u /* build the AST only (for atoms and for programs of its
                                     parts); yara_regex_build_program adds the program */

#define YARA_REGEX_MAX_REPEAT 32767
#define YARA_REGEX_MAX_DEPTH 200
#define YARA_REGEX_MAX_NODES 20000
#define YARA_REGEX_MAX_INSTS 200000
#define YARA_REGEX_SCAN_LIMIT 4096
#define YARA_REGEX_INF 0xFFFFFFFFu
#define YARA_REGEX_NONE 0xFFFFFFFFu
#define YARA_REGEX_LITERAL_MAX 64 /* longest literal yara_regex_literals returns */
#define YARA_REGEX_LITERALS_MAX 16 /* most alternatives it returns */

enum yara_regex_kind {
    YARA_REGEX_CLASS = 1,
    YARA_REGEX_EMPTY,
    YARA_REGEX_ASSERT,
    YARA_REGEX_CONCAT,
    YARA_REGEX_ALT,
    YARA_REGEX_REPEAT,
};

enum yara_regex_assert {
    YARA_REGEX_BOL = 1,  /* ^ */
    YARA_REGEX_EOL,      /* $ */
    YARA_REGEX_WORDB,    /* \b */
    YARA_REGEX_NWORDB,   /* \B */
};

/* What YARA's own regex/hex parser makes of a node: YARA chooses its atoms and
 * splits a string there by these kinds (compile_strings.c), which the matcher
 * itself does not need. */
enum yara_regex_ykind {
    YARA_YK_OTHER = 0,
    YARA_YK_LITERAL,     /* CLASS: one byte (both cases under nocase) */
    YARA_YK_ANY,         /* CLASS: `.` (hex ??) */
    YARA_YK_CLASS,       /* CLASS: [...], \w \s \d and their negations */
    YARA_YK_STAR,        /* REPEAT: `*` */
    YARA_YK_PLUS,        /* REPEAT: `+` */
    YARA_YK_OPT,         /* REPEAT: `?` */
    YARA_YK_BRACES,      /* REPEAT: {n}, {n,}, {,m}, {n,m} */
};

struct yara_regex_node {
    uint8_t kind;        /* enum yara_regex_kind */
    uint8_t ykind;       /* enum yara_regex_ykind */
    uint8_t assert_kind; /* enum yara_regex_assert for ASSERT */
    uint8_t greedy;      /* REPEAT: 1 greedy, 0 lazy */
    uint32_t min, max;   /* REPEAT bounds */
    uint32_t first_child, next_sibling;
    uint32_t column;     /* 1-based column in the source */
    uint8_t set[32];     /* CLASS: bit b set when byte b matches (after nocase) */
};

struct yara_regex; /* opaque: AST + compiled program */

struct yara_regex_error {
    size_t column;     /* 1-based column in the regex text, 0 if none */
    char message[128]; /* e.g. "unbalanced parenthesis" */
};

/* Parse and compile `src[0..len)` with YARA_REGEX_* flags. Returns 0 and sets
 * *out, or ASSAY_ESYNTAX (bad regex), ASSAY_ELIMIT (a limit above) or
 * ASSAY_ENOMEM; `err` (may be NULL) receives the column and message, which is
 * also recorded with util_error() as "regex column N: message". */
int yara_regex_compile(const char *src, size_t len, unsigned flags, struct yara_regex **out,
                       struct yara_regex_error *err);
void yara_regex_free(struct yara_regex *re);
/* The program of a regex parsed with YARA_REGEX_PARSE_ONLY (a no-op when it
 * has one): 0, or the errors of yara_regex_compile. */
int yara_regex_build_program(struct yara_regex *re, struct yara_regex_error *err);

/* Building a regex from nodes instead of text (regex_build.c). Functions that
 * make a node return its index, or YARA_REGEX_NONE when memory runs out (a
 * NONE given to another builder function fails that one too). */
#define YARA_REGEX_BUILD_MAX_NODES (8 * YARA_REGEX_MAX_NODES)
struct yara_regex *yara_regex_new(unsigned flags); /* no nodes yet; NULL: out of memory */
/* A copy of *n (its links as they are). */
uint32_t yara_regex_add(struct yara_regex *re, const struct yara_regex_node *n);
uint32_t yara_regex_add_repeat(struct yara_regex *re, uint32_t child, uint32_t min, uint32_t max, bool greedy,
                               uint8_t ykind);
/* Siblings being collected: the children of a node to come. */
struct yara_regex_list {
    uint32_t first, last, count;
    bool failed;                     /* a NONE was appended */
};
void yara_regex_list_append(struct yara_regex *re, struct yara_regex_list *l, uint32_t node);
/* The list as one node: its only member, or a new node of `kind` (CONCAT,
 * ALT) over them; NONE when it is empty or failed. */
uint32_t yara_regex_list_close(struct yara_regex *re, struct yara_regex_list *l, uint8_t kind);
/* Append a copy of the subtree src[idx] (another regex's nodes) to a list:
 * `wide` puts a 00 byte after every class (the wide form of a string),
 * `reverse` writes it backwards for matching right to left (sequences
 * reversed, ^ and $ swapped). A concatenation adds its items one by one. */
void yara_regex_append_copy(struct yara_regex *re, struct yara_regex_list *out, const struct yara_regex_node *src,
                            uint32_t idx, bool wide, bool reverse);
/* The same copy as one node (a concatenation when it is several). */
uint32_t yara_regex_add_copy(struct yara_regex *re, const struct yara_regex_node *src, uint32_t idx, bool wide,
                             bool reverse);
/* Make root the root and compile the program: 0, or the errors of
 * yara_regex_build_program (ASSAY_ENOMEM for a NONE root). */
int yara_regex_finish(struct yara_regex *re, uint32_t root, struct yara_regex_error *err);

/* The AST: nodes, their count and the root index. */
const struct yara_regex_node *yara_regex_nodes(const struct yara_regex *re, size_t *count,
                                               uint32_t *root);
/* Free the AST of a regex that will only be matched from now on (its
 * program stays): yara_regex_nodes then returns none, and the literal,
 * atom and PCRE functions must not be called on it. */
void yara_regex_drop_ast(struct yara_regex *re);
/* The YARA_REGEX_* flags it was compiled with. */
unsigned yara_regex_flags(const struct yara_regex *re);
/* Add matching-only flags (YARA_REGEX_SHORTEST) after compiling. */
void yara_regex_add_flags(struct yara_regex *re, unsigned flags);
/* True when the regex used an escape YARA does not define (e.g. "\c"). */
bool yara_regex_has_unknown_escape(const struct yara_regex *re);
/* A program of consuming instructions only matches exactly its length: true
 * and that length, or false (repeats, alternatives, anchors). */
bool yara_regex_fixed_length(const struct yara_regex *re, size_t *len);
/* A hash of what a match depends on (flags, program, byte sets), and
 * whether two regexes match exactly alike on that account (their ASTs are
 * not compared: for regexes only matched from now on). */
uint64_t yara_regex_program_hash(const struct yara_regex *re);
bool yara_regex_same_program(const struct yara_regex *a, const struct yara_regex *b);
/* Number of compiled instructions (the matcher's state count). */
size_t yara_regex_program_size(const struct yara_regex *re);

/* What YARA reports for a match starting exactly at `start`: true and the
 * match length (possibly 0), or false. Thread-safe: allocates its own state. */
bool yara_regex_match_at(const struct yara_regex *re, const uint8_t *data, size_t len,
                         size_t start, size_t *match_len);

/* Reusable matcher memory for many match_at calls (one per thread): grows to
 * the largest program it meets. */
struct yara_regex_scratch;
struct yara_regex_scratch *yara_regex_scratch_new(void);
void yara_regex_scratch_free(struct yara_regex_scratch *s);
/* yara_regex_match_at with scratch memory: no allocation once warm. False
 * also when memory runs out (*oom set, may be NULL). */
bool yara_regex_match_at_with(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                              size_t len, size_t start, size_t *match_len, bool *oom);
/* The same, matching `re` backwards from `end`: the data is read right to
 * left, so `re` must be written reversed (see compile_strings.c, which also
 * swaps ^ and $); *match_len bytes before `end` matched. */
bool yara_regex_match_back_with(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                                size_t len, size_t end, size_t *match_len, bool *oom);

/* Every backward match of reversed `re` ending at `end`, as YARA reports
 * the part of a string before its atom: the lengths (ascending, at most
 * `max`) of all matches, each a different start. Returns how many. */
size_t yara_regex_match_back_all(struct yara_regex_scratch *s, const struct yara_regex *re, const uint8_t *data,
                                 size_t len, size_t end, size_t *lens, size_t max, bool *oom);

/* First start offset >= from where match_at succeeds: true with *match_start
 * and *match_len (what match_at reports there), false otherwise. One
 * left-to-right Pike-VM pass: O((len - from) * I). Caveat: threads from
 * different starts that meet in the same state are merged (the earlier start
 * wins), so only when a match would reach the YARA_REGEX_SCAN_LIMIT window
 * can the length differ from match_at's; callers that need YARA's exact
 * result for such long matches call match_at at the returned start. */
bool yara_regex_search(const struct yara_regex *re, const uint8_t *data, size_t len, size_t from,
                       size_t *match_start, size_t *match_len);

/* Prefilter literals. On success `out` holds n literals such that every match
 * of the regex contains at least one of them as a substring (n == 1: one
 * required substring, the longest the analysis finds; n > 1: the top level is
 * an alternation and each branch contributes its own required substring). When
 * nocase is true the literals must be compared ASCII-case-insensitively (they
 * are stored lower-case). n == 0 ("run the regex everywhere") when some branch
 * has no required byte at all, e.g. /.*|/ /a?/ /[ab]/ /x|y?/, or when the
 * alternation has more than YARA_REGEX_LITERALS_MAX branches. Literals are at
 * most YARA_REGEX_LITERAL_MAX bytes (longer ones are truncated, which keeps
 * the guarantee). Returns 0, or ASSAY_EINVAL when re is NULL. */
struct yara_regex_literal {
    uint8_t bytes[YARA_REGEX_LITERAL_MAX];
    size_t len;
};
struct yara_regex_literals {
    struct yara_regex_literal v[YARA_REGEX_LITERALS_MAX];
    size_t n;
    bool nocase;
};
int yara_regex_literals(const struct yara_regex *re, struct yara_regex_literals *out);

/* The atoms YARA itself chooses for a regular expression or hex string, as
 * libyara's atom tree does: runs of up to YARA_ATOM_LEN literal, masked or
 * any bytes (the best window of each run), alternatives as an AND of ORs, the
 * highest quality winning. YARA runs a string forwards from each atom and
 * backwards from it (compile_strings.c), so in some shapes the atom decides
 * which match is reported. */
#define YARA_ATOM_LEN 4
struct yara_regex_atom {
    uint8_t len;                  /* 1..YARA_ATOM_LEN */
    uint8_t bytes[YARA_ATOM_LEN];
    uint8_t mask[YARA_ATOM_LEN];  /* 0xFF a byte, 0xF0 / 0x0F a nibble, 0x00 any byte */
    uint32_t node;                /* the AST node where the atom starts */
};
/* items[0..nitems): the top-level sequence (the root alone, or one fragment of
 * a string YARA chains at a long jump). hex: a class of the 16 bytes sharing
 * a nibble is a masked byte. *out is malloc'ed (NULL when *count is 0); no
 * atom means YARA uses a zero-length one (every offset is tried). Returns 0
 * or ASSAY_ENOMEM. */
int yara_regex_yara_atoms(const struct yara_regex *re, const uint32_t *items, size_t nitems, bool hex,
                          struct yara_regex_atom **out, size_t *count);

#endif
