/* registry.c — Windows programs, services, drivers and trusted root
 * certificates from the registry hives of an offline Windows root (libhivex).
 *
 * Hives, found below the root with every path component matched
 * case-insensitively (offline NTFS mounts and extracted trees vary in case;
 * symbolic links resolve inside the root, see inv_path; a junction such as
 * "Documents and Settings" -> Users is caught by the device/inode check):
 *   Windows/System32/config/SOFTWARE                     mounted at HKLM\SOFTWARE
 *   Windows/System32/config/SYSTEM                       mounted at HKLM\SYSTEM
 *   Users/<profile>/NTUSER.DAT,
 *   Documents and Settings/<profile>/NTUSER.DAT          mounted at HKU\<profile>
 * A hive reached twice (same device and inode) is read once. Hives are opened
 * read-only; transaction logs (*.LOG1/2) are not replayed, so a hive saved
 * dirty shows its last flushed state.
 *
 * What is read
 *   programs      SOFTWARE Microsoft\Windows\CurrentVersion\Uninstall\*,
 *                 SOFTWARE WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*
 *                 (attr wow64=1), NTUSER Software\Microsoft\Windows\CurrentVersion\
 *                 Uninstall\* (attr user). A key without DisplayName is skipped, as
 *                 Windows' Programs list does (updates, MSI leftovers). A key with
 *                 SystemComponent=1 is kept, with attr system_component=1: Windows
 *                 hides it, but an inventory of vendors wants hidden components too.
 *   services and  SYSTEM <ControlSet00N of Select\Current; ControlSet001 when that is
 *   drivers       missing or absent>\Services\*: Type 0x1/0x2 -> driver; 0x10/0x20
 *                 (own/shared process, with the 0x40/0x80 per-user and 0x100
 *                 interactive flags) -> service; other types (adapters, recognizers)
 *                 and keys without a DWORD Type are skipped.
 *   certificates  SOFTWARE Microsoft\SystemCertificates\ROOT, ...\AuthRoot,
 *                 Policies\Microsoft\SystemCertificates\Root (Group Policy),
 *                 Microsoft\EnterpriseCertificates\Root, NTUSER Software\Microsoft\
 *                 SystemCertificates\Root; each <store>\Certificates\<SHA-1>\Blob is a
 *                 property list whose property 0x20 is the DER certificate.
 *
 * Ids (stable between runs on one host)
 *   registry:program:<key path>        HKLM\SOFTWARE\Microsoft\...\Uninstall\{GUID}
 *   registry:service:<name>, registry:driver:<name>   the service key name (stable
 *                                      when Windows switches control sets)
 *   registry:certificate:<key path>    HKLM\SOFTWARE\...\ROOT\Certificates\<SHA-1>
 *
 * Evidence: source = the hive's root-relative path (/Windows/System32/config/
 * SOFTWARE); locator = the full key path, the hive's mount point first, then a
 * backslash and the value name, e.g.
 *   HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\{GUID}\Publisher
 *   HKLM\SYSTEM\ControlSet001\Services\klif\ImagePath
 *   HKU\alice\Software\Microsoft\SystemCertificates\Root\Certificates\<SHA-1>\Blob
 * (the SID of HKU is not stored in the hive: the profile folder names the user).
 *
 * Strings: REG_SZ and REG_EXPAND_SZ are decoded from UTF-16LE here rather than
 * with hivex_value_string(), which fails (EILSEQ) on a whole value for one
 * unpaired surrogate; here invalid units become U+FFFD and the string ends at
 * its first NUL. A value of another type where a string is expected, and an
 * empty string, count as absent. Indirect strings (@file.dll,-100) are kept
 * raw as attrs; they are not used as names or evidence.
 *
 * Limits (registry.h): REGISTRY_MAX_KEYS keys enumerated per hive (the rest of
 * the hive is skipped, one problem); values above REGISTRY_MAX_VALUE bytes are
 * not read; REGISTRY_MAX_PROFILES profiles per profile folder. A hive that
 * hivex cannot open is a problem naming the hive; keys and values hivex cannot
 * read (corrupt cells) are skipped and counted in one problem per hive. */
#include "inventory/registry.h"

#include <dirent.h>
#include <errno.h>
#include <hivex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "inventory/cert_item.h"
#include "util/error.h"

#define SOFTWARE_HIVE "Windows/System32/config/SOFTWARE"
#define SYSTEM_HIVE "Windows/System32/config/SYSTEM"
#define UNINSTALL "Microsoft\\Windows\\CurrentVersion\\Uninstall"

#define TRY(expr)                     \
    do {                              \
        int try_rc_ = (expr);         \
        if (try_rc_ != 0)             \
            return try_rc_;           \
    } while (0)

static int oom(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

/* A malloc'ed formatted string, NULL on OOM. */
static char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p;
    int n = vasprintf(&p, fmt, ap);
    va_end(ap);
    return n < 0 ? NULL : p;
}

/* ---- finding hive files below the root -------------------------------------- */

static bool stat_rel(const struct inventory *inv, const char *rel, struct stat *st)
{
    char *p = inv_path(inv, rel);
    bool ok = p != NULL && lstat(p, st) == 0;
    free(p);
    return ok;
}

