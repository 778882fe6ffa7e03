/* store_diff.c — reading the review store (store.h; semantics: docs/store.md):
 * run forms resolved to run ids, two runs compared (`assay diff`) and the
 * recorded runs listed (`assay diff --list`). Opening and writing a store:
 * store.c.
 *
 * Diff: items are matched by (item_id, dup) — dup numbers repeated ids
 * within one run in inventory order — and malicious files by (path, rule).
 * The comparison is built as one JSON document; the text output renders it.
 *
 * Untrusted input: a store may come from another host, so any column may
 * hold NULL or another type, stored JSON that does not parse is left out,
 * and control characters are escaped in text output.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/inventory_report.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "util/error.h"

/* ---- queries on runs ---------------------------------------------------------------- */

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Prepare a query on run ids: ?1 = a, and ?2 = b when the query has a ?2. */
static int prepare_runs(struct store *s, const char *sql, int64_t a, int64_t b, sqlite3_stmt **st)
{
    int rc = store_prepare(s, sql, st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(*st, 1, a);
    if (sqlite3_bind_parameter_count(*st) >= 2)
        sqlite3_bind_int64(*st, 2, b);
    return 0;
}

/* Column 0 of the first row of a query on run id `a`; *found: a row came. */
static int query_first_id(struct store *s, const char *sql, int64_t a, bool *found, int64_t *value)
{
    sqlite3_stmt *st;
    int rc = prepare_runs(s, sql, a, 0, &st);
    if (rc != 0)
        return rc;
    rc = store_step_row(s, st, found);
    if (rc == 0 && *found)
        *value = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* Builds the JSON object of the current result row. */
typedef json_t *row_json_fn(sqlite3_stmt *st, bool with_report);

/* Append one object per row of a prepared query to the array `out`, then
 * finalize the query. */
static int collect_rows(struct store *s, sqlite3_stmt *st, row_json_fn *row_json, bool with_report, json_t *out)
{
    int rc = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(out, row_json(st, with_report)) != 0) {
            step = SQLITE_NOMEM;
            break;
        }
    if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

/* collect_rows of a query on two runs (?1 = a, ?2 = b). */
static int collect_run_rows(struct store *s, const char *sql, int64_t a, int64_t b, row_json_fn *row_json,
                            bool with_report, json_t *out)
{
    sqlite3_stmt *st;
    int rc = prepare_runs(s, sql, a, b, &st);
    return rc != 0 ? rc : collect_rows(s, st, row_json, with_report, out);
}

/* ---- run forms -------------------------------------------------------------------- */

static bool parse_count(const char *s, int64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    int64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return *s == '\0';
}

/* The id of the run `back` places before the newest (of `host`, or of all). */
static int nth_latest(struct store *s, const char *host, int64_t back, const char *spec, int64_t *id)
{
    sqlite3_stmt *st;
    int rc = store_prepare(s,
                           host != NULL ? "SELECT id FROM runs WHERE host = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2"
                                        : "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?2",
                           &st);
    if (rc != 0)
        return rc;
    if (host != NULL)
        store_bind_text(st, 1, host);
    sqlite3_bind_int64(st, 2, back);
    bool row;
    rc = store_step_row(s, st, &row);
    if (rc == 0 && row)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != 0 || row)
        return rc;
    if (host != NULL)
        return util_error(ASSAY_ENOTFOUND, "%s: no run '%s': host '%s' has fewer than %lld run%s in the store",
                          s->path, spec, host, (long long)back + 1, back == 0 ? "" : "s");
    return util_error(ASSAY_ENOTFOUND, "%s: no run '%s': the store holds fewer than %lld run%s", s->path, spec,
                      (long long)back + 1, back == 0 ? "" : "s");
}

static int run_exists(struct store *s, int64_t id, const char *spec)
{
    bool found;
    int64_t one;
    int rc = query_first_id(s, "SELECT 1 FROM runs WHERE id = ?1", id, &found, &one);
    if (rc == 0 && !found)
        rc = util_error(ASSAY_ENOTFOUND, "%s: no run %s in the store (assay diff --list shows the runs)", s->path,
                        spec);
    return rc;
}

/* "latest", "previous", "latest~N" after an optional "HOST@". */
static int resolve_relative(struct store *s, const char *spec, int64_t *id)
{
    const char *at = strrchr(spec, '@');
    const char *rel = at != NULL ? at + 1 : spec;
    int64_t back = -1;
    if (strcmp(rel, "latest") == 0)
        back = 0;
    else if (strcmp(rel, "previous") == 0)
        back = 1;
    else if (strncmp(rel, "latest~", 7) != 0 || !parse_count(rel + 7, &back))
        return util_error(ASSAY_EINVAL,
                          "'%s' is not a run: give a run id, latest, previous, latest~N, or HOST@ before one "
                          "of these",
                          spec);
    if (at == NULL)
        return nth_latest(s, NULL, back, spec, id);
    char *host = strndup(spec, (size_t)(at - spec));
    if (host == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    int rc = nth_latest(s, host, back, spec, id);
    free(host);
    return rc;
}

static int resolve_open(struct store *s, const char *spec, int64_t *id)
{
    if (parse_count(spec, id))
        return run_exists(s, *id, spec);
    return resolve_relative(s, spec, id);
}

/* The run of the same host recorded before `id`. */
static int run_before(struct store *s, int64_t id, int64_t *before)
{
    bool found;
    int rc = query_first_id(s,
                            "SELECT b.id FROM runs a JOIN runs b ON b.host = a.host AND b.id < a.id"
                            " WHERE a.id = ?1 ORDER BY b.id DESC LIMIT 1",
                            id, &found, before);
    if (rc == 0 && !found)
        rc = util_error(ASSAY_ENOTFOUND, "%s: run %lld is the first of its host: nothing to compare it with",
                        s->path, (long long)id);
    return rc;
}

/* Open an existing store that must hold runs (to resolve or compare them). */
static int open_with_runs(struct store *s, const char *path)
{
    bool empty;
    int rc = store_open_existing(s, path, &empty);
    if (rc == 0 && empty) {
        rc = util_error(ASSAY_ENOTFOUND, "%s: the store holds no runs yet", path);
        store_close(s);
    }
    return rc;
}

int store_resolve_run(const char *path, const char *spec, int64_t *run_id)
{
    struct store s;
    int rc = open_with_runs(&s, path);
    if (rc != 0)
        return rc;
    rc = resolve_open(&s, spec, run_id);
    store_close(&s);
    return rc;
}

/* ---- rows as JSON ----------------------------------------------------------------- */

/* Values from the store are bytes: non-UTF-8 goes through report_set_text. */
static void put_text(json_t *o, const char *key, const char *value)
{
    if (value != NULL)
        report_set_text(o, key, value);
}

/* put_text of columns 0 .. n-1 under keys[0 .. n-1]; a NULL key skips its column. */
static void put_text_columns(json_t *o, sqlite3_stmt *st, const char *const *keys, int n)
{
    for (int i = 0; i < n; i++)
        if (keys[i] != NULL)
            put_text(o, keys[i], col_text(st, i));
}

static void put_int_col(json_t *o, const char *key, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) != SQLITE_NULL)
        json_object_set_new(o, key, json_integer(sqlite3_column_int64(st, i)));
}

