/* lexer.h — tokens of the YARA 4.5 rule language and the diagnostics shared
 * by the lexer and the parser (error codes named after YARA's ERROR_* names).
 *
 * The lexer is pull-based: the parser asks for one token at a time and says
 * whether a string value may start here (after `$a =`), the one place where
 * `{` opens a hex string. Its whole state is plain data, so the parser can
 * save it and come back (bounded lookahead). `/` always starts a regular
 * expression: YARA divides with `\`. */
#ifndef ASSAY_YARA_LEXER_H
#define ASSAY_YARA_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yara/ast.h"

enum yara_error_code {
    YARA_OK = 0,
    YARA_ERR_SYNTAX,                     /* ERROR_SYNTAX_ERROR */
    YARA_ERR_INTEGER_OVERFLOW,           /* ERROR_INTEGER_OVERFLOW */
    YARA_ERR_DIVISION_BY_ZERO,           /* ERROR_DIVISION_BY_ZERO */
    YARA_ERR_INVALID_VALUE,              /* ERROR_INVALID_VALUE */
    YARA_ERR_INVALID_OPERAND,            /* ERROR_INVALID_OPERAND */
    YARA_ERR_WRONG_TYPE,                 /* ERROR_WRONG_TYPE */
    YARA_ERR_INVALID_HEX_STRING,         /* ERROR_INVALID_HEX_STRING */
    YARA_ERR_INVALID_MODIFIER,           /* ERROR_INVALID_MODIFIER */
    YARA_ERR_DUPLICATED_MODIFIER,        /* ERROR_DUPLICATED_MODIFIER */
    YARA_ERR_INVALID_PERCENTAGE,         /* ERROR_INVALID_PERCENTAGE */
    YARA_ERR_INVALID_MODULE_NAME,        /* ERROR_INVALID_MODULE_NAME */
    YARA_ERR_DUPLICATED_IDENTIFIER,      /* ERROR_DUPLICATED_IDENTIFIER */
    YARA_ERR_DUPLICATED_STRING_IDENTIFIER, /* ERROR_DUPLICATED_STRING_IDENTIFIER */
    YARA_ERR_DUPLICATED_TAG_IDENTIFIER,  /* ERROR_DUPLICATED_TAG_IDENTIFIER */
    YARA_ERR_DUPLICATED_META_IDENTIFIER, /* ERROR_DUPLICATED_META_IDENTIFIER (unused: YARA allows it) */
    YARA_ERR_UNDEFINED_STRING,           /* ERROR_UNDEFINED_STRING */
    YARA_ERR_UNDEFINED_IDENTIFIER,       /* ERROR_UNDEFINED_IDENTIFIER */
    YARA_ERR_UNREFERENCED_STRING,        /* ERROR_UNREFERENCED_STRING */
    YARA_ERR_IDENTIFIER_MATCHES_WILDCARD,/* ERROR_IDENTIFIER_MATCHES_WILDCARD */
    YARA_ERR_MISPLACED_ANONYMOUS_STRING, /* ERROR_MISPLACED_ANONYMOUS_STRING */
    YARA_ERR_NESTING_TOO_DEEP,           /* ERROR_EXCEEDED_MAX_NESTING ... (our depth limit) */
    YARA_ERR_INCLUDE_DEPTH,              /* ERROR_INCLUDE_DEPTH_EXCEEDED */
    YARA_ERR_INCLUDES_DISABLED,          /* ERROR_INCLUDES_DISABLED */
    YARA_ERR_COULD_NOT_OPEN_FILE,        /* ERROR_COULD_NOT_OPEN_FILE */
    YARA_ERR_NOMEM,                      /* ERROR_INSUFFICIENT_MEMORY */
    YARA_ERR_INVALID_REGEX,              /* ERROR_INVALID_REGULAR_EXPRESSION */
    YARA_ERR_UNKNOWN_MODULE,             /* ERROR_UNKNOWN_MODULE */
    YARA_ERR_INVALID_FIELD_NAME,         /* ERROR_INVALID_FIELD_NAME */
    YARA_ERR_NOT_A_STRUCTURE,            /* ERROR_NOT_A_STRUCTURE */
    YARA_ERR_NOT_INDEXABLE,              /* ERROR_NOT_INDEXABLE */
    YARA_ERR_NOT_A_FUNCTION,             /* ERROR_NOT_A_FUNCTION */
    YARA_ERR_WRONG_ARGUMENTS,            /* ERROR_WRONG_ARGUMENTS */
    YARA_ERR_TOO_MANY_STRINGS,           /* ERROR_TOO_MANY_STRINGS (our per-rule cap) */
};

