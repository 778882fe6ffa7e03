/* test_inv_registry.c — the registry collector (inventory/registry.c) over
 * the offline Windows root that tests/fixtures/root-registry.sh builds
 * (programs incl. WOW6432Node and NTUSER.DAT, services and drivers, a root
 * certificate, evidence strengths and locators), over hives built here with
 * hivexregedit for odd cases (non-ASCII and broken UTF-16 strings, control
 * set selection, malformed certificate blobs), over corrupt and mutated
 * hives (problems, never a crash), and the pure helpers: the certificate
 * Blob parser and Windows path conversion.
 *
 * The fixture script is found through $ASSAY_SOURCE_ROOT (set by meson) and
 * the empty hive through $ASSAY_SHARED; without hivexregedit (Debian
 * libwin-hivex-perl) the hive-based tests are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "assay.h"
#include "inventory/inventory.h"
#include "inventory/registry.h"

#define KES_KEY "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{6D9C7B3A-5E1F-4C7A-9B2D-0A1E3F4C5D6E}"
#define SOFTWARE_SRC "/Windows/System32/config/SOFTWARE"
#define SYSTEM_SRC "/Windows/System32/config/SYSTEM"

static char tmp_dir[256];   /* holds root/ (the fixture), ca.key, ca.pem and scratch roots */
static char fixture[300];   /* tmp_dir/root */
static bool have_fixture;

/* ---- helpers ------------------------------------------------------------------- */

static const char *shared_dir(void)
{
    const char *s = getenv("ASSAY_SHARED");
    return s ? s : "../shared";
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

static void write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    uint8_t *d = malloc((size_t)len + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return d;
}

/* A fresh empty folder tmp_dir/<name>. */
static void scratch(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmp_dir, name);
    assert_int_equal(run("rm -rf '%s' && mkdir -p '%s'", out, out), 0);
}

/* Build the hive `dest` from the empty hive merged with `reg` (regedit text). */
static void build_hive(const char *dest, const char *prefix, const char *reg)
{
    char reg_path[512];
    snprintf(reg_path, sizeof reg_path, "%s/extra.reg", tmp_dir);
    write_file(reg_path, reg, strlen(reg));
    assert_int_equal(run("cp '%s/fixtures/hives/minimal' '%s' && chmod u+w '%s' && "
                         "hivexregedit --merge --prefix '%s' '%s' '%s'",
                         shared_dir(), dest, dest, prefix, dest, reg_path),
                     0);
}

static void collect(struct inventory *inv, const char *root)
{
    assert_int_equal(inventory_init(inv, root), 0);
    assert_int_equal(inv_collect_registry(inv), 0);
}

static const struct inv_item *find_item(const struct inventory *inv, const char *id)
{
    for (size_t i = 0; i < inv->items.n; i++)
        if (strcmp(inv->items.v[i]->id, id) == 0)
            return inv->items.v[i];
    return NULL;
}

static size_t count_kind(const struct inventory *inv, enum inv_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < inv->items.n; i++)
        n += inv->items.v[i]->kind == kind;
    return n;
}

/* The evidence of `attribute` whose locator ends with `value_name`. */
static const struct inv_evidence *find_ev(const struct inv_item *it, const char *attribute, const char *value_name)
{
    for (size_t i = 0; i < it->evidence.n; i++) {
        const struct inv_evidence *e = &it->evidence.v[i];
        size_t a = e->locator ? strlen(e->locator) : 0, b = strlen(value_name);
        if (strcmp(e->attribute, attribute) == 0 && a >= b && strcmp(e->locator + a - b, value_name) == 0)
            return e;
    }
    return NULL;
}

static void expect_ev(const struct inv_item *it, const char *attribute, const char *value_name, const char *value,
                      const char *source, const char *locator, enum inv_strength strength)
{
    const struct inv_evidence *e = find_ev(it, attribute, value_name);
    assert_non_null(e);
    assert_string_equal(e->value, value);
    assert_string_equal(e->source, source);
    assert_string_equal(e->locator, locator);
    assert_int_equal(e->strength, strength);
}

static void expect_attr(const struct inv_item *it, const char *name, const char *value)
{
    const char *v = inv_attr_get(it, name);
    if (value == NULL) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    assert_string_equal(v, value);
}

static void print_problems(const struct inventory *inv)
{
    for (size_t i = 0; i < inv->problems.n; i++)
        fprintf(stderr, "problem: %s: %s\n", inv->problems.v[i].path, inv->problems.v[i].message);
}