static bool is_wanted_type(const struct inventory *inv, const char *rel, bool want_dir, struct stat *st)
{
    return stat_rel(inv, rel, st) && (want_dir ? S_ISDIR(st->st_mode) : S_ISREG(st->st_mode));
}

/* "<dir>/<name>" where dir is root-relative without a trailing '/' ("" for the root). */
static char *join_rel(const char *dir, const char *name)
{
    return strf("%s/%s", dir, name);
}

/* The entry of folder `dir` whose name equals `name` ignoring ASCII case
 * (the exact spelling first) and has the wanted type; malloc'ed or NULL. */
static char *child_ci(const struct inventory *inv, const char *dir, const char *name, bool want_dir)
{
    struct stat st;
    char *p = join_rel(dir, name);
    if (p == NULL || is_wanted_type(inv, p, want_dir, &st))
        return p;
    free(p);
    char *abs = inv_path(inv, dir);
    DIR *d = abs ? opendir(abs) : NULL;
    free(abs);
    if (d == NULL)
        return NULL;
    char *found = NULL;
    struct dirent *e;
    while (found == NULL && (e = readdir(d)) != NULL) {
        if (strcasecmp(e->d_name, name) != 0)
            continue;
        found = join_rel(dir, e->d_name);
        if (found != NULL && !is_wanted_type(inv, found, want_dir, &st)) {
            free(found);
            found = NULL;
        }
    }
    closedir(d);
    return found;
}

char *registry_find_ci(const struct inventory *inv, const char *rel, bool want_dir)
{
    char *cur = strdup("");
    while (cur != NULL && *rel != '\0') {
        while (*rel == '/')
            rel++;
        size_t n = strcspn(rel, "/");
        if (n == 0)
            break;
        char comp[256];
        if (n >= sizeof comp || (n == 1 && rel[0] == '.') || (n == 2 && rel[0] == '.' && rel[1] == '.')) {
            free(cur);
            return NULL;
        }
        memcpy(comp, rel, n);
        comp[n] = '\0';
        rel += n;
        while (*rel == '/')
            rel++;
        char *next = child_ci(inv, cur, comp, *rel != '\0' || want_dir);
        free(cur);
        cur = next;
    }
    if (cur != NULL && cur[0] == '\0') { /* rel named the root itself */
        free(cur);
        cur = want_dir ? strdup("/") : NULL;
    }
    return cur;
}

/* ---- Windows paths ---------------------------------------------------------- */

struct win_prefix {
    const char *win;  /* matched ignoring case, followed by '\', '/' or the end */
    const char *root; /* root-relative replacement without a trailing '/' */
};

static const struct win_prefix win_prefixes[] = {
    {"\\SystemRoot", "/Windows"},
    {"%SystemRoot%", "/Windows"},
    {"%windir%", "/Windows"},
    {"%ProgramFiles%", "/Program Files"},
    {"%ProgramW6432%", "/Program Files"},
    {"%ProgramFiles(x86)%", "/Program Files (x86)"},
    {"%CommonProgramFiles%", "/Program Files/Common Files"},
    {"%CommonProgramW6432%", "/Program Files/Common Files"},
    {"%CommonProgramFiles(x86)%", "/Program Files (x86)/Common Files"},
    {"%ProgramData%", "/ProgramData"},
    {"%SystemDrive%", ""},
    {"C:", ""},
    {"System32", "/Windows/System32"}, /* relative driver ImagePaths */
    {"SysWOW64", "/Windows/SysWOW64"},
};

static bool has_prefix_ci(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(s, prefix, n) == 0 && (len == n || s[n] == '\\' || s[n] == '/');
}

/* Append the components of `rest` ('\' or '/' separated) to out as "/c1/c2";
 * false on a "." or ".." component. */
static bool append_components(char *out, size_t *o, const char *rest, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && (rest[i] == '\\' || rest[i] == '/'))
            i++;
        size_t start = i;
        while (i < len && rest[i] != '\\' && rest[i] != '/')
            i++;
        size_t n = i - start;
        if (n == 0)
            break;
        if ((n == 1 && rest[start] == '.') || (n == 2 && rest[start] == '.' && rest[start + 1] == '.'))
            return false;
        out[(*o)++] = '/';
        memcpy(out + *o, rest + start, n);
        *o += n;
    }
    return true;
}

const char *registry_root_path(struct inventory *inv, const char *wp)
{
    if (wp == NULL)
        return NULL;
    while (*wp == ' ' || *wp == '\t')
        wp++;
    size_t len = strlen(wp);
    if (len > 0 && wp[0] == '"') {
        wp++;
        len--;
        const char *q = memchr(wp, '"', len);
        if (q != NULL)
            len = (size_t)(q - wp);
    }
    while (len > 0 && (wp[len - 1] == ' ' || wp[len - 1] == '\t'))
        len--;
    if (has_prefix_ci(wp, len, "\\??") || has_prefix_ci(wp, len, "\\\\?")) {
        size_t n = len > 3 ? 4 : 3; /* with the separator after it */
        wp += n;
        len -= n;
    }
    const char *base = NULL;
    for (size_t i = 0; i < sizeof win_prefixes / sizeof win_prefixes[0] && base == NULL; i++)
        if (has_prefix_ci(wp, len, win_prefixes[i].win)) {
            base = win_prefixes[i].root;
            size_t n = strlen(win_prefixes[i].win);
            wp += n;
            len -= n;
        }
    if (base == NULL) {
        if (len == 0 || wp[0] != '\\' || (len > 1 && wp[1] == '\\'))
            return NULL; /* relative, another drive, a variable or a UNC path */
        base = "";       /* "\dir": the root of the system drive */
    }
    char *out = malloc(strlen(base) + len + 2);
    if (out == NULL)
        return NULL;
    size_t o = strlen(base);
    memcpy(out, base, o);
    const char *res = NULL;
    if (append_components(out, &o, wp, len)) {
        if (o == 0)
            out[o++] = '/';
        out[o] = '\0';
        res = inv_strdup(inv, out);
    }
    free(out);
    return res;
}

