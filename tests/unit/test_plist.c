/* test_plist.c — the property-list parser (format/plist.h): XML documents
 * with the usual prolog, entities, CDATA and every value type; binary plists
 * built in memory by a small writer below (integer sizes, UTF-16 strings,
 * shared objects, nested containers); and malformed input of both kinds —
 * bad entities, mismatched tags, truncated trailers, offset tables and
 * references out of range, reference cycles, deep nesting, the size and
 * object limits — which must give an error, never a crash. Every truncation
 * of the sample documents is parsed too (run under ASan in CI). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/plist.h"

/* ---- a minimal binary plist writer (test data only) --------------------------- */

struct bw {
    uint8_t *d;
    size_t len, cap;
    uint64_t off[512];
    size_t n;
    unsigned ref_size;
};

static void bw_put(struct bw *w, const void *p, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 64;
        w->d = realloc(w->d, w->cap);
        assert_non_null(w->d);
    }
    memcpy(w->d + w->len, p, n);
    w->len += n;
}

static void bw_byte(struct bw *w, uint8_t b)
{
    bw_put(w, &b, 1);
}

static void bw_be(struct bw *w, uint64_t v, unsigned n)
{
    for (unsigned i = n; i-- > 0;)
        bw_byte(w, (uint8_t)(v >> (8 * i)));
}

static void bw_init(struct bw *w, unsigned ref_size)
{
    memset(w, 0, sizeof *w);
    w->ref_size = ref_size;
    bw_put(w, "bplist00", 8);
}

/* Start object number w->n at the current offset; returns its index. */
static size_t bw_start(struct bw *w)
{
    assert_true(w->n < 512);
    w->off[w->n] = w->len;
    return w->n++;
}

/* A marker with a count: in the low nibble, or 0xF and an int object. */
static void bw_marker(struct bw *w, uint8_t type, uint64_t count)
{
    if (count < 15) {
        bw_byte(w, (uint8_t)(type << 4 | count));
    } else {
        bw_byte(w, (uint8_t)(type << 4 | 0xF));
        bw_byte(w, 0x13);
        bw_be(w, count, 8);
    }
}

static size_t bw_ascii(struct bw *w, const char *s)
{
    size_t i = bw_start(w);
    bw_marker(w, 0x5, strlen(s));
    bw_put(w, s, strlen(s));
    return i;
}

static size_t bw_utf16(struct bw *w, const uint16_t *u, size_t n)
{
    size_t i = bw_start(w);
    bw_marker(w, 0x6, n);
    for (size_t k = 0; k < n; k++)
        bw_be(w, u[k], 2);
    return i;
}

static size_t bw_int(struct bw *w, int64_t v)
{
    size_t i = bw_start(w);
    if (v >= 0 && v < 256) {
        bw_byte(w, 0x10);
        bw_be(w, (uint64_t)v, 1);
    } else {
        bw_byte(w, 0x13);
        bw_be(w, (uint64_t)v, 8);
    }
    return i;
}

static size_t bw_raw(struct bw *w, const void *bytes, size_t n)
{
    size_t i = bw_start(w);
    bw_put(w, bytes, n);
    return i;
}

static size_t bw_array(struct bw *w, size_t n, const size_t *refs)
{
    size_t i = bw_start(w);
    bw_marker(w, 0xA, n);
    for (size_t k = 0; k < n; k++)
        bw_be(w, refs[k], w->ref_size);
    return i;
}

static size_t bw_dict(struct bw *w, size_t n, const size_t *keys, const size_t *values)
{
    size_t i = bw_start(w);
    bw_marker(w, 0xD, n);
    for (size_t k = 0; k < n; k++)
        bw_be(w, keys[k], w->ref_size);
    for (size_t k = 0; k < n; k++)
        bw_be(w, values[k], w->ref_size);
    return i;
}

/* Offset table and trailer; the buffer in w->d / w->len. */
static void bw_finish(struct bw *w, size_t top)
{
    uint64_t table = w->len;
    unsigned osize = table < 256 ? 1 : table < 65536 ? 2 : 4;
    for (size_t k = 0; k < w->n; k++)
        bw_be(w, w->off[k], osize);
    uint8_t pad[6] = {0};
    bw_put(w, pad, 6);
    bw_byte(w, (uint8_t)osize);
    bw_byte(w, (uint8_t)w->ref_size);
    bw_be(w, w->n, 8);
    bw_be(w, top, 8);
    bw_be(w, table, 8);
}