#define NEED_FIXTURE()                                                          \
    do {                                                                        \
        if (!have_fixture) {                                                    \
            fprintf(stderr, "skipped: no registry fixture (hivexregedit?)\n"); \
            skip();                                                             \
        }                                                                       \
    } while (0)

/* ---- setup ----------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/assay-registry.XXXXXX");
    if (mkdtemp(tmp_dir) == NULL)
        return -1;
    snprintf(fixture, sizeof fixture, "%s/root", tmp_dir);
    if (run("command -v hivexregedit >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_inv_registry: hivexregedit not found (Debian: libwin-hivex-perl): "
                        "hive tests skipped\n");
        return 0;
    }
    const char *src = getenv("ASSAY_SOURCE_ROOT");
    int rc = run("bash '%s/tests/fixtures/root-registry.sh' '%s'", src ? src : ".", fixture);
    if (rc != 0) {
        fprintf(stderr, "test_inv_registry: root-registry.sh failed (%d)\n", rc);
        return -1;
    }
    have_fixture = true;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (tmp_dir[0] != '\0')
        (void)run("rm -rf '%s'", tmp_dir);
    return 0;
}

/* ---- the fixture root ------------------------------------------------------------ */

static void programs(void **state)
{
    (void)state;
    NEED_FIXTURE();
    struct inventory inv;
    collect(&inv, fixture);
    print_problems(&inv);
    assert_int_equal(inv.problems.n, 0);
    assert_int_equal(count_kind(&inv, INV_PROGRAM), 4); /* KB5034441 has no DisplayName */

    const struct inv_item *kes = find_item(&inv, "registry:program:" KES_KEY);
    assert_non_null(kes);
    assert_int_equal(kes->kind, INV_PROGRAM);
    assert_string_equal(kes->collector, "registry");
    assert_string_equal(kes->name, "Kaspersky Endpoint Security for Windows");
    assert_string_equal(kes->version, "12.3.0.493");
    assert_string_equal(kes->publisher, "AO Kaspersky Lab");
    assert_string_equal(kes->path, "/Program Files (x86)/Kaspersky Lab/KES.12.3.0");
    expect_attr(kes, "key", KES_KEY);
    expect_attr(kes, "hive", SOFTWARE_SRC);
    expect_attr(kes, "install_location", "C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\");
    expect_attr(kes, "install_date", "20240115");
    expect_attr(kes, "wow64", NULL);
    expect_attr(kes, "user", NULL);
    expect_ev(kes, "registry.publisher", "\\Publisher", "AO Kaspersky Lab", SOFTWARE_SRC, KES_KEY "\\Publisher",
              INV_MEDIUM);
    expect_ev(kes, "registry.name", "\\DisplayName", "Kaspersky Endpoint Security for Windows", SOFTWARE_SRC,
              KES_KEY "\\DisplayName", INV_WEAK);
    expect_ev(kes, "registry.url", "\\URLInfoAbout", "https://www.kaspersky.com", SOFTWARE_SRC,
              KES_KEY "\\URLInfoAbout", INV_MEDIUM);
    expect_ev(kes, "registry.url", "\\HelpLink", "https://support.kaspersky.com", SOFTWARE_SRC,
              KES_KEY "\\HelpLink", INV_MEDIUM);
    expect_ev(kes, "path", "\\InstallLocation", "C:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\",
              SOFTWARE_SRC, KES_KEY "\\InstallLocation", INV_WEAK);

    const struct inv_item *dahua =
        find_item(&inv, "registry:program:HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\DahuaScale");
    assert_non_null(dahua);
    assert_string_equal(dahua->publisher, "Shanghai Dahua Scale Factory");
    assert_null(dahua->path); /* D:\ is not on the system volume */
    assert_null(find_ev(dahua, "registry.url", "URLInfoAbout"));

    const struct inv_item *ff = find_item(&inv, "registry:program:HKLM\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\"
                                                "CurrentVersion\\Uninstall\\Mozilla Firefox 115.6.0 ESR (x86 en-US)");
    assert_non_null(ff);
    assert_string_equal(ff->publisher, "Mozilla");
    expect_attr(ff, "wow64", "1");
    assert_string_equal(ff->path, "/Program Files (x86)/Mozilla Firefox");

    const char *ez_key = "HKU\\alice\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\EzvizStudio";
    char ez_id[256];
    snprintf(ez_id, sizeof ez_id, "registry:program:%s", ez_key);
    const struct inv_item *ez = find_item(&inv, ez_id);
    assert_non_null(ez);
    assert_string_equal(ez->name, "Ezviz Studio");
    expect_attr(ez, "user", "alice");
    expect_attr(ez, "hive", "/Users/alice/NTUSER.DAT");
    assert_string_equal(ez->path, "/Users/alice/AppData/Local/EzvizStudio");
    char loc[300];
    snprintf(loc, sizeof loc, "%s\\Publisher", ez_key);
    expect_ev(ez, "registry.publisher", "\\Publisher", "Hangzhou EZVIZ Software Co., Ltd.",
              "/Users/alice/NTUSER.DAT", loc, INV_MEDIUM);
    inventory_free(&inv);
}

static void services_and_drivers(void **state)
{
    (void)state;
    NEED_FIXTURE();
    struct inventory inv;
    collect(&inv, fixture);
    assert_int_equal(count_kind(&inv, INV_DRIVER), 1);  /* klif; FsRec (Type 8) skipped */
    assert_int_equal(count_kind(&inv, INV_SERVICE), 2); /* AVP, Dnscache */

    const struct inv_item *klif = find_item(&inv, "registry:driver:klif");
    assert_non_null(klif);
    assert_int_equal(klif->kind, INV_DRIVER);
    assert_string_equal(klif->name, "Kaspersky Lab Driver");
    assert_null(klif->publisher);
    assert_string_equal(klif->path, "/Windows/system32/DRIVERS/klif.sys");
    expect_attr(klif, "type", "0x1");
    expect_attr(klif, "start", "boot");
    expect_attr(klif, "service_name", "klif");
    expect_attr(klif, "image_path", "\\SystemRoot\\system32\\DRIVERS\\klif.sys");
    expect_attr(klif, "key", "HKLM\\SYSTEM\\ControlSet001\\Services\\klif");
    expect_ev(klif, "registry.name", "\\DisplayName", "Kaspersky Lab Driver", SYSTEM_SRC,
              "HKLM\\SYSTEM\\ControlSet001\\Services\\klif\\DisplayName", INV_WEAK);
    expect_ev(klif, "path", "\\ImagePath", "\\SystemRoot\\system32\\DRIVERS\\klif.sys", SYSTEM_SRC,
              "HKLM\\SYSTEM\\ControlSet001\\Services\\klif\\ImagePath", INV_WEAK);

    const struct inv_item *avp = find_item(&inv, "registry:service:AVP");
    assert_non_null(avp);
    assert_int_equal(avp->kind, INV_SERVICE);
    assert_string_equal(avp->name, "Kaspersky Endpoint Security Service");
    assert_string_equal(avp->path, "/Program Files (x86)/Kaspersky Lab/KES.12.3.0/avp.exe");
    expect_attr(avp, "type", "0x10");
    expect_attr(avp, "start", "auto");
    expect_attr(avp, "account", "LocalSystem");
    expect_attr(avp, "description", "Provides protection for the computer");

    const struct inv_item *dns = find_item(&inv, "registry:service:Dnscache");
    assert_non_null(dns);
    assert_string_equal(dns->name, "Dnscache"); /* the indirect DisplayName is not a name */
    assert_null(find_ev(dns, "registry.name", "DisplayName"));
    expect_attr(dns, "display_name", "@%SystemRoot%\\System32\\dnsapi.dll,-101");
    assert_string_equal(dns->path, "/Windows/system32/svchost.exe");
    assert_null(find_item(&inv, "registry:driver:FsRec"));
    assert_null(find_item(&inv, "registry:service:FsRec"));
    inventory_free(&inv);
}

/* The fixture CA as in tmp_dir/ca.pem. */
static X509 *fixture_ca(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ca.pem", tmp_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static void digest_hex(X509 *x, const EVP_MD *md, char *out)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dn = 0;
    assert_int_equal(EVP_Digest(der, (size_t)n, d, &dn, md, NULL), 1);
    for (unsigned i = 0; i < dn; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
    OPENSSL_free(der);
}

static void certificate(void **state)
{
    (void)state;
    NEED_FIXTURE();
    struct inventory inv;
    collect(&inv, fixture);
    assert_int_equal(count_kind(&inv, INV_CERTIFICATE), 1);
    const struct inv_item *c = NULL;
    for (size_t i = 0; i < inv.items.n; i++)
        if (inv.items.v[i]->kind == INV_CERTIFICATE)
            c = inv.items.v[i];
    assert_non_null(c);
    X509 *ca = fixture_ca();
    char sha1[2 * EVP_MAX_MD_SIZE + 1], sha256[2 * EVP_MAX_MD_SIZE + 1];
    digest_hex(ca, EVP_sha1(), sha1);
    digest_hex(ca, EVP_sha256(), sha256);
    X509_free(ca);

    const char *prefix = "registry:certificate:HKLM\\SOFTWARE\\Microsoft\\SystemCertificates\\ROOT\\Certificates\\";
    assert_int_equal(strncmp(c->id, prefix, strlen(prefix)), 0);
    assert_int_equal(strcasecmp(c->id + strlen(prefix), sha1), 0); /* the key name is the thumbprint */
    assert_string_equal(c->collector, "registry");
    assert_string_equal(c->name, "Assay Test Root CA");
    assert_string_equal(c->publisher, "Assay Test Root CA");
    expect_attr(c, "sha1", sha1);
    expect_attr(c, "sha256", sha256);
    expect_attr(c, "store", "ROOT");
    expect_attr(c, "location", "LocalMachine");
    expect_attr(c, "subject", "CN=Assay Test Root CA,O=Assay Test Root CA");
    expect_attr(c, "issuer", "CN=Assay Test Root CA,O=Assay Test Root CA");
    expect_attr(c, "key_thumbprint_mismatch", NULL);
    assert_non_null(inv_attr_get(c, "serial"));
    assert_non_null(inv_attr_get(c, "not_before"));
    assert_int_equal(strlen(inv_attr_get(c, "not_after")), 20); /* 2034-01-01T00:00:00Z */
    char loc[256];
    snprintf(loc, sizeof loc, "%s\\Blob", c->id + strlen("registry:certificate:"));
    expect_ev(c, "cert.subject", "\\Blob", "Assay Test Root CA", SOFTWARE_SRC, loc, INV_MEDIUM);
    inventory_free(&inv);
}

static void trusted_roots(void **state)
{
    (void)state;
    NEED_FIXTURE();
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, fixture), 0);
    STACK_OF(X509) *roots = NULL;
    assert_int_equal(registry_trusted_roots(&inv, &roots), 1);
    assert_non_null(roots);
    X509 *ca = fixture_ca();
    assert_int_equal(X509_cmp(sk_X509_value(roots, 0), ca), 0);
    X509_free(ca);
    sk_X509_pop_free(roots, X509_free);
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);

    /* no Windows: an empty list */
    char empty[512];
    scratch(empty, sizeof empty, "empty-roots");
    assert_int_equal(inventory_init(&inv, empty), 0);
    assert_int_equal(registry_trusted_roots(&inv, &roots), 0);
    assert_non_null(roots);
    assert_int_equal(sk_X509_num(roots), 0);
    sk_X509_pop_free(roots, X509_free);
    inventory_free(&inv);
}

