/* pe_authenticode.c — Authenticode signatures: the WIN_CERTIFICATE entries
 * of the security directory, each a PKCS#7 SignedData (decoded by OpenSSL
 * libcrypto) whose content is an SpcIndirectDataContent carrying the signed
 * image digest. For every signature (nested ones included) this reports the
 * certificates, the signer and its chain inside the bag, counter-signatures,
 * the signed digest, the file's own Authenticode digest and whether they and
 * the signer's signature agree; with a trust store (fmt_pe_options.trust),
 * whether the signer's chain reaches one of its roots.
 *
 * The SpcIndirectDataContent and SpcSpOpusInfo bodies are read with a small
 * bounds-checked DER reader; everything else goes through OpenSSL. */
#include "format/pe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "assay.h"

#define OID_SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define OID_SPC_SP_OPUS_INFO "1.3.6.1.4.1.311.2.1.12"
#define OID_SPC_NESTED_SIGNATURE "1.3.6.1.4.1.311.2.4.1"
#define MAX_NESTING 4

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */
/* ------------------------------------------------------------------------ */

static char *hex_string(struct fmt_pe *pe, const uint8_t *p, size_t n, bool colons)
{
    if (n > FMT_PE_MAX_STRING / 3)
        n = FMT_PE_MAX_STRING / 3;
    char *s = fmt_pe_alloc_(pe, n * 3 + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (colons && i)
            s[o++] = ':';
        snprintf(s + o, 3, "%02x", p[i]);
        o += 2;
    }
    s[o] = '\0';
    return s;
}

static char *copy_cstr(struct fmt_pe *pe, const char *s)
{
    return s ? fmt_pe_strndup_(pe, s, strlen(s)) : NULL;
}

static char *oid_text(struct fmt_pe *pe, const ASN1_OBJECT *obj)
{
    char buf[128];
    if (!obj || OBJ_obj2txt(buf, sizeof buf, obj, 1) <= 0)
        return copy_cstr(pe, "");
    return copy_cstr(pe, buf);
}

static bool oid_is(const ASN1_OBJECT *obj, const char *dotted)
{
    char buf[128];
    return obj && OBJ_obj2txt(buf, sizeof buf, obj, 1) > 0 && strcmp(buf, dotted) == 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * civil-from-days inverse). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t asn1_time_unix(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday) *
               86400 +
           tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/* Minimal DER reader over [p, end). */
struct der {
    const uint8_t *p, *end;
};

/* Read one TLV; on success val and vlen give its content and d advances. */
static bool der_next(struct der *d, uint8_t *tag, const uint8_t **val, size_t *vlen)
{
    if (d->end - d->p < 2)
        return false;
    *tag = d->p[0];
    size_t len = d->p[1];
    const uint8_t *q = d->p + 2;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 4 || (size_t)(d->end - q) < nb)
            return false;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = (len << 8) | q[i];
        q += nb;
    }
    if ((size_t)(d->end - q) < len)
        return false;
    *val = q;
    *vlen = len;
    d->p = q + len;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Certificates                                                             */
/* ------------------------------------------------------------------------ */

