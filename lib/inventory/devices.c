/* devices.c — USB and PCI devices of a Linux root, from sysfs below the root,
 * named through hwdata's usb.ids / pci.ids; also the id-file lookups and the
 * small sysfs helpers declared in hwids.h (shared with net.c).
 *
 * Sources
 *   <root>/sys/bus/usb/devices/<name>/  idVendor, idProduct, manufacturer,
 *       product, serial, busnum, devnum, bDeviceClass, bcdDevice, speed;
 *       entries without idVendor (interfaces such as 1-1:1.0) are skipped.
 *       Root hubs (1d6b, Linux Foundation) are listed like any device.
 *   <root>/sys/bus/pci/devices/<slot>/  vendor, device, class, revision,
 *       subsystem_vendor, subsystem_device, the driver link.
 * Evidence: usb.vendor_id / pci.vendor_id (medium, 4 lower-case hex digits,
 * locator the sysfs attribute), usb.vendor_name / pci.vendor_name (weak: the
 * id file's name, locator "idVendor; usb.ids line N", and for USB also the
 * device's own manufacturer string, locator "manufacturer"). The device
 * strings come from the hardware and are untrusted: control bytes become '?'.
 *
 * The id files are read only when there is a device to name: one read and
 * one indexing pass (measured ~2 ms for usb.ids, ~5 ms for pci.ids); see
 * hwids.h for their layout. They come from the scanning host
 * (opt->hwdata_dir, /usr/share/hwdata, /usr/share/misc), falling back to the
 * root's copies: the host's are what the reviewer can re-check and an
 * offline root may have none.
 *
 * Limits: HW_MAX_DEVICES entries per bus folder (a problem when cut), sysfs
 * attributes at most 4 KiB, id files at most HWIDS_MAX_FILE. */
#include "inventory/hwids.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/hexdigit.h"

#define HW_MAX_DEVICES 4096
#define HW_ATTR_MAX 4096

/* ---- id files ------------------------------------------------------------------ */

static int entry_cmp(const void *a, const void *b)
{
    const struct hwids_entry *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static bool hex_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (util_hex_digit((unsigned char)p[i]) < 0)
            return false;
    return true;
}

static unsigned hex_value(const char *p, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 16 + (unsigned)util_hex_digit((unsigned char)p[i]);
    return v;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The name after an id of `idlen` characters at p, or NULL when the line
 * does not have "<id><blank>name". */
static const char *name_after(const char *p, size_t idlen)
{
    if (strnlen(p, idlen + 1) <= idlen || !is_blank(p[idlen]))
        return NULL;
    p += idlen;
    while (is_blank(*p))
        p++;
    return *p ? p : NULL;
}

static int push_entry(struct hwids_entry **v, size_t *n, size_t *cap, struct hwids_entry e)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 1024;
        struct hwids_entry *nv = realloc(*v, nc * sizeof *nv);
        if (nv == NULL)
            return util_error(ASSAY_ENOMEM, "out of memory");
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = e;
    return 0;
}

/* One pass: line ends become NULs (a '\r' before them too); vendor and
 * class lines are indexed. */
static int index_lines(struct hwids *db)
{
    char *t = db->text;
    for (size_t i = 0; i < db->len; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\n')
            t[i] = '\0';
        else if ((c < 0x20 && c != '\t') || c == 0x7f)
            t[i] = ' '; /* a '\r', a stray NUL: one line stays one line */
    }
    size_t vcap = 0, ccap = 0;
    uint32_t line = 0;
    for (size_t off = 0; off < db->len; off += strlen(t + off) + 1) {
        const char *p = t + off;
        line++;
        struct hwids_entry e = {.offset = (uint32_t)off, .line = line};
        int rc = 0;
        if (hex_run(p, 4) && name_after(p, 4)) {
            e.id = (uint16_t)hex_value(p, 4);
            rc = push_entry(&db->vendors, &db->nvendors, &vcap, e);
        } else if (p[0] == 'C' && p[1] == ' ' && hex_run(p + 2, 2) && name_after(p + 2, 2)) {
            e.id = (uint16_t)hex_value(p + 2, 2);
            rc = push_entry(&db->classes, &db->nclasses, &ccap, e);
        }
        if (rc != 0)
            return rc;
    }
    if (db->nvendors > 1)
        qsort(db->vendors, db->nvendors, sizeof *db->vendors, entry_cmp);
    if (db->nclasses > 1)
        qsort(db->classes, db->nclasses, sizeof *db->classes, entry_cmp);
    return 0;
}