/* Hives found whatever the case of the path; a "Documents and Settings"
 * symlink to Users does not duplicate the user's items. */
static void case_and_links(void **state)
{
    (void)state;
    NEED_FIXTURE();
    char root[512];
    scratch(root, sizeof root, "case-root");
    assert_int_equal(run("mkdir -p '%s/WINDOWS/system32/Config' '%s/users/Bob' && "
                         "cp '%s/Windows/System32/config/SOFTWARE' '%s/WINDOWS/system32/Config/software' && "
                         "cp '%s/Users/alice/NTUSER.DAT' '%s/users/Bob/ntuser.dat' && "
                         "ln -s users '%s/Documents and Settings'",
                         root, root, fixture, root, fixture, root, root),
                     0);
    struct inventory inv;
    collect(&inv, root);
    print_problems(&inv);
    assert_int_equal(inv.problems.n, 0);
    assert_int_equal(count_kind(&inv, INV_PROGRAM), 4);
    const struct inv_item *kes = find_item(&inv, "registry:program:" KES_KEY);
    assert_non_null(kes);
    expect_attr(kes, "hive", "/WINDOWS/system32/Config/software");
    const struct inv_item *ez =
        find_item(&inv, "registry:program:HKU\\Bob\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\EzvizStudio");
    assert_non_null(ez);
    expect_attr(ez, "user", "Bob");
    expect_attr(ez, "hive", "/users/Bob/ntuser.dat");
    inventory_free(&inv);
}

