/* test_store.c — the review store (store/store.c): runs built by hand (an
 * inventory of a temporary root, items with verdicts, attribution and a
 * policy entry, a malicious file, a problem) recorded into a temporary
 * store; the tables and rows checked with SQLite directly; two runs
 * compared (item appeared, removed, version and verdict changed, malicious
 * file new and gone) as a document, JSON and text; the run forms; files
 * that are not a store (random bytes, another program's database, a
 * damaged store) and a store of a future schema version refused with
 * ASSAY_EFORMAT; a writer waiting for another's lock; 10k items timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assay.h"
#include "store/store.h"

/* ---- a temporary folder: the root to inventory and the store --------------------- */

static char dir[256];
static char store_path[300];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/assay-store.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(store_path, sizeof store_path, "%s/sub/s.sqlite", dir);
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- reviews built by hand --------------------------------------------------------- */

static struct catalog_vendor vendor = {.id = "kaspersky", .name = "Kaspersky"};
static struct catalog_product product = {.id = "kesl", .name = "Kaspersky Endpoint Security for Linux",
                                         .category = "endpoint-protection"};
static struct catalog_fact fact = {.value = "kesl", .source = "vendor-site", .line = 3};
static struct policy_entry entry = {
    .id = "bod-17-01",
    .title = "Remove the vendor's products",
    .verdict = POLICY_EXCLUDE,
    .effective = POLICY_NO_DAY,
    .deadline = POLICY_NO_DAY,
    .deadline_days = -1,
    .replacement = {.present = true, .category = POLICY_CAT_ENDPOINT_PROTECTION},
};

/* One item of a hand-made run. */
struct spec {
    const char *id, *name, *version;
    uint8_t verdict;       /* RV_ALLOWED / RV_REVIEW / RV_EXCLUDED */
    bool vendor;           /* attributed to kaspersky/kesl */
    uint8_t deadline;      /* enum policy_deadline_state when covered */
    bool replacement_present;
};

struct mal_spec {
    const char *path, *rule, *sha256;
};

static void add_item(struct review *rv, const struct spec *s)
{
    struct inv_item *it = inv_item_new(&rv->inv, INV_PACKAGE, "dpkg");
    assert_non_null(it);
    it->id = inv_strdup(&rv->inv, s->id);
    it->name = inv_strdup(&rv->inv, s->name);
    it->version = inv_strdup(&rv->inv, s->version);
    it->path = inv_printf(&rv->inv, "/usr/share/doc/%s", s->name);
    assert_int_equal(inv_evidence_add(&rv->inv, it, "package.name", s->name, "/var/lib/dpkg/status", "line 1",
                                      INV_MEDIUM),
                     0);
    struct review_item ri = {.item = it, .verdict = s->verdict, .replacement_index = SIZE_MAX};
    if (s->vendor) {
        ri.attributed = true;
        ri.match.vendor = &vendor;
        ri.match.product = &product;
        ri.match.strength = INV_MEDIUM;
        ri.match.nreasons = 1;
        ri.match.reasons[0] = (struct catalog_reason){0, CF_PACKAGE_NAME, &fact, INV_MEDIUM};
    }
    if (s->verdict != RV_ALLOWED) {
        ri.covered = true;
        ri.policy.hit.entry = &entry;
        ri.policy.hit.basis = POLICY_BY_PRODUCT;
        ri.policy.hit.evidence = -1;
        ri.policy.hit.strength = INV_MEDIUM;
        ri.policy.hit.deadline = (struct policy_deadline){s->deadline, 10, policy_day_from_civil(2026, 1, 25)};
        ri.policy.matching = 1;
        ri.policy.replacement = &entry;
        ri.replacement_required = true;
        ri.replacement_present = s->replacement_present;
    }
    assert_int_equal(util_vec_push(&rv->items, ri), 0);
}

