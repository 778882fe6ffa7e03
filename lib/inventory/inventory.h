/* inventory.h — what is installed or attached on a host or an offline root,
 * with the evidence that attributes each item to a vendor (issue 4).
 *
 * Model
 *   - struct inventory owns everything in one arena: items, their facts and
 *     evidence. Item pointers are stable (items are arena objects; the
 *     inventory keeps an array of pointers).
 *   - struct inv_item: one package, program, service, driver, bundle,
 *     executable, kernel module, browser extension, certificate, device or
 *     network peer. `name`, `version`, `publisher` are what the item says
 *     about itself; `attrs` are further facts (arch, bundle id, MAC...);
 *     `evidence` lists the observations that can attribute it to a vendor,
 *     each with where it was read and how strong it is.
 *   - Collectors (one file each: dpkg.c, rpm.c, registry.c, ...) read one
 *     source below the root and add items. A source that is absent is not
 *     an error; one that exists but cannot be read or parsed is an
 *     inv_problem and the collector goes on with the rest.
 *   - Paths recorded in items are root-relative, starting with '/', so an
 *     offline root and the live host ("/") report the same paths.
 *
 * Evidence strength (PRODUCT.md): strong = cryptographic or byte-exact (an
 * Authenticode signature whose digest matches the file and whose chain leads
 * to a trusted root); medium = package or installer metadata (dpkg/rpm/apk
 * fields, registry Uninstall values, bundle ids, USB/PCI vendor ids); weak =
 * names, paths, MAC prefixes, version-info claims of unsigned files,
 * self-signed or untrusted signers.
 *
 * Evidence attributes (the contract between collectors and the catalog's
 * attribution in catalog/attribute.c; strength as the collector records it):
 *   package.name        medium  dpkg/rpm/apk package name
 *   package.maintainer  medium  Maintainer / Packager / apk `m:` (name <mail>)
 *   package.vendor      medium  rpm Vendor, dpkg Original-Maintainer
 *   package.homepage    medium  Homepage / URL (matched by domain)
 *   registry.publisher  medium  Uninstall\*\Publisher
 *   registry.name       weak    Uninstall DisplayName, service DisplayName
 *   registry.url        medium  URLInfoAbout / HelpLink (domain)
 *   path                weak    an install location or file path
 *   pe.company          weak    VERSIONINFO CompanyName (a claim unless signed)
 *   pe.product          weak    VERSIONINFO ProductName
 *   signer.subject      strong  Authenticode signer O= (CN= when no O=) — strong only
 *                               when the digest matches and the chain reaches a trusted
 *                               root; weak otherwise (self-signed: a claim)
 *   bundle.id           medium  CFBundleIdentifier
 *   bundle.name         weak    CFBundleName / CFBundleDisplayName
 *   elf.package         medium  .note.package "name" (and vendor/os in attrs)
 *   kmod.author         weak    modinfo author / vendor strings
 *   kmod.signer         medium  module signature signer name
 *   extension.id        medium  browser extension id
 *   extension.name      weak    extension name / author
 *   cert.subject        medium  trusted CA certificate subject O= (CN= when no O=)
 *   usb.vendor_id       medium  idVendor (4 hex digits); usb.vendor_name weak (usb.ids
 *                               name or the device's manufacturer string)
 *   pci.vendor_id       medium  vendor (4 hex digits); pci.vendor_name weak
 *   mac.org             weak    IEEE registry organisation of the MAC prefix (weak
 *                               always; a locally administered MAC gets no mac.org) */
#ifndef ASSAY_INVENTORY_H
#define ASSAY_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay.h"
#include "util/arena.h"
#include "util/buf.h"