/* The first entry of `nid` in a name as UTF-8, or NULL (absent or OOM). */
static char *name_entry(struct fmt_pe *pe, const X509_NAME *name, int nid)
{
    int at = X509_NAME_get_index_by_NID(name, nid, -1);
    if (at < 0)
        return NULL;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at)));
    if (n < 0)
        return NULL;
    char *out = fmt_pe_strndup_(pe, (const char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return out;
}

static int fill_certificate(struct fmt_pe *pe, X509 *x, struct fmt_pe_certificate *c)
{
    char buf[1024];
    c->issuer = copy_cstr(pe, X509_NAME_oneline(X509_get_issuer_name(x), buf, sizeof buf));
    c->subject = copy_cstr(pe, X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf));
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    c->serial = serial ? hex_string(pe, serial->data, (size_t)serial->length, true) : copy_cstr(pe, "");
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (X509_digest(x, EVP_sha1(), md, &mdlen) != 1)
        mdlen = 0;
    c->thumbprint = hex_string(pe, md, mdlen, false);
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1)
        mdlen = 0;
    c->sha256 = hex_string(pe, md, mdlen, false);
    c->organization = name_entry(pe, X509_get_subject_name(x), NID_organizationName);
    c->common_name = name_entry(pe, X509_get_subject_name(x), NID_commonName);
    if (!c->sha256)
        return ASSAY_ENOMEM;
    int nid = X509_get_signature_nid(x);
    c->algorithm = copy_cstr(pe, nid != NID_undef ? OBJ_nid2ln(nid) : "");
    const X509_ALGOR *alg = X509_get0_tbs_sigalg(x);
    const ASN1_OBJECT *obj = NULL;
    if (alg)
        X509_ALGOR_get0(&obj, NULL, NULL, alg);
    c->algorithm_oid = oid_text(pe, obj);
    c->version = X509_get_version(x) + 1;
    c->not_before = asn1_time_unix(X509_get0_notBefore(x));
    c->not_after = asn1_time_unix(X509_get0_notAfter(x));
    if (!c->issuer || !c->subject || !c->serial || !c->thumbprint || !c->algorithm ||
        !c->algorithm_oid)
        return ASSAY_ENOMEM;
    return ASSAY_OK;
}

/* The signer's certificate, then each issuer found in the bag, up to a
 * self-signed one or the cap. */
static int build_chain(struct fmt_pe *pe, STACK_OF(X509) *bag, X509 *leaf,
                       struct fmt_pe_certificate **out, size_t *n)
{
    *out = fmt_pe_alloc_(pe, sizeof(**out) * FMT_PE_MAX_CERTIFICATES);
    if (!*out)
        return ASSAY_ENOMEM;
    *n = 0;
    X509 *cur = leaf;
    while (cur && *n < FMT_PE_MAX_CERTIFICATES) {
        int rc = fill_certificate(pe, cur, &(*out)[(*n)++]);
        if (rc != ASSAY_OK)
            return rc;
        if (X509_NAME_cmp(X509_get_subject_name(cur), X509_get_issuer_name(cur)) == 0)
            break;
        X509 *next = NULL;
        for (int i = 0; i < sk_X509_num(bag); i++) {
            X509 *c = sk_X509_value(bag, i);
            if (c != cur && X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(cur)) == 0) {
                next = c;
                break;
            }
        }
        cur = next;
    }
    return ASSAY_OK;
}

static X509 *find_signer_cert(STACK_OF(X509) *bag, PKCS7_SIGNER_INFO *si)
{
    if (!bag || !si || !si->issuer_and_serial)
        return NULL;
    return X509_find_by_issuer_and_serial(bag, si->issuer_and_serial->issuer,
                                          si->issuer_and_serial->serial);
}

/* ------------------------------------------------------------------------ */
/* Digests                                                                  */
/* ------------------------------------------------------------------------ */

/* The Authenticode image hash: the file without the checksum field, the
 * security directory entry and the certificate table. */
