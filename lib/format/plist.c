/* plist.c — XML and binary property-list parser (see plist.h for the formats
 * and limits).
 *
 * Both readers build the same tree in the plist's arena. The XML reader is a
 * recursive descent over the bytes with an explicit end pointer (the input
 * need not be NUL-terminated); the binary reader follows object references
 * from the top object, parsing each object once (a cache per object index)
 * and marking containers "in progress" while their children are read, which
 * is how a reference cycle is detected. */
#include "format/plist.h"

#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/buf.h"
#include "util/error.h"

/* ---- shared: nodes, UTF-8 --------------------------------------------------- */

static struct plist_node *node_new(struct util_arena *a, enum plist_type type)
{
    struct plist_node *n = util_arena_alloc(a, sizeof *n);
    if (n != NULL)
        n->type = (uint8_t)type;
    return n;
}

static int out_of_memory(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

static int append_code_point(struct util_buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | cp >> 6);
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | cp >> 12);
        u[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | cp >> 18);
        u[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return util_buf_append(b, u, n);
}

#define REPLACEMENT_CHAR 0xFFFDu

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 when the bytes
 * there are not one (overlong forms, surrogates and values above U+10FFFF
 * are not). */
static size_t utf8_sequence(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2, cp = c & 0x1Fu, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 3, cp = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need;
}

/* Append s[0..n) with every byte that does not start a well-formed UTF-8
 * sequence replaced by U+FFFD. */
static int append_utf8_repaired(struct util_buf *b, const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        size_t k;
        while (run < n && (k = utf8_sequence(s + run, n - run)) > 0)
            run += k;
        if (run > i && util_buf_append(b, s + i, run - i) != 0)
            return -1;
        i = run;
        if (i < n) {
            if (append_code_point(b, REPLACEMENT_CHAR) != 0)
                return -1;
            i++;
        }
    }
    return 0;
}

/* A string node holding a copy of b's bytes. */
static struct plist_node *string_node(struct util_arena *a, const struct util_buf *b)
{
    struct plist_node *n = node_new(a, PLIST_STRING);
    if (n == NULL)
        return NULL;
    n->v.string = util_arena_strndup(a, b->len ? (const char *)b->data : "", b->len);
    n->len = b->len;
    return n->v.string ? n : NULL;
}

/* ---- XML ------------------------------------------------------------------ */

struct xml {
    const char *base, *p, *end;
    struct util_arena *arena;
    size_t values;         /* elements read, against PLIST_MAX_OBJECTS */
    struct util_buf text;  /* character data of the current element */
};

struct tag {
    const char *name;
    size_t len;
    bool closing;          /* </name> */
    bool empty;            /* <name/> */
};

static int xml_error(const struct xml *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int xml_error(const struct xml *x, int code, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return util_error(code, "XML plist: offset %zu: %s", (size_t)(x->p - x->base), what);
}

static bool xml_at(const struct xml *x, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(x->end - x->p) >= n && memcmp(x->p, lit, n) == 0;
}

static bool is_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':';
}

static bool tag_is(const struct tag *t, const char *name)
{
    return t->len == strlen(name) && memcmp(t->name, name, t->len) == 0;
}

/* Printable length of a tag name in messages. */
static int tag_shown(const struct tag *t)
{
    return t->len > 32 ? 32 : (int)t->len;
}

/* Move past the next `lit` (an end marker such as "-->"). */
static int skip_past(struct xml *x, const char *lit, const char *what)
{
    const char *hit = memmem(x->p, (size_t)(x->end - x->p), lit, strlen(lit));
    if (hit == NULL)
        return xml_error(x, ASSAY_EFORMAT, "unterminated %s", what);
    x->p = hit + strlen(lit);
    return 0;
}

/* <!DOCTYPE ...> with an optional [internal subset] and quoted literals. */
static int skip_doctype(struct xml *x)
{
    int brackets = 0;
    char quote = 0;
    for (const char *q = x->p + 2; q < x->end; q++) {
        if (quote) {
            if (*q == quote)
                quote = 0;
        } else if (*q == '"' || *q == '\'') {
            quote = *q;
        } else if (*q == '[') {
            brackets++;
        } else if (*q == ']') {
            brackets--;
        } else if (*q == '>' && brackets <= 0) {
            x->p = q + 1;
            return 0;
        }
    }
    return xml_error(x, ASSAY_EFORMAT, "unterminated <!DOCTYPE>");
}

/* Whitespace, comments, processing instructions and the doctype between
 * elements. */
static int skip_misc(struct xml *x)
{
    for (;;) {
        while (x->p < x->end && is_xml_space(*x->p))
            x->p++;
        int rc = 0;
        if (xml_at(x, "<!--"))
            rc = skip_past(x, "-->", "comment");
        else if (xml_at(x, "<?"))
            rc = skip_past(x, "?>", "processing instruction");
        else if (xml_at(x, "<!DOCTYPE"))
            rc = skip_doctype(x);
        else
            return 0;
        if (rc != 0)
            return rc;
    }
}

/* The tag at x->p ("<name attr='v'>", "</name>", "<name/>"); attributes are
 * skipped. */
