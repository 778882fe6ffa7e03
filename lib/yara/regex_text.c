/* regex_text.c — a YARA regex AST written as the PCRE text Vectorscan
 * compiles (the prefilter of strings without a usable literal, engine/build.c):
 * every class as explicit bytes, every group and repeat spelled out, so no
 * flag of the original (nocase, dotall) is needed to read it. */
#include "yara/regex_internal.h"
#include "yara/rules.h"

static int put_text(struct util_buf *out, const char *text)
{
    return util_buf_append(out, text, strlen(text));
}

static int put_byte(struct util_buf *out, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    char t[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    return util_buf_append(out, t, 4);
}

/* A class: one byte, every byte, or [ranges]. */
static int put_set(struct util_buf *out, const uint8_t set[32])
{
    int lowest;
    unsigned count = re_set_members(set, &lowest);
    if (count == 256)
        return put_text(out, "[\\x00-\\xff]");
    if (count == 1)
        return put_byte(out, (uint8_t)lowest);
    int rc = put_text(out, "[");
    for (unsigned c = 0; c < 256 && rc == 0;) {
        if (!re_set_has(set, (uint8_t)c)) {
            c++;
            continue;
        }
        unsigned e = c;
        while (e + 1 < 256 && re_set_has(set, (uint8_t)(e + 1)))
            e++;
        rc = put_byte(out, (uint8_t)c);
        if (rc == 0 && e != c) {
            rc = put_text(out, "-");
            if (rc == 0)
                rc = put_byte(out, (uint8_t)e);
        }
        c = e + 1;
    }
    return rc == 0 ? put_text(out, "]") : rc;
}

static int put_node(const struct yara_regex_node *nodes, uint32_t idx, struct util_buf *out)
{
    const struct yara_regex_node *n = &nodes[idx];
    int rc = 0;
    switch (n->kind) {
    case YARA_REGEX_CLASS:
        return put_set(out, n->set);
    case YARA_REGEX_EMPTY:
        return 0;
    case YARA_REGEX_ASSERT:
        return put_text(out, n->assert_kind == YARA_REGEX_BOL     ? "^"
                             : n->assert_kind == YARA_REGEX_EOL   ? "$"
                             : n->assert_kind == YARA_REGEX_WORDB ? "\\b"
                                                                  : "\\B");
    case YARA_REGEX_CONCAT:
    case YARA_REGEX_ALT:
        rc = put_text(out, "(");
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && rc == 0; c = nodes[c].next_sibling) {
            if (c != n->first_child && n->kind == YARA_REGEX_ALT)
                rc = put_text(out, "|");
            if (rc == 0)
                rc = put_node(nodes, c, out);
        }
        return rc == 0 ? put_text(out, ")") : rc;
    case YARA_REGEX_REPEAT:
        rc = put_text(out, "(");
        if (rc == 0)
            rc = put_node(nodes, n->first_child, out);
        if (rc == 0)
            rc = n->max == YARA_REGEX_INF ? util_buf_printf(out, "){%u,}", n->min)
                                          : util_buf_printf(out, "){%u,%u}", n->min, n->max);
        return rc == 0 && !n->greedy ? put_text(out, "?") : rc;
    }
    return -1;
}

int yara_regex_pcre(const struct yara_regex *re, struct util_buf *out)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    if (put_node(nodes, root, out) != 0)
        return -1;
    return util_buf_append_byte(out, 0);
}
