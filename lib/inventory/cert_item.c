/* cert_item.c — an X509 certificate as an INV_CERTIFICATE item, shared by
 * the CA-certificate collector (certs.c) and the registry collector's
 * certificate stores (registry.c); see cert_item.h.
 *
 * Names come from certificates of unknown origin: a subject entry that does
 * not convert to UTF-8 or is empty counts as absent; control bytes (NUL
 * included) in an entry become '?'. A subject or issuer line is what OpenSSL
 * can print of the name (RFC 2253, UTF-8 kept, control characters escaped),
 * also when an entry of it does not convert. OpenSSL errors met here are
 * cleared: an unreadable part is left out, it does not fail the item. The
 * certificate itself was parsed (and bounded) by the caller. */
#include "inventory/cert_item.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <time.h>

/* ---- the parts of a certificate as text -------------------------------------------- */

const char *inv_certificate_name_entry(struct inventory *inv, const X509_NAME *name, int nid)
{
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0)
        return NULL;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0) {
        ERR_clear_error();
        return NULL;
    }
    for (int k = 0; k < n; k++)
        if (utf8[k] < 0x20 || utf8[k] == 0x7f)
            utf8[k] = '?';
    const char *s = n > 0 ? inv_strndup(inv, (const char *)utf8, (size_t)n) : NULL;
    OPENSSL_free(utf8);
    return s;
}

/* The name as one RFC 2253 line ("" for an empty name; NULL when out of memory). */
static const char *name_line(struct inventory *inv, const X509_NAME *name)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return NULL;
    /* XN_FLAG_RFC2253 converts to UTF-8; without ESC_MSB it keeps it unescaped */
    (void)X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    ERR_clear_error();
    char *p;
    long n = BIO_get_mem_data(b, &p);
    const char *s = n > 0 && p != NULL ? inv_strndup(inv, p, (size_t)n) : inv_strdup(inv, "");
    BIO_free(b);
    return s;
}

static const char *time_iso(struct inventory *inv, const ASN1_TIME *t)
{
    struct tm tm;
    char buf[32];
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1 || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        ERR_clear_error();
        return NULL;
    }
    return inv_strdup(inv, buf);
}

static const char *serial_hex(struct inventory *inv, const X509 *x)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    const char *res = NULL;
    if (hex != NULL) {
        for (char *p = hex; *p; p++)
            if (*p >= 'A' && *p <= 'F')
                *p = (char)(*p - 'A' + 'a');
        res = inv_strdup(inv, hex);
    }
    OPENSSL_free(hex);
    BN_free(bn);
    ERR_clear_error();
    return res;
}

bool inv_certificate_digest(X509 *x, const uint8_t *der, size_t der_len, const EVP_MD *md,
                            char out[INV_CERT_HEX_MAX])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = der != NULL ? EVP_Digest(der, der_len, d, &n, md, NULL) : X509_digest(x, md, d, &n);
    if (ok != 1) {
        ERR_clear_error();
        return false;
    }
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
    return true;
}

/* ---- the item ---------------------------------------------------------------------- */

struct inv_item *inv_certificate_item(struct inventory *inv, X509 *x, const char *collector, const char *id,
                                      const char *source, const char *locator, struct inv_cert_names *names)
{
    const X509_NAME *subject = X509_get_subject_name(x);
    names->cn = inv_certificate_name_entry(inv, subject, NID_commonName);
    names->org = inv_certificate_name_entry(inv, subject, NID_organizationName);
    names->subject = name_line(inv, subject);
    struct inv_item *it = inv_item_new(inv, INV_CERTIFICATE, collector);
    if (it == NULL || (it->id = inv_strdup(inv, id)) == NULL)
        return NULL;
    it->name = names->cn ? names->cn : names->org ? names->org : names->subject;
    it->publisher = names->org;
    const char *claim = names->org ? names->org : names->cn;
    return inv_evidence_add(inv, it, "cert.subject", claim, source, locator, INV_MEDIUM) == 0 ? it : NULL;
}

int inv_certificate_attrs(struct inventory *inv, struct inv_item *it, X509 *x, const struct inv_cert_names *names,
                          const char *sha256)
{
    const struct inv_attr attrs[] = {
        {"subject", names->subject},
        {"issuer", name_line(inv, X509_get_issuer_name(x))},
        {"serial", serial_hex(inv, x)},
        {"sha256", sha256},
        {"not_before", time_iso(inv, X509_get0_notBefore(x))},
        {"not_after", time_iso(inv, X509_get0_notAfter(x))},
    };
    return inv_attrs_add(inv, it, attrs, sizeof attrs / sizeof attrs[0]);
}
