/* registry.h — helpers of the registry collector (registry.c) that other
 * collectors use: the trusted root certificates of an offline Windows root
 * (for Authenticode chains), the certificate-store Blob parser, and Windows
 * path handling below the root.
 *
 * Limits (registry.c): at most REGISTRY_MAX_KEYS keys visited per hive, values
 * larger than REGISTRY_MAX_VALUE bytes are not read, at most
 * REGISTRY_MAX_PROFILES user profiles. */
#ifndef ASSAY_INVENTORY_REGISTRY_H
#define ASSAY_INVENTORY_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "inventory/inventory.h"

#define REGISTRY_MAX_KEYS 100000
#define REGISTRY_MAX_VALUE ((size_t)1 << 20)
#define REGISTRY_MAX_PROFILES 10000

/* The certificate property id of a certificate-store Blob (the DER certificate). */
#define REGISTRY_CERT_PROP_DER 0x20

/* Find the DER certificate in a certificate-store Blob value: a sequence of
 * properties, each {u32 LE property id, u32 LE reserved (1; not checked),
 * u32 LE length, length bytes}. On success *der points into `blob` (property
 * REGISTRY_CERT_PROP_DER, non-empty) and 0 is returned; ASSAY_ENOTFOUND when
 * the well-formed sequence holds no certificate; ASSAY_EFORMAT when a property
 * runs past the end or trailing bytes are too short for a property header.
 * Pure: reads only blob[0..n). */
int registry_cert_blob_der(const uint8_t *blob, size_t n, const uint8_t **der, size_t *der_len);

/* The trusted root certificates of the Windows root `inv->root`, read from the
 * machine's certificate stores in SOFTWARE: Microsoft\SystemCertificates\ROOT,
 * ...\AuthRoot, Policies\Microsoft\SystemCertificates\Root and
 * Microsoft\EnterpriseCertificates\Root (users' own Root stores are left out:
 * any user can add to them). Duplicates (same DER) are dropped.
 * On success *out is a new stack (empty when the root holds no SOFTWARE hive)
 * that the caller frees with sk_X509_pop_free(*out, X509_free), and the number
 * of certificates is returned; ASSAY_ENOMEM otherwise (*out NULL). Unreadable
 * hives and malformed blobs are skipped silently here: inv_collect_registry
 * records them as problems. */
int registry_trusted_roots(struct inventory *inv, STACK_OF(X509) **out);

/* A Windows path as a root-relative path (arena string), or NULL when it does
 * not lie on the system volume: "C:\Program Files\X\" -> "/Program Files/X";
 * "\SystemRoot\x", "%SystemRoot%\x", "%windir%\x" -> "/Windows/x"; "System32\x"
 * -> "/Windows/System32/x"; "\??\" and "\\?\" prefixes are dropped;
 * %ProgramFiles%, %ProgramFiles(x86)%, %ProgramData%, %SystemDrive% expand to
 * their default places. Surrounding quotes are removed. Other drive letters,
 * UNC paths, other variables, relative paths and ".." components give NULL.
 * The system drive is taken to be C: and SystemRoot \Windows. Case is kept. */
const char *registry_root_path(struct inventory *inv, const char *windows_path);

/* The root-relative path of `rel` as it exists below the root, each component
 * matched case-insensitively (an exact match first), symbolic links resolved
 * inside the root (inv_path);
 * want_dir: the last component must be a folder, else a regular file.
 * malloc'ed; NULL when absent (or out of memory). */
char *registry_find_ci(const struct inventory *inv, const char *rel, bool want_dir);

#endif