static bool authenticode_digest(const struct fmt_pe *pe, const EVP_MD *md, uint8_t *out,
                                unsigned *outlen)
{
    const uint8_t *d = pe->data_;
    uint64_t len = pe->len_;
    uint64_t cks = pe->checksum_offset, sec = pe->security_dir_offset;
    uint64_t cert_off = pe->data_directories[FMT_PE_DIR_SECURITY].virtual_address;
    uint64_t cert_size = pe->data_directories[FMT_PE_DIR_SECURITY].size;
    if (!sec || cks + 4 > sec || sec + 8 > len || cert_off < sec + 8 || cert_off > len)
        return false;
    uint64_t cert_end = cert_size <= len - cert_off ? cert_off + cert_size : len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
              EVP_DigestUpdate(ctx, d, (size_t)cks) == 1 &&
              EVP_DigestUpdate(ctx, d + cks + 4, (size_t)(sec - cks - 4)) == 1 &&
              EVP_DigestUpdate(ctx, d + sec + 8, (size_t)(cert_off - sec - 8)) == 1 &&
              EVP_DigestUpdate(ctx, d + cert_end, (size_t)(len - cert_end)) == 1 &&
              EVP_DigestFinal_ex(ctx, out, outlen) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static bool digest_bytes(const EVP_MD *md, const uint8_t *p, size_t n, uint8_t *out, unsigned *outlen)
{
    return md && EVP_Digest(p, n, out, outlen, md, NULL) == 1;
}

/* The messageDigest authenticated attribute of a signer. */
static const ASN1_OCTET_STRING *message_digest_attr(PKCS7_SIGNER_INFO *si)
{
    ASN1_TYPE *t = PKCS7_get_signed_attribute(si, NID_pkcs9_messageDigest);
    return t && t->type == V_ASN1_OCTET_STRING ? t->value.octet_string : NULL;
}

/* The authenticated attributes of a DER SignerInfo exactly as stored: the
 * [0] IMPLICIT field (the signature covers it with a SET tag instead). */
static bool raw_auth_attrs(const uint8_t *der, size_t len, const uint8_t **p, size_t *n)
{
    struct der d = {der, der + len};
    uint8_t tag;
    const uint8_t *v;
    size_t vl;
    if (!der_next(&d, &tag, &v, &vl) || tag != 0x30)
        return false;
    struct der si = {v, v + vl};
    for (int field = 0; field < 4; field++) {
        const uint8_t *start = si.p;
        if (!der_next(&si, &tag, &v, &vl))
            return false;
        if (tag == 0xA0) {
            *p = start;
            *n = (size_t)(si.p - start);
            return true;
        }
    }
    return false;
}

/* The signer's signature over its authenticated attributes: over `raw`
 * (the stored [0] field, retagged as SET) when given, else re-encoded. */
static bool signer_signature_ok(PKCS7_SIGNER_INFO *si, X509 *cert, const uint8_t *raw, size_t rawlen)
{
    if (!cert || !si->auth_attr || !si->enc_digest)
        return false;
    const EVP_MD *md = EVP_get_digestbyobj(si->digest_alg->algorithm);
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (!md || !key)
        return false;
    unsigned char *attrs = NULL;
    int alen;
    if (raw && rawlen > 0 && rawlen < INT32_MAX) {
        attrs = OPENSSL_malloc(rawlen);
        if (!attrs)
            return false;
        memcpy(attrs, raw, rawlen);
        attrs[0] = 0x31;
        alen = (int)rawlen;
    } else {
        alen = ASN1_item_i2d((ASN1_VALUE *)si->auth_attr, &attrs, ASN1_ITEM_rptr(PKCS7_ATTR_VERIFY));
    }
    if (alen <= 0)
        return false;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1 &&
              EVP_DigestVerify(ctx, si->enc_digest->data, (size_t)si->enc_digest->length, attrs,
                               (size_t)alen) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(attrs);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* One SignedData                                                           */
/* ------------------------------------------------------------------------ */

/* SpcIndirectDataContent ::= SEQUENCE { data SEQUENCE {...},
 *   messageDigest SEQUENCE { SEQUENCE { algorithm OID, params }, digest OCTET STRING } }
 * `body` is the content of the outer SEQUENCE. */
static bool parse_indirect_data(const uint8_t *body, size_t n, ASN1_OBJECT **alg,
                                const uint8_t **digest, size_t *digest_len)
{
    struct der d = {body, body + n};
    uint8_t tag;
    const uint8_t *v;
    size_t vl;
    if (!der_next(&d, &tag, &v, &vl) || tag != 0x30) /* data */
        return false;
    if (!der_next(&d, &tag, &v, &vl) || tag != 0x30) /* messageDigest */
        return false;
    struct der di = {v, v + vl};
    if (!der_next(&di, &tag, &v, &vl) || tag != 0x30) /* AlgorithmIdentifier */
        return false;
    const uint8_t *ai = v;
    size_t ail = vl;
    if (!der_next(&di, &tag, digest, digest_len) || tag != 0x04)
        return false;
    struct der da = {ai, ai + ail};
    if (!der_next(&da, &tag, &v, &vl) || tag != 0x06)
        return false;
    const unsigned char *q = ai; /* the OID's TLV opens the AlgorithmIdentifier */
    *alg = d2i_ASN1_OBJECT(NULL, &q, (long)ail);
    return *alg != NULL;
}

/* SpcSpOpusInfo ::= SEQUENCE { programName [0] EXPLICIT SpcString OPTIONAL, ... };
 * SpcString ::= CHOICE { unicode [0] IMPLICIT BMPString, ascii [1] IMPLICIT IA5String } */
static char *program_name(struct fmt_pe *pe, PKCS7_SIGNER_INFO *si)
{
    for (int i = 0; i < sk_X509_ATTRIBUTE_num(si->auth_attr); i++) {
        X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(si->auth_attr, i);
        if (!oid_is(X509_ATTRIBUTE_get0_object(a), OID_SPC_SP_OPUS_INFO))
            continue;
        ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, 0);
        if (!t || t->type != V_ASN1_SEQUENCE)
            return NULL;
        struct der d = {t->value.sequence->data, t->value.sequence->data + t->value.sequence->length};
        uint8_t tag;
        const uint8_t *v;
        size_t vl;
        if (!der_next(&d, &tag, &v, &vl) || tag != 0x30)
            return NULL;
        struct der s = {v, v + vl};
        if (!der_next(&s, &tag, &v, &vl) || tag != 0xA0)
            return NULL;
        struct der c = {v, v + vl};
        if (!der_next(&c, &tag, &v, &vl))
            return NULL;
        if (tag == 0x80) { /* BMPString: big-endian UTF-16 */
            uint8_t *le = malloc(vl ? vl : 1);
            if (!le)
                return NULL;
            for (size_t k = 0; k + 1 < vl; k += 2) {
                le[k] = v[k + 1];
                le[k + 1] = v[k];
            }
            char *r = fmt_pe_utf16_to_utf8_(pe, le, vl / 2);
            free(le);
            return r;
        }
        if (tag == 0x81)
            return fmt_pe_strndup_(pe, (const char *)v, vl);
        return NULL;
    }
    return NULL;
}

/* PKCS#9 counter-signatures: SignerInfos over the outer signature value. */
static int parse_countersignatures(struct fmt_pe *pe, PKCS7 *p7, PKCS7_SIGNER_INFO *si,
                                   struct fmt_pe_signature *sig)
{
    STACK_OF(X509) *bag = p7->d.sign->cert;
    sig->countersignatures = fmt_pe_alloc_(pe, sizeof(*sig->countersignatures) * FMT_PE_MAX_CERTIFICATES);
    if (!sig->countersignatures)
        return ASSAY_ENOMEM;
    for (int i = 0; i < sk_X509_ATTRIBUTE_num(si->unauth_attr); i++) {
        X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(si->unauth_attr, i);
        if (OBJ_obj2nid(X509_ATTRIBUTE_get0_object(a)) != NID_pkcs9_countersignature)
            continue;
        for (int j = 0; j < X509_ATTRIBUTE_count(a); j++) {
            ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, j);
            if (!t || t->type != V_ASN1_SEQUENCE || sig->number_of_countersignatures >= FMT_PE_MAX_CERTIFICATES)
                continue;
            const unsigned char *q = t->value.sequence->data;
            PKCS7_SIGNER_INFO *cs = d2i_PKCS7_SIGNER_INFO(NULL, &q, t->value.sequence->length);
            if (!cs)
                continue;
            struct fmt_pe_countersignature *c = &sig->countersignatures[sig->number_of_countersignatures++];
            int nid = OBJ_obj2nid(cs->digest_alg->algorithm);
            c->digest_alg = copy_cstr(pe, nid != NID_undef ? OBJ_nid2ln(nid) : "");
            const ASN1_OCTET_STRING *md = message_digest_attr(cs);
            c->digest = md ? hex_string(pe, md->data, (size_t)md->length, false) : copy_cstr(pe, "");
            ASN1_TYPE *st = PKCS7_get_signed_attribute(cs, NID_pkcs9_signingTime);
            if (st && (st->type == V_ASN1_UTCTIME || st->type == V_ASN1_GENERALIZEDTIME))
                c->sign_time = asn1_time_unix((const ASN1_TIME *)st->value.asn1_string);
            uint8_t h[EVP_MAX_MD_SIZE];
            unsigned hl = 0;
            X509 *cert = find_signer_cert(bag, cs);
            const uint8_t *raw = NULL;
            size_t rawlen = 0;
            c->verified = md && si->enc_digest &&
                          digest_bytes(EVP_get_digestbynid(nid), si->enc_digest->data,
                                       (size_t)si->enc_digest->length, h, &hl) &&
                          hl == (unsigned)md->length && memcmp(h, md->data, hl) == 0;
            c->signature_ok = raw_auth_attrs(t->value.sequence->data, (size_t)t->value.sequence->length,
                                             &raw, &rawlen) &&
                              signer_signature_ok(cs, cert, raw, rawlen);
            int rc = cert ? build_chain(pe, bag, cert, &c->chain, &c->length_of_chain) : ASSAY_OK;
            PKCS7_SIGNER_INFO_free(cs);
            if (rc != ASSAY_OK || !c->digest_alg || !c->digest)
                return rc != ASSAY_OK ? rc : ASSAY_ENOMEM;
        }
    }
    return ASSAY_OK;
}

