/* test_report.c — the JSON report functions of the public API
 * (assay_finding_json, assay_problem_json, assay_summary_json,
 * assay_status_name) against the schema in docs/json-output.md.
 *
 * Findings, evidence, problems and summaries are built by hand, rendered,
 * and parsed back with jansson: every documented field must be there with
 * the right type and value and no undocumented field may appear; each line
 * is one compact object; quotes, backslashes, control characters and
 * non-UTF-8 bytes in strings must still give valid JSON that keeps the
 * field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "assay.h"

/* ---- helpers ------------------------------------------------------------ */

/* Parse one rendered line: it must exist, be a single line, and be one
 * JSON object without duplicate keys. Frees the text. */
static json_t *parse_line(char *text)
{
    assert_non_null(text);
    assert_null(strchr(text, '\n'));
    assert_null(strchr(text, '\r'));
    json_error_t err;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &err);
    if (!o)
        fail_msg("invalid JSON (%s at %d): %s", err.text, err.position, text);
    assert_true(json_is_object(o));
    free(text);
    return o;
}

static const char *get_str(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        fail_msg("field \"%s\" missing", key);
    if (!json_is_string(v))
        fail_msg("field \"%s\" is not a string", key);
    return json_string_value(v);
}

static json_int_t get_int(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        fail_msg("field \"%s\" missing", key);
    if (!json_is_integer(v))
        fail_msg("field \"%s\" is not an integer", key);
    return json_integer_value(v);
}

static bool get_bool(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        fail_msg("field \"%s\" missing", key);
    if (!json_is_boolean(v))
        fail_msg("field \"%s\" is not a boolean", key);
    return json_is_true(v);
}

/* The object has exactly these keys (NULL-terminated). */
static void assert_keys(const json_t *o, const char *const *keys)
{
    size_t n = 0;
    for (; keys[n]; n++)
        if (!json_object_get(o, keys[n]))
            fail_msg("field \"%s\" missing", keys[n]);
    if (json_object_size(o) != n) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)o, k, v) {
            bool known = false;
            for (size_t i = 0; i < n; i++)
                known = known || strcmp(k, keys[i]) == 0;
            if (!known)
                fail_msg("unexpected field \"%s\"", k);
        }
    }
}

static void assert_prefix(const char *text, const char *prefix)
{
    if (strncmp(text, prefix, strlen(prefix)) != 0)
        fail_msg("\"%s\" does not start with \"%s\"", text, prefix);
}

static const char *const finding_keys[] = {"type", "path", "verdict", "rule", "source",
                                           "sha256", "size", "evidence", NULL};

static const char sha_a[] = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

static struct assay_finding base_finding(const struct assay_evidence *ev, size_t n)
{
    struct assay_finding f = {
        .path = "dir/a.zip!inner/eicar.com",
        .rule = "Eicar-Test-Signature",
        .source = "builtin:assay-default.ndb",
        .line = 1,
        .verdict = "malicious",
        .size = 68,
        .sha256 = sha_a,
        .evidence = ev,
        .evidence_count = n,
    };
    return f;
}

/* Render a finding and return its parsed object. */
static json_t *finding_obj(const struct assay_finding *f)
{
    char *s = assay_finding_json(f);
    assert_non_null(s);
    assert_prefix(s, "{\"type\":\"finding\"");
    return parse_line(s);
}

static json_t *only_evidence(json_t *o, size_t want_count, size_t index)
{
    json_t *ev = json_object_get(o, "evidence");
    assert_non_null(ev);
    assert_true(json_is_array(ev));
    assert_int_equal(json_array_size(ev), want_count);
    json_t *e = json_array_get(ev, index);
    assert_true(json_is_object(e));
    return e;
}

/* ---- findings ----------------------------------------------------------- */