enum inv_kind {
    INV_PACKAGE = 1,        /* dpkg, rpm, apk */
    INV_PROGRAM,            /* Windows installed program (an Uninstall key) */
    INV_SERVICE,            /* Windows service (SYSTEM\...\Services, Type 0x10/0x20) */
    INV_DRIVER,             /* Windows driver (Services, Type 0x1/0x2) */
    INV_KERNEL_MODULE,      /* Linux kernel module (.ko) */
    INV_APP_BUNDLE,         /* macOS .app bundle */
    INV_EXECUTABLE,         /* a PE or ELF file with vendor attributes */
    INV_BROWSER_EXTENSION,  /* Chromium or Firefox extension */
    INV_CERTIFICATE,        /* trusted root / CA certificate */
    INV_USB_DEVICE,
    INV_PCI_DEVICE,
    INV_NET_INTERFACE,
    INV_NET_NEIGHBOUR,      /* an ARP/neighbour table entry */
    INV_KIND_COUNT_
};

enum inv_strength { INV_NONE = 0, INV_WEAK = 1, INV_MEDIUM = 2, INV_STRONG = 3 };

/* One observation that can tie an item to a vendor or product. */
struct inv_evidence {
    const char *attribute; /* what the value is, dotted: "dpkg.Maintainer", "pe.CompanyName",
                              "signer.subject", "bundle.id", "usb.vendor_id", "mac.oui" */
    const char *value;     /* the value as observed */
    const char *source;    /* root-relative file it was read from (hive, status file, PE) */
    const char *locator;   /* where in that source: "line 1234", a registry key path,
                              "offset 0x1f00"; NULL when the source says it all */
    uint8_t strength;      /* enum inv_strength of this observation as vendor evidence */
};

struct inv_attr {
    const char *name;      /* "arch", "install_location", "bundle_id", "mac", ... */
    const char *value;
};

struct inv_item {
    uint8_t kind;          /* enum inv_kind */
    const char *collector; /* "dpkg", "rpm", "apk", "registry", "bundle", "pe", "elf", "kmod",
                              "browser", "certs", "usb", "pci", "net" */
    const char *id;        /* stable within a host, for comparing runs: "dpkg:kesl",
                              "usb:12d1:1506:1-1", "pe:/Program Files/x/y.exe" */
    const char *name;
    const char *version;   /* NULL when unknown */
    const char *publisher; /* vendor as the item names itself (Maintainer, Publisher,
                              CompanyName, signer O=); NULL when none */
    const char *path;      /* root-relative location ("/opt/x", a hive path); NULL when none */
    UTIL_VEC(struct inv_attr) attrs;
    UTIL_VEC(struct inv_evidence) evidence;
    UTIL_VEC(const char *) files;  /* files the item owns (packages), root-relative */
};

struct inv_problem {
    const char *path;      /* root-relative */
    const char *message;
};

struct inventory {
    struct util_arena arena;
    UTIL_VEC(struct inv_item *) items;
    UTIL_VEC(struct inv_problem) problems;
    const char *root;      /* as given ("/" for the live host), no trailing '/' except "/" */
    const char *host;      /* host name (live: gethostname; offline: etc/hostname or the root) */
    bool live;             /* root is "/" */
};

/* Start an empty inventory of `root` (NULL or "/": the live host). */
int inventory_init(struct inventory *inv, const char *root);
void inventory_free(struct inventory *inv);

/* ---- building items (collectors) ------------------------------------------- */