static int parse_pkcs7(struct fmt_pe *pe, PKCS7 *p7, unsigned depth);

/* Nested signatures (dual signing) live in an unauthenticated attribute. */
static int parse_nested(struct fmt_pe *pe, PKCS7_SIGNER_INFO *si, unsigned depth)
{
    for (int i = 0; i < sk_X509_ATTRIBUTE_num(si->unauth_attr); i++) {
        X509_ATTRIBUTE *a = sk_X509_ATTRIBUTE_value(si->unauth_attr, i);
        if (!oid_is(X509_ATTRIBUTE_get0_object(a), OID_SPC_NESTED_SIGNATURE))
            continue;
        for (int j = 0; j < X509_ATTRIBUTE_count(a); j++) {
            ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(a, j);
            if (!t || t->type != V_ASN1_SEQUENCE)
                continue;
            const unsigned char *q = t->value.sequence->data;
            PKCS7 *inner = d2i_PKCS7(NULL, &q, t->value.sequence->length);
            if (!inner)
                continue;
            int rc = parse_pkcs7(pe, inner, depth + 1);
            PKCS7_free(inner);
            if (rc != ASSAY_OK)
                return rc;
        }
    }
    return ASSAY_OK;
}

static int fill_signed_digest(struct fmt_pe *pe, PKCS7 *p7, struct fmt_pe_signature *sig,
                              bool *content_ok, PKCS7_SIGNER_INFO *si)
{
    PKCS7 *content = p7->d.sign->contents;
    sig->digest_alg = copy_cstr(pe, "");
    sig->digest = copy_cstr(pe, "");
    sig->file_digest = copy_cstr(pe, "");
    if (!sig->digest_alg || !sig->digest || !sig->file_digest)
        return ASSAY_ENOMEM;
    if (!content || !oid_is(content->type, OID_SPC_INDIRECT_DATA) || !content->d.other ||
        content->d.other->type != V_ASN1_SEQUENCE)
        return ASSAY_OK;
    const ASN1_STRING *seq = content->d.other->value.sequence;
    /* The DER of the SEQUENCE: skip its tag and length to get the body. */
    struct der d = {seq->data, seq->data + seq->length};
    uint8_t tag;
    const uint8_t *body;
    size_t blen;
    if (!der_next(&d, &tag, &body, &blen) || tag != 0x30)
        return ASSAY_OK;
    ASN1_OBJECT *alg = NULL;
    const uint8_t *dg;
    size_t dgl;
    if (!parse_indirect_data(body, blen, &alg, &dg, &dgl))
        return ASSAY_OK;
    int nid = OBJ_obj2nid(alg);
    ASN1_OBJECT_free(alg);
    sig->digest_alg = copy_cstr(pe, nid != NID_undef ? OBJ_nid2ln(nid) : "");
    sig->digest = hex_string(pe, dg, dgl, false);
    if (!sig->digest_alg || !sig->digest)
        return ASSAY_ENOMEM;
    const EVP_MD *md = EVP_get_digestbynid(nid);
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    if (md && authenticode_digest(pe, md, h, &hl)) {
        sig->file_digest = hex_string(pe, h, hl, false);
        if (!sig->file_digest)
            return ASSAY_ENOMEM;
        sig->digest_matches = hl == dgl && memcmp(h, dg, hl) == 0;
    }
    /* The signer's messageDigest covers the content's body octets. */
    const ASN1_OCTET_STRING *mdattr = si ? message_digest_attr(si) : NULL;
    const EVP_MD *smd = si ? EVP_get_digestbyobj(si->digest_alg->algorithm) : NULL;
    *content_ok = mdattr && digest_bytes(smd, body, blen, h, &hl) && hl == (unsigned)mdattr->length &&
                  memcmp(h, mdattr->data, hl) == 0;
    return ASSAY_OK;
}

