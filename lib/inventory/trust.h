/* trust.h — the certificates the inventoried system trusts, as one OpenSSL
 * store: what decides whether an Authenticode chain is strong evidence. */
#ifndef ASSAY_INVENTORY_TRUST_H
#define ASSAY_INVENTORY_TRUST_H

#include <openssl/x509_vfy.h>

#include "inventory/inventory.h"

/* A new store (caller frees with X509_STORE_free) holding the root's trusted
 * CA certificates: the Linux CA bundle and local anchors (certs.c) and the
 * Windows ROOT / AuthRoot stores of its registry hives (registry.c). A root
 * without any gives an empty store: every chain is then untrusted. */
int inv_trust_store(struct inventory *inv, X509_STORE **out);

#endif
