/* trust.c — see trust.h. */
#include "inventory/trust.h"

#include "inventory/certs.h"
#include "inventory/registry.h"
#include "util/error.h"

static int add_registry_roots(struct inventory *inv, X509_STORE *store)
{
    STACK_OF(X509) *roots = NULL;
    int n = registry_trusted_roots(inv, &roots);
    if (n < 0)
        return n;
    for (int i = 0; i < sk_X509_num(roots); i++)
        X509_STORE_add_cert(store, sk_X509_value(roots, i)); /* a duplicate is refused harmlessly */
    sk_X509_pop_free(roots, X509_free);
    return 0;
}

int inv_trust_store(struct inventory *inv, X509_STORE **out)
{
    int rc = certs_trusted_store(inv, out, NULL);
    if (rc != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    rc = add_registry_roots(inv, *out);
    if (rc != 0) {
        X509_STORE_free(*out);
        *out = NULL;
    }
    return rc;
}
