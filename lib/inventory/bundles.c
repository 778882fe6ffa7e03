/* bundles.c — macOS application bundles (INV_APP_BUNDLE), from each
 * bundle's Contents/Info.plist (XML or binary, format/plist.h).
 *
 * Where: the Applications folders only — /Applications, /System/Applications
 * (Apple's own apps since macOS 10.15) and /Users/<user>/Applications. A
 * folder whose name ends in ".app" is a bundle; any other folder is searched
 * too, down to BUNDLE_MAX_DEPTH levels below the Applications folder, so
 * vendor folders such as "/Applications/Kaspersky Lab/Uninstall.app" or
 * "/System/Applications/Utilities/Terminal.app" are found. The inside of a
 * bundle is not searched: helper apps in Contents/ belong to their bundle.
 * Nothing else of the file system is walked (the whole collector costs a few
 * directory listings), and symbolic links among the listed entries are never
 * followed (no loops, and an offline root's absolute links cannot lead out of
 * it).
 *
 * An item per bundle: id "bundle:<CFBundleIdentifier>" (the bundle's path
 * when it has none; "@<path>" is appended when two bundles share an id),
 * name CFBundleDisplayName, else CFBundleName, else the folder name; version
 * CFBundleShortVersionString, else CFBundleVersion. Evidence: bundle.id
 * (medium), bundle.name (weak, each distinct name), path (weak). Facts:
 * bundle_id, bundle_version, executable, copyright (NSHumanReadableCopyright),
 * user (for ~/Applications). A bundle without an Info.plist, or whose
 * Info.plist cannot be parsed (an inv_problem), still gets an item named
 * after its folder with the path as its only evidence. */
#include "inventory/inventory.h"

#include <string.h>
#include <strings.h>

#include "assay.h"
#include "format/plist.h"
#include "util/error.h"

#define BUNDLE_MAX_DEPTH 3          /* folder levels searched below an Applications folder */
#define BUNDLE_MAX_DIR_ENTRIES 100000 /* sub-folders listed from one folder */

/* ---- listing folders ------------------------------------------------------------ */

/* The real sub-folders of root-relative `rel`, sorted (inv_list_dir): none
 * when it does not exist or cannot be listed (then a problem). 0 or
 * ASSAY_ENOMEM. */
static int list_subdirs(struct inventory *inv, const char *rel, char ***names, size_t *count)
{
    int rc = inv_list_dir(inv, rel, INV_LIST_DIRS, BUNDLE_MAX_DIR_ENTRIES, names, count);
    return rc == ASSAY_ENOMEM ? rc : 0;
}

/* ---- one bundle --------------------------------------------------------------- */

struct bundle {
    const char *path;          /* root-relative, ".../X.app" */
    const char *plist_path;    /* path + "/Contents/Info.plist" */
    const char *user;          /* owner of ~/Applications, or NULL */
    const struct plist_node *info; /* the Info.plist dict, NULL when none was read */
};

static bool ends_with_app(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".app") == 0;
}

/* "X" of ".../X.app". */
static const char *folder_stem(struct inventory *inv, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return inv_strndup(inv, base, strlen(base) - 4);
}

static bool id_taken(const struct inventory *inv, const char *id)
{
    for (size_t i = 0; i < inv->items.n; i++) {
        const struct inv_item *it = inv->items.v[i];
        if (it->kind == INV_APP_BUNDLE && it->id != NULL && strcmp(it->id, id) == 0)
            return true;
    }
    return false;
}

static const char *bundle_item_id(struct inventory *inv, const char *bundle_id, const char *path)
{
    const char *id = inv_printf(inv, "bundle:%s", bundle_id && bundle_id[0] ? bundle_id : path);
    if (id != NULL && bundle_id && bundle_id[0] && id_taken(inv, id))
        id = inv_printf(inv, "bundle:%s@%s", bundle_id, path);
    return id;
}

