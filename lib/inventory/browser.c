/* browser.c — browser extensions (INV_BROWSER_EXTENSION) of Chromium-family
 * browsers and Firefox, from the users' profiles.
 *
 * Where (each below every home: /root, /home/<user>, /Users/<user>; the
 * Windows and macOS locations are both tried under /Users):
 *   Chromium family, <user data>/<profile>/Extensions/<id>/<version>/manifest.json
 *     chrome    .config/google-chrome | AppData/Local/Google/Chrome/User Data |
 *               Library/Application Support/Google/Chrome
 *     chromium  .config/chromium | AppData/Local/Chromium/User Data |
 *               Library/Application Support/Chromium
 *     edge      .config/microsoft-edge | AppData/Local/Microsoft/Edge/User Data |
 *               Library/Application Support/Microsoft Edge
 *     brave     .config/BraveSoftware/Brave-Browser | AppData/Local/BraveSoftware/
 *               Brave-Browser/User Data | Library/Application Support/BraveSoftware/Brave-Browser
 *   Firefox, <profiles>/<profile>/extensions.json
 *     .mozilla/firefox | snap/firefox/common/.mozilla/firefox |
 *     .var/app/org.mozilla.firefox/.mozilla/firefox | AppData/Roaming/Mozilla/Firefox/Profiles |
 *     Library/Application Support/Firefox/Profiles
 * Only these folders are listed (a few directory listings per home), and
 * symbolic links among the listed entries are never followed.
 *
 * Chromium: an extension folder is named by its 32-letter id (a-p); of its
 * version folders the highest version is read. A "__MSG_key__" name is
 * looked up in _locales/<default_locale>/messages.json (then en, en_US).
 * Unpacked (developer-mode) extensions and extension state kept in the
 * Preferences files are not read.
 * Firefox: the add-ons of type "extension" in extensions.json, except those
 * that are part of Firefox itself (locations app-builtin, app-system-defaults,
 * app-system-addons).
 *
 * An item per extension and profile: id "browser:<browser>:<user>/<profile>/<ext id>",
 * facts browser, profile, user, homepage_url, update_url (Chromium), location
 * and enabled (Firefox); publisher = the author / creator. Evidence:
 * extension.id (medium), extension.name (weak) for the name and for the
 * author. A manifest or extensions.json that cannot be read or parsed is an
 * inv_problem (files are read up to 4 MiB for manifests and messages,
 * 64 MiB for extensions.json). */
#include "inventory/inventory.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "assay.h"
#include "util/error.h"

#define MANIFEST_MAX ((size_t)4 << 20)
#define EXTENSIONS_JSON_MAX ((size_t)64 << 20)
#define BROWSER_MAX_DIR_ENTRIES 100000 /* sub-folders listed from one folder */
#define CHROMIUM_ID_LEN 32

/* ---- listing folders ------------------------------------------------------------ */

static int out_of_memory(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

/* The real sub-folders of root-relative `rel`, sorted (inv_list_dir): none
 * when it does not exist or cannot be listed (then a problem). 0 or
 * ASSAY_ENOMEM. */
static int list_subdirs(struct inventory *inv, const char *rel, char ***names, size_t *count)
{
    int rc = inv_list_dir(inv, rel, INV_LIST_DIRS, BROWSER_MAX_DIR_ENTRIES, names, count);
    return rc == ASSAY_ENOMEM ? rc : 0;
}

/* ---- JSON files --------------------------------------------------------------- */

/* A JSON object read from root-relative `rel`: NULL when the file is absent,
 * or unreadable or malformed (then a problem). *rc is 0 or ASSAY_ENOMEM. */
static json_t *read_json_object(struct inventory *inv, const char *rel, size_t max, int *rc)
{
    struct util_buf buf = {0};
    *rc = 0;
    int r = inv_read_file(inv, rel, max, &buf);
    if (r != 0) {
        if (r == ASSAY_ENOMEM)
            *rc = r;
        util_buf_free(&buf);
        return NULL; /* absent, or already recorded as a problem */
    }
    const char *text = (const char *)buf.data;
    size_t len = buf.len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) /* Chrome's tools write a BOM */
        text += 3, len -= 3;
    json_error_t err;
    json_t *doc = json_loadb(text, len, 0, &err);
    if (doc == NULL)
        inv_problem_add(inv, rel, "JSON line %d: %s", err.line, err.text);
    else if (!json_is_object(doc))
        inv_problem_add(inv, rel, "JSON: the top level is not an object");
    if (doc != NULL && !json_is_object(doc)) {
        json_decref(doc);
        doc = NULL;
    }
    util_buf_free(&buf);
    return doc;
}