static void finding_top_level_fields(void **state)
{
    (void)state;
    static const uint8_t bytes[] = "X5O!P%@AP";
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_BYTES, .offset = 0, .length = 9,
                                .bytes = bytes, .bytes_len = 9, .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    f.size = (uint64_t)1 << 40; /* past 32 bits */
    f.line = 123456;
    json_t *o = finding_obj(&f);
    assert_keys(o, finding_keys);
    assert_string_equal(get_str(o, "type"), "finding");
    assert_string_equal(get_str(o, "path"), "dir/a.zip!inner/eicar.com");
    assert_string_equal(get_str(o, "verdict"), "malicious");
    assert_string_equal(get_str(o, "rule"), "Eicar-Test-Signature");
    json_t *src = json_object_get(o, "source");
    assert_true(json_is_object(src));
    const char *const src_keys[] = {"file", "line", NULL};
    assert_keys(src, src_keys);
    assert_string_equal(get_str(src, "file"), "builtin:assay-default.ndb");
    assert_int_equal(get_int(src, "line"), 123456);
    assert_string_equal(get_str(o, "sha256"), sha_a);
    assert_int_equal(get_int(o, "size"), (json_int_t)1 << 40);
    only_evidence(o, 1, 0);
    json_decref(o);
}

static void finding_cvd_member_source_and_no_sha(void **state)
{
    (void)state;
    struct assay_finding f = base_finding(NULL, 0);
    f.source = "daily.cvd!daily.ndb";
    f.sha256 = NULL;
    json_t *o = finding_obj(&f);
    assert_keys(o, finding_keys);
    assert_string_equal(get_str(json_object_get(o, "source"), "file"), "daily.cvd!daily.ndb");
    /* Not hashed: the field stays, as a string. */
    assert_string_equal(get_str(o, "sha256"), "");
    json_t *ev = json_object_get(o, "evidence");
    assert_true(json_is_array(ev));
    assert_int_equal(json_array_size(ev), 0);
    json_decref(o);
}

static void evidence_bytes_plain(void **state)
{
    (void)state;
    /* Exactly bytes_len bytes on the heap, so reading past them is caught
     * under the sanitizers. */
    static const uint8_t src[] = {0x00, 0x01, 0xab, 0xff, 0x7f, 0x20, 'A', '~', 0x80, '\n', '"', '\\'};
    uint8_t *bytes = malloc(sizeof src);
    assert_non_null(bytes);
    memcpy(bytes, src, sizeof src);
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_BYTES, .offset = 4096, .length = sizeof src,
                                .bytes = bytes, .bytes_len = sizeof src, .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    json_t *o = finding_obj(&f);
    json_t *e = only_evidence(o, 1, 0);
    const char *const keys[] = {"kind", "strength", "offset", "length", "bytes_hex", "bytes_text", "truncated", NULL};
    assert_keys(e, keys);
    assert_string_equal(get_str(e, "kind"), "signature");
    assert_string_equal(get_str(e, "strength"), "strong");
    assert_int_equal(get_int(e, "offset"), 4096);
    assert_int_equal(get_int(e, "length"), sizeof src);
    assert_string_equal(get_str(e, "bytes_hex"), "0001abff7f20417e800a225c");
    /* Printable ASCII (space to '~') as itself, everything else as '.'. */
    assert_string_equal(get_str(e, "bytes_text"), "..... A~..\"\\");
    assert_false(get_bool(e, "truncated"));
    assert_null(json_object_get(e, "subsignature"));
    assert_null(json_object_get(e, "view"));
    json_decref(o);
    free(bytes);
}

static void evidence_bytes_subsignature_normalized(void **state)
{
    (void)state;
    static const uint8_t bytes[] = "eval(";
    struct assay_evidence ev[3] = {
        {.kind = ASSAY_EVIDENCE_BYTES, .offset = 10, .length = 5, .bytes = bytes, .bytes_len = 5,
         .subsignature = 0},
        {.kind = ASSAY_EVIDENCE_BYTES, .offset = 20, .length = 5, .bytes = bytes, .bytes_len = 5,
         .subsignature = 3, .normalized_text = true},
        {.kind = ASSAY_EVIDENCE_BYTES, .offset = 30, .length = 5, .bytes = bytes, .bytes_len = 5,
         .subsignature = -1, .normalized_text = true},
    };
    struct assay_finding f = base_finding(ev, 3);
    json_t *o = finding_obj(&f);

    json_t *e0 = only_evidence(o, 3, 0);
    const char *const k0[] = {"kind", "strength", "subsignature", "offset", "length",
                              "bytes_hex", "bytes_text", "truncated", NULL};
    assert_keys(e0, k0);
    assert_int_equal(get_int(e0, "subsignature"), 0);
    assert_int_equal(get_int(e0, "offset"), 10);
    assert_string_equal(get_str(e0, "bytes_hex"), "6576616c28");
    assert_string_equal(get_str(e0, "bytes_text"), "eval(");

    json_t *e1 = only_evidence(o, 3, 1);
    const char *const k1[] = {"kind", "strength", "subsignature", "view", "offset", "length",
                              "bytes_hex", "bytes_text", "truncated", NULL};
    assert_keys(e1, k1);
    assert_int_equal(get_int(e1, "subsignature"), 3);
    assert_string_equal(get_str(e1, "view"), "normalized-text");
    assert_int_equal(get_int(e1, "offset"), 20);

    json_t *e2 = only_evidence(o, 3, 2);
    const char *const k2[] = {"kind", "strength", "view", "offset", "length",
                              "bytes_hex", "bytes_text", "truncated", NULL};
    assert_keys(e2, k2);
    assert_string_equal(get_str(e2, "view"), "normalized-text");
    json_decref(o);
}

