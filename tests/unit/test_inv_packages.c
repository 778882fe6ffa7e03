/* test_inv_packages.c — the package collectors (inventory/dpkg.c, rpm.c,
 * apk.c) over small roots built in a temporary folder: a dpkg status file
 * with its info/<pkg>.list files, an apk installed database, and an
 * rpmdb.sqlite written with the SQLite API holding rpm header blobs built by
 * a helper here. Checks items, evidence (attributes, strengths, sources,
 * locators), owned files, and that malformed input (junk lines, NUL bytes,
 * truncated stanzas, headers with offsets out of bounds or huge counts, a
 * database that is not one) becomes inv_problems and never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay.h"
#include "inventory/dpkg.h"
#include "inventory/inventory.h"
#include "inventory/rpm_header.h"

/* ---- a root in a temporary folder ------------------------------------------- */

static char root[256];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int make_root(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/assay-invpk.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int remove_root(void **state)
{
    (void)state;
    return nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdirs(const char *path)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *s = buf + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                fail_msg("mkdir %s: %s", buf, strerror(errno));
            *s = '/';
        }
}

/* The full path of rel below the root (static buffer). */
static const char *at(const char *rel)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", root, rel);
    return buf;
}

static void write_bytes(const char *rel, const void *data, size_t len)
{
    const char *path = at(rel);
    mkdirs(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void write_text(const char *rel, const char *text)
{
    write_bytes(rel, text, strlen(text));
}

/* ---- looking at an inventory ------------------------------------------------ */

static const struct inv_item *item(const struct inventory *inv, const char *id)
{
    for (size_t i = 0; i < inv->items.n; i++)
        if (strcmp(inv->items.v[i]->id, id) == 0)
            return inv->items.v[i];
    return NULL;
}

static const struct inv_item *must_item(const struct inventory *inv, const char *id)
{
    const struct inv_item *it = item(inv, id);
    if (it == NULL)
        fail_msg("no item %s", id);
    return it;
}

static const struct inv_evidence *evidence(const struct inv_item *it, const char *attribute)
{
    for (size_t i = 0; i < it->evidence.n; i++)
        if (strcmp(it->evidence.v[i].attribute, attribute) == 0)
            return &it->evidence.v[i];
    return NULL;
}

/* Evidence `attribute` = value, medium, from source at locator. */
static void check_evidence(const struct inv_item *it, const char *attribute, const char *value, const char *source,
                           const char *locator)
{
    const struct inv_evidence *e = evidence(it, attribute);
    if (e == NULL)
        fail_msg("%s: no %s evidence", it->id, attribute);
    assert_string_equal(e->value, value);
    assert_string_equal(e->source, source);
    assert_string_equal(e->locator, locator);
    assert_int_equal(e->strength, INV_MEDIUM);
}

static bool has_file(const struct inv_item *it, const char *path)
{
    for (size_t i = 0; i < it->files.n; i++)
        if (strcmp(it->files.v[i], path) == 0)
            return true;
    return false;
}

/* The number of problems whose message contains `text`. */
static size_t problems_with(const struct inventory *inv, const char *text)
{
    size_t n = 0;
    for (size_t i = 0; i < inv->problems.n; i++)
        if (strstr(inv->problems.v[i].message, text))
            n++;
    return n;
}

static void dump_problems(const struct inventory *inv)
{
    for (size_t i = 0; i < inv->problems.n; i++)
        fprintf(stderr, "problem: %s: %s\n", inv->problems.v[i].path, inv->problems.v[i].message);
}

static void collect(struct inventory *inv, int (*collector)(struct inventory *))
{
    assert_int_equal(inventory_init(inv, root), 0);
    assert_int_equal(collector(inv), 0);
}

/* ---- dpkg ---------------------------------------------------------------------- */

static const char status_text[] =
    "Package: base-files\n"                                          /* line 1 */
    "Essential: yes\n"
    "Status: install ok installed\n"
    "Priority: required\n"
    "Architecture: amd64\n"
    "Version: 12.4+deb12u5\n"
    "Maintainer: Santiago Vila <sanvila@debian.org>\n"
    "Description: Debian base system miscellaneous files\n"
    " This package contains the basic filesystem hierarchy.\n"
    "\n"
    "Package: libc6\n"                                               /* line 11 */
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Multi-Arch: same\n"
    "Source: glibc (2.36-9)\n"
    "Version: 2.36-9+deb12u4\n"
    "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
    "Homepage: https://www.gnu.org/software/libc/libc.html\n"
    "Description: GNU C Library: Shared libraries\n"
    " Contains the standard libraries.\n"
    " .\n"
    " More text.\n"
    "\n"
    "Package: oldtool\n"                                             /* line 24: removed */
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 1.0\n"
    "\n"
    "package: kesl\n"                                                /* line 29 */
    "STATUS: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 12.0.0.6672\n"
    "Maintainer: Kaspersky Lab <support@kaspersky.com>\n"
    "Original-Maintainer: AO Kaspersky Lab <info@kaspersky.com>\n"
    "Homepage:   https://www.kaspersky.com  \n"
    "Description: Kaspersky Endpoint Security for Linux\n"
    "\n"
    "\n"
    "Package: halfway\n"                                             /* line 39 */
    "Status: install reinstreq half-installed\n"
    "Architecture: all\n"
    "Version: 0.1";                                                  /* no final newline */

static void write_dpkg_root(void)
{
    write_text("var/lib/dpkg/status", status_text);
    write_text("var/lib/dpkg/info/base-files.list", "/.\n/etc\n/etc/debian_version\n/etc/issue\n/var\n/var/empty\n");
    write_text("var/lib/dpkg/info/libc6:amd64.list",
               "/.\n/lib\n/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu/libc.so.6\n/usr\n/usr/share\n"
               "/usr/share/doc\n/usr/share/doc/libc6\n/usr/share/doc/libc6/copyright");
    write_text("var/lib/dpkg/info/kesl.list", "/.\n/opt\n/opt/kaspersky\n/opt/kaspersky/kesl\n/opt/kaspersky/kesl/bin\n"
                                              "/opt/kaspersky/kesl/bin/kesl\n/opt/kaspersky/kesl/bin/kesl-control\n");
    /* a list under the wrong name form still found: plain name tried second */
    write_text("var/lib/dpkg/info/halfway.list", "/usr/bin/halfway\n");
    write_text("var/lib/dpkg/info/oldtool.list", "/etc/oldtool.conf\n");
}

static void dpkg_items(void **state)
{
    (void)state;
    write_dpkg_root();
    struct inventory inv;
    collect(&inv, inv_collect_dpkg);
    dump_problems(&inv);
    assert_int_equal(inv.problems.n, 0);
    assert_int_equal(inv.items.n, 4);
    assert_null(item(&inv, "dpkg:oldtool:amd64")); /* config-files only: removed */

    const struct inv_item *libc = must_item(&inv, "dpkg:libc6:amd64");
    assert_int_equal(libc->kind, INV_PACKAGE);
    assert_string_equal(libc->collector, "dpkg");
    assert_string_equal(libc->name, "libc6");
    assert_string_equal(libc->version, "2.36-9+deb12u4");
    assert_string_equal(libc->publisher, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
    assert_null(libc->path);
    assert_string_equal(inv_attr_get(libc, "arch"), "amd64");
    assert_string_equal(inv_attr_get(libc, "source"), "glibc");
    assert_string_equal(inv_attr_get(libc, "description"), "GNU C Library: Shared libraries");
    assert_string_equal(inv_attr_get(libc, "status"), "installed");
    check_evidence(libc, "package.name", "libc6", "/var/lib/dpkg/status", "line 11");
    check_evidence(libc, "package.maintainer", "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
                   "/var/lib/dpkg/status", "line 11");
    check_evidence(libc, "package.homepage", "https://www.gnu.org/software/libc/libc.html", "/var/lib/dpkg/status",
                   "line 11");
    assert_null(evidence(libc, "package.vendor"));
    /* files, not directories; the last line has no newline */
    assert_int_equal(libc->files.n, 2);
    assert_true(has_file(libc, "/lib/x86_64-linux-gnu/libc.so.6"));
    assert_true(has_file(libc, "/usr/share/doc/libc6/copyright"));

    const struct inv_item *kesl = must_item(&inv, "dpkg:kesl:amd64");
    assert_string_equal(kesl->version, "12.0.0.6672");
    check_evidence(kesl, "package.name", "kesl", "/var/lib/dpkg/status", "line 29");
    check_evidence(kesl, "package.vendor", "AO Kaspersky Lab <info@kaspersky.com>", "/var/lib/dpkg/status", "line 29");
    check_evidence(kesl, "package.homepage", "https://www.kaspersky.com", "/var/lib/dpkg/status", "line 29");
    assert_null(inv_attr_get(kesl, "source"));
    assert_int_equal(kesl->files.n, 2);
    assert_true(has_file(kesl, "/opt/kaspersky/kesl/bin/kesl"));
    assert_true(has_file(kesl, "/opt/kaspersky/kesl/bin/kesl-control"));

    const struct inv_item *base = must_item(&inv, "dpkg:base-files:amd64");
    assert_string_equal(inv_attr_get(base, "description"), "Debian base system miscellaneous files");
    assert_null(evidence(base, "package.homepage"));
    assert_int_equal(base->files.n, 3); /* an empty directory at the end is kept as a path */
    assert_true(has_file(base, "/etc/issue"));
    assert_true(has_file(base, "/var/empty"));

    const struct inv_item *half = must_item(&inv, "dpkg:halfway:all");
    assert_string_equal(half->version, "0.1");
    assert_string_equal(inv_attr_get(half, "status"), "half-installed");
    check_evidence(half, "package.name", "halfway", "/var/lib/dpkg/status", "line 39");
    assert_null(half->publisher);
    assert_true(has_file(half, "/usr/bin/halfway"));
    inventory_free(&inv);
}

static void dpkg_malformed(void **state)
{
    (void)state;
    static const char text[] =
        "Package: good\n"                       /* 1 */
        "Status: install ok installed\n"
        "this line has no colon\n"              /* 3 */
        "Version: 1\n"
        "\n"
        " continuation without a field\n"      /* 6 */
        "Status: install ok installed\n"        /* 7: stanza without Package */
        "\n"
        "Package: nostatus\n"                   /* 9 */
        "\n"
        "Package: weird\n"                      /* 11 */
        "Status: install ok dancing\n"
        "\n"
        "Package: ../../../etc/passwd\n"        /* 14 */
        "Status: install ok installed\n"
        "\n"
        "Package: bin\0ary\n"                   /* 17: NUL byte */
        "Status: install ok installed\n"
        "\n"
        ": empty name\n";                       /* 20 */
    write_bytes("var/lib/dpkg/status", text, sizeof text - 1);
    struct inventory inv;
    collect(&inv, inv_collect_dpkg);
    assert_non_null(item(&inv, "dpkg:good"));
    assert_non_null(item(&inv, "dpkg:../../../etc/passwd")); /* kept, but its files are not looked up */
    assert_int_equal(problems_with(&inv, "line 3: not a \"Field: value\" line"), 1);
    assert_int_equal(problems_with(&inv, "line 6: continuation line outside a field"), 1);
    assert_int_equal(problems_with(&inv, "line 7: stanza without a Package field"), 1);
    assert_int_equal(problems_with(&inv, "line 9: package nostatus has no valid Status field"), 1);
    assert_int_equal(problems_with(&inv, "line 11: unknown package state 'dancing'"), 1);
    assert_int_equal(problems_with(&inv, "line 14: package name or architecture not usable"), 1);
    assert_int_equal(problems_with(&inv, "line 17: binary data"), 1);
    assert_int_equal(problems_with(&inv, "line 18: stanza without a Package field"), 1);
    assert_int_equal(problems_with(&inv, "line 20: not a \"Field: value\" line"), 1);
    for (size_t i = 0; i < inv.problems.n; i++)
        assert_string_equal(inv.problems.v[i].path, "/var/lib/dpkg/status");
    inventory_free(&inv);
}

/* Junk of every kind: never a crash, problems capped. */
static void dpkg_junk(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    uint8_t junk[65536];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (uint8_t)(x >> 16);
        if (junk[i] % 7 == 0)
            junk[i] = "\n:: \t"[junk[i] % 5];
    }
    assert_int_equal(dpkg_parse_status(&inv, (const char *)junk, sizeof junk, false), 0);
    assert_true(inv.problems.n <= DPKG_MAX_PROBLEMS + 1);
    assert_true(problems_with(&inv, "more problems in this file not listed") == 1);
    /* every truncation of a good file */
    for (size_t n = 0; n <= sizeof status_text - 1; n++)
        assert_int_equal(dpkg_parse_status(&inv, status_text, n, false), 0);
    assert_int_equal(dpkg_parse_status(&inv, "", 0, true), 0);
    inventory_free(&inv);
}

/* No package database at all: nothing, and no problem. */
static void absent_sources(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(inv_collect_dpkg(&inv), 0);
    assert_int_equal(inv_collect_rpm(&inv), 0);
    assert_int_equal(inv_collect_apk(&inv), 0);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);
}

/* ---- apk ----------------------------------------------------------------------- */

static void apk_items(void **state)
{
    (void)state;
    write_text("lib/apk/db/installed",
               "C:Q1abcdefabcdefabcdefabcdefabcdefabc=\n" /* 1 */
               "P:musl\n"
               "V:1.2.4-r2\n"
               "A:x86_64\n"
               "S:383152\n"
               "T:the musl c library (libc) implementation\n"
               "U:https://musl.libc.org/\n"
               "o:musl\n"
               "m:Timo Teras <timo.teras@iki.fi>\n"
               "F:lib\n"
               "R:ld-musl-x86_64.so.1\n"
               "a:0:0:755\n"
               "Z:Q1xyz=\n"
               "R:libc.musl-x86_64.so.1\n"
               "\n"
               "C:Q1other=\n" /* 16 */
               "P:kesl\n"
               "V:12.0.0.6672-r0\n"
               "A:x86_64\n"
               "m:Kaspersky Lab <support@kaspersky.com>\n"
               "R:topfile\n"
               "F:opt/kaspersky/kesl/bin\n"
               "R:kesl\n"
               "F:etc/opt\n"
               "\n"
               "P:noarch-pkg\n" /* 26 */
               "V:1\n");
    struct inventory inv;
    collect(&inv, inv_collect_apk);
    dump_problems(&inv);
    assert_int_equal(inv.problems.n, 0);
    assert_int_equal(inv.items.n, 3);
    const struct inv_item *musl = must_item(&inv, "apk:musl:x86_64");
    assert_string_equal(musl->collector, "apk");
    assert_string_equal(musl->version, "1.2.4-r2");
    assert_string_equal(musl->publisher, "Timo Teras <timo.teras@iki.fi>");
    assert_string_equal(inv_attr_get(musl, "source"), "musl");
    assert_string_equal(inv_attr_get(musl, "description"), "the musl c library (libc) implementation");
    check_evidence(musl, "package.name", "musl", "/lib/apk/db/installed", "line 1");
    check_evidence(musl, "package.homepage", "https://musl.libc.org/", "/lib/apk/db/installed", "line 1");
    check_evidence(musl, "package.maintainer", "Timo Teras <timo.teras@iki.fi>", "/lib/apk/db/installed", "line 1");
    assert_int_equal(musl->files.n, 2);
    assert_true(has_file(musl, "/lib/ld-musl-x86_64.so.1"));
    assert_true(has_file(musl, "/lib/libc.musl-x86_64.so.1"));

    const struct inv_item *kesl = must_item(&inv, "apk:kesl:x86_64");
    check_evidence(kesl, "package.name", "kesl", "/lib/apk/db/installed", "line 16");
    assert_null(evidence(kesl, "package.homepage"));
    assert_int_equal(kesl->files.n, 2);
    assert_true(has_file(kesl, "/topfile"));
    assert_true(has_file(kesl, "/opt/kaspersky/kesl/bin/kesl"));
    must_item(&inv, "apk:noarch-pkg");
    inventory_free(&inv);
}

static void apk_malformed(void **state)
{
    (void)state;
    static const char text[] = "P:ok\n"     /* 1 */
                               "junk\n"     /* 2 */
                               "\n"
                               "V:1.0\n"    /* 4: no P */
                               "A:x86\n"
                               "\n"
                               "P:n\0l\n"   /* 7: NUL */
                               "R:x\n";
    write_bytes("lib/apk/db/installed", text, sizeof text - 1);
    struct inventory inv;
    collect(&inv, inv_collect_apk);
    assert_non_null(item(&inv, "apk:ok"));
    assert_int_equal(problems_with(&inv, "line 2: not a \"K:value\" line"), 1);
    assert_int_equal(problems_with(&inv, "line 4: package block without a P:"), 1);
    assert_int_equal(problems_with(&inv, "line 7: binary data"), 1);
    assert_int_equal(problems_with(&inv, "line 7: package block without a P:"), 1);
    assert_int_equal(inv.items.n, 1);
    inventory_free(&inv);
}

/* ---- rpm: building header blobs ------------------------------------------------ */

struct hb {
    uint8_t index[64 * 16];
    uint32_t il;
    uint8_t data[8192];
    uint32_t dl;
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void hb_entry(struct hb *h, uint32_t tag, uint32_t type, uint32_t offset, uint32_t count)
{
    assert_true(h->il < 64);
    uint8_t *e = h->index + 16 * h->il++;
    put32(e, tag), put32(e + 4, type), put32(e + 8, offset), put32(e + 12, count);
}

static uint32_t hb_data(struct hb *h, const void *p, size_t n, unsigned align)
{
    while (h->dl % align)
        h->data[h->dl++] = 0;
    assert_true(h->dl + n <= sizeof h->data);
    uint32_t off = h->dl;
    memcpy(h->data + h->dl, p, n);
    h->dl += (uint32_t)n;
    return off;
}

static void hb_string(struct hb *h, uint32_t tag, const char *s)
{
    hb_entry(h, tag, RPM_TYPE_STRING, hb_data(h, s, strlen(s) + 1, 1), 1);
}

static void hb_strings(struct hb *h, uint32_t tag, const char *const *v, uint32_t n)
{
    uint32_t off = h->dl;
    for (uint32_t i = 0; i < n; i++)
        hb_data(h, v[i], strlen(v[i]) + 1, 1);
    hb_entry(h, tag, RPM_TYPE_STRING_ARRAY, off, n);
}

static void hb_int32(struct hb *h, uint32_t tag, const uint32_t *v, uint32_t n)
{
    uint8_t b[4];
    uint32_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        put32(b, v[i]);
        uint32_t o = hb_data(h, b, 4, 4);
        if (i == 0)
            off = o;
    }
    hb_entry(h, tag, RPM_TYPE_INT32, n ? off : h->dl, n);
}

static void hb_int16(struct hb *h, uint32_t tag, const uint16_t *v, uint32_t n)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b[2] = {(uint8_t)(v[i] >> 8), (uint8_t)v[i]};
        uint32_t o = hb_data(h, b, 2, 2);
        if (i == 0)
            off = o;
    }
    hb_entry(h, tag, RPM_TYPE_INT16, off, n);
}