/* A new item of `kind` from `collector` (a static string). NULL on OOM. */
struct inv_item *inv_item_new(struct inventory *inv, enum inv_kind kind, const char *collector);
/* Arena copies; NULL in gives NULL out (and is not an error). */
const char *inv_strdup(struct inventory *inv, const char *s);
const char *inv_strndup(struct inventory *inv, const char *s, size_t n);
const char *inv_printf(struct inventory *inv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Add a fact / an observation / an owned file (values copied). 0 or ASSAY_ENOMEM.
 * A NULL or empty value is skipped (returns 0). */
int inv_attr_add(struct inventory *inv, struct inv_item *it, const char *name, const char *value);
/* inv_attr_add of attrs[0 .. n), in order. */
int inv_attrs_add(struct inventory *inv, struct inv_item *it, const struct inv_attr *attrs, size_t n);
int inv_evidence_add(struct inventory *inv, struct inv_item *it, const char *attribute,
                     const char *value, const char *source, const char *locator,
                     enum inv_strength strength);
int inv_file_add(struct inventory *inv, struct inv_item *it, const char *path);
/* The value of a fact, or NULL. */
const char *inv_attr_get(const struct inv_item *it, const char *name);
/* Record a source that exists but could not be read or understood. */
void inv_problem_add(struct inventory *inv, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- reading below the root ------------------------------------------------ */

/* "<root>/<rel>" as a malloc'ed string (rel may start with '/'). NULL on OOM.
 * Below an offline root, symbolic links are resolved as the root's own system
 * would (an absolute target is relative to the root; ".." stops at the root),
 * so nothing reads the scanning host's files through a link in an image. */
char *inv_path(const struct inventory *inv, const char *rel);
/* Read a whole file below the root (at most `max` bytes, 0: 256 MiB) into
 * `out` (NUL-terminated, len excludes the NUL). 0; ASSAY_ENOTFOUND when it
 * does not exist; another error (also recorded as a problem) when it exists
 * but cannot be read or is larger than max. */
int inv_read_file(struct inventory *inv, const char *rel, size_t max, struct util_buf *out);
/* True when rel exists below the root (any type). */
bool inv_exists(const struct inventory *inv, const char *rel);

/* The entry names of folder `rel` below the root, sorted (strcmp), "." and
 * ".." left out; at most `max` of them (0: no limit; when there are more, the
 * rest are dropped and one problem is recorded). Flags:
 *   INV_LIST_DIRS     only real folders: a symbolic link (even to a folder)
 *                     or any other kind of entry is not listed;
 *   INV_LIST_VISIBLE  names starting with '.' are left out too (not counted).
 * The folder's own path resolves like inv_path(); the entries are never
 * followed. *names is malloc'ed (free with inv_names_free). 0;
 * ASSAY_ENOTFOUND when rel does not exist or is not a folder (nothing
 * recorded); ASSAY_EIO when it cannot be listed (also recorded as a
 * problem); ASSAY_ENOMEM. On any error *names is NULL and *count 0. */
enum inv_list_flags { INV_LIST_ALL = 0, INV_LIST_DIRS = 1, INV_LIST_VISIBLE = 2 };
int inv_list_dir(struct inventory *inv, const char *rel, unsigned flags, size_t max, char ***names,
                 size_t *count);
void inv_names_free(char **names, size_t count);

/* Names of the kinds and strengths as they appear in reports. */
const char *inv_kind_name(enum inv_kind kind);
const char *inv_strength_name(enum inv_strength s);

/* ---- collectors -------------------------------------------------------------- */

struct inv_options {
    /* extra folders (root-relative) whose executables are attributed, besides
       the standard locations (see executables.c) */
    const char *const *exec_dirs;
    size_t exec_dir_count;
    bool no_executables;       /* skip the executables collector */
    const char *hwdata_dir;    /* usb.ids / pci.ids; NULL: /usr/share/hwdata, then /usr/share/misc */
    const char *ieee_dir;      /* oui.csv & co; NULL: /usr/share/ieee-data */
};

/* Each collector reads its sources below inv->root and adds items. They
 * return 0 unless memory runs out; unreadable sources become problems. */
int inv_collect_dpkg(struct inventory *inv);
int inv_collect_rpm(struct inventory *inv);
int inv_collect_apk(struct inventory *inv);
int inv_collect_registry(struct inventory *inv);
int inv_collect_bundles(struct inventory *inv);
int inv_collect_browser(struct inventory *inv);
int inv_collect_kmods(struct inventory *inv);
int inv_collect_certs(struct inventory *inv);
int inv_collect_usb(struct inventory *inv, const struct inv_options *opt);
int inv_collect_pci(struct inventory *inv, const struct inv_options *opt);
int inv_collect_net(struct inventory *inv, const struct inv_options *opt);
int inv_collect_executables(struct inventory *inv, const struct inv_options *opt);

/* Run every collector (collect.c). */
int inventory_collect(struct inventory *inv, const struct inv_options *opt);

#endif