static void evidence_bytes_truncated(void **state)
{
    (void)state;
    /* A 1000-byte match shown as its first 256 bytes. */
    uint8_t *bytes = malloc(256);
    assert_non_null(bytes);
    for (size_t i = 0; i < 256; i++)
        bytes[i] = (uint8_t)i;
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_BYTES, .offset = (uint64_t)5 << 32, .length = 1000,
                                .bytes = bytes, .bytes_len = 256, .bytes_truncated = true,
                                .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    json_t *o = finding_obj(&f);
    json_t *e = only_evidence(o, 1, 0);
    assert_int_equal(get_int(e, "offset"), (json_int_t)5 << 32);
    assert_int_equal(get_int(e, "length"), 1000);
    assert_true(get_bool(e, "truncated"));
    const char *hex = get_str(e, "bytes_hex");
    const char *txt = get_str(e, "bytes_text");
    assert_int_equal(strlen(hex), 512);
    assert_int_equal(strlen(txt), 256);
    for (size_t i = 0; i < 256; i++) {
        char want[3];
        snprintf(want, sizeof want, "%02x", (unsigned)i);
        assert_memory_equal(hex + 2 * i, want, 2);
        char c = (i >= 0x20 && i < 0x7f) ? (char)i : '.';
        assert_int_equal(txt[i], c);
    }
    json_decref(o);
    free(bytes);
}

static void evidence_bytes_empty(void **state)
{
    (void)state;
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_BYTES, .offset = 0, .length = 0,
                                .bytes = NULL, .bytes_len = 0, .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    json_t *o = finding_obj(&f);
    json_t *e = only_evidence(o, 1, 0);
    assert_string_equal(get_str(e, "bytes_hex"), "");
    assert_string_equal(get_str(e, "bytes_text"), "");
    json_decref(o);
}

static void evidence_hash(void **state)
{
    (void)state;
    struct assay_evidence ev[2] = {
        {.kind = ASSAY_EVIDENCE_HASH, .hash_kind = "sha256", .hash_hex = sha_a, .hash_scope = "file",
         .hashed_offset = 0, .hashed_size = 544, .subsignature = -1},
        {.kind = ASSAY_EVIDENCE_HASH, .hash_kind = "md5", .hash_hex = "aa15bcf478d165efd2065190eb473bcb",
         .hash_scope = "pe-section", .hashed_offset = 0x400, .hashed_size = 0x200, .subsignature = -1},
    };
    struct assay_finding f = base_finding(ev, 2);
    json_t *o = finding_obj(&f);
    const char *const keys[] = {"kind", "strength", "algorithm", "value", "scope", "offset", "size", NULL};

    json_t *e0 = only_evidence(o, 2, 0);
    assert_keys(e0, keys);
    assert_string_equal(get_str(e0, "kind"), "hash");
    assert_string_equal(get_str(e0, "strength"), "strong");
    assert_string_equal(get_str(e0, "algorithm"), "sha256");
    assert_string_equal(get_str(e0, "value"), sha_a);
    assert_string_equal(get_str(e0, "scope"), "file");
    assert_int_equal(get_int(e0, "offset"), 0);
    assert_int_equal(get_int(e0, "size"), 544);

    json_t *e1 = only_evidence(o, 2, 1);
    assert_keys(e1, keys);
    assert_string_equal(get_str(e1, "algorithm"), "md5");
    assert_string_equal(get_str(e1, "value"), "aa15bcf478d165efd2065190eb473bcb");
    assert_string_equal(get_str(e1, "scope"), "pe-section");
    assert_int_equal(get_int(e1, "offset"), 0x400);
    assert_int_equal(get_int(e1, "size"), 0x200);
    json_decref(o);
}

