/* archive.h — archive and compressed-file members through libarchive.
 *
 * The scanner hands a buffer to arc_walk(), which calls `member` once per
 * regular member with its bytes fully extracted in memory. Recursion into
 * nested archives is the caller's job (it calls arc_walk again from inside
 * `member` with depth + 1); arc_walk only enforces the per-archive limits. */
#ifndef ASSAY_SOURCE_ARCHIVE_H
#define ASSAY_SOURCE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arc_limits {
    uint64_t max_files;       /* members per archive */
    uint64_t max_member_size; /* bytes of one extracted member */
    uint64_t max_total;       /* bytes extracted from this archive (all members) */
    uint64_t max_ratio;       /* extracted size / archive size (0: no limit) */
    bool input_is_file_mapping; /* the input may drop pages it has read (see util/pages.h) */
};

/* Return 0 to go on, non-zero to stop the walk (the value is returned by arc_walk). */
typedef int (*arc_member_fn)(void *ctx, const char *name, const uint8_t *data, size_t len);

/* Report of one walk: limits hit and errors are never silent. */
struct arc_report {
    uint64_t members;         /* members delivered */
    uint64_t bytes;           /* bytes delivered */
    bool limit_hit;           /* a limit cut the walk or skipped members */
    bool error;               /* the archive is damaged or unreadable past some point */
    bool not_archive;         /* no reader recognised the data: arc_detect's magic was a
                                 coincidence (not an error: the bytes were scanned as they are) */
    char message[256];        /* what was cut or what failed, when either flag is set */
};

/* True if `data` starts like an archive or compressed stream that libarchive
 * reads (zip, 7z, rar, tar, gzip, bzip2, xz, lzma, zstd, cpio, cab, iso9660,
 * ar/deb, ...). Cheap: looks at magic numbers only. */
bool arc_detect(const uint8_t *data, size_t len);

/* Walk the members of `data`. `outer_name` is the archive's own name, used to
 * name the single member of a bare compressed stream ("x.gz" -> "x").
 * Returns 0, or the non-zero value a callback returned. Damage and limits go
 * to *report. */
int arc_walk(const uint8_t *data, size_t len, const char *outer_name, const struct arc_limits *lim,
             arc_member_fn member, void *ctx, struct arc_report *report);

#endif