/* A stored report object, or nothing when it does not parse. */
static void put_report(json_t *o, const char *text)
{
    if (text == NULL)
        return;
    json_t *r = json_loads(text, 0, NULL);
    if (json_is_object(r))
        json_object_set_new(o, "report", r);
    else
        json_decref(r);
}

static json_t *column_value(sqlite3_stmt *st, int i, bool boolean)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    if (boolean)
        return json_boolean(sqlite3_column_int(st, i) != 0);
    json_t *holder = json_object();
    report_set_text(holder, "v", col_text(st, i));
    json_t *v = json_incref(json_object_get(holder, "v"));
    json_decref(holder);
    return v != NULL ? v : json_null();
}

/* {"from": column c, "to": column c + 1} */
static json_t *change_pair(sqlite3_stmt *st, int c, bool boolean)
{
    json_t *pair = json_object();
    json_object_set_new(pair, "from", column_value(st, c, boolean));
    json_object_set_new(pair, "to", column_value(st, c + 1, boolean));
    return pair;
}

static const char run_columns[] =
    "id, host, root, live, started, recorded, review_date, policy_name, policy_id, catalog_name,"
    " assay_version, host_tags, seconds, items, attributed, allowed, review, excluded, malicious, overdue,"
    " replacement_missing, problems, files_scanned, bytes_scanned";

