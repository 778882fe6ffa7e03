/* test_inventory.c — the item model's helpers and reading below an offline
 * root: symbolic links resolve inside the root, never to the host's files;
 * folder listings (inv_list_dir) are sorted, filtered and capped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "inventory/inventory.h"

static char dir[64];
static char root[128];

static void write_file(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void link_at(const char *target, const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/assay-test-inv-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(root, sizeof root, "%s/root", dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/etc' '%s/usr/share/x' '%s/a/b'", root, root, root);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void expect_path(struct inventory *inv, const char *rel, const char *want_below_root)
{
    char *p = inv_path(inv, rel);
    assert_non_null(p);
    char want[512];
    snprintf(want, sizeof want, "%s%s", root, want_below_root);
    assert_string_equal(p, want);
    free(p);
}

static void links_resolve_inside_the_root(void **state)
{
    (void)state;
    write_file("usr/share/x/hostname", "inside-the-root\n");
    link_at("/usr/share/x/hostname", "etc/hostname");       /* absolute: the root's own file */
    link_at("../../../../../../../etc/passwd", "etc/up");    /* cannot climb out */
    link_at("/a/b", "etc/ab");
    link_at("loop2", "etc/loop1");
    link_at("loop1", "etc/loop2");
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_string_equal(inv.host, "inside-the-root");
    expect_path(&inv, "/etc/hostname", "/usr/share/x/hostname");
    expect_path(&inv, "etc/up", "/etc/passwd");
    expect_path(&inv, "/etc/ab/c", "/a/b/c");
    expect_path(&inv, "/usr/share/x/../x/./hostname", "/usr/share/x/hostname");
    expect_path(&inv, "/etc/missing/d/e", "/etc/missing/d/e");
    expect_path(&inv, "/", "");
    /* a loop stops after a bounded number of links; reading it fails cleanly */
    char *p = inv_path(&inv, "/etc/loop1/x");
    assert_non_null(p);
    free(p);
    struct util_buf b = {0};
    assert_true(inv_read_file(&inv, "/etc/loop1", 0, &b) < 0);
    /* reading through a link gets the root's file */
    assert_int_equal(inv_read_file(&inv, "/etc/hostname", 0, &b), 0);
    assert_string_equal((const char *)b.data, "inside-the-root\n");
    assert_int_equal(inv_read_file(&inv, "/etc/nothing", 0, &b), ASSAY_ENOTFOUND);
    util_buf_free(&b);
    inventory_free(&inv);
}

static void items_facts_and_problems(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    struct inv_item *it = inv_item_new(&inv, INV_PACKAGE, "dpkg");
    assert_non_null(it);
    assert_int_equal(inv_attr_add(&inv, it, "arch", "amd64"), 0);
    assert_int_equal(inv_attr_add(&inv, it, "empty", ""), 0); /* skipped */
    assert_int_equal(inv_evidence_add(&inv, it, "package.name", "kesl", "/var/lib/dpkg/status", "line 3",
                                      INV_MEDIUM), 0);
    assert_int_equal(inv_evidence_add(&inv, it, "package.name", NULL, NULL, NULL, INV_MEDIUM), 0);
    assert_int_equal(it->attrs.n, 1);
    assert_string_equal(inv_attr_get(it, "arch"), "amd64");
    assert_null(inv_attr_get(it, "empty"));
    assert_int_equal(it->evidence.n, 1);
    assert_string_equal(inv_printf(&inv, "%s:%d", "x", 7), "x:7");
    inv_problem_add(&inv, "/x", "bad %s", "thing");
    assert_int_equal(inv.problems.n, 1);
    assert_string_equal(inv.problems.v[0].message, "bad thing");
    assert_string_equal(inv_kind_name(INV_USB_DEVICE), "usb-device");
    assert_string_equal(inv_kind_name((enum inv_kind)99), "unknown");
    assert_string_equal(inv_strength_name(INV_STRONG), "strong");
    inventory_free(&inv);
}

