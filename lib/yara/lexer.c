/* lexer.c — turns YARA rule text into tokens (see lexer.h): comments,
 * keywords, identifiers and the $ # @ ! string references, numbers (decimal,
 * 0x, 0o, KB/MB suffixes, floats), text strings with escapes, regular
 * expressions kept as source, and hex strings kept as raw text for the parser. */
#include "yara/lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../util/hexdigit.h"

static const char *const error_names[] = {
    [YARA_OK] = "ERROR_SUCCESS",
    [YARA_ERR_SYNTAX] = "ERROR_SYNTAX_ERROR",
    [YARA_ERR_INTEGER_OVERFLOW] = "ERROR_INTEGER_OVERFLOW",
    [YARA_ERR_DIVISION_BY_ZERO] = "ERROR_DIVISION_BY_ZERO",
    [YARA_ERR_INVALID_VALUE] = "ERROR_INVALID_VALUE",
    [YARA_ERR_INVALID_OPERAND] = "ERROR_INVALID_OPERAND",
    [YARA_ERR_WRONG_TYPE] = "ERROR_WRONG_TYPE",
    [YARA_ERR_INVALID_HEX_STRING] = "ERROR_INVALID_HEX_STRING",
    [YARA_ERR_INVALID_MODIFIER] = "ERROR_INVALID_MODIFIER",
    [YARA_ERR_DUPLICATED_MODIFIER] = "ERROR_DUPLICATED_MODIFIER",
    [YARA_ERR_INVALID_PERCENTAGE] = "ERROR_INVALID_PERCENTAGE",
    [YARA_ERR_INVALID_MODULE_NAME] = "ERROR_INVALID_MODULE_NAME",
    [YARA_ERR_DUPLICATED_IDENTIFIER] = "ERROR_DUPLICATED_IDENTIFIER",
    [YARA_ERR_DUPLICATED_STRING_IDENTIFIER] = "ERROR_DUPLICATED_STRING_IDENTIFIER",
    [YARA_ERR_DUPLICATED_TAG_IDENTIFIER] = "ERROR_DUPLICATED_TAG_IDENTIFIER",
    [YARA_ERR_DUPLICATED_META_IDENTIFIER] = "ERROR_DUPLICATED_META_IDENTIFIER",
    [YARA_ERR_UNDEFINED_STRING] = "ERROR_UNDEFINED_STRING",
    [YARA_ERR_UNDEFINED_IDENTIFIER] = "ERROR_UNDEFINED_IDENTIFIER",
    [YARA_ERR_UNREFERENCED_STRING] = "ERROR_UNREFERENCED_STRING",
    [YARA_ERR_IDENTIFIER_MATCHES_WILDCARD] = "ERROR_IDENTIFIER_MATCHES_WILDCARD",
    [YARA_ERR_MISPLACED_ANONYMOUS_STRING] = "ERROR_MISPLACED_ANONYMOUS_STRING",
    [YARA_ERR_NESTING_TOO_DEEP] = "ERROR_EXCEEDED_MAX_NESTING",
    [YARA_ERR_INCLUDE_DEPTH] = "ERROR_INCLUDE_DEPTH_EXCEEDED",
    [YARA_ERR_INCLUDES_DISABLED] = "ERROR_INCLUDES_DISABLED",
    [YARA_ERR_COULD_NOT_OPEN_FILE] = "ERROR_COULD_NOT_OPEN_FILE",
    [YARA_ERR_NOMEM] = "ERROR_INSUFFICIENT_MEMORY",
    [YARA_ERR_INVALID_REGEX] = "ERROR_INVALID_REGULAR_EXPRESSION",
    [YARA_ERR_UNKNOWN_MODULE] = "ERROR_UNKNOWN_MODULE",
    [YARA_ERR_INVALID_FIELD_NAME] = "ERROR_INVALID_FIELD_NAME",
    [YARA_ERR_NOT_A_STRUCTURE] = "ERROR_NOT_A_STRUCTURE",
    [YARA_ERR_NOT_INDEXABLE] = "ERROR_NOT_INDEXABLE",
    [YARA_ERR_NOT_A_FUNCTION] = "ERROR_NOT_A_FUNCTION",
    [YARA_ERR_WRONG_ARGUMENTS] = "ERROR_WRONG_ARGUMENTS",
    [YARA_ERR_TOO_MANY_STRINGS] = "ERROR_TOO_MANY_STRINGS",
};