/* ---- hives built here -------------------------------------------------------------- */

static const char odd_software[] =
    "Windows Registry Editor Version 5.00\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Cafe]\n"
    /* "Café" */
    "\"DisplayName\"=hex(1):43,00,61,00,66,00,e9,00,00,00\n"
    /* "A", an unpaired high surrogate, "B" */
    "\"Publisher\"=hex(1):41,00,00,d8,42,00,00,00\n"
    "\"SystemComponent\"=dword:00000001\n"
    "\"DisplayVersion\"=dword:00000001\n"
    "\"InstallLocation\"=\"\\\\\\\\server\\\\share\\\\cafe\"\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates]\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\AAAA]\n"
    /* property 0x20 claims 16 bytes, has 2 */
    "\"Blob\"=hex:20,00,00,00,01,00,00,00,10,00,00,00,30,00\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\BBBB]\n"
    /* a well-formed blob whose certificate is not DER */
    "\"Blob\"=hex:20,00,00,00,01,00,00,00,02,00,00,00,30,05\n\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\SystemCertificates\\AuthRoot\\Certificates\\CCCC]\n"
    "\"NoBlob\"=dword:00000000\n";

static const char odd_system[] =
    "Windows Registry Editor Version 5.00\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\n"
    "\"Current\"=dword:00000002\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001]\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services]\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Old]\n"
    "\"Type\"=dword:00000010\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002]\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services]\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\New]\n"
    "\"Type\"=dword:000000e0\n"
    "\"Start\"=dword:00000007\n"
    "\"ImagePath\"=\"C:\\\\Windows\\\\system32\\\\svchost.exe -k UnistackSvcGroup\"\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\Fs]\n"
    "\"Type\"=dword:00000002\n"
    "\"ImagePath\"=\"System32\\\\drivers\\\\fs.sys\"\n\n"
    "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\StringType]\n"
    "\"Type\"=\"16\"\n";

