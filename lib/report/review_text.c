/* review_text.c — a review for people reading a terminal: each finding with
 * its evidence chain and policy reference, then the roll-up a directive
 * asks for (BOD 17-01: the products found, how many, how they were
 * detected, what is overdue). */
#include "report/review_text.h"

#include <stdlib.h>
#include <string.h>

static const char *or_dash(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : "-";
}

static void print_attribution(const struct review *rv, const struct review_item *ri, FILE *out)
{
    const struct inv_item *it = ri->item;
    const struct catalog_match *m = &ri->match;
    for (size_t i = 0; ri->attributed && i < m->nreasons; i++) {
        const struct catalog_reason *r = &m->reasons[i];
        const struct inv_evidence *e = &it->evidence.v[r->evidence];
        const struct catalog_source *src = catalog_source(&rv->catalog, r->fact->source);
        fprintf(out, "    evidence [%s] %s = \"%s\" in %s%s%s\n", inv_strength_name(r->strength), e->attribute,
                e->value, or_dash(e->source), e->locator ? " at " : "", e->locator ? e->locator : "");
        fprintf(out, "      matches catalog %s \"%s\" (source: %s%s%s)\n", m->vendor->id, r->fact->value,
                r->fact->source, src && src->url ? " " : "", src && src->url ? src->url : "");
    }
    if (m->homonym != NULL && !ri->attributed)
        fprintf(out, "    not attributed: \"%s\" is a homonym, not %s\n", m->homonym->value,
                m->vendor ? m->vendor->id : "the vendor");
}

static void print_policy(const struct review *rv, const struct review_item *ri, FILE *out)
{
    const struct policy_hit *hit = &ri->policy.hit;
    const struct policy_entry *e = hit->entry;
    const struct policy_instrument *in = &e->instrument;
    fprintf(out, "    policy %s (%s:%u): %s\n", e->id, rv->policy.name, e->loc.line, or_dash(e->title));
    if (in->present)
        fprintf(out, "      instrument: %s%s%s, %s, %s%s%s\n", in->name, in->article ? " " : "",
                in->article ? in->article : "", or_dash(in->date), in->binding ? "binding" : "advisory",
                in->link ? ", " : "", in->link ? in->link : "");
    if (hit->basis == POLICY_BY_RULE && hit->rule != NULL && hit->evidence >= 0) {
        const struct inv_evidence *ev = &ri->item->evidence.v[hit->evidence];
        fprintf(out, "    evidence [%s] %s = \"%s\" in %s%s%s (policy rule: %s \"%s\")\n",
                inv_strength_name(ev->strength), ev->attribute, ev->value, or_dash(ev->source),
                ev->locator ? " at " : "", ev->locator ? ev->locator : "", hit->rule->attribute, hit->rule->value);
    }
    char deadline[96];
    policy_deadline_text(&hit->deadline, deadline, sizeof deadline);
    fprintf(out, "      deadline: %s\n", deadline);
    if (ri->replacement_required) {
        const struct policy_entry *re = ri->policy.replacement;
        fprintf(out, "      replacement (%s from an allowed vendor, rule of %s): %s%s%s\n",
                policy_category_name(re->replacement.category), re->id,
                ri->replacement_present ? "present: " : "MISSING — do not remove before one runs",
                ri->replacement_present && ri->replacement_index < rv->inv.items.n
                    ? or_dash(rv->inv.items.v[ri->replacement_index]->name) : "",
                "");
    }
}

static void print_item_finding(const struct review *rv, const struct review_item *ri, FILE *out)
{
    const struct inv_item *it = ri->item;
    const char *verdict = ri->verdict == RV_EXCLUDED ? "EXCLUDED" : "REVIEW";
    fprintf(out, "%-9s %s %s%s%s", verdict, inv_kind_name(it->kind), or_dash(it->name), it->version ? " " : "",
            it->version ? it->version : "");
    if (ri->attributed)
        fprintf(out, " — %s%s%s (%s evidence)", ri->match.vendor->name,
                ri->match.product ? ", " : "", ri->match.product ? ri->match.product->name : "",
                inv_strength_name(ri->match.strength));
    fputc('\n', out);
    if (it->path != NULL)
        fprintf(out, "    at %s\n", it->path);
    print_attribution(rv, ri, out);
    print_policy(rv, ri, out);
    if (ri->malicious_files > 0)
        fprintf(out, "    note: %zu of its files matched signatures (listed as MALICIOUS separately)\n",
                ri->malicious_files);
}