const char *yara_error_name(enum yara_error_code code)
{
    if ((size_t)code < sizeof error_names / sizeof error_names[0] && error_names[code] != NULL)
        return error_names[code];
    return "ERROR_UNKNOWN";
}

int yara_diag_set(struct yara_diag *d, enum yara_error_code code, struct yara_pos pos,
                  const char *fmt, ...)
{
    d->code = code;
    d->pos = pos;
    int n = snprintf(d->message, sizeof d->message, "%s:%u:%u: ", pos.file ? pos.file : "<input>",
                     pos.line, pos.column);
    if (n < 0 || (size_t)n >= sizeof d->message)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->message + n, sizeof d->message - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---- keyword table ------------------------------------------------------ */

struct keyword {
    const char *word;
    enum yara_tok kind;
};

static const struct keyword keywords[] = {
    {"all", YT_ALL}, {"and", YT_AND}, {"any", YT_ANY}, {"ascii", YT_ASCII}, {"at", YT_AT},
    {"base64", YT_BASE64}, {"base64wide", YT_BASE64WIDE}, {"condition", YT_CONDITION},
    {"contains", YT_CONTAINS}, {"defined", YT_DEFINED}, {"endswith", YT_ENDSWITH},
    {"entrypoint", YT_ENTRYPOINT}, {"false", YT_FALSE}, {"filesize", YT_FILESIZE},
    {"for", YT_FOR}, {"fullword", YT_FULLWORD}, {"global", YT_GLOBAL}, {"import", YT_IMPORT},
    {"icontains", YT_ICONTAINS}, {"iendswith", YT_IENDSWITH}, {"iequals", YT_IEQUALS},
    {"in", YT_IN}, {"include", YT_INCLUDE}, {"istartswith", YT_ISTARTSWITH},
    {"matches", YT_MATCHES}, {"meta", YT_META}, {"nocase", YT_NOCASE}, {"none", YT_NONE},
    {"not", YT_NOT}, {"of", YT_OF}, {"or", YT_OR}, {"private", YT_PRIVATE}, {"rule", YT_RULE},
    {"startswith", YT_STARTSWITH}, {"strings", YT_STRINGS}, {"them", YT_THEM},
    {"true", YT_TRUE}, {"wide", YT_WIDE}, {"xor", YT_XOR},
    {"int8", YT_INT_READER}, {"int16", YT_INT_READER}, {"int32", YT_INT_READER},
    {"uint8", YT_INT_READER}, {"uint16", YT_INT_READER}, {"uint32", YT_INT_READER},
    {"int8be", YT_INT_READER}, {"int16be", YT_INT_READER}, {"int32be", YT_INT_READER},
    {"uint8be", YT_INT_READER}, {"uint16be", YT_INT_READER}, {"uint32be", YT_INT_READER},
};

static enum yara_tok keyword_kind(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, s, n) == 0)
            return keywords[i].kind;
    return YT_IDENT;
}

static const char *keyword_word(enum yara_tok kind)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (keywords[i].kind == kind)
            return keywords[i].word;
    return "?";
}

