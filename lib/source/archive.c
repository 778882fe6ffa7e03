/* archive.c — archive and compressed-file members through libarchive.
 *
 * arc_walk() reads an in-memory archive with its own `struct archive`, pulls
 * each regular member into a heap buffer in bounded chunks and hands it to the
 * caller. Every limit and every failure lands in the arc_report, so a cut or a
 * damaged archive is never mistaken for a clean one.
 *
 * Two readers are used:
 *   - the format reader: every compression filter and archive format the
 *     scanner cares about (mtree is left out on purpose: its entries name files
 *     on the local disk, which a scanner must never open on an attacker's say);
 *   - the raw reader: the compression filters with libarchive's "raw" format,
 *     only for a bare compressed stream (x.gz, clam.exe.bz2) whose decompressed
 *     start does not look like an archive. Deciding on the decompressed prefix
 *     rather than letting the format bidders search it keeps a compressed
 *     self-extracting executable whole instead of walking the archive inside.
 *
 * libarchive converts member names to the charset of the current locale and
 * gives up (NULL) on names it cannot convert, which in the default "C" locale
 * is every non-ASCII UTF-8 name. Each walk therefore runs with a thread-local
 * C.UTF-8 LC_CTYPE (uselocale), switched back to the caller's locale around
 * every callback: names come out as stored, UTF-8 where the archive says so. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* uselocale, newlocale, strcasecmp, pthread_once */
#endif

#include "source/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/pages.h"
#include <strings.h>

enum {
    ARC_CHUNK = 64 * 1024,           /* bytes asked of libarchive per read */
    ARC_FIRST_ALLOC = 1024 * 1024,   /* first member buffer when the size is unknown */
    ARC_PREFIX = 0x9001 + 8,         /* decompressed bytes arc_detect needs (ISO at 0x9001) */
    ARC_MAX_RETRIES = 64,            /* ARCHIVE_RETRY headers in a row before giving up */
    ARC_NOMEM = ARCHIVE_FATAL - 100, /* out of memory, told apart from libarchive's codes */
};

/* Everything one walk needs; lives on arc_walk's stack, so walks never share. */
struct arc_walk_state {
    const uint8_t *data;
    size_t len;
    const struct arc_limits *lim;
    arc_member_fn member;
    void *ctx;
    struct arc_report *report;
    const char *raw_name;   /* member name in raw mode, NULL in format mode */
    uint64_t ratio_cap;     /* bytes one member may expand to */
    uint64_t spent;         /* bytes decompressed: delivered plus discarded */
    uint64_t headers;       /* entries libarchive returned, of any type */
    bool compressed;        /* the last reader found a compression filter */
    uint8_t *buf;           /* member buffer, reused from member to member */
    size_t cap;
    locale_t caller_locale; /* restored around callbacks; (locale_t)0 if never switched */
};

/* What reading one member led to. */
enum arc_step {
    ARC_NEXT,       /* go on with the next header */
    ARC_STOP,       /* stop the walk (limit, fatal error or out of memory) */
    ARC_CALLER,     /* the callback asked to stop */
};

/* Which limit cut a member. */
enum arc_cut {
    ARC_CUT_NONE,
    ARC_CUT_SIZE,
    ARC_CUT_RATIO,
    ARC_CUT_TOTAL,
};

