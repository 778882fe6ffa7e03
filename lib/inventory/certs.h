/* certs.h — the trusted CA certificates of a Linux root (certs.c), for the
 * inventory collector and for callers that verify a signature chain (the
 * executables collector: does an Authenticode chain reach a trusted root?).
 *
 * Sources, below the root (see certs.c for details):
 *   local anchors  /usr/local/share/ca-certificates/ (*.crt, recursive) and
 *                  /etc/pki/ca-trust/source/anchors/ (any file): origin=local
 *   the bundle     the first of /etc/ssl/certs/ca-certificates.crt,
 *                  /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem,
 *                  /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem:
 *                  origin=bundle */
#ifndef ASSAY_INVENTORY_CERTS_H
#define ASSAY_INVENTORY_CERTS_H

#include <stddef.h>

#include <openssl/x509_vfy.h>

#include "inventory/inventory.h"

/* A new X509_STORE holding every certificate of the sources above (bundle
 * and local anchors; duplicates once). *count (may be NULL) is how many were
 * added: 0 for a root without any (a Windows or macOS root): the caller
 * decides what to fall back to. Unreadable or damaged sources are skipped
 * without recording problems (inv_collect_certs records them). Returns 0 with
 * *out set (free with X509_STORE_free), or ASSAY_ENOMEM with *out NULL. */
int certs_trusted_store(struct inventory *inv, X509_STORE **out, size_t *count);

#endif
