/* macho.h — a bounds-checked parse of a Mach-O file into plain C data: a thin
 * image (32- or 64-bit, either byte order) or a universal ("fat") file with its
 * fat_arch entries and the image each one points at. Per image: the header,
 * the segments (LC_SEGMENT, LC_SEGMENT_64) with their sections, the entry
 * point (LC_MAIN, or LC_UNIXTHREAD's program counter for the CPUs YARA knows,
 * mapped to a file offset through the segments), the stack size, and for
 * other users (inventory) the linked dylibs, the install name, the rpaths,
 * the dynamic linker, the UUID, the minimum OS version and the build version.
 * The YARA `macho` module (yara/mod_macho.c) is a layer over this.
 *
 * The parse follows YARA 4.5's reading of the format, quirks included, so the
 * module can expose the same values (see docs/yara-modules.md):
 *   - the magic is read big-endian; FE ED FA CE / FE ED FA CF (MH_MAGIC,
 *     MH_MAGIC_64) are big-endian images, CE FA ED FE / CF FA ED FE
 *     (MH_CIGAM, MH_CIGAM_64) little-endian ones. An image inside a fat file is
 *     parsed whatever its magic: 32-bit only for MH_MAGIC/MH_CIGAM, big-endian
 *     only for MH_MAGIC, MH_MAGIC_64, FAT_MAGIC, FAT_MAGIC_64;
 *   - an image needs 32 bytes (the 64-bit header size) even when 32-bit;
 *   - load commands are walked while a command header fits, its cmdsize is at
 *     least 8 and it does not run past the image; a segment's header is read
 *     when the bytes left in the image hold it (even when cmdsize is smaller),
 *     its sections while they fit in cmdsize. A segment whose header does not
 *     fit still counts in `segments_seen` (YARA's number_of_segments);
 *   - fat headers are big-endian; only FAT_MAGIC has 20-byte entries, the
 *     other fat magics 32-byte ones; the entries are read only when the whole
 *     table is in the file; an entry's image is parsed only when
 *     [offset, offset + size) is in the file.
 *
 * The input is untrusted: every read is checked against its image, sums of
 * file values are checked for wrap-around, and counts are capped for the whole
 * file (all images of a fat file together):
 *   - FMT_MACHO_MAX_ARCHS fat entries, FMT_MACHO_MAX_COMMANDS load commands
 *     walked, FMT_MACHO_MAX_SEGMENTS segments, FMT_MACHO_MAX_SECTIONS sections,
 *     FMT_MACHO_MAX_DYLIBS dylibs, FMT_MACHO_MAX_RPATHS rpaths.
 * A cap that is reached sets `truncated`; the rest of that table is dropped.
 *
 * Names and strings BORROW the input buffer: segment and section names are
 * (pointer, length) pairs (a 16-byte field up to its first NUL); the other
 * strings are NUL-terminated inside their load command, else NULL. Keep the
 * buffer alive while the struct is used; fmt_macho_free releases the arrays. */
#ifndef ASSAY_FORMAT_MACHO_H
#define ASSAY_FORMAT_MACHO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMT_MACHO_MAX_ARCHS 4096       /* fat entries kept */
#define FMT_MACHO_MAX_COMMANDS 1048576 /* load commands walked, whole file */
#define FMT_MACHO_MAX_SEGMENTS 16384   /* segments kept, whole file */
#define FMT_MACHO_MAX_SECTIONS 65536   /* sections kept, whole file */
#define FMT_MACHO_MAX_DYLIBS 4096      /* dylib commands kept, whole file */
#define FMT_MACHO_MAX_RPATHS 4096      /* LC_RPATH strings kept, whole file */

/* Magic numbers as read big-endian from the first four bytes. */
#define FMT_MACHO_MH_MAGIC 0xfeedfaceu
#define FMT_MACHO_MH_CIGAM 0xcefaedfeu
#define FMT_MACHO_MH_MAGIC_64 0xfeedfacfu
#define FMT_MACHO_MH_CIGAM_64 0xcffaedfeu
#define FMT_MACHO_FAT_MAGIC 0xcafebabeu
#define FMT_MACHO_FAT_CIGAM 0xbebafecau
#define FMT_MACHO_FAT_MAGIC_64 0xcafebabfu
#define FMT_MACHO_FAT_CIGAM_64 0xbfbafecau

