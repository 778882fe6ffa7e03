/* parser.c — the top of the YARA parser: files (import, include, rules),
 * rule headers, meta and strings sections with their modifiers, and the
 * per-rule checks (duplicates, unreferenced strings). Conditions are in
 * parser_expr.c and hex strings in parser_hex.c. */
#include "yara/parser_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "yara/module.h"
#include "util/error.h"

/* ---- helpers ------------------------------------------------------------ */

void *parser_alloc(struct parser *p, size_t size)
{
    void *m = util_arena_alloc(p->sh->arena, size);
    if (m == NULL)
        yara_diag_set(p->sh->diag, YARA_ERR_NOMEM, p->tok.pos, "out of memory");
    return m;
}

int avec_push(struct parser *p, struct avec *a, const void *elem, size_t size)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        void *v = parser_alloc(p, cap * size);
        if (v == NULL)
            return -1;
        if (a->n)
            memcpy(v, a->v, a->n * size);
        a->v = v;
        a->cap = cap;
    }
    memcpy((char *)a->v + a->n * size, elem, size);
    a->n++;
    return 0;
}

int parser_error(struct parser *p, enum yara_error_code code, struct yara_pos pos, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return yara_diag_set(p->sh->diag, code, pos, "%s", text);
}

int parser_next(struct parser *p)
{
    int rc = yara_lex(&p->lx, &p->tok, false);
    p->sh->lexer_failed = rc < 0;
    return rc;
}

int parser_next_value(struct parser *p)
{
    int rc = yara_lex(&p->lx, &p->tok, true);
    p->sh->lexer_failed = rc < 0;
    return rc;
}

int parser_unexpected(struct parser *p, const char *expecting)
{
    char desc[128];
    yara_token_describe(&p->tok, desc, sizeof desc);
    if (expecting == NULL)
        return parser_error(p, YARA_ERR_SYNTAX, p->tok.pos, "syntax error, unexpected %s", desc);
    return parser_error(p, YARA_ERR_SYNTAX, p->tok.pos, "syntax error, unexpected %s, expecting %s",
                        desc, expecting);
}

int parser_expect(struct parser *p, enum yara_tok kind)
{
    if (p->tok.kind != kind) {
        char what[64];
        snprintf(what, sizeof what, kind >= YT_LBRACE ? "\"%s\"" : "%s", yara_tok_name(kind));
        return parser_unexpected(p, what);
    }
    return parser_next(p);
}

const char *parser_token_text(struct parser *p)
{
    char *s = util_arena_strndup(p->sh->arena, p->tok.start, p->tok.len);
    if (s == NULL)
        yara_diag_set(p->sh->diag, YARA_ERR_NOMEM, p->tok.pos, "out of memory");
    return s;
}

/* ---- meta --------------------------------------------------------------- */

static int parse_meta_value(struct parser *p, struct yara_meta *m)
{
    bool negative = false;
    if (p->tok.kind == YT_MINUS) {
        negative = true;
        if (parser_next(p) < 0)
            return -1;
        if (p->tok.kind != YT_INT)
            return parser_unexpected(p, "integer number");
    }
    switch (p->tok.kind) {
    case YT_TEXT:
        m->kind = YARA_META_STRING;
        m->str = p->tok.text;
        m->str_len = p->tok.text_len;
        break;
    case YT_INT:
        m->kind = YARA_META_INT;
        m->integer = negative ? -p->tok.integer : p->tok.integer;
        break;
    case YT_TRUE:
    case YT_FALSE:
        m->kind = YARA_META_BOOL;
        m->integer = p->tok.kind == YT_TRUE;
        break;
    default:
        return parser_unexpected(p, "text string, number, true or false");
    }
    return parser_next(p);
}

static int parse_meta_section(struct parser *p, struct avec *metas)
{
    if (parser_next(p) < 0 || parser_expect(p, YT_COLON) < 0)
        return -1;
    if (p->tok.kind != YT_IDENT)
        return parser_unexpected(p, "identifier");
    while (p->tok.kind == YT_IDENT) {
        struct yara_meta m = {.pos = p->tok.pos};
        if ((m.name = parser_token_text(p)) == NULL || parser_next(p) < 0 ||
            parser_expect(p, YT_ASSIGN) < 0 || parse_meta_value(p, &m) < 0 ||
            avec_push(p, metas, &m, sizeof m) < 0)
            return -1;
    }
    return 0;
}