static const char *const punct_names[] = {
    [YT_LBRACE] = "{", [YT_RBRACE] = "}", [YT_LPAREN] = "(", [YT_RPAREN] = ")",
    [YT_LBRACKET] = "[", [YT_RBRACKET] = "]", [YT_COLON] = ":", [YT_COMMA] = ",",
    [YT_DOT] = ".", [YT_DOTDOT] = "..", [YT_ASSIGN] = "=", [YT_EQ] = "==", [YT_NEQ] = "!=",
    [YT_LT] = "<", [YT_LE] = "<=", [YT_GT] = ">", [YT_GE] = ">=", [YT_SHL] = "<<",
    [YT_SHR] = ">>", [YT_PLUS] = "+", [YT_MINUS] = "-", [YT_STAR] = "*", [YT_BACKSLASH] = "\\",
    [YT_PERCENT] = "%", [YT_AMP] = "&", [YT_PIPE] = "|", [YT_CARET] = "^", [YT_TILDE] = "~",
};

const char *yara_tok_name(enum yara_tok kind)
{
    switch (kind) {
    case YT_EOF: return "end of file";
    case YT_IDENT: return "identifier";
    case YT_STRING_ID: return "string identifier";
    case YT_STRING_ID_WILD: return "string identifier with wildcard";
    case YT_STRING_COUNT: return "string count";
    case YT_STRING_OFFSET: return "string offset";
    case YT_STRING_LENGTH: return "string length";
    case YT_INT: return "integer number";
    case YT_FLOAT: return "floating point number";
    case YT_TEXT: return "text string";
    case YT_REGEX: return "regular expression";
    case YT_HEX: return "hex string";
    case YT_INT_READER: return "integer function";
    default: break;
    }
    if (kind >= YT_KW_FIRST && kind <= YT_KW_LAST)
        return keyword_word(kind);
    if ((size_t)kind < sizeof punct_names / sizeof punct_names[0] && punct_names[kind])
        return punct_names[kind];
    return "token";
}

void yara_token_describe(const struct yara_token *t, char *out, size_t size)
{
    if (t->kind == YT_EOF) {
        snprintf(out, size, "end of file");
        return;
    }
    int n = t->len > 60 ? 60 : (int)t->len;
    const char *what = (t->kind >= YT_KW_FIRST && t->kind <= YT_KW_LAST && t->kind != YT_INT_READER)
                           ? "keyword"
                           : yara_tok_name(t->kind);
    if (t->kind >= YT_LBRACE)
        snprintf(out, size, "\"%.*s\"", n, t->start);
    else
        snprintf(out, size, "%s \"%.*s%s\"", what, n, t->start, t->len > 60 ? "..." : "");
}

/* ---- character scanning ------------------------------------------------- */

void yara_lexer_init(struct yara_lexer *lx, const char *file, const char *src, size_t len,
                     struct util_arena *arena, struct yara_diag *diag)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->column = 1;
    lx->file = file;
    lx->arena = arena;
    lx->diag = diag;
}

static int peek_at(const struct yara_lexer *lx, size_t ahead)
{
    return lx->off + ahead < lx->len ? (unsigned char)lx->src[lx->off + ahead] : -1;
}

static void advance(struct yara_lexer *lx)
{
    if (lx->off >= lx->len)
        return;
    if (lx->src[lx->off] == '\n') {
        lx->line++;
        lx->column = 1;
    } else {
        lx->column++;
    }
    lx->off++;
}

static struct yara_pos here(const struct yara_lexer *lx)
{
    return (struct yara_pos){lx->file, lx->line, lx->column};
}

static bool is_ident_start(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_ident_char(int c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static int hex_value(int c)
{
    return util_hex_digit(c);
}

/* Skip blanks and comments; -1 on an unterminated block comment. */
static int skip_space_and_comments(struct yara_lexer *lx)
{
    for (;;) {
        int c = peek_at(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            advance(lx);
        } else if (c == '/' && peek_at(lx, 1) == '/') {
            while (peek_at(lx, 0) != -1 && peek_at(lx, 0) != '\n')
                advance(lx);
        } else if (c == '/' && peek_at(lx, 1) == '*') {
            struct yara_pos start = here(lx);
            advance(lx);
            advance(lx);
            while (!(peek_at(lx, 0) == '*' && peek_at(lx, 1) == '/')) {
                if (peek_at(lx, 0) == -1)
                    return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, start,
                                         "syntax error, unterminated comment");
                advance(lx);
            }
            advance(lx);
            advance(lx);
        } else {
            return 0;
        }
    }
}

/* ---- token scanners ----------------------------------------------------- */

static int oom(struct yara_lexer *lx)
{
    return yara_diag_set(lx->diag, YARA_ERR_NOMEM, here(lx), "out of memory");
}

static int overflow_error(struct yara_lexer *lx, struct yara_token *t)
{
    return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos,
                         "syntax error, integer \"%.*s\" is too large", (int)(lx->off - (size_t)(t->start - lx->src)),
                         t->start);
}

