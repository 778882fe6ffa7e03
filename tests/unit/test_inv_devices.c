/* test_inv_devices.c — the device, network, kernel-module and CA-certificate
 * collectors (inventory/devices.c, net.c, kmods.c, certs.c) and the id-file
 * lookups (inventory/hwids.h) over roots built in a temporary folder: a fake
 * sysfs and /proc/net/arp, tiny usb.ids / pci.ids / IEEE CSV files passed
 * through inv_options, kernel modules made by an ELF generator here (32/64
 * bit, both byte orders; signed with a CMS blob made with OpenSSL;
 * xz-compressed with libarchive), and CA certificates generated with OpenSSL.
 * Checks items, evidence (attribute, strength, source, locator) and that
 * malformed input (junk ARP lines, odd id-file lines, truncated modules, bad
 * signature lengths, damaged PEM) becomes problems or skipped lines, never a
 * crash. Also runs tests/fixtures/root-devices.sh against the real hwdata and
 * ieee-data files (skipped when they or the tools are missing) and the
 * collectors on the live host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <ftw.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assay.h"
#include "inventory/certs.h"
#include "inventory/hwids.h"
#include "inventory/inventory.h"

/* ---- a root in a temporary folder ---------------------------------------------- */

static char base[256];   /* holds root/, hwdata/, ieee/ */
static char root[300];
static char hwdata[300];
static char ieee[300];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int make_base(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/assay-invdev.XXXXXX");
    if (!mkdtemp(base))
        return -1;
    snprintf(root, sizeof root, "%s/root", base);
    snprintf(hwdata, sizeof hwdata, "%s/hwdata", base);
    snprintf(ieee, sizeof ieee, "%s/ieee", base);
    return mkdir(root, 0755) || mkdir(hwdata, 0755) || mkdir(ieee, 0755);
}

