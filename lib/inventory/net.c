/* net.c — network interfaces and neighbours of a Linux root, with the
 * organisation that the IEEE registered each MAC prefix to.
 *
 * Sources
 *   <root>/sys/class/net/<if>/  address, operstate, type, the device/driver
 *       link. "lo", interfaces whose address is not a 6-octet MAC (tun,
 *       wireguard: no address) and all-zero addresses are skipped.
 *   <root>/proc/net/arp  "IP address  HW type  Flags  HW address  Mask
 *       Device" after a header line. Incomplete entries (flags 0, address
 *       00:00:00:00:00:00) and multicast addresses are skipped; lines that are
 *       not understood are counted into one problem naming the first. A MAC
 *       seen on several lines is one item with several `ip` facts.
 *   IEEE registries (ieee-data): oui.csv (MA-L, 24-bit prefixes), mam.csv
 *       (MA-M, 28), oui36.csv (MA-S, 36), iab.csv (IAB, 36), CSV
 *       "Registry,Assignment,Organization Name,Organization Address" with
 *       quoted fields. From opt->ieee_dir (a host path), else the host's
 *       /usr/share/ieee-data, else the root's. Read only when there is a
 *       universal MAC to look up: each file read once, its records kept in
 *       one array; the first OUI_LINEAR_LOOKUPS lookups scan it, later ones
 *       sort it by (prefix length, prefix) and binary-search, longest prefix
 *       first; the first record of the files wins a tie (~4.3 MB, ~46k
 *       records: ~15 ms of CPU on the 2-core test machine, most of it the
 *       CSV parse).
 *
 * Evidence: mac.org (weak) for a universally administered MAC whose prefix is
 * registered: value the organisation, source the sysfs address file or
 * /proc/net/arp, locator "line N; IEEE MA-L 44-47-CC" (the registry and the
 * prefix, so a third party can re-check). A locally administered MAC (bit
 * 0x02 of the first octet: randomized or assigned by software) gets no
 * mac.org; attr mac_kind says "local (randomized or assigned)" or
 * "universal". Limits: NET_MAX_INTERFACES interfaces, /proc/net/arp at most
 * NET_ARP_MAX bytes, IEEE files at most NET_IEEE_MAX bytes each, CSV records
 * of at most 16 fields (the rest ignored). */
#include "inventory/hwids.h"
#include "inventory/inventory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/hexdigit.h"

#define NET_MAX_INTERFACES 4096
#define NET_ARP_MAX ((size_t)16 << 20)
#define NET_IEEE_MAX ((size_t)64 << 20)
#define NET_CSV_FIELDS 16

#define MAC_KIND_LOCAL "local (randomized or assigned)"
#define MAC_KIND_UNIVERSAL "universal"

/* ---- the IEEE registries ---------------------------------------------------------- */

struct oui_entry {
    uint64_t prefix;     /* the assignment's value (bits wide) */
    const char *org;     /* inside a loaded file, NUL-terminated (unescaped in place) */
    const char *registry;/* "MA-L", "MA-M", "MA-S", "IAB" as the record says */
    uint32_t order;      /* position in the files, to keep the first of equal records */
    uint8_t bits;        /* 24, 28 or 36 */
};

struct oui_db {
    char *files[4];
    UTIL_VEC(struct oui_entry) v;
    unsigned lookups;  /* done so far */
    bool sorted;
};

/* Lookups done by a linear scan before the records are sorted: sorting
 * ~46k records costs about as much as 30 scans, and a host usually has a
 * handful of MACs. */
#define OUI_LINEAR_LOOKUPS 32

/* One CSV record starting at *pos (RFC 4180 quoting, "" for a quote;
 * quoted fields may span lines). Fields are unescaped in place and
 * NUL-terminated; at most NET_CSV_FIELDS are kept. Returns the field count
 * (0 at the end of the text). */