static uint64_t limit_or_max(uint64_t v)
{
    return v ? v : UINT64_MAX;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Append one event to the report message, "; "-separated, truncating quietly
 * once the fixed-size message is full (the flags still tell the story). */
__attribute__((format(printf, 2, 3)))
static void report_note(struct arc_report *r, const char *fmt, ...)
{
    size_t used = strlen(r->message);
    size_t room = sizeof(r->message) - used;
    if (room <= 1)
        return;
    if (used > 0) {
        int n = snprintf(r->message + used, room, "; ");
        if (n < 0 || (size_t)n >= room)
            return;
        used += (size_t)n;
        room -= (size_t)n;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message + used, room, fmt, ap);
    va_end(ap);
}

static const char *archive_message(struct archive *a)
{
    const char *s = archive_error_string(a);
    return s ? s : "unknown libarchive error";
}

/* ---- arc_detect --------------------------------------------------------- */

static bool has_bytes_at(const uint8_t *d, size_t len, size_t off, const void *magic, size_t n)
{
    return len >= off + n && memcmp(d + off, magic, n) == 0;
}

/* A tar header whose checksum adds up (the only mark old v7 tar has). */
static bool looks_like_tar_header(const uint8_t *d, size_t len)
{
    if (len < 512)
        return false;
    if (has_bytes_at(d, len, 257, "ustar", 5))
        return true;
    if (d[0] == 0)
        return false; /* no name: an end block or not tar at all */
    uint64_t stored = 0;
    size_t i = 148;
    while (i < 156 && d[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < 156 && d[i] >= '0' && d[i] <= '7'; i++, digits++)
        stored = stored * 8 + (uint64_t)(d[i] - '0');
    if (digits == 0 || (i < 156 && d[i] != ' ' && d[i] != 0))
        return false;
    uint64_t sum = 0;
    for (size_t k = 0; k < 512; k++)
        sum += (k >= 148 && k < 156) ? ' ' : d[k];
    return sum == stored;
}

/* lzma-alone has no magic; accept only the usual properties byte with a sane
 * dictionary size, the way the format is written by lzma/xz --format=lzma. */
static bool looks_like_lzma_alone(const uint8_t *d, size_t len)
{
    if (len < 14 || d[0] != 0x5d || d[13] != 0)
        return false;
    uint32_t dict = (uint32_t)d[1] | (uint32_t)d[2] << 8 | (uint32_t)d[3] << 16 |
                    (uint32_t)d[4] << 24;
    if (dict < 4096 || (dict & (dict - 1)) != 0)
        return false;
    bool size_unknown = true;
    for (int i = 5; i < 13; i++)
        size_unknown = size_unknown && d[i] == 0xff;
    return size_unknown || (d[11] == 0 && d[12] == 0);
}

static bool looks_like_lha(const uint8_t *d, size_t len)
{
    if (len < 22 || d[2] != '-' || d[6] != '-' || d[3] != 'l')
        return false;
    return (d[4] == 'h' || d[4] == 'z') && d[20] <= 3; /* header level 0-3 */
}

bool arc_detect(const uint8_t *d, size_t len)
{
    static const struct {
        size_t off;
        size_t n;
        const char *magic;
    } magics[] = {
        {0, 4, "PK\3\4"},                 /* zip */
        {0, 4, "PK\5\6"},                 /* empty zip */
        {0, 8, "PK\7\10PK\3\4"},          /* spanned zip marker */
        {0, 6, "7z\xbc\xaf\x27\x1c"},     /* 7z */
        {0, 6, "Rar!\x1a\x07"},           /* rar 4 and 5 */
        {0, 6, "070701"},                 /* cpio newc */
        {0, 6, "070702"},                 /* cpio newc with crc */
        {0, 6, "070707"},                 /* cpio odc */
        {0, 2, "\x71\xc7"},               /* cpio binary, big endian */
        {0, 2, "\xc7\x71"},               /* cpio binary, little endian */
        {0, 8, "MSCF\0\0\0\0"},           /* cab */
        {0x8001, 5, "CD001"},             /* iso9660 */
        {0x8801, 5, "CD001"},
        {0x9001, 5, "CD001"},
        {0, 8, "!<arch>\n"},              /* ar, deb */
        {0, 4, "xar!"},                   /* xar */
        {0, 2, "\x1f\x8b"},               /* gzip */
        {0, 2, "\x1f\x9d"},               /* compress (.Z) */
        {0, 6, "\xfd" "7zXZ\0"},          /* xz */
        {0, 4, "\x28\xb5\x2f\xfd"},       /* zstd */
        {0, 4, "\x04\x22\x4d\x18"},       /* lz4 frame */
        {0, 4, "\x02\x21\x4c\x18"},       /* lz4 legacy */
        {0, 4, "LZIP"},                   /* lzip */
    };
    if (!d)
        return false;
    for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
        if (has_bytes_at(d, len, magics[i].off, magics[i].magic, magics[i].n))
            return true;
    if (len >= 4 && d[0] == 'B' && d[1] == 'Z' && d[2] == 'h' && d[3] >= '1' && d[3] <= '9')
        return true; /* bzip2 */
    return looks_like_tar_header(d, len) || looks_like_lzma_alone(d, len) ||
           looks_like_lha(d, len);
}

/* ---- readers ------------------------------------------------------------ */

/* Only in-process decoders: support_filter_all would also register lrzip,
 * lzop and grzip, which libarchive runs as external programs. */
static int support_filters(struct archive *a)
{
    int (*const filters[])(struct archive *) = {
        archive_read_support_filter_gzip,  archive_read_support_filter_bzip2,
        archive_read_support_filter_xz,    archive_read_support_filter_lzma,
        archive_read_support_filter_lzip,  archive_read_support_filter_zstd,
        archive_read_support_filter_lz4,   archive_read_support_filter_compress,
    };
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
        if (filters[i](a) != ARCHIVE_OK)
            return -1; /* ARCHIVE_WARN would mean "via an external program" */
    return 0;
}

static int support_formats(struct archive *a)
{
    int (*const formats[])(struct archive *) = {
        archive_read_support_format_zip,    archive_read_support_format_7zip,
        archive_read_support_format_rar,    archive_read_support_format_rar5,
        archive_read_support_format_tar,    archive_read_support_format_cpio,
        archive_read_support_format_cab,    archive_read_support_format_iso9660,
        archive_read_support_format_ar,     archive_read_support_format_xar,
        archive_read_support_format_lha,
    };
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (formats[i](a) < ARCHIVE_WARN)
            return -1; /* a format compiled out is a warning, not a failure */
    return 0;
}

/* The three readers arc_walk may open over the same buffer. */
enum arc_reader {
    ARC_READ_FORMATS, /* archive formats behind optional compression */
    ARC_READ_RAW,     /* a bare compressed stream as one member */
    ARC_READ_EMPTY,   /* only to tell an empty compressed stream from a corrupt one */
};

/* The input, handed to libarchive in blocks. For a file mapping, pages more
 * than two blocks behind the read position are released as reading moves on,
 * so walking a large archive does not make all of it resident; a seek back
 * (zip central directory, 7z header) simply re-faults what it needs. */
#define ARC_BLOCK ((size_t)1 << 20)

struct arc_source {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t released;          /* [0, released) has been given back */
    bool release;
};

static void source_release_behind(struct arc_source *s)
{
    if (s->release && s->pos >= s->released + 3 * ARC_BLOCK) {
        size_t upto = s->pos - 2 * ARC_BLOCK;
        util_release_pages(s->data + s->released, upto - s->released);
        s->released = upto;
    }
}

static la_ssize_t source_read(struct archive *a, void *arg, const void **buf)
{
    (void)a;
    struct arc_source *s = arg;
    size_t n = s->len - s->pos < ARC_BLOCK ? s->len - s->pos : ARC_BLOCK;
    *buf = s->data + s->pos;
    s->pos += n;
    source_release_behind(s);
    return (la_ssize_t)n;
}

static la_int64_t source_skip(struct archive *a, void *arg, la_int64_t request)
{
    (void)a;
    struct arc_source *s = arg;
    if (request < 0)
        return 0;
    size_t n = (uint64_t)request < s->len - s->pos ? (size_t)request : s->len - s->pos;
    s->pos += n;
    source_release_behind(s);
    return (la_int64_t)n;
}

static la_int64_t source_seek(struct archive *a, void *arg, la_int64_t offset, int whence)
{
    (void)a;
    struct arc_source *s = arg;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)s->pos : (int64_t)s->len;
    int64_t to = base + offset;
    if (to < 0 || (uint64_t)to > s->len)
        return ARCHIVE_FATAL;
    s->pos = (size_t)to;
    /* Reading resumes further back (zip entries after the central directory
     * at the end): release again from here on. */
    if (s->pos < s->released)
        s->released = s->pos;
    return to;
}

static int source_close(struct archive *a, void *arg)
{
    (void)a;
    free(arg);
    return ARCHIVE_OK;
}

/* Open `data` with one of the readers; NULL with a note on failure. */
static struct archive *open_reader(const uint8_t *data, size_t len, enum arc_reader kind,
                                   bool release_input, struct arc_report *report)
{
    struct archive *a = archive_read_new();
    if (!a) {
        report->error = true;
        report_note(report, "out of memory creating an archive reader");
        return NULL;
    }
    int ok = support_filters(a) == 0;
    if (ok && kind == ARC_READ_FORMATS)
        ok = support_formats(a) == 0;
    else if (ok && kind == ARC_READ_RAW)
        ok = archive_read_support_format_raw(a) == ARCHIVE_OK;
    else if (ok)
        ok = archive_read_support_format_empty(a) == ARCHIVE_OK;
    if (!ok) {
        report->error = true;
        report_note(report, "libarchive setup failed: %s", archive_message(a));
        archive_read_free(a);
        return NULL;
    }
    struct arc_source *src = calloc(1, sizeof *src);
    if (!src) {
        report->error = true;
        report_note(report, "out of memory creating an archive reader");
        archive_read_free(a);
        return NULL;
    }
    *src = (struct arc_source){.data = data, .len = len, .release = release_input};
    archive_read_set_read_callback(a, source_read);
    archive_read_set_skip_callback(a, source_skip);
    archive_read_set_seek_callback(a, source_seek);
    archive_read_set_close_callback(a, source_close);
    archive_read_set_callback_data(a, src);
    /* On failure libarchive has already called source_close (freeing src). */
    if (archive_read_open1(a) != ARCHIVE_OK) {
        report->error = true;
        report_note(report, "%s", archive_message(a));
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* How to read `data`, from what its decompressed start looks like. */
enum arc_mode {
    ARC_MODE_FORMATS,      /* an archive, compressed or not */
    ARC_MODE_RAW,          /* a bare compressed stream: one member */
    ARC_MODE_EMPTY_STREAM, /* a compressed stream of zero bytes: one empty member */
    ARC_MODE_DAMAGED,      /* a compressed stream that yields nothing: error noted */
};

/* The raw format needs one decompressed byte, so an empty compressed stream
 * fails it exactly like a corrupt one (and libarchive then only says
 * "Unrecognized archive format"). The "empty" format accepts both, but only
 * the corrupt stream leaves the decompressor's own error behind. */
static enum arc_mode classify_unreadable_stream(const uint8_t *data, size_t len,
                                                struct arc_report *report)
{
    struct arc_report scratch = {0};
    struct archive *a = open_reader(data, len, ARC_READ_EMPTY, false, &scratch);
    if (!a)
        return ARC_MODE_FORMATS;
    enum arc_mode mode = ARC_MODE_FORMATS;
    struct archive_entry *e;
    if (archive_filter_count(a) > 1) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF && archive_error_string(a) == NULL) {
            mode = ARC_MODE_EMPTY_STREAM;
        } else {
            mode = ARC_MODE_DAMAGED;
            report->error = true;
            report_note(report, "compressed stream: %s", archive_message(a));
        }
    }
    archive_read_free(a);
    return mode;
}

/* The first ARC_PREFIX decompressed bytes start like an archive. */
static bool prefix_looks_like_archive(struct archive *a)
{
    uint8_t *prefix = malloc(ARC_PREFIX);
    if (!prefix)
        return true; /* the format reader copes with it, or reports */
    size_t got = 0;
    while (got < ARC_PREFIX) {
        la_ssize_t n = archive_read_data(a, prefix + got, ARC_PREFIX - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    bool archive = arc_detect(prefix, got);
    free(prefix);
    return archive;
}

/* A compression filter whose output does not start like any archive
 * arc_detect knows is a bare compressed stream. */
static enum arc_mode choose_mode(const uint8_t *data, size_t len, struct arc_report *report)
{
    struct arc_report scratch = {0};
    struct archive *a = open_reader(data, len, ARC_READ_RAW, false, &scratch);
    if (!a)
        return classify_unreadable_stream(data, len, report);
    enum arc_mode mode = ARC_MODE_FORMATS;
    struct archive_entry *e;
    if (archive_filter_count(a) > 1) {
        if (archive_read_next_header(a, &e) < ARCHIVE_WARN)
            mode = classify_unreadable_stream(data, len, report);
        else
            mode = prefix_looks_like_archive(a) ? ARC_MODE_FORMATS : ARC_MODE_RAW;
    }
    archive_read_free(a);
    return mode;
}

/* The member name of a bare compressed stream: the outer basename without its
 * compression extension ("dir/clam.exe.bz2" -> "clam.exe"), written to out. */
static void raw_member_name(const char *outer, char *out, size_t out_size)
{
    static const char *const exts[] = {".gz",  ".gzip", ".bz2", ".bz",  ".xz", ".lzma",
                                       ".zst", ".zstd", ".lz4", ".lz",  ".Z",  ".z"};
    const char *base = outer && *outer ? outer : "data";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    if (!*base)
        base = "data";
    size_t n = strlen(base);
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t el = strlen(exts[i]);
        if (n > el && strcasecmp(base + n - el, exts[i]) == 0) {
            n -= el;
            break;
        }
    }
    if (n >= out_size)
        n = out_size - 1;
    memcpy(out, base, n);
    out[n] = 0;
}

/* ---- members ------------------------------------------------------------ */

static bool is_regular_member(struct archive_entry *e)
{
    switch (archive_entry_filetype(e)) {
    case AE_IFDIR:
    case AE_IFLNK:
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO:
    case AE_IFSOCK:
        return false;
    default:
        break;
    }
    /* A hard link without data points at a member delivered elsewhere. */
    return !(archive_entry_hardlink(e) && archive_entry_size_is_set(e) &&
             archive_entry_size(e) == 0);
}

static const char *member_name(const struct arc_walk_state *st, struct archive_entry *e)
{
    if (st->raw_name)
        return st->raw_name;
    const char *name = archive_entry_pathname(e);
    if (!name)
        name = archive_entry_pathname_utf8(e);
    return name ? name : "?";
}

/* Skipping the rest of a member is free when libarchive can seek over stored
 * bytes; behind a compression filter or inside a solid 7z/rar/cab it means
 * decompressing them, which a bomb turns into unbounded work. */
static bool skip_is_cheap(struct archive *a)
{
    if (archive_filter_count(a) > 1)
        return false;
    switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
    case ARCHIVE_FORMAT_ZIP:
    case ARCHIVE_FORMAT_TAR:
    case ARCHIVE_FORMAT_CPIO:
    case ARCHIVE_FORMAT_AR:
    case ARCHIVE_FORMAT_ISO9660:
        return true;
    default:
        return false;
    }
}

/* Make room for at least one more byte, never past `keep_cap` + 1 bytes. */
static int grow_buffer(struct arc_walk_state *st, size_t len, uint64_t keep_cap, uint64_t hint)
{
    uint64_t want;
    if (st->cap == 0)
        want = hint ? hint + 1 : ARC_FIRST_ALLOC;
    else
        want = st->cap > UINT64_MAX / 2 ? UINT64_MAX : (uint64_t)st->cap * 2;
    want = min_u64(want, keep_cap < UINT64_MAX ? keep_cap + 1 : keep_cap);
    if (want <= len)
        want = (uint64_t)len + ARC_CHUNK;
    if (want > SIZE_MAX)
        return -1;
    uint8_t *p = realloc(st->buf, (size_t)want);
    if (!p)
        return -1;
    st->buf = p;
    st->cap = (size_t)want;
    return 0;
}

/* Read up to keep_cap bytes of the current member into st->buf. *more says
 * whether data remains beyond keep_cap; returns the libarchive status of the
 * last read (ARCHIVE_OK, or the negative code of a failed read). */
static int read_member_data(struct arc_walk_state *st, struct archive *a, struct archive_entry *e,
                            uint64_t keep_cap, size_t *len_out, bool *more)
{
    uint64_t hint = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
                        ? min_u64((uint64_t)archive_entry_size(e), ARC_FIRST_ALLOC)
                        : 0;
    size_t len = 0;
    *more = false;
    for (;;) {
        if (len == keep_cap) {
            uint8_t probe;
            la_ssize_t n = archive_read_data(a, &probe, 1);
            *more = n > 0;
            *len_out = len;
            return n < 0 ? (int)n : ARCHIVE_OK;
        }
        if (len == st->cap && grow_buffer(st, len, keep_cap, hint) != 0) {
            *len_out = len;
            return ARC_NOMEM;
        }
        uint64_t room = min_u64(st->cap - len, keep_cap - len);
        la_ssize_t n = archive_read_data(a, st->buf + len, (size_t)min_u64(room, ARC_CHUNK));
        if (n <= 0) {
            *len_out = len;
            return n < 0 ? (int)n : ARCHIVE_OK;
        }
        len += (size_t)n;
    }
}

/* Decompress and drop the rest of a cut member, counting the work against the
 * member's ratio cap and the archive total. Returns the limit that stopped it. */
static enum arc_cut discard_rest(struct arc_walk_state *st, struct archive *a, uint64_t member_bytes)
{
    uint8_t scratch[4096];
    uint64_t total = limit_or_max(st->lim->max_total);
    for (;;) {
        la_ssize_t n = archive_read_data(a, scratch, sizeof scratch);
        if (n <= 0)
            return ARC_CUT_NONE; /* a damaged tail surfaces at the next header */
        member_bytes += (uint64_t)n;
        st->spent += (uint64_t)n;
        if (member_bytes > st->ratio_cap)
            return ARC_CUT_RATIO;
        if (st->spent > total)
            return ARC_CUT_TOTAL;
    }
}

static void note_ratio_cut(struct arc_walk_state *st, const char *name, uint64_t at)
{
    st->report->limit_hit = true;
    report_note(st->report,
                "member '%s' exceeds compression ratio limit %llu (over %llu bytes from a "
                "%zu-byte archive), cut at %llu bytes",
                name, (unsigned long long)st->lim->max_ratio, (unsigned long long)st->ratio_cap,
                st->len, (unsigned long long)at);
}

static void note_total_cut(struct arc_walk_state *st, const char *name)
{
    st->report->limit_hit = true;
    report_note(st->report, "archive total size limit (%llu bytes) reached in member '%s'",
                (unsigned long long)st->lim->max_total, name);
}

/* After a cut: decide whether the walk can go on past this member. */
static enum arc_step after_cut(struct arc_walk_state *st, struct archive *a, const char *name,
                               enum arc_cut cut, size_t kept)
{
    switch (cut) {
    case ARC_CUT_SIZE:
        st->report->limit_hit = true;
        report_note(st->report, "member '%s' exceeds the size limit (%llu bytes), cut", name,
                    (unsigned long long)st->lim->max_member_size);
        if (skip_is_cheap(a))
            return ARC_NEXT;
        switch (discard_rest(st, a, kept)) {
        case ARC_CUT_RATIO:
            note_ratio_cut(st, name, kept);
            report_note(st->report, "rest of the archive not extracted");
            return ARC_STOP;
        case ARC_CUT_TOTAL:
            note_total_cut(st, name);
            return ARC_STOP;
        default:
            return ARC_NEXT;
        }
    case ARC_CUT_RATIO:
        note_ratio_cut(st, name, kept);
        if (skip_is_cheap(a))
            return ARC_NEXT;
        report_note(st->report, "rest of the archive not extracted");
        return ARC_STOP;
    case ARC_CUT_TOTAL:
        note_total_cut(st, name);
        return ARC_STOP;
    default:
        return ARC_NEXT;
    }
}

/* The callback runs in the caller's locale, not in the walk's. */
static int call_member(const struct arc_walk_state *st, const char *name, const uint8_t *data,
                       size_t len)
{
    if (!st->caller_locale)
        return st->member(st->ctx, name, data, len);
    locale_t walk_locale = uselocale(st->caller_locale);
    int r = st->member(st->ctx, name, data, len);
    uselocale(walk_locale);
    return r;
}

/* Extract the current member, hand it to the callback, apply the limits. */
static enum arc_step deliver_member(struct arc_walk_state *st, struct archive *a,
                                    struct archive_entry *e, int *cb_result)
{
    const char *name = member_name(st, e);
    uint64_t size_cap = limit_or_max(st->lim->max_member_size);
    uint64_t total_left = limit_or_max(st->lim->max_total);
    total_left = st->spent >= total_left ? 0 : total_left - st->spent;
    uint64_t keep_cap = min_u64(min_u64(size_cap, st->ratio_cap), total_left);
    if (keep_cap > SIZE_MAX - 1)
        keep_cap = SIZE_MAX - 1;

    size_t len = 0;
    bool more = false;
    int rc = read_member_data(st, a, e, keep_cap, &len, &more);
    st->spent += len;

    enum arc_cut cut = ARC_CUT_NONE;
    if (more)
        cut = keep_cap == size_cap ? ARC_CUT_SIZE
              : keep_cap == st->ratio_cap ? ARC_CUT_RATIO
                                          : ARC_CUT_TOTAL;
    if (rc == ARC_NOMEM) {
        st->report->error = true;
        report_note(st->report, "out of memory extracting member '%s'", name);
        return ARC_STOP;
    }
    if (rc < ARCHIVE_OK) {
        st->report->error = true;
        report_note(st->report, "member '%s': %s", name, archive_message(a));
    }
    /* Damaged or cut members still go out: the bytes read may hold the malware. */
    if (len > 0 || (rc == ARCHIVE_OK && cut == ARC_CUT_NONE)) {
        st->report->members++;
        st->report->bytes += len;
        *cb_result = call_member(st, name, st->buf ? st->buf : (const uint8_t *)"", len);
        if (*cb_result != 0)
            return ARC_CALLER;
    }
    if (rc == ARCHIVE_FATAL)
        return ARC_STOP;
    return after_cut(st, a, name, cut, len);
}

/* The header loop shared by the raw and the format reader. */
static int walk_entries(struct arc_walk_state *st, struct archive *a)
{
    int retries = 0;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r == ARCHIVE_RETRY && ++retries < ARC_MAX_RETRIES)
            continue;
        if (r < ARCHIVE_WARN || r == ARCHIVE_RETRY) {
            st->report->error = true;
            report_note(st->report, "%s", archive_message(a));
            return 0;
        }
        retries = 0;
        st->headers++;
        if (!is_regular_member(e))
            continue;
        const char *name = member_name(st, e);
        if (archive_entry_is_encrypted(e)) {
            st->report->error = true;
            report_note(st->report, "encrypted member '%s' skipped", name);
            continue;
        }
        if (st->lim->max_files && st->report->members >= st->lim->max_files) {
            st->report->limit_hit = true;
            report_note(st->report, "archive member limit (%llu) reached",
                        (unsigned long long)st->lim->max_files);
            return 0;
        }
        int cb_result = 0;
        switch (deliver_member(st, a, e, &cb_result)) {
        case ARC_CALLER:
            return cb_result;
        case ARC_STOP:
            return 0;
        case ARC_NEXT:
            break;
        }
    }
}