/* CPU types whose LC_UNIXTHREAD state the parser reads (and the 64-bit flag). */
#define FMT_MACHO_CPU_ARCH_ABI64 0x01000000u
#define FMT_MACHO_CPU_TYPE_MC680X0 6u
#define FMT_MACHO_CPU_TYPE_X86 7u
#define FMT_MACHO_CPU_TYPE_ARM 12u
#define FMT_MACHO_CPU_TYPE_MC88000 13u
#define FMT_MACHO_CPU_TYPE_SPARC 14u
#define FMT_MACHO_CPU_TYPE_POWERPC 18u
#define FMT_MACHO_CPU_TYPE_X86_64 (FMT_MACHO_CPU_TYPE_X86 | FMT_MACHO_CPU_ARCH_ABI64)
#define FMT_MACHO_CPU_TYPE_ARM64 (FMT_MACHO_CPU_TYPE_ARM | FMT_MACHO_CPU_ARCH_ABI64)
#define FMT_MACHO_CPU_TYPE_POWERPC64 (FMT_MACHO_CPU_TYPE_POWERPC | FMT_MACHO_CPU_ARCH_ABI64)

/* Load commands the parser reads. */
#define FMT_MACHO_LC_REQ_DYLD 0x80000000u
#define FMT_MACHO_LC_SEGMENT 0x1u
#define FMT_MACHO_LC_UNIXTHREAD 0x5u
#define FMT_MACHO_LC_LOAD_DYLIB 0xcu
#define FMT_MACHO_LC_ID_DYLIB 0xdu
#define FMT_MACHO_LC_LOAD_DYLINKER 0xeu
#define FMT_MACHO_LC_LOAD_WEAK_DYLIB 0x80000018u
#define FMT_MACHO_LC_SEGMENT_64 0x19u
#define FMT_MACHO_LC_UUID 0x1bu
#define FMT_MACHO_LC_RPATH 0x8000001cu
#define FMT_MACHO_LC_REEXPORT_DYLIB 0x8000001fu
#define FMT_MACHO_LC_LAZY_LOAD_DYLIB 0x20u
#define FMT_MACHO_LC_LOAD_UPWARD_DYLIB 0x80000023u
#define FMT_MACHO_LC_VERSION_MIN_MACOSX 0x24u
#define FMT_MACHO_LC_VERSION_MIN_IPHONEOS 0x25u
#define FMT_MACHO_LC_MAIN 0x80000028u
#define FMT_MACHO_LC_VERSION_MIN_TVOS 0x2fu
#define FMT_MACHO_LC_VERSION_MIN_WATCHOS 0x30u
#define FMT_MACHO_LC_BUILD_VERSION 0x32u

struct fmt_macho_section {
    const uint8_t *sectname;   /* borrowed, sectname_len bytes (no NUL among them) */
    size_t sectname_len;
    const uint8_t *segname;
    size_t segname_len;
    uint64_t addr;
    uint64_t size;
    uint32_t offset;
    uint32_t align;
    uint32_t reloff;
    uint32_t nreloc;
    uint32_t flags;
    uint32_t reserved1;
    uint32_t reserved2;
    uint32_t reserved3;        /* 64-bit sections only (see is_64) */
    bool is_64;                /* read from an LC_SEGMENT_64 */
};

struct fmt_macho_segment {
    bool is_64;                /* LC_SEGMENT_64 (else LC_SEGMENT) */
    const uint8_t *segname;    /* borrowed, segname_len bytes */
    size_t segname_len;
    uint64_t vmaddr;
    uint64_t vmsize;
    uint64_t fileoff;
    uint64_t filesize;
    uint32_t maxprot;
    uint32_t initprot;
    uint32_t nsects;           /* as stored */
    uint32_t flags;
    size_t first_section;      /* index into fmt_macho_image.sections */
    size_t nsections;          /* sections read (those that fit in cmdsize) */
};

/* A dylib load command (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB,
 * LC_LAZY_LOAD_DYLIB, LC_LOAD_UPWARD_DYLIB; LC_ID_DYLIB goes to install_name). */
struct fmt_macho_dylib {
    uint32_t cmd;
    const char *name;          /* NULL when the name is outside the command or unterminated */
    uint32_t timestamp;
    uint32_t current_version;  /* X.Y.Z packed as xxxx.yy.zz */
    uint32_t compatibility_version;
};