/* A self-signed certificate (P-256) whose subject and issuer are only
 * CN=`cn` (an empty name when NULL), as a .reg hex list of a store Blob. */
static char *cert_blob_hex(const char *cn)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    assert_non_null(key);
    assert_non_null(x);
    X509_NAME *name = X509_get_subject_name(x);
    if (cn != NULL)
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0), 1);
    assert_int_equal(X509_set_issuer_name(x, name), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    assert_true(n > 0);
    uint8_t head[12] = {0x20, 0, 0, 0, 1, 0, 0, 0, (uint8_t)n, (uint8_t)(n >> 8), 0, 0};
    char *hex = malloc(3 * (12 + (size_t)n) + 1);
    assert_non_null(hex);
    size_t o = 0;
    for (int i = 0; i < 12 + n; i++)
        o += (size_t)sprintf(hex + o, "%s%02x", i ? "," : "", i < 12 ? head[i] : der[i - 12]);
    OPENSSL_free(der);
    X509_free(x);
    EVP_PKEY_free(key);
    return hex;
}

/* Certificates in a user's Root store: a CN-only subject and an empty one;
 * users' stores are not trusted roots for registry_trusted_roots(). */
static void user_certificates(void **state)
{
    (void)state;
    NEED_FIXTURE();
    char root[512], path[600];
    scratch(root, sizeof root, "user-certs-root");
    assert_int_equal(run("mkdir -p '%s/Users/carol'", root), 0);
    char *only_cn = cert_blob_hex("Only CN");
    char *empty = cert_blob_hex(NULL);
    size_t cap = strlen(only_cn) + strlen(empty) + 2048;
    char *reg = malloc(cap);
    assert_non_null(reg);
    snprintf(reg, cap,
             "Windows Registry Editor Version 5.00\n\n"
             "[HKEY_CURRENT_USER\\Software]\n\n"
             "[HKEY_CURRENT_USER\\Software\\Microsoft]\n\n"
             "[HKEY_CURRENT_USER\\Software\\Microsoft\\SystemCertificates]\n\n"
             "[HKEY_CURRENT_USER\\Software\\Microsoft\\SystemCertificates\\Root]\n\n"
             "[HKEY_CURRENT_USER\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates]\n\n"
             "[HKEY_CURRENT_USER\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\1111]\n"
             "\"Blob\"=hex:%s\n\n"
             "[HKEY_CURRENT_USER\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\2222]\n"
             "\"Blob\"=hex:%s\n",
             only_cn, empty);
    snprintf(path, sizeof path, "%s/Users/carol/NTUSER.DAT", root);
    build_hive(path, "HKEY_CURRENT_USER", reg);
    free(reg);
    free(only_cn);
    free(empty);

    struct inventory inv;
    collect(&inv, root);
    print_problems(&inv);
    assert_int_equal(count_kind(&inv, INV_CERTIFICATE), 2);
    const char *base = "registry:certificate:HKU\\carol\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\";
    char id[300];
    snprintf(id, sizeof id, "%s1111", base);
    const struct inv_item *c = find_item(&inv, id);
    assert_non_null(c);
    assert_string_equal(c->name, "Only CN");
    assert_string_equal(c->publisher, "Only CN"); /* CN= when no O= */
    expect_attr(c, "location", "CurrentUser");
    expect_attr(c, "user", "carol");
    expect_attr(c, "serial", "07");
    expect_attr(c, "key_thumbprint_mismatch", "1111");
    char loc[320];
    snprintf(loc, sizeof loc, "%s\\Blob", id + strlen("registry:certificate:"));
    expect_ev(c, "cert.subject", "\\Blob", "Only CN", "/Users/carol/NTUSER.DAT", loc, INV_MEDIUM);
    snprintf(id, sizeof id, "%s2222", base);
    c = find_item(&inv, id);
    assert_non_null(c);
    assert_string_equal(c->name, "2222"); /* no subject at all: the thumbprint */
    assert_null(c->publisher);
    assert_int_equal(c->evidence.n, 0);
    inventory_free(&inv);

    STACK_OF(X509) *roots = NULL;
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(registry_trusted_roots(&inv, &roots), 0);
    sk_X509_pop_free(roots, X509_free);
    inventory_free(&inv);
}