static void add_malicious(struct review *rv, const struct mal_spec *m)
{
    struct review_malicious x = {.path = m->path, .rule = m->rule, .engine = "clamav",
                                 .source_file = "main.hdb", .source_line = 7, .sha256 = m->sha256, .size = 68};
    struct review_evidence e = {.kind = "hash", .hash_algorithm = "sha256", .hash_value = m->sha256,
                                .strength = INV_STRONG};
    assert_int_equal(util_vec_push(&x.evidence, e), 0);
    for (size_t i = 0; i < rv->inv.items.n; i++)
        if (rv->inv.items.v[i]->path != NULL && strncmp(m->path, rv->inv.items.v[i]->path,
                                                          strlen(rv->inv.items.v[i]->path)) == 0) {
            x.owner = rv->inv.items.v[i];
            rv->items.v[i].malicious_files++;
        }
    assert_int_equal(util_vec_push(&rv->malicious, x), 0);
}

static void make_review(struct review *rv, const char *host, const struct spec *items, size_t n,
                        const struct mal_spec *mal, size_t nmal)
{
    memset(rv, 0, sizeof *rv);
    assert_int_equal(inventory_init(&rv->inv, dir), 0);
    rv->host = host;
    rv->policy.name = "test-policy.yaml";
    rv->policy.id = "test";
    rv->catalog.name = "test-catalog.yaml";
    rv->ctx.today = policy_day_from_civil(2026, 1, 15);
    snprintf(rv->started, sizeof rv->started, "2026-01-15T10:00:00Z");
    rv->seconds = 0.25;
    for (size_t i = 0; i < n; i++)
        add_item(rv, &items[i]);
    for (size_t i = 0; i < nmal; i++)
        add_malicious(rv, &mal[i]);
    struct review_problem p = {"/var/lib/rpm/rpmdb.sqlite", "EIO", "cannot read"};
    assert_int_equal(util_vec_push(&rv->problems, p), 0);
}

static void free_review(struct review *rv)
{
    for (size_t i = 0; i < rv->malicious.n; i++)
        util_vec_free(&rv->malicious.v[i].evidence);
    util_vec_free(&rv->malicious);
    util_vec_free(&rv->items);
    util_vec_free(&rv->problems);
    inventory_free(&rv->inv);
    util_arena_free(&rv->arena);
}

static const struct spec run1_items[] = {
    {"dpkg:foo", "foo", "1.0", RV_ALLOWED, false, 0, false},
    {"dpkg:kesl", "kesl", "11.0", RV_EXCLUDED, true, POLICY_DUE, false},
    {"dpkg:old", "old", "0.9", RV_ALLOWED, false, 0, false},
    {"dpkg:tool", "tool", "2.0", RV_ALLOWED, false, 0, false},
};
static const struct mal_spec run1_mal[] = {
    {"/usr/share/doc/foo/x.bin", "Eicar-Test-Signature", "aa11"},
    {"/srv/same.exe", "Same-Rule", "bb22"},
};
/* foo upgraded, old removed, bar new, tool now under review, kesl overdue
 * with its replacement present; x.bin gone, new.exe new, same.exe rewritten */
static const struct spec run2_items[] = {
    {"dpkg:foo", "foo", "1.1", RV_ALLOWED, false, 0, false},
    {"dpkg:kesl", "kesl", "11.0", RV_EXCLUDED, true, POLICY_OVERDUE, true},
    {"dpkg:bar", "bar", "3.0", RV_ALLOWED, false, 0, false},
    {"dpkg:tool", "tool", "2.0", RV_REVIEW, false, POLICY_DUE, false},
};
static const struct mal_spec run2_mal[] = {
    {"/tmp/new.exe", "Win.Trojan.Test", "cc33"},
    {"/srv/same.exe", "Same-Rule", "dd44"},
};

static int64_t record(const char *host, const struct spec *items, size_t n, const struct mal_spec *mal,
                      size_t nmal)
{
    struct review rv;
    make_review(&rv, host, items, n, mal, nmal);
    int64_t id = -1;
    int rc = store_record_review(store_path, &rv, &id);
    if (rc != 0)
        fail_msg("record: %s", assay_last_error());
    free_review(&rv);
    return id;
}