static void evidence_filename(void **state)
{
    (void)state;
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_FILENAME, .pattern = "\\\\Temp\\\\[a-z]{8}\\.exe$",
                                .score = 75, .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    f.rule = ev.pattern; /* for filename IOCs the rule is the regex */
    json_t *o = finding_obj(&f);
    assert_string_equal(get_str(o, "rule"), "\\\\Temp\\\\[a-z]{8}\\.exe$");
    json_t *e = only_evidence(o, 1, 0);
    const char *const keys[] = {"kind", "strength", "pattern", "score", NULL};
    assert_keys(e, keys);
    assert_string_equal(get_str(e, "kind"), "filename");
    assert_string_equal(get_str(e, "strength"), "weak");
    assert_string_equal(get_str(e, "pattern"), "\\\\Temp\\\\[a-z]{8}\\.exe$");
    assert_int_equal(get_int(e, "score"), 75);
    json_decref(o);
}

static void evidence_mixed_order_kept(void **state)
{
    (void)state;
    static const uint8_t b[] = "MZ";
    struct assay_evidence ev[3] = {
        {.kind = ASSAY_EVIDENCE_FILENAME, .pattern = "x", .score = 60, .subsignature = -1},
        {.kind = ASSAY_EVIDENCE_BYTES, .bytes = b, .bytes_len = 2, .length = 2, .subsignature = 1},
        {.kind = ASSAY_EVIDENCE_HASH, .hash_kind = "sha1", .hash_hex = "da39a3ee5e6b4b0d3255bfef95601890afd80709",
         .hash_scope = "file", .subsignature = -1},
    };
    struct assay_finding f = base_finding(ev, 3);
    json_t *o = finding_obj(&f);
    assert_string_equal(get_str(only_evidence(o, 3, 0), "kind"), "filename");
    assert_string_equal(get_str(only_evidence(o, 3, 1), "kind"), "signature");
    assert_string_equal(get_str(only_evidence(o, 3, 2), "kind"), "hash");
    assert_string_equal(get_str(only_evidence(o, 3, 2), "algorithm"), "sha1");
    json_decref(o);
}

/* ---- awkward strings ---------------------------------------------------- */

static const char nasty[] = "dir/\"quoted\" \\back\\slash\ttab\nnewline\r\x01\x1f\x7f end/é✓🦠";

static void special_characters_round_trip(void **state)
{
    (void)state;
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_FILENAME, .pattern = nasty, .score = 80,
                                .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    f.path = nasty;
    f.rule = "Rule\"with\\quotes";
    f.source = "/db/my \"sigs\".ndb";
    char *s = assay_finding_json(&f);
    assert_non_null(s);
    assert_null(strchr(s, '\t'));
    assert_null(strchr(s, '\x01'));
    json_t *o = parse_line(s);
    assert_string_equal(get_str(o, "path"), nasty);
    assert_string_equal(get_str(o, "rule"), "Rule\"with\\quotes");
    assert_string_equal(get_str(json_object_get(o, "source"), "file"), "/db/my \"sigs\".ndb");
    assert_string_equal(get_str(only_evidence(o, 1, 0), "pattern"), nasty);
    json_decref(o);

    struct assay_problem p = {.path = nasty, .code = ASSAY_EIO, .reason = "cannot open: \"x\"\n"};
    o = parse_line(assay_problem_json(&p));
    assert_string_equal(get_str(o, "path"), nasty);
    assert_string_equal(get_str(o, "reason"), "cannot open: \"x\"\n");
    json_decref(o);
}

/* Paths on Linux are bytes, not UTF-8 (a Latin-1 file name is common on old
 * disks and in archives). The report must stay valid JSON and must keep the
 * field: a finding without its path cannot be acted on or re-verified. */
static const char bad_utf8[] = "dir/caf\xe9/\xff\xfe" "evil.exe";