static const char *json_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s && s[0] ? s : NULL;
}

/* ---- homes ----------------------------------------------------------------------- */

struct home {
    const char *path;   /* root-relative home folder */
    const char *user;
};

typedef int (*home_fn)(struct inventory *inv, const struct home *h);

/* Call fn for /root and every folder of /home and /Users. */
static int for_each_home(struct inventory *inv, home_fn fn)
{
    static const char *const parents[] = {"/home", "/Users"};
    struct home root = {"/root", "root"};
    int rc = inv_exists(inv, root.path) ? fn(inv, &root) : 0;
    for (size_t p = 0; rc == 0 && p < sizeof parents / sizeof parents[0]; p++) {
        char **users;
        size_t n;
        if ((rc = list_subdirs(inv, parents[p], &users, &n)) != 0)
            break;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            struct home h = {inv_printf(inv, "%s/%s", parents[p], users[i]), inv_strdup(inv, users[i])};
            rc = h.path && h.user ? fn(inv, &h) : out_of_memory();
        }
        inv_names_free(users, n);
    }
    return rc;
}

/* The extension item with the facts every browser shares. */
static struct inv_item *extension_item(struct inventory *inv, const char *browser, const struct home *h,
                                       const char *profile, const char *ext_id)
{
    struct inv_item *it = inv_item_new(inv, INV_BROWSER_EXTENSION, "browser");
    if (it == NULL)
        return NULL;
    it->id = inv_printf(inv, "browser:%s:%s/%s/%s", browser, h->user, profile, ext_id);
    if (it->id == NULL || inv_attr_add(inv, it, "browser", browser) != 0 ||
        inv_attr_add(inv, it, "profile", profile) != 0 || inv_attr_add(inv, it, "user", h->user) != 0)
        return NULL;
    return it;
}

/* ---- Chromium ------------------------------------------------------------------- */

static const struct {
    const char *browser;
    const char *user_data; /* below the home */
} chromium_dirs[] = {
    {"chrome", ".config/google-chrome"},
    {"chromium", ".config/chromium"},
    {"edge", ".config/microsoft-edge"},
    {"brave", ".config/BraveSoftware/Brave-Browser"},
    {"chrome", "AppData/Local/Google/Chrome/User Data"},
    {"chromium", "AppData/Local/Chromium/User Data"},
    {"edge", "AppData/Local/Microsoft/Edge/User Data"},
    {"brave", "AppData/Local/BraveSoftware/Brave-Browser/User Data"},
    {"chrome", "Library/Application Support/Google/Chrome"},
    {"chromium", "Library/Application Support/Chromium"},
    {"edge", "Library/Application Support/Microsoft Edge"},
    {"brave", "Library/Application Support/BraveSoftware/Brave-Browser"},
};

/* Where an extension's files were found. */
struct chromium_ext {
    const char *browser;
    const struct home *home;
    const char *profile;
    const char *id;
    const char *dir;       /* root-relative .../Extensions/<id> */
    const char *version_dir;
};

static bool is_chromium_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < 'a' || s[n] > 'p')
            return false;
    return n == CHROMIUM_ID_LEN;
}

/* Order of two version folder names ("1.2.10_0" > "1.2.9_3"): numeric
 * fields split at '.' and '_', compared as numbers, then as text. */
static int compare_versions(const char *a, const char *b)
{
    while (*a && *b) {
        char *ea, *eb;
        unsigned long long va = strtoull(a, &ea, 10), vb = strtoull(b, &eb, 10);
        if (ea == a || eb == b)
            break;
        if (va != vb)
            return va < vb ? -1 : 1;
        a = ea, b = eb;
        if (*a != *b)
            break;
        if (*a)
            a++, b++;
    }
    return strcmp(a, b);
}