static void record_two_runs(void)
{
    assert_int_equal(record("web1", run1_items, 4, run1_mal, 2), 1);
    assert_int_equal(record("web1", run2_items, 4, run2_mal, 2), 2);
}

/* ---- looking into the file ------------------------------------------------------- */

static int64_t sql_int(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(store_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The first column of the first row as text (static buffer; "(null)" for NULL). */
static const char *sql_text(const char *sql)
{
    static char buf[4096];
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(store_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(st, 0);
    snprintf(buf, sizeof buf, "%s", t ? t : "(null)");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

static void sql_exec(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(store_path, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* ---- tests ------------------------------------------------------------------------ */

static void default_path(void **state)
{
    (void)state;
    /* computed once per process: only the $ASSAY_STORE case can be checked here */
    setenv("ASSAY_STORE", "/tmp/elsewhere/x.sqlite", 1);
    assert_string_equal(store_default_path(), "/tmp/elsewhere/x.sqlite");
    unsetenv("ASSAY_STORE");
}

static void record_tables_and_rows(void **state)
{
    (void)state;
    assert_int_equal(record("web1", run1_items, 4, run1_mal, 2), 1);
    struct stat sb;
    assert_int_equal(stat(store_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char sub[400];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_int_equal(stat(sub, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);

    assert_int_equal(sql_int("PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(sql_int("PRAGMA application_id"), STORE_APPLICATION_ID);
    assert_string_equal(sql_text("PRAGMA journal_mode"), "wal");
    assert_int_equal(sql_int("SELECT count(*) FROM runs"), 1);
    assert_string_equal(sql_text("SELECT host FROM runs"), "web1");
    assert_string_equal(sql_text("SELECT root FROM runs"), dir);
    assert_string_equal(sql_text("SELECT started FROM runs"), "2026-01-15T10:00:00Z");
    assert_string_equal(sql_text("SELECT review_date FROM runs"), "2026-01-15");
    assert_string_equal(sql_text("SELECT policy_name || ' ' || policy_id || ' ' || catalog_name FROM runs"),
                        "test-policy.yaml test test-catalog.yaml");
    assert_string_equal(sql_text("SELECT assay_version FROM runs"), ASSAY_VERSION);
    assert_string_equal(sql_text("SELECT items || '/' || excluded || '/' || allowed || '/' || malicious || '/' ||"
                                 " problems || '/' || replacement_missing FROM runs"),
                        "4/1/3/2/1/1");

    assert_int_equal(sql_int("SELECT count(*) FROM items WHERE run_id = 1"), 4);
    assert_string_equal(sql_text("SELECT kind || ' ' || collector || ' ' || name || ' ' || version || ' ' || path"
                                 " FROM items WHERE item_id = 'dpkg:foo'"),
                        "package dpkg foo 1.0 /usr/share/doc/foo");
    assert_string_equal(sql_text("SELECT vendor || '/' || product || ' ' || strength || ' ' || method || ' ' ||"
                                 " verdict || ' ' || policy_entry || ' ' || deadline_state || ' ' ||"
                                 " deadline_days || ' ' || deadline_date || ' ' || replacement_required ||"
                                 " replacement_present FROM items WHERE item_id = 'dpkg:kesl'"),
                        "kaspersky/kesl medium package.name excluded bod-17-01 due 10 2026-01-25 10");
    /* findings keep their report object; plain allowed items do not */
    assert_string_equal(sql_text("SELECT json_extract(json, '$.verdict') || ' ' ||"
                                 " json_extract(json, '$.policy.entry') || ' ' ||"
                                 " json_extract(json, '$.attribution.vendor') FROM items WHERE item_id = 'dpkg:kesl'"),
                        "excluded bod-17-01 kaspersky");
    assert_string_equal(sql_text("SELECT json FROM items WHERE item_id = 'dpkg:old'"), "(null)");
    /* foo owns a malicious file: its report is kept */
    assert_string_equal(sql_text("SELECT malicious_files || ' ' || (json IS NOT NULL) FROM items"
                                 " WHERE item_id = 'dpkg:foo'"),
                        "1 1");

    assert_int_equal(sql_int("SELECT count(*) FROM malicious WHERE run_id = 1"), 2);
    assert_string_equal(sql_text("SELECT rule || ' ' || engine || ' ' || sha256 || ' ' || owner_item_id || ' ' ||"
                                 " json_extract(json, '$.verdict') FROM malicious WHERE path LIKE '%x.bin'"),
                        "Eicar-Test-Signature clamav aa11 dpkg:foo malicious");
    assert_string_equal(sql_text("SELECT path || ' ' || code || ' ' || message FROM problems"),
                        "/var/lib/rpm/rpmdb.sqlite EIO cannot read");

    /* a second run appends */
    assert_int_equal(record("web1", run2_items, 4, run2_mal, 2), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM runs"), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM items"), 8);
}

static json_t *get_path(json_t *doc, const char *a, const char *b)
{
    return json_object_get(json_object_get(doc, a), b);
}

/* The entry of array `arr` whose `key` is `value`, or NULL. */
static json_t *find(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e) {
        const char *v = json_string_value(json_object_get(e, key));
        if (v != NULL && strcmp(v, value) == 0)
            return e;
    }
    return NULL;
}

static const char *change(json_t *e, const char *field, const char *end)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(e, "changes"), field), end));
}

static void diff_document(void **state)
{
    (void)state;
    record_two_runs();
    json_t *doc;
    int different;
    if (store_diff_doc(store_path, "1", "2", 1, &doc, &different) != 0)
        fail_msg("%s", assay_last_error());
    assert_true(different);
    assert_int_equal(json_integer_value(get_path(doc, "from", "id")), 1);
    assert_int_equal(json_integer_value(get_path(doc, "to", "id")), 2);
    assert_int_equal(json_array_size(json_object_get(doc, "warnings")), 0);

    json_t *items = json_object_get(doc, "items");
    json_t *appeared = json_object_get(items, "appeared");
    json_t *removed = json_object_get(items, "removed");
    json_t *changed = json_object_get(items, "changed");
    assert_int_equal(json_array_size(appeared), 1);
    assert_non_null(find(appeared, "id", "dpkg:bar"));
    assert_string_equal(json_string_value(json_object_get(find(appeared, "id", "dpkg:bar"), "version")), "3.0");
    assert_int_equal(json_array_size(removed), 1);
    assert_non_null(find(removed, "id", "dpkg:old"));
    assert_int_equal(json_array_size(changed), 3);
    json_t *foo = find(changed, "id", "dpkg:foo");
    assert_non_null(foo);
    assert_string_equal(change(foo, "version", "from"), "1.0");
    assert_string_equal(change(foo, "version", "to"), "1.1");
    assert_int_equal(json_object_size(json_object_get(foo, "changes")), 1);
    json_t *tool = find(changed, "id", "dpkg:tool");
    assert_string_equal(change(tool, "verdict", "from"), "allowed");
    assert_string_equal(change(tool, "verdict", "to"), "review");
    json_t *kesl = find(changed, "id", "dpkg:kesl");
    assert_string_equal(change(kesl, "deadline_state", "from"), "due");
    assert_string_equal(change(kesl, "deadline_state", "to"), "overdue");
    assert_true(json_is_true(get_path(json_object_get(kesl, "changes"), "replacement_present", "to")));

    json_t *mal = json_object_get(doc, "malicious");
    assert_int_equal(json_array_size(json_object_get(mal, "appeared")), 1);
    json_t *m = find(json_object_get(mal, "appeared"), "path", "/tmp/new.exe");
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "rule")), "Win.Trojan.Test");
    assert_string_equal(json_string_value(get_path(m, "report", "verdict")), "malicious");
    assert_int_equal(json_array_size(json_object_get(mal, "removed")), 1);
    assert_non_null(find(json_object_get(mal, "removed"), "path", "/usr/share/doc/foo/x.bin"));
    json_t *same = find(json_object_get(mal, "changed"), "path", "/srv/same.exe");
    assert_string_equal(change(same, "sha256", "to"), "dd44");
    assert_int_equal(json_integer_value(get_path(doc, "counts", "items_changed")), 3);
    json_decref(doc);

    /* a run against itself */
    assert_int_equal(store_diff_doc(store_path, "2", "2", 0, &doc, &different), 0);
    assert_false(different);
    json_decref(doc);
}

static char *capture_diff(const char *run1, const char *run2, int json, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    *rc = store_diff(store_path, run1, run2, json, f);
    fclose(f);
    return text;
}

static void diff_text_and_json(void **state)
{
    (void)state;
    record_two_runs();
    int rc;
    char *text = capture_diff("1", "2", 0, &rc);
    assert_int_equal(rc, 1);
    const char *want[] = {
        "- run 1  2026-01-15T10:00:00Z  host web1",
        "+ run 2  2026-01-15T10:00:00Z  host web1",
        "items: 1 appeared, 1 removed, 3 changed\n",
        "+ [allowed] package dpkg:bar  bar 3.0\n",
        "- [allowed] package dpkg:old  old 0.9\n",
        "~ package dpkg:foo  foo  version 1.0 -> 1.1\n",
        "~ package dpkg:tool  tool  verdict allowed -> review\n",
        "~ package dpkg:kesl  kesl  deadline_state due -> overdue; replacement_present no -> yes\n",
        "malicious files: 1 appeared, 1 removed, 1 changed\n",
        "+ /tmp/new.exe  Win.Trojan.Test (clamav)\n",
        "- /usr/share/doc/foo/x.bin  Eicar-Test-Signature (clamav)  part of dpkg:foo\n",
        "~ /srv/same.exe  Same-Rule (clamav)  sha256 bb22 -> dd44\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (strstr(text, want[i]) == NULL)
            fail_msg("the text lacks '%s':\n%s", want[i], text);
    free(text);

    text = capture_diff("2", "2", 0, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(text, "no differences"));
    free(text);

    text = capture_diff("1", "2", 1, &rc);
    assert_int_equal(rc, 1);
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    if (doc == NULL)
        fail_msg("diff --json does not parse: %s\n%s", err.text, text);
    assert_string_equal(json_string_value(json_object_get(doc, "type")), "diff");
    assert_true(json_is_true(json_object_get(doc, "different")));
    json_t *bar = find(get_path(doc, "items", "appeared"), "id", "dpkg:bar");
    assert_non_null(bar);
    json_decref(doc);
    free(text);
}

static void run_forms(void **state)
{
    (void)state;
    record_two_runs();
    static const struct spec other[] = {{"dpkg:foo", "foo", "1.0", RV_ALLOWED, false, 0, false}};
    assert_int_equal(record("web2", other, 1, NULL, 0), 3);
    static const struct {
        const char *spec;
        int64_t id;
    } ok[] = {
        {"1", 1},           {"3", 3},           {"latest", 3},        {"previous", 2},
        {"latest~2", 1},    {"web1@latest", 2}, {"web1@previous", 1}, {"web1@latest~1", 1},
        {"web2@latest", 3},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t id = 0;
        if (store_resolve_run(store_path, ok[i].spec, &id) != 0)
            fail_msg("%s: %s", ok[i].spec, assay_last_error());
        assert_int_equal(id, ok[i].id);
    }
    static const struct {
        const char *spec;
        int code;
    } bad[] = {
        {"4", ASSAY_ENOTFOUND},           {"0", ASSAY_ENOTFOUND},         {"latest~3", ASSAY_ENOTFOUND},
        {"web2@previous", ASSAY_ENOTFOUND}, {"nosuch@latest", ASSAY_ENOTFOUND}, {"bogus", ASSAY_EINVAL},
        {"latest~x", ASSAY_EINVAL},       {"", ASSAY_EINVAL},             {"99999999999999999999", ASSAY_EINVAL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t id = 0;
        assert_int_equal(store_resolve_run(store_path, bad[i].spec, &id), bad[i].code);
        assert_true(strlen(assay_last_error()) > 0);
    }
    int64_t id;
    assert_int_equal(store_resolve_run(store_path, "4", &id), ASSAY_ENOTFOUND);
    assert_non_null(strstr(assay_last_error(), "no run 4"));

    /* one run: compared with the run of its host before it */
    json_t *doc;
    int different;
    assert_int_equal(store_diff_doc(store_path, NULL, "web1@latest", 0, &doc, &different), 0);
    assert_int_equal(json_integer_value(get_path(doc, "from", "id")), 1);
    json_decref(doc);
    /* no run: latest (web2's only run) has no run before it */
    assert_int_equal(store_diff_doc(store_path, NULL, NULL, 0, &doc, &different), ASSAY_ENOTFOUND);
    assert_non_null(strstr(assay_last_error(), "first of its host"));

    /* runs of different hosts compare, with a warning */
    int rc;
    char *text = capture_diff("2", "3", 0, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(strstr(text, "warning: the runs are of different hosts"));
    free(text);
    assert_int_equal(store_diff_doc(store_path, "2", "3", 0, &doc, &different), 0);
    assert_int_equal(json_array_size(json_object_get(doc, "warnings")), 1);
    json_decref(doc);

    /* the list, newest first, filtered by host */
    char *list = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&list, &len);
    assert_int_equal(store_list_runs(store_path, "web1", 1, f), 0);
    fclose(f);
    json_t *runs = json_object_get(doc = json_loads(list, 0, NULL), "runs");
    assert_int_equal(json_array_size(runs), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(runs, 0), "id")), 2);
    json_decref(doc);
    free(list);
    f = open_memstream(&list, &len);
    assert_int_equal(store_list(store_path, f), 0);
    fclose(f);
    assert_true(strstr(list, "web2") < strstr(list, "web1"));
    free(list);
}

static void duplicate_ids(void **state)
{
    (void)state;
    static const struct spec twice[] = {
        {"dpkg:libc6", "libc6", "2.36", RV_ALLOWED, false, 0, false},
        {"dpkg:libc6", "libc6", "2.36", RV_ALLOWED, false, 0, false},
    };
    assert_int_equal(record("web1", twice, 2, NULL, 0), 1);
    assert_int_equal(record("web1", twice, 1, NULL, 0), 2);
    assert_int_equal(sql_int("SELECT max(dup) FROM items WHERE run_id = 1"), 1);
    json_t *doc;
    int different;
    assert_int_equal(store_diff_doc(store_path, "1", "2", 0, &doc, &different), 0);
    assert_int_equal(json_array_size(get_path(doc, "items", "removed")), 1);
    json_decref(doc);
}

/* Names from a hostile host: terminal escapes are escaped in text, bytes that
 * are not UTF-8 get a _hex companion in JSON. */
static void hostile_values(void **state)
{
    (void)state;
    static const struct spec plain[] = {{"dpkg:foo", "foo", "1.0", RV_ALLOWED, false, 0, false}};
    static const struct spec evil[] = {
        {"dpkg:foo", "foo", "1.0", RV_ALLOWED, false, 0, false},
        {"dpkg:evil", "evil\x1b]0;owned\x07\xff", "1\n2", RV_ALLOWED, false, 0, false},
    };
    assert_int_equal(record("web1", plain, 1, NULL, 0), 1);
    assert_int_equal(record("web1", evil, 2, NULL, 0), 2);
    int rc;
    char *text = capture_diff("1", "2", 0, &rc);
    assert_int_equal(rc, 1);
    assert_null(strchr(text, 0x1b));
    assert_null(strchr(text, 0x07));
    /* the text renders the JSON document: a bad byte shows as U+FFFD */
    if (strstr(text, "evil\\x1b]0;owned\\x07\xef\xbf\xbd 1\\x0a2\n") == NULL)
        fail_msg("unexpected text:\n%s", text);
    free(text);
    text = capture_diff("1", "2", 1, &rc);
    json_t *doc = json_loads(text, 0, NULL);
    assert_non_null(doc);
    json_t *e = json_array_get(get_path(doc, "items", "appeared"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "name_hex")), "6576696c1b5d303b6f776e656407ff");
    json_decref(doc);
    free(text);

    /* a store edited by hand: odd types, NULLs, JSON that does not parse */
    sql_exec("UPDATE items SET name = NULL, version = x'00ff', verdict = 'excluded', json = '{\"broken'"
             " WHERE run_id = 2;"
             "UPDATE runs SET started = x'1b5b32', host_tags = 'nope', items = 'many', policy_name = 7"
             " WHERE id = 2;"
             "UPDATE items SET version = 3.5, vendor = x'' WHERE run_id = 1");
    text = capture_diff("1", "2", 0, &rc);
    assert_int_equal(rc, 1);
    assert_null(strchr(text, 0x1b));
    free(text);
    text = capture_diff("1", "2", 1, &rc);
    assert_int_equal(rc, 1);
    assert_non_null(doc = json_loads(text, 0, NULL));
    json_decref(doc);
    free(text);
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(store_list(store_path, devnull), 0);
    fclose(devnull);
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void expect_not_a_store(void)
{
    struct review rv;
    make_review(&rv, "web1", run1_items, 4, NULL, 0);
    int64_t id = 7;
    int rc = store_record_review(store_path, &rv, &id);
    free_review(&rv);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assert_int_equal(id, 0);
    if (strstr(assay_last_error(), "not an assay store") == NULL)
        fail_msg("unexpected message: %s", assay_last_error());
    json_t *doc;
    int different;
    assert_int_equal(store_diff_doc(store_path, "1", "2", 0, &doc, &different), ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "not an assay store"));
    assert_int_equal(store_list(store_path, stderr), ASSAY_EFORMAT);
}

/* The store's folder (the tests write files where the store goes). */
static void make_store_dir(void)
{
    char sub[400];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    assert_true(mkdir(sub, 0700) == 0 || errno == EEXIST);
}

/* Deterministic junk. */
static void junk(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static void random_bytes(void **state)
{
    (void)state;
    make_store_dir();
    static uint8_t bytes[8192];
    junk(bytes, sizeof bytes, 42);
    write_file(store_path, bytes, sizeof bytes);
    expect_not_a_store();
    /* the file is left as it was */
    size_t len = 0;
    FILE *f = fopen(store_path, "rb");
    static uint8_t back[8192 + 1];
    len = fread(back, 1, sizeof back, f);
    fclose(f);
    assert_int_equal(len, sizeof bytes);
    assert_memory_equal(back, bytes, sizeof bytes);
    /* a short text file too */
    write_file(store_path, "hello\n", 6);
    expect_not_a_store();
}

static void foreign_database(void **state)
{
    (void)state;
    make_store_dir();
    sql_exec("CREATE TABLE packages (name TEXT); INSERT INTO packages VALUES ('x')");
    expect_not_a_store();
    assert_non_null(strstr(assay_last_error(), "not an assay store"));
    /* our application id but tables gone */
    remove(store_path);
    record_two_runs();
    sql_exec("DROP TABLE problems");
    expect_not_a_store();
}

static void damaged_store(void **state)
{
    (void)state;
    record_two_runs();
    size_t len = 0;
    uint8_t *data;
    FILE *f = fopen(store_path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc(len);
    assert_int_equal(fread(data, 1, len, f), len);
    fclose(f);
    assert_true(len > 4096);
    junk(data + 100, len - 100, 7); /* keep the 100-byte header, damage every page */
    write_file(store_path, data, len);
    free(data);
    expect_not_a_store();
}

static void future_version(void **state)
{
    (void)state;
    record_two_runs();
    sql_exec("PRAGMA user_version = 99");
    struct review rv;
    make_review(&rv, "web1", run1_items, 4, NULL, 0);
    int64_t id;
    int rc = store_record_review(store_path, &rv, &id);
    free_review(&rv);
    assert_int_equal(rc, ASSAY_EFORMAT);
    if (strstr(assay_last_error(), "schema version 99") == NULL || strstr(assay_last_error(), "newer") == NULL)
        fail_msg("unexpected message: %s", assay_last_error());
    json_t *doc;
    int different;
    assert_int_equal(store_diff_doc(store_path, "1", "2", 0, &doc, &different), ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "schema version 99"));
    assert_int_equal(sql_int("SELECT count(*) FROM runs"), 2);
}

static void missing_and_empty(void **state)
{
    (void)state;
    json_t *doc;
    int different;
    assert_int_equal(store_diff_doc(store_path, "1", "2", 0, &doc, &different), ASSAY_ENOTFOUND);
    assert_int_equal(store_list(store_path, stderr), ASSAY_ENOTFOUND);
    make_store_dir();
    write_file(store_path, "", 0);
    assert_int_equal(store_diff_doc(store_path, "1", "2", 0, &doc, &different), ASSAY_ENOTFOUND);
    assert_non_null(strstr(assay_last_error(), "no runs"));
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(store_list(store_path, devnull), 0);
    fclose(devnull);
    /* an empty file becomes a store */
    assert_int_equal(record("web1", run1_items, 4, NULL, 0), 1);
    /* a folder is no store */
    assert_int_equal(store_diff_doc(dir, "1", "2", 0, &doc, &different), ASSAY_EFORMAT);
    int64_t id;
    assert_int_equal(store_record_review("", NULL, &id), ASSAY_EINVAL);
}

/* Another process holds the write lock for a moment: the writer waits. */
static void *release_later(void *arg)
{
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    assert_int_equal(sqlite3_exec(arg, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    return NULL;
}

static void busy_writer(void **state)
{
    (void)state;
    record_two_runs();
    sqlite3 *db;
    assert_int_equal(sqlite3_open(store_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, release_later, db), 0);
    assert_int_equal(record("web1", run1_items, 4, NULL, 0), 3);
    pthread_join(t, NULL);
    sqlite3_close(db);
}

static double clock_seconds(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_seconds(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

/* 10,000 items: recording time (printed; docs/store.md quotes it). */
static void ten_thousand_items(void **state)
{
    (void)state;
    enum { N = 10000 };
    static struct spec items[N];
    static char names[N][24];
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < N; i++) {
            snprintf(names[i], sizeof names[i], "pkg%zu", i);
            /* pass 0: plain allowed items; pass 1: every one an attributed finding */
            items[i] = (struct spec){names[i], names[i], "1.0", pass ? RV_EXCLUDED : RV_ALLOWED, pass == 1,
                                     POLICY_DUE, false};
        }
        struct review rv;
        make_review(&rv, "big", items, N, NULL, 0);
        for (size_t i = 0; i < N; i++)
            rv.inv.items.v[i]->id = inv_printf(&rv.inv, "dpkg:%s", names[i]);
        int64_t id;
        double t0 = now_seconds(), c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        assert_int_equal(store_record_review(store_path, &rv, &id), 0);
        double t1 = now_seconds(), c1 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
        free_review(&rv);
        printf("store: recorded %d %s items in %.1f ms (%.1f ms CPU)\n", N,
               pass ? "finding (with JSON)" : "allowed", (t1 - t0) * 1e3, (c1 - c0) * 1e3);
        assert_true(t1 - t0 < 20.0); /* a sanity bound that holds under sanitizers */
    }
    struct stat sb;
    assert_int_equal(stat(store_path, &sb), 0);
    printf("store: %lld bytes of report JSON in the second run; file %lld bytes\n",
           (long long)sql_int("SELECT sum(length(json)) FROM items WHERE run_id = 2"), (long long)sb.st_size);
    json_t *doc;
    int different;
    double t0 = now_seconds(), c0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    assert_int_equal(store_diff_doc(store_path, "1", "2", 0, &doc, &different), 0);
    printf("store: diff of two %d-item runs (all changed) in %.1f ms (%.1f ms CPU)\n", N,
           (now_seconds() - t0) * 1e3, (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3);
    assert_int_equal(json_array_size(get_path(doc, "items", "changed")), N);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_path),
        cmocka_unit_test_setup_teardown(record_tables_and_rows, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(diff_document, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(diff_text_and_json, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(run_forms, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(duplicate_ids, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(hostile_values, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(random_bytes, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(foreign_database, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(damaged_store, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(future_version, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(missing_and_empty, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(busy_writer, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(ten_thousand_items, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
