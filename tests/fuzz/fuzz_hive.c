/* fuzz_hive.c — libFuzzer target for the registry collector
 * (inventory/registry.c): the input is written as the SOFTWARE, SYSTEM and a
 * user's NTUSER.DAT hive of a scratch Windows root (three hard links to one
 * file in a private temporary folder), then inv_collect_registry() and
 * registry_trusted_roots() run over it. The input also goes, as is, to the
 * certificate Blob parser (whose answer must lie inside the input) and, as a
 * string, to the Windows path conversion. An input that starts with "regf"
 * gets its header checksum recomputed before it is written, so mutations of
 * the header reach hivex's checks past the checksum.
 *
 * libhivex itself is not instrumented, so coverage guidance stops at its API;
 * seed with real hives, e.g. those tests/fixtures/root-registry.sh builds:
 *   tests/fixtures/root-registry.sh /tmp/fx/root && mkdir seeds &&
 *   cp /tmp/fx/root/Windows/System32/config/SOFTWARE /tmp/fx/root/Windows/System32/config/SYSTEM \
 *      /tmp/fx/root/Users/alice/NTUSER.DAT seeds/
 *   ./fuzz_hive -max_total_time=60 seeds */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay.h"
#include "inventory/inventory.h"
#include "inventory/registry.h"

static char root[64];
static char hive_path[128];

static void remove_root(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_hive: could not remove %s\n", root);
}

/* The scratch root, made once per process (removed at exit). */
static int make_root(void)
{
    char a[160], b[160];
    snprintf(root, sizeof root, "/tmp/assay-fuzz-hive.XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    atexit(remove_root);
    snprintf(a, sizeof a, "mkdir -p '%s/Windows/System32/config' '%s/Users/u'", root, root);
    if (system(a) != 0)
        return -1;
    snprintf(hive_path, sizeof hive_path, "%s/Windows/System32/config/SOFTWARE", root);
    FILE *f = fopen(hive_path, "wb");
    if (f == NULL)
        return -1;
    fclose(f);
    snprintf(a, sizeof a, "%s/Windows/System32/config/SYSTEM", root);
    snprintf(b, sizeof b, "%s/Users/u/NTUSER.DAT", root);
    return link(hive_path, a) == 0 && link(hive_path, b) == 0 ? 0 : -1;
}

static void check_blob(const uint8_t *data, size_t size)
{
    const uint8_t *der = NULL;
    size_t der_len = 0;
    int rc = registry_cert_blob_der(data, size, &der, &der_len);
    if (rc == 0 && (der == NULL || der_len == 0 || der < data || der_len > size || der - data > (ptrdiff_t)(size - der_len)))
        abort();
    if (rc != 0 && rc != ASSAY_EFORMAT && rc != ASSAY_ENOTFOUND)
        abort();
}

/* The hive header's checksum: XOR of its first 127 little-endian u32s, at 0x1fc. */
static void fix_checksum(uint8_t *h, size_t size)
{
    if (size < 0x200 || memcmp(h, "regf", 4) != 0)
        return;
    uint32_t sum = 0;
    for (size_t i = 0; i < 0x1fc; i += 4)
        sum ^= h[i] | (uint32_t)h[i + 1] << 8 | (uint32_t)h[i + 2] << 16 | (uint32_t)h[i + 3] << 24;
    for (int b = 0; b < 4; b++)
        h[0x1fc + b] = (uint8_t)(sum >> (8 * b));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (root[0] == '\0' && make_root() != 0)
        abort();
    check_blob(data, size);

    struct inventory inv;
    if (inventory_init(&inv, root) != 0)
        abort();
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    const char *p = registry_root_path(&inv, s);
    if (p != NULL && (p[0] != '/' || strstr(p, "/../") != NULL))
        abort();
    memcpy(s, data, size);
    fix_checksum((uint8_t *)s, size);

    FILE *f = fopen(hive_path, "wb"); /* rewrites the shared inode: all three hives */
    if (f == NULL || fwrite(s, 1, size, f) != size || fclose(f) != 0)
        abort();
    free(s);
    if (inv_collect_registry(&inv) != 0)
        abort();
    for (size_t i = 0; i < inv.items.n; i++)
        if (inv.items.v[i]->id == NULL || inv.items.v[i]->name == NULL)
            abort();
    STACK_OF(X509) *roots = NULL;
    int n = registry_trusted_roots(&inv, &roots);
    if (n < 0 || roots == NULL || sk_X509_num(roots) != n)
        abort();
    sk_X509_pop_free(roots, X509_free);
    inventory_free(&inv);
    return 0;
}