static void invalid_utf8_finding_path(void **state)
{
    (void)state;
    struct assay_finding f = base_finding(NULL, 0);
    f.path = bad_utf8;
    char *s = assay_finding_json(&f);
    assert_non_null(s);
    json_t *o = parse_line(s);
    json_t *path = json_object_get(o, "path");
    if (!path)
        fail_msg("finding with a non-UTF-8 path: \"path\" field dropped from the report");
    assert_true(json_is_string(path));
    /* Bad bytes become U+FFFD; the exact bytes ride along as "path_hex". */
    assert_string_equal(json_string_value(path), "dir/caf\xef\xbf\xbd/\xef\xbf\xbd\xef\xbf\xbd" "evil.exe");
    assert_string_equal(get_str(o, "path_hex"), "6469722f636166e92ffffe6576696c2e657865");
    json_object_del(o, "path_hex");
    assert_keys(o, finding_keys);
    json_decref(o);
}

static void invalid_utf8_finding_rule_source_pattern(void **state)
{
    (void)state;
    struct assay_evidence ev = {.kind = ASSAY_EVIDENCE_FILENAME, .pattern = "\\\\x\xe9.exe$", .score = 70,
                                .subsignature = -1};
    struct assay_finding f = base_finding(&ev, 1);
    f.rule = "Win.Trojan.\xc3(";
    f.source = "/var/lib/sigs/\xa0.ndb";
    json_t *o = parse_line(assay_finding_json(&f));
    if (!json_object_get(o, "rule"))
        fail_msg("rule with invalid UTF-8: \"rule\" field dropped");
    if (!json_object_get(json_object_get(o, "source"), "file"))
        fail_msg("source with invalid UTF-8: \"source.file\" field dropped");
    if (!json_object_get(only_evidence(o, 1, 0), "pattern"))
        fail_msg("pattern with invalid UTF-8: \"pattern\" field dropped");
    json_decref(o);
}

static void invalid_utf8_problem_path(void **state)
{
    (void)state;
    struct assay_problem p = {.path = bad_utf8, .code = ASSAY_EIO, .reason = "cannot open: Permission denied"};
    char *s = assay_problem_json(&p);
    assert_non_null(s);
    json_t *o = parse_line(s);
    if (!json_object_get(o, "path"))
        fail_msg("problem with a non-UTF-8 path: \"path\" field dropped from the report");
    assert_string_equal(get_str(o, "path_hex"), "6469722f636166e92ffffe6576696c2e657865");
    const char *const keys[] = {"type", "path", "path_hex", "code", "reason", NULL};
    assert_keys(o, keys);
    json_decref(o);
}

/* ---- problems ----------------------------------------------------------- */

static void problem_fields(void **state)
{
    (void)state;
    struct assay_problem p = {.path = "/srv/x.zip", .code = ASSAY_ELIMIT,
                              .reason = "archive member limit (100000) reached"};
    char *s = assay_problem_json(&p);
    assert_non_null(s);
    assert_prefix(s, "{\"type\":\"error\"");
    json_t *o = parse_line(s);
    const char *const keys[] = {"type", "path", "code", "reason", NULL};
    assert_keys(o, keys);
    assert_string_equal(get_str(o, "type"), "error");
    assert_string_equal(get_str(o, "path"), "/srv/x.zip");
    assert_string_equal(get_str(o, "code"), "ELIMIT");
    assert_string_equal(get_str(o, "reason"), "archive member limit (100000) reached");
    json_decref(o);

    const int codes[] = {ASSAY_EIO, ASSAY_EFORMAT, ASSAY_ENOMEM, ASSAY_EENGINE};
    const char *const names[] = {"EIO", "EFORMAT", "ENOMEM", "EENGINE"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        p.code = codes[i];
        o = parse_line(assay_problem_json(&p));
        assert_string_equal(get_str(o, "code"), names[i]);
        json_decref(o);
    }
}

/* ---- summary ------------------------------------------------------------ */