/* A localised message: messages.json's {"Key": {"message": "..."}}, keys
 * compared without case as Chromium does. */
static const char *lookup_message(const json_t *messages, const char *key)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)messages, k, v)
    {
        if (strcasecmp(k, key) == 0)
            return json_str(v, "message");
    }
    return NULL;
}

/* The name behind "__MSG_key__" from the extension's locales (an arena copy),
 * or NULL. *rc: 0 or ASSAY_ENOMEM. */
static const char *resolve_message(struct inventory *inv, const struct chromium_ext *x, const char *raw,
                                   const char *default_locale, const char **source, int *rc)
{
    *rc = 0;
    size_t n = strlen(raw);
    if (n <= 8 || strncmp(raw, "__MSG_", 6) != 0 || strcmp(raw + n - 2, "__") != 0)
        return NULL;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(n - 8), raw + 6);
    const char *locales[] = {default_locale, "en", "en_US"};
    for (size_t i = 0; i < sizeof locales / sizeof locales[0]; i++) {
        if (locales[i] == NULL || strchr(locales[i], '/') != NULL || strstr(locales[i], "..") != NULL)
            continue;
        const char *rel = inv_printf(inv, "%s/_locales/%s/messages.json", x->version_dir, locales[i]);
        if (rel == NULL)
            return *rc = out_of_memory(), NULL;
        json_t *messages = read_json_object(inv, rel, MANIFEST_MAX, rc);
        const char *found = messages ? inv_strdup(inv, lookup_message(messages, key)) : NULL;
        json_decref(messages);
        if (*rc != 0 || found != NULL) {
            *source = rel;
            return found;
        }
    }
    return NULL;
}

/* "author" is a string, or an object with "email". */
static const char *manifest_author(const json_t *manifest)
{
    const json_t *a = json_object_get(manifest, "author");
    return json_is_object(a) ? json_str(a, "email") : json_string_value(a);
}

static int describe_chromium_extension(struct inventory *inv, struct inv_item *it, const struct chromium_ext *x,
                                       const json_t *manifest, const char *manifest_path)
{
    const char *raw_name = json_str(manifest, "name");
    const char *name_source = manifest_path;
    int rc = 0;
    const char *name = raw_name ? resolve_message(inv, x, raw_name, json_str(manifest, "default_locale"),
                                                  &name_source, &rc)
                                : NULL;
    if (rc != 0)
        return rc;
    bool localised = name != NULL;
    if (name == NULL && raw_name != NULL && strncmp(raw_name, "__MSG_", 6) != 0)
        name = raw_name;
    const char *author = manifest_author(manifest);
    it->name = inv_strdup(inv, name ? name : raw_name ? raw_name : x->id);
    it->version = inv_strdup(inv, json_str(manifest, "version"));
    it->publisher = inv_strdup(inv, author);
    it->path = inv_strdup(inv, x->version_dir);
    if (it->name == NULL || it->path == NULL)
        return out_of_memory();
    if ((rc = inv_attr_add(inv, it, "homepage_url", json_str(manifest, "homepage_url"))) != 0 ||
        (rc = inv_attr_add(inv, it, "update_url", json_str(manifest, "update_url"))) != 0 ||
        (rc = inv_evidence_add(inv, it, "extension.id", x->id, x->dir, NULL, INV_MEDIUM)) != 0 ||
        (rc = inv_evidence_add(inv, it, "extension.name", name, name_source,
                               localised ? raw_name : "name", INV_WEAK)) != 0 ||
        (rc = inv_evidence_add(inv, it, "extension.name", author, manifest_path, "author", INV_WEAK)) != 0)
        return rc;
    return 0;
}

