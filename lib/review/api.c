/* api.c — the public inventory, review and store functions of assay.h over
 * the internal parts (inventory/, catalog/, policy/, review/, report/,
 * store/). */
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "report/inventory_report.h"
#include "report/review_json.h"
#include "report/review_report.h"
#include "report/review_text.h"
#include "report/sbom.h"
#include "review/review.h"
#include "store/store.h"
#include "util/error.h"

struct assay_inventory {
    struct inventory inv;
    struct catalog cat;
    struct review_item *items;  /* attribution per item (verdict 0: not reviewed) */
};

struct assay_review {
    struct review rv;
};

static void inv_options_from(const struct assay_inventory_options *o, struct inv_options *out)
{
    memset(out, 0, sizeof *out);
    out->exec_dirs = o->exec_dirs;
    out->exec_dir_count = o->exec_dir_count;
    out->no_executables = o->no_executables;
    out->hwdata_dir = o->hwdata_dir;
    out->ieee_dir = o->ieee_dir;
}

int assay_inventory_run(const struct assay_inventory_options *opts, assay_inventory **out)
{
    static const struct assay_inventory_options defaults = {0};
    if (opts == NULL)
        opts = &defaults;
    *out = NULL;
    assay_inventory *a = calloc(1, sizeof *a);
    if (a == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    int rc = opts->catalog ? catalog_load_file(&a->cat, opts->catalog) : catalog_load_default(&a->cat);
    if (rc != 0) {
        free(a);
        return rc;
    }
    struct inv_options io;
    inv_options_from(opts, &io);
    if ((rc = inventory_init(&a->inv, opts->root)) != 0) {
        catalog_free(&a->cat);
        free(a);
        return rc;
    }
    rc = inventory_collect(&a->inv, &io);
    if (rc == 0 && (a->items = calloc(a->inv.items.n + 1, sizeof *a->items)) == NULL)
        rc = util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < a->inv.items.n; i++) {
        a->items[i].item = a->inv.items.v[i];
        a->items[i].attributed = catalog_attribute(&a->cat, a->inv.items.v[i], &a->items[i].match);
    }
    if (rc != 0) {
        assay_inventory_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

size_t assay_inventory_item_count(const assay_inventory *a)
{
    return a ? a->inv.items.n : 0;
}

size_t assay_inventory_problem_count(const assay_inventory *a)
{
    return a ? a->inv.problems.n : 0;
}

void assay_inventory_problem(const assay_inventory *a, size_t i, const char **path, const char **message)
{
    bool ok = a != NULL && i < a->inv.problems.n;
    *path = ok ? a->inv.problems.v[i].path : NULL;
    *message = ok ? a->inv.problems.v[i].message : NULL;
}

static void print_inventory_text(const assay_inventory *a, FILE *out)
{
    for (size_t i = 0; i < a->inv.items.n; i++) {
        const struct inv_item *it = a->inv.items.v[i];
        const struct catalog_match *m = &a->items[i].match;
        fprintf(out, "%-18s %s%s%s", inv_kind_name(it->kind), it->name ? it->name : it->id,
                it->version ? " " : "", it->version ? it->version : "");
        if (a->items[i].attributed)
            fprintf(out, "  [%s%s%s, %s]", m->vendor->id, m->product ? "/" : "", m->product ? m->product->id : "",
                    inv_strength_name(m->strength));
        fputc('\n', out);
    }
    for (size_t i = 0; i < a->inv.problems.n; i++)
        fprintf(out, "problem: %s: %s\n", a->inv.problems.v[i].path, a->inv.problems.v[i].message);
}

static int dump_json(json_t *doc, FILE *out)
{
    int rc = doc != NULL && json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 ? 0 : ASSAY_ENOMEM;
    fputc('\n', out);
    json_decref(doc);
    return rc != 0 ? util_error(rc, "cannot write the report") : 0;
}

int assay_inventory_write(const assay_inventory *a, const char *format, bool with_files, FILE *out)
{
    if (a == NULL || format == NULL || out == NULL)
        return util_error(ASSAY_EINVAL, "invalid argument");
    if (strcmp(format, "text") == 0) {
        print_inventory_text(a, out);
        return ferror(out) ? util_error(ASSAY_EIO, "cannot write the report") : 0;
    }
    if (strcmp(format, "cyclonedx") == 0)
        return dump_json(report_cyclonedx(&a->inv, &a->cat, a->items, NULL), out);
    if (strcmp(format, "spdx") == 0)
        return dump_json(report_spdx(&a->inv, &a->cat, a->items, NULL), out);
    if (strcmp(format, "json") != 0)
        return util_error(ASSAY_EINVAL, "unknown format '%s' (json, cyclonedx, spdx, text)", format);
    struct catalog_match *matches = calloc(a->inv.items.n + 1, sizeof *matches);
    if (matches == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < a->inv.items.n; i++)
        matches[i] = a->items[i].match;
    int rc = dump_json(report_inventory_json(&a->inv, &a->cat, matches, with_files), out);
    free(matches);
    return rc;
}

void assay_inventory_free(assay_inventory *a)
{
    if (a == NULL)
        return;
    free(a->items);
    inventory_free(&a->inv);
    catalog_free(&a->cat);
    free(a);
}

/* ---- review ------------------------------------------------------------------------ */

int assay_review_run(const struct assay_review_options *opts, assay_review **out)
{
    *out = NULL;
    if (opts == NULL)
        return util_error(ASSAY_EINVAL, "invalid argument");
    struct review_options ro = {
        .root = opts->inventory.root,
        .policy = opts->policy,
        .catalog = opts->inventory.catalog,
        .host_tags = opts->host_tags,
        .host_tag_count = opts->host_tag_count,
        .today = POLICY_NO_DAY,
        .db = opts->db,
        .scan_paths = opts->scan_paths,
        .scan_path_count = opts->scan_path_count,
    };
    inv_options_from(&opts->inventory, &ro.inventory);
    if (opts->date != NULL && !policy_parse_date(opts->date, &ro.today))
        return util_error(ASSAY_EINVAL, "review date '%s' is not YYYY-MM-DD", opts->date);
    if (opts->scan != NULL)
        ro.scan = *opts->scan;
    else
        assay_scan_options_init(&ro.scan);
    assay_review *a = calloc(1, sizeof *a);
    if (a == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    int rc = review_run(&a->rv, &ro);
    if (rc != 0) {
        assay_review_free(a);
        return rc;
    }
    *out = a;
    return 0;
}

void assay_review_get_counts(const assay_review *a, struct assay_review_counts *out)
{
    memset(out, 0, sizeof *out);
    if (a == NULL)
        return;
    struct review_counts c;
    review_count(&a->rv, &c);
    out->items = c.items;
    out->attributed = c.attributed;
    out->excluded = c.excluded;
    out->review = c.review;
    out->allowed = c.allowed;
    out->malicious = c.malicious;
    out->overdue = c.overdue;
    out->replacement_missing = c.replacement_missing;
    out->problems = a->rv.problems.n;
}

int assay_review_write(const assay_review *a, const char *format, bool all_items, FILE *out)
{
    if (a == NULL || format == NULL || out == NULL)
        return util_error(ASSAY_EINVAL, "invalid argument");
    int rc;
    if (strcmp(format, "json") == 0)
        rc = report_review_jsonl(&a->rv, out, all_items);
    else if (strcmp(format, "sarif") == 0)
        rc = dump_json(report_sarif(&a->rv), out);
    else if (strcmp(format, "html") == 0)
        rc = report_html(&a->rv, out);
    else if (strcmp(format, "cyclonedx") == 0)
        rc = dump_json(report_cyclonedx(&a->rv.inv, &a->rv.catalog, a->rv.items.v, &a->rv), out);
    else if (strcmp(format, "spdx") == 0)
        rc = dump_json(report_spdx(&a->rv.inv, &a->rv.catalog, a->rv.items.v, &a->rv), out);
    else if (strcmp(format, "text") == 0) {
        review_print_text(&a->rv, out);
        rc = 0;
    } else
        return util_error(ASSAY_EINVAL, "unknown format '%s' (text, json, sarif, html, cyclonedx, spdx)", format);
    if (rc == 0 && ferror(out))
        rc = ASSAY_EIO;
    return rc != 0 ? util_error(rc, "cannot write the %s report", format) : 0;
}

int assay_review_record(const assay_review *a, const char *store, int64_t *run_id)
{
    if (a == NULL)
        return util_error(ASSAY_EINVAL, "invalid argument");
    return store_record_review(store ? store : store_default_path(), &a->rv, run_id);
}

void assay_review_free(assay_review *a)
{
    if (a == NULL)
        return;
    review_free(&a->rv);
    free(a);
}

int assay_store_diff(const char *store, const char *run1, const char *run2, bool json, FILE *out)
{
    return store_diff(store ? store : store_default_path(), run1, run2, json ? 1 : 0, out);
}

const char *assay_store_default_path(void)
{
    return store_default_path();
}