/* A row of run_columns (with_report: unused, runs have no report). */
static json_t *run_row_json(sqlite3_stmt *st, bool with_report)
{
    static const char *const text_keys[] = {NULL,          "host",          "root",   NULL,     "started",
                                            "recorded",    "review_date",   "policy", "policy_id", "catalog",
                                            "assay_version"};
    static const char *const count_keys[] = {"items",   "attributed", "allowed",
                                             "review",  "excluded",   "malicious",
                                             "overdue", "replacement_missing", "errors",
                                             "files",   "bytes"};
    (void)with_report;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    put_text_columns(o, st, text_keys, 11);
    json_object_set_new(o, "live", json_boolean(sqlite3_column_int(st, 3) != 0));
    const char *tags = col_text(st, 11);
    json_t *t = tags != NULL ? json_loads(tags, 0, NULL) : NULL;
    json_object_set_new(o, "host_tags", json_is_array(t) ? t : json_array());
    if (t != NULL && !json_is_array(t))
        json_decref(t);
    json_object_set_new(o, "seconds", json_real(sqlite3_column_double(st, 12)));
    for (int i = 0; i < 11; i++)
        json_object_set_new(o, count_keys[i], json_integer(sqlite3_column_int64(st, 13 + i)));
    return o;
}

static int load_run(struct store *s, int64_t id, json_t **out)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM runs WHERE id = ?1", run_columns);
    sqlite3_stmt *st;
    int rc = prepare_runs(s, sql, id, 0, &st);
    if (rc != 0)
        return rc;
    bool row;
    rc = store_step_row(s, st, &row);
    if (rc == 0 && row)
        *out = run_row_json(st, false);
    else if (rc == 0)
        rc = util_error(ASSAY_ENOTFOUND, "%s: no run %lld", s->path, (long long)id);
    sqlite3_finalize(st);
    return rc == 0 && *out == NULL ? util_error(ASSAY_ENOMEM, "out of memory") : rc;
}

#define ITEM_COLUMNS(t)                                                                                    \
    t ".item_id, " t ".kind, " t ".name, " t ".version, " t ".publisher, " t ".path, " t ".vendor, " t    \
      ".product, " t ".strength, " t ".method, " t ".verdict, " t ".policy_entry, " t ".deadline_state, " t \
      ".deadline_days, " t ".deadline_date, " t ".replacement_required, " t ".replacement_present, " t      \
      ".json"

/* The keys of ITEM_COLUMNS' text columns; the changed query starts with the first three. */
static const char *const item_keys[] = {"id",     "kind",     "name",    "version", "publisher",
                                        "path",   "vendor",   "product", "strength", "method",
                                        "verdict", "policy_entry", "deadline_state"};

static json_t *item_row_json(sqlite3_stmt *st, bool with_report)
{
    json_t *o = json_object();
    put_text_columns(o, st, item_keys, 13);
    put_int_col(o, "deadline_days", st, 13);
    put_text(o, "deadline_date", col_text(st, 14));
    if (sqlite3_column_int(st, 15) != 0) {
        json_object_set_new(o, "replacement_required", json_true());
        json_object_set_new(o, "replacement_present", json_boolean(sqlite3_column_int(st, 16) != 0));
    }
    const char *verdict = col_text(st, 10);
    bool finding = verdict != NULL && (strcmp(verdict, "excluded") == 0 || strcmp(verdict, "review") == 0);
    if (with_report && finding)
        put_report(o, col_text(st, 17));
    return o;
}

