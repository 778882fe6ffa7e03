/* fuzz_dpkg.c — libFuzzer target for the dpkg collector's parsers
 * (inventory/dpkg.h): the status file parser on the input as it is, and the
 * owned-files (.list) reader on the input written as the .list of one
 * package in a temporary root.
 *
 * Besides running both under the sanitizers it checks what every item must
 * look like (kind, collector, an id "dpkg:<name>[:<arch>]", medium evidence
 * with a "line N" locator, root-relative files) and the problem cap.
 * Seeds: any dpkg status file (/var/lib/dpkg/status) or .list file.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled \
 *       -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
 *   ninja -C build-fuzz tests/fuzz_dpkg && build-fuzz/tests/fuzz_dpkg -max_total_time=60 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "assay.h"
#include "inventory/dpkg.h"
#include "inventory/inventory.h"

static char root[64];
static char list_path[128];

/* The temporary root goes when the fuzzer exits. */
static void remove_root(void)
{
    static const char *const parts[] = {"/var/lib/dpkg/info/fuzz.list", "/var/lib/dpkg/info", "/var/lib/dpkg",
                                        "/var/lib", "/var", ""};
    char p[160];
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        snprintf(p, sizeof p, "%s%s", root, parts[i]);
        remove(p);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(root, sizeof root, "/tmp/assay-fuzz-dpkg.XXXXXX");
    if (!mkdtemp(root))
        abort();
    char dir[128];
    snprintf(dir, sizeof dir, "%s/var", root), mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/var/lib", root), mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/var/lib/dpkg", root), mkdir(dir, 0700);
    snprintf(dir, sizeof dir, "%s/var/lib/dpkg/info", root), mkdir(dir, 0700);
    snprintf(list_path, sizeof list_path, "%s/var/lib/dpkg/info/fuzz.list", root);
    atexit(remove_root);
    return 0;
}

static void check_items(const struct inventory *inv)
{
    for (size_t i = 0; i < inv->items.n; i++) {
        const struct inv_item *it = inv->items.v[i];
        if (it->kind != INV_PACKAGE || strcmp(it->collector, "dpkg") != 0 || !it->name || !it->name[0] ||
            strncmp(it->id, "dpkg:", 5) != 0 || strncmp(it->id + 5, it->name, strlen(it->name)) != 0)
            abort();
        for (size_t k = 0; k < it->evidence.n; k++)
            if (it->evidence.v[k].strength != INV_MEDIUM || !it->evidence.v[k].value[0] ||
                strncmp(it->evidence.v[k].locator, "line ", 5) != 0)
                abort();
        for (size_t k = 0; k < it->files.n; k++)
            if (it->files.v[k][0] != '/' || it->files.n > DPKG_MAX_FILES_PER_PACKAGE)
                abort();
    }
    if (inv->problems.n > DPKG_MAX_PROBLEMS + 1 + inv->items.n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct inventory inv;
    if (inventory_init(&inv, root) != 0)
        abort();
    /* the status parser on the bytes as they are */
    int rc = dpkg_parse_status(&inv, (const char *)data, size, false);
    if (rc != 0 && rc != ASSAY_ENOMEM)
        abort();
    check_items(&inv);
    inventory_free(&inv);

    /* the .list reader on the same bytes */
    FILE *f = fopen(list_path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    static const char status[] = "Package: fuzz\nStatus: install ok installed\nArchitecture: all\n";
    if (inventory_init(&inv, root) != 0)
        abort();
    rc = dpkg_parse_status(&inv, status, sizeof status - 1, true);
    if (rc != 0 && rc != ASSAY_ENOMEM)
        abort();
    if (rc == 0 && inv.items.n != 1)
        abort();
    check_items(&inv);
    inventory_free(&inv);
    return 0;
}