/* Take ownership of text (malloc'ed, len + 1 bytes, NUL at len). */
static int hwids_adopt(char *text, size_t len, struct hwids *db)
{
    memset(db, 0, sizeof *db);
    db->text = text;
    db->len = len;
    int rc = index_lines(db);
    if (rc != 0)
        hwids_free(db);
    return rc;
}

int hwids_parse(const char *text, size_t len, struct hwids *db)
{
    memset(db, 0, sizeof *db);
    if (len > HWIDS_MAX_FILE)
        return util_error(ASSAY_ELIMIT, "id file larger than %zu bytes", HWIDS_MAX_FILE);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    return hwids_adopt(copy, len, db);
}

/* Read a whole host file of at most `max` bytes (malloc'ed, NUL-terminated). */
static int read_host_file(const char *path, size_t max, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? ASSAY_ENOTFOUND
                   : util_error(ASSAY_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return util_error(ASSAY_EIO, "%s: not a readable file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return util_error(ASSAY_ELIMIT, "%s: larger than %zu bytes", path, max);
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (buf == NULL) {
        close(fd);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* shrunk while reading: keep what was read */
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

int hwids_load(const char *path, struct hwids *db)
{
    memset(db, 0, sizeof *db);
    char *text = NULL;
    size_t len = 0;
    int rc = read_host_file(path, HWIDS_MAX_FILE, &text, &len);
    return rc != 0 ? rc : hwids_adopt(text, len, db);
}

void hwids_free(struct hwids *db)
{
    free(db->text);
    free(db->vendors);
    free(db->classes);
    memset(db, 0, sizeof *db);
}

/* The first entry with `id`, or NULL. */
static const struct hwids_entry *find_entry(const struct hwids_entry *v, size_t n, unsigned id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].id == id ? &v[lo] : NULL;
}

/* Fill *out from a name starting at p (trailing blanks left out). */
static void set_name(struct hwids_name *out, const char *p, unsigned line)
{
    size_t n = strlen(p);
    while (n > 0 && is_blank(p[n - 1]))
        n--;
    out->name = p;
    out->len = n;
    out->line = line;
}

static size_t leading_tabs(const char *p)
{
    size_t n = 0;
    while (p[n] == '\t')
        n++;
    return n;
}

/* Below the line at *off (line number *line), find the line with exactly
 * `depth` leading tabs that starts with `key` (hex, any case) and a name;
 * stop at a line with fewer tabs. On success *off / *line are that line. */
static bool find_child(const struct hwids *db, size_t *off, unsigned *line, size_t depth,
                       const char *key, struct hwids_name *out)
{
    size_t keylen = strlen(key);
    size_t o = *off + strlen(db->text + *off) + 1;
    unsigned ln = *line + 1;
    for (; o < db->len; o += strlen(db->text + o) + 1, ln++) {
        const char *p = db->text + o;
        if (p[0] == '\0' || p[0] == '#')
            continue;
        size_t tabs = leading_tabs(p);
        if (tabs < depth)
            return false;
        if (tabs != depth || strncasecmp(p + tabs, key, keylen) != 0)
            continue;
        const char *name = name_after(p + tabs, keylen);
        if (name == NULL)
            continue;
        *off = o;
        *line = ln;
        set_name(out, name, ln);
        return true;
    }
    return false;
}

bool hwids_vendor(const struct hwids *db, unsigned vendor, struct hwids_name *out)
{
    const struct hwids_entry *e = find_entry(db->vendors, db->nvendors, vendor);
    if (e == NULL)
        return false;
    set_name(out, name_after(db->text + e->offset, 4), e->line);
    return true;
}

bool hwids_device(const struct hwids *db, unsigned vendor, unsigned device, struct hwids_name *out)
{
    const struct hwids_entry *e = find_entry(db->vendors, db->nvendors, vendor);
    if (e == NULL)
        return false;
    char key[8];
    snprintf(key, sizeof key, "%04x", device & 0xffff);
    size_t off = e->offset;
    unsigned line = e->line;
    return find_child(db, &off, &line, 1, key, out);
}

bool hwids_subsystem(const struct hwids *db, unsigned vendor, unsigned device,
                     unsigned subvendor, unsigned subdevice, struct hwids_name *out)
{
    const struct hwids_entry *e = find_entry(db->vendors, db->nvendors, vendor);
    if (e == NULL)
        return false;
    char key[16];
    struct hwids_name dev;
    size_t off = e->offset;
    unsigned line = e->line;
    snprintf(key, sizeof key, "%04x", device & 0xffff);
    if (!find_child(db, &off, &line, 1, key, &dev))
        return false;
    snprintf(key, sizeof key, "%04x %04x", subvendor & 0xffff, subdevice & 0xffff);
    return find_child(db, &off, &line, 2, key, out);
}

bool hwids_class(const struct hwids *db, unsigned cls, int subclass, struct hwids_name *out)
{
    const struct hwids_entry *e = find_entry(db->classes, db->nclasses, cls);
    if (e == NULL)
        return false;
    char key[8];
    size_t off = e->offset;
    unsigned line = e->line;
    if (subclass >= 0) {
        snprintf(key, sizeof key, "%02x", (unsigned)subclass & 0xff);
        if (find_child(db, &off, &line, 1, key, out))
            return true;
    }
    set_name(out, name_after(db->text + e->offset + 2, 2), e->line);
    return true;
}

int hwids_open_for(struct inventory *inv, const struct inv_options *opt, const char *file,
                   struct hwids *db, const char **shown)
{
    static const char *const dirs[] = {"/usr/share/hwdata", "/usr/share/misc"};
    char path[4096];
    int rc;
    memset(db, 0, sizeof *db);
    if (opt != NULL && opt->hwdata_dir != NULL && opt->hwdata_dir[0] != '\0') {
        snprintf(path, sizeof path, "%s/%s", opt->hwdata_dir, file);
        rc = hwids_load(path, db);
        if (rc == ASSAY_ENOTFOUND)
            inv_problem_add(inv, path, "not found: device names are not resolved");
        else if (rc != 0 && rc != ASSAY_ENOMEM)
            inv_problem_add(inv, path, "%s", assay_last_error());
        if (rc == 0 && shown)
            *shown = inv_strdup(inv, path);
        return rc == 0 || rc == ASSAY_ENOMEM ? rc : ASSAY_ENOTFOUND;
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], file);
        rc = hwids_load(path, db);
        if (rc == 0 && shown)
            *shown = inv_strdup(inv, path);
        if (rc == 0 || rc == ASSAY_ENOMEM)
            return rc;
        if (rc != ASSAY_ENOTFOUND)
            inv_problem_add(inv, path, "%s", assay_last_error());
    }
    for (size_t i = 0; !inv->live && i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dirs[i], file);
        struct util_buf b = {0};
        rc = inv_read_file(inv, path, HWIDS_MAX_FILE, &b);
        if (rc == 0) {
            rc = hwids_adopt((char *)b.data, b.len, db);
            if (rc == 0 && shown)
                *shown = inv_strdup(inv, path);
            return rc;
        }
        util_buf_free(&b);
        if (rc == ASSAY_ENOMEM)
            return rc;
    }
    return ASSAY_ENOTFOUND;
}

