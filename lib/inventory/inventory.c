/* inventory.c — the item model's helpers and reading below the root (see
 * inventory.h). */
#include "inventory/inventory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"

#define INV_READ_MAX_DEFAULT ((size_t)256 << 20)

static const char *host_name(struct inventory *inv)
{
    char name[256] = "";
    if (inv->live) {
        if (gethostname(name, sizeof name - 1) != 0)
            name[0] = '\0';
    } else {
        struct util_buf b = {0};
        if (inv_read_file(inv, "/etc/hostname", 4096, &b) == 0 && b.len > 0) {
            size_t n = strcspn((const char *)b.data, "\r\n");
            if (n >= sizeof name)
                n = sizeof name - 1;
            memcpy(name, b.data, n);
            name[n] = '\0';
        }
        util_buf_free(&b);
    }
    return inv_strdup(inv, name[0] ? name : inv->root);
}

int inventory_init(struct inventory *inv, const char *root)
{
    memset(inv, 0, sizeof *inv);
    if (root == NULL || root[0] == '\0')
        root = "/";
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    inv->root = inv_strndup(inv, root, n);
    if (inv->root == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    inv->live = strcmp(inv->root, "/") == 0;
    struct stat st;
    const char *why = NULL;
    if (stat(inv->root, &st) != 0)
        why = strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "not a folder";
    if (why != NULL) {
        inventory_free(inv);
        return util_error(ASSAY_EIO, "%s: %s", root, why);
    }
    inv->host = host_name(inv);
    return inv->host ? 0 : util_error(ASSAY_ENOMEM, "out of memory");
}

void inventory_free(struct inventory *inv)
{
    for (size_t i = 0; i < inv->items.n; i++) {
        struct inv_item *it = inv->items.v[i];
        util_vec_free(&it->attrs);
        util_vec_free(&it->evidence);
        util_vec_free(&it->files);
    }
    util_vec_free(&inv->items);
    util_vec_free(&inv->problems);
    util_arena_free(&inv->arena);
    memset(inv, 0, sizeof *inv);
}

struct inv_item *inv_item_new(struct inventory *inv, enum inv_kind kind, const char *collector)
{
    struct inv_item *it = util_arena_alloc(&inv->arena, sizeof *it);
    if (it == NULL || util_vec_push(&inv->items, it) != 0)
        return NULL;
    it->kind = (uint8_t)kind;
    it->collector = collector;
    return it;
}

const char *inv_strdup(struct inventory *inv, const char *s)
{
    return util_arena_strdup(&inv->arena, s);
}

const char *inv_strndup(struct inventory *inv, const char *s, size_t n)
{
    return s == NULL ? NULL : util_arena_strndup(&inv->arena, s, n);
}

const char *inv_printf(struct inventory *inv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = util_arena_alloc(&inv->arena, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int inv_attr_add(struct inventory *inv, struct inv_item *it, const char *name, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    struct inv_attr a = {name, inv_strdup(inv, value)};
    if (a.value == NULL || util_vec_push(&it->attrs, a) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    return 0;
}

int inv_attrs_add(struct inventory *inv, struct inv_item *it, const struct inv_attr *attrs, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = inv_attr_add(inv, it, attrs[i].name, attrs[i].value);
    return rc;
}

int inv_evidence_add(struct inventory *inv, struct inv_item *it, const char *attribute,
                     const char *value, const char *source, const char *locator,
                     enum inv_strength strength)
{
    if (value == NULL || value[0] == '\0')
        return 0;
    struct inv_evidence e = {
        .attribute = attribute,
        .value = inv_strdup(inv, value),
        .source = inv_strdup(inv, source),
        .locator = inv_strdup(inv, locator),
        .strength = (uint8_t)strength,
    };
    if (e.value == NULL || (source && e.source == NULL) || (locator && e.locator == NULL) ||
        util_vec_push(&it->evidence, e) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    return 0;
}

int inv_file_add(struct inventory *inv, struct inv_item *it, const char *path)
{
    if (path == NULL || path[0] == '\0')
        return 0;
    const char *p = inv_strdup(inv, path);
    if (p == NULL || util_vec_push(&it->files, p) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    return 0;
}

const char *inv_attr_get(const struct inv_item *it, const char *name)
{
    for (size_t i = 0; i < it->attrs.n; i++)
        if (strcmp(it->attrs.v[i].name, name) == 0)
            return it->attrs.v[i].value;
    return NULL;
}

void inv_problem_add(struct inventory *inv, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct inv_problem p = {inv_strdup(inv, path), inv_strdup(inv, msg)};
    if (p.message != NULL)
        (void)util_vec_push(&inv->problems, p); /* out of memory: the problem is lost, not the run */
}

/* An offline root is a foreign file system: its symbolic links mean paths
 * of that system. "/etc/ssl/certs/x.pem -> /usr/share/ca-certificates/x.crt"
 * must lead to the root's own file, never the scanning host's, so links are
 * resolved component by component as if the root were "/" (".." stops at
 * the root). At most INV_MAX_LINKS links per path; past that, or at the
 * first component that does not exist, the rest is appended as it is. */
#define INV_MAX_LINKS 40

static int resolve_in_root(const char *root, const char *rel, struct util_buf *out)
{
    struct util_buf pending = {0}, probe = {0};
    int rc = util_buf_printf(&pending, "%s", rel);
    size_t pos = 0;
    unsigned links = 0;
    char target[4096];
    while (rc == 0 && pos < pending.len) {
        const char *p = (const char *)pending.data + pos;
        size_t n = strcspn(p, "/");
        size_t next = pos + n + (p[n] == '/');
        if (n == 0 || (n == 1 && p[0] == '.')) {
            pos = next;
            continue;
        }
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (out->len > 0 && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len > 0)
                out->len--;
            pos = next;
            continue;
        }
        probe.len = 0;
        struct stat st;
        if (util_buf_printf(&probe, "%s%.*s/%.*s", root, (int)out->len, (const char *)out->data, (int)n, p) != 0) {
            rc = -1;
            break;
        }
        ssize_t tn = -1;
        if (lstat((const char *)probe.data, &st) == 0 && S_ISLNK(st.st_mode) && links < INV_MAX_LINKS)
            tn = readlink((const char *)probe.data, target, sizeof target - 1);
        if (tn <= 0) {
            bool missing = lstat((const char *)probe.data, &st) != 0;
            if (util_buf_append_byte(out, '/') != 0 || util_buf_append(out, p, n) != 0)
                rc = -1;
            pos = next;
            if (missing && rc == 0 && pos < pending.len) {
                /* below a missing component nothing can be resolved */
                rc = util_buf_printf(out, "/%s", (const char *)pending.data + pos);
                pos = pending.len;
            }
            continue;
        }
        links++;
        target[tn] = '\0';
        if (target[0] == '/')
            out->len = 0;
        /* the link's target, then what followed the link */
        struct util_buf rest = {0};
        if (util_buf_printf(&rest, "%s/%s", target, (const char *)pending.data + next) != 0) {
            util_buf_free(&rest);
            rc = -1;
            break;
        }
        util_buf_free(&pending);
        pending = rest;
        pos = 0;
    }
    util_buf_free(&pending);
    util_buf_free(&probe);
    return rc;
}

char *inv_path(const struct inventory *inv, const char *rel)
{
    while (*rel == '/')
        rel++;
    struct util_buf out = {0};
    int rc;
    if (inv->live) {
        rc = util_buf_printf(&out, "/%s", rel);
    } else {
        rc = resolve_in_root(inv->root, rel, &out);
        struct util_buf full = {0};
        if (rc == 0)
            rc = util_buf_printf(&full, "%s%.*s", inv->root, (int)out.len, (const char *)out.data);
        util_buf_free(&out);
        out = full;
    }
    if (rc != 0 || util_buf_append_byte(&out, 0) != 0) {
        util_buf_free(&out);
        return NULL;
    }
    return (char *)out.data;
}

bool inv_exists(const struct inventory *inv, const char *rel)
{
    char *p = inv_path(inv, rel);
    struct stat st;
    bool ok = p != NULL && lstat(p, &st) == 0;
    free(p);
    return ok;
}

int inv_read_file(struct inventory *inv, const char *rel, size_t max, struct util_buf *out)
{
    if (max == 0)
        max = INV_READ_MAX_DEFAULT;
    out->len = 0;
    char *p = inv_path(inv, rel);
    if (p == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(p);
        if (e == ENOENT || e == ENOTDIR)
            return ASSAY_ENOTFOUND;
        inv_problem_add(inv, rel, "%s", strerror(e));
        return util_error(ASSAY_EIO, "%s: %s", rel, strerror(e));
    }
    free(p);
    int rc = 0;
    for (;;) {
        if (util_buf_reserve(out, 65536 + 1) != 0) {
            rc = util_error(ASSAY_ENOMEM, "out of memory");
            break;
        }
        ssize_t got = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            inv_problem_add(inv, rel, "%s", strerror(errno));
            rc = util_error(ASSAY_EIO, "%s: %s", rel, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        out->len += (size_t)got;
        if (out->len > max) {
            inv_problem_add(inv, rel, "larger than %zu bytes: not read", max);
            rc = util_error(ASSAY_ELIMIT, "%s: larger than %zu bytes", rel, max);
            break;
        }
    }
    close(fd);
    if (rc == 0)
        out->data[out->len] = '\0';
    return rc;
}

/* ---- listing folders ------------------------------------------------------------ */

typedef UTIL_VEC(char *) name_vec;

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void inv_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* Entry `e` of folder `abs` is a folder itself, not a symbolic link to one
 * (lstat only when the file system does not give the entry's type). */
static bool is_real_dir(const char *abs, const struct dirent *e)
{
    if (e->d_type != DT_UNKNOWN)
        return e->d_type == DT_DIR;
    size_t n = strlen(abs) + strlen(e->d_name) + 2;
    char *p = malloc(n);
    if (p == NULL)
        return false;
    snprintf(p, n, "%s/%s", abs, e->d_name);
    struct stat st;
    bool dir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
    free(p);
    return dir;
}

/* Whether entry `e` is one that inv_list_dir reports under `flags`. */
static bool is_listed(const char *abs, const struct dirent *e, unsigned flags)
{
    const char *n = e->d_name;
    if (n[0] == '.' && ((flags & INV_LIST_VISIBLE) || n[1] == '\0' || (n[1] == '.' && n[2] == '\0')))
        return false;
    return !(flags & INV_LIST_DIRS) || is_real_dir(abs, e);
}

/* The listed entries of the open folder `d` (at `abs`) into *v; *cut when
 * there are more than `max`. 0 or ASSAY_ENOMEM; a read error mid-way keeps what
 * was read and is recorded as a problem. */
static int read_entries(struct inventory *inv, const char *rel, DIR *d, const char *abs,
                        unsigned flags, size_t max, bool *cut, name_vec *v)
{
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0)
                inv_problem_add(inv, rel, "cannot list: %s", strerror(errno));
            return 0;
        }
        if (!is_listed(abs, e, flags))
            continue;
        if (max != 0 && v->n >= max) {
            *cut = true;
            return 0;
        }
        char *s = strdup(e->d_name);
        if (s == NULL || util_vec_push(v, s) != 0) {
            free(s);
            return util_error(ASSAY_ENOMEM, "out of memory");
        }
    }
}

int inv_list_dir(struct inventory *inv, const char *rel, unsigned flags, size_t max, char ***names,
                 size_t *count)
{
    *names = NULL;
    *count = 0;
    char *abs = inv_path(inv, rel);
    if (abs == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    DIR *d = opendir(abs);
    if (d == NULL) {
        int e = errno;
        free(abs);
        if (e == ENOENT || e == ENOTDIR)
            return ASSAY_ENOTFOUND;
        inv_problem_add(inv, rel, "cannot list: %s", strerror(e));
        return util_error(ASSAY_EIO, "%s: cannot list: %s", rel, strerror(e));
    }
    name_vec v = {0};
    bool cut = false;
    int rc = read_entries(inv, rel, d, abs, flags, max, &cut, &v);
    closedir(d);
    free(abs);
    if (rc != 0) {
        inv_names_free(v.v, v.n);
        return rc;
    }
    if (cut)
        inv_problem_add(inv, rel, "more than %zu entries: the rest are not listed", max);
    if (v.n > 1)
        qsort(v.v, v.n, sizeof *v.v, compare_names);
    *names = v.v;
    *count = v.n;
    return 0;
}

const char *inv_kind_name(enum inv_kind kind)
{
    static const char *const names[INV_KIND_COUNT_] = {
        [INV_PACKAGE] = "package",
        [INV_PROGRAM] = "program",
        [INV_SERVICE] = "service",
        [INV_DRIVER] = "driver",
        [INV_KERNEL_MODULE] = "kernel-module",
        [INV_APP_BUNDLE] = "app-bundle",
        [INV_EXECUTABLE] = "executable",
        [INV_BROWSER_EXTENSION] = "browser-extension",
        [INV_CERTIFICATE] = "certificate",
        [INV_USB_DEVICE] = "usb-device",
        [INV_PCI_DEVICE] = "pci-device",
        [INV_NET_INTERFACE] = "network-interface",
        [INV_NET_NEIGHBOUR] = "network-neighbour",
    };
    return kind > 0 && kind < INV_KIND_COUNT_ ? names[kind] : "unknown";
}

const char *inv_strength_name(enum inv_strength s)
{
    switch (s) {
    case INV_STRONG: return "strong";
    case INV_MEDIUM: return "medium";
    case INV_WEAK: return "weak";
    default: return "none";
    }
}