/* The highest version folder of one extension, its manifest, its item. */
static int add_chromium_extension(struct inventory *inv, struct chromium_ext *x)
{
    char **versions;
    size_t n;
    int rc = list_subdirs(inv, x->dir, &versions, &n);
    if (rc != 0 || n == 0) {
        inv_names_free(versions, n);
        return rc;
    }
    const char *best = versions[0];
    for (size_t i = 1; i < n; i++)
        if (compare_versions(versions[i], best) > 0)
            best = versions[i];
    x->version_dir = inv_printf(inv, "%s/%s", x->dir, best);
    inv_names_free(versions, n);
    const char *manifest_path = x->version_dir ? inv_printf(inv, "%s/manifest.json", x->version_dir) : NULL;
    if (manifest_path == NULL)
        return out_of_memory();
    json_t *manifest = read_json_object(inv, manifest_path, MANIFEST_MAX, &rc);
    if (manifest != NULL) {
        struct inv_item *it = extension_item(inv, x->browser, x->home, x->profile, x->id);
        rc = it ? describe_chromium_extension(inv, it, x, manifest, manifest_path) : out_of_memory();
        json_decref(manifest);
    }
    return rc;
}

/* Every profile folder of one user-data folder that has Extensions/. */
static int scan_chromium_user_data(struct inventory *inv, const struct home *h, const char *browser,
                                   const char *user_data)
{
    char **profiles;
    size_t np;
    int rc = list_subdirs(inv, user_data, &profiles, &np);
    for (size_t p = 0; rc == 0 && p < np; p++) {
        const char *ext_root = inv_printf(inv, "%s/%s/Extensions", user_data, profiles[p]);
        const char *profile = inv_strdup(inv, profiles[p]);
        if (ext_root == NULL || profile == NULL) {
            rc = out_of_memory();
            break;
        }
        char **ids;
        size_t ni;
        rc = list_subdirs(inv, ext_root, &ids, &ni);
        for (size_t i = 0; rc == 0 && i < ni; i++) {
            if (!is_chromium_id(ids[i]))
                continue; /* "Temp" and the like */
            struct chromium_ext x = {.browser = browser, .home = h, .profile = profile};
            x.id = inv_strdup(inv, ids[i]);
            x.dir = inv_printf(inv, "%s/%s", ext_root, ids[i]);
            rc = x.id && x.dir ? add_chromium_extension(inv, &x) : out_of_memory();
        }
        inv_names_free(ids, ni);
    }
    inv_names_free(profiles, np);
    return rc;
}

static int scan_chromium_home(struct inventory *inv, const struct home *h)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof chromium_dirs / sizeof chromium_dirs[0]; i++) {
        const char *user_data = inv_printf(inv, "%s/%s", h->path, chromium_dirs[i].user_data);
        rc = user_data ? scan_chromium_user_data(inv, h, chromium_dirs[i].browser, user_data) : out_of_memory();
    }
    return rc;
}

/* ---- Firefox ---------------------------------------------------------------------- */

static const char *const firefox_dirs[] = {
    ".mozilla/firefox",
    "snap/firefox/common/.mozilla/firefox",
    ".var/app/org.mozilla.firefox/.mozilla/firefox",
    "AppData/Roaming/Mozilla/Firefox/Profiles",
    "Library/Application Support/Firefox/Profiles",
};

/* Add-on locations that are part of Firefox itself, not installed by anyone. */
static bool is_builtin_location(const char *location)
{
    return location != NULL && (strcmp(location, "app-builtin") == 0 || strcmp(location, "app-system-defaults") == 0 ||
                                strcmp(location, "app-system-addons") == 0);
}

/* The installed .xpi when it is there, else the profile folder. */
static const char *firefox_extension_path(struct inventory *inv, const char *profile_dir, const char *id)
{
    if (strchr(id, '/') == NULL && strcmp(id, "..") != 0) {
        const char *xpi = inv_printf(inv, "%s/extensions/%s.xpi", profile_dir, id);
        if (xpi != NULL && inv_exists(inv, xpi))
            return xpi;
    }
    return inv_strdup(inv, profile_dir);
}