static int fill_signer(struct fmt_pe *pe, PKCS7_SIGNER_INFO *si, STACK_OF(X509) *bag,
                       struct fmt_pe_signature *sig, X509 **signer)
{
    struct fmt_pe_signer *s = &sig->signer_info;
    int nid = OBJ_obj2nid(si->digest_alg->algorithm);
    s->digest_alg = copy_cstr(pe, nid != NID_undef ? OBJ_nid2ln(nid) : "");
    const ASN1_OCTET_STRING *md = message_digest_attr(si);
    s->digest = md ? hex_string(pe, md->data, (size_t)md->length, false) : copy_cstr(pe, "");
    s->program_name = program_name(pe, si);
    if (!s->digest_alg || !s->digest)
        return ASSAY_ENOMEM;
    *signer = find_signer_cert(bag, si);
    if (!*signer)
        return ASSAY_OK;
    int rc = build_chain(pe, bag, *signer, &s->chain, &s->length_of_chain);
    if (rc != ASSAY_OK || s->length_of_chain == 0)
        return rc;
    const struct fmt_pe_certificate *leaf = &s->chain[0];
    sig->algorithm = leaf->algorithm;
    sig->algorithm_oid = leaf->algorithm_oid;
    sig->issuer = leaf->issuer;
    sig->subject = leaf->subject;
    sig->serial = leaf->serial;
    sig->thumbprint = leaf->thumbprint;
    sig->not_before = leaf->not_before;
    sig->not_after = leaf->not_after;
    return ASSAY_OK;
}

