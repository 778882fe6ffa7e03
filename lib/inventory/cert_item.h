/* cert_item.h — an X509 certificate as an INV_CERTIFICATE item: what the
 * CA-certificate collector (certs.c) and the registry collector's
 * certificate stores (registry.c) share (cert_item.c). Each collector adds
 * its own id, path, fallbacks and further attrs. */
#ifndef ASSAY_INVENTORY_CERT_ITEM_H
#define ASSAY_INVENTORY_CERT_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "inventory/inventory.h"

/* Room for the hex of any digest and its NUL. */
#define INV_CERT_HEX_MAX (2 * EVP_MAX_MD_SIZE + 1)

/* The subject's names (arena strings of the inventory). */
struct inv_cert_names {
    const char *cn, *org; /* the first CN= and O=, UTF-8, control bytes as '?'; NULL when
                             absent, empty or unreadable */
    const char *subject;  /* the whole subject as one RFC 2253 line, UTF-8 ("" when
                             empty; NULL only when out of memory) */
};

/* A new INV_CERTIFICATE item of `collector` for x, with id `id` (copied):
 * name the CN, else the O, else the subject line; publisher the O;
 * evidence cert.subject (medium): the O, else the CN, read from `source` at
 * `locator`. *names receives the names for the caller's own choices.
 * NULL when out of memory. */
struct inv_item *inv_certificate_item(struct inventory *inv, X509 *x, const char *collector, const char *id,
                                      const char *source, const char *locator, struct inv_cert_names *names);

/* Attrs subject (names->subject), issuer (one RFC 2253 line), serial (hex,
 * lower case), sha256 (the caller's hex digest; NULL: left out, for a caller
 * that lists its digests later), not_before and not_after (UTC, ISO 8601
 * "YYYY-MM-DDThh:mm:ssZ"), in this order. */
int inv_certificate_attrs(struct inventory *inv, struct inv_item *it, X509 *x, const struct inv_cert_names *names,
                          const char *sha256);

/* The first entry `nid` (NID_commonName, ...) of a name as an arena string:
 * UTF-8, control bytes (NUL included) as '?'; NULL when absent, empty or
 * unreadable. */
const char *inv_certificate_name_entry(struct inventory *inv, const X509_NAME *name, int nid);

/* The lower-case hex digest `md` of the bytes `der` as read (der NULL: of
 * x's DER encoding) into out (INV_CERT_HEX_MAX bytes). false when it cannot
 * be computed. */
bool inv_certificate_digest(X509 *x, const uint8_t *der, size_t der_len, const EVP_MD *md,
                            char out[INV_CERT_HEX_MAX]);

#endif