/* One thin Mach-O image: the whole file, or the target of a fat entry. */
struct fmt_macho_image {
    bool parsed;               /* at least 32 bytes: the header fields below are valid */
    bool is_64;                /* not MH_MAGIC/MH_CIGAM: 32-byte header with `reserved` */
    bool big_endian;
    uint64_t file_offset;      /* where the image starts in the file */
    uint64_t size;             /* its bytes */

    uint32_t magic;            /* read big-endian */
    uint32_t cputype;
    uint32_t cpusubtype;
    uint32_t filetype;
    uint32_t ncmds;
    uint32_t sizeofcmds;
    uint32_t flags;
    uint32_t reserved;         /* 64-bit only */

    size_t segments_seen;      /* LC_SEGMENT(_64) commands walked (YARA's number_of_segments) */
    struct fmt_macho_segment *segments; /* those whose header fit, in order (a prefix of the seen) */
    size_t nsegments;
    struct fmt_macho_section *sections;
    size_t nsections;

    bool has_entry_point;      /* LC_MAIN's entryoff or LC_UNIXTHREAD's pc as a file offset */
    uint64_t entry_point;      /* relative to the image (add file_offset for the file) */
    bool has_stack_size;       /* LC_MAIN */
    uint64_t stack_size;

    /* Not part of YARA 4.5's module: for inventory. */
    struct fmt_macho_dylib *dylibs;
    size_t ndylibs;
    const char *install_name;  /* LC_ID_DYLIB */
    const char *dylinker;      /* LC_LOAD_DYLINKER */
    const char **rpaths;
    size_t nrpaths;
    bool has_uuid;
    uint8_t uuid[16];
    uint32_t version_min_cmd;  /* LC_VERSION_MIN_*, 0 when absent */
    uint32_t version_min;      /* X.Y.Z packed as xxxx.yy.zz */
    uint32_t version_min_sdk;
    bool has_build_version;    /* LC_BUILD_VERSION */
    uint32_t build_platform;
    uint32_t build_minos;
    uint32_t build_sdk;
    uint32_t build_ntools;
};

struct fmt_macho_fat_arch {
    uint32_t cputype;
    uint32_t cpusubtype;
    uint64_t offset;
    uint64_t size;
    uint32_t align;
    uint32_t reserved;         /* 64-bit entries only, else 0 */
    bool has_image;            /* [offset, offset + size) lies in the file: `image` was parsed */
    struct fmt_macho_image image;
};

enum fmt_macho_kind { FMT_MACHO_NONE = 0, FMT_MACHO_THIN, FMT_MACHO_FAT };

struct fmt_macho {
    enum fmt_macho_kind kind;
    struct fmt_macho_image thin;      /* FMT_MACHO_THIN */

    /* FMT_MACHO_FAT: the rest needs the 8-byte fat header (fat_header) */
    bool fat_header;
    uint32_t fat_magic;
    uint32_t nfat_arch;               /* as stored */
    bool archs_valid;                 /* the whole entry table is in the file */
    struct fmt_macho_fat_arch *archs; /* min(nfat_arch, FMT_MACHO_MAX_ARCHS) entries when valid */
    size_t narchs;

    bool truncated;                   /* a FMT_MACHO_MAX_* cap was reached */
};

/* Parse data[0..len). Returns ASSAY_OK when the first four bytes are a Mach-O
 * or fat magic (out->kind; a thin image shorter than 32 bytes has
 * thin.parsed false), ASSAY_EFORMAT when not (out is zeroed), ASSAY_ENOMEM on
 * exhaustion (out is freed and zeroed). Call fmt_macho_free in every case. */
int fmt_macho_parse(const uint8_t *data, size_t len, struct fmt_macho *out);
void fmt_macho_free(struct fmt_macho *m);

/* The file offset of virtual address `vmaddr` the way YARA maps LC_UNIXTHREAD's
 * program counter: the first segment whose [vmaddr, vmaddr + vmsize) holds it
 * (no wrap-around), fileoff + (vmaddr - segment vmaddr) modulo 2^64; not
 * checked against the file. False: no segment holds it. */
bool fmt_macho_vmaddr_offset(const struct fmt_macho_image *img, uint64_t vmaddr, uint64_t *offset);

#endif