/* Rows of one run's items (?1) whose (item_id, dup) the other run (?2) lacks. */
static const char items_only_in_sql[] =
    "SELECT " ITEM_COLUMNS("b") " FROM items b WHERE b.run_id = ?1 AND NOT EXISTS"
    " (SELECT 1 FROM items a WHERE a.run_id = ?2 AND a.item_id = b.item_id"
    " AND a.dup = b.dup) ORDER BY b.kind, b.item_id, b.dup";

/* The fields whose change makes an item "changed" (docs/store.md). The
 * policy's follow-ups (deadline state, replacement) count only while the
 * item is covered in both runs: otherwise the verdict change says it. */
static const struct {
    const char *name;
    int column;       /* in the changed query: a at column, b at column + 1 */
    bool both_set;    /* compared only when neither side is NULL */
} changed_fields[] = {
    {"version", 3, false},        {"verdict", 5, false}, {"vendor", 7, false}, {"product", 9, false},
    {"deadline_state", 11, true}, {"replacement_present", 13, true},
};

/* Items in both runs (a: ?1, b: ?2) with a changed field. */
static const char items_changed_sql[] =
    "SELECT a.item_id, a.kind, b.name, a.version, b.version, a.verdict, b.verdict, a.vendor, b.vendor,"
    " a.product, b.product, a.deadline_state, b.deadline_state, a.replacement_present, b.replacement_present"
    " FROM items a JOIN items b ON b.run_id = ?2 AND b.item_id = a.item_id AND b.dup = a.dup"
    " WHERE a.run_id = ?1 AND (a.version IS NOT b.version OR a.verdict IS NOT b.verdict"
    " OR a.vendor IS NOT b.vendor OR a.product IS NOT b.product OR a.deadline_state <> b.deadline_state"
    " OR a.replacement_present <> b.replacement_present)"
    " ORDER BY a.kind, a.item_id, a.dup";

static bool same_column(sqlite3_stmt *st, int a, int b)
{
    int type = sqlite3_column_type(st, a);
    if (type != sqlite3_column_type(st, b))
        return false;
    if (type == SQLITE_NULL)
        return true;
    if (type == SQLITE_INTEGER)
        return sqlite3_column_int64(st, a) == sqlite3_column_int64(st, b);
    int n = sqlite3_column_bytes(st, a);
    return n == sqlite3_column_bytes(st, b) &&
           (n == 0 || memcmp(sqlite3_column_blob(st, a), sqlite3_column_blob(st, b), (size_t)n) == 0);
}

/* A row of items_changed_sql (with_report: unused, changes carry no report). */
static json_t *changed_row_json(sqlite3_stmt *st, bool with_report)
{
    (void)with_report;
    json_t *o = json_object();
    put_text_columns(o, st, item_keys, 3);
    json_t *changes = json_object();
    for (size_t f = 0; f < sizeof changed_fields / sizeof changed_fields[0]; f++) {
        int c = changed_fields[f].column;
        bool boolean = strcmp(changed_fields[f].name, "replacement_present") == 0;
        bool unset = sqlite3_column_type(st, c) == SQLITE_NULL || sqlite3_column_type(st, c + 1) == SQLITE_NULL;
        if (same_column(st, c, c + 1) || (changed_fields[f].both_set && unset))
            continue;
        json_object_set_new(changes, changed_fields[f].name, change_pair(st, c, boolean));
    }
    json_object_set_new(o, "changes", changes);
    put_text(o, "verdict", col_text(st, 6));
    return o;
}

/* The keys of a malicious file's first columns in both malicious queries. */
static const char *const malicious_keys[] = {"path", "rule", "engine", "sha256", "part_of"};

static json_t *malicious_row_json(sqlite3_stmt *st, bool with_report)
{
    json_t *o = json_object();
    put_text_columns(o, st, malicious_keys, 5);
    if (with_report)
        put_report(o, col_text(st, 5));
    return o;
}