/* ---- string modifiers --------------------------------------------------- */

static unsigned modifier_bit(enum yara_tok kind)
{
    switch (kind) {
    case YT_NOCASE: return YARA_MOD_NOCASE;
    case YT_WIDE: return YARA_MOD_WIDE;
    case YT_ASCII: return YARA_MOD_ASCII;
    case YT_FULLWORD: return YARA_MOD_FULLWORD;
    case YT_PRIVATE: return YARA_MOD_PRIVATE;
    case YT_XOR: return YARA_MOD_XOR;
    case YT_BASE64: return YARA_MOD_BASE64;
    case YT_BASE64WIDE: return YARA_MOD_BASE64WIDE;
    default: return 0;
    }
}

static unsigned allowed_modifiers(enum yara_string_kind kind)
{
    switch (kind) {
    case YARA_STR_TEXT: return 0xff;
    case YARA_STR_REGEX:
        return YARA_MOD_NOCASE | YARA_MOD_WIDE | YARA_MOD_ASCII | YARA_MOD_FULLWORD | YARA_MOD_PRIVATE;
    case YARA_STR_HEX: return YARA_MOD_PRIVATE;
    }
    return 0;
}

/* One xor byte inside xor(...). */
static int parse_xor_byte(struct parser *p, uint8_t *out)
{
    if (p->tok.kind != YT_INT)
        return parser_unexpected(p, "integer number");
    if (p->tok.integer > 255)
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, p->tok.pos,
                            "invalid modifier, xor value %lld is larger than 255", (long long)p->tok.integer);
    *out = (uint8_t)p->tok.integer;
    return parser_next(p);
}

static int parse_xor_args(struct parser *p, struct yara_string *s)
{
    s->xor_min = 0;
    s->xor_max = 255;
    if (p->tok.kind != YT_LPAREN)
        return 0;
    struct yara_pos pos = p->tok.pos;
    if (parser_next(p) < 0 || parse_xor_byte(p, &s->xor_min) < 0)
        return -1;
    s->xor_max = s->xor_min;
    if (p->tok.kind == YT_MINUS && (parser_next(p) < 0 || parse_xor_byte(p, &s->xor_max) < 0))
        return -1;
    if (s->xor_min > s->xor_max)
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, pos,
                            "invalid modifier, xor lower bound exceeds upper bound");
    return parser_expect(p, YT_RPAREN);
}

static int parse_base64_args(struct parser *p, struct yara_string *s)
{
    if (p->tok.kind != YT_LPAREN)
        return 0;
    if (parser_next(p) < 0)
        return -1;
    if (p->tok.kind != YT_TEXT)
        return parser_unexpected(p, "text string");
    if (p->tok.text_len != 64)
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, p->tok.pos,
                            "invalid modifier, base64 alphabet must have 64 characters");
    s->base64_alphabet = (const char *)p->tok.text;
    if (parser_next(p) < 0)
        return -1;
    return parser_expect(p, YT_RPAREN);
}

/* base64 and base64wide may both be given, with the same alphabet. */
static int parse_base64_alphabet(struct parser *p, struct yara_string *s, unsigned bit, struct yara_pos pos)
{
    bool other = s->modifiers & (bit == YARA_MOD_BASE64 ? YARA_MOD_BASE64WIDE : YARA_MOD_BASE64);
    const char *before = s->base64_alphabet;
    s->base64_alphabet = NULL;
    if (parse_base64_args(p, s) < 0)
        return -1;
    if (other && (before == NULL) != (s->base64_alphabet == NULL))
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, pos, "invalid modifier, base64 and base64wide alphabets differ");
    if (other && before != NULL && strcmp(before, s->base64_alphabet) != 0)
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, pos, "invalid modifier, base64 and base64wide alphabets differ");
    if (s->base64_alphabet == NULL)
        s->base64_alphabet = before;
    return 0;
}