/* The blob: 8 + 16·il + dl bytes (malloc'ed). */
static uint8_t *hb_blob(const struct hb *h, size_t *len)
{
    *len = 8 + 16 * (size_t)h->il + h->dl;
    uint8_t *b = malloc(*len);
    assert_non_null(b);
    put32(b, h->il), put32(b + 4, h->dl);
    memcpy(b + 8, h->index, 16 * (size_t)h->il);
    memcpy(b + 8 + 16 * (size_t)h->il, h->data, h->dl);
    return b;
}

/* A typical package: name, version, release, arch, vendor... and files. */
static void hb_package(struct hb *h, const char *name, const char *version, const char *arch, bool epoch)
{
    memset(h, 0, sizeof *h);
    hb_string(h, RPM_TAG_NAME, name);
    hb_string(h, RPM_TAG_VERSION, version);
    hb_string(h, RPM_TAG_RELEASE, "1.fc40");
    if (epoch) {
        uint32_t e = 2;
        hb_int32(h, RPM_TAG_EPOCH, &e, 1);
    }
    hb_entry(h, RPM_TAG_SUMMARY, RPM_TYPE_I18NSTRING, hb_data(h, "A summary\0Eine Zusammenfassung", 31, 1), 2);
    hb_string(h, RPM_TAG_VENDOR, "Fedora Project");
    hb_string(h, RPM_TAG_PACKAGER, "Fedora Project <https://bugz.fedoraproject.org/>");
    hb_string(h, RPM_TAG_URL, "https://example.org/");
    if (arch)
        hb_string(h, RPM_TAG_ARCH, arch);
    hb_string(h, RPM_TAG_SOURCERPM, "src-1.0-1.fc40.src.rpm");
    static const char *const dirs[] = {"/usr/bin/", "/usr/share/doc/", "/usr/share/doc/x/"};
    static const char *const base[] = {"tool", "x", "README"};
    static const uint32_t idx[] = {0, 1, 2};
    static const uint16_t modes[] = {0100755, 040755, 0100644};
    hb_strings(h, RPM_TAG_BASENAMES, base, 3);
    hb_strings(h, RPM_TAG_DIRNAMES, dirs, 3);
    hb_int32(h, RPM_TAG_DIRINDEXES, idx, 3);
    hb_int16(h, RPM_TAG_FILEMODES, modes, 3);
}