static void odd_values(void **state)
{
    (void)state;
    NEED_FIXTURE();
    char root[512], path[600];
    scratch(root, sizeof root, "odd-root");
    assert_int_equal(run("mkdir -p '%s/Windows/System32/config'", root), 0);
    snprintf(path, sizeof path, "%s/Windows/System32/config/SOFTWARE", root);
    build_hive(path, "HKEY_LOCAL_MACHINE\\SOFTWARE", odd_software);
    snprintf(path, sizeof path, "%s/Windows/System32/config/SYSTEM", root);
    build_hive(path, "HKEY_LOCAL_MACHINE\\SYSTEM", odd_system);

    struct inventory inv;
    collect(&inv, root);
    const struct inv_item *cafe =
        find_item(&inv, "registry:program:HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Cafe");
    assert_non_null(cafe);
    assert_string_equal(cafe->name, "Caf\xc3\xa9");
    assert_string_equal(cafe->publisher, "A\xef\xbf\xbd" "B");
    assert_null(cafe->version); /* a DWORD where a string belongs */
    assert_null(cafe->path);    /* UNC */
    expect_attr(cafe, "system_component", "1");
    expect_attr(cafe, "install_location", "\\\\server\\share\\cafe");

    /* the control set of Select\Current */
    assert_null(find_item(&inv, "registry:service:Old"));
    const struct inv_item *svc = find_item(&inv, "registry:service:New");
    assert_non_null(svc);
    expect_attr(svc, "type", "0xe0");
    expect_attr(svc, "start", "7");
    expect_attr(svc, "key", "HKLM\\SYSTEM\\ControlSet002\\Services\\New");
    assert_string_equal(svc->path, "/Windows/system32/svchost.exe");
    const struct inv_item *fs = find_item(&inv, "registry:driver:Fs");
    assert_non_null(fs);
    assert_string_equal(fs->path, "/Windows/System32/drivers/fs.sys");
    assert_null(find_item(&inv, "registry:service:StringType"));

    /* three malformed certificates: three problems, no items */
    assert_int_equal(count_kind(&inv, INV_CERTIFICATE), 0);
    size_t cert_problems = 0;
    for (size_t i = 0; i < inv.problems.n; i++) {
        assert_string_equal(inv.problems.v[i].path, SOFTWARE_SRC);
        cert_problems += strstr(inv.problems.v[i].message, "AuthRoot\\Certificates\\") != NULL;
    }
    print_problems(&inv);
    assert_int_equal(cert_problems, 3);
    assert_int_equal(inv.problems.n, 3);
    inventory_free(&inv);
}

/* ---- bad input ---------------------------------------------------------------------- */

