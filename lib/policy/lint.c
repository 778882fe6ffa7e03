/* lint.c — the policy checks that go beyond parsing (docs/policy.md, "Lint"):
 * vendor and product ids must exist in the vendor catalog; warnings for
 * decisions resting on weak evidence (names, paths, MAC prefixes), for
 * subject parts that can never match at the entry's min_strength, for
 * exclusions on advisory instruments, and for replacement rules the catalog
 * cannot satisfy. Loading (policy.c) already reported the structural errors;
 * this adds to the same diagnostic list. */
#include "policy/policy.h"

#include <limits.h>
#include <string.h>

/* Fact kinds that attribute at medium strength or better (catalog.h): code
 * signing, package metadata, bundle ids, USB/PCI ids, domains, extension ids.
 * Names, aliases, brands and MAC organisations alone are weak. */
static bool kind_is_medium(enum catalog_fact_kind k)
{
    switch (k) {
    case CF_SIGNING_SUBJECT:
    case CF_PACKAGE_NAME:
    case CF_BUNDLE_PREFIX:
    case CF_USB_VENDOR:
    case CF_PCI_VENDOR:
    case CF_DOMAIN:
    case CF_EXTENSION_ID:
        return true;
    default:
        return false;
    }
}

static bool facts_have_medium(const catalog_facts *facts)
{
    for (int k = 0; k < CF_KIND_COUNT_; k++)
        if (kind_is_medium((enum catalog_fact_kind)k) && facts[k].n > 0)
            return true;
    return false;
}

/* A vendor whose catalog facts (its own and its products') are all weak. */
static bool vendor_weak_only(const struct catalog_vendor *v)
{
    if (facts_have_medium(v->facts))
        return false;
    for (size_t i = 0; i < v->products.n; i++)
        if (facts_have_medium(v->products.v[i].match))
            return false;
    return true;
}

/* Looked up here rather than through catalog_vendor() so lint also works
 * on a catalog built in memory (tests). */
static const struct catalog_vendor *find_vendor(const struct catalog *c, const char *id)
{
    for (size_t i = 0; i < c->vendors.n; i++)
        if (c->vendors.v[i].id && strcmp(c->vendors.v[i].id, id) == 0)
            return &c->vendors.v[i];
    return NULL;
}

static const struct catalog_product *find_product(const struct catalog *c, const char *id,
                                                  const struct catalog_vendor **vendor)
{
    for (size_t i = 0; i < c->vendors.n; i++)
        for (size_t j = 0; j < c->vendors.v[i].products.n; j++)
            if (c->vendors.v[i].products.v[j].id && strcmp(c->vendors.v[i].products.v[j].id, id) == 0) {
                *vendor = &c->vendors.v[i];
                return &c->vendors.v[i].products.v[j];
            }
    return NULL;
}

static const char *strength_word(uint8_t s)
{
    return inv_strength_name((enum inv_strength)s);
}

/* Vendors: known to the catalog, and recognisable at min_strength. */
static void lint_vendors(struct policy *p, const struct policy_entry *e, const struct catalog *cat)
{
    for (size_t i = 0; i < e->subject.vendors.n; i++) {
        const struct policy_ref *r = &e->subject.vendors.v[i];
        const struct catalog_vendor *v = find_vendor(cat, r->value);
        if (v == NULL) {
            policy_add_diag(p, POLICY_ERROR, r->loc, "entry '%s': unknown vendor '%s' (not in catalog %s)", e->id,
                        r->value, cat->name ? cat->name : "");
            continue;
        }
        if (vendor_weak_only(v) && e->min_strength > INV_WEAK)
            policy_add_diag(p, POLICY_WARNING, r->loc,
                        "entry '%s': vendor '%s' can only be matched by weak evidence (its catalog facts are names "
                        "or MAC organisations): with min_strength %s it never matches",
                        e->id, r->value, strength_word(e->min_strength));
        else if (vendor_weak_only(v) && e->verdict == POLICY_EXCLUDE)
            policy_add_diag(p, POLICY_WARNING, r->loc,
                        "entry '%s': vendor '%s' can only be matched by weak evidence (names or MAC organisations)",
                        e->id, r->value);
    }
}

static void lint_products(struct policy *p, const struct policy_entry *e, const struct catalog *cat)
{
    for (size_t i = 0; i < e->subject.products.n; i++) {
        const struct policy_ref *r = &e->subject.products.v[i];
        const struct catalog_vendor *v = NULL;
        const struct catalog_product *prod = find_product(cat, r->value, &v);
        if (prod == NULL) {
            policy_add_diag(p, POLICY_ERROR, r->loc, "entry '%s': unknown product '%s' (not in catalog %s)", e->id,
                        r->value, cat->name ? cat->name : "");
            continue;
        }
        bool weak = !facts_have_medium(prod->match) && !facts_have_medium(v->facts);
        if (weak && (e->min_strength > INV_WEAK || e->verdict == POLICY_EXCLUDE))
            policy_add_diag(p, POLICY_WARNING, r->loc,
                        "entry '%s': product '%s' can only be matched by weak evidence (names)%s", e->id, r->value,
                        e->min_strength > INV_WEAK ? "; at this min_strength it never matches" : "");
    }
}