/* Trailer fields, for damaging a finished plist. */
#define TRAILER_OFFSET_SIZE(w) ((w)->d[(w)->len - 26])
#define TRAILER_REF_SIZE(w) ((w)->d[(w)->len - 25])
static void bw_set_trailer(struct bw *w, size_t field_at, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        w->d[w->len - 32 + field_at + i] = (uint8_t)(v >> (8 * (7 - i)));
}
#define TRAILER_COUNT 8
#define TRAILER_TOP 16
#define TRAILER_TABLE 24

/* ---- helpers ---------------------------------------------------------------------- */

static int parse_text(const char *text, struct plist *pl)
{
    return plist_parse(text, strlen(text), pl);
}

static void expect_error(const void *data, size_t len, int code)
{
    struct plist pl;
    int rc = plist_parse(data, len, &pl);
    if (rc != code)
        fail_msg("expected %d, got %d (%s)", code, rc, rc ? assay_last_error() : "parsed");
    assert_true(assay_last_error()[0] != '\0');
    assert_null(pl.root);
    plist_free(&pl);
}

static void expect_text_error(const char *text, int code)
{
    expect_error(text, strlen(text), code);
}

/* Parse every prefix and every single-byte change of `data`: errors are
 * fine, crashes and leaks are not. */
static void damage_everywhere(const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len);
    assert_non_null(copy);
    for (size_t n = 0; n <= len; n++) {
        memcpy(copy, data, n);
        struct plist pl;
        (void)plist_parse(copy, n, &pl);
        plist_free(&pl);
    }
    static const uint8_t values[] = {0x00, 0xFF, 0x0F, 0x7F, 0x80, '<', '>', '&', '/'};
    for (size_t i = 0; i < len; i++) {
        for (size_t v = 0; v < sizeof values; v++) {
            memcpy(copy, data, len);
            copy[i] = values[v];
            struct plist pl;
            (void)plist_parse(copy, len, &pl);
            plist_free(&pl);
        }
    }
    free(copy);
}

/* ---- XML ---------------------------------------------------------------------- */

static const char info_plist_xml[] =
    "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
    "<plist version=\"1.0\">\n"
    "<!-- a comment -->\n"
    "<dict>\n"
    "\t<key>CFBundleIdentifier</key>\n"
    "\t<string>com.kaspersky.kis.mac</string>\n"
    "\t<key>CFBundleName</key>\n"
    "\t<string>Kaspersky Internet Security</string>\n"
    "\t<key>CFBundleShortVersionString</key>\n"
    "\t<string>21.0.12.461</string>\n"
    "\t<key>Empty</key>\n"
    "\t<string/>\n"
    "\t<key>Count</key>\n"
    "\t<integer> -42 </integer>\n"
    "\t<key>Hex</key>\n"
    "\t<integer>0x1F</integer>\n"
    "\t<key>Big</key>\n"
    "\t<integer>18446744073709551615</integer>\n"
    "\t<key>Ratio</key>\n"
    "\t<real>2.5</real>\n"
    "\t<key>Yes</key><true/>\n"
    "\t<key>No</key><false></false>\n"
    "\t<key>When</key>\n"
    "\t<date>2001-01-02T00:00:01Z</date>\n"
    "\t<key>Blob</key>\n"
    "\t<data>\n\tSGVs\n\tbG8=\n\t</data>\n"
    "\t<key>List</key>\n"
    "\t<array>\n"
    "\t\t<string>a</string>\n"
    "\t\t<dict><key>inner</key><array/></dict>\n"
    "\t\t<dict/>\n"
    "\t</array>\n"
    "</dict>\n"
    "</plist>\n";

