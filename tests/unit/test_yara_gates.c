/* test_yara_gates.c — the gates of YARA rules (lib/yara/gates.c) and the
 * engine's gated literal databases (lib/engine/gating.c): which strings a
 * condition cannot hold without, and that a gated rule still matches, and
 * shows all its strings, exactly where it did before. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/db.h"
#include "test_support.h"
#include "yara/gates.h"
#include "yara/rules.h"

/* ---- the analysis ------------------------------------------------------------- */

/* Costs by identifier: $a 1, $b 2, $c 3, ...; $x cannot be a gate. */
static double cost_by_name(void *ctx, uint32_t s)
{
    const struct yrules *r = ctx;
    const char *name = r->strings.v[s].ast->name;
    if (name[1] == 'x')
        return -1;
    return (double)(name[1] - 'a' + 1);
}

/* The gate of the last rule of `text`, as identifiers ("$a $c"), "" when none. */
static void gate_of(const char *text, char *out, size_t size)
{
    struct yrules r;
    yrules_init(&r);
    if (yrules_add_text(&r, "t.yar", text, strlen(text), NULL) != ASSAY_OK)
        fail_msg("compile: %s", assay_last_error());
    struct ygate g;
    ygate_choose(&r, (uint32_t)r.rules.n - 1, cost_by_name, &r, &g);
    out[0] = 0;
    for (uint32_t i = 0; i < g.n; i++) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", i ? " " : "", r.strings.v[g.strings[i]].ast->name);
    }
    yrules_free(&r);
}

#define STRINGS "strings: $a = \"aaaa\" $b = \"bbbb\" $c = \"cccc\" $d = \"dddd\" $x = \"xxxx\" "