/* One pass over `data` with the raw or the format reader. */
static int walk_with(struct arc_walk_state *st, enum arc_reader kind)
{
    struct archive *a = open_reader(st->data, st->len, kind, st->lim->input_is_file_mapping, st->report);
    if (!a)
        return 0;
    int result = walk_entries(st, a);
    st->compressed = archive_filter_count(a) > 1;
    archive_read_free(a);
    return result;
}

static int walk_buffer(const uint8_t *data, size_t len, const char *outer_name,
                       const struct arc_limits *lim, arc_member_fn member, void *ctx,
                       struct arc_report *report, locale_t caller_locale)
{
    char raw_name[256];
    raw_member_name(outer_name, raw_name, sizeof raw_name);
    struct arc_walk_state st = {
        .data = data,
        .len = len,
        .lim = lim,
        .member = member,
        .ctx = ctx,
        .report = report,
        .ratio_cap = UINT64_MAX,
        .caller_locale = caller_locale,
    };
    if (lim->max_ratio && len <= UINT64_MAX / lim->max_ratio)
        st.ratio_cap = lim->max_ratio * (uint64_t)len;

    enum arc_mode mode = choose_mode(data, len, report);
    if (mode == ARC_MODE_DAMAGED)
        return 0;
    if (mode == ARC_MODE_EMPTY_STREAM) {
        report->members = 1;
        return call_member(&st, raw_name, (const uint8_t *)"", 0);
    }
    bool raw = mode == ARC_MODE_RAW;
    st.raw_name = raw ? raw_name : NULL;
    int result = walk_with(&st, raw ? ARC_READ_RAW : ARC_READ_FORMATS);
    /* The decompressed start looked like an archive but no format took it:
     * fall back to one member rather than losing the whole stream. The data
     * is all there, so this is a note, not an error. */
    if (!raw && result == 0 && st.headers == 0 && st.compressed && report->error) {
        char why[sizeof report->message];
        memcpy(why, report->message, sizeof why);
        memset(report, 0, sizeof(*report));
        report_note(report, "decompressed data read as one member (%s)", why);
        st.spent = 0;
        st.raw_name = raw_name;
        result = walk_with(&st, ARC_READ_RAW);
    }
    free(st.buf);
    return result;
}