static void corrupt_hive(void **state)
{
    (void)state;
    char root[512], path[600];
    scratch(root, sizeof root, "corrupt-root");
    assert_int_equal(run("mkdir -p '%s/Windows/System32/config'", root), 0);
    snprintf(path, sizeof path, "%s/Windows/System32/config/SOFTWARE", root);
    uint8_t junk[8192];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
        s = s * 1103515245u + 12345u;
        junk[i] = (uint8_t)(s >> 16);
    }
    write_file(path, junk, sizeof junk);
    struct inventory inv;
    collect(&inv, root);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(inv.problems.n, 1);
    assert_string_equal(inv.problems.v[0].path, SOFTWARE_SRC);
    assert_non_null(strstr(inv.problems.v[0].message, "registry hive"));
    inventory_free(&inv);

    write_file(path, "", 0); /* empty */
    collect(&inv, root);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(inv.problems.n, 1);
    inventory_free(&inv);
}

/* Mutated and truncated copies of the fixture hives: problems or items, never
 * a crash (run under ASan to mean anything). */
static void mutated_hives(void **state)
{
    (void)state;
    NEED_FIXTURE();
    static const char *const hives[] = {SOFTWARE_SRC, SYSTEM_SRC, "/Users/alice/NTUSER.DAT"};
    char root[512], path[600], src[600];
    scratch(root, sizeof root, "mutated-root");
    assert_int_equal(run("mkdir -p '%s/Windows/System32/config' '%s/Users/alice'", root, root), 0);
    uint32_t s = 99;
    for (size_t h = 0; h < 3; h++) {
        snprintf(src, sizeof src, "%s%s", fixture, hives[h]);
        snprintf(path, sizeof path, "%s%s", root, hives[h]);
        size_t n;
        uint8_t *orig = read_file(src, &n);
        uint8_t *copy = malloc(n);
        assert_non_null(copy);
        for (int round = 0; round < 150; round++) {
            memcpy(copy, orig, n);
            size_t len = n;
            if (round % 10 == 9) {
                len = (size_t)(round * 97) % n; /* truncated */
            } else {
                for (int k = 0; k < 1 + round % 8; k++) {
                    s = s * 1103515245u + 12345u;
                    size_t at = 4096 + (s >> 8) % (n - 4096); /* past the header: it has a checksum */
                    copy[at] ^= (uint8_t)(1u << (s % 8));
                }
            }
            write_file(path, copy, len);
            struct inventory inv;
            collect(&inv, root);
            inventory_free(&inv);
        }
        free(copy);
        free(orig);
        unlink(path);
    }
}

static void no_windows(void **state)
{
    (void)state;
    char root[512];
    scratch(root, sizeof root, "linux-root");
    assert_int_equal(run("mkdir -p '%s/etc' '%s/usr/bin' '%s/Users/nobody'", root, root, root), 0);
    struct inventory inv;
    collect(&inv, root);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);
}

/* ---- pure helpers --------------------------------------------------------------------- */

static size_t put_prop(uint8_t *p, uint32_t id, uint32_t len, uint8_t fill)
{
    const uint32_t head[3] = {id, 1, len};
    for (int i = 0; i < 3; i++)
        for (int b = 0; b < 4; b++)
            p[4 * i + b] = (uint8_t)(head[i] >> (8 * b));
    memset(p + 12, fill, len);
    return 12 + len;
}

static void cert_blob(void **state)
{
    (void)state;
    uint8_t blob[256];
    const uint8_t *der;
    size_t der_len;
    size_t n = put_prop(blob, 3, 20, 0xaa);
    n += put_prop(blob + n, 0x20, 7, 0x30);
    n += put_prop(blob + n, 0x5c, 1, 0);
    assert_int_equal(registry_cert_blob_der(blob, n, &der, &der_len), 0);
    assert_ptr_equal(der, blob + 32 + 12);
    assert_int_equal(der_len, 7);

    /* no certificate property */
    n = put_prop(blob, 3, 20, 0xaa);
    assert_int_equal(registry_cert_blob_der(blob, n, &der, &der_len), ASSAY_ENOTFOUND);
    assert_null(der);
    assert_int_equal(registry_cert_blob_der(blob, 0, &der, &der_len), ASSAY_ENOTFOUND);
    /* trailing bytes too short for a header */
    assert_int_equal(registry_cert_blob_der(blob, n + 5, &der, &der_len), ASSAY_EFORMAT);
    /* a property running past the end, at every truncation */
    n = put_prop(blob, 0x20, 100, 0x30);
    for (size_t cut = 1; cut < n; cut++)
        assert_int_equal(registry_cert_blob_der(blob, cut, &der, &der_len), ASSAY_EFORMAT);
    /* huge length: no overflow */
    put_prop(blob, 0x20, 0, 0);
    blob[8] = blob[9] = blob[10] = blob[11] = 0xff;
    assert_int_equal(registry_cert_blob_der(blob, 40, &der, &der_len), ASSAY_EFORMAT);
    /* an empty certificate */
    n = put_prop(blob, 0x20, 0, 0);
    assert_int_equal(registry_cert_blob_der(blob, n, &der, &der_len), ASSAY_EFORMAT);
}