static void xml_info_plist(void **state)
{
    (void)state;
    struct plist pl;
    assert_int_equal(parse_text(info_plist_xml, &pl), ASSAY_OK);
    assert_false(pl.binary);
    const struct plist_node *d = pl.root;
    assert_non_null(d);
    assert_int_equal(d->type, PLIST_DICT);
    assert_int_equal(d->len, 13);
    assert_string_equal(plist_dict_string(d, "CFBundleIdentifier"), "com.kaspersky.kis.mac");
    assert_string_equal(plist_dict_string(d, "CFBundleName"), "Kaspersky Internet Security");
    assert_string_equal(plist_dict_string(d, "CFBundleShortVersionString"), "21.0.12.461");
    assert_string_equal(plist_dict_string(d, "Empty"), "");
    assert_null(plist_dict_string(d, "Missing"));
    assert_null(plist_dict_string(d, "Count")); /* not a string */
    int64_t v;
    assert_true(plist_integer(plist_dict_get(d, "Count"), &v));
    assert_int_equal(v, -42);
    assert_true(plist_integer(plist_dict_get(d, "Hex"), &v));
    assert_int_equal(v, 31);
    const struct plist_node *big = plist_dict_get(d, "Big");
    assert_true(big->big_unsigned);
    assert_false(plist_integer(big, &v));
    assert_true(big->v.uinteger == UINT64_MAX);
    assert_true(plist_dict_get(d, "Ratio")->v.real == 2.5);
    assert_int_equal(plist_dict_get(d, "Yes")->type, PLIST_BOOL);
    assert_true(plist_dict_get(d, "Yes")->v.boolean);
    assert_false(plist_dict_get(d, "No")->v.boolean);
    const struct plist_node *when = plist_dict_get(d, "When");
    assert_int_equal(when->type, PLIST_DATE);
    assert_true(when->v.real == 86401.0);
    const struct plist_node *blob = plist_dict_get(d, "Blob");
    assert_int_equal(blob->type, PLIST_DATA);
    assert_int_equal(blob->len, 5);
    assert_memory_equal(blob->v.data, "Hello", 5);
    const struct plist_node *list = plist_dict_get(d, "List");
    assert_int_equal(list->len, 3);
    assert_string_equal(plist_string(plist_array_get(list, 0)), "a");
    const struct plist_node *inner = plist_dict_get(plist_array_get(list, 1), "inner");
    assert_int_equal(inner->type, PLIST_ARRAY);
    assert_int_equal(inner->len, 0);
    assert_int_equal(plist_array_get(list, 2)->type, PLIST_DICT);
    assert_int_equal(plist_array_get(list, 2)->len, 0);
    assert_null(plist_array_get(list, 3));
    assert_null(plist_dict_get(list, "x"));
    assert_null(plist_dict_get(NULL, "x"));
    assert_null(plist_string(NULL));
    plist_free(&pl);
    plist_free(&pl); /* harmless twice */
}

static void xml_entities_cdata_utf8(void **state)
{
    (void)state;
    struct plist pl;
    assert_int_equal(parse_text("<plist><array>"
                                "<string>&amp;&lt;&gt;&quot;&apos;&#65;&#x263a;&#x1F600;</string>"
                                "<string>a<![CDATA[<b>&amp;</b>]]>c<!-- x -->d</string>"
                                "<string>bad \xC3\x28 \xED\xA0\x80 \xF8 ok \xC3\xA9</string>"
                                "<string>  keep  spaces </string>"
                                "</array></plist>",
                                &pl),
                     ASSAY_OK);
    assert_string_equal(plist_string(plist_array_get(pl.root, 0)), "&<>\"'A\xE2\x98\xBA\xF0\x9F\x98\x80");
    assert_string_equal(plist_string(plist_array_get(pl.root, 1)), "a<b>&amp;</b>cd");
    /* invalid UTF-8 becomes U+FFFD, one per bad byte */
    assert_string_equal(plist_string(plist_array_get(pl.root, 2)),
                        "bad \xEF\xBF\xBD( \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD ok \xC3\xA9");
    assert_string_equal(plist_string(plist_array_get(pl.root, 3)), "  keep  spaces ");
    plist_free(&pl);

    /* a bare value without <plist>, trailing NULs, a repeated key (first wins) */
    static const char bare[] = "<dict><key>k</key><string>1</string><key>k</key><string>2</string></dict>\0\0";
    assert_int_equal(plist_parse(bare, sizeof bare - 1, &pl), ASSAY_OK);
    assert_string_equal(plist_dict_string(pl.root, "k"), "1");
    plist_free(&pl);
}

