/* test_yara_parse.c — unit tests of the YARA front end (lib/yara/lexer*,
 * parser*, ast*): AST shape of each construct, error codes and positions,
 * YARA's own test cases ($ASSAY_SHARED/yara-tests/cases.json) and the public
 * rule collections under $ASSAY_SHARED/rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "yara/parser.h"

/* ---- helpers ------------------------------------------------------------ */

static struct yara_file *parse_ok(const char *text)
{
    struct yara_file *f = NULL;
    struct yara_diag d;
    int rc = yara_parse("t.yar", text, strlen(text), NULL, &f, &d);
    if (rc != 0)
        fail_msg("unexpected error: %s\nin: %s", d.message, text);
    return f;
}

/* The S-expression of the condition of the last rule of `text`. */
static char *cond(const char *text)
{
    static char out[4096];
    struct yara_file *f = parse_ok(text);
    struct util_buf b = {0};
    assert_int_equal(yara_expr_dump(f->rules[f->rule_count - 1]->condition, &b), 0);
    util_buf_append_byte(&b, 0);
    snprintf(out, sizeof out, "%s", (char *)b.data);
    util_buf_free(&b);
    yara_file_free(f);
    return out;
}

static void check_cond(const char *condition, const char *expected)
{
    char text[2048];
    snprintf(text, sizeof text, "rule r { strings: $a = \"a\" $b = \"b\" $c1 = \"c\" condition: (%s) and any of them }",
             condition);
    char *got = cond(text);
    char want[1024];
    snprintf(want, sizeof want, "(and %s (of any them))", expected);
    if (strcmp(got, want) != 0)
        fail_msg("condition %s\n  got  %s\n  want %s", condition, got, want);
}

/* Parsing must fail with `code` and a message starting "t.yar:<where>: ". */
static void check_error(const char *text, enum yara_error_code code, const char *where)
{
    struct yara_file *f = NULL;
    struct yara_diag d;
    int rc = yara_parse("t.yar", text, strlen(text), NULL, &f, &d);
    if (rc == 0) {
        yara_file_free(f);
        fail_msg("parsed but should fail with %s: %s", yara_error_name(code), text);
    }
    if (d.code != code)
        fail_msg("%s: got %s (%s), want %s", text, yara_error_name(d.code), d.message, yara_error_name(code));
    if (where != NULL) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "t.yar:%s: ", where);
        if (strncmp(d.message, prefix, strlen(prefix)) != 0)
            fail_msg("message \"%s\" does not start with \"%s\"", d.message, prefix);
    }
}

/* ---- (a) constructs ---------------------------------------------------- */