static void windows_paths(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"C:\\Program Files\\X\\", "/Program Files/X"},
        {"c:\\Program Files (x86)\\Kaspersky Lab\\KES.12.3.0\\", "/Program Files (x86)/Kaspersky Lab/KES.12.3.0"},
        {"\"C:\\Program Files\\A B\\a.exe\"", "/Program Files/A B/a.exe"},
        {"C:\\", "/"},
        {"C:", "/"},
        {"C:\\\\dir//sub\\", "/dir/sub"},
        {"\\SystemRoot\\System32\\drivers\\x.sys", "/Windows/System32/drivers/x.sys"},
        {"%SystemRoot%\\x.exe", "/Windows/x.exe"},
        {"%WINDIR%\\x.exe", "/Windows/x.exe"},
        {"%ProgramFiles(x86)%\\Y", "/Program Files (x86)/Y"},
        {"%ProgramFiles%\\Y", "/Program Files/Y"},
        {"%ProgramData%\\Z", "/ProgramData/Z"},
        {"%SystemDrive%\\Tools", "/Tools"},
        {"\\??\\C:\\Windows\\x.sys", "/Windows/x.sys"},
        {"\\\\?\\C:\\Windows\\x.sys", "/Windows/x.sys"},
        {"System32\\drivers\\y.sys", "/Windows/System32/drivers/y.sys"},
        {"\\Windows\\z.sys", "/Windows/z.sys"},
        {"  C:\\a  ", "/a"},
        {"D:\\Games", NULL},
        {"\\\\server\\share", NULL},
        {"%APPDATA%\\x", NULL},
        {"relative\\x", NULL},
        {"C:\\a\\..\\..\\etc", NULL},
        {"C:\\a\\.\\b", NULL},
        {"Cx:\\a", NULL},
        {"", NULL},
        {"\"", NULL},
    };
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, "/"), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = registry_root_path(&inv, cases[i][0]);
        if (cases[i][1] == NULL) {
            if (got != NULL)
                fail_msg("%s -> %s (wanted NULL)", cases[i][0], got);
        } else if (got == NULL || strcmp(got, cases[i][1]) != 0) {
            fail_msg("%s -> %s (wanted %s)", cases[i][0], got ? got : "NULL", cases[i][1]);
        }
    }
    assert_null(registry_root_path(&inv, NULL));
    inventory_free(&inv);
}

static void find_ci(void **state)
{
    (void)state;
    char root[512];
    scratch(root, sizeof root, "ci-root");
    assert_int_equal(run("mkdir -p '%s/A/bB' && touch '%s/A/bB/File' && ln -s A '%s/L'", root, root, root), 0);
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    char *p = registry_find_ci(&inv, "a/BB/file", false);
    assert_non_null(p);
    assert_string_equal(p, "/A/bB/File");
    free(p);
    p = registry_find_ci(&inv, "/a/bb/", true);
    assert_non_null(p);
    assert_string_equal(p, "/A/bB");
    free(p);
    assert_null(registry_find_ci(&inv, "a/bb/file", true));   /* not a folder */
    assert_null(registry_find_ci(&inv, "a/bb", false));       /* not a file */
    p = registry_find_ci(&inv, "l/bb/file", false);           /* a link inside the root resolves there */
    assert_non_null(p);
    assert_string_equal(p, "/L/bB/File");
    free(p);
    assert_null(registry_find_ci(&inv, "a/../a/bb", true));
    assert_null(registry_find_ci(&inv, "a/missing", false));
    inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(programs),
        cmocka_unit_test(services_and_drivers),
        cmocka_unit_test(certificate),
        cmocka_unit_test(trusted_roots),
        cmocka_unit_test(case_and_links),
        cmocka_unit_test(odd_values),
        cmocka_unit_test(user_certificates),
        cmocka_unit_test(corrupt_hive),
        cmocka_unit_test(mutated_hives),
        cmocka_unit_test(no_windows),
        cmocka_unit_test(cert_blob),
        cmocka_unit_test(windows_paths),
        cmocka_unit_test(find_ci),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