static void make_dir(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* inv_list_dir(rel, flags, max) gives exactly `want` (a NULL-ended list). */
static void expect_listing(struct inventory *inv, const char *rel, unsigned flags, size_t max,
                           const char *const *want)
{
    char **names;
    size_t n;
    assert_int_equal(inv_list_dir(inv, rel, flags, max, &names, &n), 0);
    size_t k = 0;
    while (want[k] != NULL)
        k++;
    assert_int_equal(n, k);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(names[i], want[i]);
    inv_names_free(names, n);
}

static void list_dir_sorts_filters_and_caps(void **state)
{
    (void)state;
    /* list/: folders c a b .h, a file, links to a folder (relative and absolute) */
    make_dir("list");
    make_dir("list/c");
    make_dir("list/a");
    make_dir("list/b");
    make_dir("list/.h");
    write_file("list/f", "x");
    link_at("a", "list/ln");
    link_at("/a/b", "list/abs");
    link_at("/list", "etc/to-list");
    link_at("lloop2", "etc/lloop1");
    link_at("lloop1", "etc/lloop2");
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);

    static const char *const all[] = {".h", "a", "abs", "b", "c", "f", "ln", NULL};
    static const char *const visible[] = {"a", "abs", "b", "c", "f", "ln", NULL};
    static const char *const dirs[] = {".h", "a", "b", "c", NULL};
    static const char *const visible_dirs[] = {"a", "b", "c", NULL};
    expect_listing(&inv, "/list", INV_LIST_ALL, 0, all);
    expect_listing(&inv, "/list", INV_LIST_VISIBLE, 0, visible);
    expect_listing(&inv, "/list", INV_LIST_DIRS, 0, dirs);       /* no link, even to a folder */
    expect_listing(&inv, "/list", INV_LIST_DIRS | INV_LIST_VISIBLE, 3, visible_dirs); /* max reached, not passed */
    expect_listing(&inv, "/etc/to-list", INV_LIST_DIRS, 0, dirs); /* the folder's own path resolves in the root */
    assert_int_equal(inv.problems.n, 0);

    /* more entries than max: max of them, sorted, and one problem */
    char **names;
    size_t n;
    assert_int_equal(inv_list_dir(&inv, "/list", INV_LIST_ALL, 3, &names, &n), 0);
    assert_int_equal(n, 3);
    assert_true(strcmp(names[0], names[1]) < 0 && strcmp(names[1], names[2]) < 0);
    inv_names_free(names, n);
    assert_int_equal(inv.problems.n, 1);
    assert_string_equal(inv.problems.v[0].path, "/list");
    assert_non_null(strstr(inv.problems.v[0].message, "more than 3 entries"));

    /* absent or not a folder: ASSAY_ENOTFOUND, nothing recorded */
    names = (char **)&n;
    assert_int_equal(inv_list_dir(&inv, "/nothing/here", INV_LIST_ALL, 0, &names, &n), ASSAY_ENOTFOUND);
    assert_null(names);
    assert_int_equal(n, 0);
    assert_int_equal(inv_list_dir(&inv, "/list/f", INV_LIST_ALL, 0, &names, &n), ASSAY_ENOTFOUND);
    assert_int_equal(inv.problems.n, 1);

    /* exists but cannot be listed (a link loop, even for root): ASSAY_EIO and a problem */
    assert_int_equal(inv_list_dir(&inv, "/etc/lloop1", INV_LIST_DIRS, 0, &names, &n), ASSAY_EIO);
    assert_null(names);
    assert_int_equal(n, 0);
    assert_int_equal(inv.problems.n, 2);
    assert_string_equal(inv.problems.v[1].path, "/etc/lloop1");
    assert_non_null(strstr(inv.problems.v[1].message, "cannot list"));
    inv_names_free(NULL, 0);
    inventory_free(&inv);
}

static void bad_roots(void **state)
{
    (void)state;
    struct inventory inv;
    char missing[256];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(inventory_init(&inv, missing), ASSAY_EIO);
    write_file("file", "x");
    char file[256];
    snprintf(file, sizeof file, "%s/file", root);
    assert_int_equal(inventory_init(&inv, file), ASSAY_EIO);
    assert_int_equal(inventory_init(&inv, NULL), 0);
    assert_true(inv.live);
    inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(links_resolve_inside_the_root),
        cmocka_unit_test(items_facts_and_problems),
        cmocka_unit_test(list_dir_sorts_filters_and_caps),
        cmocka_unit_test(bad_roots),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