static int remove_base(void **state)
{
    (void)state;
    return nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
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

static void write_path(const char *path, const void *data, size_t len)
{
    mkdirs(path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Write root/rel. */
static void write_bytes(const char *rel, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    write_path(path, data, len);
}

static void write_text(const char *rel, const char *text)
{
    write_bytes(rel, text, strlen(text));
}

static void write_in(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_path(path, text, strlen(text));
}

/* ---- looking at an inventory ----------------------------------------------------- */

static struct inv_options options(void)
{
    struct inv_options o = {.hwdata_dir = hwdata, .ieee_dir = ieee};
    return o;
}

static struct inv_item *find(const struct inventory *inv, const char *id)
{
    for (size_t i = 0; i < inv->items.n; i++)
        if (inv->items.v[i]->id && strcmp(inv->items.v[i]->id, id) == 0)
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

/* The evidence of `attribute` with `value` (any value when NULL). */
static const struct inv_evidence *evidence(const struct inv_item *it, const char *attribute,
                                           const char *value)
{
    for (size_t i = 0; i < it->evidence.n; i++)
        if (strcmp(it->evidence.v[i].attribute, attribute) == 0 &&
            (value == NULL || strcmp(it->evidence.v[i].value, value) == 0))
            return &it->evidence.v[i];
    return NULL;
}

static void assert_evidence(const struct inv_item *it, const char *attribute, const char *value,
                            enum inv_strength strength, const char *source, const char *locator)
{
    const struct inv_evidence *e = evidence(it, attribute, value);
    if (e == NULL)
        fail_msg("%s: no %s=%s", it->id, attribute, value);
    assert_int_equal(e->strength, strength);
    if (source)
        assert_string_equal(e->source, source);
    if (locator)
        assert_string_equal(e->locator, locator);
}

/* A problem whose path or message contains `needle`. */
static bool has_problem(const struct inventory *inv, const char *needle)
{
    for (size_t i = 0; i < inv->problems.n; i++)
        if ((inv->problems.v[i].path && strstr(inv->problems.v[i].path, needle)) ||
            strstr(inv->problems.v[i].message, needle))
            return true;
    return false;
}

static size_t count_attr(const struct inv_item *it, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < it->attrs.n; i++)
        n += strcmp(it->attrs.v[i].name, name) == 0;
    return n;
}

/* ---- tiny id files --------------------------------------------------------------------- */

static const char usb_ids[] =
    "# usb.ids (test)\n"
    "#\tvendor  vendor_name\n"
    "\n"
    "046d  Logitech, Inc.\n"
    "\tc077  Mouse\n"
    "12d1  Huawei Technologies Co., Ltd.\n"
    "\t1001  E161/E169/E620/E800 HSDPA Modem\n"
    "\t1506  Modem/Networkcard\n"
    "\t\t01  an interface line\n"
    "1d6b  Linux Foundation\n"
    "\t0002  2.0 root hub\n"
    "C 00  (Defined at Interface level)\n"
    "C 09  Hub\n"
    "\t00  Unused\n";

static const char pci_ids[] =
    "8086  Intel Corporation\n"
    "\t3e9b  CoffeeLake-H GT2 [UHD Graphics 630]\n"
    "\t\t17aa 2266  ThinkPad P1\n"
    "\t1234  Other\n"
    "C 03  Display controller\n"
    "\t00  VGA compatible controller\n"
    "\t\t00  VGA controller\n"
    "\t80  Display controller\n";

static const char oui_csv[] =
    "Registry,Assignment,Organization Name,Organization Address\n"
    "MA-L,ACED5C,Intel Corporate,\"Lot 8, Jalan Hi-Tech 2/3 Kulim Kedah MY 09000 \"\n"
    "MA-L,4447CC,\"Hangzhou Hikvision Digital Technology Co.,Ltd.\",No.555 Qianmo Road Hangzhou Zhejiang CN 310052 \n"
    "MA-L,70B3D5,IEEE Registration Authority,\"445 Hoes Lane\nPiscataway NJ US 08554\"\n"
    "MA-L,001122,\"Quote \"\"Test\"\" Corp\",Somewhere\n"
    "MA-L,ZZZZZZ,Not hex,\n"
    "MA-L,44,Too short,\n"
    "junk line without commas\n";

static const char mam_csv[] =
    "Registry,Assignment,Organization Name,Organization Address\n"
    "MA-M,70B3D5F,Should lose to MA-S,Addr\n";

static const char oui36_csv[] =
    "Registry,Assignment,Organization Name,Organization Address\r\n"
    "MA-S,70B3D5F2F,TELEPLATFORMS,\"Polbina st., 3/1 Moscow  RU 109388 \"\r\n";

static void write_id_files(void)
{
    write_in(hwdata, "usb.ids", usb_ids);
    write_in(hwdata, "pci.ids", pci_ids);
    write_in(ieee, "oui.csv", oui_csv);
    write_in(ieee, "mam.csv", mam_csv);
    write_in(ieee, "oui36.csv", oui36_csv);
}

/* ---- hwids ------------------------------------------------------------------------------- */

static void hwids_lookups(void **state)
{
    (void)state;
    struct hwids db;
    assert_int_equal(hwids_parse(usb_ids, strlen(usb_ids), &db), 0);
    struct hwids_name n;
    assert_true(hwids_vendor(&db, 0x12d1, &n));
    assert_int_equal(n.len, strlen("Huawei Technologies Co., Ltd."));
    assert_memory_equal(n.name, "Huawei Technologies Co., Ltd.", n.len);
    assert_int_equal(n.line, 6);
    assert_true(hwids_device(&db, 0x12d1, 0x1506, &n));
    assert_memory_equal(n.name, "Modem/Networkcard", n.len);
    assert_int_equal(n.line, 8);
    assert_false(hwids_device(&db, 0x12d1, 0x0001, &n));
    assert_false(hwids_device(&db, 0x046d, 0x1001, &n)); /* another vendor's product */
    assert_false(hwids_vendor(&db, 0xffff, &n));
    assert_true(hwids_class(&db, 0x09, 0x00, &n));
    assert_memory_equal(n.name, "Unused", n.len);
    assert_true(hwids_class(&db, 0x09, 0x42, &n)); /* unknown subclass: the class */
    assert_memory_equal(n.name, "Hub", n.len);
    assert_false(hwids_class(&db, 0x42, -1, &n));
    hwids_free(&db);

    assert_int_equal(hwids_parse(pci_ids, strlen(pci_ids), &db), 0);
    assert_true(hwids_subsystem(&db, 0x8086, 0x3e9b, 0x17aa, 0x2266, &n));
    assert_memory_equal(n.name, "ThinkPad P1", n.len);
    assert_false(hwids_subsystem(&db, 0x8086, 0x1234, 0x17aa, 0x2266, &n));
    assert_true(hwids_class(&db, 0x03, 0x80, &n));
    assert_memory_equal(n.name, "Display controller", n.len);
    hwids_free(&db);
}

static void hwids_odd_files(void **state)
{
    (void)state;
    /* CRLF, a duplicate vendor (the first wins), ids without names, short ids,
       a tab line before any vendor, a NUL byte, no final newline */
    static const char odd[] =
        "\t0001  orphan product\r\n"
        "abcd  First\r\n"
        "\t0001  Product One   \r\n"
        "abcd  Second\n"
        "\t0002  Product Two\n"
        "12ab\n"
        "12a  short\n"
        "1234 \n"
        "5678  Has\0NUL\n"
        "C 0\n"
        "C 0g  bad\n"
        "\t0003  after a non-vendor line\n"
        "9999  Last";
    struct hwids db;
    assert_int_equal(hwids_parse(odd, sizeof odd - 1, &db), 0);
    struct hwids_name n;
    assert_true(hwids_vendor(&db, 0xabcd, &n));
    assert_memory_equal(n.name, "First", n.len);
    assert_int_equal(n.len, 5);
    assert_true(hwids_device(&db, 0xabcd, 0x0001, &n));
    assert_int_equal(n.len, strlen("Product One")); /* trailing blanks and the \r left out */
    assert_false(hwids_device(&db, 0xabcd, 0x0002, &n)); /* under the second "abcd" */
    assert_false(hwids_vendor(&db, 0x12ab, &n));
    assert_false(hwids_vendor(&db, 0x1234, &n));
    assert_true(hwids_vendor(&db, 0x5678, &n));
    assert_true(hwids_vendor(&db, 0x9999, &n));
    assert_memory_equal(n.name, "Last", n.len);
    assert_false(hwids_class(&db, 0, -1, &n));
    hwids_free(&db);

    assert_int_equal(hwids_parse("", 0, &db), 0);
    assert_false(hwids_vendor(&db, 0, &n));
    hwids_free(&db);

    /* every prefix of the test file parses */
    for (size_t len = 0; len <= sizeof usb_ids - 1; len++) {
        assert_int_equal(hwids_parse(usb_ids, len, &db), 0);
        (void)hwids_device(&db, 0x12d1, 0x1506, &n);
        (void)hwids_class(&db, 0x09, 0, &n);
        hwids_free(&db);
    }
    assert_int_equal(hwids_load("/nonexistent/usb.ids", &db), ASSAY_ENOTFOUND);
}

/* ---- USB and PCI ------------------------------------------------------------------------- */

static void fake_usb(const char *name, const char *vid, const char *pid, const char *manufacturer,
                     const char *product)
{
    char rel[256];
    snprintf(rel, sizeof rel, "sys/bus/usb/devices/%s/idVendor", name);
    write_text(rel, vid);
    snprintf(rel, sizeof rel, "sys/bus/usb/devices/%s/idProduct", name);
    write_text(rel, pid);
    if (manufacturer) {
        snprintf(rel, sizeof rel, "sys/bus/usb/devices/%s/manufacturer", name);
        write_text(rel, manufacturer);
    }
    if (product) {
        snprintf(rel, sizeof rel, "sys/bus/usb/devices/%s/product", name);
        write_text(rel, product);
    }
}

static void usb_devices(void **state)
{
    (void)state;
    write_id_files();
    fake_usb("1-1", "12d1\n", "1506\n", "HUAWEI\n", "HUAWEI Mobile\n");
    write_text("sys/bus/usb/devices/1-1/busnum", "1\n");
    write_text("sys/bus/usb/devices/1-1/devnum", "2\n");
    write_text("sys/bus/usb/devices/1-1/bDeviceClass", "00\n");
    write_text("sys/bus/usb/devices/1-1:1.0/bInterfaceClass", "ff\n");
    fake_usb("1-2", "046d\n", "c077\n", NULL, NULL);
    fake_usb("usb1", "1d6b\n", "0002\n", "Linux 6.1 xhci-hcd\n", "xHCI\x01Host\x7f\n");
    write_text("sys/bus/usb/devices/usb1/bDeviceClass", "09\n");
    fake_usb("1-3", "zz12\n", "0001\n", NULL, NULL);  /* bad vendor id */
    fake_usb("1-4", "12d1\n", "15060\n", NULL, NULL); /* bad product id */
    fake_usb("1-5", "abcd\n", "0001\n", NULL, NULL);  /* not in usb.ids */

    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    struct inv_options o = options();
    assert_int_equal(inv_collect_usb(&inv, &o), 0);
    assert_int_equal(count_kind(&inv, INV_USB_DEVICE), 4);

    struct inv_item *it = find(&inv, "usb:12d1:1506:1-1");
    assert_non_null(it);
    assert_string_equal(it->collector, "usb");
    assert_string_equal(it->name, "HUAWEI Mobile");
    assert_string_equal(it->publisher, "HUAWEI");
    assert_string_equal(it->path, "/sys/bus/usb/devices/1-1");
    assert_string_equal(inv_attr_get(it, "product_name"), "Modem/Networkcard");
    assert_string_equal(inv_attr_get(it, "vendor_name"), "Huawei Technologies Co., Ltd.");
    assert_string_equal(inv_attr_get(it, "busnum"), "1");
    assert_string_equal(inv_attr_get(it, "class_name"), "(Defined at Interface level)");
    assert_evidence(it, "usb.vendor_id", "12d1", INV_MEDIUM, "/sys/bus/usb/devices/1-1", "idVendor");
    assert_evidence(it, "usb.vendor_name", "Huawei Technologies Co., Ltd.", INV_WEAK,
                    "/sys/bus/usb/devices/1-1", "idVendor; usb.ids line 6");
    assert_evidence(it, "usb.vendor_name", "HUAWEI", INV_WEAK, "/sys/bus/usb/devices/1-1",
                    "manufacturer");

    it = find(&inv, "usb:046d:c077:1-2"); /* no strings: names from usb.ids */
    assert_non_null(it);
    assert_string_equal(it->name, "Mouse");
    assert_string_equal(it->publisher, "Logitech, Inc.");
    assert_int_equal(it->evidence.n, 2);

    it = find(&inv, "usb:1d6b:0002:usb1");
    assert_non_null(it);
    assert_string_equal(it->name, "xHCI?Host?"); /* control bytes from the device */
    assert_string_equal(inv_attr_get(it, "class_name"), "Hub");

    it = find(&inv, "usb:abcd:0001:1-5");
    assert_non_null(it);
    assert_string_equal(it->name, "USB device abcd:0001");
    assert_null(it->publisher);
    assert_int_equal(it->evidence.n, 1);

    assert_true(has_problem(&inv, "idVendor \"zz12\""));
    assert_true(has_problem(&inv, "idProduct \"15060\""));
    inventory_free(&inv);
}

static void pci_devices(void **state)
{
    (void)state;
    write_id_files();
    write_text("sys/bus/pci/devices/0000:00:02.0/vendor", "0x8086\n");
    write_text("sys/bus/pci/devices/0000:00:02.0/device", "0x3e9b\n");
    write_text("sys/bus/pci/devices/0000:00:02.0/class", "0x030000\n");
    write_text("sys/bus/pci/devices/0000:00:02.0/subsystem_vendor", "0x17aa\n");
    write_text("sys/bus/pci/devices/0000:00:02.0/subsystem_device", "0x2266\n");
    write_text("sys/bus/pci/devices/0000:00:03.0/vendor", "0xABCD\n");
    write_text("sys/bus/pci/devices/0000:00:03.0/device", "0x0001\n");
    write_text("sys/bus/pci/devices/0000:00:04.0/vendor", "0x80861\n");
    write_text("sys/bus/pci/devices/0000:00:04.0/device", "0x0001\n");
    write_text("sys/bus/pci/devices/0000:00:05.0/vendor", "0x8086\n"); /* no device file */

    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    struct inv_options o = options();
    assert_int_equal(inv_collect_pci(&inv, &o), 0);
    assert_int_equal(count_kind(&inv, INV_PCI_DEVICE), 2);
    struct inv_item *it = find(&inv, "pci:8086:3e9b:0000:00:02.0");
    assert_non_null(it);
    assert_string_equal(it->name, "CoffeeLake-H GT2 [UHD Graphics 630]");
    assert_string_equal(it->publisher, "Intel Corporation");
    assert_string_equal(inv_attr_get(it, "class"), "030000");
    assert_string_equal(inv_attr_get(it, "class_name"), "VGA compatible controller");
    assert_string_equal(inv_attr_get(it, "subsystem_name"), "ThinkPad P1");
    assert_evidence(it, "pci.vendor_id", "8086", INV_MEDIUM, "/sys/bus/pci/devices/0000:00:02.0",
                    "vendor");
    assert_evidence(it, "pci.vendor_name", "Intel Corporation", INV_WEAK,
                    "/sys/bus/pci/devices/0000:00:02.0", "vendor; pci.ids line 1");
    it = find(&inv, "pci:abcd:0001:0000:00:03.0"); /* lower-case id, no name */
    assert_non_null(it);
    assert_string_equal(it->name, "PCI device abcd:0001");
    assert_null(evidence(it, "pci.vendor_name", NULL));
    assert_true(has_problem(&inv, "0x80861"));
    assert_true(has_problem(&inv, "device \"\""));
    inventory_free(&inv);

    /* no id files: devices are still listed, the missing file is a problem */
    struct inv_options none = {.hwdata_dir = "/nonexistent-hwdata"};
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(inv_collect_pci(&inv, &none), 0);
    assert_int_equal(count_kind(&inv, INV_PCI_DEVICE), 2);
    assert_true(has_problem(&inv, "/nonexistent-hwdata/pci.ids"));
    inventory_free(&inv);
}

/* ---- network -------------------------------------------------------------------------------- */

static void network(void **state)
{
    (void)state;
    write_id_files();
    write_text("sys/class/net/lo/address", "00:00:00:00:00:00\n");
    write_text("sys/class/net/eth0/address", "AC:ED:5C:12:34:56\n");
    write_text("sys/class/net/eth0/operstate", "up\n");
    write_text("sys/class/net/wlan0/address", "da:a1:19:5e:7f:01\n");
    write_text("sys/class/net/tun0/address", "\n");
    write_text("sys/class/net/ib0/address", "80:00:02:08:fe:80:00:00:00:00\n");
    write_text("sys/class/net/dummy0/address", "00:00:00:00:00:00\n");
    write_text("proc/net/arp",
               "IP address       HW type     Flags       HW address            Mask     Device\n"
               "192.168.1.64     0x1         0x2         44:47:cc:5a:01:02     *        eth0\n"
               "192.168.1.23     0x1         0x2         da:a1:19:77:20:9c     *        wlan0\n"
               "192.168.1.99     0x1         0x0         00:00:00:00:00:00     *        eth0\n"
               "224.0.0.251      0x1         0x6         01:00:5e:00:00:fb     *        eth0\n"
               "10.0.0.7         0x1         0x2         70:b3:d5:f2:f0:01     *        eth0\n"
               "10.0.0.8         0x1         0x2         70:b3:d5:f3:00:01     *        eth0\n"
               "10.0.0.9         0x1         0x2         70:b3:d5:01:00:01     *        eth0\n"
               "192.168.1.65     0x1         0x2         44:47:CC:5A:01:02     *        eth1\n"
               "garbage\n"
               "1.2.3.4 0x1 0x2 zz:zz:zz:zz:zz:zz * eth0\n"
               "1.2.3.4 0x1 0x2 00:11:22:33:44 * eth0\n"
               "1.2.3.4 0x1 0x2 00:11:22:33:44:55 * eth0 extra\n"
               "\n"
               "10.0.0.10 0x1 0x2 00:11:22:33:44:55 * eth0");

    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    struct inv_options o = options();
    assert_int_equal(inv_collect_net(&inv, &o), 0);
    assert_int_equal(count_kind(&inv, INV_NET_INTERFACE), 2);

    struct inv_item *it = find(&inv, "net:if:eth0");
    assert_non_null(it);
    assert_string_equal(it->collector, "net");
    assert_string_equal(inv_attr_get(it, "mac"), "ac:ed:5c:12:34:56");
    assert_string_equal(inv_attr_get(it, "mac_kind"), "universal");
    assert_string_equal(inv_attr_get(it, "operstate"), "up");
    assert_evidence(it, "mac.org", "Intel Corporate", INV_WEAK, "/sys/class/net/eth0/address",
                    "IEEE MA-L AC-ED-5C");
    it = find(&inv, "net:if:wlan0");
    assert_non_null(it);
    assert_string_equal(inv_attr_get(it, "mac_kind"), "local (randomized or assigned)");
    assert_null(evidence(it, "mac.org", NULL));

    /* Hikvision: weak evidence naming the line and the registry entry */
    it = find(&inv, "net:arp:44:47:cc:5a:01:02");
    assert_non_null(it);
    assert_int_equal(it->kind, INV_NET_NEIGHBOUR);
    assert_string_equal(it->name, "192.168.1.64");
    assert_string_equal(inv_attr_get(it, "device"), "eth0");
    assert_string_equal(inv_attr_get(it, "oui_registry"), "MA-L");
    assert_evidence(it, "mac.org", "Hangzhou Hikvision Digital Technology Co.,Ltd.", INV_WEAK,
                    "/proc/net/arp", "line 2; IEEE MA-L 44-47-CC");
    assert_int_equal(count_attr(it, "ip"), 2); /* also on line 9 (upper case) */
    assert_int_equal(it->evidence.n, 1);

    /* randomized: no mac.org */
    it = find(&inv, "net:arp:da:a1:19:77:20:9c");
    assert_non_null(it);
    assert_string_equal(inv_attr_get(it, "mac_kind"), "local (randomized or assigned)");
    assert_int_equal(it->evidence.n, 0);
    assert_null(find(&inv, "net:arp:00:00:00:00:00:00"));
    assert_null(find(&inv, "net:arp:01:00:5e:00:00:fb"));

    /* longest prefix: MA-S over MA-M over MA-L */
    it = find(&inv, "net:arp:70:b3:d5:f2:f0:01");
    assert_non_null(it);
    assert_evidence(it, "mac.org", "TELEPLATFORMS", INV_WEAK, "/proc/net/arp",
                    "line 6; IEEE MA-S 70-B3-D5-F2-F");
    it = find(&inv, "net:arp:70:b3:d5:f3:00:01");
    assert_evidence(it, "mac.org", "Should lose to MA-S", INV_WEAK, NULL,
                    "line 7; IEEE MA-M 70-B3-D5-F");
    it = find(&inv, "net:arp:70:b3:d5:01:00:01");
    assert_evidence(it, "mac.org", "IEEE Registration Authority", INV_WEAK, NULL,
                    "line 8; IEEE MA-L 70-B3-D5");
    it = find(&inv, "net:arp:00:11:22:33:44:55");
    assert_non_null(it);
    assert_evidence(it, "mac.org", "Quote \"Test\" Corp", INV_WEAK, NULL, NULL);

    assert_true(has_problem(&inv, "4 line(s) not understood (first: line 10)"));
    inventory_free(&inv);

    /* no registries: MACs listed, no mac.org, a problem naming the folder */
    struct inv_options none = {.ieee_dir = "/nonexistent-ieee"};
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(inv_collect_net(&inv, &none), 0);
    it = find(&inv, "net:arp:44:47:cc:5a:01:02");
    assert_non_null(it);
    assert_null(evidence(it, "mac.org", NULL));
    assert_true(has_problem(&inv, "/nonexistent-ieee"));
    inventory_free(&inv);
}

/* Many neighbours: the lookups past the linear ones go through the sorted
 * records and must agree. */
static void network_many_neighbours(void **state)
{
    (void)state;
    write_id_files();
    char arp[64 * 80] = "IP address HW type Flags HW address Mask Device\n";
    for (int i = 0; i < 60; i++) {
        char line[96];
        snprintf(line, sizeof line, "10.1.0.%d 0x1 0x2 %s:%02x * eth0\n", i,
                 i % 3 == 0 ? "44:47:cc:5a:00" : i % 3 == 1 ? "70:b3:d5:f2:f0" : "ac:ed:5c:00:00", i);
        strcat(arp, line);
    }
    write_text("proc/net/arp", arp);
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    struct inv_options o = options();
    assert_int_equal(inv_collect_net(&inv, &o), 0);
    size_t hik = 0, tele = 0, intel = 0;
    for (size_t i = 0; i < inv.items.n; i++) {
        const struct inv_evidence *e = evidence(inv.items.v[i], "mac.org", NULL);
        if (inv.items.v[i]->kind != INV_NET_NEIGHBOUR)
            continue;
        assert_non_null(e);
        hik += strcmp(e->value, "Hangzhou Hikvision Digital Technology Co.,Ltd.") == 0;
        tele += strcmp(e->value, "TELEPLATFORMS") == 0 && strstr(e->locator, "MA-S 70-B3-D5-F2-F");
        intel += strcmp(e->value, "Intel Corporate") == 0;
    }
    assert_int_equal(hik, 20);
    assert_int_equal(tele, 20);
    assert_int_equal(intel, 20);
    inventory_free(&inv);
}

/* ---- kernel modules ----------------------------------------------------------------------- */

static void put_uint(uint8_t *p, size_t n, uint64_t v, bool be)
{
    for (size_t i = 0; i < n; i++)
        p[be ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* An ELF relocatable object with three sections (null, .modinfo,
 * .shstrtab), like a kernel module as far as modinfo goes. Returns its size. */
static size_t make_elf(uint8_t *out, size_t cap, bool is64, bool be, const char *modinfo,
                       size_t modinfo_len)
{
    static const char shstr[] = "\0.modinfo\0.shstrtab";
    size_t eh = is64 ? 64 : 52, sh = is64 ? 64 : 40;
    size_t mi_off = eh, str_off = mi_off + modinfo_len, sh_off = (str_off + sizeof shstr + 7) & ~7u;
    size_t total = sh_off + 3 * sh;
    assert_true(total <= cap);
    memset(out, 0, total);
    memcpy(out, "\x7f" "ELF", 4);
    out[4] = is64 ? 2 : 1;
    out[5] = be ? 2 : 1;
    out[6] = 1;
    put_uint(out + 16, 2, 1, be);               /* ET_REL */
    put_uint(out + 18, 2, is64 ? 62 : 3, be);   /* machine */
    put_uint(out + 20, 4, 1, be);
    if (is64) {
        put_uint(out + 0x28, 8, sh_off, be);
        put_uint(out + 0x34, 2, eh, be);
        put_uint(out + 0x3a, 2, sh, be);
        put_uint(out + 0x3c, 2, 3, be);
        put_uint(out + 0x3e, 2, 2, be);
    } else {
        put_uint(out + 0x20, 4, sh_off, be);
        put_uint(out + 0x28, 2, eh, be);
        put_uint(out + 0x2e, 2, sh, be);
        put_uint(out + 0x30, 2, 3, be);
        put_uint(out + 0x32, 2, 2, be);
    }
    memcpy(out + mi_off, modinfo, modinfo_len);
    memcpy(out + str_off, shstr, sizeof shstr);
    /* section 1: .modinfo (name 1), section 2: .shstrtab (name 10) */
    const struct {
        uint32_t name, type;
        size_t off, size;
    } secs[3] = {{0, 0, 0, 0}, {1, 1, mi_off, modinfo_len}, {10, 3, str_off, sizeof shstr}};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *s = out + sh_off + i * sh;
        put_uint(s, 4, secs[i].name, be);
        put_uint(s + 4, 4, secs[i].type, be);
        if (is64) {
            put_uint(s + 0x18, 8, secs[i].off, be);
            put_uint(s + 0x20, 8, secs[i].size, be);
        } else {
            put_uint(s + 0x10, 4, secs[i].off, be);
            put_uint(s + 0x14, 4, secs[i].size, be);
        }
    }
    return total;
}

static const char modinfo[] = "license=GPL\0author=Vendor Networks Inc. <dev@vendor.example>\0"
                              "author=Second Author\0description=A test driver\0version=4.2.0\0"
                              "srcversion=ABCDEF0123456789ABCDEF0\0depends=\0name=vendor_net\0"
                              "vermagic=6.1.0-test SMP mod_unload \0\0\0\0junk-without-equals\0"
                              "description\x01=x\0";

/* A throwaway key and self-signed certificate (EC P-256). */
static void make_key_cert(const char *org, const char *cn, EVP_PKEY **key, X509 **cert)
{
    *key = EVP_EC_gen("P-256");
    assert_non_null(*key);
    X509 *x = X509_new();
    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_NAME *name = X509_get_subject_name(x);
    if (org)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)org, -1, -1, 0);
    if (cn)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, *key);
    assert_true(X509_sign(x, *key, EVP_sha256()) > 0);
    *cert = x;
}

/* Append a kernel-style module signature to mod[0..*len) (room for it in cap). */
static void sign_module(uint8_t *mod, size_t *len, size_t cap)
{
    EVP_PKEY *key;
    X509 *cert;
    make_key_cert("Vendor Networks", "Vendor Networks Module Signing", &key, &cert);
    BIO *in = BIO_new_mem_buf(mod, (int)*len);
    CMS_ContentInfo *cms =
        CMS_sign(cert, key, NULL, in, CMS_DETACHED | CMS_BINARY | CMS_NOCERTS | CMS_NOATTR);
    assert_non_null(cms);
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    assert_true(n > 0);
    assert_true(*len + (size_t)n + 12 + 28 <= cap);
    memcpy(mod + *len, der, (size_t)n);
    *len += (size_t)n;
    uint8_t info[12] = {0, 0, 2, 0, 0, 0, 0, 0};
    put_uint(info + 8, 4, (uint64_t)n, true);
    memcpy(mod + *len, info, 12);
    *len += 12;
    memcpy(mod + *len, "~Module signature appended~\n", 28);
    *len += 28;
    OPENSSL_free(der);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    X509_free(cert);
    EVP_PKEY_free(key);
}

/* data compressed as a raw xz stream, with libarchive. */
static size_t xz_compress(const uint8_t *data, size_t len, uint8_t *out, size_t cap)
{
    struct archive *a = archive_write_new();
    assert_int_equal(archive_write_add_filter_xz(a), ARCHIVE_OK);
    assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
    size_t used = 0;
    assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "module");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, (la_int64_t)len);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
    archive_entry_free(e);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return used;
}

