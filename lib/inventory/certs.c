/* certs.c — trusted CA certificates of a Linux root: one inventory item per
 * certificate, and the same set as an X509_STORE (certs.h).
 *
 * Sources (below the root), read in this order:
 *   1. local anchors, origin=local — the interesting ones: a CA that someone
 *      added to this machine: /usr/local/share/ca-certificates/ (files named
 *      *.crt, recursively, as update-ca-certificates takes them) and
 *      /etc/pki/ca-trust/source/anchors/ (every file). Symlinks are not
 *      followed (an absolute one would lead out of an offline root).
 *   2. the system bundle, origin=bundle: the first that exists of
 *      /etc/ssl/certs/ca-certificates.crt (Debian, Ubuntu, Alpine),
 *      /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem (Fedora, RHEL),
 *      /etc/pki/tls/certs/ca-bundle.crt, /etc/ssl/cert.pem.
 *   A certificate is one item whatever the number of files holding it (the
 *   id is its SHA-256): a local anchor that update-ca-certificates also put
 *   into the bundle gets attr in_bundle=1.
 *
 * Files are PEM sequences ("CERTIFICATE" and OpenSSL's "TRUSTED
 * CERTIFICATE"); text between blocks is ignored; a block that does not
 * decode is a problem naming its position ("certificate N") and the reading
 * goes on with the next. A local anchor without PEM is tried as DER.
 *
 * Item (built with cert_item.h): INV_CERTIFICATE, collector "certs", id
 * "cert:<sha256>", name the subject CN (else O, else the whole subject),
 * publisher the subject O, path the file; attrs subject and issuer (RFC 2253,
 * UTF-8), serial (hex), sha256, not_before / not_after (UTC, ISO 8601),
 * origin, self_signed, in_bundle. Evidence cert.subject (medium): the subject
 * O= (CN= when there is no O=), source the file, locator "certificate N"
 * (1-based, counting the blocks of that file).
 *
 * Limits: a file at most CERTS_MAX_FILE bytes, at most CERTS_MAX_PER_FILE
 * certificates per file, anchor folders CERTS_MAX_DEPTH deep. */
#include "inventory/certs.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inventory/cert_item.h"
#include "util/error.h"

#define CERTS_MAX_FILE ((size_t)64 << 20)
#define CERTS_MAX_PER_FILE 10000
#define CERTS_MAX_DEPTH 4

enum cert_origin { ORIGIN_LOCAL, ORIGIN_BUNDLE };

/* Called for every certificate read: 0 to go on, or an error to stop. */
typedef int (*cert_fn)(void *ctx, X509 *x, const char *file, unsigned index,
                       enum cert_origin origin);

struct cert_walk {
    struct inventory *inv;
    bool quiet;        /* no problems recorded (certs_trusted_store) */
    cert_fn fn;
    void *ctx;
};

static void walk_problem(struct cert_walk *w, const char *path, const char *msg, unsigned index)
{
    if (w->quiet)
        return;
    if (index > 0)
        inv_problem_add(w->inv, path, "certificate %u: %s", index, msg);
    else
        inv_problem_add(w->inv, path, "%s", msg);
}