/* Malicious files of one run (?1) whose (path, rule) the other run (?2) lacks. */
static const char malicious_only_in_sql[] =
    "SELECT b.path, b.rule, b.engine, b.sha256, b.owner_item_id, b.json FROM malicious b"
    " WHERE b.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM malicious a WHERE a.run_id = ?2"
    " AND a.path = b.path AND a.rule = b.rule) ORDER BY b.path, b.rule";

/* A row of malicious_changed_sql (with_report: unused). */
static json_t *malicious_changed_row_json(sqlite3_stmt *st, bool with_report)
{
    (void)with_report;
    json_t *o = json_object();
    put_text_columns(o, st, malicious_keys, 3);
    json_t *changes = json_object();
    json_object_set_new(changes, "sha256", change_pair(st, 3, false));
    json_object_set_new(o, "changes", changes);
    return o;
}

/* Same (path, rule) in both runs (a: ?1, b: ?2) but other bytes: the file was rewritten. */
static const char malicious_changed_sql[] =
    "SELECT DISTINCT b.path, b.rule, b.engine, a.sha256, b.sha256 FROM malicious a JOIN malicious b"
    " ON b.run_id = ?2 AND b.path = a.path AND b.rule = a.rule"
    " WHERE a.run_id = ?1 AND a.sha256 IS NOT b.sha256 ORDER BY b.path, b.rule";

/* ---- the diff document ------------------------------------------------------------- */

/* {"appeared": [], "removed": [], "changed": []} */
static json_t *change_set(void)
{
    json_t *o = json_object();
    json_object_set_new(o, "appeared", json_array());
    json_object_set_new(o, "removed", json_array());
    json_object_set_new(o, "changed", json_array());
    return o;
}

static size_t set_count(json_t *set, const char *key)
{
    return json_array_size(json_object_get(set, key));
}