static void kernel_modules(void **state)
{
    (void)state;
    static uint8_t buf[65536], xz[65536];
    const char *dir = "lib/modules/6.1.0-test";
    char rel[256];

    /* out-of-tree, 64-bit LE, signed */
    size_t n = make_elf(buf, sizeof buf, true, false, modinfo, sizeof modinfo - 1);
    sign_module(buf, &n, sizeof buf);
    snprintf(rel, sizeof rel, "%s/updates/dkms/vendor-net.ko", dir);
    write_bytes(rel, buf, n);
    /* the same module in-tree too: a second item with a longer id */
    n = make_elf(buf, sizeof buf, true, false, modinfo, sizeof modinfo - 1);
    snprintf(rel, sizeof rel, "%s/kernel/drivers/vendor-net.ko", dir);
    write_bytes(rel, buf, n);
    /* in-tree, 32-bit big-endian, xz-compressed */
    static const char mi2[] = "author=Big Endian Author\0license=GPL\0intree=Y";
    n = make_elf(buf, sizeof buf, false, true, mi2, sizeof mi2 - 1);
    size_t zn = xz_compress(buf, n, xz, sizeof xz);
    snprintf(rel, sizeof rel, "%s/kernel/drivers/be_mod.ko.xz", dir);
    write_bytes(rel, xz, zn);
    /* truncated: the section table is cut off */
    n = make_elf(buf, sizeof buf, true, false, modinfo, sizeof modinfo - 1);
    snprintf(rel, sizeof rel, "%s/kernel/drivers/truncated.ko", dir);
    write_bytes(rel, buf, n - 10);
    /* a signature trailer whose length does not fit */
    n = make_elf(buf, sizeof buf, true, false, mi2, sizeof mi2 - 1);
    memcpy(buf + n, "\0\0\2\0\0\0\0\0\x7f\0\0\0~Module signature appended~\n", 40);
    snprintf(rel, sizeof rel, "%s/kernel/drivers/badsig.ko", dir);
    write_bytes(rel, buf, n + 40);
    /* a damaged xz stream, a file that is not a module, a symlinked folder */
    snprintf(rel, sizeof rel, "%s/kernel/drivers/broken.ko.xz", dir);
    write_bytes(rel, xz, zn / 2);
    snprintf(rel, sizeof rel, "%s/modules.dep", dir);
    write_text(rel, "kernel/drivers/be_mod.ko.xz:\n");
    char link[1024];
    snprintf(link, sizeof link, "%s/%s/build", root, dir);
    assert_int_equal(symlink("/usr/src", link), 0);

    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(inv_collect_kmods(&inv), 0);
    assert_int_equal(count_kind(&inv, INV_KERNEL_MODULE), 6);
    assert_string_equal(inv.items.v[0]->name, "vendor_net"); /* out-of-tree first */
    assert_string_equal(inv.items.v[0]->id, "kmod:vendor_net:6.1.0-test");
    struct inv_item *dup =
        find(&inv, "kmod:vendor_net:6.1.0-test:/lib/modules/6.1.0-test/kernel/drivers/vendor-net.ko");
    assert_non_null(dup);
    assert_string_equal(inv_attr_get(dup, "out_of_tree"), "0");

    struct inv_item *it = find(&inv, "kmod:vendor_net:6.1.0-test");
    assert_non_null(it);
    assert_string_equal(it->collector, "kmod");
    assert_string_equal(it->version, "4.2.0");
    assert_string_equal(it->publisher, "Vendor Networks Inc. <dev@vendor.example>");
    assert_string_equal(it->path, "/lib/modules/6.1.0-test/updates/dkms/vendor-net.ko");
    assert_string_equal(inv_attr_get(it, "out_of_tree"), "1");
    assert_string_equal(inv_attr_get(it, "signed"), "1");
    assert_string_equal(inv_attr_get(it, "signer"), "Vendor Networks Module Signing");
    assert_string_equal(inv_attr_get(it, "sig_key"), "12:34");
    assert_string_equal(inv_attr_get(it, "sig_hashalgo"), "sha256");
    assert_string_equal(inv_attr_get(it, "description"), "A test driver");
    assert_string_equal(inv_attr_get(it, "vermagic"), "6.1.0-test SMP mod_unload ");
    assert_evidence(it, "kmod.author", "Vendor Networks Inc. <dev@vendor.example>", INV_WEAK,
                    it->path, ".modinfo author");
    assert_evidence(it, "kmod.author", "Second Author", INV_WEAK, NULL, NULL);
    assert_evidence(it, "kmod.signer", "Vendor Networks Module Signing", INV_MEDIUM, it->path,
                    "module signature");
    assert_evidence(it, "path", it->path, INV_WEAK, it->path, NULL);

    it = find(&inv, "kmod:be_mod:6.1.0-test");
    assert_non_null(it);
    assert_string_equal(inv_attr_get(it, "compressed"), "xz");
    assert_string_equal(inv_attr_get(it, "out_of_tree"), "0");
    assert_string_equal(inv_attr_get(it, "signed"), "0");
    assert_string_equal(inv_attr_get(it, "intree"), "Y");
    assert_evidence(it, "kmod.author", "Big Endian Author", INV_WEAK, NULL, NULL);

    it = find(&inv, "kmod:truncated:6.1.0-test");
    assert_non_null(it);
    assert_string_equal(inv_attr_get(it, "modinfo"), "not read (no .modinfo)");
    assert_null(evidence(it, "kmod.author", NULL));
    it = find(&inv, "kmod:badsig:6.1.0-test");
    assert_non_null(it);
    assert_string_equal(inv_attr_get(it, "signed"), "1");
    assert_null(evidence(it, "kmod.signer", NULL));
    it = find(&inv, "kmod:broken:6.1.0-test");
    assert_non_null(it);
    assert_string_equal(inv_attr_get(it, "modinfo"), "not read (damaged compression)");
    assert_true(has_problem(&inv, "truncated.ko"));
    assert_true(has_problem(&inv, "does not fit the file"));
    assert_true(has_problem(&inv, "broken.ko.xz"));
    inventory_free(&inv);

    /* every truncation of a signed module: no crash */
    n = make_elf(buf, sizeof buf, true, false, modinfo, sizeof modinfo - 1);
    sign_module(buf, &n, sizeof buf);
    snprintf(rel, sizeof rel, "%s/updates/dkms/vendor-net.ko", dir);
    for (size_t cut = 0; cut < n; cut += cut < 128 || n - cut < 128 ? 1 : 37) {
        write_bytes(rel, buf, cut);
        assert_int_equal(inventory_init(&inv, root), 0);
        assert_int_equal(inv_collect_kmods(&inv), 0);
        inventory_free(&inv);
    }
}

