/* fuzz_rpm_header.c — libFuzzer target for rpm_header_parse
 * (inventory/rpm_header.h), the parser of the header blobs of the rpmdb.
 *
 * Besides running the parser under the sanitizers it checks its promises:
 * every string lies inside the input and is NUL-terminated there, the file
 * list respects RPM_HEADER_MAX_FILES, every dir index names a dir, and a
 * failed parse leaves nothing behind. Seeds: the `blob` column of an
 * rpmdb.sqlite (sqlite3 rpmdb.sqlite "SELECT writefile('h'||hnum, blob)
 * FROM Packages"), or the blobs test_inv_packages builds.
 *
 *   ninja -C build-fuzz tests/fuzz_rpm_header && build-fuzz/tests/fuzz_rpm_header -max_total_time=60 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "inventory/rpm_header.h"

static const uint8_t *lo, *hi;

/* A borrowed string: inside the input, NUL-terminated there. */
static size_t check_str(const char *s)
{
    if (!s)
        return 0;
    const uint8_t *p = (const uint8_t *)s;
    if (p < lo || p >= hi || !memchr(p, 0, (size_t)(hi - p)))
        abort();
    return strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rpm_header_info h;
    lo = data;
    hi = data + size;
    int rc = rpm_header_parse(data, size, &h);
    if (rc != 0 && rc != ASSAY_EFORMAT && rc != ASSAY_ENOMEM)
        abort();
    if (rc != 0) {
        if (h.name || h.basenames || h.dirnames || h.dirindexes || h.filemodes || h.nfiles)
            abort();
        return 0;
    }
    size_t n = check_str(h.name) + check_str(h.version) + check_str(h.release) + check_str(h.summary) +
               check_str(h.vendor) + check_str(h.packager) + check_str(h.url) + check_str(h.arch) +
               check_str(h.sourcerpm);
    if (h.nfiles > RPM_HEADER_MAX_FILES || h.ndirnames > RPM_HEADER_MAX_FILES)
        abort();
    for (size_t i = 0; i < h.ndirnames; i++)
        n += check_str(h.dirnames[i]);
    for (size_t i = 0; i < h.nfiles; i++) {
        if (h.dirindexes[i] >= h.ndirnames)
            abort();
        n += check_str(h.basenames[i]);
        (void)rpm_header_file_is_dir(&h, i);
    }
    volatile size_t sink = n;
    (void)sink;
    rpm_header_free(&h);
    return 0;
}