static void xml_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "hello",
        "<plist/>",
        "<plist></plist>",
        "<plist><string>x</string>",
        "<plist><string>x</plist>",
        "<plist><string>x</string></plist>trailing",
        "<plist><string>x</string><string>y</string></plist>",
        "<plist><string>a &foo; b</string></plist>",
        "<plist><string>a & b</string></plist>",
        "<plist><string>&#0;</string></plist>",
        "<plist><string>&#xD800;</string></plist>",
        "<plist><string>&#x110000;</string></plist>",
        "<plist><string>&#12a;</string></plist>",
        "<plist><string>&#;</string></plist>",
        "<plist><string>a <b>c</b></string></plist>",
        "<plist><string>x</strong></plist>",
        "<plist><dict><key>a</key></dict></plist>",
        "<plist><dict><string>a</string></dict></plist>",
        "<plist><dict>text<key>a</key><true/></dict></plist>",
        "<plist><dict><key>a</key><true/></array></plist>",
        "<plist><array><key>a</key></array></plist>",
        "<plist><array><bogus/></array></plist>",
        "<plist><integer>12x</integer></plist>",
        "<plist><integer></integer></plist>",
        "<plist><integer>-</integer></plist>",
        "<plist><integer>18446744073709551616</integer></plist>",
        "<plist><integer>-9223372036854775809</integer></plist>",
        "<plist><real>1.5x</real></plist>",
        "<plist><real></real></plist>",
        "<plist><date>2021-02-30T00:00:00Z</date></plist>",
        "<plist><date>2021-01-01 00:00:00</date></plist>",
        "<plist><date>0000-01-01T00:00:00Z</date></plist>",
        "<plist><data>QQ=x</data></plist>",
        "<plist><data>Q</data></plist>",
        "<plist><data>QQ===</data></plist>",
        "<plist><data>Q!==</data></plist>",
        "<plist><true>yes</true></plist>",
        "<plist><!-- never closed <true/></plist>",
        "<plist><string><![CDATA[never closed</string></plist>",
        "<plist><string attr=\"never closed></string></plist>",
        "<plist><string",
        "<plist><</plist>",
        "<plist><str<ing/></plist>",
        "<!DOCTYPE plist [ <!ENTITY x \"y\"> ",
        "\xFE\xFF\0<\0p",
        "</plist>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct plist pl;
        int rc = parse_text(bad[i], &pl);
        if (rc != ASSAY_EFORMAT)
            fail_msg("case %zu (%s): got %d", i, bad[i], rc);
        assert_true(assay_last_error()[0] != '\0');
        plist_free(&pl);
    }
    /* the message names the format and where */
    struct plist pl;
    assert_int_equal(parse_text("<plist><string>&nope;</string></plist>", &pl), ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "XML plist: offset"));
    assert_non_null(strstr(assay_last_error(), "&nope;"));
}

/* Append the NUL-terminated s at *k. */
static void put_str(char *buf, size_t *k, const char *s)
{
    size_t n = strlen(s);
    memcpy(buf + *k, s, n + 1);
    *k += n;
}

/* n nested arrays around a <true/>. */
static char *nested_arrays(size_t n)
{
    char *s = malloc(n * strlen("<array></array>") + 64);
    assert_non_null(s);
    size_t k = 0;
    put_str(s, &k, "<plist>");
    for (size_t i = 0; i < n; i++)
        put_str(s, &k, "<array>");
    put_str(s, &k, "<true/>");
    for (size_t i = 0; i < n; i++)
        put_str(s, &k, "</array>");
    put_str(s, &k, "</plist>");
    return s;
}

static void xml_limits(void **state)
{
    (void)state;
    struct plist pl;
    char *ok = nested_arrays(PLIST_MAX_DEPTH);
    assert_int_equal(parse_text(ok, &pl), ASSAY_OK);
    const struct plist_node *n = pl.root;
    for (int i = 0; i < PLIST_MAX_DEPTH; i++)
        n = plist_array_get(n, 0);
    assert_int_equal(n->type, PLIST_BOOL);
    plist_free(&pl);
    free(ok);
    char *deep = nested_arrays(PLIST_MAX_DEPTH + 1);
    expect_text_error(deep, ASSAY_ELIMIT);
    free(deep);
    deep = nested_arrays(100000); /* no stack overflow */
    expect_text_error(deep, ASSAY_ELIMIT);
    free(deep);

    /* more than PLIST_MAX_OBJECTS values */
    size_t count = PLIST_MAX_OBJECTS + 1;
    char *many = malloc(count * 7 + 32);
    assert_non_null(many);
    size_t k = 0;
    put_str(many, &k, "<array>");
    for (size_t i = 0; i < count; i++)
        put_str(many, &k, "<true/>");
    put_str(many, &k, "</array>");
    expect_text_error(many, ASSAY_ELIMIT);
    free(many);

    /* input larger than PLIST_MAX_INPUT */
    char *huge = calloc(PLIST_MAX_INPUT + 1, 1);
    assert_non_null(huge);
    expect_error(huge, PLIST_MAX_INPUT + 1, ASSAY_ELIMIT);
    free(huge);
}

static void xml_damage(void **state)
{
    (void)state;
    damage_everywhere((const uint8_t *)info_plist_xml, strlen(info_plist_xml));
}

/* ---- binary ------------------------------------------------------------------- */

/* {CFBundleIdentifier: "com.microsoft.wdav", CFBundleName: "Microsoft Defender ☺",
 *  Numbers: [7, 300, -5, 3.5, true, false, null, date, <data 01 02>, uid 9],
 *  Nested: {k: "v"}, Same: "com.microsoft.wdav" (shared object)} */