/* Does the signer's certificate chain, through the bag, to a trusted root?
 * Validity periods are not enforced: Authenticode signatures are commonly
 * time-stamped and stay valid after the certificate expires. */
static int check_chain(struct fmt_pe *pe, STACK_OF(X509) *bag, X509 *signer,
                       struct fmt_pe_signature *sig)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL)
        return ASSAY_ENOMEM;
    sig->chain_checked = true;
    if (X509_STORE_CTX_init(ctx, pe->trust_, signer, bag) != 1) {
        X509_STORE_CTX_free(ctx);
        return ASSAY_ENOMEM;
    }
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(ctx), X509_V_FLAG_NO_CHECK_TIME);
    sig->chain_trusted = X509_verify_cert(ctx) == 1;
    if (!sig->chain_trusted) {
        sig->chain_error = copy_cstr(pe, X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        if (sig->chain_error == NULL) {
            X509_STORE_CTX_free(ctx);
            return ASSAY_ENOMEM;
        }
    }
    X509_STORE_CTX_free(ctx);
    return ASSAY_OK;
}

static int parse_pkcs7(struct fmt_pe *pe, PKCS7 *p7, unsigned depth)
{
    if (depth > MAX_NESTING || !PKCS7_type_is_signed(p7) || !p7->d.sign)
        return ASSAY_OK;
    if (pe->nsignatures >= FMT_PE_MAX_SIGNATURES)
        return ASSAY_OK;
    struct fmt_pe_signature *sig = &pe->signatures[pe->nsignatures++];
    sig->version = ASN1_INTEGER_get(p7->d.sign->version);
    STACK_OF(X509) *bag = p7->d.sign->cert;
    int nc = sk_X509_num(bag);
    if (nc > FMT_PE_MAX_CERTIFICATES)
        nc = FMT_PE_MAX_CERTIFICATES;
    sig->certificates = fmt_pe_alloc_(pe, sizeof(*sig->certificates) * (nc > 0 ? (size_t)nc : 1));
    if (!sig->certificates)
        return ASSAY_ENOMEM;
    for (int i = 0; i < nc; i++) {
        int rc = fill_certificate(pe, sk_X509_value(bag, i), &sig->certificates[i]);
        if (rc != ASSAY_OK)
            return rc;
        sig->number_of_certificates++;
    }
    STACK_OF(PKCS7_SIGNER_INFO) *signers = PKCS7_get_signer_info(p7);
    PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_num(signers) > 0 ? sk_PKCS7_SIGNER_INFO_value(signers, 0) : NULL;
    X509 *signer = NULL;
    if (si) {
        int rc = fill_signer(pe, si, bag, sig, &signer);
        if (rc != ASSAY_OK)
            return rc;
    }
    bool content_ok = false;
    int rc = fill_signed_digest(pe, p7, sig, &content_ok, si);
    if (rc != ASSAY_OK)
        return rc;
    sig->verified = sig->digest_matches && content_ok && si && signer_signature_ok(si, signer, NULL, 0);
    if (pe->trust_ != NULL && signer != NULL) {
        rc = check_chain(pe, bag, signer, sig);
        if (rc != ASSAY_OK)
            return rc;
    }
    if (!si)
        return ASSAY_OK;
    rc = parse_countersignatures(pe, p7, si, sig);
    if (rc != ASSAY_OK)
        return rc;
    return parse_nested(pe, si, depth);
}