static void test_file_structure(void **state)
{
    (void)state;
    struct yara_file *f = parse_ok(
        "import \"pe\"\n// comment\n/* block\n comment */\n"
        "private global rule a : t1 t2 {\n meta:\n  s = \"x\\ty\" i = -5 b = true\n"
        " strings:\n  $a = \"ab\\x41\\\"\\\\\\n\" nocase wide ascii fullword private\n"
        "  $b = { 4D 5A ?? ?A A? [2] [2-4] [2-] (AA | BB CC) ~AA ~?A [-] 00 }\n"
        "  $c = /ab+c\\/d/is\n"
        " condition:\n  all of them\n}\n"
        "rule b { condition: a }\n");
    assert_int_equal(f->import_count, 1);
    assert_string_equal(f->imports[0].module, "pe");
    assert_int_equal(f->rule_count, 2);
    const struct yara_rule *r = f->rules[0];
    assert_string_equal(r->name, "a");
    assert_int_equal(r->flags, YARA_RULE_PRIVATE | YARA_RULE_GLOBAL);
    assert_int_equal(r->pos.line, 5);
    assert_int_equal(r->tag_count, 2);
    assert_string_equal(r->tags[1], "t2");
    assert_int_equal(r->meta_count, 3);
    assert_int_equal(r->metas[0].kind, YARA_META_STRING);
    assert_memory_equal(r->metas[0].str, "x\ty", 4);
    assert_int_equal(r->metas[1].integer, -5);
    assert_int_equal(r->metas[2].kind, YARA_META_BOOL);
    assert_int_equal(r->string_count, 3);
    const struct yara_string *s = &r->strings[0];
    assert_string_equal(s->name, "$a");
    assert_int_equal(s->text_len, 6);
    assert_memory_equal(s->text, "abA\"\\\n", 6);
    assert_int_equal(s->modifiers, YARA_MOD_NOCASE | YARA_MOD_WIDE | YARA_MOD_ASCII | YARA_MOD_FULLWORD |
                                       YARA_MOD_PRIVATE);
    const struct yara_hex_seq *h = &r->strings[1].hex;
    assert_int_equal(h->count, 13);
    assert_int_equal(h->tokens[0].value, 0x4D);
    assert_int_equal(h->tokens[0].mask, 0xFF);
    assert_int_equal(h->tokens[2].mask, 0x00);
    assert_int_equal(h->tokens[3].value, 0x0A);
    assert_int_equal(h->tokens[3].mask, 0x0F);
    assert_int_equal(h->tokens[4].value, 0xA0);
    assert_int_equal(h->tokens[4].mask, 0xF0);
    assert_int_equal(h->tokens[5].kind, YARA_HEX_JUMP);
    assert_int_equal(h->tokens[5].jump_min, 2);
    assert_int_equal(h->tokens[5].jump_max, 2);
    assert_int_equal(h->tokens[6].jump_max, 4);
    assert_int_equal(h->tokens[7].jump_max, -1);
    assert_int_equal(h->tokens[8].kind, YARA_HEX_ALT);
    assert_int_equal(h->tokens[8].alt_count, 2);
    assert_int_equal(h->tokens[8].alts[1].count, 2);
    assert_true(h->tokens[9].negated);
    assert_true(h->tokens[10].negated);
    assert_int_equal(h->tokens[10].mask, 0x0F);
    assert_int_equal(h->tokens[11].jump_min, 0);
    assert_int_equal(h->tokens[11].jump_max, -1);
    assert_int_equal(r->strings[2].kind, YARA_STR_REGEX);
    assert_string_equal((const char *)r->strings[2].text, "ab+c/d");
    assert_int_equal(r->strings[2].regex_flags, YARA_RE_NOCASE | YARA_RE_DOTALL);
    yara_file_free(f);
}

static void test_modifiers(void **state)
{
    (void)state;
    struct yara_file *f = parse_ok("rule r { strings: $a = \"x\" xor $b = \"y\" xor(3) $c = \"z\" xor(1-9)"
                                   " $d = \"w\" base64 $e = \"v\" base64wide(\"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\")"
                                   " condition: any of them }");
    const struct yara_string *s = f->rules[0]->strings;
    assert_int_equal(s[0].xor_min, 0);
    assert_int_equal(s[0].xor_max, 255);
    assert_int_equal(s[1].xor_min, 3);
    assert_int_equal(s[1].xor_max, 3);
    assert_int_equal(s[2].xor_min, 1);
    assert_int_equal(s[2].xor_max, 9);
    assert_int_equal(s[3].modifiers, YARA_MOD_BASE64);
    assert_null(s[3].base64_alphabet);
    assert_int_equal(strlen(s[4].base64_alphabet), 64);
    yara_file_free(f);
}

static void test_precedence(void **state)
{
    (void)state;
    check_cond("$a or $b and not $c1", "(or $a (and $b (not $c1)))");
    check_cond("filesize + 2 * 3 > 10 - 4 \\ 2 % 3", "(> (+ filesize 6) 8)");
    check_cond("filesize & 0xF0 | 1 ^ 2 << 1 == 3", "(== (| (& filesize 240) 5) 3)");
    check_cond("-filesize < ~entrypoint", "(< (- filesize) (~ entrypoint))");
    /* YARA negates INT64_MIN to itself (no overflow error), and the product
     * is checked by magnitude: INT64_MIN * 1 overflows */
    check_cond("filesize != -(1 << 63)", "(!= filesize -9223372036854775808)");
    check_cond("filesize < 1KB and filesize < 2MB and 0o17 == 15 and 1.5 > 1.25",
               "(and (and (and (< filesize 1024) (< filesize 2097152)) (== 15 15)) (> 1.5 1.25))");
    check_cond("not defined filesize", "(not (defined filesize))");
    check_cond("(true or false) and \"a\" == \"b\"", "(and (or true false) (== \"a\" \"b\"))");
}

static void test_string_operators(void **state)
{
    (void)state;
    check_cond("x contains \"a\" or x icontains \"b\" or x startswith \"c\" or x istartswith \"d\"",
               "(or (or (or (contains x \"a\") (icontains x \"b\")) (startswith x \"c\")) (istartswith x \"d\"))");
    check_cond("x endswith \"a\" or x iendswith \"b\" or x iequals \"c\" or x matches /a.c/i",
               "(or (or (or (endswith x \"a\") (iendswith x \"b\")) (iequals x \"c\")) (matches x /a.c/i))");
}