/* Compressed modules past the decompression budget (4 MiB) are listed
 * without their modinfo, and without a problem. */
static void kernel_module_budget(void **state)
{
    (void)state;
    size_t mlen = (size_t)1536 << 10, cap = mlen + 4096;
    char *mi = calloc(1, mlen);
    uint8_t *elf = malloc(cap), *xz = malloc(cap);
    assert_true(mi && elf && xz);
    strcpy(mi, "author=Big Module Author");
    size_t n = make_elf(elf, cap, true, false, mi, mlen);
    size_t zn = xz_compress(elf, n, xz, cap);
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "lib/modules/6.1.0-test/kernel/big%d.ko.xz", i);
        write_bytes(rel, xz, zn);
    }
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(inv_collect_kmods(&inv), 0);
    assert_int_equal(count_kind(&inv, INV_KERNEL_MODULE), 4);
    size_t read = 0, skipped = 0;
    for (size_t i = 0; i < inv.items.n; i++) {
        const char *why = inv_attr_get(inv.items.v[i], "modinfo");
        read += why == NULL && evidence(inv.items.v[i], "kmod.author", "Big Module Author");
        skipped += why && strcmp(why, "not read (budget)") == 0;
    }
    assert_int_equal(read, 3);
    assert_int_equal(skipped, 1);
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);
    free(mi), free(elf), free(xz);
}