/* ------------------------------------------------------------------------ */
/* WIN_CERTIFICATE walk                                                     */
/* ------------------------------------------------------------------------ */

int fmt_pe_parse_signatures_(struct fmt_pe *pe)
{
    const struct fmt_pe_data_directory *dir = &pe->data_directories[FMT_PE_DIR_SECURITY];
    uint64_t off = dir->virtual_address, end = off + dir->size;
    if (!off || !dir->size || !fmt_pe_read_ok_(pe, off, dir->size))
        return ASSAY_OK;
    pe->signatures = fmt_pe_alloc_(pe, sizeof(*pe->signatures) * FMT_PE_MAX_SIGNATURES);
    if (!pe->signatures)
        return ASSAY_ENOMEM;
    while (off + 8 <= end && pe->nsignatures < FMT_PE_MAX_SIGNATURES) {
        const uint8_t *w = pe->data_ + off;
        uint32_t length = fmt_pe_u32_(w);
        uint16_t revision = fmt_pe_u16_(w + 4), type = fmt_pe_u16_(w + 6);
        if (length < 8 || length > end - off)
            break;
        if (type == 2 /* WIN_CERT_TYPE_PKCS_SIGNED_DATA */ && (revision == 0x200 || revision == 0x100)) {
            const unsigned char *q = w + 8;
            PKCS7 *p7 = d2i_PKCS7(NULL, &q, (long)(length - 8));
            if (p7) {
                int rc = parse_pkcs7(pe, p7, 0);
                PKCS7_free(p7);
                if (rc != ASSAY_OK)
                    return rc;
            }
        }
        off += (length + 7) & ~(uint64_t)7;
    }
    return ASSAY_OK;
}