static void parse_ok(const struct hb *h, struct rpm_header_info *out)
{
    size_t n;
    uint8_t *b = hb_blob(h, &n);
    int rc = rpm_header_parse(b, n, out);
    if (rc != 0)
        fail_msg("parse: %s", assay_last_error());
    rpm_header_free(out);
    free(b);
}

static int parse_rc(const struct hb *h)
{
    size_t n;
    uint8_t *b = hb_blob(h, &n);
    struct rpm_header_info out;
    int rc = rpm_header_parse(b, n, &out);
    rpm_header_free(&out);
    free(b);
    return rc;
}

/* ---- rpm: the header parser ---------------------------------------------------- */

static void rpm_header_good(void **state)
{
    (void)state;
    struct hb h;
    hb_package(&h, "bash", "5.2.26", "x86_64", true);
    size_t n;
    uint8_t *b = hb_blob(&h, &n);
    struct rpm_header_info info;
    assert_int_equal(rpm_header_parse(b, n, &info), 0);
    assert_string_equal(info.name, "bash");
    assert_string_equal(info.version, "5.2.26");
    assert_string_equal(info.release, "1.fc40");
    assert_string_equal(info.summary, "A summary");
    assert_string_equal(info.arch, "x86_64");
    assert_true(info.has_epoch);
    assert_int_equal(info.epoch, 2);
    assert_int_equal(info.nfiles, 3);
    assert_string_equal(info.dirnames[info.dirindexes[2]], "/usr/share/doc/x/");
    assert_string_equal(info.basenames[2], "README");
    assert_false(rpm_header_file_is_dir(&info, 0));
    assert_true(rpm_header_file_is_dir(&info, 1));
    rpm_header_free(&info);
    /* every truncation and every single-byte change of the preamble and index */
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(rpm_header_parse(b, k, &info), ASSAY_EFORMAT);
        rpm_header_free(&info);
    }
    for (size_t k = 0; k < 8 + 16 * (size_t)h.il; k++) {
        uint8_t save = b[k];
        for (unsigned v = 0; v < 256; v += 37) {
            b[k] = (uint8_t)v;
            int rc = rpm_header_parse(b, n, &info);
            assert_true(rc == 0 || rc == ASSAY_EFORMAT);
            rpm_header_free(&info);
        }
        b[k] = save;
    }
    free(b);
}

