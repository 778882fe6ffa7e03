/* ast.c — arena allocation for the YARA syntax tree and an S-expression
 * printer used by tests and debugging (see ast.h). */
#include "yara/ast.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

void yara_file_free(struct yara_file *f)
{
    if (f == NULL)
        return;
    struct util_arena arena = f->arena; /* f itself lives in its arena */
    util_arena_free(&arena);
}

/* ---- S-expression printer ---------------------------------------------- */

static int dump_quant(const struct yara_quant *q, struct util_buf *out)
{
    switch (q->kind) {
    case YARA_QUANT_ALL: return util_buf_printf(out, "all");
    case YARA_QUANT_ANY: return util_buf_printf(out, "any");
    case YARA_QUANT_NONE: return util_buf_printf(out, "none");
    case YARA_QUANT_PERCENT:
        if (util_buf_printf(out, "(%% ") < 0 || yara_expr_dump(q->expr, out) < 0)
            return -1;
        return util_buf_printf(out, ")");
    case YARA_QUANT_EXPR: return yara_expr_dump(q->expr, out);
    }
    return -1;
}

static int dump_set(const struct yara_set *s, struct util_buf *out)
{
    if (s->kind == YARA_SET_THEM)
        return util_buf_printf(out, "them");
    if (util_buf_printf(out, "(%s", s->kind == YARA_SET_RULES ? "rules" : "set") < 0)
        return -1;
    for (size_t i = 0; i < s->count; i++) {
        if (util_buf_printf(out, " ") < 0)
            return -1;
        if (s->kind == YARA_SET_EXPRS ? yara_expr_dump(s->exprs[i], out) < 0
                                      : util_buf_printf(out, "%s", s->items[i]) < 0)
            return -1;
    }
    return util_buf_printf(out, ")");
}

static int dump_iter(const struct yara_iterable *it, struct util_buf *out)
{
    if (it->kind != YARA_ITER_LIST)
        return yara_expr_dump(it->expr, out);
    if (util_buf_printf(out, "(list") < 0)
        return -1;
    for (size_t i = 0; i < it->count; i++)
        if (util_buf_printf(out, " ") < 0 || yara_expr_dump(it->exprs[i], out) < 0)
            return -1;
    return util_buf_printf(out, ")");
}

static int dump_text(const uint8_t *t, size_t n, struct util_buf *out)
{
    if (util_buf_printf(out, "\"") < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int r = (t[i] >= 0x20 && t[i] < 0x7f && t[i] != '"' && t[i] != '\\')
                    ? util_buf_printf(out, "%c", t[i])
                    : util_buf_printf(out, "\\x%02x", t[i]);
        if (r < 0)
            return -1;
    }
    return util_buf_printf(out, "\"");
}

/* Print "(head a b ...)" for the optional children a, b. */
static int dump_node(struct util_buf *out, const char *head, const struct yara_expr *a,
                     const struct yara_expr *b)
{
    if (util_buf_printf(out, "(%s", head) < 0)
        return -1;
    if (a != NULL && (util_buf_printf(out, " ") < 0 || yara_expr_dump(a, out) < 0))
        return -1;
    if (b != NULL && (util_buf_printf(out, " ") < 0 || yara_expr_dump(b, out) < 0))
        return -1;
    return util_buf_printf(out, ")");
}