/* Explicit rules on weak attributes; rules that min_strength makes dead. */
static void lint_rules(struct policy *p, const struct policy_entry *e)
{
    for (size_t i = 0; i < e->subject.match.n; i++) {
        const struct policy_rule *r = &e->subject.match.v[i];
        if (r->attribute_strength < e->min_strength)
            policy_add_diag(p, POLICY_WARNING, r->loc,
                        "entry '%s': a match on %s is %s evidence, below min_strength %s: this rule never matches",
                        e->id, r->attribute, strength_word(r->attribute_strength), strength_word(e->min_strength));
        else if (r->attribute_strength == INV_WEAK && e->verdict == POLICY_EXCLUDE)
            policy_add_diag(p, POLICY_WARNING, r->loc,
                        "entry '%s': excluding on %s, weak evidence (names, paths, MAC prefixes)", e->id,
                        r->attribute);
    }
}

/* Network neighbours are only known by their MAC prefix (mac.org, weak). */
static void lint_kinds(struct policy *p, const struct policy_entry *e)
{
    uint32_t weak_kinds = 1u << INV_NET_NEIGHBOUR;
    if (e->subject.kinds && (e->subject.kinds & ~weak_kinds) == 0 && e->min_strength > INV_WEAK)
        policy_add_diag(p, POLICY_WARNING, e->subject.kinds_loc,
                    "entry '%s': network neighbours are only known by MAC prefix (weak): with min_strength %s "
                    "this entry never matches",
                    e->id, strength_word(e->min_strength));
}

static void lint_verdict(struct policy *p, const struct policy_entry *e)
{
    if (e->verdict != POLICY_EXCLUDE)
        return;
    if (e->instrument.present && !e->instrument.binding)
        policy_add_diag(p, POLICY_WARNING, e->instrument.binding_loc,
                    "entry '%s': exclude on an advisory instrument (binding: false); 'review' states it as it is",
                    e->id);
    if (e->min_strength == INV_WEAK)
        policy_add_diag(p, POLICY_WARNING, e->strength_loc,
                    "entry '%s': exclude accepting weak evidence (names, paths, MAC prefixes); a ban should rest on "
                    "medium or strong evidence",
                    e->id);
}

/* The categories (bits of enum policy_category) some catalog product has
 * whose vendor no exclude entry of the policy names (in any scope): the
 * replacement categories the catalog can satisfy. */
static uint32_t replaceable_categories(const struct policy *p, const struct catalog *cat)
{
    uint32_t bits = 0;
    for (size_t i = 0; i < cat->vendors.n; i++) {
        const struct catalog_vendor *v = &cat->vendors.v[i];
        uint32_t mine = 0;
        for (size_t j = 0; j < v->products.n; j++) {
            int c = policy_category_from_name(v->products.v[j].category);
            if (c >= 0)
                mine |= 1u << c;
        }
        if ((mine & ~bits) == 0 || v->id == NULL)
            continue; /* nothing new to gain from this vendor */
        bool excluded = false;
        for (size_t e = 0; e < p->entries.n && !excluded; e++) {
            const struct policy_entry *en = &p->entries.v[e];
            for (size_t k = 0; en->verdict == POLICY_EXCLUDE && k < en->subject.vendors.n && !excluded; k++)
                excluded = strcmp(en->subject.vendors.v[k].value, v->id) == 0;
        }
        if (!excluded)
            bits |= mine;
    }
    return bits;
}

/* A replacement rule needs some catalog product of its category from a
 * vendor the policy does not exclude, or it can never be satisfied. */
static void lint_replacement(struct policy *p, const struct policy_entry *e, uint32_t replaceable)
{
    if (!e->replacement.present || (replaceable & (1u << e->replacement.category)))
        return;
    policy_add_diag(p, POLICY_WARNING, e->replacement.loc,
                "entry '%s': the catalog has no %s product from a vendor this policy does not exclude, so the "
                "replacement can never be recognised",
                e->id, policy_category_name(e->replacement.category));
}

int policy_lint(struct policy *p, const struct catalog *cat)
{
    if (cat == NULL)
        policy_add_diag(p, POLICY_NOTE, (struct policy_loc){0, 0},
                    "no vendor catalog loaded: vendor and product ids and their evidence strength are not checked");
    if (p->entries.n == 0 && p->errors == 0)
        policy_add_diag(p, POLICY_WARNING, (struct policy_loc){1, 1}, "the policy has no entries: it decides nothing");
    uint32_t replaceable = cat ? replaceable_categories(p, cat) : 0;
    for (size_t i = 0; i < p->entries.n; i++) {
        const struct policy_entry *e = &p->entries.v[i];
        if (e->id == NULL)
            continue; /* already an error; messages need the id */
        lint_verdict(p, e);
        lint_rules(p, e);
        lint_kinds(p, e);
        if (cat) {
            lint_vendors(p, e, cat);
            lint_products(p, e, cat);
            lint_replacement(p, e, replaceable);
        }
    }
    return p->errors > INT_MAX ? INT_MAX : (int)p->errors;
}