static int check_modifier_combination(struct parser *p, const struct yara_string *s, struct yara_pos pos)
{
    unsigned m = s->modifiers;
    unsigned b64 = YARA_MOD_BASE64 | YARA_MOD_BASE64WIDE;
    if ((m & YARA_MOD_XOR) && (m & (YARA_MOD_NOCASE | b64)))
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, pos,
                            "invalid modifier combination for string \"%s\": xor", s->name);
    if ((m & b64) && (m & (YARA_MOD_NOCASE | YARA_MOD_FULLWORD)))
        return parser_error(p, YARA_ERR_INVALID_MODIFIER, pos,
                            "invalid modifier combination for string \"%s\": base64", s->name);
    return 0;
}

static int parse_modifiers(struct parser *p, struct yara_string *s)
{
    unsigned allowed = allowed_modifiers(s->kind);
    for (;;) {
        unsigned bit = modifier_bit(p->tok.kind);
        if (bit == 0)
            break;
        struct yara_pos pos = p->tok.pos;
        if (!(allowed & bit))
            return parser_unexpected(p, NULL);
        if (s->modifiers & bit)
            return parser_error(p, YARA_ERR_DUPLICATED_MODIFIER, pos, "duplicated modifier \"%s\"",
                                yara_tok_name(p->tok.kind));
        s->modifiers |= bit;
        if (parser_next(p) < 0)
            return -1;
        if (bit == YARA_MOD_XOR && parse_xor_args(p, s) < 0)
            return -1;
        if ((bit & (YARA_MOD_BASE64 | YARA_MOD_BASE64WIDE)) && parse_base64_alphabet(p, s, bit, pos) < 0)
            return -1;
        if (check_modifier_combination(p, s, pos) < 0)
            return -1;
    }
    return 0;
}

/* ---- strings ------------------------------------------------------------ */

static int check_duplicate_string(struct parser *p, const struct yara_string *s)
{
    if (strcmp(s->name, "$") == 0)
        return 0;
    const struct yara_string *all = p->strings.v;
    for (size_t i = 0; i < p->strings.n; i++)
        if (strcmp(all[i].name, s->name) == 0)
            return parser_error(p, YARA_ERR_DUPLICATED_STRING_IDENTIFIER, s->pos,
                                "duplicated string identifier \"%s\"", s->name);
    return 0;
}

static int parse_string_value(struct parser *p, struct yara_string *s)
{
    switch (p->tok.kind) {
    case YT_TEXT:
        s->kind = YARA_STR_TEXT;
        s->text = p->tok.text;
        s->text_len = p->tok.text_len;
        if (s->text_len == 0)
            return parser_error(p, YARA_ERR_SYNTAX, p->tok.pos, "syntax error, empty string \"%s\"", s->name);
        break;
    case YT_REGEX:
        s->kind = YARA_STR_REGEX;
        s->text = p->tok.text;
        s->text_len = p->tok.text_len;
        s->regex_flags = p->tok.regex_flags;
        break;
    case YT_HEX:
        s->kind = YARA_STR_HEX;
        if (parser_hex(p, &p->tok, &s->hex) < 0)
            return -1;
        break;
    default:
        return parser_unexpected(p, "text string, regular expression or hex string");
    }
    return parser_next(p);
}

static int parse_strings_section(struct parser *p)
{
    if (parser_next(p) < 0 || parser_expect(p, YT_COLON) < 0)
        return -1;
    if (p->tok.kind != YT_STRING_ID)
        return parser_unexpected(p, "string identifier");
    while (p->tok.kind == YT_STRING_ID) {
        struct yara_string s = {.pos = p->tok.pos};
        if ((s.name = parser_token_text(p)) == NULL || check_duplicate_string(p, &s) < 0)
            return -1;
        if (parser_next(p) < 0)
            return -1;
        if (p->tok.kind != YT_ASSIGN)
            return parser_unexpected(p, "\"=\"");
        if (parser_next_value(p) < 0 || parse_string_value(p, &s) < 0 || parse_modifiers(p, &s) < 0 ||
            avec_push(p, &p->strings, &s, sizeof s) < 0)
            return -1;
    }
    return 0;
}

/* ---- rules -------------------------------------------------------------- */

