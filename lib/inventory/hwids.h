/* hwids.h — lookups in the hwdata id files (usb.ids, pci.ids) and the small
 * sysfs helpers that the device and network collectors share. The functions
 * are defined in devices.c (this header has no .c of its own so that the
 * build list does not change).
 *
 * usb.ids and pci.ids share one layout:
 *     vvvv  Vendor name                  (4 hex digits at the start of a line)
 *     <TAB>dddd  Device / product name
 *     <TAB><TAB>ssss ssss  Subsystem name (pci.ids) or an interface (usb.ids)
 *     C cc  Class name                   (the class section near the end)
 *     <TAB>ss  Subclass name
 *     # comments, blank lines, other sections (AT, HID, L, ...) ignored
 * Loading reads the file once, turns its line ends into NULs and indexes the
 * vendor and class lines (sorted by id); other control bytes (a '\r' before
 * the line end) become blanks; a device, subsystem or subclass
 * lookup then walks only the lines below its vendor or class. Names borrow
 * the loaded text. Limits: the file at most HWIDS_MAX_FILE bytes; odd lines
 * are skipped; the first of two entries with the same id wins. */
#ifndef ASSAY_INVENTORY_HWIDS_H
#define ASSAY_INVENTORY_HWIDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inventory/inventory.h"

#define HWIDS_MAX_FILE ((size_t)32 << 20)

struct hwids_entry {
    uint32_t offset;  /* of the line in text */
    uint32_t line;    /* 1-based line number */
    uint16_t id;      /* vendor id, or the class number */
};

struct hwids {
    char *text;       /* the file, line ends replaced by NULs (owned) */
    size_t len;
    struct hwids_entry *vendors;
    size_t nvendors;
    struct hwids_entry *classes;
    size_t nclasses;
};

/* A name found in an id file: name[0..len) inside the loaded text (trailing
 * blanks excluded; the text goes on to the line's end), and the line it is on
 * (for a locator a third party can re-check). */
struct hwids_name {
    const char *name;
    size_t len;
    unsigned line;
};

/* Parse a copy of text[0..len). 0, ASSAY_ELIMIT (too large) or ASSAY_ENOMEM. */
int hwids_parse(const char *text, size_t len, struct hwids *db);
/* Read and parse the file at `path` (a host path, not below an inventory
 * root). 0; ASSAY_ENOTFOUND when it does not exist; ASSAY_EIO, ASSAY_ELIMIT,
 * ASSAY_ENOMEM. */
int hwids_load(const char *path, struct hwids *db);
void hwids_free(struct hwids *db);

/* Lookups; false (and *out untouched) when the id is not listed. */
bool hwids_vendor(const struct hwids *db, unsigned vendor, struct hwids_name *out);
bool hwids_device(const struct hwids *db, unsigned vendor, unsigned device, struct hwids_name *out);
/* pci.ids only: "<TAB><TAB>ssss ssss  name" under vendor/device. */
bool hwids_subsystem(const struct hwids *db, unsigned vendor, unsigned device,
                     unsigned subvendor, unsigned subdevice, struct hwids_name *out);
/* The subclass name when subclass >= 0 and listed, else the class name. */
bool hwids_class(const struct hwids *db, unsigned cls, int subclass, struct hwids_name *out);

/* Open the id file `file` ("usb.ids", "pci.ids") the way the collectors do:
 * in opt->hwdata_dir when set (a host path; a missing file is then recorded
 * as a problem), else the host's /usr/share/hwdata, then /usr/share/misc,
 * then the same folders below the inventory root. `*shown` is set to the path
 * it was read from (static or arena string). 0 or ASSAY_ENOTFOUND (no names:
 * not an error), ASSAY_ENOMEM; other failures become problems. */
int hwids_open_for(struct inventory *inv, const struct inv_options *opt, const char *file,
                   struct hwids *db, const char **shown);

/* ---- small sysfs helpers (shared with net.c) ----------------------------------- */

/* Read "<dir>/<attr>" below the root (at most 4 KiB) into buf, trimmed of
 * trailing white space and with control bytes replaced by '?'. Returns the
 * value (inside buf) or NULL when the file is absent or unreadable. */
const char *hw_sysfs_attr(struct inventory *inv, const char *dir, const char *attr,
                           struct util_buf *buf);
/* The last component of the target of the symbolic link "<dir>/<link>"
 * below the root ("driver" -> ../../bus/pci/drivers/e1000e: "e1000e"), an
 * arena string; NULL when it is not a link. */
const char *hw_link_name(struct inventory *inv, const char *dir, const char *link);
/* (folder listings: inv_list_dir in inventory.h) */

#endif