/* ---- sysfs helpers --------------------------------------------------------------- */

const char *hw_sysfs_attr(struct inventory *inv, const char *dir, const char *attr,
                          struct util_buf *buf)
{
    char rel[1024];
    if ((size_t)snprintf(rel, sizeof rel, "%s/%s", dir, attr) >= sizeof rel)
        return NULL;
    if (inv_read_file(inv, rel, HW_ATTR_MAX, buf) != 0)
        return NULL;
    char *s = (char *)buf->data;
    size_t n = buf->len;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || is_blank(s[n - 1])))
        n--;
    s[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = '?';
    while (is_blank(*s))
        s++;
    return s;
}

/* ---- shared by both buses ---------------------------------------------------------- */

const char *hw_link_name(struct inventory *inv, const char *dir, const char *link)
{
    char rel[600], target[1024];
    snprintf(rel, sizeof rel, "%s/%s", dir, link);
    char *p = inv_path(inv, rel);
    if (p == NULL)
        return NULL;
    ssize_t n = readlink(p, target, sizeof target - 1);
    free(p);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    const char *slash = strrchr(target, '/');
    return inv_strdup(inv, slash ? slash + 1 : target);
}

/* An arena copy of a sysfs attribute, or NULL. */
static const char *attr_copy(struct inventory *inv, const char *dir, const char *name,
                             struct util_buf *buf)
{
    const char *v = hw_sysfs_attr(inv, dir, name, buf);
    return v && v[0] ? inv_strdup(inv, v) : NULL;
}