/* One C.UTF-8 LC_CTYPE locale for the process, made once and never freed. */
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale;

static void make_utf8_locale(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

int arc_walk(const uint8_t *data, size_t len, const char *outer_name, const struct arc_limits *lim,
             arc_member_fn member, void *ctx, struct arc_report *report)
{
    static const struct arc_limits no_limits = {0};
    memset(report, 0, sizeof(*report));
    if (!data && len > 0) {
        report->error = true;
        report_note(report, "no data");
        return 0;
    }
    /* Without C.UTF-8 the walk still works; non-ASCII names may then read "?". */
    pthread_once(&utf8_once, make_utf8_locale);
    locale_t caller_locale = utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
    int result = walk_buffer(data ? data : (const uint8_t *)"", len, outer_name,
                             lim ? lim : &no_limits, member, ctx, report, caller_locale);
    if (caller_locale)
        uselocale(caller_locale);
    /* Magic numbers are short; plenty of ordinary files start with "BZh" or
     * 1f 8b by chance. When nothing could be read at all, say so apart from
     * damage, so the caller does not report a healthy file as broken. */
    if (report->error && report->members == 0 && !report->limit_hit &&
        strstr(report->message, "Unrecognized archive format")) {
        report->error = false;
        report->not_archive = true;
    }
    return result;
}