/* Accumulate a digit in base `base`; false on int64 overflow. */
static bool accumulate(uint64_t *v, unsigned base, unsigned digit)
{
    if (*v > ((uint64_t)INT64_MAX - digit) / base)
        return false;
    *v = *v * base + digit;
    return true;
}

static int scan_number(struct yara_lexer *lx, struct yara_token *t)
{
    uint64_t v = 0;
    bool overflow = false;
    if (peek_at(lx, 0) == '0' && (peek_at(lx, 1) == 'x' || peek_at(lx, 1) == 'X') && hex_value(peek_at(lx, 2)) >= 0) {
        advance(lx);
        advance(lx);
        while (hex_value(peek_at(lx, 0)) >= 0) {
            overflow |= !accumulate(&v, 16, (unsigned)hex_value(peek_at(lx, 0)));
            advance(lx);
        }
    } else if (peek_at(lx, 0) == '0' && peek_at(lx, 1) == 'o' && peek_at(lx, 2) >= '0' && peek_at(lx, 2) <= '7') {
        advance(lx);
        advance(lx);
        while (peek_at(lx, 0) >= '0' && peek_at(lx, 0) <= '7') {
            overflow |= !accumulate(&v, 8, (unsigned)(peek_at(lx, 0) - '0'));
            advance(lx);
        }
    } else {
        while (is_digit(peek_at(lx, 0))) {
            overflow |= !accumulate(&v, 10, (unsigned)(peek_at(lx, 0) - '0'));
            advance(lx);
        }
        if (peek_at(lx, 0) == '.' && is_digit(peek_at(lx, 1))) {
            advance(lx);
            while (is_digit(peek_at(lx, 0)))
                advance(lx);
            char tmp[128];
            size_t n = lx->off - (size_t)(t->start - lx->src);
            if (n >= sizeof tmp)
                n = sizeof tmp - 1;
            memcpy(tmp, t->start, n);
            tmp[n] = '\0';
            t->kind = YT_FLOAT;
            t->real = strtod(tmp, NULL);
            return 0;
        }
        uint64_t scale = 0;
        if (peek_at(lx, 0) == 'K' && peek_at(lx, 1) == 'B')
            scale = 1024;
        else if (peek_at(lx, 0) == 'M' && peek_at(lx, 1) == 'B')
            scale = 1024 * 1024;
        if (scale != 0) {
            advance(lx);
            advance(lx);
            if (v > (uint64_t)INT64_MAX / scale)
                overflow = true;
            else
                v *= scale;
        }
    }
    if (overflow)
        return overflow_error(lx, t);
    t->kind = YT_INT;
    t->integer = (int64_t)v;
    return 0;
}

/* Decode one escape after a backslash inside "..."; -1 on an illegal one. */
static int decode_escape(struct yara_lexer *lx, uint8_t *out)
{
    struct yara_pos pos = here(lx);
    advance(lx); /* the backslash */
    int c = peek_at(lx, 0);
    switch (c) {
    case 'n': *out = '\n'; break;
    case 't': *out = '\t'; break;
    case 'r': *out = '\r'; break;
    case '"': *out = '"'; break;
    case '\\': *out = '\\'; break;
    case 'x': {
        int hi = hex_value(peek_at(lx, 1)), lo = hex_value(peek_at(lx, 2));
        if (hi < 0 || lo < 0)
            return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, pos, "syntax error, illegal escape sequence");
        advance(lx);
        advance(lx);
        *out = (uint8_t)(hi << 4 | lo);
        break;
    }
    default:
        return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, pos, "syntax error, illegal escape sequence");
    }
    advance(lx);
    return 0;
}