/* An arena copy of a name from an id file, or NULL when there is none. */
static const char *ids_dup(struct inventory *inv, const struct hwids_name *n)
{
    return n->name ? inv_strndup(inv, n->name, n->len) : NULL;
}

/* `s` as exactly `digits` hex digits, optionally after "0x". */
static bool parse_hex_id(const char *s, size_t digits, bool prefix, unsigned *out)
{
    if (s == NULL)
        return false;
    if (prefix && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    if (strlen(s) != digits || !hex_run(s, digits))
        return false;
    *out = hex_value(s, digits);
    return true;
}

/* What the USB and PCI collectors differ in. */
struct bus {
    const char *folder;                            /* of the devices, below the root */
    const char *ids_file;                          /* the hwdata id file naming them */
    const char *vendor_file, *device_file;         /* sysfs files of the ids (4 hex digits) */
    bool prefix;                                   /* the ids start with "0x" (PCI) */
    const char *expected;                          /* problem: <file> "<value>" is not <expected> */
    const char *vendor_id_attr, *vendor_name_attr; /* evidence attributes */
};

/* One collector run over a bus; the id file is opened when a device first
 * needs it. */
struct bus_run {
    struct inventory *inv;
    const struct inv_options *opt;
    const struct bus *bus;
    int ids_state; /* 0 not tried, 1 loaded, -1 unavailable */
    struct hwids ids;
    struct util_buf buf;
};

/* The bus's id file (*out NULL when unavailable). 0 or ASSAY_ENOMEM. */
static int bus_ids(struct bus_run *run, const struct hwids **out)
{
    *out = NULL;
    if (run->ids_state == 0) {
        int rc = hwids_open_for(run->inv, run->opt, run->bus->ids_file, &run->ids, NULL);
        if (rc == ASSAY_ENOMEM)
            return rc;
        run->ids_state = rc == 0 ? 1 : -1;
    }
    if (run->ids_state == 1)
        *out = &run->ids;
    return 0;
}

/* Read the vendor and device ids of the device folder `dir`. false when
 * there is no vendor file (not a device) or an id does not parse (a problem). */
static bool read_device_ids(struct bus_run *run, const char *dir, unsigned *vendor, unsigned *device)
{
    const struct bus *bus = run->bus;
    const char *v = hw_sysfs_attr(run->inv, dir, bus->vendor_file, &run->buf);
    if (v == NULL)
        return false;
    if (!parse_hex_id(v, 4, bus->prefix, vendor)) {
        inv_problem_add(run->inv, dir, "%s \"%.32s\" is not %s", bus->vendor_file, v, bus->expected);
        return false;
    }
    v = hw_sysfs_attr(run->inv, dir, bus->device_file, &run->buf);
    if (!parse_hex_id(v, 4, bus->prefix, device)) {
        inv_problem_add(run->inv, dir, "%s \"%.32s\" is not %s", bus->device_file, v ? v : "", bus->expected);
        return false;
    }
    return true;
}

/* Evidence of a device's vendor: its id `vid` (medium) and, when the id
 * file names it (`vn`, on line `line`), that name (weak). */
static int add_vendor_evidence(struct bus_run *run, struct inv_item *it, const char *dir, const char *vid,
                               const char *vn, unsigned line)
{
    const struct bus *bus = run->bus;
    int rc = inv_evidence_add(run->inv, it, bus->vendor_id_attr, vid, dir, bus->vendor_file, INV_MEDIUM);
    if (rc == 0 && vn) {
        char loc[64];
        snprintf(loc, sizeof loc, "%s; %s line %u", bus->vendor_file, bus->ids_file, line);
        rc = inv_evidence_add(run->inv, it, bus->vendor_name_attr, vn, dir, loc, INV_WEAK);
    }
    return rc;
}

/* Reads one device of a bus: its entry `name` in the bus folder, its folder `dir`. */
typedef int bus_device_fn(struct bus_run *run, const char *name, const char *dir);

/* Every entry of the bus's folder (at most HW_MAX_DEVICES). */
static int collect_bus(struct inventory *inv, const struct inv_options *opt, const struct bus *bus,
                       bus_device_fn *device)
{
    char **names;
    size_t n;
    int rc = inv_list_dir(inv, bus->folder, INV_LIST_VISIBLE, HW_MAX_DEVICES, &names, &n);
    if (rc != 0)
        return rc == ASSAY_ENOMEM ? rc : 0; /* absent, or a problem already recorded */
    struct bus_run run = {.inv = inv, .opt = opt, .bus = bus};
    for (size_t i = 0; i < n && rc == 0; i++) {
        char dir[512];
        if ((size_t)snprintf(dir, sizeof dir, "%s/%s", bus->folder, names[i]) < sizeof dir)
            rc = device(&run, names[i], dir);
    }
    util_buf_free(&run.buf);
    hwids_free(&run.ids);
    inv_names_free(names, n);
    return rc;
}

/* ---- USB ---------------------------------------------------------------------------- */

static const struct bus usb_bus = {
    "/sys/bus/usb/devices", "usb.ids", "idVendor", "idProduct", false, "4 hex digits",
    "usb.vendor_id",        "usb.vendor_name",
};

struct usb_fields {
    unsigned vid, pid;
    const char *manufacturer, *product, *serial, *busnum, *devnum, *dev_class, *bcd, *speed;
};

static int usb_add_item(struct bus_run *run, const char *name, const char *dir, const struct usb_fields *f)
{
    struct inventory *inv = run->inv;
    const struct hwids *ids;
    int rc = bus_ids(run, &ids);
    if (rc != 0)
        return rc;
    struct hwids_name vname = {0}, pname = {0}, cname = {0};
    unsigned cls = 0;
    if (ids != NULL) {
        hwids_vendor(ids, f->vid, &vname);
        hwids_device(ids, f->vid, f->pid, &pname);
        if (parse_hex_id(f->dev_class, 2, false, &cls))
            hwids_class(ids, cls, -1, &cname);
    }
    const char *vn = ids_dup(inv, &vname), *pn = ids_dup(inv, &pname), *cn = ids_dup(inv, &cname);
    struct inv_item *it = inv_item_new(inv, INV_USB_DEVICE, "usb");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    char vid[8], pid[8];
    snprintf(vid, sizeof vid, "%04x", f->vid);
    snprintf(pid, sizeof pid, "%04x", f->pid);
    it->id = inv_printf(inv, "usb:%s:%s:%s", vid, pid, name);
    it->name = f->product ? f->product
               : pn ? pn
                    : inv_printf(inv, "USB device %s:%s", vid, pid);
    it->publisher = f->manufacturer ? f->manufacturer : vn;
    it->path = inv_strdup(inv, dir);
    if (it->id == NULL || it->name == NULL || it->path == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    const struct inv_attr attrs[] = {
        {"vendor_id", vid},         {"product_id", pid},          {"vendor_name", vn},
        {"product_name", pn}, {"manufacturer", f->manufacturer}, {"product", f->product},
        {"serial", f->serial},      {"busnum", f->busnum},        {"devnum", f->devnum},
        {"class", f->dev_class},    {"class_name", cn},   {"bcd_device", f->bcd},
        {"speed", f->speed},
    };
    rc = inv_attrs_add(inv, it, attrs, sizeof attrs / sizeof attrs[0]);
    if (rc == 0)
        rc = add_vendor_evidence(run, it, dir, vid, vn, vname.line);
    if (rc == 0)
        rc = inv_evidence_add(inv, it, "usb.vendor_name", f->manufacturer, dir, "manufacturer",
                              INV_WEAK);
    return rc;
}

static int usb_device(struct bus_run *run, const char *name, const char *dir)
{
    if (strchr(name, ':') != NULL) /* "1-1:1.0" is an interface */
        return 0;
    struct usb_fields f = {0};
    if (!read_device_ids(run, dir, &f.vid, &f.pid))
        return 0; /* a hub port or the like, or a problem recorded */
    struct inventory *inv = run->inv;
    struct util_buf *buf = &run->buf;
    f.manufacturer = attr_copy(inv, dir, "manufacturer", buf);
    f.product = attr_copy(inv, dir, "product", buf);
    f.serial = attr_copy(inv, dir, "serial", buf);
    f.busnum = attr_copy(inv, dir, "busnum", buf);
    f.devnum = attr_copy(inv, dir, "devnum", buf);
    f.dev_class = attr_copy(inv, dir, "bDeviceClass", buf);
    f.bcd = attr_copy(inv, dir, "bcdDevice", buf);
    f.speed = attr_copy(inv, dir, "speed", buf);
    return usb_add_item(run, name, dir, &f);
}

int inv_collect_usb(struct inventory *inv, const struct inv_options *opt)
{
    return collect_bus(inv, opt, &usb_bus, usb_device);
}

/* ---- PCI ----------------------------------------------------------------------------- */

static const struct bus pci_bus = {
    "/sys/bus/pci/devices", "pci.ids", "vendor", "device", true, "a 16-bit hex id",
    "pci.vendor_id",        "pci.vendor_name",
};

struct pci_fields {
    unsigned vid, did, cls;
    bool has_class, has_sub;
    unsigned svid, sdid;
    const char *revision, *driver;
};

static int pci_add_item(struct bus_run *run, const char *slot, const char *dir, const struct pci_fields *f)
{
    struct inventory *inv = run->inv;
    const struct hwids *ids;
    int rc = bus_ids(run, &ids);
    if (rc != 0)
        return rc;
    struct hwids_name vname = {0}, dname = {0}, sname = {0}, cname = {0};
    if (ids != NULL) {
        hwids_vendor(ids, f->vid, &vname);
        hwids_device(ids, f->vid, f->did, &dname);
        if (f->has_sub)
            hwids_subsystem(ids, f->vid, f->did, f->svid, f->sdid, &sname);
        if (f->has_class)
            hwids_class(ids, f->cls >> 16, (int)((f->cls >> 8) & 0xff), &cname);
    }
    const char *vn = ids_dup(inv, &vname), *dn = ids_dup(inv, &dname), *sn = ids_dup(inv, &sname);
    const char *cn = ids_dup(inv, &cname);
    struct inv_item *it = inv_item_new(inv, INV_PCI_DEVICE, "pci");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    char vid[8], did[8], cls[8] = "", svid[8] = "", sdid[8] = "";
    snprintf(vid, sizeof vid, "%04x", f->vid);
    snprintf(did, sizeof did, "%04x", f->did);
    if (f->has_class)
        snprintf(cls, sizeof cls, "%06x", f->cls);
    if (f->has_sub) {
        snprintf(svid, sizeof svid, "%04x", f->svid);
        snprintf(sdid, sizeof sdid, "%04x", f->sdid);
    }
    it->id = inv_printf(inv, "pci:%s:%s:%s", vid, did, slot);
    it->name = dn ? dn : inv_printf(inv, "PCI device %s:%s", vid, did);
    it->publisher = vn;
    it->path = inv_strdup(inv, dir);
    if (it->id == NULL || it->name == NULL || it->path == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    const struct inv_attr attrs[] = {
        {"slot", slot},           {"vendor_id", vid},         {"device_id", did},
        {"vendor_name", vn}, {"device_name", dn}, {"class", cls},
        {"class_name", cn}, {"subsystem_vendor", svid}, {"subsystem_device", sdid},
        {"subsystem_name", sn}, {"revision", f->revision}, {"driver", f->driver},
    };
    rc = inv_attrs_add(inv, it, attrs, sizeof attrs / sizeof attrs[0]);
    return rc != 0 ? rc : add_vendor_evidence(run, it, dir, vid, vn, vname.line);
}

static int pci_device(struct bus_run *run, const char *slot, const char *dir)
{
    struct pci_fields f = {0};
    if (!read_device_ids(run, dir, &f.vid, &f.did))
        return 0;
    struct inventory *inv = run->inv;
    struct util_buf *buf = &run->buf;
    f.has_class = parse_hex_id(hw_sysfs_attr(inv, dir, "class", buf), 6, true, &f.cls);
    f.has_sub = parse_hex_id(hw_sysfs_attr(inv, dir, "subsystem_vendor", buf), 4, true, &f.svid) &&
                parse_hex_id(hw_sysfs_attr(inv, dir, "subsystem_device", buf), 4, true, &f.sdid);
    f.revision = attr_copy(inv, dir, "revision", buf);
    f.driver = hw_link_name(inv, dir, "driver");
    return pci_add_item(run, slot, dir, &f);
}

int inv_collect_pci(struct inventory *inv, const struct inv_options *opt)
{
    return collect_bus(inv, opt, &pci_bus, pci_device);
}
