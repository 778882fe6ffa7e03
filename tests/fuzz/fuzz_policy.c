/* fuzz_policy.c — libFuzzer target for policy_load (libyaml events into the
 * node tree, the field walk, dates, ids), policy_lint (with no catalog and
 * with a small catalog built in memory) and the evaluation helpers over a
 * fixed item and attribution.
 *
 * Besides running under the sanitizers it checks what the API promises:
 * the return code agrees with the error count, diagnostics are capped and
 * have messages, a policy that loads has ids, titles, verdicts, an
 * instrument and evidence on every exclusion, deadlines not before effective
 * dates, and evaluation results that point into the policy. Seeds:
 * data/policy/example.yaml and the files of tests/data/policy.
 *
 *   CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=disabled \
 *       -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link
 *   ninja -C build-fuzz tests/fuzz_policy
 *   build-fuzz/tests/fuzz_policy -max_total_time=60 corpus/ data/policy tests/data/policy */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "policy/policy.h"

static struct catalog_product products[2] = {
    {.id = "kesl", .name = "kesl", .category = "endpoint-protection"},
    {.id = "defender", .name = "defender", .category = "endpoint-protection"},
};
static struct catalog_vendor vendors[3] = {
    {.id = "kaspersky", .name = "kaspersky"},
    {.id = "microsoft", .name = "microsoft"},
    {.id = "hikvision", .name = "hikvision"},
};
static struct catalog_fact signing = {"AO Kaspersky Lab", "s", 1};
static struct catalog cat = {.name = "fuzz"};

static struct inv_evidence evidence[3] = {
    {.attribute = "package.name", .value = "kesl", .strength = INV_MEDIUM},
    {.attribute = "registry.name", .value = "Kaspersky Endpoint Security", .strength = INV_WEAK},
    {.attribute = "mac.org", .value = "Hangzhou Hikvision", .strength = INV_WEAK},
};
static struct inv_item items[2] = {{.kind = INV_PACKAGE, .name = "kesl"}, {.kind = INV_PROGRAM, .name = "defender"}};

static void setup(void)
{
    vendors[0].products.v = &products[0];
    vendors[0].products.n = 1;
    vendors[0].facts[CF_SIGNING_SUBJECT].v = &signing;
    vendors[0].facts[CF_SIGNING_SUBJECT].n = 1;
    vendors[1].products.v = &products[1];
    vendors[1].products.n = 1;
    cat.vendors.v = vendors;
    cat.vendors.n = 3;
    items[0].evidence.v = evidence;
    items[0].evidence.n = 3;
}

static void check_loaded(const struct policy *p)
{
    for (size_t i = 0; i < p->entries.n; i++) {
        const struct policy_entry *e = &p->entries.v[i];
        if (!e->id || !e->title || e->verdict == POLICY_VERDICT_NONE || e->index != i)
            abort();
        if (e->verdict == POLICY_EXCLUDE && (!e->instrument.present || e->evidence.n == 0))
            abort();
        if (e->deadline != POLICY_NO_DAY && e->effective != POLICY_NO_DAY && e->deadline < e->effective)
            abort();
        if (e->min_strength < INV_WEAK || e->min_strength > INV_STRONG)
            abort();
    }
}

static void evaluate(const struct policy *p)
{
    static const char *const tags[] = {"sensitive", "us-federal"};
    struct catalog_match m[2] = {
        {.vendor = &vendors[0], .product = &products[0], .strength = INV_MEDIUM, .nreasons = 1},
        {.vendor = &vendors[1], .product = &products[1], .strength = INV_STRONG, .nreasons = 1},
    };
    const struct inv_item *list[2] = {&items[0], &items[1]};
    policy_day days[3] = {policy_day_from_civil(2017, 9, 1), policy_day_from_civil(2024, 1, 1),
                          policy_day_from_civil(2030, 6, 30)};
    for (size_t d = 0; d < 3; d++) {
        struct policy_context ctx = {tags, d == 2 ? 0 : 2, days[d]};
        for (size_t i = 0; i < 2; i++) {
            struct policy_result r;
            struct policy_hit hits[3];
            size_t n = policy_evaluate_all(p, list[i], &m[i], &ctx, hits, 3);
            bool any = policy_evaluate(p, list[i], &m[i], &ctx, &r);
            if (any != (n > 0) || (any && r.matching != n) || (any && hits[0].entry != r.hit.entry))
                abort();
            if (!any)
                continue;
            if (r.hit.entry < p->entries.v || r.hit.entry >= p->entries.v + p->entries.n)
                abort();
            char buf[64];
            policy_deadline_text(&r.hit.deadline, buf, sizeof buf);
            (void)policy_next_milestone(r.hit.entry, ctx.today);
            size_t found;
            bool present = policy_replacement_present(p, r.replacement, list, m, 2, &ctx, &found);
            if (present && r.replacement && found >= 2)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    struct policy p;
    int rc = policy_load(&p, "fuzz.yaml", (const char *)data, size);
    if (rc != ASSAY_OK && rc != ASSAY_ESYNTAX && rc != ASSAY_ELIMIT && rc != ASSAY_ENOMEM)
        abort();
    if ((rc == ASSAY_OK) != (p.errors == 0) || p.diags.n > POLICY_MAX_DIAGS + 1)
        abort();
    for (size_t i = 0; i < p.diags.n; i++)
        if (p.diags.v[i].message == NULL || p.diags.v[i].severity > POLICY_ERROR)
            abort();
    if (rc == ASSAY_OK) {
        check_loaded(&p);
        evaluate(&p);
    }
    size_t errors = p.errors;
    if ((size_t)policy_lint(&p, NULL) < errors || (size_t)policy_lint(&p, &cat) < errors)
        abort();
    policy_sort_diags(&p);
    for (size_t i = 1; i < p.diags.n; i++)
        if (p.diags.v[i].line < p.diags.v[i - 1].line)
            abort();
    policy_free(&p);
    return 0;
}