static bool name_matches_wildcard(const char *name, const char *prefix)
{
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

static int check_rule_name(struct parser *p, const char *name, struct yara_pos pos)
{
    struct yara_rule **rules = p->sh->rules.v;
    for (size_t i = 0; i < p->sh->rules.n; i++)
        if (strcmp(rules[i]->name, name) == 0)
            return parser_error(p, YARA_ERR_DUPLICATED_IDENTIFIER, pos, "duplicated identifier \"%s\"", name);
    const char **failed = p->sh->failed.v; /* YARA declared them before their error */
    for (size_t i = 0; i < p->sh->failed.n; i++)
        if (strcmp(failed[i], name) == 0)
            return parser_error(p, YARA_ERR_DUPLICATED_IDENTIFIER, pos, "duplicated identifier \"%s\"", name);
    const char **wild = p->sh->wildcards.v;
    for (size_t i = 0; i < p->sh->wildcards.n; i++)
        if (name_matches_wildcard(name, wild[i]))
            return parser_error(p, YARA_ERR_IDENTIFIER_MATCHES_WILDCARD, pos,
                                "rule identifier \"%s\" matches previously used wildcard rule set", name);
    return 0;
}

static int parse_tags(struct parser *p, struct yara_rule *r)
{
    struct avec tags = {0};
    if (parser_next(p) < 0)
        return -1;
    if (p->tok.kind != YT_IDENT)
        return parser_unexpected(p, "identifier");
    while (p->tok.kind == YT_IDENT) {
        const char *tag = parser_token_text(p);
        if (tag == NULL)
            return -1;
        const char **have = tags.v;
        for (size_t i = 0; i < tags.n; i++)
            if (strcmp(have[i], tag) == 0)
                return parser_error(p, YARA_ERR_DUPLICATED_TAG_IDENTIFIER, p->tok.pos,
                                    "duplicated tag identifier \"%s\"", tag);
        if (avec_push(p, &tags, &tag, sizeof tag) < 0 || parser_next(p) < 0)
            return -1;
    }
    r->tags = tags.v;
    r->tag_count = tags.n;
    return 0;
}

static int check_unreferenced_strings(struct parser *p)
{
    const struct yara_string *s = p->strings.v;
    for (size_t i = 0; i < p->strings.n; i++)
        if (!s[i].referenced && strncmp(s[i].name, "$_", 2) != 0)
            return parser_error(p, YARA_ERR_UNREFERENCED_STRING, s[i].pos, "unreferenced string \"%s\"",
                                s[i].name);
    return 0;
}

static int parse_rule_body(struct parser *p, struct yara_rule *r)
{
    struct avec metas = {0};
    if (parser_expect(p, YT_LBRACE) < 0)
        return -1;
    if (p->tok.kind == YT_META && parse_meta_section(p, &metas) < 0)
        return -1;
    if (p->tok.kind == YT_STRINGS && parse_strings_section(p) < 0)
        return -1;
    r->metas = metas.v;
    r->meta_count = metas.n;
    r->strings = p->strings.v;
    r->string_count = p->strings.n;
    if (p->tok.kind != YT_CONDITION)
        return parser_unexpected(p, p->strings.n || metas.n ? "condition" : "meta, strings or condition");
    if (parser_next(p) < 0 || parser_expect(p, YT_COLON) < 0)
        return -1;
    if ((r->condition = parser_condition(p)) == NULL)
        return -1;
    if (p->tok.kind != YT_RBRACE)
        return parser_unexpected(p, "\"}\" or an operator");
    return check_unreferenced_strings(p);
}

static int parse_rule(struct parser *p)
{
    struct yara_rule *r = parser_alloc(p, sizeof *r);
    if (r == NULL)
        return -1;
    r->pos = p->tok.pos;
    while (p->tok.kind == YT_PRIVATE || p->tok.kind == YT_GLOBAL) {
        r->flags |= p->tok.kind == YT_PRIVATE ? YARA_RULE_PRIVATE : YARA_RULE_GLOBAL;
        if (parser_next(p) < 0)
            return -1;
    }
    if (parser_expect(p, YT_RULE) < 0)
        return -1;
    if (p->tok.kind != YT_IDENT)
        return parser_unexpected(p, "identifier");
    struct yara_pos name_pos = p->tok.pos;
    if ((r->name = parser_token_text(p)) == NULL)
        return -1;
    p->sh->naming = r->name;
    if (check_rule_name(p, r->name, name_pos) < 0 || parser_next(p) < 0)
        return -1;
    if (p->tok.kind == YT_COLON && parse_tags(p, r) < 0)
        return -1;
    p->rule = r;
    p->strings = (struct avec){0};
    if (parse_rule_body(p, r) < 0)
        return -1;
    p->rule = NULL;
    p->sh->naming = NULL;
    if (avec_push(p, &p->sh->rules, &r, sizeof r) < 0)
        return -1;
    return parser_next(p);
}

/* ---- import and include ------------------------------------------------- */

static int parse_import(struct parser *p)
{
    struct yara_import im = {.pos = p->tok.pos};
    if (parser_next(p) < 0)
        return -1;
    if (p->tok.kind != YT_TEXT)
        return parser_unexpected(p, "text string");
    if (p->tok.text_len == 0 || strlen((const char *)p->tok.text) != p->tok.text_len)
        return parser_error(p, YARA_ERR_INVALID_MODULE_NAME, p->tok.pos, "invalid module name \"%.*s\"",
                            (int)p->tok.len, p->tok.start);
    im.module = (const char *)p->tok.text;
    if (!yara_module_find(im.module)) /* as YARA: at the import, used or not */
        return parser_error(p, YARA_ERR_UNKNOWN_MODULE, p->tok.pos, "unknown module \"%s\"", im.module);
    if (avec_push(p, &p->sh->imports, &im, sizeof im) < 0)
        return -1;
    return parser_next(p);
}

static int parse_file_body(struct parser *p);

static int parse_included_text(struct parser *p, const char *name, const char *text, size_t len)
{
    struct parser child = {.sh = p->sh, .include_depth = p->include_depth + 1};
    yara_lexer_init(&child.lx, name, text, len, p->sh->arena, p->sh->diag);
    if (parser_next(&child) < 0)
        return -1;
    return parse_file_body(&child);
}

static int parse_include(struct parser *p)
{
    struct yara_include inc = {.pos = p->tok.pos};
    const struct yara_parse_options *o = p->sh->opts;
    if (parser_next(p) < 0)
        return -1;
    if (p->tok.kind != YT_TEXT)
        return parser_unexpected(p, "text string");
    inc.path = (const char *)p->tok.text;
    if (o == NULL || o->include == NULL)
        return parser_error(p, YARA_ERR_INCLUDES_DISABLED, inc.pos, "includes are disabled");
    unsigned limit = o->max_include_depth ? o->max_include_depth : YARA_MAX_INCLUDE_DEPTH;
    if (p->include_depth + 1 > limit)
        return parser_error(p, YARA_ERR_INCLUDE_DEPTH, inc.pos, "include depth exceeds %u", limit);
    char *text = NULL, *resolved = NULL;
    size_t len = 0;
    if (o->include(o->include_user, p->lx.file, inc.path, &text, &len, &resolved) < 0) {
        free(text);
        free(resolved);
        return parser_error(p, YARA_ERR_COULD_NOT_OPEN_FILE, inc.pos, "can't open include file: %s", inc.path);
    }
    inc.resolved = util_arena_strndup(p->sh->arena, resolved ? resolved : inc.path,
                                      strlen(resolved ? resolved : inc.path));
    free(resolved);
    int rc = inc.resolved == NULL ? -1 : avec_push(p, &p->sh->includes, &inc, sizeof inc);
    if (rc == 0)
        rc = parse_included_text(p, inc.resolved, text, len);
    free(text);
    if (rc < 0)
        return -1;
    return parser_next(p);
}

static bool starts_statement(enum yara_tok kind)
{
    return kind == YT_EOF || kind == YT_RULE || kind == YT_PRIVATE || kind == YT_GLOBAL || kind == YT_IMPORT ||
           kind == YT_INCLUDE;
}

/* After an error in a rule or an import: record it and skip to the next
 * statement, as YARA's grammar does (its `rules error rule` production): 0,
 * or -1 when the error cannot be gone on after. The rule's name stays
 * declared: YARA declares a rule before it reads its body. */
static int recover(struct parser *p)
{
    struct parse_shared *sh = p->sh;
    enum yara_error_code code = sh->diag->code;
    if (!sh->opts || !sh->opts->recover || sh->lexer_failed || code == YARA_ERR_NOMEM ||
        code == YARA_ERR_COULD_NOT_OPEN_FILE || code == YARA_ERR_INCLUDE_DEPTH || code == YARA_ERR_INCLUDES_DISABLED)
        return -1;
    struct yara_parse_error e = {.diag = *sh->diag, .rules_before = sh->rules.n, .rule = sh->naming};
    if (avec_push(p, &sh->errors, &e, sizeof e) < 0 ||
        (sh->naming && avec_push(p, &sh->failed, &sh->naming, sizeof sh->naming) < 0))
        return -1;
    sh->naming = NULL;
    p->rule = NULL;
    p->strings = (struct avec){0};
    p->depth = 0;
    p->anonymous_ok = 0;
    while (!starts_statement(p->tok.kind))
        if (parser_next(p) < 0)
            return -1;
    return 0;
}

static int parse_file_body(struct parser *p)
{
    while (p->tok.kind != YT_EOF) {
        int rc;
        switch (p->tok.kind) {
        case YT_IMPORT: rc = parse_import(p); break;
        case YT_INCLUDE: rc = parse_include(p); break;
        case YT_RULE:
        case YT_PRIVATE:
        case YT_GLOBAL: rc = parse_rule(p); break;
        default: rc = parser_unexpected(p, "import, include or rule"); break;
        }
        if (rc < 0 && recover(p) < 0)
            return -1;
    }
    return 0;
}

/* ---- public entry points ------------------------------------------------ */

int yara_include_from_fs(void *user, const char *includer, const char *path, char **text, size_t *len,
                         char **resolved)
{
    (void)user;
    struct util_buf name = {0};
    const char *slash = includer ? strrchr(includer, '/') : NULL;
    int rc = path[0] == '/' || slash == NULL
                 ? util_buf_printf(&name, "%s", path)
                 : util_buf_printf(&name, "%.*s/%s", (int)(slash - includer), includer, path);
    FILE *f = rc < 0 ? NULL : fopen((const char *)name.data, "rb");
    if (f == NULL) {
        util_buf_free(&name);
        return -1;
    }
    struct util_buf body = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (util_buf_append(&body, chunk, n) < 0)
            break;
    bool failed = ferror(f) || n > 0 || util_buf_append_byte(&body, 0) < 0;
    fclose(f);
    if (failed) {
        util_buf_free(&name);
        util_buf_free(&body);
        return -1;
    }
    *text = (char *)body.data;
    *len = body.len - 1;
    *resolved = (char *)name.data;
    return 0;
}

static int finish_file(struct parse_shared *sh)
{
    struct yara_file *f = sh->file;
    f->rules = sh->rules.v;
    f->rule_count = sh->rules.n;
    f->imports = sh->imports.v;
    f->import_count = sh->imports.n;
    f->includes = sh->includes.v;
    f->include_count = sh->includes.n;
    f->errors = sh->errors.v;
    f->error_count = sh->errors.n;
    return 0;
}

static int status_of(enum yara_error_code code)
{
    switch (code) {
    case YARA_ERR_NOMEM: return ASSAY_ENOMEM;
    case YARA_ERR_NESTING_TOO_DEEP:
    case YARA_ERR_INCLUDE_DEPTH: return ASSAY_ELIMIT;
    case YARA_ERR_COULD_NOT_OPEN_FILE: return ASSAY_EIO;
    default: return ASSAY_ESYNTAX;
    }
}

int yara_parse(const char *name, const char *text, size_t len, const struct yara_parse_options *opts,
               struct yara_file **out, struct yara_diag *diag)
{
    *out = NULL;
    memset(diag, 0, sizeof *diag);
    struct util_arena arena = {0};
    struct yara_file *f = util_arena_alloc(&arena, sizeof *f);
    const char *fname = f ? util_arena_strndup(&arena, name ? name : "<input>", strlen(name ? name : "<input>")) : NULL;
    if (fname == NULL) {
        util_arena_free(&arena);
        diag->code = YARA_ERR_NOMEM;
        snprintf(diag->message, sizeof diag->message, "out of memory");
        return util_error(ASSAY_ENOMEM, "%s", diag->message);
    }
    f->name = fname;
    struct parse_shared sh = {.file = f, .arena = &arena, .diag = diag, .opts = opts};
    struct parser p = {.sh = &sh};
    yara_lexer_init(&p.lx, fname, text, len, &arena, diag);
    if (parser_next(&p) < 0 || parse_file_body(&p) < 0) {
        util_arena_free(&arena);
        return util_error(status_of(diag->code), "%s", diag->message);
    }
    finish_file(&sh);
    f->arena = arena;
    *out = f;
    return ASSAY_OK;
}