static bool same_text(json_t *a, json_t *b, const char *key)
{
    const char *x = json_string_value(json_object_get(a, key));
    const char *y = json_string_value(json_object_get(b, key));
    return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

/* Warnings about comparing unlike runs. */
static json_t *diff_warnings(json_t *r1, json_t *r2)
{
    json_t *w = json_array();
    if (!same_text(r1, r2, "host"))
        json_array_append_new(w, json_string("the runs are of different hosts: items of one host appear as "
                                             "removed or appeared against the other"));
    else if (!same_text(r1, r2, "root"))
        json_array_append_new(w, json_string("the runs reviewed different roots"));
    if (!same_text(r1, r2, "policy") || !same_text(r1, r2, "policy_id"))
        json_array_append_new(w, json_string("the runs used different policies: verdict changes may come from "
                                             "the policy, not the host"));
    if (!same_text(r1, r2, "catalog"))
        json_array_append_new(w, json_string("the runs used different vendor catalogs: attribution changes may "
                                             "come from the catalog"));
    return w;
}

/* Appeared: in b, not in a; removed: in a, not in b; changed: in both, different. */
static int fill_changes(struct store *s, int64_t a, int64_t b, bool with_reports, json_t *items, json_t *mal)
{
    int rc = collect_run_rows(s, items_only_in_sql, b, a, item_row_json, with_reports,
                              json_object_get(items, "appeared"));
    if (rc == 0)
        rc = collect_run_rows(s, items_only_in_sql, a, b, item_row_json, with_reports,
                              json_object_get(items, "removed"));
    if (rc == 0)
        rc = collect_run_rows(s, items_changed_sql, a, b, changed_row_json, false, json_object_get(items, "changed"));
    if (rc == 0)
        rc = collect_run_rows(s, malicious_only_in_sql, b, a, malicious_row_json, with_reports,
                              json_object_get(mal, "appeared"));
    if (rc == 0)
        rc = collect_run_rows(s, malicious_only_in_sql, a, b, malicious_row_json, with_reports,
                              json_object_get(mal, "removed"));
    if (rc == 0)
        rc = collect_run_rows(s, malicious_changed_sql, a, b, malicious_changed_row_json, false,
                              json_object_get(mal, "changed"));
    return rc;
}

static json_t *counts_json(json_t *items, json_t *mal, bool *different)
{
    static const char *const kinds[] = {"appeared", "removed", "changed"};
    json_t *c = json_object();
    size_t total = 0;
    for (size_t i = 0; i < 3; i++) {
        char key[32];
        snprintf(key, sizeof key, "items_%s", kinds[i]);
        json_object_set_new(c, key, json_integer((json_int_t)set_count(items, kinds[i])));
        snprintf(key, sizeof key, "malicious_%s", kinds[i]);
        json_object_set_new(c, key, json_integer((json_int_t)set_count(mal, kinds[i])));
        total += set_count(items, kinds[i]) + set_count(mal, kinds[i]);
    }
    *different = total > 0;
    return c;
}

static int build_diff(struct store *s, int64_t a, int64_t b, bool with_reports, json_t **doc, int *different)
{
    json_t *r1 = NULL, *r2 = NULL;
    int rc = load_run(s, a, &r1);
    if (rc == 0)
        rc = load_run(s, b, &r2);
    json_t *items = change_set(), *mal = change_set();
    if (rc == 0)
        rc = fill_changes(s, a, b, with_reports, items, mal);
    if (rc != 0) {
        json_decref(r1);
        json_decref(r2);
        json_decref(items);
        json_decref(mal);
        return rc;
    }
    bool diff;
    json_t *d = json_object();
    json_object_set_new(d, "type", json_string("diff"));
    report_set_text(d, "store", s->path);
    json_object_set_new(d, "from", r1);
    json_object_set_new(d, "to", r2);
    json_object_set_new(d, "warnings", diff_warnings(r1, r2));
    json_object_set_new(d, "counts", counts_json(items, mal, &diff));
    json_object_set_new(d, "different", json_boolean(diff));
    json_object_set_new(d, "items", items);
    json_object_set_new(d, "malicious", mal);
    *doc = d;
    *different = diff;
    return 0;
}

static int resolve_pair(struct store *s, const char *run1, const char *run2, int64_t *a, int64_t *b)
{
    int rc = resolve_open(s, run2 != NULL ? run2 : "latest", b);
    if (rc == 0)
        rc = run1 != NULL ? resolve_open(s, run1, a) : run_before(s, *b, a);
    return rc;
}

int store_diff_doc(const char *path, const char *run1, const char *run2, int with_reports, json_t **doc,
                   int *different)
{
    *doc = NULL;
    *different = 0;
    struct store s;
    int rc = open_with_runs(&s, path);
    if (rc != 0)
        return rc;
    int64_t a = 0, b = 0;
    rc = resolve_pair(&s, run1, run2, &a, &b);
    /* one read transaction: both runs seen in the same state */
    if (rc == 0 && (rc = store_exec(&s, "BEGIN")) == 0) {
        rc = build_diff(&s, a, b, with_reports != 0, doc, different);
        sqlite3_exec(s.db, "COMMIT", NULL, NULL, NULL);
    }
    store_close(&s);
    return rc;
}

/* ---- text output ------------------------------------------------------------------ */

/* Print store values with control characters escaped: names in a store come
 * from the reviewed host and must not drive the terminal. */
static void put_clean(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
}

/* put_clean, then spaces up to `width` bytes of the value. */
static void put_padded(FILE *out, const char *s, size_t width)
{
    put_clean(out, s);
    for (size_t n = strlen(s); n < width; n++)
        fputc(' ', out);
}

/* `prefix` and the value when there is one; says whether it printed. */
static bool put_labelled(FILE *out, const char *prefix, const char *value)
{
    if (value == NULL)
        return false;
    fputs(prefix, out);
    put_clean(out, value);
    return true;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* jstr, or `absent` when the key holds no string. */
static const char *jstr_or(json_t *o, const char *key, const char *absent)
{
    const char *s = jstr(o, key);
    return s != NULL ? s : absent;
}

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* One JSON document as `--json` prints it; `what` names it in the error. */
static int write_json_doc(FILE *out, json_t *doc, const char *what)
{
    int rc = 0;
    if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) != 0)
        rc = util_error(ASSAY_EIO, "cannot write the %s", what);
    fputc('\n', out);
    return rc;
}