static int add_firefox_addon(struct inventory *inv, const struct home *h, const char *profile,
                             const char *profile_dir, const char *source, size_t index, const json_t *addon)
{
    const char *id = json_str(addon, "id");
    const char *type = json_str(addon, "type");
    const char *location = json_str(addon, "location");
    if (id == NULL || type == NULL || strcmp(type, "extension") != 0 || is_builtin_location(location))
        return 0;
    const json_t *locale = json_object_get(addon, "defaultLocale");
    const char *name = json_str(locale, "name");
    const char *creator = json_str(locale, "creator");
    const json_t *active = json_object_get(addon, "active");
    struct inv_item *it = extension_item(inv, "firefox", h, profile, id);
    if (it == NULL)
        return out_of_memory();
    it->name = inv_strdup(inv, name ? name : id);
    it->version = inv_strdup(inv, json_str(addon, "version"));
    it->publisher = inv_strdup(inv, creator);
    it->path = firefox_extension_path(inv, profile_dir, id);
    const char *at = inv_printf(inv, "addons[%zu]", index);
    const char *at_name = inv_printf(inv, "addons[%zu].defaultLocale.name", index);
    const char *at_creator = inv_printf(inv, "addons[%zu].defaultLocale.creator", index);
    if (it->name == NULL || it->path == NULL || at == NULL || at_name == NULL || at_creator == NULL)
        return out_of_memory();
    int rc;
    if ((rc = inv_attr_add(inv, it, "location", location)) != 0 ||
        (rc = inv_attr_add(inv, it, "enabled", json_is_boolean(active) ? (json_is_true(active) ? "true" : "false")
                                                                        : NULL)) != 0 ||
        (rc = inv_attr_add(inv, it, "homepage_url", json_str(locale, "homepageURL"))) != 0 ||
        (rc = inv_evidence_add(inv, it, "extension.id", id, source, at, INV_MEDIUM)) != 0 ||
        (rc = inv_evidence_add(inv, it, "extension.name", name, source, at_name, INV_WEAK)) != 0 ||
        (rc = inv_evidence_add(inv, it, "extension.name", creator, source, at_creator, INV_WEAK)) != 0)
        return rc;
    return 0;
}

static int scan_firefox_profile(struct inventory *inv, const struct home *h, const char *profiles_dir,
                                const char *profile_name)
{
    const char *profile = inv_strdup(inv, profile_name);
    const char *profile_dir = inv_printf(inv, "%s/%s", profiles_dir, profile_name);
    const char *source = profile_dir ? inv_printf(inv, "%s/extensions.json", profile_dir) : NULL;
    if (profile == NULL || source == NULL)
        return out_of_memory();
    int rc;
    json_t *doc = read_json_object(inv, source, EXTENSIONS_JSON_MAX, &rc);
    if (doc == NULL)
        return rc;
    const json_t *addons = json_object_get(doc, "addons");
    if (!json_is_array(addons))
        inv_problem_add(inv, source, "no \"addons\" array");
    size_t i;
    const json_t *addon;
    json_array_foreach(addons, i, addon)
    {
        if (json_is_object(addon) && (rc = add_firefox_addon(inv, h, profile, profile_dir, source, i, addon)) != 0)
            break;
    }
    json_decref(doc);
    return rc;
}

static int scan_firefox_home(struct inventory *inv, const struct home *h)
{
    int rc = 0;
    for (size_t d = 0; rc == 0 && d < sizeof firefox_dirs / sizeof firefox_dirs[0]; d++) {
        const char *profiles_dir = inv_printf(inv, "%s/%s", h->path, firefox_dirs[d]);
        if (profiles_dir == NULL)
            return out_of_memory();
        char **profiles;
        size_t n;
        rc = list_subdirs(inv, profiles_dir, &profiles, &n);
        for (size_t p = 0; rc == 0 && p < n; p++)
            rc = scan_firefox_profile(inv, h, profiles_dir, profiles[p]);
        inv_names_free(profiles, n);
    }
    return rc;
}

/* ---- collector ------------------------------------------------------------------------ */

static int scan_home(struct inventory *inv, const struct home *h)
{
    int rc = scan_chromium_home(inv, h);
    return rc != 0 ? rc : scan_firefox_home(inv, h);
}

int inv_collect_browser(struct inventory *inv)
{
    return for_each_home(inv, scan_home);
}
