/* parser_internal.h — state shared by the parts of the YARA parser
 * (parser.c: files, rules, strings; parser_expr.c: conditions; parser_hex.c:
 * hex strings). Not part of the public interface. */
#ifndef ASSAY_YARA_PARSER_INTERNAL_H
#define ASSAY_YARA_PARSER_INTERNAL_H

#include "yara/parser.h"

/* A growable array that lives in the arena (old copies are simply dropped). */
struct avec {
    void *v;
    size_t n, cap;
};

/* State shared by a file and the files it includes. */
struct parse_shared {
    struct yara_file *file;
    struct util_arena *arena;
    struct yara_diag *diag;
    const struct yara_parse_options *opts;
    struct avec rules;     /* struct yara_rule * */
    struct avec imports;   /* struct yara_import */
    struct avec includes;  /* struct yara_include */
    struct avec wildcards; /* const char *: rule-name prefixes used in `of (a*)` */
    struct avec errors;    /* struct yara_parse_error: errors gone on after */
    struct avec failed;    /* const char *: names of rules with an error (still declared for YARA) */
    const char *naming;    /* the name of the rule being parsed, once read */
    bool lexer_failed;     /* the last error came from the lexer: no going on */
};

struct parser {
    struct parse_shared *sh;
    struct yara_lexer lx;
    struct yara_token tok;
    unsigned include_depth;
    unsigned depth;            /* expression nesting */
    struct yara_rule *rule;    /* the rule being parsed */
    struct avec strings;       /* struct yara_string of that rule */
    unsigned anonymous_ok;     /* inside a for-of body: `$` `#` `@` `!` allowed */
};

int avec_push(struct parser *p, struct avec *a, const void *elem, size_t size);

/* Token handling. */
int parser_next(struct parser *p);
int parser_next_value(struct parser *p);
int parser_unexpected(struct parser *p, const char *expecting);
int parser_expect(struct parser *p, enum yara_tok kind);
const char *parser_token_text(struct parser *p); /* arena copy of the lexeme */
void *parser_alloc(struct parser *p, size_t size);
int parser_error(struct parser *p, enum yara_error_code code, struct yara_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* parser_expr.c */
struct yara_expr *parser_condition(struct parser *p);

/* parser_hex.c: parse the text between the braces of a hex string. */
int parser_hex(struct parser *p, const struct yara_token *t, struct yara_hex_seq *out);

#endif