static void test_string_references(void **state)
{
    (void)state;
    check_cond("$a at 100 and $b in (0..filesize)", "(and (at $a 100) (in $b (.. 0 filesize)))");
    check_cond("#a == 2 and #b in (0..10) > 0", "(and (== #a 2) (> (#b (.. 0 10)) 0))");
    check_cond("@a[1] < @b and !a[2] == !b", "(and (< (@a 1) @b) (== (!a 2) !b))");
    check_cond("uint32be(@a[1]) == 0x4D5A and int8(0) == 1", "(and (== (uint32be (@a 1)) 19802) (== (int8 0) 1))");
}

static void test_of(void **state)
{
    (void)state;
    check_cond("any of them", "(of any them)");
    check_cond("none of ($a*, $b)", "(of none (set $a* $b))");
    check_cond("2 of ($a, $b) at 0", "(of 2 (set $a $b) at 0)");
    check_cond("1 + 1 of them in (0..100)", "(of 2 them in (.. 0 100))");
    check_cond("50% of them", "(of (% 50) them)");
    check_cond("filesize % 2 of them", "(of (% filesize 2) them)");
    check_cond("any of (true, filesize > 0)", "(of any (set true (> filesize 0)))");
    assert_string_equal(cond("rule r1 { condition: true } rule r2 { condition: true }"
                             " rule x { condition: any of (r1, r*) }"),
                        "(of any (rules r1 r*))");
}

static void test_for(void **state)
{
    (void)state;
    check_cond("for any of ($a*) : ($ at 0 and # > 1 and @ > 0 and ! == 1)",
               "(for any of (set $a*) (and (and (and (at $ 0) (> # 1)) (> @ 0)) (== ! 1)))");
    check_cond("for all i in (1..#a) : (@a[i] > 10)", "(for all i in (.. 1 #a) (> (@a i) 10))");
    check_cond("for 2 i in (1, 2, 3) : (i > 1)", "(for 2 i in (list 1 2 3) (> i 1))");
    check_cond("for none k, v in pe.version_info : (k == \"x\")",
               "(for none k v in (. pe version_info) (== k \"x\"))");
    check_cond("for 10% of them : ($)", "(for (% 10) of them $)");
}

static void test_identifiers(void **state)
{
    (void)state;
    check_cond("pe.sections[0].name == \".text\" and pe.exports(\"x\") and math.entropy(0, filesize) > 7.5",
               "(and (and (== (. ([] (. pe sections) 0) name) \".text\") (call (. pe exports) \"x\")) "
               "(> (call (. math entropy) 0 filesize) 7.5))");
}

static void test_errors(void **state)
{
    (void)state;
    check_error("rule a {\n condition:\n  true and foo bar\n}", YARA_ERR_SYNTAX, "3:16");
    check_error("rule a { condition: 9223372036854775808 > 0 }", YARA_ERR_SYNTAX, "1:21");
    check_error("rule a { condition: true }\nrule a { condition: true }", YARA_ERR_DUPLICATED_IDENTIFIER, "2:6");
    check_error("rule a { strings: $a = \"x\" $a = \"y\" condition: $a }", YARA_ERR_DUPLICATED_STRING_IDENTIFIER,
                "1:28");
    check_error("rule a { strings: $a = \"x\" condition: $b }", YARA_ERR_UNDEFINED_STRING, "1:39");
    check_error("rule a { strings: $a = \"x\"\n $b = \"y\" condition: $a }", YARA_ERR_UNREFERENCED_STRING, "2:2");
    check_error("rule a { strings: $a = { 01 [-] } condition: $a }", YARA_ERR_INVALID_HEX_STRING, NULL);
    check_error("rule a { strings: $a = { 01 (02 [-] 03 | 04) 05 } condition: $a }", YARA_ERR_INVALID_HEX_STRING,
                NULL);
    check_error("rule a { strings: $a = { 01 0 } condition: $a }", YARA_ERR_INVALID_HEX_STRING, NULL);
    check_error("rule a { condition: 0x7FFFFFFFFFFFFFFF + 1 > 0 }", YARA_ERR_INTEGER_OVERFLOW, NULL);
    check_error("rule a { condition: -(1 << 63) * 1 > 0 }", YARA_ERR_INTEGER_OVERFLOW, NULL);
    check_error("rule a { strings: $a = \"x\" xor nocase condition: $a }", YARA_ERR_INVALID_MODIFIER, NULL);
    check_error("rule a { strings: $a = \"x\" wide wide condition: $a }", YARA_ERR_DUPLICATED_MODIFIER, NULL);
    check_error("rule a { condition: $ }", YARA_ERR_MISPLACED_ANONYMOUS_STRING, NULL);
    check_error("rule a { condition: \"abc }", YARA_ERR_SYNTAX, "1:21");
    check_error("rule a { condition: true } /* open", YARA_ERR_SYNTAX, "1:28");
    check_error("include \"x.yar\"", YARA_ERR_INCLUDES_DISABLED, "1:1");
}