/* The executable of a service's ImagePath command line, root-relative:
 * quoted, or up to the first ".exe"/".sys"/".dll" followed by a blank. */
static const char *image_path_root(struct inventory *inv, const char *image)
{
    if (image == NULL)
        return NULL;
    while (*image == ' ' || *image == '\t')
        image++;
    if (image[0] == '"')
        return registry_root_path(inv, image);
    size_t len = strlen(image);
    static const char *const exts[] = {".exe", ".sys", ".dll"};
    for (size_t i = 0; i + 4 <= len; i++)
        for (size_t k = 0; k < 3; k++)
            if (strncasecmp(image + i, exts[k], 4) == 0 && (image[i + 4] == ' ' || image[i + 4] == '\t')) {
                char *cut = strndup(image, i + 4);
                const char *res = cut ? registry_root_path(inv, cut) : NULL;
                free(cut);
                return res;
            }
    return registry_root_path(inv, image);
}

/* ---- reading a hive ------------------------------------------------------------ */

struct hive {
    struct inventory *inv;
    hive_h *h;
    hive_node_h root;
    char *source;        /* root-relative path of the hive file */
    char *prefix;        /* where it is mounted: "HKLM\SOFTWARE", "HKU\alice" */
    const char *user;    /* profile folder (arena) for NTUSER.DAT, else NULL */
    size_t keys;         /* keys enumerated so far */
    size_t errors;       /* keys or values hivex could not read */
    size_t oversized;    /* values above REGISTRY_MAX_VALUE */
    bool capped;         /* REGISTRY_MAX_KEYS reached */
    bool report;         /* record problems (inv_collect_registry) or stay quiet */
};

