/* test_inv_bundles.c — the macOS bundle collector (inventory/bundles.c) and
 * the browser-extension collector (inventory/browser.c) over a root built in
 * a temporary folder: apps with XML and binary Info.plist files, a vendor
 * folder, nested and too-deep bundles, a corrupt plist, a symbolic link that
 * must not be followed, a bundle id installed twice; Chromium profiles (Linux
 * Chrome with a localised name and two versions, Windows Edge) and Firefox
 * profiles (extensions, a theme and a built-in add-on that are skipped, a
 * broken extensions.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assay.h"
#include "inventory/inventory.h"

/* ---- building the root --------------------------------------------------------- */

static char root[256];

static void make_parents(const char *abs)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", abs);
    for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            fail_msg("mkdir %s: %s", p, strerror(errno));
        *s = '/';
    }
}

static void write_bytes(const char *rel, const void *data, size_t len)
{
    char abs[1024];
    snprintf(abs, sizeof abs, "%s%s", root, rel);
    make_parents(abs);
    FILE *f = fopen(abs, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void write_text(const char *rel, const char *text)
{
    write_bytes(rel, text, strlen(text));
}

static void make_dir(const char *rel)
{
    char abs[1024];
    snprintf(abs, sizeof abs, "%s%s/", root, rel);
    make_parents(abs);
}

/* An XML Info.plist with the given CFBundle* values (NULL: left out). */
static void write_info_plist(const char *app, const char *id, const char *name, const char *version,
                             const char *exec)
{
    char text[4096], rel[512];
    int n = snprintf(text, sizeof text,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                     "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                     "<plist version=\"1.0\">\n<dict>\n");
    if (id)
        n += snprintf(text + n, sizeof text - (size_t)n, "<key>CFBundleIdentifier</key><string>%s</string>\n", id);
    if (name)
        n += snprintf(text + n, sizeof text - (size_t)n, "<key>CFBundleName</key><string>%s</string>\n", name);
    if (version)
        n += snprintf(text + n, sizeof text - (size_t)n,
                      "<key>CFBundleShortVersionString</key><string>%s</string>\n", version);
    if (exec)
        n += snprintf(text + n, sizeof text - (size_t)n, "<key>CFBundleExecutable</key><string>%s</string>\n", exec);
    snprintf(text + n, sizeof text - (size_t)n, "</dict>\n</plist>\n");
    snprintf(rel, sizeof rel, "%s/Contents/Info.plist", app);
    write_text(rel, text);
}

/* A binary plist of one dict of ASCII strings (keys[i] -> values[i]). */
static uint8_t *binary_string_dict(const char *const *keys, const char *const *values, size_t n, size_t *len)
{
    uint8_t *d = malloc(8192);
    assert_non_null(d);
    size_t off[64], k = 0, count = 0;
    memcpy(d, "bplist00", 8);
    k = 8;
    for (size_t side = 0; side < 2; side++) {
        for (size_t i = 0; i < n; i++) {
            const char *s = side ? values[i] : keys[i];
            size_t sl = strlen(s);
            assert_true(sl < 256);
            off[count++] = k;
            if (sl < 15) {
                d[k++] = (uint8_t)(0x50 | sl);
            } else { /* the length in a one-byte int object */
                d[k++] = 0x5F;
                d[k++] = 0x10;
                d[k++] = (uint8_t)sl;
            }
            memcpy(d + k, s, sl);
            k += sl;
        }
    }
    off[count] = k; /* the dict */
    d[k++] = (uint8_t)(0xD0 | n);
    for (size_t i = 0; i < 2 * n; i++)
        d[k++] = (uint8_t)i;
    size_t table = k;
    for (size_t i = 0; i <= count; i++) {
        d[k++] = (uint8_t)(off[i] >> 8);
        d[k++] = (uint8_t)off[i];
    }
    memset(d + k, 0, 32);
    d[k + 6] = 2; /* offset size */
    d[k + 7] = 1; /* reference size */
    d[k + 15] = (uint8_t)(count + 1);
    d[k + 23] = (uint8_t)count; /* top: the dict */
    d[k + 30] = (uint8_t)(table >> 8);
    d[k + 31] = (uint8_t)table;
    *len = k + 32;
    return d;
}

#define KASPERSKY_APP "/Applications/Kaspersky Internet Security.app"
#define DEFENDER_APP "/Applications/Microsoft Defender.app"
#define CHROME_EXT_ID "abcdefghijklmnopabcdefghijklmnop"
#define EDGE_EXT_ID "ponmlkjihgfedcbaponmlkjihgfedcba"
#define CHROME_PROFILE "/home/alice/.config/google-chrome/Default"
#define FIREFOX_PROFILE "/home/alice/.mozilla/firefox/k3x9.default-release"

static void build_macos_root(void)
{
    write_info_plist(KASPERSKY_APP, "com.kaspersky.kis.mac", "Kaspersky Internet Security", "21.0.12.461",
                     "Kaspersky Internet Security");
    write_text(KASPERSKY_APP "/Contents/MacOS/Kaspersky Internet Security", "exe");
    /* a helper inside the bundle is part of it, not an item */
    write_info_plist(KASPERSKY_APP "/Contents/Helpers/Helper.app", "com.kaspersky.helper", "Helper", "1", NULL);

    static const char *const keys[] = {"CFBundleIdentifier", "CFBundleName", "CFBundleVersion"};
    static const char *const values[] = {"com.microsoft.wdav", "Defender", "101.2"};
    size_t len;
    uint8_t *bin = binary_string_dict(keys, values, 3, &len);
    write_bytes(DEFENDER_APP "/Contents/Info.plist", bin, len);
    free(bin);

    write_info_plist("/Applications/Vendor Folder/Sub/Nested.app", "org.example.nested", "Nested", "2.0", NULL);
    write_info_plist("/Applications/A/B/C/TooDeep.app", "org.example.toodeep", "TooDeep", "1", NULL);
    write_text("/Applications/Broken.app/Contents/Info.plist", "<plist><dict><key>CFBundleIdentifier</key>");
    write_text("/Applications/Array.app/Contents/Info.plist", "<plist><array/></plist>");
    make_dir("/Applications/NoPlist.app");
    write_info_plist("/System/Applications/Utilities/Terminal.app", "com.apple.Terminal", "Terminal", "2.12", NULL);
    write_info_plist("/Users/bob/Applications/Kaspersky Internet Security.app", "com.kaspersky.kis.mac",
                     "Kaspersky Internet Security", "21.0.0.1", NULL);
    write_info_plist("/elsewhere/Linked.app", "org.example.linked", "Linked", "1", NULL);
    char target[512], link_at[512];
    snprintf(target, sizeof target, "%s/elsewhere/Linked.app", root);
    snprintf(link_at, sizeof link_at, "%s/Applications/Linked.app", root);
    assert_int_equal(symlink(target, link_at), 0);
}

static void build_browser_root(void)
{
    /* Chrome on Linux: a localised name, an older version next to the current one */
    write_text(CHROME_PROFILE "/Extensions/" CHROME_EXT_ID "/0.9_0/manifest.json",
               "{\"name\": \"Old\", \"version\": \"0.9\"}");
    write_text(CHROME_PROFILE "/Extensions/" CHROME_EXT_ID "/1.10_0/manifest.json",
               "{\"manifest_version\": 2, \"name\": \"__MSG_appName__\", \"default_locale\": \"en\",\n"
               " \"version\": \"1.10\", \"author\": \"AO Kaspersky Lab\",\n"
               " \"homepage_url\": \"https://www.kaspersky.com\",\n"
               " \"update_url\": \"https://clients2.google.com/service/update2/crx\"}");
    write_text(CHROME_PROFILE "/Extensions/" CHROME_EXT_ID "/1.10_0/_locales/en/messages.json",
               "\xEF\xBB\xBF{\"APPNAME\": {\"message\": \"Kaspersky Protection\", \"description\": \"x\"}}");
    make_dir(CHROME_PROFILE "/Extensions/Temp");
    /* a broken manifest in a second profile */
    write_text("/home/alice/.config/google-chrome/Profile 1/Extensions/" CHROME_EXT_ID "/1.0_0/manifest.json",
               "{\"name\": ");
    /* Edge on Windows: author as an object */
    write_text("/Users/carol/AppData/Local/Microsoft/Edge/User Data/Default/Extensions/" EDGE_EXT_ID
               "/2.0.1_0/manifest.json",
               "{\"name\": \"Helper\", \"version\": \"2.0.1\", \"author\": {\"email\": \"dev@example.com\"}}");
    /* Firefox on Linux */
    write_text(FIREFOX_PROFILE "/extensions.json",
               "{\"schemaVersion\": 35, \"addons\": [\n"
               " {\"id\": \"light_plugin_F6F079488B53499DB99380A7E11A93F6@kaspersky.com\", \"type\": \"extension\",\n"
               "  \"version\": \"4.0.1\", \"location\": \"app-profile\", \"active\": true,\n"
               "  \"defaultLocale\": {\"name\": \"Kaspersky Protection\", \"creator\": \"Kaspersky Lab\",\n"
               "                     \"homepageURL\": \"https://www.kaspersky.com/\"}},\n"
               " {\"id\": \"dark@themes\", \"type\": \"theme\", \"version\": \"1\", \"location\": \"app-profile\",\n"
               "  \"defaultLocale\": {\"name\": \"Dark\"}},\n"
               " {\"id\": \"webcompat@mozilla.org\", \"type\": \"extension\", \"location\": \"app-builtin\",\n"
               "  \"defaultLocale\": {\"name\": \"Web Compatibility\"}},\n"
               " {\"id\": \"plain@example.org\", \"type\": \"extension\", \"location\": \"app-system-share\",\n"
               "  \"active\": false},\n"
               " 42\n"
               "]}");
    write_text(FIREFOX_PROFILE "/extensions/light_plugin_F6F079488B53499DB99380A7E11A93F6@kaspersky.com.xpi", "PK");
    /* Firefox on Windows, damaged */
    write_text("/Users/carol/AppData/Roaming/Mozilla/Firefox/Profiles/x1.default/extensions.json", "[1, 2]");
    make_dir("/home/alice/.mozilla/firefox/Crash Reports");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "%s/assay-bundles-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(root) == NULL)
        return -1;
    build_macos_root();
    build_browser_root();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- lookups ------------------------------------------------------------------ */

static const struct inv_item *find_item(const struct inventory *inv, const char *id)
{
    for (size_t i = 0; i < inv->items.n; i++)
        if (strcmp(inv->items.v[i]->id, id) == 0)
            return inv->items.v[i];
    return NULL;
}

static const struct inv_evidence *find_evidence(const struct inv_item *it, const char *attribute, const char *value)
{
    for (size_t i = 0; i < it->evidence.n; i++)
        if (strcmp(it->evidence.v[i].attribute, attribute) == 0 && strcmp(it->evidence.v[i].value, value) == 0)
            return &it->evidence.v[i];
    return NULL;
}

static size_t count_evidence(const struct inv_item *it, const char *attribute)
{
    size_t n = 0;
    for (size_t i = 0; i < it->evidence.n; i++)
        n += strcmp(it->evidence.v[i].attribute, attribute) == 0;
    return n;
}

static bool has_problem(const struct inventory *inv, const char *path)
{
    for (size_t i = 0; i < inv->problems.n; i++)
        if (strcmp(inv->problems.v[i].path, path) == 0)
            return true;
    return false;
}

static const struct inv_item *must_find(const struct inventory *inv, const char *id)
{
    const struct inv_item *it = find_item(inv, id);
    if (it == NULL)
        fail_msg("no item %s", id);
    return it;
}

/* ---- bundles ------------------------------------------------------------------- */

static void bundles_xml_and_binary(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), ASSAY_OK);
    assert_int_equal(inv_collect_bundles(&inv), ASSAY_OK);

    const struct inv_item *k = must_find(&inv, "bundle:com.kaspersky.kis.mac");
    assert_int_equal(k->kind, INV_APP_BUNDLE);
    assert_string_equal(k->collector, "bundle");
    assert_string_equal(k->name, "Kaspersky Internet Security");
    assert_string_equal(k->version, "21.0.12.461");
    assert_string_equal(k->path, KASPERSKY_APP);
    assert_null(k->publisher);
    assert_string_equal(inv_attr_get(k, "bundle_id"), "com.kaspersky.kis.mac");
    assert_string_equal(inv_attr_get(k, "executable"), "Kaspersky Internet Security");
    assert_null(inv_attr_get(k, "user"));
    const struct inv_evidence *e = find_evidence(k, "bundle.id", "com.kaspersky.kis.mac");
    assert_non_null(e);
    assert_int_equal(e->strength, INV_MEDIUM);
    assert_string_equal(e->source, KASPERSKY_APP "/Contents/Info.plist");
    assert_string_equal(e->locator, "CFBundleIdentifier");
    e = find_evidence(k, "bundle.name", "Kaspersky Internet Security");
    assert_non_null(e);
    assert_int_equal(e->strength, INV_WEAK);
    e = find_evidence(k, "path", KASPERSKY_APP);
    assert_non_null(e);
    assert_int_equal(e->strength, INV_WEAK);
    assert_int_equal(k->files.n, 1);
    assert_string_equal(k->files.v[0], KASPERSKY_APP "/Contents/MacOS/Kaspersky Internet Security");

    const struct inv_item *d = must_find(&inv, "bundle:com.microsoft.wdav");
    assert_string_equal(d->name, "Defender");
    assert_string_equal(d->version, "101.2"); /* CFBundleVersion when no short version */
    assert_string_equal(d->path, DEFENDER_APP);
    assert_non_null(find_evidence(d, "bundle.id", "com.microsoft.wdav"));

    const struct inv_item *n = must_find(&inv, "bundle:org.example.nested");
    assert_string_equal(n->path, "/Applications/Vendor Folder/Sub/Nested.app");
    const struct inv_item *t = must_find(&inv, "bundle:com.apple.Terminal");
    assert_string_equal(t->path, "/System/Applications/Utilities/Terminal.app");

    /* the same bundle id in ~/Applications gets its own id */
    const struct inv_item *b =
        must_find(&inv, "bundle:com.kaspersky.kis.mac@/Users/bob/Applications/Kaspersky Internet Security.app");
    assert_string_equal(inv_attr_get(b, "user"), "bob");
    assert_string_equal(b->version, "21.0.0.1");

    /* not found: inside a bundle, too deep, behind a symbolic link */
    assert_null(find_item(&inv, "bundle:com.kaspersky.helper"));
    assert_null(find_item(&inv, "bundle:org.example.toodeep"));
    assert_null(find_item(&inv, "bundle:org.example.linked"));
    assert_null(find_item(&inv, "bundle:/Applications/Linked.app"));
    inventory_free(&inv);
}

static void bundles_damaged(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), ASSAY_OK);
    assert_int_equal(inv_collect_bundles(&inv), ASSAY_OK);
    /* a corrupt plist: a problem, and an item with the path as its only evidence */
    assert_true(has_problem(&inv, "/Applications/Broken.app/Contents/Info.plist"));
    const struct inv_item *br = must_find(&inv, "bundle:/Applications/Broken.app");
    assert_string_equal(br->name, "Broken");
    assert_null(br->version);
    assert_int_equal(br->evidence.n, 1);
    assert_string_equal(br->evidence.v[0].attribute, "path");
    /* a plist that is not a dict */
    assert_true(has_problem(&inv, "/Applications/Array.app/Contents/Info.plist"));
    must_find(&inv, "bundle:/Applications/Array.app");
    /* no Info.plist at all: an item, not a problem */
    assert_false(has_problem(&inv, "/Applications/NoPlist.app/Contents/Info.plist"));
    assert_string_equal(must_find(&inv, "bundle:/Applications/NoPlist.app")->name, "NoPlist");
    assert_int_equal(inv.problems.n, 2);
    size_t bundles = 0;
    for (size_t i = 0; i < inv.items.n; i++)
        bundles += inv.items.v[i]->kind == INV_APP_BUNDLE;
    assert_int_equal(bundles, 8);
    inventory_free(&inv);
}