static void print_malicious(const struct review_malicious *m, FILE *out)
{
    fprintf(out, "MALICIOUS %s — %s%s%s (%s, %s:%u)\n", m->path, m->ns && strcmp(m->ns, "default") ? m->ns : "",
            m->ns && strcmp(m->ns, "default") ? ":" : "", m->rule, or_dash(m->engine), or_dash(m->source_file),
            m->source_line);
    for (size_t i = 0; i < m->evidence.n; i++) {
        const struct review_evidence *e = &m->evidence.v[i];
        if (e->hash_algorithm != NULL)
            fprintf(out, "    evidence [strong] %s %s of the file\n", e->hash_algorithm, e->hash_value);
        else if (e->bytes_hex != NULL)
            fprintf(out, "    evidence [strong] %s%sbytes at offset %llu, length %llu: %.64s%s\n",
                    e->string_id ? e->string_id : "", e->string_id ? " " : "", (unsigned long long)e->offset,
                    (unsigned long long)e->length, e->bytes_hex,
                    strlen(e->bytes_hex) > 64 || e->truncated ? "…" : "");
        else
            fprintf(out, "    evidence [%s] %s\n", inv_strength_name(e->strength), e->kind);
    }
    if (m->sha256 != NULL)
        fprintf(out, "    sha256 %s, %llu bytes\n", m->sha256, (unsigned long long)m->size);
    if (m->owner != NULL)
        fprintf(out, "    part of %s %s (%s)\n", inv_kind_name(m->owner->kind), or_dash(m->owner->name), m->owner->id);
}

/* ---- roll-up ----------------------------------------------------------------------- */

struct product_row {
    const char *vendor, *product;  /* names */
    uint8_t verdict;
    size_t count, overdue, no_replacement;
    char methods[256];             /* evidence attributes that detected it */
};

static void add_method(struct product_row *row, const char *method)
{
    if (strstr(row->methods, method) != NULL)
        return;
    size_t n = strlen(row->methods);
    snprintf(row->methods + n, sizeof row->methods - n, "%s%s", n ? ", " : "", method);
}

static void print_rollup(const struct review *rv, FILE *out)
{
    struct product_row *rows = calloc(rv->items.n + 1, sizeof *rows);
    size_t nrows = 0;
    for (size_t i = 0; rows != NULL && i < rv->items.n; i++) {
        const struct review_item *ri = &rv->items.v[i];
        if (ri->verdict != RV_EXCLUDED && ri->verdict != RV_REVIEW)
            continue;
        const char *vendor = ri->attributed ? ri->match.vendor->name : "(by policy rule)";
        const char *product = ri->attributed && ri->match.product ? ri->match.product->name : or_dash(ri->item->name);
        size_t r = 0;
        while (r < nrows && !(strcmp(rows[r].vendor, vendor) == 0 && strcmp(rows[r].product, product) == 0 &&
                              rows[r].verdict == ri->verdict))
            r++;
        if (r == nrows)
            rows[nrows++] = (struct product_row){.vendor = vendor, .product = product, .verdict = ri->verdict};
        rows[r].count++;
        rows[r].overdue += ri->policy.hit.deadline.state == POLICY_OVERDUE;
        rows[r].no_replacement += ri->replacement_required && !ri->replacement_present;
        for (size_t k = 0; ri->attributed && k < ri->match.nreasons; k++)
            add_method(&rows[r], ri->item->evidence.v[ri->match.reasons[k].evidence].attribute);
        if (ri->policy.hit.basis == POLICY_BY_RULE && ri->policy.hit.rule != NULL)
            add_method(&rows[r], ri->policy.hit.rule->attribute);
    }
    fprintf(out, "\nproducts found (host %s, 1 endpoint):\n", or_dash(rv->host));
    if (nrows == 0)
        fprintf(out, "  none excluded or under review\n");
    for (size_t r = 0; r < nrows; r++)
        fprintf(out, "  %-8s %s — %s: %zu item%s; detected by %s%s%s\n",
                rows[r].verdict == RV_EXCLUDED ? "excluded" : "review", rows[r].vendor, rows[r].product,
                rows[r].count, rows[r].count == 1 ? "" : "s", rows[r].methods[0] ? rows[r].methods : "-",
                rows[r].overdue ? "; OVERDUE" : "", rows[r].no_replacement ? "; replacement missing" : "");
    free(rows);
    struct review_counts c;
    review_count(rv, &c);
    char today[16];
    policy_format_date(rv->ctx.today, today, sizeof today);
    fprintf(out,
            "\nreview of %s (root %s) on %s with %s: %zu items (%zu attributed to a catalog vendor); "
            "%zu excluded, %zu under review, %zu allowed; %zu malicious file%s; %zu overdue; "
            "%zu missing replacement%s; %llu files scanned; %zu error%s; %.2f s\n",
            or_dash(rv->host), rv->inv.root, today, rv->policy.name, c.items, c.attributed, c.excluded, c.review,
            c.allowed, c.malicious, c.malicious == 1 ? "" : "s", c.overdue, c.replacement_missing,
            c.replacement_missing == 1 ? "" : "s", (unsigned long long)rv->files_scanned, rv->problems.n,
            rv->problems.n == 1 ? "" : "s", rv->seconds);
}

void review_print_text(const struct review *rv, FILE *out)
{
    for (size_t i = 0; i < rv->malicious.n; i++)
        print_malicious(&rv->malicious.v[i], out);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < rv->items.n; i++) {
            const struct review_item *ri = &rv->items.v[i];
            if (ri->verdict == (pass == 0 ? RV_EXCLUDED : RV_REVIEW))
                print_item_finding(rv, ri, out);
        }
    for (size_t i = 0; i < rv->problems.n; i++)
        fprintf(out, "ERROR     %s: %s (%s)\n", rv->problems.v[i].path, rv->problems.v[i].message,
                rv->problems.v[i].code);
    print_rollup(rv, out);
}