static int read_tag(struct xml *x, struct tag *t)
{
    memset(t, 0, sizeof *t);
    if (x->p >= x->end)
        return xml_error(x, ASSAY_EFORMAT, "unexpected end of input");
    if (*x->p != '<')
        return xml_error(x, ASSAY_EFORMAT, "text where an element was expected");
    x->p++;
    if (x->p < x->end && *x->p == '/') {
        t->closing = true;
        x->p++;
    }
    t->name = x->p;
    while (x->p < x->end && is_name_char(*x->p))
        x->p++;
    t->len = (size_t)(x->p - t->name);
    if (t->len == 0)
        return xml_error(x, ASSAY_EFORMAT, "malformed element name");
    while (x->p < x->end) {
        char c = *x->p;
        if (c == '>') {
            x->p++;
            return 0;
        }
        if (c == '/' && !t->closing && x->p + 1 < x->end && x->p[1] == '>') {
            t->empty = true;
            x->p += 2;
            return 0;
        }
        if (c == '"' || c == '\'') {
            const char *close = memchr(x->p + 1, c, (size_t)(x->end - x->p - 1));
            if (close == NULL)
                break;
            x->p = close + 1;
            continue;
        }
        if (c == '<')
            return xml_error(x, ASSAY_EFORMAT, "'<' inside a tag");
        x->p++;
    }
    return xml_error(x, ASSAY_EFORMAT, "unterminated tag <%.*s", tag_shown(t), t->name);
}