/* YARA's name for a code, e.g. "ERROR_SYNTAX_ERROR". */
const char *yara_error_name(enum yara_error_code code);

struct yara_diag {
    enum yara_error_code code;
    struct yara_pos pos;
    char message[512]; /* "file:line:column: text" */
};

enum yara_tok {
    YT_EOF = 0,
    YT_IDENT, YT_STRING_ID, YT_STRING_ID_WILD, YT_STRING_COUNT, YT_STRING_OFFSET,
    YT_STRING_LENGTH, YT_INT, YT_FLOAT, YT_TEXT, YT_REGEX, YT_HEX,
    /* keywords */
    YT_KW_FIRST,
    YT_ALL = YT_KW_FIRST, YT_AND, YT_ANY, YT_ASCII, YT_AT, YT_BASE64, YT_BASE64WIDE,
    YT_CONDITION, YT_CONTAINS, YT_DEFINED, YT_ENDSWITH, YT_ENTRYPOINT, YT_FALSE,
    YT_FILESIZE, YT_FOR, YT_FULLWORD, YT_GLOBAL, YT_IMPORT, YT_ICONTAINS, YT_IENDSWITH,
    YT_IEQUALS, YT_IN, YT_INCLUDE, YT_ISTARTSWITH, YT_MATCHES, YT_META, YT_NOCASE,
    YT_NONE, YT_NOT, YT_OF, YT_OR, YT_PRIVATE, YT_RULE, YT_STARTSWITH, YT_STRINGS,
    YT_THEM, YT_TRUE, YT_WIDE, YT_XOR, YT_INT_READER, /* int8 .. uint32be */
    YT_KW_LAST = YT_INT_READER,
    /* punctuation */
    YT_LBRACE, YT_RBRACE, YT_LPAREN, YT_RPAREN, YT_LBRACKET, YT_RBRACKET, YT_COLON,
    YT_COMMA, YT_DOT, YT_DOTDOT, YT_ASSIGN, YT_EQ, YT_NEQ, YT_LT, YT_LE, YT_GT, YT_GE,
    YT_SHL, YT_SHR, YT_PLUS, YT_MINUS, YT_STAR, YT_BACKSLASH, YT_PERCENT, YT_AMP,
    YT_PIPE, YT_CARET, YT_TILDE,
};

struct yara_token {
    enum yara_tok kind;
    struct yara_pos pos;
    const char *start; /* lexeme in the source */
    size_t len;
    int64_t integer;       /* INT */
    double real;           /* FLOAT */
    const uint8_t *text;   /* TEXT: decoded; REGEX: source; HEX: inside the braces */
    size_t text_len;
    unsigned regex_flags;  /* REGEX */
};

struct yara_lexer {
    const char *src;
    size_t len, off;
    uint32_t line, column;
    const char *file;
    struct util_arena *arena; /* decoded text goes here */
    struct yara_diag *diag;
};

void yara_lexer_init(struct yara_lexer *lx, const char *file, const char *src, size_t len,
                     struct util_arena *arena, struct yara_diag *diag);

/* Read the next token; `value` allows a hex string. Returns 0, or -1 with
 * *lx->diag filled in. */
int yara_lex(struct yara_lexer *lx, struct yara_token *t, bool value);

/* "identifier \"foo\"", "\"}\"", "end of file", ... for error messages. */
void yara_token_describe(const struct yara_token *t, char *out, size_t size);
/* Name of a token kind for "expecting ..." lists. */
const char *yara_tok_name(enum yara_tok kind);

/* Fill *d (code, position, "file:line:col: message") and return -1. */
int yara_diag_set(struct yara_diag *d, enum yara_error_code code, struct yara_pos pos,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