/* With `recover` the parser goes on at the next rule after an error (YARA's
 * `rules error rule`), keeps the rules that parsed and records each error
 * with the number of rules before it. */
static struct yara_file *parse_recovering(const char *text, struct yara_diag *d)
{
    struct yara_parse_options o = {.recover = true};
    struct yara_file *f = NULL;
    assert_int_equal(yara_parse("t.yar", text, strlen(text), &o, &f, d), 0);
    return f;
}

static void test_recovery(void **state)
{
    (void)state;
    struct yara_diag d;
    struct yara_file *f = parse_recovering("rule a { condition: true }\n"
                                           "rule b { condition: true and }\n"
                                           "rule c { condition: ) }\n"
                                           "import \"pe\" garbage\n"
                                           "rule d { condition: true }\n",
                                           &d);
    assert_int_equal(f->rule_count, 2);
    assert_string_equal(f->rules[0]->name, "a");
    assert_string_equal(f->rules[1]->name, "d");
    assert_int_equal(f->error_count, 3);
    assert_string_equal(f->errors[0].rule, "b");
    assert_int_equal(f->errors[0].rules_before, 1);
    assert_int_equal(f->errors[0].diag.pos.line, 2);
    assert_string_equal(f->errors[1].rule, "c");
    assert_int_equal(f->errors[2].diag.pos.line, 4); /* after the import, not in a rule */
    assert_null(f->errors[2].rule);
    assert_int_equal(f->errors[2].rules_before, 1);
    assert_int_equal(d.pos.line, 4); /* *diag: the last error */
    yara_file_free(f);

    /* YARA declares a rule before its body: a later rule of that name is a duplicate */
    f = parse_recovering("rule test rule test { condition: true }", &d);
    assert_int_equal(f->rule_count, 0);
    assert_int_equal(f->error_count, 2);
    assert_int_equal(f->errors[0].diag.code, YARA_ERR_SYNTAX);
    assert_int_equal(f->errors[1].diag.code, YARA_ERR_DUPLICATED_IDENTIFIER);
    assert_int_equal(d.code, YARA_ERR_DUPLICATED_IDENTIFIER);
    yara_file_free(f);

    /* garbage before any rule, an error at the end of the text */
    f = parse_recovering("} } rule a { condition: true } rule b { condition:", &d);
    assert_int_equal(f->rule_count, 1);
    assert_int_equal(f->error_count, 2);
    assert_int_equal(f->errors[0].rules_before, 0);
    assert_int_equal(f->errors[1].rules_before, 1);
    yara_file_free(f);

    /* no going on after an error of the lexer or without `recover` */
    struct yara_parse_options o = {.recover = true};
    const char *unterminated = "rule a { condition: \"abc }\nrule b { condition: true }";
    assert_int_not_equal(yara_parse("t.yar", unterminated, strlen(unterminated), &o, &f, &d), 0);
    check_error("rule a { condition: ) }\nrule b { condition: true }", YARA_ERR_SYNTAX, "1:21");
}

static void test_depth_limit(void **state)
{
    (void)state;
    size_t n = 100000;
    char *text = malloc(n * 2 + 64);
    strcpy(text, "rule a { condition: ");
    size_t off = strlen(text);
    for (size_t i = 0; i < n; i++)
        text[off++] = '(';
    text[off++] = '1';
    for (size_t i = 0; i < n; i++)
        text[off++] = ')';
    strcpy(text + off, " }");
    check_error(text, YARA_ERR_NESTING_TOO_DEEP, NULL);
    off = strlen("rule a { condition: ");
    for (size_t i = 0; i < n; i++)
        text[off++] = '-';
    strcpy(text + off, "1 }");
    check_error(text, YARA_ERR_NESTING_TOO_DEEP, NULL);
    free(text);
}

/* ---- (b) YARA's test cases -------------------------------------------- */