static void expect_gate(const char *condition, const char *want)
{
    char text[1024], got[256];
    /* `true or ...` references every string and adds no gate */
    snprintf(text, sizeof text, "rule r { " STRINGS "condition: (%s) and (true or any of them) }", condition);
    gate_of(text, got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("condition `%s`: gate \"%s\", want \"%s\"", condition, got, want);
}

static void gates_of_boolean_conditions(void **state)
{
    (void)state;
    expect_gate("$a and $b and $c and $d and $x", "$a");
    expect_gate("$c and $b", "$b");
    expect_gate("$a or $b or $c or $d or $x", "");     /* $x cannot open a gate */
    expect_gate("($c or $d) and $x", "$c $d");
    expect_gate("$b or $a", "$b $a");
    expect_gate("not $a and $x", "");
    expect_gate("not $a and $b", "$b");
    expect_gate("$a or filesize > 10 and $x", "");
    expect_gate("uint16(0) == 0x5A4D and $d and $x", "$d");
    expect_gate("$c at 0 and $x", "$c");
    expect_gate("$d in (0..100) and $x", "$d");
}

static void gates_of_counts(void **state)
{
    (void)state;
    expect_gate("#b > 2 and $x", "$b");
    expect_gate("#b > 0 and $x", "$b");
    expect_gate("2 < #c and $x", "$c");
    expect_gate("#a >= 1 and $x", "$a");
    expect_gate("#a >= 0 and $x", "");
    expect_gate("#a == 0 and $x", "");
    expect_gate("#a == 3 and $x", "$a");
    expect_gate("#a < 3 and $x", "");
    expect_gate("#a != 3 and $x", "");
    expect_gate("#d in (0..10) > 0 and $x", "$d");
}

static void gates_of_sets(void **state)
{
    (void)state;
    expect_gate("any of them", "");                       /* $x among them */
    expect_gate("all of them", "$a");
    expect_gate("any of ($a, $b, $c)", "$a $b $c");
    expect_gate("2 of ($a, $b, $c, $d)", "$a $b $c");
    expect_gate("3 of ($a, $b, $c, $d)", "$a $b");
    expect_gate("3 of ($x, $b, $c, $d)", "$b $c");        /* any two of four, $x left out */
    expect_gate("5 of ($a, $b)", "$a");                   /* never holds: all is a safe bound */
    expect_gate("none of ($a, $b)", "");
    expect_gate("0 of ($a, $b)", "");
    expect_gate("50% of ($d, $c, $b, $a)", "$a $b $c");   /* 2 of 4 */
    expect_gate("all of ($c, $d) and any of ($a, $b)", "$c");  /* 3 against 1 + 2: ties go left */
    expect_gate("all of ($d, $c) and any of ($a, $b) and $x", "$c");
    expect_gate("all of ($d, $c) and any of ($a, $a)", "$a");
    expect_gate("for any of ($a, $b) : ($ at 0)", "$a $b");
    expect_gate("for all of ($c, $d) : (# > 1)", "$c");
    expect_gate("for any of ($a, $b) : (filesize > 0)", "");
    expect_gate("for any of ($a, $b) : (not $)", "");
    expect_gate("for any i in (1..2) : ($a)", "");
}

/* ---- the engine ---------------------------------------------------------------- */

static const char gated_rules[] =
    /* strings of rare bytes: gated under the default threshold */
    "rule Both { strings: $gate = { F1 E2 D3 C4 B5 A6 97 88 } $other = \"tail text\" "
    "  condition: $gate and $other }\n"
    "rule TwoOfThree { strings: $a = { 81 92 A3 B4 C5 D6 E7 F8 } $b = { 18 29 3A 4B 5C 6D 7E 8F } "
    "  $c = \"plain words here\" condition: 2 of them }\n"
    "rule Plain { strings: $p = \"tail text\" condition: $p }\n";

static assay_db *gated_db(void)
{
    const char *pairs[] = {"g.yar", gated_rules, NULL};
    return ts_db(pairs);
}

static void check_gated_scans(const assay_db *db)
{
    struct ts_results r;
    const uint8_t both[] = "tail text ... \xF1\xE2\xD3\xC4\xB5\xA6\x97\x88 ... tail text";
    ts_scan(db, "both", both, sizeof both - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Both"), 3);        /* the gate and both matches of the other */
    assert_int_equal(ts_evidence_of(&r, "Plain"), 2);
    assert_null(ts_find(&r, "TwoOfThree"));

    const uint8_t other_only[] = "tail text, no gate";
    ts_scan(db, "other", other_only, sizeof other_only - 1, &r);
    assert_null(ts_find(&r, "Both"));
    assert_non_null(ts_find(&r, "Plain"));

    const uint8_t two[] = "\x18\x29\x3A\x4B\x5C\x6D\x7E\x8F plain words here";
    ts_scan(db, "two", two, sizeof two - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "TwoOfThree"), 2);
    const uint8_t one[] = "plain words here, once";
    ts_scan(db, "one", one, sizeof one - 1, &r);
    assert_null(ts_find(&r, "TwoOfThree"));
}

static void gated_rules_match_as_before(void **state)
{
    (void)state;
    assay_db *db = gated_db();
    assert_non_null(db);
    assert_true(db->engine.ngates >= 1); /* the analysis found gates and used them */
    check_gated_scans(db);
    assay_db_free(db);
}

static void gated_rules_survive_compiling(void **state)
{
    (void)state;
    assay_db *db = gated_db();
    assert_non_null(db);
    uint32_t ngates = db->engine.ngates;
    assay_db *back = ts_recompiled(db);
    assert_non_null(back);
    assert_int_equal(back->engine.ngates, ngates);
    check_gated_scans(back);
    assay_db_free(back);
}

/* Non-matching rules are reported with their strings (yara -n -s): the
 * waiting literals are searched even though no gate opened. */
static void nonmatching_rules_show_waiting_strings(void **state)
{
    (void)state;
    assay_db *db = gated_db();
    assert_non_null(db);
    struct ts_results r;
    struct assay_scan_options o;
    assay_scan_options_init(&o);
    o.report_nonmatching = true;
    const uint8_t data[] = "tail text alone";
    ts_scan_with(db, &o, "n", data, sizeof data - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Both"), 1); /* $other, though $gate is absent */
    assay_db_free(db);
}

/* A gate's literals are searched in the first pass anyway, so of two gates
 * the one whose literal is hit less is chosen: here the rare run, not the
 * common x86 bytes of the masked window, which then waits for it as its run
 * of exact bytes in the group's database. */
static const char window_rules[] =
    "rule Window { strings: $common = { 8B 44 24 ?? 48 8B ?? 24 } $rare = { F1 E2 D3 C4 B5 A6 97 88 } "
    "  condition: all of them }\n";

static uint32_t first_pattern_of(const assay_db *db, const char *id)
{
    const struct yrules *y = &db->engine.yara;
    for (size_t i = 0; i < y->strings.n; i++)
        if (strcmp(y->strings.v[i].ast->name, id) == 0)
            return y->strings.v[i].pattern_first;
    fail_msg("no string %s", id);
    return 0;
}

static void masked_windows_wait_for_rarer_gates(void **state)
{
    (void)state;
    const char *pairs[] = {"w.yar", window_rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    const struct engine *e = &db->engine;
    uint32_t common = first_pattern_of(db, "$common"), rare = first_pattern_of(db, "$rare");
    assert_int_not_equal(e->yara_window_run.v[common], 0); /* searched by its run 8B 44 24 */
    assert_int_equal(e->yara_gate_open.v[common], 0);      /* not the gate */
    assert_int_not_equal(e->yara_gate_open.v[rare], 0);
    assert_int_equal(e->ngates, 1);

    struct ts_results r;
    const uint8_t both[] = "\x8B\x44\x24\x10\x48\x8B\x4C\x24 .. \xF1\xE2\xD3\xC4\xB5\xA6\x97\x88";
    ts_scan(db, "both", both, sizeof both - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Window"), 2);
    const uint8_t window_only[] = "\x8B\x44\x24\x10\x48\x8B\x4C\x24 alone";
    ts_scan(db, "window", window_only, sizeof window_only - 1, &r);
    assert_null(ts_find(&r, "Window"));
    const uint8_t run_only[] = "\x8B\x44\x24\x10\x48\x00\x4C\x24 \xF1\xE2\xD3\xC4\xB5\xA6\x97\x88";
    ts_scan(db, "run", run_only, sizeof run_only - 1, &r); /* the run, but not the window */
    assert_null(ts_find(&r, "Window"));
    assay_db_free(db);
}

/* Two long hex strings of common x86 code joined by jumps (APT_Dropper_Raw64_
 * TEARDROP_1 of signature-base): the literal searched for each is common
 * (8B 44 24: 1.9M hits on the benchmark corpus), but a whole string is rare,
 * so one string gates the rule and the other waits. */
static const char jumped_rules[] =
    "rule Jumped { strings:\n"
    "  $one = { BA [4] 48 89 ?? E8 [4] 41 B8 [4] 48 89 ?? 48 89 ?? E8 [4] 85 C0 7? [1-32]"
    " 8B 44 24 ?? 48 8B ?? 24 [1-16] 48 01 C8 [0-32] FF D0 }\n"
    "  $two = { 80 3D [4] D8 [2-32] 41 B8 04 00 00 00 [0-32] C7 44 24 ?? 4A 46 49 46 }\n"
    "  condition: all of them }\n";

static void jumped_strings_are_rare_gates(void **state)
{
    (void)state;
    const char *pairs[] = {"j.yar", jumped_rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    const struct engine *e = &db->engine;
    uint32_t one = first_pattern_of(db, "$one"), two = first_pattern_of(db, "$two");
    assert_true(e->yara.patterns.v[one].match_bits > 100); /* ~25 fixed bytes */
    assert_int_equal(e->ngates, 1);
    assert_true((e->yara_gate_open.v[one] != 0) != (e->yara_gate_open.v[two] != 0));

    struct ts_results r;
    const uint8_t both[] = "\xBA\x01\x02\x03\x04\x48\x89\xC1\xE8\x01\x02\x03\x04\x41\xB8\x01\x02\x03\x04"
                           "\x48\x89\xC2\x48\x89\xC3\xE8\x01\x02\x03\x04\x85\xC0\x74\x90"
                           "\x8B\x44\x24\x10\x48\x8B\x4C\x24\x90\x48\x01\xC8\xFF\xD0 -- "
                           "\x80\x3D\x01\x02\x03\x04\xD8\x90\x90\x41\xB8\x04\x00\x00\x00"
                           "\xC7\x44\x24\x08JFIF";
    ts_scan(db, "both", both, sizeof both - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Jumped"), 2);
    ts_scan(db, "one", both, 48, &r); /* $one only */
    assert_null(ts_find(&r, "Jumped"));
    uint8_t bits = e->yara.patterns.v[one].match_bits;
    assay_db *back = ts_recompiled(db); /* frees db */
    assert_non_null(back);
    assert_int_equal(back->engine.yara.patterns.v[one].match_bits, bits);
    ts_scan(back, "both", both, sizeof both - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Jumped"), 2);
    assay_db_free(back);
}

/* Strings searched as regexes (a masked window without a run of exact
 * bytes, an atom starting with 00) are poor gates, as each regex database is
 * one more pass over every object; they wait in their group's database,
 * which becomes a regex one (APT_Winnti_MAL_Dec19_5 of signature-base). */
static const char regex_waiting_rules[] =
    "rule Mixed { strings:\n"
    "  $win = { C6 0? E9 4? 8? 4? 05 }\n"
    "  $nul = { 00 00 00 8D }\n"
    "  $rare = \"a rather rare string\"\n"
    "  condition: all of them }\n";

static void regex_searched_strings_wait(void **state)
{
    (void)state;
    const char *pairs[] = {"m.yar", regex_waiting_rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    const struct engine *e = &db->engine;
    assert_int_equal(e->ngates, 1);
    assert_int_not_equal(e->yara_gate_open.v[first_pattern_of(db, "$rare")], 0);
    assert_int_equal(e->yara_gate_open.v[first_pattern_of(db, "$win")], 0);
    assert_null(e->atoms_nul); /* no regex database scanned over every object */

    struct ts_results r;
    const uint8_t all[] = "\xC6\x01\xE9\x41\x82\x43\x05 \x00\x00\x00\x8D a rather rare string";
    ts_scan(db, "all", all, sizeof all - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Mixed"), 3);
    const uint8_t no_rare[] = "\xC6\x01\xE9\x41\x82\x43\x05 \x00\x00\x00\x8D a rather rare strin";
    ts_scan(db, "no rare", no_rare, sizeof no_rare - 1, &r);
    assert_null(ts_find(&r, "Mixed"));
    assay_db *back = ts_recompiled(db); /* frees db */
    assert_non_null(back);
    ts_scan(back, "all", all, sizeof all - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Mixed"), 3);
    assay_db_free(back);
}

/* A string holding a token the commonest formats are full of is not taken
 * for rare: `<![CDATA[` is in most XML files (signature-base's
 * CobaltStrike_Resources_Template_Sct_v3_3_to_v4_x opened its group over
 * 307 MB of the corpus with it), so `<scriptlet>` gates the rule. */
static const char token_rules[] = "rule Sct { strings: $cdata = \"<![CDATA[\" $scriptlet = \"<scriptlet>\" nocase\n"
                                  "  $end = \"</scriptlet>\" condition: all of them }\n";

static void common_tokens_are_no_gates(void **state)
{
    (void)state;
    const char *pairs[] = {"t.yar", token_rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    const struct engine *e = &db->engine;
    assert_int_equal(e->ngates, 1);
    assert_int_equal(e->yara_gate_open.v[first_pattern_of(db, "$cdata")], 0);
    struct ts_results r;
    const char both[] = "<scriptlet> <![CDATA[ x ]]> </scriptlet>";
    ts_scan(db, "both", both, sizeof both - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Sct"), 3);
    assay_db_free(db);
}

/* More gated rules than 32 groups hold (a bit each in a 64-bit mask): a rule
 * in a group past the 32nd opens it alone, and matches as it would ungated. */
#define MANY_RULES 100
#define MANY_WAITING 48

static char *many_gated_rules(void)
{
    size_t size = (size_t)MANY_RULES * (64 + MANY_WAITING * 32), n = 0;
    char *text = malloc(size);
    assert_non_null(text);
    for (int k = 0; k < MANY_RULES; k++) {
        n += (size_t)snprintf(text + n, size - n, "rule g%d { strings: $gate = { F1 E2 D3 C4 B5 A6 %02X 97 } ", k,
                              (unsigned)k);
        for (int j = 0; j < MANY_WAITING; j++)
            n += (size_t)snprintf(text + n, size - n, "$w%d = \"waiting %03d-%02d\" ", j, k, j);
        n += (size_t)snprintf(text + n, size - n, "condition: $gate and any of ($w*) }\n");
    }
    return text;
}

/* Rule g<k> of the highest group (groups go by the odds of their gates). */
static int rule_of_last_group(const struct engine *e, uint8_t *group)
{
    const struct yrules *y = &e->yara;
    int last = 0;
    *group = 0;
    for (int k = 0; k < MANY_RULES; k++) {
        uint32_t gate = y->strings.v[y->rules.v[k].string_first].pattern_first;
        if (e->yara_gate_open.v[gate] > *group) {
            *group = e->yara_gate_open.v[gate];
            last = k;
        }
    }
    return last;
}

static void check_last_group(const assay_db *db)
{
    const struct engine *e = &db->engine;
    assert_true(e->ngates > 32);
    uint8_t group;
    int k = rule_of_last_group(e, &group), other = k ? 0 : 1;
    assert_int_equal(group, e->ngates);

    struct ts_results r;
    char data[128], name[16];
    int len = snprintf(data, sizeof data, "waiting %03d-07 and \xF1\xE2\xD3\xC4\xB5\xA6%c\x97", k, (char)k);
    ts_scan(db, "last", data, (size_t)len, &r);
    snprintf(name, sizeof name, "g%d", k);
    assert_int_equal(r.n, 1);
    assert_int_equal(ts_evidence_of(&r, name), 2);
    len = snprintf(data, sizeof data, "waiting %03d-07 without its gate", k);
    ts_scan(db, "no gate", data, (size_t)len, &r);
    assert_int_equal(r.n, 0);
    len = snprintf(data, sizeof data, "waiting %03d-07 behind another gate \xF1\xE2\xD3\xC4\xB5\xA6%c\x97", k,
                   (char)other);
    ts_scan(db, "other gate", data, (size_t)len, &r);
    assert_int_equal(r.n, 0);
}

static void more_groups_than_32(void **state)
{
    (void)state;
    char *text = many_gated_rules();
    const char *pairs[] = {"many.yar", text, NULL};
    assay_db *db = ts_db(pairs);
    free(text);
    assert_non_null(db);
    check_last_group(db);
    assay_db *back = ts_recompiled(db);
    assert_non_null(back);
    check_last_group(back);
    assay_db_free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gates_of_boolean_conditions),
        cmocka_unit_test(gates_of_counts),
        cmocka_unit_test(gates_of_sets),
        cmocka_unit_test(gated_rules_match_as_before),
        cmocka_unit_test(gated_rules_survive_compiling),
        cmocka_unit_test(nonmatching_rules_show_waiting_strings),
        cmocka_unit_test(masked_windows_wait_for_rarer_gates),
        cmocka_unit_test(more_groups_than_32),
        cmocka_unit_test(jumped_strings_are_rare_gates),
        cmocka_unit_test(regex_searched_strings_wait),
        cmocka_unit_test(common_tokens_are_no_gates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