static size_t csv_record(char *s, size_t len, size_t *pos, char *fields[NET_CSV_FIELDS])
{
    size_t i = *pos, nf = 0;
    if (i >= len)
        return 0;
    for (;;) {
        char *out = s + i, *start = out;
        if (i < len && s[i] == '"') {
            i++;
            while (i < len) {
                if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
                    *out++ = '"';
                    i += 2;
                } else if (s[i] == '"') {
                    i++;
                    break;
                } else {
                    *out++ = s[i++];
                }
            }
        }
        /* unquoted part (or anything after a closing quote) up to , or line end */
        while (i < len && s[i] != ',' && s[i] != '\n')
            *out++ = s[i++];
        char sep = i < len ? s[i] : '\n';
        if (out > start && out[-1] == '\r')
            out--;
        *out = '\0'; /* out <= s + i: never past the separator */
        if (nf < NET_CSV_FIELDS)
            fields[nf++] = start;
        if (i < len)
            i++;
        if (sep != ',')
            break;
    }
    *pos = i;
    return nf;
}

static bool hex_string(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (util_hex_digit((unsigned char)s[i]) < 0)
            return false;
    return true;
}

static int oui_index_file(struct oui_db *db, char *text, size_t len)
{
    char *f[NET_CSV_FIELDS];
    size_t pos = 0, nf;
    while ((nf = csv_record(text, len, &pos, f)) > 0) {
        if (nf < 3)
            continue;
        size_t n = strlen(f[1]);
        if ((n != 6 && n != 7 && n != 9) || !hex_string(f[1], n) || f[2][0] == '\0')
            continue; /* the header line, or a record that is not a MAC assignment */
        struct oui_entry e = {.org = f[2], .registry = f[0], .bits = (uint8_t)(n * 4),
                              .order = (uint32_t)db->v.n};
        for (size_t k = 0; k < n; k++)
            e.prefix = e.prefix << 4 | (uint64_t)util_hex_digit((unsigned char)f[1][k]);
        if (util_vec_push(&db->v, e) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return 0;
}

static int oui_key_cmp(const void *a, const void *b)
{
    const struct oui_entry *x = a, *y = b;
    if (x->bits != y->bits)
        return x->bits < y->bits ? -1 : 1;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return 0;
}

static int oui_sort_cmp(const void *a, const void *b)
{
    const struct oui_entry *x = a, *y = b;
    int d = oui_key_cmp(a, b);
    return d ? d : x->order < y->order ? -1 : x->order > y->order;
}

static void oui_free(struct oui_db *db)
{
    for (size_t i = 0; i < 4; i++)
        free(db->files[i]);
    util_vec_free(&db->v);
    memset(db, 0, sizeof *db);
}

/* A whole host file (malloc'ed, NUL-terminated). 0, ASSAY_ENOTFOUND or another error. */
static int read_host(const char *path, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR
                   ? ASSAY_ENOTFOUND
                   : util_error(ASSAY_EIO, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > NET_IEEE_MAX) {
        close(fd);
        return util_error(ASSAY_ELIMIT, "not a regular file of at most %zu bytes", NET_IEEE_MAX);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

/* Read one registry file from the host folder `dir` or, when dir is NULL,
 * below the root. */
static int oui_read(struct inventory *inv, const char *dir, const char *name, char **text,
                    size_t *len)
{
    char path[4096];
    if (dir != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
        int rc = read_host(path, text, len);
        if (rc != 0 && rc != ASSAY_ENOTFOUND && rc != ASSAY_ENOMEM)
            inv_problem_add(inv, path, "%s", assay_last_error());
        return rc;
    }
    snprintf(path, sizeof path, "/usr/share/ieee-data/%s", name);
    struct util_buf b = {0};
    int rc = inv_read_file(inv, path, NET_IEEE_MAX, &b);
    if (rc != 0) {
        util_buf_free(&b);
        return rc;
    }
    *text = (char *)b.data;
    *len = b.len;
    return 0;
}

/* Load the registries: opt->ieee_dir, else the host's folder, else the root's.
 * 0 (possibly with no records), ASSAY_ENOMEM. */
static int oui_load(struct inventory *inv, const struct inv_options *opt, struct oui_db *db)
{
    static const char *const names[4] = {"oui.csv", "mam.csv", "oui36.csv", "iab.csv"};
    bool given = opt && opt->ieee_dir && opt->ieee_dir[0];
    const char *dir = given ? opt->ieee_dir : "/usr/share/ieee-data";
    struct stat st;
    if (!given && stat(dir, &st) != 0 && !inv->live)
        dir = NULL; /* no host copy: try the root's */
    int found = 0;
    for (size_t i = 0; i < 4; i++) {
        size_t len = 0;
        int rc = oui_read(inv, dir, names[i], &db->files[i], &len);
        if (rc == ASSAY_ENOMEM)
            return rc;
        if (rc != 0)
            continue;
        found++;
        if ((rc = oui_index_file(db, db->files[i], len)) != 0)
            return rc;
    }
    if (found == 0 && given)
        inv_problem_add(inv, opt->ieee_dir, "no IEEE registry file (oui.csv...): MAC vendors not resolved");
    return 0;
}

/* The longest registered prefix of mac48 (the first record of the longest
 * when the registries repeat one), or NULL. */
static const struct oui_entry *oui_lookup(struct oui_db *db, uint64_t mac48)
{
    static const uint8_t widths[] = {36, 28, 24};
    if (db->v.n == 0)
        return NULL;
    if (!db->sorted && db->lookups++ < OUI_LINEAR_LOOKUPS) {
        const struct oui_entry *best = NULL;
        for (size_t i = 0; i < db->v.n; i++) {
            const struct oui_entry *e = &db->v.v[i];
            if ((best == NULL || e->bits > best->bits) && mac48 >> (48 - e->bits) == e->prefix)
                best = e;
        }
        return best;
    }
    if (!db->sorted && db->v.n > 1)
        qsort(db->v.v, db->v.n, sizeof *db->v.v, oui_sort_cmp);
    db->sorted = true;
    for (size_t w = 0; w < sizeof widths; w++) {
        struct oui_entry key = {.bits = widths[w], .prefix = mac48 >> (48 - widths[w])};
        const struct oui_entry *e =
            bsearch(&key, db->v.v, db->v.n, sizeof *db->v.v, oui_key_cmp);
        while (e != NULL && e > db->v.v && oui_key_cmp(e - 1, &key) == 0)
            e--; /* the first in file order */
        if (e != NULL)
            return e;
    }
    return NULL;
}

/* "44-47-CC", "74-1A-E0-9", "70-B3-D5-F2-F": the prefix as the IEEE writes it. */
static void format_prefix(const struct oui_entry *e, char *out, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t digits = e->bits / 4, o = 0;
    for (size_t k = 0; k < digits && o + 3 < size; k++) {
        if (k > 0 && k % 2 == 0)
            out[o++] = '-';
        out[o++] = hex[(e->prefix >> (4 * (digits - 1 - k))) & 0xf];
    }
    out[o] = '\0';
}

/* ---- MAC addresses -------------------------------------------------------------------- */

/* "aa:bb:cc:dd:ee:ff" (any case) as a 48-bit value. */
static bool parse_mac(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    for (size_t k = 0; k < 6; k++) {
        int hi = util_hex_digit((unsigned char)s[3 * k]);
        if (hi < 0)
            return false;
        int lo = util_hex_digit((unsigned char)s[3 * k + 1]);
        if (lo < 0 || s[3 * k + 2] != (k < 5 ? ':' : '\0'))
            return false;
        v = v << 8 | (uint64_t)(hi << 4 | lo);
    }
    *out = v;
    return true;
}

static void format_mac(uint64_t mac, char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", (unsigned)(mac >> 40) & 0xff,
             (unsigned)(mac >> 32) & 0xff, (unsigned)(mac >> 24) & 0xff,
             (unsigned)(mac >> 16) & 0xff, (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

static bool mac_is_local(uint64_t mac)
{
    return (mac >> 40) & 0x02;
}

static bool mac_is_multicast(uint64_t mac)
{
    return (mac >> 40) & 0x01;
}

/* One collector run: the registries, loaded on first need. */
struct net_ctx {
    struct inventory *inv;
    const struct inv_options *opt;
    int oui_state; /* 0 not loaded, 1 loaded */
    struct oui_db oui;
};

/* mac, mac_kind and (universal MACs with a registered prefix) the oui_*
 * facts and the mac.org evidence; `where` is the locator's start or NULL. */
static int add_mac_facts(struct net_ctx *c, struct inv_item *it, uint64_t mac, const char *source,
                         const char *where)
{
    struct inventory *inv = c->inv;
    char text[18];
    format_mac(mac, text);
    int rc = inv_attr_add(inv, it, "mac", text);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "mac_kind", mac_is_local(mac) ? MAC_KIND_LOCAL : MAC_KIND_UNIVERSAL);
    if (rc != 0 || mac_is_local(mac))
        return rc;
    if (c->oui_state == 0) {
        if ((rc = oui_load(inv, c->opt, &c->oui)) != 0)
            return rc;
        c->oui_state = 1;
    }
    const struct oui_entry *e = oui_lookup(&c->oui, mac);
    if (e == NULL)
        return 0;
    char prefix[24], loc[160];
    format_prefix(e, prefix, sizeof prefix);
    snprintf(loc, sizeof loc, "%s%sIEEE %s %s", where ? where : "", where ? "; " : "", e->registry,
             prefix);
    if ((rc = inv_attr_add(inv, it, "oui_registry", e->registry)) != 0 ||
        (rc = inv_attr_add(inv, it, "oui_prefix", prefix)) != 0 ||
        (rc = inv_attr_add(inv, it, "oui_org", e->org)) != 0)
        return rc;
    return inv_evidence_add(inv, it, "mac.org", e->org, source, loc, INV_WEAK);
}

/* ---- interfaces ----------------------------------------------------------------------- */

static int net_interface(struct net_ctx *c, const char *name, struct util_buf *buf)
{
    struct inventory *inv = c->inv;
    char dir[512], source[600];
    if (strcmp(name, "lo") == 0 ||
        (size_t)snprintf(dir, sizeof dir, "/sys/class/net/%s", name) >= sizeof dir)
        return 0;
    const char *addr = hw_sysfs_attr(inv, dir, "address", buf);
    uint64_t mac;
    if (addr == NULL || !parse_mac(addr, &mac) || mac == 0)
        return 0;
    const char *type = inv_strdup(inv, hw_sysfs_attr(inv, dir, "type", buf));
    if (type != NULL && strcmp(type, "772") == 0)
        return 0; /* ARPHRD_LOOPBACK under another name */
    const char *oper = inv_strdup(inv, hw_sysfs_attr(inv, dir, "operstate", buf));
    struct inv_item *it = inv_item_new(inv, INV_NET_INTERFACE, "net");
    if (it == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    it->id = inv_printf(inv, "net:if:%s", name);
    it->name = inv_strdup(inv, name);
    it->path = inv_strdup(inv, dir);
    if (it->id == NULL || it->name == NULL || it->path == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    snprintf(source, sizeof source, "%s/address", dir);
    int rc = add_mac_facts(c, it, mac, source, NULL);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "operstate", oper);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "type", type);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "driver", hw_link_name(inv, dir, "device/driver"));
    return rc;
}

static int net_interfaces(struct net_ctx *c)
{
    char **names;
    size_t n;
    int rc = inv_list_dir(c->inv, "/sys/class/net", INV_LIST_VISIBLE, NET_MAX_INTERFACES, &names, &n);
    if (rc != 0)
        return rc == ASSAY_ENOMEM ? rc : 0; /* absent, or a problem already recorded */
    struct util_buf buf = {0};
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = net_interface(c, names[i], &buf);
    util_buf_free(&buf);
    inv_names_free(names, n);
    return rc;
}

/* ---- the ARP table ---------------------------------------------------------------------- */

struct arp_line {
    const char *ip, *hw_type, *flags, *mac_text, *device;
    uint64_t mac;
};

/* Split a line into white-space separated fields (in place); at most `max`. */
static size_t split_fields(char *s, char **f, size_t max)
{
    size_t n = 0;
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\r')
            *s++ = '\0';
        if (*s == '\0')
            break;
        if (n == max)
            return max + 1;
        f[n++] = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r')
            s++;
    }
    return n;
}

/* -1: not understood; 0: skipped (incomplete, multicast); 1: a neighbour. */
static int parse_arp_line(char *s, struct arp_line *out)
{
    char *f[7];
    size_t n = split_fields(s, f, 6);
    if (n != 6 || !parse_mac(f[3], &out->mac) || strncmp(f[2], "0x", 2) != 0)
        return -1;
    char *end;
    unsigned long flags = strtoul(f[2], &end, 16);
    if (*end != '\0')
        return -1;
    out->ip = f[0];
    out->hw_type = f[1];
    out->flags = f[2];
    out->mac_text = f[3];
    out->device = f[5];
    if (flags == 0 || out->mac == 0 || mac_is_multicast(out->mac))
        return 0;
    return 1;
}

static struct inv_item *find_item(struct inventory *inv, const char *id)
{
    for (size_t i = inv->items.n; i-- > 0;)
        if (inv->items.v[i]->id && strcmp(inv->items.v[i]->id, id) == 0)
            return inv->items.v[i];
    return NULL;
}

static int add_neighbour(struct net_ctx *c, const struct arp_line *a, unsigned line)
{
    struct inventory *inv = c->inv;
    char mac[18], where[32];
    format_mac(a->mac, mac);
    const char *id = inv_printf(inv, "net:arp:%s", mac);
    if (id == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    struct inv_item *it = find_item(inv, id);
    if (it != NULL) /* the same MAC on another line: one more address */
        return inv_attr_add(inv, it, "ip", a->ip);
    if ((it = inv_item_new(inv, INV_NET_NEIGHBOUR, "net")) == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    it->id = id;
    it->name = inv_strdup(inv, a->ip);
    it->path = "/proc/net/arp";
    if (it->name == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    snprintf(where, sizeof where, "line %u", line);
    int rc = inv_attr_add(inv, it, "ip", a->ip);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "device", a->device);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "hw_type", a->hw_type);
    if (rc == 0)
        rc = inv_attr_add(inv, it, "flags", a->flags);
    if (rc == 0)
        rc = add_mac_facts(c, it, a->mac, "/proc/net/arp", where);
    return rc;
}

static int net_arp(struct net_ctx *c)
{
    struct util_buf b = {0};
    int rc = inv_read_file(c->inv, "/proc/net/arp", NET_ARP_MAX, &b);
    if (rc != 0) {
        util_buf_free(&b);
        return rc == ASSAY_ENOMEM ? rc : 0; /* absent; unreadable is already a problem */
    }
    char *s = (char *)b.data, *end = s + b.len;
    unsigned line = 0, bad = 0, first_bad = 0;
    rc = 0;
    while (s < end && rc == 0) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *next = nl ? nl + 1 : end;
        *(nl ? nl : end) = '\0';
        line++;
        struct arp_line a;
        bool header = line == 1 && strncmp(s, "IP address", 10) == 0;
        int kind = header || strspn(s, " \t\r") == strlen(s) ? 0 : parse_arp_line(s, &a);
        if (kind < 0 && bad++ == 0)
            first_bad = line;
        if (kind > 0)
            rc = add_neighbour(c, &a, line);
        s = next;
    }
    if (bad > 0)
        inv_problem_add(c->inv, "/proc/net/arp", "%u line(s) not understood (first: line %u)", bad,
                        first_bad);
    util_buf_free(&b);
    return rc;
}

int inv_collect_net(struct inventory *inv, const struct inv_options *opt)
{
    struct net_ctx c = {.inv = inv, .opt = opt};
    int rc = net_interfaces(&c);
    if (rc == 0)
        rc = net_arp(&c);
    oui_free(&c.oui);
    return rc;
}