static int scan_text(struct yara_lexer *lx, struct yara_token *t)
{
    advance(lx); /* opening quote */
    size_t cap = 16, n = 0;
    /* The decoded text is never longer than the source span. */
    size_t rest = lx->len - lx->off;
    for (size_t i = 0; i < rest; i++) {
        char c = lx->src[lx->off + i];
        if (c == '"' || c == '\n')
            break;
        if (c == '\\')
            i++;
        cap += 2;
    }
    uint8_t *out = util_arena_alloc(lx->arena, cap + 1);
    if (out == NULL)
        return oom(lx);
    for (;;) {
        int c = peek_at(lx, 0);
        if (c == -1 || c == '\n')
            return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos, "syntax error, unterminated string");
        if (c == '"')
            break;
        if (c == '\\') {
            if (decode_escape(lx, &out[n]) < 0)
                return -1;
            n++;
        } else {
            out[n++] = (uint8_t)c;
            advance(lx);
        }
    }
    advance(lx); /* closing quote */
    out[n] = '\0';
    t->kind = YT_TEXT;
    t->text = out;
    t->text_len = n;
    return 0;
}

/* /source/flags: `\/` stands for `/`; other escapes stay for the regex compiler. */
static int scan_regex(struct yara_lexer *lx, struct yara_token *t)
{
    advance(lx); /* opening slash */
    size_t start = lx->off, cap = 0;
    while (start + cap < lx->len && lx->src[start + cap] != '\n')
        cap++;
    uint8_t *out = util_arena_alloc(lx->arena, cap + 1);
    if (out == NULL)
        return oom(lx);
    size_t n = 0;
    for (;;) {
        int c = peek_at(lx, 0);
        if (c == -1 || c == '\n')
            return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos,
                                 "syntax error, unterminated regular expression");
        if (c == '/')
            break;
        if (c == '\\' && peek_at(lx, 1) == '/') {
            advance(lx);
        } else if (c == '\\' && peek_at(lx, 1) != -1 && peek_at(lx, 1) != '\n') {
            out[n++] = '\\';
            advance(lx);
        }
        out[n++] = (uint8_t)peek_at(lx, 0);
        advance(lx);
    }
    advance(lx); /* closing slash */
    if (n == 0)
        return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos, "syntax error, empty regular expression");
    out[n] = '\0';
    unsigned flags = 0;
    while (peek_at(lx, 0) == 'i' || peek_at(lx, 0) == 's') {
        flags |= peek_at(lx, 0) == 'i' ? YARA_RE_NOCASE : YARA_RE_DOTALL;
        advance(lx);
    }
    t->kind = YT_REGEX;
    t->text = out;
    t->text_len = n;
    t->regex_flags = flags;
    return 0;
}

/* { ... } in value position: the raw text up to the closing brace, comments included. */
static int scan_hex(struct yara_lexer *lx, struct yara_token *t)
{
    advance(lx); /* { */
    size_t start = lx->off;
    for (;;) {
        int c = peek_at(lx, 0);
        if (c == -1)
            return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos, "syntax error, unterminated hex string");
        if (c == '}')
            break;
        if (c == '/' && (peek_at(lx, 1) == '/' || peek_at(lx, 1) == '*')) {
            if (skip_space_and_comments(lx) < 0)
                return -1;
            continue;
        }
        advance(lx);
    }
    t->kind = YT_HEX;
    t->text = (const uint8_t *)lx->src + start;
    t->text_len = lx->off - start;
    advance(lx); /* } */
    return 0;
}