/* ---- CA certificates ---------------------------------------------------------------------- */

static char *cert_pem(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *s = strndup(p, (size_t)n);
    BIO_free(b);
    return s;
}

static void certificates(void **state)
{
    (void)state;
    EVP_PKEY *k1, *k2, *k3;
    X509 *c1, *c2, *c3;
    make_key_cert("Acme Trust Services", "Acme Root CA", &k1, &c1);
    make_key_cert(NULL, "No Org Root", &k2, &c2);
    make_key_cert("Local Corp", "Local Corp Intercept CA", &k3, &c3);
    char *p1 = cert_pem(c1), *p2 = cert_pem(c2), *p3 = cert_pem(c3);
    char bundle[16384];
    snprintf(bundle, sizeof bundle,
             "# a comment\n%s"
             "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZSBnYXJiYWdlIGdhcmJhZ2U=\n-----END CERTIFICATE-----\n"
             "%s%s",
             p1, p2, p3);
    write_text("etc/ssl/certs/ca-certificates.crt", bundle);
    write_text("usr/local/share/ca-certificates/corp/local-corp.crt", p3);
    write_text("usr/local/share/ca-certificates/readme.txt", "not a certificate\n");
    write_text("usr/local/share/ca-certificates/empty.crt", "nothing here\n");
    /* a DER anchor */
    unsigned char *der = NULL;
    int dn = i2d_X509(c2, &der);
    write_bytes("etc/pki/ca-trust/source/anchors/no-org.der", der, (size_t)dn);
    OPENSSL_free(der);
    /* a second bundle candidate, not read (the first one exists) */
    write_text("etc/ssl/cert.pem", p1);

    struct inventory inv;
    assert_int_equal(inventory_init(&inv, root), 0);
    assert_int_equal(inv_collect_certs(&inv), 0);
    assert_int_equal(count_kind(&inv, INV_CERTIFICATE), 3);
    struct inv_item *acme = NULL, *noorg = NULL, *local = NULL;
    for (size_t i = 0; i < inv.items.n; i++) {
        struct inv_item *it = inv.items.v[i];
        assert_string_equal(it->collector, "certs");
        assert_int_equal(strncmp(it->id, "cert:", 5), 0);
        assert_int_equal(strlen(it->id), 5 + 64);
        assert_string_equal(it->id + 5, inv_attr_get(it, "sha256"));
        if (strcmp(it->name, "Acme Root CA") == 0)
            acme = it;
        else if (strcmp(it->name, "No Org Root") == 0)
            noorg = it;
        else if (strcmp(it->name, "Local Corp Intercept CA") == 0)
            local = it;
    }
    assert_non_null(acme);
    assert_non_null(noorg);
    assert_non_null(local);
    assert_string_equal(acme->publisher, "Acme Trust Services");
    assert_string_equal(inv_attr_get(acme, "subject"), "CN=Acme Root CA,O=Acme Trust Services");
    assert_string_equal(inv_attr_get(acme, "serial"), "1234");
    assert_string_equal(inv_attr_get(acme, "origin"), "bundle");
    assert_string_equal(inv_attr_get(acme, "self_signed"), "1");
    assert_non_null(inv_attr_get(acme, "not_after"));
    assert_evidence(acme, "cert.subject", "Acme Trust Services", INV_MEDIUM,
                    "/etc/ssl/certs/ca-certificates.crt", "certificate 1");
    /* the DER anchor comes first (local), CN when there is no O */
    assert_string_equal(inv_attr_get(noorg, "origin"), "local");
    assert_string_equal(inv_attr_get(noorg, "in_bundle"), "1");
    assert_evidence(noorg, "cert.subject", "No Org Root", INV_MEDIUM,
                    "/etc/pki/ca-trust/source/anchors/no-org.der", "certificate 1");
    assert_string_equal(inv_attr_get(local, "origin"), "local");
    assert_string_equal(local->path, "/usr/local/share/ca-certificates/corp/local-corp.crt");
    assert_string_equal(inv_attr_get(local, "in_bundle"), "1");
    assert_true(has_problem(&inv, "certificate 2: a PEM block that does not decode"));
    assert_true(has_problem(&inv, "empty.crt"));
    assert_false(has_problem(&inv, "readme.txt"));
    size_t problems = inv.problems.n;

    X509_STORE *store = NULL;
    size_t count = 0;
    assert_int_equal(certs_trusted_store(&inv, &store, &count), 0);
    assert_non_null(store);
    assert_int_equal(count, 3);
    assert_int_equal(inv.problems.n, problems); /* silent */
    /* the store verifies a certificate of the root */
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    assert_int_equal(X509_STORE_CTX_init(ctx, store, c1, NULL), 1);
    assert_int_equal(X509_verify_cert(ctx), 1);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    inventory_free(&inv);

    /* a root without any: an empty store */
    char empty[400];
    snprintf(empty, sizeof empty, "%s/empty-root", base);
    mkdir(empty, 0755);
    assert_int_equal(inventory_init(&inv, empty), 0);
    assert_int_equal(certs_trusted_store(&inv, &store, &count), 0);
    assert_int_equal(count, 0);
    X509_STORE_free(store);
    assert_int_equal(inv_collect_certs(&inv), 0);
    assert_int_equal(inv.items.n, 0);
    inventory_free(&inv);

    free(p1), free(p2), free(p3);
    X509_free(c1), X509_free(c2), X509_free(c3);
    EVP_PKEY_free(k1), EVP_PKEY_free(k2), EVP_PKEY_free(k3);
}

