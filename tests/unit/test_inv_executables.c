/* test_inv_executables.c — the executables collector on PE files built and
 * signed by tests/fixtures/root-executables.sh, with the fixture CA trusted
 * through the root's registry (tests/fixtures/root-registry.sh): strong only
 * for a verified signature whose chain reaches that root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inventory/inventory.h"

static char fixture_dir[256];
static char root_dir[300];
static bool have_fixture;

static int build_fixture(void **state)
{
    (void)state;
    const char *src = getenv("ASSAY_SOURCE_ROOT");
    if (src == NULL)
        src = ".";
    snprintf(fixture_dir, sizeof fixture_dir, "/tmp/assay-test-exec-XXXXXX");
    if (mkdtemp(fixture_dir) == NULL)
        return -1;
    snprintf(root_dir, sizeof root_dir, "%s/root", fixture_dir);
    char cmd[2400];
    snprintf(cmd, sizeof cmd,
             "bash '%s/tests/fixtures/root-registry.sh' '%s' >/dev/null 2>&1 && "
             "bash '%s/tests/fixtures/root-executables.sh' '%s' >/dev/null 2>&1",
             src, root_dir, src, root_dir);
    have_fixture = system(cmd) == 0;
    if (!have_fixture)
        fprintf(stderr, "fixture scripts failed (mingw-w64, osslsigncode, hivexregedit missing?)\n");
    return 0;
}

static int remove_fixture(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fixture_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const struct inv_item *find_item(const struct inventory *inv, const char *path)
{
    for (size_t i = 0; i < inv->items.n; i++)
        if (inv->items.v[i]->path && strcmp(inv->items.v[i]->path, path) == 0)
            return inv->items.v[i];
    return NULL;
}

static const struct inv_evidence *find_evidence(const struct inv_item *it, const char *attribute)
{
    for (size_t i = 0; i < it->evidence.n; i++)
        if (strcmp(it->evidence.v[i].attribute, attribute) == 0)
            return &it->evidence.v[i];
    return NULL;
}

static void collect(struct inventory *inv)
{
    assert_int_equal(inventory_init(inv, root_dir), 0);
    struct inv_options opt = {0};
    assert_int_equal(inv_collect_executables(inv, &opt), 0);
}

static void signed_by_trusted_ca_is_strong(void **state)
{
    (void)state;
    if (!have_fixture)
        skip();
    struct inventory inv;
    collect(&inv);
    const struct inv_item *it = find_item(&inv, "/Program Files (x86)/Kaspersky Lab/KES.12.3.0/avp.exe");
    assert_non_null(it);
    assert_int_equal(it->kind, INV_EXECUTABLE);
    assert_string_equal(it->name, "Kaspersky Endpoint Security for Windows");
    assert_string_equal(it->version, "12.3.0.493");
    assert_string_equal(it->publisher, "AO Kaspersky Lab");
    const struct inv_evidence *e = find_evidence(it, "signer.subject");
    assert_non_null(e);
    assert_string_equal(e->value, "AO Kaspersky Lab");
    assert_int_equal(e->strength, INV_STRONG);
    assert_non_null(strstr(e->locator, "chain reaches a trusted root"));
    assert_string_equal(inv_attr_get(it, "original_filename"), "avp.exe");
    assert_int_equal(strlen(inv_attr_get(it, "signer_sha256")), 64);
    e = find_evidence(it, "pe.company");
    assert_non_null(e);
    assert_int_equal(e->strength, INV_WEAK);
    inventory_free(&inv);
}

static void claims_are_weak(void **state)
{
    (void)state;
    if (!have_fixture)
        skip();
    struct inventory inv;
    collect(&inv);
    const struct inv_item *unsigned_pe = find_item(&inv, "/Program Files/Tools/claims-kaspersky.exe");
    assert_non_null(unsigned_pe);
    assert_null(find_evidence(unsigned_pe, "signer.subject"));
    assert_int_equal(find_evidence(unsigned_pe, "pe.company")->strength, INV_WEAK);
    assert_string_equal(inv_attr_get(unsigned_pe, "signed"), "no");

    const struct inv_item *self = find_item(&inv, "/Program Files/Tools/selfsigned.exe");
    assert_non_null(self);
    const struct inv_evidence *e = find_evidence(self, "signer.subject");
    assert_non_null(e);
    assert_string_equal(e->value, "AO Kaspersky Lab");
    assert_int_equal(e->strength, INV_WEAK);
    assert_non_null(strstr(e->locator, "untrusted"));

    const struct inv_item *tampered = find_item(&inv, "/Program Files/Tools/tampered.exe");
    assert_non_null(tampered);
    e = find_evidence(tampered, "signer.subject");
    assert_non_null(e);
    assert_int_equal(e->strength, INV_WEAK);
    assert_non_null(strstr(e->locator, "does not match"));
    inventory_free(&inv);
}

static void junk_and_truncated_files_are_skipped(void **state)
{
    (void)state;
    char dir[600];
    snprintf(dir, sizeof dir, "%s/junkroot/opt/vendor", fixture_dir);
    char cmd[5000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && printf 'MZ' > '%s/two-bytes.exe' && head -c 4096 /dev/urandom > '%s/random.bin' && "
             "(printf 'MZ'; head -c 500 /dev/zero) > '%s/mz-zeros.exe' && printf '\\177ELF\\002\\001\\001' > '%s/elf-stub' && "
             "(printf '\\177ELF\\002\\001\\001'; head -c 200 /dev/urandom) > '%s/elf-junk' && ln -sf . '%s/loop'",
             dir, dir, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    char root[600];
    snprintf(root, sizeof root, "%s/junkroot", fixture_dir);
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    struct inv_options opt = {0};
    assert_int_equal(inv_collect_executables(&inv, &opt), 0);
    for (size_t i = 0; i < inv.items.n; i++)
        assert_null(find_evidence(inv.items.v[i], "signer.subject"));
    inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_by_trusted_ca_is_strong),
        cmocka_unit_test(claims_are_weak),
        cmocka_unit_test(junk_and_truncated_files_are_skipped),
    };
    return cmocka_run_group_tests(tests, build_fixture, remove_fixture);
}
