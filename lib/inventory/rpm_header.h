/* rpm_header.h — a bounds-checked parse of one rpm header as the rpmdb
 * stores it (the header without lead and magic: a "header blob"), for the
 * rpm collector (rpm.c) and the fuzz target tests/fuzz/fuzz_rpm_header.c.
 *
 * Format (all integers big-endian):
 *   uint32 il                  number of index entries
 *   uint32 dl                  size of the data store in bytes
 *   il × { int32 tag, uint32 type, int32 offset, uint32 count }   (16 bytes)
 *   dl bytes of data store     (offset is relative to its start)
 * The blob must be exactly 8 + 16·il + dl bytes. Types: 0 NULL, 1 CHAR,
 * 2 INT8, 3 INT16, 4 INT32, 5 INT64, 6 STRING, 7 BIN, 8 STRING_ARRAY,
 * 9 I18NSTRING; a STRING is one NUL-terminated string, a STRING_ARRAY or an
 * I18NSTRING `count` consecutive ones (of an I18NSTRING the first is used).
 *
 * Checks and limits (anything else is ASSAY_EFORMAT with a message naming
 * the entry; nothing read from the blob is trusted):
 *   - il ≤ RPM_HEADER_MAX_ENTRIES, dl ≤ RPM_HEADER_MAX_DATA;
 *   - every entry has a known type and an offset inside the data store;
 *   - the tags used below have the expected type, and their values lie
 *     wholly inside the data store (every string NUL-terminated in it);
 *   - BASENAMES, DIRINDEXES (and FILEMODES when present) have the same
 *     count; every dir index names an existing DIRNAMES entry;
 *   - at most RPM_HEADER_MAX_FILES files are returned (more: the first ones
 *     and files_truncated set).
 * When a tag occurs twice, the first entry counts.
 *
 * Strings BORROW the blob: every `const char *` points into `p` and is
 * NUL-terminated there. rpm_header_free releases only the arrays. */
#ifndef ASSAY_INVENTORY_RPM_HEADER_H
#define ASSAY_INVENTORY_RPM_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPM_HEADER_MAX_ENTRIES 65536          /* index entries (rpm's own cap) */
#define RPM_HEADER_MAX_DATA ((size_t)256 << 20) /* data store bytes */
#define RPM_HEADER_MAX_FILES 1048576          /* files returned per header */

/* Tags read. */
#define RPM_TAG_NAME 1000
#define RPM_TAG_VERSION 1001
#define RPM_TAG_RELEASE 1002
#define RPM_TAG_EPOCH 1003
#define RPM_TAG_SUMMARY 1004
#define RPM_TAG_VENDOR 1011
#define RPM_TAG_PACKAGER 1015
#define RPM_TAG_URL 1020
#define RPM_TAG_ARCH 1022
#define RPM_TAG_FILEMODES 1030
#define RPM_TAG_SOURCERPM 1044
#define RPM_TAG_DIRINDEXES 1116
#define RPM_TAG_BASENAMES 1117
#define RPM_TAG_DIRNAMES 1118

/* Types. */
#define RPM_TYPE_INT16 3
#define RPM_TYPE_INT32 4
#define RPM_TYPE_STRING 6
#define RPM_TYPE_STRING_ARRAY 8
#define RPM_TYPE_I18NSTRING 9
#define RPM_TYPE_MAX 9

struct rpm_header_info {
    const char *name, *version, *release, *summary, *vendor, *packager, *url, *arch, *sourcerpm;
    bool has_epoch;
    uint32_t epoch;
    /* Files: file i is dirnames[dirindexes[i]] followed by basenames[i]
       (rpm's dir names end with '/'). filemodes is NULL when the header has
       none. */
    size_t nfiles;
    bool files_truncated;
    const char **basenames;
    uint32_t *dirindexes;
    uint16_t *filemodes;
    size_t ndirnames;
    const char **dirnames;
};

/* Parse the blob p[0..n). 0 with *out filled; ASSAY_EFORMAT (message in
 * assay_last_error()) or ASSAY_ENOMEM with *out empty. Call
 * rpm_header_free in every case. */
int rpm_header_parse(const uint8_t *p, size_t n, struct rpm_header_info *out);
void rpm_header_free(struct rpm_header_info *h);

/* True when file i is a directory (by FILEMODES; false when unknown). */
bool rpm_header_file_is_dir(const struct rpm_header_info *h, size_t i);

#endif