/* $name, $name*, #name, @name, !name (the name may be empty: "$", "#"...). */
static int scan_string_ref(struct yara_lexer *lx, struct yara_token *t, int sigil)
{
    advance(lx);
    while (is_ident_char(peek_at(lx, 0)))
        advance(lx);
    switch (sigil) {
    case '$':
        t->kind = YT_STRING_ID;
        if (peek_at(lx, 0) == '*') {
            advance(lx);
            t->kind = YT_STRING_ID_WILD;
        }
        break;
    case '#': t->kind = YT_STRING_COUNT; break;
    case '@': t->kind = YT_STRING_OFFSET; break;
    default: t->kind = YT_STRING_LENGTH; break;
    }
    return 0;
}

struct punct {
    const char *text;
    enum yara_tok kind;
};

static const struct punct puncts[] = {
    {"..", YT_DOTDOT}, {"==", YT_EQ}, {"!=", YT_NEQ}, {"<=", YT_LE}, {">=", YT_GE},
    {"<<", YT_SHL}, {">>", YT_SHR}, {"{", YT_LBRACE}, {"}", YT_RBRACE}, {"(", YT_LPAREN},
    {")", YT_RPAREN}, {"[", YT_LBRACKET}, {"]", YT_RBRACKET}, {":", YT_COLON}, {",", YT_COMMA},
    {".", YT_DOT}, {"=", YT_ASSIGN}, {"<", YT_LT}, {">", YT_GT}, {"+", YT_PLUS}, {"-", YT_MINUS},
    {"*", YT_STAR}, {"\\", YT_BACKSLASH}, {"%", YT_PERCENT}, {"&", YT_AMP}, {"|", YT_PIPE},
    {"^", YT_CARET}, {"~", YT_TILDE},
};

static int scan_punct(struct yara_lexer *lx, struct yara_token *t)
{
    for (size_t i = 0; i < sizeof puncts / sizeof puncts[0]; i++) {
        size_t n = strlen(puncts[i].text);
        if (lx->len - lx->off >= n && memcmp(lx->src + lx->off, puncts[i].text, n) == 0) {
            for (size_t k = 0; k < n; k++)
                advance(lx);
            t->kind = puncts[i].kind;
            return 0;
        }
    }
    int c = peek_at(lx, 0);
    if (c >= 0x20 && c < 0x7f)
        return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos, "syntax error, unexpected character '%c'", c);
    return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos, "syntax error, unexpected byte 0x%02x", c);
}

static int scan_token(struct yara_lexer *lx, struct yara_token *t, bool value)
{
    int c = peek_at(lx, 0);
    if (c == -1) {
        t->kind = YT_EOF;
        return 0;
    }
    if (is_ident_start(c)) {
        while (is_ident_char(peek_at(lx, 0)))
            advance(lx);
        t->kind = keyword_kind(t->start, (size_t)(lx->src + lx->off - t->start));
        if (t->kind == YT_IDENT && lx->src + lx->off - t->start > 128)
            return yara_diag_set(lx->diag, YARA_ERR_SYNTAX, t->pos, "syntax error, identifier too long");
        return 0;
    }
    if (is_digit(c))
        return scan_number(lx, t);
    if (c == '"')
        return scan_text(lx, t);
    if (c == '/')
        return scan_regex(lx, t);
    if (c == '{' && value)
        return scan_hex(lx, t);
    if (c == '$' || c == '#' || c == '@' || (c == '!' && peek_at(lx, 1) != '='))
        return scan_string_ref(lx, t, c);
    return scan_punct(lx, t);
}

int yara_lex(struct yara_lexer *lx, struct yara_token *t, bool value)
{
    memset(t, 0, sizeof *t);
    if (skip_space_and_comments(lx) < 0)
        return -1;
    t->pos = here(lx);
    t->start = lx->src + lx->off;
    if (scan_token(lx, t, value) < 0)
        return -1;
    t->len = (size_t)(lx->src + lx->off - t->start);
    return 0;
}