/* ---- the review fixture and the live host ----------------------------------------------- */

static bool have(const char *path)
{
    return access(path, R_OK) == 0;
}

static void fixture_script(void **state)
{
    (void)state;
    const char *src = getenv("ASSAY_SOURCE_ROOT");
    if (src == NULL || !have("/usr/share/ieee-data/oui.csv") ||
        (!have("/usr/share/hwdata/usb.ids") && !have("/usr/share/misc/usb.ids")) ||
        system("command -v openssl > /dev/null 2>&1") != 0) {
        skip();
        return;
    }
    char cmd[1024], froot[400];
    snprintf(froot, sizeof froot, "%s/fixture-root", base);
    snprintf(cmd, sizeof cmd, "bash %s/tests/fixtures/root-devices.sh %s && bash %s/tests/fixtures/root-devices.sh %s",
             src, froot, src, froot);
    assert_int_equal(system(cmd), 0); /* twice: idempotent */

    struct inventory inv;
    assert_int_equal(inventory_init(&inv, froot), 0);
    struct inv_options o = {0};
    assert_int_equal(inv_collect_usb(&inv, &o), 0);
    assert_int_equal(inv_collect_net(&inv, &o), 0);
    assert_int_equal(inv_collect_pci(&inv, &o), 0);
    assert_int_equal(inv_collect_certs(&inv), 0);
    assert_int_equal(inv_collect_kmods(&inv), 0);
    struct inv_item *it = find(&inv, "usb:12d1:1506:1-1");
    assert_non_null(it);
    assert_evidence(it, "usb.vendor_id", "12d1", INV_MEDIUM, NULL, NULL);
    assert_evidence(it, "usb.vendor_name", "Huawei Technologies Co., Ltd.", INV_WEAK, NULL, NULL);
    it = find(&inv, "net:arp:44:47:cc:5a:01:02");
    assert_non_null(it);
    assert_evidence(it, "mac.org", "Hangzhou Hikvision Digital Technology Co.,Ltd.", INV_WEAK,
                    "/proc/net/arp", "line 2; IEEE MA-L 44-47-CC");
    it = find(&inv, "net:arp:da:a1:19:77:20:9c");
    assert_non_null(it);
    assert_null(evidence(it, "mac.org", NULL));
    assert_null(find(&inv, "net:if:lo"));
    assert_non_null(find(&inv, "pci:8086:3e9b:0000:00:02.0"));
    assert_int_equal(count_kind(&inv, INV_CERTIFICATE), 3); /* the local one also in the bundle */
    if (count_kind(&inv, INV_KERNEL_MODULE) > 0) {
        it = find(&inv, "kmod:assay_vendor:6.1.0-assay");
        assert_non_null(it);
        assert_evidence(it, "kmod.signer", "Assay Test Module Signing Key", INV_MEDIUM, NULL, NULL);
    }
    for (size_t i = 0; i < inv.problems.n; i++)
        fprintf(stderr, "problem: %s: %s\n", inv.problems.v[i].path, inv.problems.v[i].message);
    assert_int_equal(inv.problems.n, 0);
    inventory_free(&inv);
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The live host: whatever is there is read without failing (the time is
 * printed, not asserted: the test machines are shared). */
static void live_host(void **state)
{
    (void)state;
    struct inventory inv;
    assert_int_equal(inventory_init(&inv, "/"), 0);
    struct inv_options o = {0};
    double t = seconds();
    assert_int_equal(inv_collect_kmods(&inv), 0);
    assert_int_equal(inv_collect_certs(&inv), 0);
    assert_int_equal(inv_collect_usb(&inv, &o), 0);
    assert_int_equal(inv_collect_pci(&inv, &o), 0);
    assert_int_equal(inv_collect_net(&inv, &o), 0);
    fprintf(stderr, "live host: %zu items, %zu problems in %.1f ms\n", inv.items.n,
            inv.problems.n, (seconds() - t) * 1000);
    inventory_free(&inv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hwids_lookups),
        cmocka_unit_test(hwids_odd_files),
        cmocka_unit_test_setup_teardown(usb_devices, make_base, remove_base),
        cmocka_unit_test_setup_teardown(pci_devices, make_base, remove_base),
        cmocka_unit_test_setup_teardown(network, make_base, remove_base),
        cmocka_unit_test_setup_teardown(network_many_neighbours, make_base, remove_base),
        cmocka_unit_test_setup_teardown(kernel_modules, make_base, remove_base),
        cmocka_unit_test_setup_teardown(kernel_module_budget, make_base, remove_base),
        cmocka_unit_test_setup_teardown(certificates, make_base, remove_base),
        cmocka_unit_test_setup_teardown(fixture_script, make_base, remove_base),
        cmocka_unit_test(live_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
