/* hashing.c — object digests with OpenSSL, all requested kinds in one pass. */
#include <openssl/evp.h>

#include "../util/error.h"
#include "../util/pages.h"
#include "engine.h"

/* Feed every digest the same slice before moving on, so the bytes are read
 * from memory once while they are still in cache. */
#define HASH_SLICE (256 * 1024)
/* File-backed objects: drop what was hashed every 16 MiB. */
#define RELEASE_EVERY (64 * HASH_SLICE)

static const EVP_MD *md_for(unsigned kind)
{
    return kind == SIG_MD5 ? EVP_md5() : kind == SIG_SHA1 ? EVP_sha1() : EVP_sha256();
}

void engine_release(const uint8_t *data, size_t len, unsigned flags)
{
    if (flags & ENGINE_FILE_BACKED)
        util_release_pages(data, len);
}

void engine_populate(const uint8_t *data, size_t len, unsigned flags)
{
    if (flags & ENGINE_FILE_BACKED)
        util_populate_pages(data, len);
}

int engine_hash_object(const uint8_t *data, size_t len, unsigned kinds, unsigned flags, struct engine_result *r)
{
    kinds &= ~(unsigned)r->have_digest;
    if (!kinds)
        return ASSAY_OK;
    EVP_MD_CTX *ctx[SIG_HASH_KINDS] = {NULL};
    int rc = ASSAY_OK;
    for (unsigned k = 0; k < SIG_HASH_KINDS && rc == ASSAY_OK; k++) {
        if (!(kinds & (1u << k)))
            continue;
        ctx[k] = EVP_MD_CTX_new();
        if (!ctx[k] || EVP_DigestInit_ex(ctx[k], md_for(k), NULL) != 1)
            rc = util_error(ASSAY_ENOMEM, "cannot initialise a digest");
    }
    for (size_t pos = 0; pos < len && rc == ASSAY_OK; pos += HASH_SLICE) {
        size_t n = len - pos < HASH_SLICE ? len - pos : HASH_SLICE;
        if (pos % RELEASE_EVERY == 0)
            engine_populate(data + pos, len - pos < RELEASE_EVERY ? len - pos : RELEASE_EVERY, flags);
        for (unsigned k = 0; k < SIG_HASH_KINDS; k++)
            if (ctx[k] && EVP_DigestUpdate(ctx[k], data + pos, n) != 1)
                rc = util_error(ASSAY_EENGINE, "digest update failed");
        if (pos % RELEASE_EVERY == RELEASE_EVERY - HASH_SLICE)
            engine_release(data + pos + HASH_SLICE - RELEASE_EVERY, RELEASE_EVERY, flags);
    }
    for (unsigned k = 0; k < SIG_HASH_KINDS; k++) {
        if (!ctx[k])
            continue;
        if (rc == ASSAY_OK && EVP_DigestFinal_ex(ctx[k], r->digest[k], NULL) == 1)
            r->have_digest |= (uint8_t)(1u << k);
        EVP_MD_CTX_free(ctx[k]);
    }
    return rc;
}