static void rpm_header_bad(void **state)
{
    (void)state;
    struct hb h;
    struct rpm_header_info info;
    /* offset out of bounds */
    memset(&h, 0, sizeof h);
    hb_string(&h, RPM_TAG_NAME, "x");
    hb_entry(&h, RPM_TAG_VERSION, RPM_TYPE_STRING, 5000, 1);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "beyond the data store"));
    /* a string without its NUL */
    memset(&h, 0, sizeof h);
    hb_entry(&h, RPM_TAG_NAME, RPM_TYPE_STRING, hb_data(&h, "abc", 3, 1), 1);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    /* a huge count */
    memset(&h, 0, sizeof h);
    hb_string(&h, RPM_TAG_NAME, "x");
    hb_entry(&h, RPM_TAG_BASENAMES, RPM_TYPE_STRING_ARRAY, hb_data(&h, "a\0b", 4, 1), 0x7fffffff);
    hb_entry(&h, RPM_TAG_DIRNAMES, RPM_TYPE_STRING_ARRAY, 0, 1);
    hb_entry(&h, RPM_TAG_DIRINDEXES, RPM_TYPE_INT32, 0, 0x7fffffff);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    memset(&h, 0, sizeof h);
    hb_string(&h, RPM_TAG_NAME, "x");
    uint32_t e = 1;
    hb_int32(&h, RPM_TAG_EPOCH, &e, 1);
    h.index[16 + 15] = 0xff, h.index[16 + 14] = 0xff; /* epoch count 65535 ints: past the data */
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    /* a dir index naming no dir */
    memset(&h, 0, sizeof h);
    static const char *const one[] = {"f"};
    static const uint32_t bad_idx[] = {7};
    hb_strings(&h, RPM_TAG_BASENAMES, one, 1);
    hb_strings(&h, RPM_TAG_DIRNAMES, one, 1);
    hb_int32(&h, RPM_TAG_DIRINDEXES, bad_idx, 1);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "dir index"));
    /* a file list without its dir names */
    memset(&h, 0, sizeof h);
    hb_strings(&h, RPM_TAG_BASENAMES, one, 1);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    /* a wrong type, an unknown type */
    memset(&h, 0, sizeof h);
    hb_int32(&h, RPM_TAG_NAME, &e, 1);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    memset(&h, 0, sizeof h);
    hb_entry(&h, 5000, 77, 0, 1);
    assert_int_equal(parse_rc(&h), ASSAY_EFORMAT);
    /* too many entries, too much data, a size that does not add up */
    uint8_t big[8] = {0, 2, 0, 0, 0, 0, 0, 0};
    assert_int_equal(rpm_header_parse(big, sizeof big, &info), ASSAY_EFORMAT);
    uint8_t bigdata[8] = {0, 0, 0, 0, 0x7f, 0, 0, 0};
    assert_int_equal(rpm_header_parse(bigdata, sizeof bigdata, &info), ASSAY_EFORMAT);
    uint8_t empty[9] = {0};
    assert_int_equal(rpm_header_parse(empty, 8, &info), 0); /* no entries: a valid, empty header */
    assert_null(info.name);
    assert_int_equal(rpm_header_parse(empty, 9, &info), ASSAY_EFORMAT);
    /* still fine: an entry of a tag we do not read, pointing at the end */
    memset(&h, 0, sizeof h);
    hb_string(&h, RPM_TAG_NAME, "x");
    hb_entry(&h, 63, 7, h.dl, 0);
    parse_ok(&h, &info);
}