static void print_run_line(FILE *out, char marker, json_t *run)
{
    fprintf(out, "%c run %lld  ", marker, jint(run, "id"));
    put_clean(out, jstr_or(run, "started", "?"));
    fputs("  host ", out);
    put_clean(out, jstr(run, "host"));
    fputs("  root ", out);
    put_clean(out, jstr(run, "root"));
    fprintf(out, "  %lld items, %lld excluded, %lld review, %lld malicious, %lld errors", jint(run, "items"),
            jint(run, "excluded"), jint(run, "review"), jint(run, "malicious"), jint(run, "errors"));
    put_labelled(out, "  policy ", jstr(run, "policy"));
    fputc('\n', out);
}

static void print_deadline(FILE *out, json_t *it)
{
    const char *state = jstr(it, "deadline_state");
    long long days = jint(it, "deadline_days");
    if (state == NULL || strcmp(state, "none") == 0)
        return;
    if (strcmp(state, "due") == 0)
        fprintf(out, ", due in %lld days", days);
    else if (strcmp(state, "overdue") == 0)
        fprintf(out, ", overdue by %lld days", days);
    else
        fprintf(out, ", not yet effective (in %lld days)", days);
}

/* "KIND ID  NAME" of an item. */
static void print_item_subject(FILE *out, json_t *it)
{
    put_clean(out, jstr(it, "kind"));
    fputc(' ', out);
    put_clean(out, jstr(it, "id"));
    fputs("  ", out);
    put_clean(out, jstr(it, "name"));
}

static void print_item(FILE *out, char marker, json_t *it)
{
    fprintf(out, "%c [", marker);
    put_clean(out, jstr_or(it, "verdict", "?"));
    fputs("] ", out);
    print_item_subject(out, it);
    put_labelled(out, " ", jstr(it, "version"));
    if (put_labelled(out, "  vendor ", jstr(it, "vendor")))
        put_labelled(out, "/", jstr(it, "product"));
    if (put_labelled(out, "  (entry ", jstr(it, "policy_entry"))) {
        print_deadline(out, it);
        if (json_is_true(json_object_get(it, "replacement_required")))
            fputs(json_is_true(json_object_get(it, "replacement_present")) ? ", replacement present"
                                                                           : ", replacement missing",
                  out);
        fputc(')', out);
    }
    fputc('\n', out);
}

static void print_value(FILE *out, json_t *v)
{
    if (json_is_string(v))
        put_clean(out, json_string_value(v));
    else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "yes" : "no", out);
    else
        fputs("(none)", out);
}

static void print_changes(FILE *out, json_t *changes)
{
    const char *field;
    json_t *pair;
    bool first = true;
    json_object_foreach(changes, field, pair) {
        fprintf(out, "%s%s ", first ? "  " : "; ", field);
        print_value(out, json_object_get(pair, "from"));
        fputs(" -> ", out);
        print_value(out, json_object_get(pair, "to"));
        first = false;
    }
}

static void print_changed_item(FILE *out, json_t *it)
{
    fputs("~ ", out);
    print_item_subject(out, it);
    print_changes(out, json_object_get(it, "changes"));
    fputc('\n', out);
}

static void print_malicious(FILE *out, char marker, json_t *m)
{
    fprintf(out, "%c ", marker);
    put_clean(out, jstr(m, "path"));
    fputs("  ", out);
    put_clean(out, jstr(m, "rule"));
    if (put_labelled(out, " (", jstr(m, "engine")))
        fputc(')', out);
    put_labelled(out, "  part of ", jstr(m, "part_of"));
    print_changes(out, json_object_get(m, "changes"));
    fputc('\n', out);
}