static void bundles_absent(void **state)
{
    (void)state;
    char empty[300];
    snprintf(empty, sizeof empty, "%s/elsewhere", root);
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, empty), ASSAY_OK);
    assert_int_equal(inv_collect_bundles(&inv), ASSAY_OK);
    assert_int_equal(inv_collect_browser(&inv), ASSAY_OK);
    assert_int_equal(inv.items.n, 0);
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);
}

/* ---- browser extensions ------------------------------------------------------- */

static void chromium_extensions(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), ASSAY_OK);
    assert_int_equal(inv_collect_browser(&inv), ASSAY_OK);

    const struct inv_item *c = must_find(&inv, "browser:chrome:alice/Default/" CHROME_EXT_ID);
    assert_int_equal(c->kind, INV_BROWSER_EXTENSION);
    assert_string_equal(c->collector, "browser");
    assert_string_equal(c->name, "Kaspersky Protection");
    assert_string_equal(c->version, "1.10"); /* 1.10_0 is newer than 0.9_0 */
    assert_string_equal(c->publisher, "AO Kaspersky Lab");
    assert_string_equal(c->path, CHROME_PROFILE "/Extensions/" CHROME_EXT_ID "/1.10_0");
    assert_string_equal(inv_attr_get(c, "browser"), "chrome");
    assert_string_equal(inv_attr_get(c, "profile"), "Default");
    assert_string_equal(inv_attr_get(c, "user"), "alice");
    assert_string_equal(inv_attr_get(c, "homepage_url"), "https://www.kaspersky.com");
    assert_string_equal(inv_attr_get(c, "update_url"), "https://clients2.google.com/service/update2/crx");
    const struct inv_evidence *e = find_evidence(c, "extension.id", CHROME_EXT_ID);
    assert_non_null(e);
    assert_int_equal(e->strength, INV_MEDIUM);
    assert_string_equal(e->source, CHROME_PROFILE "/Extensions/" CHROME_EXT_ID);
    e = find_evidence(c, "extension.name", "Kaspersky Protection");
    assert_non_null(e);
    assert_int_equal(e->strength, INV_WEAK);
    assert_string_equal(e->source, CHROME_PROFILE "/Extensions/" CHROME_EXT_ID "/1.10_0/_locales/en/messages.json");
    assert_string_equal(e->locator, "__MSG_appName__");
    e = find_evidence(c, "extension.name", "AO Kaspersky Lab");
    assert_non_null(e);
    assert_string_equal(e->locator, "author");
    assert_int_equal(count_evidence(c, "extension.name"), 2);

    const struct inv_item *edge = must_find(&inv, "browser:edge:carol/Default/" EDGE_EXT_ID);
    assert_string_equal(edge->name, "Helper");
    assert_string_equal(edge->publisher, "dev@example.com");
    assert_string_equal(inv_attr_get(edge, "user"), "carol");

    /* the broken manifest of Profile 1 */
    assert_null(find_item(&inv, "browser:chrome:alice/Profile 1/" CHROME_EXT_ID));
    assert_true(has_problem(&inv, "/home/alice/.config/google-chrome/Profile 1/Extensions/" CHROME_EXT_ID
                                  "/1.0_0/manifest.json"));
    inventory_free(&inv);
}