static void build_sample(struct bw *w)
{
    bw_init(w, 1);
    static const uint16_t name16[] = {'M', 'i', 'c', 'r', 'o', 's', 'o', 'f', 't', ' ', 'D', 'e',
                                      'f', 'e', 'n', 'd', 'e', 'r', ' ', 0x263A};
    size_t kid = bw_ascii(w, "CFBundleIdentifier");
    size_t vid = bw_ascii(w, "com.microsoft.wdav");
    size_t kname = bw_ascii(w, "CFBundleName");
    size_t vname = bw_utf16(w, name16, sizeof name16 / sizeof name16[0]);
    size_t knum = bw_ascii(w, "Numbers");
    size_t nums[10];
    nums[0] = bw_int(w, 7);
    nums[1] = bw_start(w);
    bw_byte(w, 0x11), bw_be(w, 300, 2);
    nums[2] = bw_int(w, -5);
    nums[3] = bw_start(w);
    double d = 3.5;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    bw_byte(w, 0x23), bw_be(w, bits, 8);
    nums[4] = bw_raw(w, "\x09", 1);
    nums[5] = bw_raw(w, "\x08", 1);
    nums[6] = bw_raw(w, "\x00", 1);
    nums[7] = bw_start(w);
    d = 86401.0;
    memcpy(&bits, &d, 8);
    bw_byte(w, 0x33), bw_be(w, bits, 8);
    nums[8] = bw_raw(w, "\x42\x01\x02", 3);
    nums[9] = bw_raw(w, "\x80\x09", 2);
    size_t vnum = bw_array(w, 10, nums);
    size_t knest = bw_ascii(w, "Nested");
    size_t kk = bw_ascii(w, "k"), vv = bw_ascii(w, "v");
    size_t vnest = bw_dict(w, 1, &kk, &vv);
    size_t ksame = bw_ascii(w, "Same");
    size_t keys[] = {kid, kname, knum, knest, ksame};
    size_t vals[] = {vid, vname, vnum, vnest, vid};
    size_t top = bw_dict(w, 5, keys, vals);
    bw_finish(w, top);
}

static void binary_sample(void **state)
{
    (void)state;
    struct bw w;
    build_sample(&w);
    struct plist pl;
    assert_int_equal(plist_parse(w.d, w.len, &pl), ASSAY_OK);
    assert_true(pl.binary);
    const struct plist_node *d = pl.root;
    assert_int_equal(d->type, PLIST_DICT);
    assert_int_equal(d->len, 5);
    assert_string_equal(plist_dict_string(d, "CFBundleIdentifier"), "com.microsoft.wdav");
    assert_string_equal(plist_dict_string(d, "CFBundleName"), "Microsoft Defender \xE2\x98\xBA");
    assert_ptr_equal(plist_dict_get(d, "Same"), plist_dict_get(d, "CFBundleIdentifier"));
    const struct plist_node *a = plist_dict_get(d, "Numbers");
    assert_int_equal(a->len, 10);
    int64_t v;
    assert_true(plist_integer(plist_array_get(a, 0), &v) && v == 7);
    assert_true(plist_integer(plist_array_get(a, 1), &v) && v == 300);
    assert_true(plist_integer(plist_array_get(a, 2), &v) && v == -5);
    assert_true(plist_array_get(a, 3)->type == PLIST_REAL && plist_array_get(a, 3)->v.real == 3.5);
    assert_true(plist_array_get(a, 4)->type == PLIST_BOOL && plist_array_get(a, 4)->v.boolean);
    assert_true(plist_array_get(a, 5)->type == PLIST_BOOL && !plist_array_get(a, 5)->v.boolean);
    assert_int_equal(plist_array_get(a, 6)->type, PLIST_NULL);
    assert_true(plist_array_get(a, 7)->type == PLIST_DATE && plist_array_get(a, 7)->v.real == 86401.0);
    assert_int_equal(plist_array_get(a, 8)->type, PLIST_DATA);
    assert_int_equal(plist_array_get(a, 8)->len, 2);
    assert_memory_equal(plist_array_get(a, 8)->v.data, "\x01\x02", 2);
    assert_int_equal(plist_array_get(a, 9)->type, PLIST_UID);
    assert_int_equal(plist_array_get(a, 9)->v.uid, 9);
    assert_string_equal(plist_dict_string(plist_dict_get(d, "Nested"), "k"), "v");
    plist_free(&pl);
    free(w.d);
}