static void print_set(FILE *out, const char *title, json_t *set, bool items)
{
    fprintf(out, "\n%s: %zu appeared, %zu removed, %zu changed\n", title, set_count(set, "appeared"),
            set_count(set, "removed"), set_count(set, "changed"));
    static const char markers[] = {'+', '-', '~'};
    static const char *const keys[] = {"appeared", "removed", "changed"};
    for (size_t k = 0; k < 3; k++) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(set, keys[k]), i, e) {
            if (!items)
                print_malicious(out, markers[k], e);
            else if (k == 2)
                print_changed_item(out, e);
            else
                print_item(out, markers[k], e);
        }
    }
}

static void print_diff_text(FILE *out, json_t *doc)
{
    print_run_line(out, '-', json_object_get(doc, "from"));
    print_run_line(out, '+', json_object_get(doc, "to"));
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(doc, "warnings"), i, w) fprintf(out, "warning: %s\n", json_string_value(w));
    if (!json_is_true(json_object_get(doc, "different"))) {
        fputs("\nno differences\n", out);
        return;
    }
    print_set(out, "items", json_object_get(doc, "items"), true);
    print_set(out, "malicious files", json_object_get(doc, "malicious"), false);
}

int store_diff(const char *path, const char *run1, const char *run2, int json, FILE *out)
{
    json_t *doc;
    int different;
    int rc = store_diff_doc(path, run1, run2, json, &doc, &different);
    if (rc != 0)
        return rc;
    if (json)
        rc = write_json_doc(out, doc, "diff");
    else
        print_diff_text(out, doc);
    json_decref(doc);
    if (rc == 0 && ferror(out))
        rc = util_error(ASSAY_EIO, "cannot write the diff");
    return rc != 0 ? rc : different != 0;
}

/* ---- listing runs ----------------------------------------------------------------- */

static void print_list_header(FILE *out)
{
    fprintf(out, "%6s  %-20s  %-20s  %7s  %8s  %6s  %9s  %6s  %s\n", "run", "started", "host", "items", "excluded",
            "review", "malicious", "errors", "policy");
}

static void print_list_row(FILE *out, json_t *r)
{
    fprintf(out, "%6lld  ", jint(r, "id"));
    put_padded(out, jstr_or(r, "started", "?"), 20);
    fputs("  ", out);
    put_padded(out, jstr_or(r, "host", ""), 20);
    fprintf(out, "  %7lld  %8lld  %6lld  %9lld  %6lld  ", jint(r, "items"), jint(r, "excluded"), jint(r, "review"),
            jint(r, "malicious"), jint(r, "errors"));
    put_clean(out, jstr_or(r, "policy", "-"));
    fputc('\n', out);
}

static int collect_runs(struct store *s, const char *host, json_t *runs)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM runs %s ORDER BY id DESC", run_columns,
             host != NULL ? "WHERE host = ?1" : "");
    sqlite3_stmt *st;
    int rc = store_prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    if (host != NULL)
        store_bind_text(st, 1, host);
    return collect_rows(s, st, run_row_json, false, runs);
}

int store_list_runs(const char *path, const char *host, int json, FILE *out)
{
    struct store s;
    bool empty;
    int rc = store_open_existing(&s, path, &empty);
    if (rc != 0)
        return rc;
    json_t *runs = json_array();
    if (!empty)
        rc = collect_runs(&s, host, runs);
    store_close(&s);
    if (rc == 0 && json) {
        json_t *doc = json_object();
        json_object_set_new(doc, "type", json_string("runs"));
        report_set_text(doc, "store", path);
        json_object_set_new(doc, "runs", json_incref(runs));
        rc = write_json_doc(out, doc, "list");
        json_decref(doc);
    } else if (rc == 0) {
        print_list_header(out);
        size_t i;
        json_t *r;
        json_array_foreach(runs, i, r) print_list_row(out, r);
        if (json_array_size(runs) == 0)
            fputs("(no runs)\n", out);
    }
    json_decref(runs);
    return rc;
}

int store_list(const char *path, FILE *out)
{
    return store_list_runs(path, NULL, 0, out);
}
