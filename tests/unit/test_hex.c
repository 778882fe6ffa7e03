/* test_hex.c — ClamAV hex signatures into pattern nodes, atoms, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sig/clam_hex.h"

struct fixture {
    struct sigdb db;
    struct sig_body body;
    char err[256];
};

static int parse(struct fixture *f, const char *hex, unsigned flags)
{
    memset(&f->body, 0, sizeof f->body);
    return clam_hex_parse(&f->db, hex, strlen(hex), flags, &f->body, f->err, sizeof f->err);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    sigdb_init(&f->db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sigdb_free(&f->db);
    free(f);
    return 0;
}

static const struct pat_node *node(struct fixture *f, uint32_t i)
{
    return &f->db.nodes.v[f->body.node_first + i];
}

static void plain_bytes_make_one_atom(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(parse(f, "4d5a9000", 0), 0);
    assert_int_equal(f->body.node_count, 4);
    assert_int_equal(f->body.atom_first, 0);
    assert_int_equal(f->body.atom_len, 4);
    assert_int_equal(f->body.min_len, 4);
    assert_int_equal(node(f, 0)->value, 0x4d);
    assert_int_equal(node(f, 0)->mask, 0xff);
}

static void wildcards_and_nibbles(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(parse(f, "aa??b?" "?c" "dd", 0), 0);
    assert_int_equal(f->body.node_count, 5);
    assert_int_equal(node(f, 1)->mask, 0x00);
    assert_int_equal(node(f, 2)->mask, 0xf0);
    assert_int_equal(node(f, 2)->value, 0xb0);
    assert_int_equal(node(f, 3)->mask, 0x0f);
    assert_int_equal(node(f, 3)->value, 0x0c);
    /* No exact run of 3 bytes: no atom. */
    assert_int_equal(f->body.atom_len, 0);
}

static void gaps_merge_and_count(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(parse(f, "010203{2}{3-5}*040506{-4}070809{6-}0a0b0c", 0), 0);
    /* 010203 | gap 5..inf | 040506 | gap 0..4 | 070809 | gap 6..inf | 0a0b0c */
    assert_int_equal(f->body.node_count, 3 + 1 + 3 + 1 + 3 + 1 + 3);
    assert_int_equal(node(f, 3)->kind, PN_GAP);
    assert_int_equal(node(f, 3)->a, 5);
    assert_int_equal(node(f, 3)->b, SIG_GAP_INF);
    assert_int_equal(node(f, 7)->a, 0);
    assert_int_equal(node(f, 7)->b, 4);
    assert_int_equal(node(f, 11)->a, 6);
    assert_int_equal(f->body.min_len, 12 + 5 + 6);
}

static void alternatives(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(parse(f, "4142(43|44)!(45|46)(4748|494a)", 0), 0);
    assert_int_equal(node(f, 2)->kind, PN_CLASS);
    const struct pat_class *c = &f->db.classes.v[node(f, 2)->a];
    assert_true(c->bits[0x43 >> 3] & (1 << (0x43 & 7)));
    assert_false(c->bits[0x45 >> 3] & (1 << (0x45 & 7)));
    assert_int_equal(node(f, 3)->kind, PN_CLASS);
    const struct pat_class *neg = &f->db.classes.v[node(f, 3)->a];
    assert_false(neg->bits[0x45 >> 3] & (1 << (0x45 & 7)));
    assert_true(neg->bits[0x47 >> 3] & (1 << (0x47 & 7)));
    assert_int_equal(node(f, 4)->kind, PN_ALT);
    assert_int_equal(node(f, 4)->b, 2);
    assert_int_equal(f->body.min_len, 6);
}

static void wide_doubles(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(parse(f, "616263{2}64", SIG_F_WIDE), 0);
    assert_int_equal(f->body.node_count, 6 + 1 + 2);
    assert_int_equal(node(f, 1)->value, 0);
    assert_int_equal(node(f, 6)->a, 2); /* gaps are not widened (as ClamAV) */
}

static void atom_prefers_varied_bytes(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(parse(f, "00000000000000??41424344", 0), 0);
    assert_int_equal(f->body.atom_first, 8);
    assert_int_equal(f->body.atom_len, 4);
}

static void errors_name_the_column(void **state)
{
    struct fixture *f = *state;
    const struct { const char *hex; const char *want; } bad[] = {
        {"4142zz", "column 5"},
        {"414", "column 3"},
        {"41{3-1}42", "reversed"},
        {"41(42|43", "unterminated"},
        {"41!(4243|44)", "same length"},
        {"*", "no bytes"},
        {"41{x}", "column 4"},
        {"41(B)42", "not supported"},
        {"", "empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t nodes = f->db.nodes.n;
        assert_int_equal(parse(f, bad[i].hex, 0), -1);
        if (!strstr(f->err, bad[i].want))
            fail_msg("'%s': message '%s' lacks '%s'", bad[i].hex, f->err, bad[i].want);
        assert_int_equal(f->db.nodes.n, nodes); /* rolled back */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plain_bytes_make_one_atom, setup, teardown),
        cmocka_unit_test_setup_teardown(wildcards_and_nibbles, setup, teardown),
        cmocka_unit_test_setup_teardown(gaps_merge_and_count, setup, teardown),
        cmocka_unit_test_setup_teardown(alternatives, setup, teardown),
        cmocka_unit_test_setup_teardown(wide_doubles, setup, teardown),
        cmocka_unit_test_setup_teardown(atom_prefers_varied_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_name_the_column, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