static void summary_fields(void **state)
{
    (void)state;
    struct assay_scan_summary s = {.files = 72, .bytes = 6592512, .findings = 14, .errors = 2,
                                   .skipped = 3, .infected_files = 13, .seconds = 0.25};
    char *text = assay_summary_json(&s);
    assert_non_null(text);
    assert_prefix(text, "{\"type\":\"summary\"");
    json_t *o = parse_line(text);
    const char *const keys[] = {"type", "files", "bytes", "findings", "infected_files",
                                "errors", "skipped", "seconds", NULL};
    assert_keys(o, keys);
    assert_string_equal(get_str(o, "type"), "summary");
    assert_int_equal(get_int(o, "files"), 72);
    assert_int_equal(get_int(o, "bytes"), 6592512);
    assert_int_equal(get_int(o, "findings"), 14);
    assert_int_equal(get_int(o, "infected_files"), 13);
    assert_int_equal(get_int(o, "errors"), 2);
    assert_int_equal(get_int(o, "skipped"), 3);
    json_t *sec = json_object_get(o, "seconds");
    assert_true(json_is_number(sec));
    assert_true(json_number_value(sec) > 0.2499 && json_number_value(sec) < 0.2501);
    json_decref(o);
}

static void summary_zero_and_large(void **state)
{
    (void)state;
    struct assay_scan_summary z = {0};
    json_t *o = parse_line(assay_summary_json(&z));
    assert_int_equal(get_int(o, "files"), 0);
    assert_int_equal(get_int(o, "skipped"), 0);
    assert_true(json_is_number(json_object_get(o, "seconds")));
    assert_true(json_number_value(json_object_get(o, "seconds")) == 0.0);
    json_decref(o);

    struct assay_scan_summary big = {.files = (uint64_t)3 << 40, .bytes = (uint64_t)1 << 62, .seconds = 86400.5};
    o = parse_line(assay_summary_json(&big));
    assert_int_equal(get_int(o, "files"), (json_int_t)3 << 40);
    assert_int_equal(get_int(o, "bytes"), (json_int_t)1 << 62);
    assert_true(json_number_value(json_object_get(o, "seconds")) == 86400.5);
    json_decref(o);
}

/* ---- status names ------------------------------------------------------- */

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(assay_status_name(ASSAY_OK), "OK");
    assert_string_equal(assay_status_name(ASSAY_ENOMEM), "ENOMEM");
    assert_string_equal(assay_status_name(ASSAY_EIO), "EIO");
    assert_string_equal(assay_status_name(ASSAY_ESYNTAX), "ESYNTAX");
    assert_string_equal(assay_status_name(ASSAY_EFORMAT), "EFORMAT");
    assert_string_equal(assay_status_name(ASSAY_ELIMIT), "ELIMIT");
    assert_string_equal(assay_status_name(ASSAY_EINVAL), "EINVAL");
    assert_string_equal(assay_status_name(ASSAY_EENGINE), "EENGINE");
    assert_string_equal(assay_status_name(ASSAY_EEMPTY), "EEMPTY");
    assert_string_equal(assay_status_name(ASSAY_ENOTFOUND), "ENOTFOUND");
    /* Anything else still gets a name, never NULL. */
    assert_non_null(assay_status_name(1));
    assert_non_null(assay_status_name(-10));
    assert_non_null(assay_status_name(-1000));
    assert_string_equal(assay_status_name(-10), assay_status_name(1));
    /* Every code's name is distinct. */
    const int all[] = {ASSAY_OK, ASSAY_ENOMEM, ASSAY_EIO, ASSAY_ESYNTAX, ASSAY_EFORMAT,
                       ASSAY_ELIMIT, ASSAY_EINVAL, ASSAY_EENGINE, ASSAY_EEMPTY, ASSAY_ENOTFOUND, -10};
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(assay_status_name(all[i]), assay_status_name(all[j]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(finding_top_level_fields),
        cmocka_unit_test(finding_cvd_member_source_and_no_sha),
        cmocka_unit_test(evidence_bytes_plain),
        cmocka_unit_test(evidence_bytes_subsignature_normalized),
        cmocka_unit_test(evidence_bytes_truncated),
        cmocka_unit_test(evidence_bytes_empty),
        cmocka_unit_test(evidence_hash),
        cmocka_unit_test(evidence_filename),
        cmocka_unit_test(evidence_mixed_order_kept),
        cmocka_unit_test(special_characters_round_trip),
        cmocka_unit_test(invalid_utf8_finding_path),
        cmocka_unit_test(invalid_utf8_finding_rule_source_pattern),
        cmocka_unit_test(invalid_utf8_problem_path),
        cmocka_unit_test(problem_fields),
        cmocka_unit_test(summary_fields),
        cmocka_unit_test(summary_zero_and_large),
        cmocka_unit_test(status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