static void hive_problem(struct hive *hv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hive_problem(struct hive *hv, const char *fmt, ...)
{
    if (!hv->report)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    inv_problem_add(hv->inv, hv->source, "%s", msg);
}

/* Why hivex_open failed, from its errno. */
static const char *open_error(int e)
{
    switch (e) {
    case 0: return "unknown error";
    case ENOTSUP: return "no regf header, or an unsupported hive version";
    case EINVAL:
    case EFAULT:
    case ERANGE: return "bad header checksum or corrupt structure";
    default: return strerror(e);
    }
}

/* Open the hive at root-relative `rel` (exact case). 0: open; ASSAY_ENOTFOUND:
 * not a readable hive (a problem when hv->report); ASSAY_ENOMEM. */
static int hive_open(struct inventory *inv, struct hive *hv, const char *rel, const char *prefix,
                     const char *user, bool report)
{
    memset(hv, 0, sizeof *hv);
    hv->inv = inv;
    hv->report = report;
    hv->source = strdup(rel);
    hv->prefix = strdup(prefix);
    hv->user = inv_strdup(inv, user);
    char *abs = inv_path(inv, rel);
    if (hv->source == NULL || hv->prefix == NULL || abs == NULL || (user != NULL && hv->user == NULL)) {
        free(abs);
        free(hv->source);
        free(hv->prefix);
        return oom();
    }
    errno = 0;
    hv->h = hivex_open(abs, 0);
    free(abs);
    if (hv->h == NULL) {
        hive_problem(hv, "cannot open the registry hive: %s", open_error(errno));
    } else {
        errno = 0;
        hv->root = hivex_root(hv->h);
        if (hv->root == 0)
            hive_problem(hv, "registry hive without a root key: %s", errno ? strerror(errno) : "corrupt");
    }
    if (hv->h == NULL || hv->root == 0) {
        if (hv->h != NULL)
            hivex_close(hv->h);
        free(hv->source);
        free(hv->prefix);
        return ASSAY_ENOTFOUND;
    }
    return 0;
}

static void hive_close(struct hive *hv)
{
    if (hv->errors > 0)
        hive_problem(hv, "%zu key(s) or value(s) could not be read (corrupt hive?)", hv->errors);
    if (hv->oversized > 0)
        hive_problem(hv, "%zu value(s) larger than %zu bytes not read", hv->oversized, REGISTRY_MAX_VALUE);
    if (hv->capped)
        hive_problem(hv, "more than %d keys: the rest of the hive was not read", REGISTRY_MAX_KEYS);
    hivex_close(hv->h);
    free(hv->source);
    free(hv->prefix);
    memset(hv, 0, sizeof *hv);
}

/* The key at backslash-separated `path` below `from` (names matched ignoring
 * case by hivex), or 0. */
static hive_node_h key_at(struct hive *hv, hive_node_h from, const char *path)
{
    hive_node_h node = from;
    while (node != 0 && *path != '\0') {
        char part[256];
        size_t n = strcspn(path, "\\");
        if (n == 0 || n >= sizeof part)
            return 0;
        memcpy(part, path, n);
        part[n] = '\0';
        errno = 0;
        node = hivex_node_get_child(hv->h, node, part);
        if (node == 0 && errno != 0)
            hv->errors++;
        path += n;
        if (*path == '\\')
            path++;
    }
    return node;
}

/* The subkeys of `node` (malloc'ed, 0-terminated) and how many of them may be
 * visited within REGISTRY_MAX_KEYS; NULL when they cannot be read. */
static hive_node_h *key_children(struct hive *hv, hive_node_h node, size_t *count)
{
    *count = 0;
    errno = 0;
    hive_node_h *kids = hivex_node_children(hv->h, node);
    if (kids == NULL) {
        hv->errors++;
        return NULL;
    }
    size_t n = 0;
    while (kids[n] != 0)
        n++;
    size_t room = hv->keys < REGISTRY_MAX_KEYS ? REGISTRY_MAX_KEYS - hv->keys : 0;
    if (n > room) {
        n = room;
        hv->capped = true;
    }
    hv->keys += n;
    *count = n;
    return kids;
}

/* The name of key `node` (malloc'ed UTF-8) or NULL when unreadable or empty. */
static char *key_name(struct hive *hv, hive_node_h node)
{
    errno = 0;
    char *name = hivex_node_name(hv->h, node);
    if (name == NULL || name[0] == '\0') {
        free(name);
        hv->errors++;
        return NULL;
    }
    return name;
}

/* The data of value `name` of `node` (malloc'ed) when it exists, reads and is
 * at most REGISTRY_MAX_VALUE bytes; NULL otherwise. */
static char *value_data(struct hive *hv, hive_node_h node, const char *name, hive_type *type, size_t *len)
{
    errno = 0;
    hive_value_h v = hivex_node_get_value(hv->h, node, name);
    if (v == 0) {
        if (errno != 0)
            hv->errors++;
        return NULL;
    }
    hive_type t;
    size_t n;
    if (hivex_value_type(hv->h, v, &t, &n) != 0) {
        hv->errors++;
        return NULL;
    }
    if (n > REGISTRY_MAX_VALUE) {
        hv->oversized++;
        return NULL;
    }
    errno = 0;
    char *d = hivex_value_value(hv->h, v, type, len);
    if (d == NULL && n > 0)
        hv->errors++;
    if (d != NULL && *len > REGISTRY_MAX_VALUE) { /* the type said otherwise */
        free(d);
        hv->oversized++;
        return NULL;
    }
    return d;
}

static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3F));
    out[2] = (char)(0x80 | (c >> 6 & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* UTF-16LE up to the first NUL unit as UTF-8 (malloc'ed); unpaired
 * surrogates become U+FFFD, an odd last byte is dropped. NULL on OOM. */
static char *utf16le_to_utf8(const uint8_t *p, size_t n)
{
    size_t units = n / 2;
    char *out = malloc(units * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (c == 0)
            break;
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
            uint32_t lo = p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        o += put_utf8(out + o, c);
    }
    out[o] = '\0';
    return out;
}

/* String value `name` of `node` as an arena string in *out (NULL when absent,
 * empty or not a string). 0 or ASSAY_ENOMEM. */
static int value_str(struct hive *hv, hive_node_h node, const char *name, const char **out)
{
    *out = NULL;
    hive_type t = hive_t_REG_NONE;
    size_t n = 0;
    char *d = value_data(hv, node, name, &t, &n);
    if (d == NULL)
        return 0;
    int rc = 0;
    if (t == hive_t_REG_SZ || t == hive_t_REG_EXPAND_SZ) {
        char *s = utf16le_to_utf8((const uint8_t *)d, n);
        if (s == NULL)
            rc = oom();
        else if (s[0] != '\0' && (*out = inv_strdup(hv->inv, s)) == NULL)
            rc = oom();
        free(s);
    }
    free(d);
    return rc;
}

/* DWORD value `name` of `node` (REG_DWORD, or REG_DWORD_BIG_ENDIAN). */
static bool value_dword(struct hive *hv, hive_node_h node, const char *name, uint32_t *out)
{
    hive_type t = hive_t_REG_NONE;
    size_t n = 0;
    char *d = value_data(hv, node, name, &t, &n);
    bool ok = false;
    if (d != NULL && n >= 4) {
        const uint8_t *b = (const uint8_t *)d;
        if (t == hive_t_REG_DWORD) {
            *out = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
            ok = true;
        } else if (t == hive_t_REG_DWORD_BIG_ENDIAN) {
            *out = b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
            ok = true;
        }
    }
    free(d);
    return ok;
}

/* Evidence read from value `value_name` of the key at `key_path`. */
static int add_value_evidence(struct hive *hv, struct inv_item *it, const char *attribute, const char *value,
                              const char *key_path, const char *value_name, enum inv_strength strength)
{
    if (value == NULL)
        return 0;
    char *locator = strf("%s\\%s", key_path, value_name);
    if (locator == NULL)
        return oom();
    int rc = inv_evidence_add(hv->inv, it, attribute, value, hv->source, locator, strength);
    free(locator);
    return rc;
}

/* Attrs every registry item has: its key, hive and user. */
static int add_key_attrs(struct hive *hv, struct inv_item *it, const char *key_path)
{
    TRY(inv_attr_add(hv->inv, it, "key", key_path));
    TRY(inv_attr_add(hv->inv, it, "hive", hv->source));
    return inv_attr_add(hv->inv, it, "user", hv->user);
}

/* ---- programs ------------------------------------------------------------------ */

struct program_values {
    const char *name, *version, *publisher, *location, *date, *url, *help, *uninstall;
};

static int read_program_values(struct hive *hv, hive_node_h key, struct program_values *v)
{
    TRY(value_str(hv, key, "DisplayVersion", &v->version));
    TRY(value_str(hv, key, "Publisher", &v->publisher));
    TRY(value_str(hv, key, "InstallLocation", &v->location));
    TRY(value_str(hv, key, "InstallDate", &v->date));
    TRY(value_str(hv, key, "URLInfoAbout", &v->url));
    TRY(value_str(hv, key, "HelpLink", &v->help));
    return value_str(hv, key, "UninstallString", &v->uninstall);
}

static int add_program(struct hive *hv, hive_node_h key, const char *key_path, bool wow64)
{
    struct inventory *inv = hv->inv;
    struct program_values v = {0};
    TRY(value_str(hv, key, "DisplayName", &v.name));
    if (v.name == NULL)
        return 0;
    TRY(read_program_values(hv, key, &v));
    uint32_t system_component = 0;
    (void)value_dword(hv, key, "SystemComponent", &system_component);

    struct inv_item *it = inv_item_new(inv, INV_PROGRAM, "registry");
    if (it == NULL || (it->id = inv_printf(inv, "registry:program:%s", key_path)) == NULL)
        return oom();
    it->name = v.name;
    it->version = v.version;
    it->publisher = v.publisher;
    it->path = registry_root_path(inv, v.location);
    TRY(add_key_attrs(hv, it, key_path));
    TRY(inv_attr_add(inv, it, "install_location", v.location));
    TRY(inv_attr_add(inv, it, "install_date", v.date));
    TRY(inv_attr_add(inv, it, "url", v.url));
    TRY(inv_attr_add(inv, it, "help_link", v.help));
    TRY(inv_attr_add(inv, it, "uninstall_string", v.uninstall));
    TRY(inv_attr_add(inv, it, "wow64", wow64 ? "1" : NULL));
    TRY(inv_attr_add(inv, it, "system_component", system_component == 1 ? "1" : NULL));

    TRY(add_value_evidence(hv, it, "registry.publisher", v.publisher, key_path, "Publisher", INV_MEDIUM));
    TRY(add_value_evidence(hv, it, "registry.name", v.name, key_path, "DisplayName", INV_WEAK));
    TRY(add_value_evidence(hv, it, "registry.url", v.url, key_path, "URLInfoAbout", INV_MEDIUM));
    TRY(add_value_evidence(hv, it, "registry.url", v.help, key_path, "HelpLink", INV_MEDIUM));
    return add_value_evidence(hv, it, "path", v.location, key_path, "InstallLocation", INV_WEAK);
}

/* Every program under the Uninstall key at hive-relative `base`. */
static int collect_uninstall(struct hive *hv, const char *base, bool wow64)
{
    hive_node_h node = key_at(hv, hv->root, base);
    if (node == 0)
        return 0;
    size_t n;
    hive_node_h *kids = key_children(hv, node, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *name = key_name(hv, kids[i]);
        if (name == NULL)
            continue;
        char *key_path = strf("%s\\%s\\%s", hv->prefix, base, name);
        rc = key_path ? add_program(hv, kids[i], key_path, wow64) : oom();
        free(key_path);
        free(name);
    }
    free(kids);
    return rc;
}

/* ---- services and drivers -------------------------------------------------------- */

/* INV_DRIVER, INV_SERVICE or 0 (skip) for a service Type. */
static enum inv_kind service_kind(uint32_t type)
{
    if (type == 0x1 || type == 0x2)
        return INV_DRIVER;
    if ((type & 0x30) != 0 && (type & ~(uint32_t)0x1F0) == 0)
        return INV_SERVICE;
    return 0;
}

static const char *start_name(struct inventory *inv, bool has_start, uint32_t start)
{
    static const char *const names[] = {"boot", "system", "auto", "demand", "disabled"};
    if (!has_start)
        return NULL;
    return start < 5 ? names[start] : inv_printf(inv, "%u", start);
}

struct service_values {
    const char *display, *image, *description, *account, *group;
};

static int add_service(struct hive *hv, hive_node_h key, const char *name, const char *key_path)
{
    struct inventory *inv = hv->inv;
    uint32_t type = 0, start = 0;
    if (!value_dword(hv, key, "Type", &type))
        return 0;
    enum inv_kind kind = service_kind(type);
    if (kind == 0)
        return 0;
    bool has_start = value_dword(hv, key, "Start", &start);
    struct service_values v = {0};
    TRY(value_str(hv, key, "DisplayName", &v.display));
    TRY(value_str(hv, key, "ImagePath", &v.image));
    TRY(value_str(hv, key, "Description", &v.description));
    TRY(value_str(hv, key, "ObjectName", &v.account));
    TRY(value_str(hv, key, "Group", &v.group));
    bool direct_name = v.display != NULL && v.display[0] != '@';

    struct inv_item *it = inv_item_new(inv, kind, "registry");
    if (it == NULL)
        return oom();
    it->id = inv_printf(inv, "registry:%s:%s", kind == INV_DRIVER ? "driver" : "service", name);
    it->name = direct_name ? v.display : inv_strdup(inv, name);
    if (it->id == NULL || it->name == NULL)
        return oom();
    it->path = image_path_root(inv, v.image);
    TRY(add_key_attrs(hv, it, key_path));
    TRY(inv_attr_add(inv, it, "service_name", name));
    TRY(inv_attr_add(inv, it, "type", inv_printf(inv, "0x%x", type)));
    TRY(inv_attr_add(inv, it, "start", start_name(inv, has_start, start)));
    TRY(inv_attr_add(inv, it, "image_path", v.image));
    TRY(inv_attr_add(inv, it, "display_name", v.display));
    TRY(inv_attr_add(inv, it, "description", v.description));
    TRY(inv_attr_add(inv, it, "account", v.account));
    TRY(inv_attr_add(inv, it, "group", v.group));

    TRY(add_value_evidence(hv, it, "registry.name", direct_name ? v.display : NULL, key_path, "DisplayName",
                           INV_WEAK));
    return add_value_evidence(hv, it, "path", v.image, key_path, "ImagePath", INV_WEAK);
}

/* The Services key of the current control set; its name in cs. */
static hive_node_h services_key(struct hive *hv, char cs[static 16])
{
    uint32_t current = 0;
    hive_node_h select = key_at(hv, hv->root, "Select");
    strcpy(cs, "ControlSet001");
    if (select != 0 && value_dword(hv, select, "Current", &current) && current >= 1 && current <= 999)
        snprintf(cs, 16, "ControlSet%03u", current);
    hive_node_h set = key_at(hv, hv->root, cs);
    if (set == 0 && strcmp(cs, "ControlSet001") != 0) {
        strcpy(cs, "ControlSet001");
        set = key_at(hv, hv->root, cs);
    }
    return set != 0 ? key_at(hv, set, "Services") : 0;
}

static int collect_services(struct hive *hv)
{
    char cs[16];
    hive_node_h services = services_key(hv, cs);
    if (services == 0) {
        hive_problem(hv, "no ControlSet00N\\Services key: not a SYSTEM hive?");
        return 0;
    }
    size_t n;
    hive_node_h *kids = key_children(hv, services, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *name = key_name(hv, kids[i]);
        if (name == NULL)
            continue;
        char *key_path = strf("%s\\%s\\Services\\%s", hv->prefix, cs, name);
        rc = key_path ? add_service(hv, kids[i], name, key_path) : oom();
        free(key_path);
        free(name);
    }
    free(kids);
    return rc;
}

/* ---- certificates ------------------------------------------------------------------ */

int registry_cert_blob_der(const uint8_t *blob, size_t n, const uint8_t **der, size_t *der_len)
{
    *der = NULL;
    *der_len = 0;
    size_t off = 0;
    while (n - off >= 12) {
        const uint8_t *p = blob + off;
        uint32_t id = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t len = p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24;
        off += 12;
        if (len > n - off)
            return util_error(ASSAY_EFORMAT, "certificate blob: property 0x%x of %u bytes runs past the end",
                              id, len);
        if (id == REGISTRY_CERT_PROP_DER) {
            if (len == 0)
                return util_error(ASSAY_EFORMAT, "certificate blob: empty certificate property");
            *der = blob + off;
            *der_len = len;
            return 0;
        }
        off += len;
    }
    if (off != n)
        return util_error(ASSAY_EFORMAT, "certificate blob: %zu trailing bytes", n - off);
    return util_error(ASSAY_ENOTFOUND, "certificate blob: no certificate property (0x20)");
}

struct cert_store {
    const char *path;     /* hive-relative key of the store */
    const char *store;    /* "ROOT", "AuthRoot" */
    const char *location; /* "LocalMachine", "GroupPolicy", "Enterprise", "CurrentUser" */
};

static const struct cert_store machine_stores[] = {
    {"Microsoft\\SystemCertificates\\ROOT", "ROOT", "LocalMachine"},
    {"Microsoft\\SystemCertificates\\AuthRoot", "AuthRoot", "LocalMachine"},
    {"Policies\\Microsoft\\SystemCertificates\\Root", "ROOT", "GroupPolicy"},
    {"Microsoft\\EnterpriseCertificates\\Root", "ROOT", "Enterprise"},
};

static const struct cert_store user_stores[] = {
    {"Software\\Microsoft\\SystemCertificates\\Root", "ROOT", "CurrentUser"},
};

struct cert_seen {
    const struct cert_store *store;
    const char *key_path;   /* of the certificate's key */
    const char *thumbprint; /* the key's name */
    const uint8_t *der;
    size_t der_len;
    X509 *x509;
};

typedef int (*cert_fn)(struct hive *hv, const struct cert_seen *c, void *ctx);

/* Decode the Blob of certificate key `key` and hand it to fn; malformed
 * blobs are problems (when reporting) and skipped. */
static int visit_cert(struct hive *hv, hive_node_h key, struct cert_seen *c, cert_fn fn, void *ctx)
{
    hive_type t;
    size_t n = 0;
    char *blob = value_data(hv, key, "Blob", &t, &n);
    if (blob == NULL) {
        hive_problem(hv, "%s: no readable Blob value", c->key_path);
        return 0;
    }
    int rc = registry_cert_blob_der((const uint8_t *)blob, n, &c->der, &c->der_len);
    if (rc == 0) {
        const unsigned char *p = c->der;
        c->x509 = d2i_X509(NULL, &p, (long)c->der_len);
        if (c->x509 == NULL) {
            ERR_clear_error();
            hive_problem(hv, "%s\\Blob: the certificate is not valid DER", c->key_path);
        } else {
            rc = fn(hv, c, ctx);
            X509_free(c->x509);
        }
    } else {
        hive_problem(hv, "%s\\Blob: %s", c->key_path, assay_last_error());
        rc = 0;
    }
    free(blob);
    return rc;
}

static int walk_store(struct hive *hv, const struct cert_store *st, cert_fn fn, void *ctx)
{
    char *rel = strf("%s\\Certificates", st->path);
    if (rel == NULL)
        return oom();
    hive_node_h certs = key_at(hv, hv->root, rel);
    size_t n = 0;
    hive_node_h *kids = certs != 0 ? key_children(hv, certs, &n) : NULL;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *name = key_name(hv, kids[i]);
        if (name == NULL)
            continue;
        char *key_path = strf("%s\\%s\\%s", hv->prefix, rel, name);
        struct cert_seen c = {.store = st, .key_path = key_path, .thumbprint = name};
        rc = key_path ? visit_cert(hv, kids[i], &c, fn, ctx) : oom();
        free(key_path);
        free(name);
    }
    free(kids);
    free(rel);
    return rc;
}

/* The certificate as an INV_CERTIFICATE item (cert_fn; cert_item.h): digests
 * of the DER bytes as stored, publisher the O else the CN, and the
 * thumbprint as the name of a certificate with an empty subject. */
static int add_cert_item(struct hive *hv, const struct cert_seen *c, void *ctx)
{
    (void)ctx;
    struct inventory *inv = hv->inv;
    char *id = strf("registry:certificate:%s", c->key_path);
    char *locator = strf("%s\\Blob", c->key_path);
    struct inv_cert_names names;
    struct inv_item *it =
        id && locator ? inv_certificate_item(inv, c->x509, "registry", id, hv->source, locator, &names) : NULL;
    free(id);
    free(locator);
    if (it == NULL)
        return oom();
    if (it->name == NULL || it->name[0] == '\0')
        it->name = inv_strdup(inv, c->thumbprint);
    if (it->publisher == NULL)
        it->publisher = names.cn;
    char sha256[INV_CERT_HEX_MAX], sha1[INV_CERT_HEX_MAX];
    bool has_sha256 = inv_certificate_digest(c->x509, c->der, c->der_len, EVP_sha256(), sha256);
    bool has_sha1 = inv_certificate_digest(c->x509, c->der, c->der_len, EVP_sha1(), sha1);
    TRY(add_key_attrs(hv, it, c->key_path));
    TRY(inv_attr_add(inv, it, "store", c->store->store));
    TRY(inv_attr_add(inv, it, "location", c->store->location));
    TRY(inv_certificate_attrs(inv, it, c->x509, &names, NULL));
    TRY(inv_attr_add(inv, it, "sha256", has_sha256 ? sha256 : NULL));
    TRY(inv_attr_add(inv, it, "sha1", has_sha1 ? sha1 : NULL));
    if (has_sha1 && strcasecmp(sha1, c->thumbprint) != 0) /* the key's name is the thumbprint */
        TRY(inv_attr_add(inv, it, "key_thumbprint_mismatch", c->thumbprint));
    return 0;
}

/* ---- the collector ------------------------------------------------------------------- */

static int collect_software(struct hive *hv)
{
    TRY(collect_uninstall(hv, UNINSTALL, false));
    TRY(collect_uninstall(hv, "WOW6432Node\\" UNINSTALL, true));
    for (size_t i = 0; i < sizeof machine_stores / sizeof machine_stores[0]; i++)
        TRY(walk_store(hv, &machine_stores[i], add_cert_item, NULL));
    return 0;
}

static int collect_user(struct hive *hv)
{
    TRY(collect_uninstall(hv, "Software\\" UNINSTALL, false));
    for (size_t i = 0; i < sizeof user_stores / sizeof user_stores[0]; i++)
        TRY(walk_store(hv, &user_stores[i], add_cert_item, NULL));
    return 0;
}

/* Open the hive at `path` (found ignoring case) mounted at `prefix`, run
 * `collect` over it. An absent hive is not an error. */
static int collect_hive(struct inventory *inv, const char *path, const char *prefix, const char *user,
                        int (*collect)(struct hive *))
{
    char *rel = registry_find_ci(inv, path, false);
    if (rel == NULL)
        return 0;
    struct hive hv;
    int rc = hive_open(inv, &hv, rel, prefix, user, true);
    free(rel);
    if (rc == ASSAY_ENOTFOUND)
        return 0;
    if (rc != 0)
        return rc;
    rc = collect(&hv);
    hive_close(&hv);
    return rc;
}

struct file_id {
    dev_t dev;
    ino_t ino;
};
typedef UTIL_VEC(struct file_id) file_ids;
typedef UTIL_VEC(char *) name_list;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The profile folder names of profile folder `dir` (root-relative), sorted
 * so the items come in a stable order. */
static int list_profiles(struct inventory *inv, const char *dir, name_list *names)
{
    char *abs = inv_path(inv, dir);
    if (abs == NULL)
        return oom();
    DIR *d = opendir(abs);
    free(abs);
    if (d == NULL) {
        inv_problem_add(inv, dir, "cannot list user profiles: %s", strerror(errno));
        return 0;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (names->n >= REGISTRY_MAX_PROFILES) {
            inv_problem_add(inv, dir, "more than %d profiles: the rest was not read", REGISTRY_MAX_PROFILES);
            break;
        }
        char *name = strdup(e->d_name);
        if (name == NULL || util_vec_push(names, name) != 0) {
            free(name);
            rc = oom();
        }
    }
    closedir(d);
    if (names->n > 1)
        qsort(names->v, names->n, sizeof names->v[0], cmp_names);
    return rc;
}

/* True (and remembered) when the file was not read yet. */
static bool first_visit(file_ids *seen, const struct stat *st, int *rc)
{
    for (size_t i = 0; i < seen->n; i++)
        if (seen->v[i].dev == st->st_dev && seen->v[i].ino == st->st_ino)
            return false;
    struct file_id id = {st->st_dev, st->st_ino};
    if (util_vec_push(seen, id) != 0)
        *rc = oom();
    return *rc == 0;
}

static int collect_profile(struct inventory *inv, const char *dir, const char *name, file_ids *seen)
{
    struct stat st;
    char *profile = join_rel(dir, name);
    if (profile == NULL)
        return oom();
    int rc = 0;
    char *hive = is_wanted_type(inv, profile, true, &st) ? child_ci(inv, profile, "NTUSER.DAT", false) : NULL;
    if (hive != NULL && stat_rel(inv, hive, &st) && first_visit(seen, &st, &rc)) {
        char *prefix = strf("HKU\\%s", name);
        rc = prefix ? collect_hive(inv, hive, prefix, name, collect_user) : oom();
        free(prefix);
    }
    free(hive);
    free(profile);
    return rc;
}

static int collect_users(struct inventory *inv)
{
    static const char *const profile_dirs[] = {"Users", "Documents and Settings"};
    file_ids seen = {0};
    int rc = 0;
    for (size_t k = 0; k < 2 && rc == 0; k++) {
        char *dir = registry_find_ci(inv, profile_dirs[k], true);
        if (dir == NULL)
            continue;
        name_list names = {0};
        rc = list_profiles(inv, dir, &names);
        for (size_t i = 0; i < names.n; i++) {
            if (rc == 0)
                rc = collect_profile(inv, dir, names.v[i], &seen);
            free(names.v[i]);
        }
        util_vec_free(&names);
        free(dir);
    }
    util_vec_free(&seen);
    return rc;
}

int inv_collect_registry(struct inventory *inv)
{
    TRY(collect_hive(inv, SOFTWARE_HIVE, "HKLM\\SOFTWARE", NULL, collect_software));
    TRY(collect_hive(inv, SYSTEM_HIVE, "HKLM\\SYSTEM", NULL, collect_services));
    return collect_users(inv);
}

/* ---- trusted roots for other collectors ------------------------------------------------ */

static int push_root(struct hive *hv, const struct cert_seen *c, void *ctx)
{
    (void)hv;
    STACK_OF(X509) *roots = ctx;
    if (X509_up_ref(c->x509) != 1)
        return oom();
    if (sk_X509_push(roots, c->x509) <= 0) {
        X509_free(c->x509);
        return oom();
    }
    return 0;
}

static int cmp_x509(const X509 *const *a, const X509 *const *b)
{
    return X509_cmp(*a, *b);
}

/* Sort the stack and drop certificates equal to their predecessor. */
static void drop_duplicates(STACK_OF(X509) *roots)
{
    (void)sk_X509_set_cmp_func(roots, cmp_x509);
    sk_X509_sort(roots);
    int kept = 0;
    for (int i = 0; i < sk_X509_num(roots); i++) {
        X509 *x = sk_X509_value(roots, i);
        if (kept > 0 && X509_cmp(sk_X509_value(roots, kept - 1), x) == 0) {
            X509_free(x);
            continue;
        }
        (void)sk_X509_set(roots, kept++, x);
    }
    while (sk_X509_num(roots) > kept)
        (void)sk_X509_pop(roots);
}

int registry_trusted_roots(struct inventory *inv, STACK_OF(X509) **out)
{
    *out = sk_X509_new_null();
    if (*out == NULL)
        return oom();
    char *rel = registry_find_ci(inv, SOFTWARE_HIVE, false);
    int rc = 0;
    struct hive hv;
    if (rel != NULL && (rc = hive_open(inv, &hv, rel, "HKLM\\SOFTWARE", NULL, false)) == 0) {
        for (size_t i = 0; i < sizeof machine_stores / sizeof machine_stores[0] && rc == 0; i++)
            rc = walk_store(&hv, &machine_stores[i], push_root, *out);
        hive_close(&hv);
    }
    free(rel);
    if (rc == ASSAY_ENOTFOUND)
        rc = 0;
    if (rc != 0) {
        sk_X509_pop_free(*out, X509_free);
        *out = NULL;
        return rc;
    }
    drop_duplicates(*out);
    return sk_X509_num(*out);
}