/* An entity reference at x->p ('&'), decoded into the text buffer. */
static int read_entity(struct xml *x)
{
    static const struct {
        const char *name;
        char value;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    const char *start = x->p + 1;
    size_t room = (size_t)(x->end - start);
    const char *semi = memchr(start, ';', room < 12 ? room : 12);
    if (semi == NULL)
        return xml_error(x, ASSAY_EFORMAT, "malformed entity reference");
    size_t n = (size_t)(semi - start);
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (strlen(named[i].name) == n && memcmp(start, named[i].name, n) == 0) {
            x->p = semi + 1;
            return util_buf_append_byte(&x->text, (uint8_t)named[i].value) == 0 ? 0 : out_of_memory();
        }
    }
    if (n < 2 || start[0] != '#')
        return xml_error(x, ASSAY_EFORMAT, "unknown entity &%.*s;", (int)n, start);
    bool hex = start[1] == 'x' || start[1] == 'X';
    const char *d = start + (hex ? 2 : 1);
    if (d == semi)
        return xml_error(x, ASSAY_EFORMAT, "malformed character reference");
    uint32_t cp = 0;
    for (; d < semi; d++) {
        int v;
        if (*d >= '0' && *d <= '9')
            v = *d - '0';
        else if (hex && *d >= 'a' && *d <= 'f')
            v = *d - 'a' + 10;
        else if (hex && *d >= 'A' && *d <= 'F')
            v = *d - 'A' + 10;
        else
            return xml_error(x, ASSAY_EFORMAT, "malformed character reference");
        cp = cp * (hex ? 16u : 10u) + (uint32_t)v;
        if (cp > 0x10FFFF)
            break;
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return xml_error(x, ASSAY_EFORMAT, "character reference out of range");
    x->p = semi + 1;
    return append_code_point(&x->text, cp) == 0 ? 0 : out_of_memory();
}

/* The end tag of `open` at x->p ("</name>"). */
static int read_end_tag(struct xml *x, const struct tag *open)
{
    struct tag t;
    int rc = read_tag(x, &t);
    if (rc != 0)
        return rc;
    if (!t.closing || t.len != open->len || memcmp(t.name, open->name, t.len) != 0)
        return xml_error(x, ASSAY_EFORMAT, "<%.*s> closed by <%s%.*s>", tag_shown(open), open->name,
                         t.closing ? "/" : "", tag_shown(&t), t.name);
    return 0;
}

/* The character data of a text element (string, key, integer, ...) into
 * x->text (NUL-terminated; len excludes the NUL), up to and past its end
 * tag. Raw bytes are copied with invalid UTF-8 repaired. */
static int read_text(struct xml *x, const struct tag *open)
{
    x->text.len = 0;
    while (!open->empty) {
        if (x->p >= x->end)
            return xml_error(x, ASSAY_EFORMAT, "unterminated <%.*s>", tag_shown(open), open->name);
        int rc = 0;
        if (*x->p == '&') {
            rc = read_entity(x);
        } else if (xml_at(x, "</")) {
            rc = read_end_tag(x, open);
            if (rc == 0)
                break;
        } else if (xml_at(x, "<![CDATA[")) {
            const char *body = x->p + 9;
            x->p = body;
            rc = skip_past(x, "]]>", "CDATA section");
            if (rc == 0 && append_utf8_repaired(&x->text, (const uint8_t *)body, (size_t)(x->p - 3 - body)) != 0)
                rc = out_of_memory();
        } else if (xml_at(x, "<!--")) {
            rc = skip_past(x, "-->", "comment");
        } else if (xml_at(x, "<?")) {
            rc = skip_past(x, "?>", "processing instruction");
        } else if (*x->p == '<') {
            rc = xml_error(x, ASSAY_EFORMAT, "element inside <%.*s>", tag_shown(open), open->name);
        } else {
            const char *run = x->p;
            while (x->p < x->end && *x->p != '<' && *x->p != '&')
                x->p++;
            if (append_utf8_repaired(&x->text, (const uint8_t *)run, (size_t)(x->p - run)) != 0)
                rc = out_of_memory();
        }
        if (rc != 0)
            return rc;
    }
    if (util_buf_reserve(&x->text, 1) != 0)
        return out_of_memory();
    x->text.data[x->text.len] = '\0';
    return 0;
}

/* The text buffer without leading and trailing whitespace, NUL-terminated. */
static char *trimmed_text(struct xml *x, size_t *len)
{
    char *s = (char *)x->text.data;
    size_t n = x->text.len;
    while (n > 0 && is_xml_space(s[n - 1]))
        n--;
    s[n] = '\0';
    while (n > 0 && is_xml_space(*s))
        s++, n--;
    *len = n;
    return s;
}

static int integer_from_text(struct xml *x, struct plist_node *node)
{
    size_t n;
    const char *s = trimmed_text(x, &n);
    const char *end = s + n;
    bool negative = false;
    if (s < end && (*s == '-' || *s == '+'))
        negative = *s++ == '-';
    unsigned base = 10;
    if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    if (s == end)
        return xml_error(x, ASSAY_EFORMAT, "empty <integer>");
    uint64_t v = 0;
    for (; s < end; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return xml_error(x, ASSAY_EFORMAT, "malformed <integer>");
        if (v > (UINT64_MAX - d) / base)
            return xml_error(x, ASSAY_EFORMAT, "<integer> out of range");
        v = v * base + d;
    }
    if (negative) {
        if (v > (uint64_t)INT64_MAX + 1)
            return xml_error(x, ASSAY_EFORMAT, "<integer> out of range");
        node->v.integer = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else if (v > (uint64_t)INT64_MAX) {
        node->big_unsigned = true;
        node->v.uinteger = v;
    } else {
        node->v.integer = (int64_t)v;
    }
    return 0;
}

/* Reals are written with '.', whatever the process's locale says. */
static locale_t c_numeric_locale;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void make_c_numeric_locale(void)
{
    c_numeric_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static int real_from_text(struct xml *x, struct plist_node *node)
{
    size_t n;
    const char *s = trimmed_text(x, &n);
    if (n == 0)
        return xml_error(x, ASSAY_EFORMAT, "empty <real>");
    pthread_once(&c_numeric_once, make_c_numeric_locale);
    char *end;
    node->v.real = c_numeric_locale ? strtod_l(s, &end, c_numeric_locale) : strtod(s, &end);
    if (end != s + n)
        return xml_error(x, ASSAY_EFORMAT, "malformed <real>");
    return 0;
}

static bool is_leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 0001-01-01 to January 1st of year y (y >= 1), proleptic
 * Gregorian calendar. */
static int64_t days_before_year(int64_t y)
{
    int64_t p = y - 1;
    return p * 365 + p / 4 - p / 100 + p / 400;
}

/* Digits s[0..n) as a number; -1 when one is not a digit. */
static int64_t digits_value(const char *s, size_t n)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DDTHH:MM:SSZ" as seconds since 2001-01-01T00:00:00Z. */
static int date_from_text(struct xml *x, struct plist_node *node)
{
    static const int month_days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t n;
    const char *s = trimmed_text(x, &n);
    if (n != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
        return xml_error(x, ASSAY_EFORMAT, "malformed <date> (want YYYY-MM-DDTHH:MM:SSZ)");
    int64_t year = digits_value(s, 4), month = digits_value(s + 5, 2), day = digits_value(s + 8, 2);
    int64_t hour = digits_value(s + 11, 2), minute = digits_value(s + 14, 2), second = digits_value(s + 17, 2);
    if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return xml_error(x, ASSAY_EFORMAT, "<date> out of range");
    int64_t mdays = month_days[month - 1] + (month == 2 && is_leap_year(year));
    if (day > mdays)
        return xml_error(x, ASSAY_EFORMAT, "<date> out of range");
    int64_t days = days_before_year(year) - days_before_year(2001) + day - 1;
    for (int64_t m = 1; m < month; m++)
        days += month_days[m - 1] + (m == 2 && is_leap_year(year));
    node->v.real = (double)(days * 86400 + hour * 3600 + minute * 60 + second);
    return 0;
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Base64 text (whitespace anywhere, '=' padding at the end) decoded in
 * place: the output is never longer than the input. */
static int data_from_text(struct xml *x, struct plist_node *node)
{
    uint8_t *s = x->text.data;
    size_t out = 0, symbols = 0, padding = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < x->text.len; i++) {
        char c = (char)s[i];
        if (is_xml_space(c))
            continue;
        if (c == '=') {
            padding++;
            continue;
        }
        int v = base64_value(c);
        if (v < 0 || padding > 0)
            return xml_error(x, ASSAY_EFORMAT, "malformed base64 in <data>");
        symbols++;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            s[out++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (symbols % 4 == 1 || padding > 2)
        return xml_error(x, ASSAY_EFORMAT, "malformed base64 in <data>");
    uint8_t *copy = util_arena_alloc(x->arena, out ? out : 1);
    if (copy == NULL)
        return out_of_memory();
    memcpy(copy, s, out);
    node->v.data = copy;
    node->len = out;
    return 0;
}

static int parse_xml_value(struct xml *x, const struct tag *t, unsigned depth, const struct plist_node **out);

/* <key>text</key> then a value, until </dict>. */
static int parse_xml_dict(struct xml *x, const struct tag *open, unsigned depth, struct plist_node *node)
{
    UTIL_VEC(struct plist_entry) entries = {0};
    int rc = 0;
    while (!open->empty) {
        struct tag t;
        if ((rc = skip_misc(x)) != 0 || (rc = read_tag(x, &t)) != 0)
            break;
        if (t.closing) {
            if (!tag_is(&t, "dict"))
                rc = xml_error(x, ASSAY_EFORMAT, "<dict> closed by </%.*s>", tag_shown(&t), t.name);
            break;
        }
        if (!tag_is(&t, "key")) {
            rc = xml_error(x, ASSAY_EFORMAT, "<%.*s> where <dict> wants a <key>", tag_shown(&t), t.name);
            break;
        }
        if ((rc = read_text(x, &t)) != 0)
            break;
        struct plist_entry e = {.key_len = x->text.len};
        e.key = util_arena_strndup(x->arena, (const char *)x->text.data, x->text.len);
        if (e.key == NULL) {
            rc = out_of_memory();
            break;
        }
        if ((rc = skip_misc(x)) != 0 || (rc = read_tag(x, &t)) != 0)
            break;
        if (t.closing) {
            rc = xml_error(x, ASSAY_EFORMAT, "<key>%.64s</key> without a value", e.key);
            break;
        }
        if ((rc = parse_xml_value(x, &t, depth, &e.value)) != 0)
            break;
        if (util_vec_push(&entries, e) != 0) {
            rc = out_of_memory();
            break;
        }
    }
    if (rc == 0 && entries.n > 0) {
        struct plist_entry *v = util_arena_alloc(x->arena, entries.n * sizeof *v);
        if (v == NULL)
            rc = out_of_memory();
        else
            memcpy(v, entries.v, entries.n * sizeof *v);
        node->v.entries = v;
        node->len = entries.n;
    }
    util_vec_free(&entries);
    return rc;
}

/* Values until </array>. */
static int parse_xml_array(struct xml *x, const struct tag *open, unsigned depth, struct plist_node *node)
{
    UTIL_VEC(const struct plist_node *) items = {0};
    int rc = 0;
    while (!open->empty) {
        struct tag t;
        if ((rc = skip_misc(x)) != 0 || (rc = read_tag(x, &t)) != 0)
            break;
        if (t.closing) {
            if (!tag_is(&t, "array"))
                rc = xml_error(x, ASSAY_EFORMAT, "<array> closed by </%.*s>", tag_shown(&t), t.name);
            break;
        }
        const struct plist_node *item;
        if ((rc = parse_xml_value(x, &t, depth, &item)) != 0)
            break;
        if (util_vec_push(&items, item) != 0) {
            rc = out_of_memory();
            break;
        }
    }
    if (rc == 0 && items.n > 0) {
        const struct plist_node **v = util_arena_alloc(x->arena, items.n * sizeof *v);
        if (v == NULL)
            rc = out_of_memory();
        else
            memcpy(v, items.v, items.n * sizeof *v);
        node->v.items = v;
        node->len = items.n;
    }
    util_vec_free(&items);
    return rc;
}

/* <true/> or <true></true> (nothing but whitespace inside). */
static int parse_xml_bool(struct xml *x, const struct tag *t, struct plist_node *node)
{
    int rc = read_text(x, t);
    size_t n;
    if (rc == 0 && (trimmed_text(x, &n), n != 0))
        rc = xml_error(x, ASSAY_EFORMAT, "text inside <%.*s>", tag_shown(t), t->name);
    node->v.boolean = tag_is(t, "true");
    return rc;
}

/* The value whose start tag `t` was just read, up to and past its end tag.
 * `depth` counts the containers around it. */
static int parse_xml_value(struct xml *x, const struct tag *t, unsigned depth, const struct plist_node **out)
{
    static const struct {
        const char *name;
        enum plist_type type;
    } elements[] = {
        {"dict", PLIST_DICT},     {"array", PLIST_ARRAY}, {"string", PLIST_STRING}, {"integer", PLIST_INTEGER},
        {"real", PLIST_REAL},     {"true", PLIST_BOOL},   {"false", PLIST_BOOL},    {"date", PLIST_DATE},
        {"data", PLIST_DATA},
    };
    if (t->closing)
        return xml_error(x, ASSAY_EFORMAT, "unexpected </%.*s>", tag_shown(t), t->name);
    enum plist_type type = 0;
    for (size_t i = 0; i < sizeof elements / sizeof elements[0]; i++)
        if (tag_is(t, elements[i].name))
            type = elements[i].type;
    if (type == 0)
        return xml_error(x, ASSAY_EFORMAT, "unexpected element <%.*s>", tag_shown(t), t->name);
    if (++x->values > PLIST_MAX_OBJECTS)
        return xml_error(x, ASSAY_ELIMIT, "more than %zu values", PLIST_MAX_OBJECTS);
    if ((type == PLIST_DICT || type == PLIST_ARRAY) && depth >= PLIST_MAX_DEPTH)
        return xml_error(x, ASSAY_ELIMIT, "containers nested deeper than %d", PLIST_MAX_DEPTH);
    struct plist_node *node = node_new(x->arena, type);
    if (node == NULL)
        return out_of_memory();
    *out = node;
    switch (type) {
    case PLIST_DICT:
        return parse_xml_dict(x, t, depth + 1, node);
    case PLIST_ARRAY:
        return parse_xml_array(x, t, depth + 1, node);
    case PLIST_BOOL:
        return parse_xml_bool(x, t, node);
    default:
        break;
    }
    int rc = read_text(x, t);
    if (rc != 0)
        return rc;
    switch (type) {
    case PLIST_STRING:
        node->v.string = util_arena_strndup(x->arena, (const char *)x->text.data, x->text.len);
        node->len = x->text.len;
        return node->v.string ? 0 : out_of_memory();
    case PLIST_INTEGER:
        return integer_from_text(x, node);
    case PLIST_REAL:
        return real_from_text(x, node);
    case PLIST_DATE:
        return date_from_text(x, node);
    default:
        return data_from_text(x, node);
    }
}

/* The document: prolog, <plist> (or a bare value), nothing after it but
 * whitespace, comments and trailing NUL bytes. */
static int parse_xml_document(struct xml *x, const struct plist_node **root)
{
    if (xml_at(x, "\xEF\xBB\xBF"))
        x->p += 3;
    else if (xml_at(x, "\xFE\xFF") || xml_at(x, "\xFF\xFE"))
        return xml_error(x, ASSAY_EFORMAT, "UTF-16 XML property lists are not supported");
    struct tag t;
    int rc;
    if ((rc = skip_misc(x)) != 0)
        return rc;
    if (x->p >= x->end || *x->p != '<')
        return util_error(ASSAY_EFORMAT, "not a property list (neither XML nor bplist00)");
    if ((rc = read_tag(x, &t)) != 0)
        return rc;
    if (tag_is(&t, "plist") && !t.closing) {
        struct tag plist = t;
        if (plist.empty)
            return xml_error(x, ASSAY_EFORMAT, "empty <plist>");
        if ((rc = skip_misc(x)) != 0 || (rc = read_tag(x, &t)) != 0 ||
            (rc = parse_xml_value(x, &t, 0, root)) != 0 || (rc = skip_misc(x)) != 0 ||
            (rc = read_end_tag(x, &plist)) != 0)
            return rc;
    } else if ((rc = parse_xml_value(x, &t, 0, root)) != 0) {
        return rc;
    }
    if ((rc = skip_misc(x)) != 0)
        return rc;
    while (x->p < x->end && *x->p == '\0')
        x->p++;
    if (x->p != x->end)
        return xml_error(x, ASSAY_EFORMAT, "content after the property list");
    return 0;
}

static int parse_xml(const char *data, size_t len, struct plist *pl)
{
    struct xml x = {.base = data, .p = data, .end = data + len, .arena = &pl->arena};
    int rc = parse_xml_document(&x, &pl->root);
    util_buf_free(&x.text);
    return rc;
}

/* ---- binary --------------------------------------------------------------- */

#define BPLIST_HEADER 8
#define BPLIST_TRAILER 32

enum { OBJ_UNSEEN = 0, OBJ_IN_PROGRESS, OBJ_DONE };

struct bplist {
    const uint8_t *d;
    size_t len;
    unsigned offset_size, ref_size;
    uint64_t count;        /* objects */
    uint64_t top;          /* index of the root object */
    uint64_t table;        /* offset of the offset table; objects end there */
    uint8_t *state;        /* OBJ_* per object */
    const struct plist_node **parsed;  /* per object, once OBJ_DONE */
    size_t slots;          /* container elements read, against PLIST_MAX_OBJECTS */
    size_t decoded;        /* string and data bytes read, against PLIST_MAX_DECODED */
    struct util_arena *arena;
    struct util_buf text;  /* string conversion scratch */
};

static int bp_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bp_error(int code, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return util_error(code, "binary plist: %s", what);
}

static uint64_t read_be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* [off, off + n) lies in the object area (before the offset table). */
static bool in_objects(const struct bplist *b, uint64_t off, uint64_t n)
{
    return off <= b->table && n <= b->table - off;
}

static int read_trailer(struct bplist *b)
{
    if (b->len < BPLIST_HEADER + 1 + BPLIST_TRAILER)
        return bp_error(ASSAY_EFORMAT, "truncated (%zu bytes)", b->len);
    const uint8_t *t = b->d + b->len - BPLIST_TRAILER;
    b->offset_size = t[6];
    b->ref_size = t[7];
    b->count = read_be(t + 8, 8);
    b->top = read_be(t + 16, 8);
    b->table = read_be(t + 24, 8);
    if (b->offset_size < 1 || b->offset_size > 8 || b->ref_size < 1 || b->ref_size > 8)
        return bp_error(ASSAY_EFORMAT, "trailer: bad offset size %u or reference size %u", b->offset_size,
                        b->ref_size);
    if (b->count == 0)
        return bp_error(ASSAY_EFORMAT, "trailer: no objects");
    if (b->count > PLIST_MAX_OBJECTS)
        return bp_error(ASSAY_ELIMIT, "trailer: %llu objects (limit %zu)", (unsigned long long)b->count,
                        PLIST_MAX_OBJECTS);
    if (b->top >= b->count)
        return bp_error(ASSAY_EFORMAT, "trailer: top object %llu out of range", (unsigned long long)b->top);
    uint64_t table_end = b->len - BPLIST_TRAILER;
    if (b->table < BPLIST_HEADER + 1 || b->table > table_end ||
        b->count * b->offset_size > table_end - b->table)
        return bp_error(ASSAY_EFORMAT, "trailer: offset table out of range");
    return 0;
}

/* Offset of object `index` (< count), checked to lie in the object area. */
static int object_offset(const struct bplist *b, uint64_t index, uint64_t *off)
{
    *off = read_be(b->d + b->table + index * b->offset_size, b->offset_size);
    if (*off < BPLIST_HEADER || *off >= b->table)
        return bp_error(ASSAY_EFORMAT, "object %llu: offset %llu out of range", (unsigned long long)index,
                        (unsigned long long)*off);
    return 0;
}

/* The element count of a data/string/container marker at `off`: the low
 * nibble, or (0xF) an integer object that follows. *payload is where the
 * elements start. */
static int read_count(const struct bplist *b, uint64_t off, uint64_t *count, uint64_t *payload)
{
    unsigned info = b->d[off] & 0x0F;
    if (info != 0x0F) {
        *count = info;
        *payload = off + 1;
        return 0;
    }
    if (!in_objects(b, off + 1, 1))
        return bp_error(ASSAY_EFORMAT, "offset %llu: truncated length", (unsigned long long)off);
    uint8_t m = b->d[off + 1];
    if ((m >> 4) != 0x1 || (m & 0x0F) > 3)
        return bp_error(ASSAY_EFORMAT, "offset %llu: bad length marker 0x%02x", (unsigned long long)off, m);
    unsigned n = 1u << (m & 0x0F);
    if (!in_objects(b, off + 2, n))
        return bp_error(ASSAY_EFORMAT, "offset %llu: truncated length", (unsigned long long)off);
    *count = read_be(b->d + off + 2, n);
    *payload = off + 2 + n;
    return 0;
}

/* `count` elements of `unit` bytes at `payload` fit in the object area. */
static int check_payload(const struct bplist *b, uint64_t off, uint64_t payload, uint64_t count, unsigned unit)
{
    if (payload > b->table || count > (b->table - payload) / unit)
        return bp_error(ASSAY_EFORMAT, "offset %llu: object runs past the object area", (unsigned long long)off);
    return 0;
}

/* Count `bytes` of string or data against PLIST_MAX_DECODED: objects are
 * cached by index, and a file whose offset table points many indices at
 * one large string would otherwise make us copy it once per index. */
static int charge_decoded(struct bplist *b, uint64_t bytes)
{
    if (bytes > PLIST_MAX_DECODED - b->decoded)
        return bp_error(ASSAY_ELIMIT, "more than %zu bytes of strings and data", PLIST_MAX_DECODED);
    b->decoded += (size_t)bytes;
    return 0;
}

static int bp_integer(const struct bplist *b, uint64_t off, struct plist_node *node)
{
    unsigned info = b->d[off] & 0x0F;
    if (info > 4)
        return bp_error(ASSAY_EFORMAT, "offset %llu: bad integer size", (unsigned long long)off);
    unsigned n = 1u << info;
    if (!in_objects(b, off + 1, n))
        return bp_error(ASSAY_EFORMAT, "offset %llu: truncated integer", (unsigned long long)off);
    const uint8_t *p = b->d + off + 1;
    if (n < 8) {
        node->v.integer = (int64_t)read_be(p, n); /* 1, 2 and 4 bytes are unsigned */
    } else if (n == 8) {
        node->v.uinteger = read_be(p, 8); /* two's complement, signed */
    } else {
        uint64_t hi = read_be(p, 8), lo = read_be(p + 8, 8);
        if (hi == 0 && lo > (uint64_t)INT64_MAX)
            node->big_unsigned = true;
        else if (!(hi == 0 || (hi == UINT64_MAX && lo > (uint64_t)INT64_MAX)))
            return bp_error(ASSAY_EFORMAT, "offset %llu: 128-bit integer out of range", (unsigned long long)off);
        node->v.uinteger = lo;
    }
    return 0;
}

static int bp_real(const struct bplist *b, uint64_t off, struct plist_node *node)
{
    unsigned info = b->d[off] & 0x0F;
    if (node->type == PLIST_DATE ? info != 3 : (info != 2 && info != 3))
        return bp_error(ASSAY_EFORMAT, "offset %llu: bad real size", (unsigned long long)off);
    unsigned n = 1u << info;
    if (!in_objects(b, off + 1, n))
        return bp_error(ASSAY_EFORMAT, "offset %llu: truncated real", (unsigned long long)off);
    uint64_t bits = read_be(b->d + off + 1, n);
    if (n == 4) {
        uint32_t u = (uint32_t)bits;
        float f;
        memcpy(&f, &u, sizeof f);
        node->v.real = f;
    } else {
        memcpy(&node->v.real, &bits, sizeof node->v.real);
    }
    return 0;
}

static int bp_data(struct bplist *b, uint64_t off, struct plist_node *node)
{
    uint64_t count, payload;
    int rc = read_count(b, off, &count, &payload);
    if (rc != 0 || (rc = check_payload(b, off, payload, count, 1)) != 0 || (rc = charge_decoded(b, count)) != 0)
        return rc;
    uint8_t *copy = util_arena_alloc(b->arena, count ? (size_t)count : 1);
    if (copy == NULL)
        return out_of_memory();
    memcpy(copy, b->d + payload, (size_t)count);
    node->v.data = copy;
    node->len = (size_t)count;
    return 0;
}

/* ASCII (0x5) or UTF-16BE (0x6) string, converted to UTF-8. */
static int bp_string(struct bplist *b, uint64_t off, struct plist_node **out)
{
    bool utf16 = (b->d[off] >> 4) == 0x6;
    uint64_t count, payload;
    int rc = read_count(b, off, &count, &payload);
    if (rc != 0 || (rc = check_payload(b, off, payload, count, utf16 ? 2 : 1)) != 0 ||
        (rc = charge_decoded(b, utf16 ? 2 * count : count)) != 0)
        return rc;
    const uint8_t *p = b->d + payload;
    b->text.len = 0;
    for (uint64_t i = 0; i < count && rc == 0; i++) {
        uint32_t cp;
        if (!utf16) {
            cp = p[i] < 0x80 ? p[i] : REPLACEMENT_CHAR;
        } else {
            cp = (uint32_t)p[2 * i] << 8 | p[2 * i + 1];
            uint32_t lo = i + 1 < count ? (uint32_t)p[2 * i + 2] << 8 | p[2 * i + 3] : 0;
            if (cp >= 0xD800 && cp <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = REPLACEMENT_CHAR; /* unpaired surrogate */
            }
        }
        if (append_code_point(&b->text, cp) != 0)
            rc = out_of_memory();
    }
    if (rc != 0)
        return rc;
    *out = string_node(b->arena, &b->text);
    return *out ? 0 : out_of_memory();
}

static int bp_uid(const struct bplist *b, uint64_t off, struct plist_node *node)
{
    unsigned n = (b->d[off] & 0x0Fu) + 1;
    if (n > 8)
        return bp_error(ASSAY_EFORMAT, "offset %llu: uid wider than 64 bits", (unsigned long long)off);
    if (!in_objects(b, off + 1, n))
        return bp_error(ASSAY_EFORMAT, "offset %llu: truncated uid", (unsigned long long)off);
    node->v.uid = read_be(b->d + off + 1, n);
    return 0;
}

static int bp_object(struct bplist *b, uint64_t index, unsigned depth, const struct plist_node **out);

/* The object referenced at `pos` (a ref_size-byte index). */
static int bp_ref(struct bplist *b, uint64_t pos, unsigned depth, const struct plist_node **out)
{
    return bp_object(b, read_be(b->d + pos, b->ref_size), depth, out);
}

/* Array or set (0xA / 0xC) and dict (0xD): references to the elements
 * (dict: all keys, then all values). */
static int bp_container(struct bplist *b, uint64_t off, unsigned depth, struct plist_node *node)
{
    bool dict = node->type == PLIST_DICT;
    uint64_t count, payload;
    int rc = read_count(b, off, &count, &payload);
    if (rc != 0 || (rc = check_payload(b, off, payload, count, dict ? 2 * b->ref_size : b->ref_size)) != 0)
        return rc;
    if (count > PLIST_MAX_OBJECTS - b->slots)
        return bp_error(ASSAY_ELIMIT, "more than %zu values", PLIST_MAX_OBJECTS);
    b->slots += (size_t)count;
    if (count == 0)
        return 0;
    node->len = (size_t)count;
    if (!dict) {
        const struct plist_node **items = util_arena_alloc(b->arena, (size_t)count * sizeof *items);
        if (items == NULL)
            return out_of_memory();
        node->v.items = items;
        for (uint64_t i = 0; i < count && rc == 0; i++)
            rc = bp_ref(b, payload + i * b->ref_size, depth, &items[i]);
        return rc;
    }
    struct plist_entry *entries = util_arena_alloc(b->arena, (size_t)count * sizeof *entries);
    if (entries == NULL)
        return out_of_memory();
    node->v.entries = entries;
    for (uint64_t i = 0; i < count && rc == 0; i++) {
        const struct plist_node *key;
        if ((rc = bp_ref(b, payload + i * b->ref_size, depth, &key)) != 0)
            break;
        if (key->type != PLIST_STRING)
            return bp_error(ASSAY_EFORMAT, "offset %llu: dict key is a %s, not a string", (unsigned long long)off,
                            plist_type_name(key->type));
        entries[i].key = key->v.string;
        entries[i].key_len = key->len;
        rc = bp_ref(b, payload + (count + i) * b->ref_size, depth, &entries[i].value);
    }
    return rc;
}

static enum plist_type marker_type(uint8_t marker)
{
    switch (marker >> 4) {
    case 0x0:
        return marker == 0x00 ? PLIST_NULL : (marker == 0x08 || marker == 0x09) ? PLIST_BOOL : 0;
    case 0x1: return PLIST_INTEGER;
    case 0x2: return PLIST_REAL;
    case 0x3: return marker == 0x33 ? PLIST_DATE : 0;
    case 0x4: return PLIST_DATA;
    case 0x5:
    case 0x6: return PLIST_STRING;
    case 0x8: return PLIST_UID;
    case 0xA:
    case 0xC: return PLIST_ARRAY;
    case 0xD: return PLIST_DICT;
    default: return 0;
    }
}

/* Object `index`, parsed once; `depth` counts the containers around it. */
static int bp_object(struct bplist *b, uint64_t index, unsigned depth, const struct plist_node **out)
{
    if (index >= b->count)
        return bp_error(ASSAY_EFORMAT, "reference %llu out of range (%llu objects)", (unsigned long long)index,
                        (unsigned long long)b->count);
    if (b->state[index] == OBJ_DONE) {
        *out = b->parsed[index];
        return 0;
    }
    if (b->state[index] == OBJ_IN_PROGRESS)
        return bp_error(ASSAY_EFORMAT, "reference cycle through object %llu", (unsigned long long)index);
    uint64_t off;
    int rc = object_offset(b, index, &off);
    if (rc != 0)
        return rc;
    uint8_t marker = b->d[off];
    enum plist_type type = marker_type(marker);
    if (type == 0)
        return bp_error(ASSAY_EFORMAT, "offset %llu: unknown object marker 0x%02x", (unsigned long long)off, marker);
    if ((type == PLIST_ARRAY || type == PLIST_DICT) && depth >= PLIST_MAX_DEPTH)
        return bp_error(ASSAY_ELIMIT, "containers nested deeper than %d", PLIST_MAX_DEPTH);
    struct plist_node *node = type == PLIST_STRING ? NULL : node_new(b->arena, type);
    if (type != PLIST_STRING && node == NULL)
        return out_of_memory();
    b->state[index] = OBJ_IN_PROGRESS;
    switch (type) {
    case PLIST_BOOL: node->v.boolean = marker == 0x09; break;
    case PLIST_INTEGER: rc = bp_integer(b, off, node); break;
    case PLIST_REAL:
    case PLIST_DATE: rc = bp_real(b, off, node); break;
    case PLIST_DATA: rc = bp_data(b, off, node); break;
    case PLIST_STRING: rc = bp_string(b, off, &node); break;
    case PLIST_UID: rc = bp_uid(b, off, node); break;
    case PLIST_ARRAY:
    case PLIST_DICT: rc = bp_container(b, off, depth + 1, node); break;
    default: break;
    }
    if (rc != 0)
        return rc;
    b->state[index] = OBJ_DONE;
    b->parsed[index] = node;
    *out = node;
    return 0;
}

static int parse_binary(const uint8_t *data, size_t len, struct plist *pl)
{
    struct bplist b = {.d = data, .len = len, .arena = &pl->arena};
    int rc = read_trailer(&b);
    if (rc != 0)
        return rc;
    b.state = calloc((size_t)b.count, 1);
    b.parsed = calloc((size_t)b.count, sizeof *b.parsed);
    if (b.state == NULL || b.parsed == NULL)
        rc = out_of_memory();
    else
        rc = bp_object(&b, b.top, 0, &pl->root);
    free(b.state);
    free(b.parsed);
    util_buf_free(&b.text);
    return rc;
}

/* ---- API ------------------------------------------------------------------- */

int plist_parse(const void *data, size_t len, struct plist *out)
{
    memset(out, 0, sizeof *out);
    if (len > PLIST_MAX_INPUT)
        return util_error(ASSAY_ELIMIT, "property list: %zu bytes (limit %zu)", len, PLIST_MAX_INPUT);
    if (data == NULL && len > 0)
        return util_error(ASSAY_EINVAL, "property list: no data");
    int rc;
    if (len >= 6 && memcmp(data, "bplist", 6) == 0) {
        out->binary = true;
        if (len < 8 || memcmp(data, "bplist00", 8) != 0)
            rc = bp_error(ASSAY_EFORMAT, "unsupported version \"%.2s\"", len >= 8 ? (const char *)data + 6 : "");
        else
            rc = parse_binary(data, len, out);
    } else {
        rc = parse_xml(len ? data : "", len, out);
    }
    if (rc != 0)
        plist_free(out);
    return rc;
}

void plist_free(struct plist *pl)
{
    util_arena_free(&pl->arena);
    memset(pl, 0, sizeof *pl);
}

const struct plist_node *plist_dict_get(const struct plist_node *dict, const char *key)
{
    if (dict == NULL || dict->type != PLIST_DICT || key == NULL)
        return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < dict->len; i++) {
        const struct plist_entry *e = &dict->v.entries[i];
        if (e->key_len == n && memcmp(e->key, key, n) == 0)
            return e->value;
    }
    return NULL;
}

const struct plist_node *plist_array_get(const struct plist_node *array, size_t i)
{
    if (array == NULL || array->type != PLIST_ARRAY || i >= array->len)
        return NULL;
    return array->v.items[i];
}

const char *plist_string(const struct plist_node *n)
{
    return n != NULL && n->type == PLIST_STRING ? n->v.string : NULL;
}

bool plist_integer(const struct plist_node *n, int64_t *out)
{
    if (n == NULL || n->type != PLIST_INTEGER || n->big_unsigned)
        return false;
    *out = n->v.integer;
    return true;
}

const char *plist_dict_string(const struct plist_node *dict, const char *key)
{
    return plist_string(plist_dict_get(dict, key));
}

const char *plist_type_name(enum plist_type t)
{
    switch (t) {
    case PLIST_NULL: return "null";
    case PLIST_BOOL: return "bool";
    case PLIST_INTEGER: return "integer";
    case PLIST_REAL: return "real";
    case PLIST_DATE: return "date";
    case PLIST_DATA: return "data";
    case PLIST_STRING: return "string";
    case PLIST_UID: return "uid";
    case PLIST_ARRAY: return "array";
    case PLIST_DICT: return "dict";
    default: return "unknown";
    }
}