static void firefox_extensions(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), ASSAY_OK);
    assert_int_equal(inv_collect_browser(&inv), ASSAY_OK);
#define FF_ID "light_plugin_F6F079488B53499DB99380A7E11A93F6@kaspersky.com"
    const struct inv_item *f = must_find(&inv, "browser:firefox:alice/k3x9.default-release/" FF_ID);
    assert_string_equal(f->name, "Kaspersky Protection");
    assert_string_equal(f->version, "4.0.1");
    assert_string_equal(f->publisher, "Kaspersky Lab");
    assert_string_equal(f->path, FIREFOX_PROFILE "/extensions/" FF_ID ".xpi");
    assert_string_equal(inv_attr_get(f, "browser"), "firefox");
    assert_string_equal(inv_attr_get(f, "location"), "app-profile");
    assert_string_equal(inv_attr_get(f, "enabled"), "true");
    assert_string_equal(inv_attr_get(f, "homepage_url"), "https://www.kaspersky.com/");
    const struct inv_evidence *e = find_evidence(f, "extension.id", FF_ID);
    assert_non_null(e);
    assert_int_equal(e->strength, INV_MEDIUM);
    assert_string_equal(e->source, FIREFOX_PROFILE "/extensions.json");
    assert_string_equal(e->locator, "addons[0]");
    assert_non_null(find_evidence(f, "extension.name", "Kaspersky Protection"));
    assert_non_null(find_evidence(f, "extension.name", "Kaspersky Lab"));

    /* an extension without a locale: named by its id, no name evidence */
    const struct inv_item *p = must_find(&inv, "browser:firefox:alice/k3x9.default-release/plain@example.org");
    assert_string_equal(p->name, "plain@example.org");
    assert_string_equal(p->path, FIREFOX_PROFILE);
    assert_string_equal(inv_attr_get(p, "enabled"), "false");
    assert_int_equal(count_evidence(p, "extension.name"), 0);

    /* a theme and a built-in add-on are not items */
    assert_null(find_item(&inv, "browser:firefox:alice/k3x9.default-release/dark@themes"));
    assert_null(find_item(&inv, "browser:firefox:alice/k3x9.default-release/webcompat@mozilla.org"));
    assert_true(has_problem(&inv, "/Users/carol/AppData/Roaming/Mozilla/Firefox/Profiles/x1.default/extensions.json"));

    size_t firefox = 0;
    for (size_t i = 0; i < inv.items.n; i++)
        firefox += strcmp(inv_attr_get(inv.items.v[i], "browser"), "firefox") == 0;
    assert_int_equal(firefox, 2);
    assert_int_equal(inv.items.n, 4);
    assert_int_equal(inv.problems.n, 2);
    inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundles_xml_and_binary),
        cmocka_unit_test(bundles_damaged),
        cmocka_unit_test(bundles_absent),
        cmocka_unit_test(chromium_extensions),
        cmocka_unit_test(firefox_extensions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