/* Every certificate of one file. ASSAY_ENOTFOUND when the file is absent. */
static int read_cert_file(struct cert_walk *w, const char *rel, enum cert_origin origin)
{
    struct util_buf b = {0};
    int rc = inv_read_file(w->inv, rel, CERTS_MAX_FILE, &b);
    if (rc != 0) {
        util_buf_free(&b);
        return rc == ASSAY_ENOMEM || rc == ASSAY_ENOTFOUND ? rc : 0;
    }
    BIO *bio = BIO_new_mem_buf(b.data, (int)b.len);
    if (bio == NULL) {
        util_buf_free(&b);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    unsigned index = 0;
    for (;;) {
        long before = (long)BIO_pending(bio);
        X509 *x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
        if (x == NULL) {
            unsigned long e = ERR_peek_last_error();
            ERR_clear_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)
                break; /* no more blocks */
            long after = (long)BIO_pending(bio);
            walk_problem(w, rel, "a PEM block that does not decode", ++index);
            if (after >= before || after == 0)
                break; /* nothing more can be read */
            continue;
        }
        if (++index > CERTS_MAX_PER_FILE) {
            X509_free(x);
            walk_problem(w, rel, "too many certificates: the rest are not read", 0);
            break;
        }
        rc = w->fn(w->ctx, x, rel, index, origin);
        X509_free(x);
        if (rc != 0)
            break;
    }
    BIO_free(bio);
    if (rc == 0 && index == 0 && origin == ORIGIN_LOCAL) {
        /* not PEM: a DER certificate? */
        const unsigned char *p = b.data;
        X509 *x = d2i_X509(NULL, &p, (long)b.len);
        ERR_clear_error();
        if (x != NULL) {
            rc = w->fn(w->ctx, x, rel, 1, origin);
            X509_free(x);
        } else {
            walk_problem(w, rel, "no certificate in this file", 0);
        }
    }
    util_buf_free(&b);
    return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The regular files of an anchor folder (recursively), *.crt only when
 * crt_only. */
static int read_anchor_dir(struct cert_walk *w, const char *rel, bool crt_only, int depth)
{
    if (depth > CERTS_MAX_DEPTH)
        return 0;
    char **names;
    size_t n;
    int rc = inv_list_dir(w->inv, rel, INV_LIST_VISIBLE, CERTS_MAX_PER_FILE, &names, &n);
    if (rc != 0)
        return rc == ASSAY_ENOMEM ? rc : 0; /* absent, or a problem already recorded */
    for (size_t i = 0; i < n && rc == 0; i++) {
        char child[2048];
        if ((size_t)snprintf(child, sizeof child, "%s/%s", rel, names[i]) >= sizeof child)
            continue;
        char *abs = inv_path(w->inv, child);
        struct stat st;
        if (abs == NULL) {
            rc = util_error(ASSAY_ENOMEM, "out of memory");
        } else if (lstat(abs, &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = read_anchor_dir(w, child, crt_only, depth + 1);
        } else if (lstat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
                   (!crt_only || has_suffix(names[i], ".crt"))) {
            rc = read_cert_file(w, child, ORIGIN_LOCAL);
            rc = rc == ASSAY_ENOTFOUND ? 0 : rc;
        }
        free(abs);
    }
    inv_names_free(names, n);
    return rc;
}

static int walk_trusted(struct cert_walk *w)
{
    static const char *const bundles[] = {
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    };
    int rc = read_anchor_dir(w, "/usr/local/share/ca-certificates", true, 0);
    if (rc == 0)
        rc = read_anchor_dir(w, "/etc/pki/ca-trust/source/anchors", false, 0);
    for (size_t i = 0; rc == 0 && i < sizeof bundles / sizeof bundles[0]; i++) {
        rc = read_cert_file(w, bundles[i], ORIGIN_BUNDLE);
        if (rc != ASSAY_ENOTFOUND)
            break;
        rc = 0;
    }
    return rc;
}

/* ---- the collector -------------------------------------------------------------------- */

static struct inv_item *find_item(struct inventory *inv, size_t from, const char *id)
{
    for (size_t i = from; i < inv->items.n; i++)
        if (inv->items.v[i]->id && strcmp(inv->items.v[i]->id, id) == 0)
            return inv->items.v[i];
    return NULL;
}

struct collect_ctx {
    struct inventory *inv;
    size_t first_item; /* items before this one are other collectors' */
};

static int add_cert_item(void *ctx, X509 *x, const char *file, unsigned index,
                         enum cert_origin origin)
{
    struct collect_ctx *c = ctx;
    struct inventory *inv = c->inv;
    char sha[INV_CERT_HEX_MAX];
    if (!inv_certificate_digest(x, NULL, 0, EVP_sha256(), sha))
        return 0;
    char id[sizeof "cert:" + INV_CERT_HEX_MAX];
    snprintf(id, sizeof id, "cert:%s", sha);
    struct inv_item *seen = find_item(inv, c->first_item, id);
    if (seen != NULL) /* a local anchor also in the bundle, or a repeat */
        return origin == ORIGIN_BUNDLE && inv_attr_get(seen, "in_bundle") == NULL
                   ? inv_attr_add(inv, seen, "in_bundle", "1")
                   : 0;
    char loc[48];
    snprintf(loc, sizeof loc, "certificate %u", index);
    struct inv_cert_names names;
    struct inv_item *it = inv_certificate_item(inv, x, "certs", id, file, loc, &names);
    if (it == NULL || names.subject == NULL || (it->path = inv_strdup(inv, file)) == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    const struct inv_attr attrs[] = {
        {"origin", origin == ORIGIN_LOCAL ? "local" : "bundle"},
        {"self_signed", X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 ? "1" : "0"},
        {"in_bundle", origin == ORIGIN_BUNDLE ? "1" : NULL},
    };
    int rc = inv_certificate_attrs(inv, it, x, &names, sha);
    return rc != 0 ? rc : inv_attrs_add(inv, it, attrs, sizeof attrs / sizeof attrs[0]);
}

int inv_collect_certs(struct inventory *inv)
{
    struct collect_ctx c = {.inv = inv, .first_item = inv->items.n};
    struct cert_walk w = {.inv = inv, .fn = add_cert_item, .ctx = &c};
    int rc = walk_trusted(&w);
    ERR_clear_error();
    return rc;
}

/* ---- the store ---------------------------------------------------------------------------- */

struct store_ctx {
    X509_STORE *store;
};

static int add_to_store(void *ctx, X509 *x, const char *file, unsigned index,
                        enum cert_origin origin)
{
    (void)file;
    (void)index;
    (void)origin;
    struct store_ctx *s = ctx;
    (void)X509_STORE_add_cert(s->store, x); /* a duplicate is not an error */
    ERR_clear_error();
    return 0;
}

int certs_trusted_store(struct inventory *inv, X509_STORE **out, size_t *count)
{
    struct store_ctx s = {.store = X509_STORE_new()};
    *out = NULL;
    if (count)
        *count = 0;
    if (s.store == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    /* problems are the collector's to record: keep this run silent */
    size_t problems = inv->problems.n;
    struct cert_walk w = {.inv = inv, .quiet = true, .fn = add_to_store, .ctx = &s};
    int rc = walk_trusted(&w);
    inv->problems.n = problems; /* inv_list_dir / inv_read_file may have added some */
    ERR_clear_error();
    if (rc != 0) {
        X509_STORE_free(s.store);
        return rc;
    }
    *out = s.store;
    if (count) /* the store keeps one object per distinct certificate */
        *count = (size_t)sk_X509_OBJECT_num(X509_STORE_get0_objects(s.store));
    return 0;
}
