/* clam_cvd.h — ClamAV .cvd/.cld containers.
 *
 * A 512-byte text header "ClamAV-VDB:time:version:sigs:flevel:md5:dsig:builder:stime"
 * padded with spaces, then the body: a tar archive, gzip-compressed (.cvd, and
 * .cld files written compressed) or plain (.cld). The body's MD5 must equal
 * the header's (when the header carries one). */
#ifndef ASSAY_SIG_CLAM_CVD_H
#define ASSAY_SIG_CLAM_CVD_H

#include <stddef.h>
#include <stdint.h>

struct clam_cvd_header {
    char build_time[64];
    unsigned version;
    unsigned signatures;
    unsigned flevel;
    char md5[33];             /* hex, "" if absent */
    char builder[64];
};

typedef int (*clam_cvd_member_fn)(void *ctx, const char *name, const uint8_t *data, size_t len);

/* Parse the header of `data` (len bytes). Returns 0, or ASSAY_EFORMAT with
 * util_error("<path>: ...") for a short or foreign header. */
int clam_cvd_header_parse(const char *path, const uint8_t *data, size_t len, struct clam_cvd_header *out);

/* Check the body MD5 and call `member` for every regular file in the body's
 * tar. Returns 0, ASSAY_EFORMAT (truncated, bad MD5, bad tar; message names
 * path), or the non-zero value `member` returned. */
int clam_cvd_walk(const char *path, const uint8_t *data, size_t len, clam_cvd_member_fn member, void *ctx);

#endif