/* CFBundleExecutable as an owned file, when it is a plain name that exists. */
static int add_executable_file(struct inventory *inv, struct inv_item *it, const struct bundle *b,
                               const char *exec)
{
    if (exec == NULL || exec[0] == '\0' || strchr(exec, '/') != NULL || strcmp(exec, "..") == 0 ||
        strcmp(exec, ".") == 0)
        return 0;
    const char *file = inv_printf(inv, "%s/Contents/MacOS/%s", b->path, exec);
    if (file == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    return inv_exists(inv, file) ? inv_file_add(inv, it, file) : 0;
}

/* The item's facts and evidence from Info.plist (b->info may be NULL). */
static int describe_bundle(struct inventory *inv, struct inv_item *it, const struct bundle *b)
{
    const char *bundle_id = plist_dict_string(b->info, "CFBundleIdentifier");
    const char *name = plist_dict_string(b->info, "CFBundleName");
    const char *display = plist_dict_string(b->info, "CFBundleDisplayName");
    const char *short_version = plist_dict_string(b->info, "CFBundleShortVersionString");
    const char *build = plist_dict_string(b->info, "CFBundleVersion");
    const char *exec = plist_dict_string(b->info, "CFBundleExecutable");
    const char *src = b->plist_path;
    int rc;
    it->id = bundle_item_id(inv, bundle_id, b->path);
    it->name = display && display[0] ? inv_strdup(inv, display)
               : name && name[0]     ? inv_strdup(inv, name)
                                     : folder_stem(inv, b->path);
    it->version = inv_strdup(inv, short_version && short_version[0] ? short_version : build);
    it->path = inv_strdup(inv, b->path);
    if (it->id == NULL || it->name == NULL || it->path == NULL || ((short_version || build) && !it->version))
        return util_error(ASSAY_ENOMEM, "out of memory");
    if ((rc = inv_attr_add(inv, it, "bundle_id", bundle_id)) != 0 ||
        (rc = inv_attr_add(inv, it, "bundle_version", build)) != 0 ||
        (rc = inv_attr_add(inv, it, "executable", exec)) != 0 ||
        (rc = inv_attr_add(inv, it, "copyright", plist_dict_string(b->info, "NSHumanReadableCopyright"))) != 0 ||
        (rc = inv_attr_add(inv, it, "user", b->user)) != 0)
        return rc;
    if ((rc = inv_evidence_add(inv, it, "bundle.id", bundle_id, src, "CFBundleIdentifier", INV_MEDIUM)) != 0 ||
        (rc = inv_evidence_add(inv, it, "bundle.name", name, src, "CFBundleName", INV_WEAK)) != 0)
        return rc;
    if (display && (!name || strcmp(display, name) != 0) &&
        (rc = inv_evidence_add(inv, it, "bundle.name", display, src, "CFBundleDisplayName", INV_WEAK)) != 0)
        return rc;
    if ((rc = inv_evidence_add(inv, it, "path", b->path, b->path, NULL, INV_WEAK)) != 0)
        return rc;
    return add_executable_file(inv, it, b, exec);
}

/* Read and parse Info.plist into *pl; b->info is its top dict or NULL (a
 * missing file is not a problem, a damaged one is). 0 or ASSAY_ENOMEM. */
static int read_info_plist(struct inventory *inv, struct bundle *b, struct plist *pl)
{
    struct util_buf buf = {0};
    memset(pl, 0, sizeof *pl);
    int rc = inv_read_file(inv, b->plist_path, PLIST_MAX_INPUT, &buf);
    if (rc == 0) {
        rc = plist_parse(buf.data, buf.len, pl);
        if (rc != 0 && rc != ASSAY_ENOMEM)
            inv_problem_add(inv, b->plist_path, "%s", assay_last_error());
        else if (rc == 0 && pl->root->type != PLIST_DICT)
            inv_problem_add(inv, b->plist_path, "property list holds a %s, not a dict",
                            plist_type_name(pl->root->type));
        else if (rc == 0)
            b->info = pl->root;
    }
    util_buf_free(&buf);
    return rc == ASSAY_ENOMEM ? rc : 0; /* unreadable files are already problems */
}

static int add_bundle(struct inventory *inv, const char *path, const char *user)
{
    struct bundle b = {.path = path, .user = user};
    b.plist_path = inv_printf(inv, "%s/Contents/Info.plist", path);
    if (b.plist_path == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    struct plist pl;
    int rc = read_info_plist(inv, &b, &pl);
    if (rc == 0) {
        struct inv_item *it = inv_item_new(inv, INV_APP_BUNDLE, "bundle");
        rc = it ? describe_bundle(inv, it, &b) : util_error(ASSAY_ENOMEM, "out of memory");
    }
    plist_free(&pl);
    return rc;
}

/* ---- the Applications folders ------------------------------------------------ */

/* Bundles in `rel` and, for folders that are not bundles, below it (depth:
 * levels already descended). */
static int scan_folder(struct inventory *inv, const char *rel, const char *user, int depth)
{
    char **names;
    size_t n;
    int rc = list_subdirs(inv, rel, &names, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *child = inv_printf(inv, "%s/%s", rel, names[i]);
        if (child == NULL)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
        else if (ends_with_app(names[i]))
            rc = add_bundle(inv, child, user);
        else if (depth + 1 < BUNDLE_MAX_DEPTH)
            rc = scan_folder(inv, child, user, depth + 1);
    }
    inv_names_free(names, n);
    return rc;
}

int inv_collect_bundles(struct inventory *inv)
{
    int rc;
    if ((rc = scan_folder(inv, "/Applications", NULL, 0)) != 0 ||
        (rc = scan_folder(inv, "/System/Applications", NULL, 0)) != 0)
        return rc;
    char **users;
    size_t n;
    if ((rc = list_subdirs(inv, "/Users", &users, &n)) != 0)
        return rc;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *user = inv_strdup(inv, users[i]);
        const char *apps = inv_printf(inv, "/Users/%s/Applications", users[i]);
        rc = user && apps ? scan_folder(inv, apps, user, 0) : util_error(ASSAY_ENOMEM, "out of memory");
    }
    inv_names_free(users, n);
    return rc;
}