static const char *shared_dir(void)
{
    const char *s = getenv("ASSAY_SHARED");
    return s != NULL ? s : "../shared";
}

static void test_yara_cases(void **state)
{
    (void)state;
    char path[4096];
    snprintf(path, sizeof path, "%s/yara-tests/cases.json", shared_dir());
    json_error_t jerr;
    json_t *cases = json_load_file(path, 0, &jerr);
    if (cases == NULL) {
        printf("skipped: cannot read %s\n", path);
        skip();
    }
    size_t err_total = 0, err_ok = 0, err_module = 0, ok_total = 0, ok_ok = 0, skipped = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *expect = json_string_value(json_object_get(c, "expect"));
        const char *rule = json_string_value(json_object_get(c, "rule"));
        const char *kind = json_string_value(json_object_get(c, "kind"));
        long long line = json_integer_value(json_object_get(c, "line"));
        bool imports = strstr(rule, "import \"") != NULL;
        struct yara_file *f = NULL;
        struct yara_diag d;
        int rc = yara_parse("case", rule, strlen(rule), NULL, &f, &d);
        yara_file_free(f);
        if (strcmp(expect, "assert_error") == 0) {
            const char *code = json_string_value(json_object_get(c, "error"));
            err_total++;
            if (rc != 0) {
                err_ok++;
                if (strcmp(code, yara_error_name(d.code)) != 0)
                    printf("  note: case line %lld fails with %s, YARA says %s\n", line,
                           yara_error_name(d.code), code);
            } else if (imports) {
                err_module++;
                printf("  needs module knowledge: case line %lld (%s): %s\n", line, code, rule);
            } else {
                printf("  MISSED error: case line %lld (%s): %s\n", line, code, rule);
            }
        } else if (strcmp(kind, "assert_regexp_syntax_error") == 0 || imports) {
            skipped++;
        } else {
            ok_total++;
            if (rc == 0)
                ok_ok++;
            else
                printf("  FAILED to parse: case line %lld: %s\n    %s\n", line, d.message, rule);
        }
    }
    printf("cases.json: %zu/%zu assert_error cases rejected (%zu of the rest import a module); "
           "%zu/%zu other module-free cases parsed; %zu skipped (module imports, regex syntax)\n",
           err_ok, err_total, err_module, ok_ok, ok_total, skipped);
    json_decref(cases);
    assert_int_equal(ok_ok, ok_total);
    assert_true(err_ok + err_module + 8 >= err_total);
}

/* ---- (c) public rule collections ---------------------------------------- */

static size_t rules_files, rules_ok, rules_count;

static int visit_rule_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || !((n > 4 && strcmp(path + n - 4, ".yar") == 0) || (n > 5 && strcmp(path + n - 5, ".yara") == 0)))
        return 0;
    char *text = NULL, *resolved = NULL;
    size_t len = 0;
    rules_files++;
    if (yara_include_from_fs(NULL, NULL, path, &text, &len, &resolved) < 0) {
        printf("  cannot read %s\n", path);
        return 0;
    }
    struct yara_parse_options o = {.include = yara_include_from_fs};
    struct yara_file *f = NULL;
    struct yara_diag d;
    if (yara_parse(path, text, len, &o, &f, &d) == 0) {
        rules_ok++;
        rules_count += f->rule_count;
    } else {
        printf("  FAILED %s (%s)\n", d.message, yara_error_name(d.code));
    }
    yara_file_free(f);
    free(text);
    free(resolved);
    return 0;
}

static void test_rule_collections(void **state)
{
    (void)state;
    static const char *const dirs[] = {"signature-base/yara", "elastic/rules", "reversinglabs/yara", "yara-rules"};
    size_t total_files = 0, total_ok = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/rules/%s", shared_dir(), dirs[i]);
        rules_files = rules_ok = rules_count = 0;
        nftw(path, visit_rule_file, 16, FTW_PHYS);
        printf("%s: %zu/%zu files parsed, %zu rules\n", dirs[i], rules_ok, rules_files, rules_count);
        total_files += rules_files;
        total_ok += rules_ok;
    }
    printf("rule collections: %zu/%zu files parsed\n", total_ok, total_files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_structure), cmocka_unit_test(test_modifiers),
        cmocka_unit_test(test_precedence),     cmocka_unit_test(test_string_operators),
        cmocka_unit_test(test_string_references), cmocka_unit_test(test_of),
        cmocka_unit_test(test_for),            cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_errors),         cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_yara_cases),     cmocka_unit_test(test_rule_collections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