int yara_expr_dump(const struct yara_expr *e, struct util_buf *out)
{
    if (e == NULL)
        return util_buf_printf(out, "null");
    switch (e->kind) {
    case YARA_EXPR_BOOL: return util_buf_printf(out, e->integer ? "true" : "false");
    case YARA_EXPR_INT: return util_buf_printf(out, "%lld", (long long)e->integer);
    case YARA_EXPR_FLOAT: return util_buf_printf(out, "%g", e->real);
    case YARA_EXPR_TEXT: return dump_text(e->text, e->text_len, out);
    case YARA_EXPR_REGEX:
        return util_buf_printf(out, "/%s/%s%s", (const char *)e->text,
                               (e->regex_flags & YARA_RE_NOCASE) ? "i" : "",
                               (e->regex_flags & YARA_RE_DOTALL) ? "s" : "");
    case YARA_EXPR_FILESIZE: return util_buf_printf(out, "filesize");
    case YARA_EXPR_ENTRYPOINT: return util_buf_printf(out, "entrypoint");
    case YARA_EXPR_IDENT: return util_buf_printf(out, "%s", e->name);
    case YARA_EXPR_MEMBER:
        if (dump_node(out, ".", e->left, NULL) < 0)
            return -1;
        out->len--; /* reopen the list to add the member name */
        return util_buf_printf(out, " %s)", e->name);
    case YARA_EXPR_INDEX: return dump_node(out, "[]", e->left, e->right);
    case YARA_EXPR_CALL:
        if (util_buf_printf(out, "(call ") < 0 || yara_expr_dump(e->left, out) < 0)
            return -1;
        for (size_t i = 0; i < e->arg_count; i++)
            if (util_buf_printf(out, " ") < 0 || yara_expr_dump(e->args[i], out) < 0)
                return -1;
        return util_buf_printf(out, ")");
    case YARA_EXPR_INT_READ: return dump_node(out, e->name, e->left, NULL);
    case YARA_EXPR_STR_MATCH: return util_buf_printf(out, "%s", e->name);
    case YARA_EXPR_STR_AT:
        if (util_buf_printf(out, "(at %s ", e->name) < 0 || yara_expr_dump(e->left, out) < 0)
            return -1;
        return util_buf_printf(out, ")");
    case YARA_EXPR_STR_IN:
        if (util_buf_printf(out, "(in %s ", e->name) < 0 || yara_expr_dump(e->left, out) < 0)
            return -1;
        return util_buf_printf(out, ")");
    case YARA_EXPR_STR_COUNT:
    case YARA_EXPR_STR_OFFSET:
    case YARA_EXPR_STR_LENGTH: {
        char sigil = e->kind == YARA_EXPR_STR_COUNT ? '#' : e->kind == YARA_EXPR_STR_OFFSET ? '@' : '!';
        if (e->left == NULL)
            return util_buf_printf(out, "%c%s", sigil, e->name + 1);
        if (util_buf_printf(out, "(%c%s ", sigil, e->name + 1) < 0 || yara_expr_dump(e->left, out) < 0)
            return -1;
        return util_buf_printf(out, ")");
    }
    case YARA_EXPR_UNARY: return dump_node(out, e->op, e->left, NULL);
    case YARA_EXPR_BINARY: return dump_node(out, e->op, e->left, e->right);
    case YARA_EXPR_RANGE: return dump_node(out, "..", e->left, e->right);
    case YARA_EXPR_OF:
        if (util_buf_printf(out, "(of ") < 0 || dump_quant(&e->quant, out) < 0 ||
            util_buf_printf(out, " ") < 0 || dump_set(&e->set, out) < 0)
            return -1;
        if (e->left != NULL &&
            (util_buf_printf(out, e->left->kind == YARA_EXPR_RANGE ? " in " : " at ") < 0 ||
             yara_expr_dump(e->left, out) < 0))
            return -1;
        return util_buf_printf(out, ")");
    case YARA_EXPR_FOR_OF:
        if (util_buf_printf(out, "(for ") < 0 || dump_quant(&e->quant, out) < 0 ||
            util_buf_printf(out, " of ") < 0 || dump_set(&e->set, out) < 0 ||
            util_buf_printf(out, " ") < 0 || yara_expr_dump(e->body, out) < 0)
            return -1;
        return util_buf_printf(out, ")");
    case YARA_EXPR_FOR_IN:
        if (util_buf_printf(out, "(for ") < 0 || dump_quant(&e->quant, out) < 0)
            return -1;
        for (size_t i = 0; i < e->var_count; i++)
            if (util_buf_printf(out, " %s", e->vars[i]) < 0)
                return -1;
        if (util_buf_printf(out, " in ") < 0 || dump_iter(&e->iter, out) < 0 ||
            util_buf_printf(out, " ") < 0 || yara_expr_dump(e->body, out) < 0)
            return -1;
        return util_buf_printf(out, ")");
    }
    return -1;
}