/* ---- rpm: the database ----------------------------------------------------------- */

static sqlite3 *create_rpmdb(const char *rel)
{
    const char *path = at(rel);
    mkdirs(path);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

static void insert_blob(sqlite3 *db, const void *blob, size_t n)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO Packages (blob) VALUES (?)", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_bind_blob(st, 1, blob, (int)n, SQLITE_TRANSIENT), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

static void insert_package(sqlite3 *db, const struct hb *h)
{
    size_t n;
    uint8_t *b = hb_blob(h, &n);
    insert_blob(db, b, n);
    free(b);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *d = malloc(1 << 20);
    assert_non_null(d);
    *n = fread(d, 1, 1 << 20, f);
    fclose(f);
    return d;
}

static void rpm_items(void **state)
{
    (void)state;
    sqlite3 *db = create_rpmdb("var/lib/rpm/rpmdb.sqlite");
    struct hb h;
    hb_package(&h, "bash", "5.2.26", "x86_64", true);
    insert_package(db, &h); /* hnum 1 */
    hb_package(&h, "gpg-pubkey", "18b8e74c", NULL, false);
    insert_package(db, &h); /* 2 */
    hb_package(&h, "gpg-pubkey", "a15b79cc", NULL, false);
    insert_package(db, &h); /* 3 */
    memset(&h, 0, sizeof h);
    hb_string(&h, RPM_TAG_NAME, "x");
    hb_entry(&h, RPM_TAG_VERSION, RPM_TYPE_STRING, 5000, 1);
    insert_package(db, &h); /* 4: offset out of bounds */
    insert_blob(db, "\x00\x00\x00\x01", 4); /* 5: truncated */
    memset(&h, 0, sizeof h);
    hb_string(&h, RPM_TAG_VERSION, "1");
    insert_package(db, &h); /* 6: no name */
    hb_package(&h, "kesl", "12.0.0.6672", "x86_64", false);
    insert_package(db, &h); /* 7 */
    assert_int_equal(sqlite3_close(db), SQLITE_OK);

    size_t before_n;
    uint8_t *before = read_all(at("var/lib/rpm/rpmdb.sqlite"), &before_n);
    struct inventory inv;
    collect(&inv, inv_collect_rpm);
    dump_problems(&inv);
    assert_int_equal(inv.items.n, 4);
    assert_int_equal(inv.problems.n, 3);
    assert_int_equal(problems_with(&inv, "Packages hnum 4: rpm header: entry 1 (tag 1001): offset 5000 beyond"), 1);
    assert_int_equal(problems_with(&inv, "Packages hnum 5: rpm header: 4 bytes"), 1);
    assert_int_equal(problems_with(&inv, "Packages hnum 6: header without a package name"), 1);
    assert_string_equal(inv.problems.v[0].path, "/var/lib/rpm/rpmdb.sqlite");

    const struct inv_item *bash = must_item(&inv, "rpm:bash:x86_64");
    assert_string_equal(bash->collector, "rpm");
    assert_string_equal(bash->version, "2:5.2.26-1.fc40");
    assert_string_equal(bash->publisher, "Fedora Project");
    assert_string_equal(inv_attr_get(bash, "arch"), "x86_64");
    assert_string_equal(inv_attr_get(bash, "source"), "src-1.0-1.fc40.src.rpm");
    assert_string_equal(inv_attr_get(bash, "description"), "A summary");
    check_evidence(bash, "package.name", "bash", "/var/lib/rpm/rpmdb.sqlite", "Packages hnum 1");
    check_evidence(bash, "package.vendor", "Fedora Project", "/var/lib/rpm/rpmdb.sqlite", "Packages hnum 1");
    check_evidence(bash, "package.maintainer", "Fedora Project <https://bugz.fedoraproject.org/>",
                   "/var/lib/rpm/rpmdb.sqlite", "Packages hnum 1");
    check_evidence(bash, "package.homepage", "https://example.org/", "/var/lib/rpm/rpmdb.sqlite", "Packages hnum 1");
    assert_int_equal(bash->files.n, 2); /* the directory entry is left out */
    assert_true(has_file(bash, "/usr/bin/tool"));
    assert_true(has_file(bash, "/usr/share/doc/x/README"));

    /* two packages of one name and no arch: the version tells them apart */
    must_item(&inv, "rpm:gpg-pubkey:18b8e74c-1.fc40");
    must_item(&inv, "rpm:gpg-pubkey:a15b79cc-1.fc40");
    check_evidence(must_item(&inv, "rpm:kesl:x86_64"), "package.name", "kesl", "/var/lib/rpm/rpmdb.sqlite",
                   "Packages hnum 7");
    inventory_free(&inv);

    /* the database was not touched and SQLite left no journal behind */
    size_t after_n;
    uint8_t *after = read_all(at("var/lib/rpm/rpmdb.sqlite"), &after_n);
    assert_int_equal(before_n, after_n);
    assert_memory_equal(before, after, before_n);
    free(before);
    free(after);
    struct stat st;
    assert_int_not_equal(stat(at("var/lib/rpm/rpmdb.sqlite-journal"), &st), 0);
    assert_int_not_equal(stat(at("var/lib/rpm/rpmdb.sqlite-wal"), &st), 0);
    assert_int_not_equal(stat(at("var/lib/rpm/rpmdb.sqlite-shm"), &st), 0);
}

/* A database under /usr/lib/sysimage/rpm, with changes still in its WAL. */
static void rpm_sysimage_wal(void **state)
{
    (void)state;
    sqlite3 *db = create_rpmdb("usr/lib/sysimage/rpm/rpmdb.sqlite");
    struct hb h;
    hb_package(&h, "bash", "5.2.26", "x86_64", false);
    insert_package(db, &h);
    assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL), SQLITE_OK);
    hb_package(&h, "late", "1", "x86_64", false);
    insert_package(db, &h); /* only in the WAL while db stays open */
    struct inventory inv;
    collect(&inv, inv_collect_rpm);
    must_item(&inv, "rpm:bash:x86_64");
    assert_int_equal(problems_with(&inv, "rpmdb.sqlite-wal exists"), 1);
    assert_string_equal(inv.problems.v[0].path, "/usr/lib/sysimage/rpm/rpmdb.sqlite");
    inventory_free(&inv);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void rpm_unsupported_and_broken(void **state)
{
    (void)state;
    struct inventory inv;
    write_text("var/lib/rpm/Packages", "not read");
    collect(&inv, inv_collect_rpm);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(problems_with(&inv, "Berkeley DB format: not supported"), 1);
    inventory_free(&inv);

    write_text("var/lib/rpm/rpmdb.sqlite", "this is not a database, just some text that is long enough............"
                                           "......................................................................");
    collect(&inv, inv_collect_rpm);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(problems_with(&inv, "cannot read the rpm database"), 1);
    inventory_free(&inv);

    /* a database without the Packages table */
    assert_int_equal(remove(at("var/lib/rpm/rpmdb.sqlite")), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(at("var/lib/rpm/rpmdb.sqlite"), &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE Other (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    collect(&inv, inv_collect_rpm);
    assert_int_equal(problems_with(&inv, "no such table: Packages"), 1);
    inventory_free(&inv);
}

/* A root whose path needs escaping in a SQLite URI. */
static void rpm_odd_root_path(void **state)
{
    (void)state;
    char saved[256];
    snprintf(saved, sizeof saved, "%s", root);
    snprintf(root, sizeof root, "%.200s/odd %%20?#name", saved);
    mkdir(root, 0755);
    sqlite3 *db = create_rpmdb("var/lib/rpm/rpmdb.sqlite");
    struct hb h;
    hb_package(&h, "bash", "5.2.26", "x86_64", false);
    insert_package(db, &h);
    sqlite3_close(db);
    struct inventory inv;
    collect(&inv, inv_collect_rpm);
    dump_problems(&inv);
    must_item(&inv, "rpm:bash:x86_64");
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);
    snprintf(root, sizeof root, "%s", saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(dpkg_items, make_root, remove_root),
        cmocka_unit_test_setup_teardown(dpkg_malformed, make_root, remove_root),
        cmocka_unit_test_setup_teardown(dpkg_junk, make_root, remove_root),
        cmocka_unit_test_setup_teardown(absent_sources, make_root, remove_root),
        cmocka_unit_test_setup_teardown(apk_items, make_root, remove_root),
        cmocka_unit_test_setup_teardown(apk_malformed, make_root, remove_root),
        cmocka_unit_test(rpm_header_good),
        cmocka_unit_test(rpm_header_bad),
        cmocka_unit_test_setup_teardown(rpm_items, make_root, remove_root),
        cmocka_unit_test_setup_teardown(rpm_sysimage_wal, make_root, remove_root),
        cmocka_unit_test_setup_teardown(rpm_unsupported_and_broken, make_root, remove_root),
        cmocka_unit_test_setup_teardown(rpm_odd_root_path, make_root, remove_root),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