static void binary_strings(void **state)
{
    (void)state;
    struct bw w;
    bw_init(&w, 1);
    static const uint16_t emoji[] = {'a', 0xD83D, 0xDE00, 'b'};       /* surrogate pair */
    static const uint16_t lone[] = {0xD83D, 'x', 0xDE00, 0x0416};     /* unpaired both ways */
    static const uint16_t trailing[] = {'y', 0xD83D};                 /* high surrogate at the end */
    size_t items[5];
    items[0] = bw_utf16(&w, emoji, 4);
    items[1] = bw_utf16(&w, lone, 4);
    items[2] = bw_utf16(&w, trailing, 2);
    items[3] = bw_raw(&w, "\x53" "a\x80z", 4); /* "ASCII" with a high byte */
    char longer[40];
    memset(longer, 'L', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    items[4] = bw_ascii(&w, longer); /* count in a following int object */
    size_t top = bw_array(&w, 5, items);
    bw_finish(&w, top);
    struct plist pl;
    assert_int_equal(plist_parse(w.d, w.len, &pl), ASSAY_OK);
    assert_string_equal(plist_string(plist_array_get(pl.root, 0)), "a\xF0\x9F\x98\x80" "b");
    assert_string_equal(plist_string(plist_array_get(pl.root, 1)), "\xEF\xBF\xBDx\xEF\xBF\xBD\xD0\x96");
    assert_string_equal(plist_string(plist_array_get(pl.root, 2)), "y\xEF\xBF\xBD");
    assert_string_equal(plist_string(plist_array_get(pl.root, 3)), "a\xEF\xBF\xBDz");
    assert_string_equal(plist_string(plist_array_get(pl.root, 4)), longer);
    plist_free(&pl);
    free(w.d);
}

/* A plist whose top object is the given raw bytes. */
static void single_object(struct bw *w, const void *bytes, size_t n)
{
    bw_init(w, 1);
    size_t top = bw_raw(w, bytes, n);
    bw_finish(w, top);
}

static void binary_integers(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        int64_t value;
        bool big;
    } ok[] = {
        {"\x10\xFF", 2, 255, false},
        {"\x11\xFF\xFF", 3, 65535, false},
        {"\x12\xFF\xFF\xFF\xFF", 5, 4294967295, false},
        {"\x13\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFE", 9, -2, false},
        {"\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x05", 17, 5, false},
        {"\x14\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFD", 17, -3, false},
        {"\x14\0\0\0\0\0\0\0\0\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 17, 0, true},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct bw w;
        single_object(&w, ok[i].bytes, ok[i].n);
        struct plist pl;
        assert_int_equal(plist_parse(w.d, w.len, &pl), ASSAY_OK);
        int64_t v = 0;
        if (ok[i].big) {
            assert_true(pl.root->big_unsigned && pl.root->v.uinteger == UINT64_MAX);
        } else {
            assert_true(plist_integer(pl.root, &v));
            assert_int_equal(v, ok[i].value);
        }
        plist_free(&pl);
        free(w.d);
    }
    static const struct {
        const char *bytes;
        size_t n;
    } bad[] = {
        {"\x14\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0\0", 17}, /* 2^64: does not fit */
        {"\x15\0", 2},                                  /* 32-byte integer */
        {"\x13\0\0", 3},                                /* truncated */
        {"\x24\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 17},   /* 16-byte real */
        {"\x32\0\0\0\0", 5},                            /* date that is not 8 bytes */
        {"\x88\0\0\0\0\0\0\0\0\0", 10},                 /* 9-byte uid */
        {"\x70", 1},                                    /* unknown marker */
        {"\x0F", 1},                                    /* fill byte */
        {"\x5F\x20\x01", 3},                            /* length marker not an int */
        {"\x5F\x14\0", 3},                              /* 16-byte length */
        {"\x5F\x13\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 10}, /* length runs past the end */
        {"\x45\x01\x02", 3},                            /* data runs past the end */
        {"\x63\0a", 3},                                 /* UTF-16 runs past the end */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct bw w;
        single_object(&w, bad[i].bytes, bad[i].n);
        struct plist pl;
        int rc = plist_parse(w.d, w.len, &pl);
        if (rc != ASSAY_EFORMAT)
            fail_msg("bad case %zu: got %d", i, rc);
        plist_free(&pl);
        free(w.d);
    }
}

static void binary_malformed(void **state)
{
    (void)state;
    struct bw w;
    build_sample(&w);
    assert_int_equal(TRAILER_OFFSET_SIZE(&w), 1);
    uint8_t *copy = malloc(w.len);
    assert_non_null(copy);
    size_t table = w.len - 32 - w.n; /* offsets are one byte each */
#define DAMAGED(stmt, code)                                                                                  \
    do {                                                                                                    \
        memcpy(copy, w.d, w.len);                                                                           \
        struct bw c = w;                                                                                    \
        c.d = copy;                                                                                         \
        (void)c;                                                                                            \
        stmt;                                                                                               \
        expect_error(copy, w.len, code);                                                                    \
    } while (0)
    DAMAGED(TRAILER_OFFSET_SIZE(&c) = 0, ASSAY_EFORMAT);
    DAMAGED(TRAILER_OFFSET_SIZE(&c) = 9, ASSAY_EFORMAT);
    DAMAGED(TRAILER_REF_SIZE(&c) = 0, ASSAY_EFORMAT);
    DAMAGED(bw_set_trailer(&c, TRAILER_COUNT, 0), ASSAY_EFORMAT);
    DAMAGED(bw_set_trailer(&c, TRAILER_COUNT, w.n + 1), ASSAY_EFORMAT); /* table runs into the trailer */
    DAMAGED(bw_set_trailer(&c, TRAILER_COUNT, UINT64_MAX), ASSAY_ELIMIT);
    DAMAGED(bw_set_trailer(&c, TRAILER_TOP, w.n), ASSAY_EFORMAT);
    DAMAGED(bw_set_trailer(&c, TRAILER_TOP, UINT64_MAX), ASSAY_EFORMAT);
    DAMAGED(bw_set_trailer(&c, TRAILER_TABLE, w.len), ASSAY_EFORMAT);
    DAMAGED(bw_set_trailer(&c, TRAILER_TABLE, UINT64_MAX - 3), ASSAY_EFORMAT);
    DAMAGED(bw_set_trailer(&c, TRAILER_TABLE, 3), ASSAY_EFORMAT);
    DAMAGED(copy[table + w.n - 1] = 2, ASSAY_EFORMAT);                  /* top object inside the header */
    DAMAGED(copy[table + w.n - 1] = (uint8_t)table, ASSAY_EFORMAT);     /* top object at the table */
    DAMAGED(copy[w.off[w.n - 1] + 1] = 0x7F, ASSAY_EFORMAT);           /* key ref out of range */
    DAMAGED(copy[w.off[w.n - 1] + 1] = 5, ASSAY_EFORMAT);              /* key is an integer */
#undef DAMAGED
    free(copy);
    free(w.d);

    static const char *const short_ones[] = {"bplist00", "bplist", "bplist01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"};
    expect_error(short_ones[0], 8, ASSAY_EFORMAT);
    expect_error(short_ones[1], 6, ASSAY_EFORMAT);
    expect_error(short_ones[2], 24, ASSAY_EFORMAT);
    uint8_t zeros[41] = "bplist00";
    expect_error(zeros, sizeof zeros, ASSAY_EFORMAT);
}

static void binary_dict_key_not_string(void **state)
{
    (void)state;
    struct bw w;
    bw_init(&w, 1);
    size_t k = bw_int(&w, 1), v = bw_ascii(&w, "v");
    size_t top = bw_dict(&w, 1, &k, &v);
    bw_finish(&w, top);
    expect_error(w.d, w.len, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "not a string"));
    free(w.d);
}

static void binary_cycles(void **state)
{
    (void)state;
    /* an array that contains itself */
    struct bw w;
    bw_init(&w, 1);
    size_t self = w.n;
    size_t top = bw_array(&w, 1, &self);
    bw_finish(&w, top);
    expect_error(w.d, w.len, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "cycle"));
    free(w.d);

    /* dict -> array -> dict */
    bw_init(&w, 1);
    size_t key = bw_ascii(&w, "k");
    size_t dict_at = w.n, array_at = w.n + 1;
    bw_dict(&w, 1, &key, &array_at);
    bw_array(&w, 1, &dict_at);
    bw_finish(&w, dict_at);
    expect_error(w.d, w.len, ASSAY_EFORMAT);
    free(w.d);

    /* sharing is not a cycle: 40 levels of [x, x] parse at once (each object once) */
    bw_init(&w, 1);
    size_t prev = bw_ascii(&w, "leaf");
    for (int i = 0; i < 40; i++) {
        size_t pair[2] = {prev, prev};
        prev = bw_array(&w, 2, pair);
    }
    bw_finish(&w, prev);
    struct plist pl;
    assert_int_equal(plist_parse(w.d, w.len, &pl), ASSAY_OK);
    const struct plist_node *n = pl.root;
    for (int i = 0; i < 40; i++) {
        assert_ptr_equal(plist_array_get(n, 0), plist_array_get(n, 1));
        n = plist_array_get(n, 1);
    }
    assert_string_equal(plist_string(n), "leaf");
    plist_free(&pl);
    free(w.d);
}

static void binary_limits(void **state)
{
    (void)state;
    for (int depth = PLIST_MAX_DEPTH; depth <= PLIST_MAX_DEPTH + 1; depth++) {
        struct bw w;
        bw_init(&w, 1);
        size_t prev = bw_raw(&w, "\x09", 1);
        for (int i = 0; i < depth; i++)
            prev = bw_array(&w, 1, &prev);
        bw_finish(&w, prev);
        struct plist pl;
        int rc = plist_parse(w.d, w.len, &pl);
        assert_int_equal(rc, depth == PLIST_MAX_DEPTH ? ASSAY_OK : ASSAY_ELIMIT);
        plist_free(&pl);
        free(w.d);
    }

    /* one array of PLIST_MAX_OBJECTS + 1 references (to one object) */
    struct bw w;
    bw_init(&w, 1);
    size_t leaf = bw_raw(&w, "\x09", 1);
    size_t top = bw_start(&w);
    bw_marker(&w, 0xA, PLIST_MAX_OBJECTS + 1);
    uint8_t *refs = calloc(PLIST_MAX_OBJECTS + 1, 1);
    assert_non_null(refs);
    memset(refs, (int)leaf, PLIST_MAX_OBJECTS + 1);
    bw_put(&w, refs, PLIST_MAX_OBJECTS + 1);
    free(refs);
    bw_finish(&w, top);
    expect_error(w.d, w.len, ASSAY_ELIMIT);
    /* one fewer is fine */
    w.len = 0;
    free(w.d);
    bw_init(&w, 1);
    leaf = bw_raw(&w, "\x09", 1);
    top = bw_start(&w);
    bw_marker(&w, 0xA, PLIST_MAX_OBJECTS);
    refs = calloc(PLIST_MAX_OBJECTS, 1);
    assert_non_null(refs);
    memset(refs, (int)leaf, PLIST_MAX_OBJECTS);
    bw_put(&w, refs, PLIST_MAX_OBJECTS);
    free(refs);
    bw_finish(&w, top);
    struct plist pl;
    assert_int_equal(plist_parse(w.d, w.len, &pl), ASSAY_OK);
    assert_int_equal(pl.root->len, PLIST_MAX_OBJECTS);
    plist_free(&pl);
    free(w.d);
}

/* Many offset-table entries pointing at one large string: each index is a
 * new object, so the bytes read are limited, not the objects. */
static void binary_aliased_strings(void **state)
{
    (void)state;
    size_t big = (size_t)1 << 20, aliases = PLIST_MAX_DECODED / big + 2;
    struct bw w;
    bw_init(&w, 2);
    uint8_t *text = malloc(big);
    assert_non_null(text);
    memset(text, 'x', big);
    size_t at = w.len;
    bw_marker(&w, 0x5, big);
    bw_put(&w, text, big);
    free(text);
    size_t array_at = w.len;
    bw_marker(&w, 0xA, aliases);
    for (size_t i = 0; i < aliases; i++)
        bw_be(&w, i, 2);
    /* offset table: `aliases` entries for the string, then the array */
    uint64_t table = w.len;
    for (size_t i = 0; i < aliases; i++)
        bw_be(&w, at, 4);
    bw_be(&w, array_at, 4);
    uint8_t pad[6] = {0};
    bw_put(&w, pad, 6);
    bw_byte(&w, 4);
    bw_byte(&w, 2);
    bw_be(&w, aliases + 1, 8);
    bw_be(&w, aliases, 8);
    bw_be(&w, table, 8);
    expect_error(w.d, w.len, ASSAY_ELIMIT);
    assert_non_null(strstr(assay_last_error(), "bytes of strings"));
    free(w.d);
}

static void binary_damage(void **state)
{
    (void)state;
    struct bw w;
    build_sample(&w);
    damage_everywhere(w.d, w.len);
    free(w.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_info_plist),
        cmocka_unit_test(xml_entities_cdata_utf8),
        cmocka_unit_test(xml_malformed),
        cmocka_unit_test(xml_limits),
        cmocka_unit_test(xml_damage),
        cmocka_unit_test(binary_sample),
        cmocka_unit_test(binary_strings),
        cmocka_unit_test(binary_integers),
        cmocka_unit_test(binary_malformed),
        cmocka_unit_test(binary_dict_key_not_string),
        cmocka_unit_test(binary_cycles),
        cmocka_unit_test(binary_limits),
        cmocka_unit_test(binary_aliased_strings),
        cmocka_unit_test(binary_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
