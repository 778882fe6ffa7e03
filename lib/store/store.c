/* store.c — the review store (store.h; schema and semantics: docs/store.md).
 *
 * One SQLite file holds every recorded review run: a `runs` row (host, root,
 * time, policy, catalog, counts), its `items` (one per inventory item, the
 * verdict and attribution as columns, the report JSON of findings and
 * attributed items), its `malicious` files and its `problems`. A run is
 * written in one transaction with prepared statements (WAL journal,
 * synchronous=NORMAL), so thousands of items take milliseconds.
 *
 * Identity and versions: PRAGMA application_id is STORE_APPLICATION_ID and
 * PRAGMA user_version is STORE_SCHEMA_VERSION. A file that is not SQLite, is
 * corrupt, is another program's database or lacks the tables is refused as
 * ASSAY_EFORMAT "not an assay store"; a newer schema version is refused with
 * a message naming both versions. Nothing is migrated yet.
 *
 * Untrusted input: a store may come from another host (fleet roll-ups), so
 * it is read defensively: defensive mode and trusted_schema off (a crafted
 * file's triggers and views cannot call functions with side effects), any
 * column may hold NULL or another type, values are at most STORE_MAX_VALUE
 * bytes (SQLITE_LIMIT_LENGTH), stored JSON that does not parse is left out,
 * and control characters are escaped in text output. Other processes'
 * locks are waited for STORE_BUSY_MS.
 *
 * Diff: items are matched by (item_id, dup) — dup numbers repeated ids
 * within one run in inventory order — and malicious files by (path, rule).
 * The comparison is built as one JSON document; the text output renders it.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/inventory_report.h"
#include "report/review_json.h"
#include "util/error.h"

/* ---- the default location ------------------------------------------------------- */

static char default_path[4096];
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static const char *home_dir(void)
{
    const char *home = getenv("HOME");
    if (home != NULL && home[0] == '/')
        return home;
    struct passwd *pw = getpwuid(geteuid());
    return pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
}

static void compute_default_path(void)
{
    const char *env = getenv("ASSAY_STORE");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home;
    int n;
    if (env != NULL && env[0] != '\0')
        n = snprintf(default_path, sizeof default_path, "%s", env);
    else if (geteuid() == 0)
        n = snprintf(default_path, sizeof default_path, "/var/lib/assay/reviews.sqlite");
    else if (xdg != NULL && xdg[0] == '/') /* the XDG spec ignores relative values */
        n = snprintf(default_path, sizeof default_path, "%s/assay/reviews.sqlite", xdg);
    else if ((home = home_dir()) != NULL)
        n = snprintf(default_path, sizeof default_path, "%s/.local/share/assay/reviews.sqlite", home);
    else
        n = snprintf(default_path, sizeof default_path, "reviews.sqlite");
    if (n < 0 || (size_t)n >= sizeof default_path)
        snprintf(default_path, sizeof default_path, "reviews.sqlite");
}

const char *store_default_path(void)
{
    pthread_once(&default_once, compute_default_path);
    return default_path;
}

/* ---- opening and errors ----------------------------------------------------------- */

struct store {
    sqlite3 *db;
    const char *path;
};

/* Turn an SQLite result into an ASSAY_E* code with a message. */
static int store_fail(const struct store *s, int sqlite_rc, const char *what)
{
    const char *msg = s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(sqlite_rc);
    switch (sqlite_rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (%s)", s->path, msg);
    case SQLITE_TOOBIG:
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (a value larger than %d bytes)", s->path,
                          STORE_MAX_VALUE);
    case SQLITE_NOMEM:
        return util_error(ASSAY_ENOMEM, "out of memory");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return util_error(ASSAY_EIO, "%s: the store stayed locked by another process for %d s (%s)", s->path,
                          STORE_BUSY_MS / 1000, msg);
    default:
        return util_error(ASSAY_EIO, "%s: %s: %s", s->path, what, msg);
    }
}

static int exec_sql(struct store *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : store_fail(s, rc, sql);
}

/* Prepare a statement; an SQL error here on a store that passed the checks
 * means its tables do not have the expected columns. */
static int prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc == SQLITE_OK)
        return 0;
    if ((rc & 0xff) == SQLITE_ERROR)
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (its tables do not match: %s)", s->path,
                          sqlite3_errmsg(s->db));
    return store_fail(s, rc, "prepare");
}

/* One integer from a single-row query. */
static int query_int(struct store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    int step = sqlite3_step(st);
    *out = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    rc = step == SQLITE_ROW || step == SQLITE_DONE ? 0 : store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

static void store_close(struct store *s)
{
    sqlite3_close(s->db);
    s->db = NULL;
}

static int store_open(struct store *s, const char *path, bool writable)
{
    s->path = path;
    s->db = NULL;
    int flags = (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        rc = store_fail(s, rc, "cannot open");
        store_close(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
    sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, STORE_MAX_VALUE);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    rc = exec_sql(s, "PRAGMA foreign_keys=ON");
    if (rc != 0)
        store_close(s);
    return rc;
}

/* Is the open file an assay store we can read (*empty: a new, empty SQLite
 * file)? Reads the header and the schema table only, changes nothing. */
static int store_check(struct store *s, bool *empty)
{
    int64_t app, version, objects, tables;
    int rc;
    *empty = false;
    if ((rc = query_int(s, "PRAGMA application_id", &app)) != 0 ||
        (rc = query_int(s, "PRAGMA user_version", &version)) != 0 ||
        (rc = query_int(s, "SELECT count(*) FROM sqlite_master", &objects)) != 0)
        return rc;
    if (app == 0 && version == 0 && objects == 0) {
        *empty = true;
        return 0;
    }
    if (app != STORE_APPLICATION_ID)
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (an SQLite database of another program)",
                          s->path);
    if (version > STORE_SCHEMA_VERSION)
        return util_error(ASSAY_EFORMAT,
                          "%s: the store has schema version %lld, newer than this assay (%s) reads (%d): "
                          "use a newer assay",
                          s->path, (long long)version, ASSAY_VERSION, STORE_SCHEMA_VERSION);
    if (version < 1)
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (schema version %lld)", s->path,
                          (long long)version);
    rc = query_int(s,
                   "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                   "name IN ('runs', 'items', 'malicious', 'problems')",
                   &tables);
    if (rc == 0 && tables != 4)
        rc = util_error(ASSAY_EFORMAT, "%s: not an assay store (tables are missing)", s->path);
    return rc;
}

/* ---- the schema ----------------------------------------------------------------- */

/* Portable SQL (docs/store.md maps it to PostgreSQL): INTEGER, REAL, TEXT;
 * booleans as 0/1; times as ISO 8601 text; JSON as text. */
static const char schema_sql[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " host TEXT NOT NULL,"
    " root TEXT NOT NULL,"
    " live INTEGER NOT NULL,"
    " started TEXT NOT NULL,"
    " recorded TEXT NOT NULL,"
    " review_date TEXT,"
    " policy_name TEXT,"
    " policy_id TEXT,"
    " catalog_name TEXT,"
    " assay_version TEXT NOT NULL,"
    " host_tags TEXT NOT NULL,"
    " seconds REAL,"
    " items INTEGER NOT NULL,"
    " attributed INTEGER NOT NULL,"
    " allowed INTEGER NOT NULL,"
    " review INTEGER NOT NULL,"
    " excluded INTEGER NOT NULL,"
    " malicious INTEGER NOT NULL,"
    " overdue INTEGER NOT NULL,"
    " replacement_missing INTEGER NOT NULL,"
    " problems INTEGER NOT NULL,"
    " files_scanned INTEGER NOT NULL,"
    " bytes_scanned INTEGER NOT NULL);"
    "CREATE INDEX runs_host ON runs(host, id);"
    "CREATE TABLE items ("
    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " item_id TEXT NOT NULL,"
    " dup INTEGER NOT NULL,"
    " kind TEXT NOT NULL,"
    " collector TEXT,"
    " name TEXT,"
    " version TEXT,"
    " publisher TEXT,"
    " path TEXT,"
    " vendor TEXT,"
    " product TEXT,"
    " strength TEXT,"
    " method TEXT,"
    " verdict TEXT NOT NULL,"
    " policy_entry TEXT,"
    " deadline_state TEXT,"
    " deadline_days INTEGER,"
    " deadline_date TEXT,"
    " replacement_required INTEGER NOT NULL,"
    " replacement_present INTEGER,"
    " replacement_by TEXT,"
    " malicious_files INTEGER NOT NULL,"
    " json TEXT);"
    "CREATE UNIQUE INDEX items_key ON items(run_id, item_id, dup);"
    "CREATE INDEX items_vendor ON items(vendor, product) WHERE vendor IS NOT NULL;"
    "CREATE TABLE malicious ("
    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " path TEXT NOT NULL,"
    " rule TEXT NOT NULL,"
    " engine TEXT,"
    " namespace TEXT,"
    " source_file TEXT,"
    " source_line INTEGER,"
    " sha256 TEXT,"
    " size INTEGER,"
    " owner_item_id TEXT,"
    " json TEXT);"
    "CREATE INDEX malicious_key ON malicious(run_id, path, rule);"
    "CREATE TABLE problems ("
    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " path TEXT,"
    " code TEXT,"
    " message TEXT);"
    "CREATE INDEX problems_run ON problems(run_id);";

static int create_schema(struct store *s)
{
    char pragmas[128];
    snprintf(pragmas, sizeof pragmas, "PRAGMA application_id=%d; PRAGMA user_version=%d;", STORE_APPLICATION_ID,
             STORE_SCHEMA_VERSION);
    int rc = exec_sql(s, schema_sql);
    return rc != 0 ? rc : exec_sql(s, pragmas);
}

/* ---- creating the file ------------------------------------------------------------ */

/* mkdir -p of the folder holding `path`; new folders are 0700 (reviews say
 * what a host runs). */
static int make_parent_dirs(const char *path)
{
    char *dir = strdup(path);
    if (dir == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; rc == 0; p++) {
            bool end = *p == '\0';
            if (*p != '/' && !end)
                continue;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = util_error(ASSAY_EIO, "%s: cannot create the folder %s: %s", path, dir, strerror(errno));
            if (end)
                break;
            *p = '/';
        }
    }
    free(dir);
    return rc;
}

/* Create a missing store file 0600 before SQLite opens it, so the file and
 * its -wal/-shm companions (SQLite copies the mode) are private. */
static int create_private_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    if (errno == EEXIST)
        return 0;
    return util_error(ASSAY_EIO, "%s: cannot create the store: %s", path, strerror(errno));
}

/* ---- recording a run -------------------------------------------------------------- */

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

static int step_insert(struct store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "write");
}

static char *host_tags_json(const struct review *rv)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < rv->ctx.ntags; i++)
        json_array_append_new(a, json_string(rv->ctx.host_tags[i]));
    char *s = a != NULL ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return s;
}

static const char *run_host(const struct review *rv)
{
    if (rv->host != NULL && rv->host[0] != '\0')
        return rv->host;
    if (rv->inv.host != NULL && rv->inv.host[0] != '\0')
        return rv->inv.host;
    return "unknown";
}

static int insert_run(struct store *s, const struct review *rv, int64_t *run_id)
{
    static const char sql[] =
        "INSERT INTO runs (host, root, live, started, recorded, review_date, policy_name, policy_id,"
        " catalog_name, assay_version, host_tags, seconds, items, attributed, allowed, review, excluded,"
        " malicious, overdue, replacement_missing, problems, files_scanned, bytes_scanned)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
        " ?21, ?22, ?23)";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    struct review_counts c;
    review_count(rv, &c);
    char now[32], day[16];
    report_time_iso(now, time(NULL));
    policy_format_date(rv->ctx.today, day, sizeof day);
    char *tags = host_tags_json(rv);
    bind_text(st, 1, run_host(rv));
    bind_text(st, 2, rv->inv.root != NULL ? rv->inv.root : "/");
    sqlite3_bind_int(st, 3, rv->inv.live);
    bind_text(st, 4, rv->started[0] != '\0' ? rv->started : now);
    bind_text(st, 5, now);
    bind_text(st, 6, rv->ctx.today != POLICY_NO_DAY ? day : NULL);
    bind_text(st, 7, rv->policy.name);
    bind_text(st, 8, rv->policy.id);
    bind_text(st, 9, rv->catalog.name);
    bind_text(st, 10, ASSAY_VERSION);
    bind_text(st, 11, tags != NULL ? tags : "[]");
    sqlite3_bind_double(st, 12, rv->seconds);
    const size_t counts[] = {c.items,    c.attributed, c.allowed,    c.review,         c.excluded,
                             c.malicious, c.overdue,   c.replacement_missing, rv->problems.n};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        sqlite3_bind_int64(st, 13 + (int)i, (sqlite3_int64)counts[i]);
    sqlite3_bind_int64(st, 22, (sqlite3_int64)rv->files_scanned);
    sqlite3_bind_int64(st, 23, (sqlite3_int64)rv->bytes_scanned);
    rc = step_insert(s, st);
    free(tags);
    sqlite3_finalize(st);
    *run_id = rc == 0 ? sqlite3_last_insert_rowid(s->db) : 0;
    return rc;
}

/* Numbers repeated item ids within a run (0 for the first), so the pair
 * (item_id, dup) is a key. Open addressing sized for all items up front. */
struct dup_counter {
    const char **keys;
    uint32_t *counts;
    size_t mask;
};

static int dup_counter_init(struct dup_counter *c, size_t items)
{
    size_t cap = 16;
    while (cap < 2 * items + 2)
        cap *= 2;
    c->keys = calloc(cap, sizeof *c->keys);
    c->counts = calloc(cap, sizeof *c->counts);
    c->mask = cap - 1;
    if (c->keys == NULL || c->counts == NULL)
        return util_error(ASSAY_ENOMEM, "out of memory");
    return 0;
}

static void dup_counter_free(struct dup_counter *c)
{
    free(c->keys);
    free(c->counts);
}

static uint32_t dup_next(struct dup_counter *c, const char *id)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = id; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    size_t i = (size_t)h & c->mask;
    while (c->keys[i] != NULL && strcmp(c->keys[i], id) != 0)
        i = (i + 1) & c->mask;
    c->keys[i] = id;
    return c->counts[i]++;
}

static const char *deadline_state_name(uint8_t state)
{
    switch (state) {
    case POLICY_NOT_YET_EFFECTIVE: return "not-yet-effective";
    case POLICY_DUE: return "due";
    case POLICY_OVERDUE: return "overdue";
    default: return "none";
    }
}

/* How the item was tied to its vendor or policy entry: the evidence
 * attribute of the deciding rule, else of the strongest attribution reason
 * ("package.name", "signer.subject", ...). NULL when neither. */
static const char *detection_method(const struct review_item *ri)
{
    const struct inv_item *it = ri->item;
    const struct policy_hit *hit = &ri->policy.hit;
    if (ri->covered && hit->basis == POLICY_BY_RULE && hit->evidence >= 0 && (size_t)hit->evidence < it->evidence.n)
        return it->evidence.v[hit->evidence].attribute;
    if (!ri->attributed)
        return NULL;
    for (size_t i = 0; i < ri->match.nreasons && i < CATALOG_MAX_REASONS; i++) {
        const struct catalog_reason *r = &ri->match.reasons[i];
        if (r->strength == ri->match.strength && r->evidence < it->evidence.n)
            return it->evidence.v[r->evidence].attribute;
    }
    return NULL;
}

/* Findings, attributed items and owners of malicious files keep their full
 * report object; the columns say all a diff needs about the rest. */
static bool keeps_report(const struct review_item *ri)
{
    return ri->verdict == RV_EXCLUDED || ri->verdict == RV_REVIEW || ri->attributed || ri->malicious_files > 0;
}

static char *item_report(const struct review *rv, const struct review_item *ri)
{
    json_t *o = report_review_item_json(rv, ri);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

static const char items_sql[] =
    "INSERT INTO items (run_id, seq, item_id, dup, kind, collector, name, version, publisher, path, vendor,"
    " product, strength, method, verdict, policy_entry, deadline_state, deadline_days, deadline_date,"
    " replacement_required, replacement_present, replacement_by, malicious_files, json)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
    " ?22, ?23, ?24)";

static void bind_policy_columns(sqlite3_stmt *st, const struct review *rv, const struct review_item *ri,
                                char *date, size_t date_size)
{
    const struct policy_hit *hit = &ri->policy.hit;
    bool covered = ri->covered && hit->entry != NULL;
    bind_text(st, 16, covered ? hit->entry->id : NULL);
    bind_text(st, 17, covered ? deadline_state_name(hit->deadline.state) : NULL);
    if (covered && hit->deadline.state != POLICY_NO_DEADLINE)
        sqlite3_bind_int(st, 18, hit->deadline.days);
    else
        sqlite3_bind_null(st, 18);
    bool dated = covered && hit->deadline.state != POLICY_NO_DEADLINE && hit->deadline.date != POLICY_NO_DAY;
    if (dated)
        policy_format_date(hit->deadline.date, date, date_size);
    bind_text(st, 19, dated ? date : NULL);
    sqlite3_bind_int(st, 20, ri->replacement_required);
    if (ri->replacement_required)
        sqlite3_bind_int(st, 21, ri->replacement_present);
    else
        sqlite3_bind_null(st, 21);
    bool by = ri->replacement_present && ri->replacement_index < rv->inv.items.n;
    bind_text(st, 22, by ? rv->inv.items.v[ri->replacement_index]->id : NULL);
}

static int insert_item(struct store *s, sqlite3_stmt *st, const struct review *rv, size_t seq, const char *id,
                       uint32_t dup)
{
    const struct review_item *ri = &rv->items.v[seq];
    const struct inv_item *it = ri->item;
    bool vendor = ri->attributed && ri->match.vendor != NULL;
    char date[16];
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    bind_text(st, 3, id);
    sqlite3_bind_int64(st, 4, dup);
    bind_text(st, 5, inv_kind_name(it->kind));
    bind_text(st, 6, it->collector);
    bind_text(st, 7, it->name);
    bind_text(st, 8, it->version);
    bind_text(st, 9, it->publisher);
    bind_text(st, 10, it->path);
    bind_text(st, 11, vendor ? ri->match.vendor->id : NULL);
    bind_text(st, 12, vendor && ri->match.product != NULL ? ri->match.product->id : NULL);
    bind_text(st, 13, vendor ? inv_strength_name(ri->match.strength) : NULL);
    bind_text(st, 14, detection_method(ri));
    bind_text(st, 15, review_verdict_name(ri->verdict));
    bind_policy_columns(st, rv, ri, date, sizeof date);
    sqlite3_bind_int64(st, 23, (sqlite3_int64)ri->malicious_files);
    char *report = keeps_report(ri) ? item_report(rv, ri) : NULL;
    bind_text(st, 24, report);
    int rc = step_insert(s, st);
    free(report);
    return rc;
}

/* An item without an id (a collector's slip) gets "<collector>:<name>". */
static const char *item_key(const struct inv_item *it, char *buf, size_t size)
{
    if (it->id != NULL)
        return it->id;
    snprintf(buf, size, "%s:%s", it->collector ? it->collector : "item", it->name ? it->name : "");
    return buf;
}

static int insert_items(struct store *s, const struct review *rv, int64_t run_id)
{
    sqlite3_stmt *st;
    struct dup_counter dups = {0};
    int rc = dup_counter_init(&dups, rv->items.n);
    if (rc == 0)
        rc = prepare(s, items_sql, &st);
    if (rc != 0) {
        dup_counter_free(&dups);
        return rc;
    }
    sqlite3_bind_int64(st, 1, run_id);
    char **keys = calloc(rv->items.n + 1, sizeof *keys); /* ids made up here live until the end */
    if (keys == NULL)
        rc = util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < rv->items.n; i++) {
        const struct inv_item *it = rv->items.v[i].item;
        if (it == NULL)
            continue;
        char buf[512];
        const char *id = item_key(it, buf, sizeof buf);
        if (id == buf && (id = keys[i] = strdup(buf)) == NULL) {
            rc = util_error(ASSAY_ENOMEM, "out of memory");
            break;
        }
        rc = insert_item(s, st, rv, i, id, dup_next(&dups, id));
    }
    for (size_t i = 0; keys != NULL && i < rv->items.n; i++)
        free(keys[i]);
    free(keys);
    sqlite3_finalize(st);
    dup_counter_free(&dups);
    return rc;
}

static int insert_malicious(struct store *s, const struct review *rv, int64_t run_id)
{
    static const char sql[] =
        "INSERT INTO malicious (run_id, path, rule, engine, namespace, source_file, source_line, sha256, size,"
        " owner_item_id, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    for (size_t i = 0; rc == 0 && i < rv->malicious.n; i++) {
        const struct review_malicious *m = &rv->malicious.v[i];
        json_t *o = report_malicious_json(rv, m);
        char *report = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        bind_text(st, 2, m->path ? m->path : "");
        bind_text(st, 3, m->rule ? m->rule : "");
        bind_text(st, 4, m->engine);
        bind_text(st, 5, m->ns);
        bind_text(st, 6, m->source_file);
        sqlite3_bind_int64(st, 7, m->source_line);
        bind_text(st, 8, m->sha256);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)m->size);
        bind_text(st, 10, m->owner != NULL ? m->owner->id : NULL);
        bind_text(st, 11, report);
        rc = step_insert(s, st);
        free(report);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_problems(struct store *s, const struct review *rv, int64_t run_id)
{
    sqlite3_stmt *st;
    int rc = prepare(s, "INSERT INTO problems (run_id, path, code, message) VALUES (?1, ?2, ?3, ?4)", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    for (size_t i = 0; rc == 0 && i < rv->problems.n; i++) {
        const struct review_problem *p = &rv->problems.v[i];
        bind_text(st, 2, p->path);
        bind_text(st, 3, p->code);
        bind_text(st, 4, p->message);
        rc = step_insert(s, st);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Inside the write transaction: create the schema of a new file, add the run. */
static int write_run(struct store *s, const struct review *rv, int64_t *run_id)
{
    bool empty;
    int rc = store_check(s, &empty);
    if (rc == 0 && empty)
        rc = create_schema(s);
    if (rc == 0)
        rc = insert_run(s, rv, run_id);
    if (rc == 0)
        rc = insert_items(s, rv, *run_id);
    if (rc == 0)
        rc = insert_malicious(s, rv, *run_id);
    if (rc == 0)
        rc = insert_problems(s, rv, *run_id);
    return rc;
}

int store_record_review(const char *path, const struct review *rv, int64_t *run_id)
{
    *run_id = 0;
    if (path == NULL || path[0] == '\0')
        return util_error(ASSAY_EINVAL, "no store file given");
    struct store s;
    bool empty;
    int rc = make_parent_dirs(path);
    if (rc == 0)
        rc = create_private_file(path);
    if (rc == 0)
        rc = store_open(&s, path, true);
    if (rc != 0)
        return rc;
    /* refuse a foreign file before anything (the journal mode) changes it */
    rc = store_check(&s, &empty);
    if (rc == 0)
        rc = exec_sql(&s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
    if (rc == 0)
        rc = exec_sql(&s, "BEGIN IMMEDIATE");
    if (rc == 0) {
        int64_t id = 0;
        rc = write_run(&s, rv, &id);
        if (rc == 0)
            rc = exec_sql(&s, "COMMIT");
        if (rc != 0)
            sqlite3_exec(s.db, "ROLLBACK", NULL, NULL, NULL);
        else
            *run_id = id;
    }
    store_close(&s);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------- */

/* Open an existing store for reading; *empty when it holds no schema yet. */
static int store_open_existing(struct store *s, const char *path, bool *empty)
{
    struct stat sb;
    if (path == NULL || path[0] == '\0')
        return util_error(ASSAY_EINVAL, "no store file given");
    if (stat(path, &sb) != 0)
        return util_error(errno == ENOENT ? ASSAY_ENOTFOUND : ASSAY_EIO, "%s: no store there (%s)", path,
                          strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (not a regular file)", path);
    int rc = store_open(s, path, false);
    if (rc == 0 && (rc = store_check(s, empty)) != 0)
        store_close(s);
    return rc;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

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
    int rc = prepare(s,
                     host != NULL ? "SELECT id FROM runs WHERE host = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2"
                                  : "SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?2",
                     &st);
    if (rc != 0)
        return rc;
    if (host != NULL)
        bind_text(st, 1, host);
    sqlite3_bind_int64(st, 2, back);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    else if (host != NULL)
        rc = util_error(ASSAY_ENOTFOUND, "%s: no run '%s': host '%s' has fewer than %lld run%s in the store",
                        s->path, spec, host, (long long)back + 1, back == 0 ? "" : "s");
    else
        rc = util_error(ASSAY_ENOTFOUND, "%s: no run '%s': the store holds fewer than %lld run%s", s->path, spec,
                        (long long)back + 1, back == 0 ? "" : "s");
    sqlite3_finalize(st);
    return rc;
}

static int run_exists(struct store *s, int64_t id, const char *spec)
{
    sqlite3_stmt *st;
    int rc = prepare(s, "SELECT 1 FROM runs WHERE id = ?1", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = util_error(ASSAY_ENOTFOUND, "%s: no run %s in the store (assay diff --list shows the runs)", s->path,
                        spec);
    else if (step != SQLITE_ROW)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
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
    sqlite3_stmt *st;
    int rc = prepare(s,
                     "SELECT b.id FROM runs a JOIN runs b ON b.host = a.host AND b.id < a.id"
                     " WHERE a.id = ?1 ORDER BY b.id DESC LIMIT 1",
                     &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *before = sqlite3_column_int64(st, 0);
    else if (step == SQLITE_DONE)
        rc = util_error(ASSAY_ENOTFOUND, "%s: run %lld is the first of its host: nothing to compare it with",
                        s->path, (long long)id);
    else
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

int store_resolve_run(const char *path, const char *spec, int64_t *run_id)
{
    struct store s;
    bool empty;
    int rc = store_open_existing(&s, path, &empty);
    if (rc != 0)
        return rc;
    rc = empty ? util_error(ASSAY_ENOTFOUND, "%s: the store holds no runs yet", path) : resolve_open(&s, spec, run_id);
    store_close(&s);
    return rc;
}

/* ---- the diff document ------------------------------------------------------------- */

/* Values from the store are bytes: non-UTF-8 goes through report_set_text. */
static void put_text(json_t *o, const char *key, const char *value)
{
    if (value != NULL)
        report_set_text(o, key, value);
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

static const char run_columns[] =
    "id, host, root, live, started, recorded, review_date, policy_name, policy_id, catalog_name,"
    " assay_version, host_tags, seconds, items, attributed, allowed, review, excluded, malicious, overdue,"
    " replacement_missing, problems, files_scanned, bytes_scanned";

static json_t *run_row_json(sqlite3_stmt *st)
{
    static const char *const text_keys[] = {NULL,          "host",          "root",   NULL,     "started",
                                            "recorded",    "review_date",   "policy", "policy_id", "catalog",
                                            "assay_version"};
    static const char *const count_keys[] = {"items",   "attributed", "allowed",
                                             "review",  "excluded",   "malicious",
                                             "overdue", "replacement_missing", "errors",
                                             "files",   "bytes"};
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    for (int i = 1; i < 11; i++)
        if (text_keys[i] != NULL)
            put_text(o, text_keys[i], col_text(st, i));
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
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *out = run_row_json(st);
    else
        rc = step == SQLITE_DONE ? util_error(ASSAY_ENOTFOUND, "%s: no run %lld", s->path, (long long)id)
                                 : store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc == 0 && *out == NULL ? util_error(ASSAY_ENOMEM, "out of memory") : rc;
}

#define ITEM_COLUMNS(t)                                                                                    \
    t ".item_id, " t ".kind, " t ".name, " t ".version, " t ".publisher, " t ".path, " t ".vendor, " t    \
      ".product, " t ".strength, " t ".method, " t ".verdict, " t ".policy_entry, " t ".deadline_state, " t \
      ".deadline_days, " t ".deadline_date, " t ".replacement_required, " t ".replacement_present, " t      \
      ".json"

static json_t *item_row_json(sqlite3_stmt *st, bool with_report)
{
    static const char *const keys[] = {"id",     "kind",     "name",    "version", "publisher",
                                       "path",   "vendor",   "product", "strength", "method",
                                       "verdict", "policy_entry", "deadline_state"};
    json_t *o = json_object();
    for (int i = 0; i < 13; i++)
        put_text(o, keys[i], col_text(st, i));
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

/* Rows of one run's items whose (item_id, dup) the other run lacks. */
static int items_only_in(struct store *s, int64_t in, int64_t not_in, bool with_report, json_t *out)
{
    static const char sql[] = "SELECT " ITEM_COLUMNS("b") " FROM items b WHERE b.run_id = ?1 AND NOT EXISTS"
                              " (SELECT 1 FROM items a WHERE a.run_id = ?2 AND a.item_id = b.item_id"
                              " AND a.dup = b.dup) ORDER BY b.kind, b.item_id, b.dup";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, in);
    sqlite3_bind_int64(st, 2, not_in);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(out, item_row_json(st, with_report)) != 0) {
            step = SQLITE_NOMEM;
            break;
        }
    if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

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

static json_t *changed_row_json(sqlite3_stmt *st)
{
    json_t *o = json_object();
    put_text(o, "id", col_text(st, 0));
    put_text(o, "kind", col_text(st, 1));
    put_text(o, "name", col_text(st, 2));
    json_t *changes = json_object();
    for (size_t f = 0; f < sizeof changed_fields / sizeof changed_fields[0]; f++) {
        int c = changed_fields[f].column;
        bool boolean = strcmp(changed_fields[f].name, "replacement_present") == 0;
        bool unset = sqlite3_column_type(st, c) == SQLITE_NULL || sqlite3_column_type(st, c + 1) == SQLITE_NULL;
        if (same_column(st, c, c + 1) || (changed_fields[f].both_set && unset))
            continue;
        json_t *pair = json_object();
        json_object_set_new(pair, "from", column_value(st, c, boolean));
        json_object_set_new(pair, "to", column_value(st, c + 1, boolean));
        json_object_set_new(changes, changed_fields[f].name, pair);
    }
    json_object_set_new(o, "changes", changes);
    put_text(o, "verdict", col_text(st, 6));
    return o;
}

static int items_changed(struct store *s, int64_t a, int64_t b, json_t *out)
{
    static const char sql[] =
        "SELECT a.item_id, a.kind, b.name, a.version, b.version, a.verdict, b.verdict, a.vendor, b.vendor,"
        " a.product, b.product, a.deadline_state, b.deadline_state, a.replacement_present, b.replacement_present"
        " FROM items a JOIN items b ON b.run_id = ?2 AND b.item_id = a.item_id AND b.dup = a.dup"
        " WHERE a.run_id = ?1 AND (a.version IS NOT b.version OR a.verdict IS NOT b.verdict"
        " OR a.vendor IS NOT b.vendor OR a.product IS NOT b.product OR a.deadline_state <> b.deadline_state"
        " OR a.replacement_present <> b.replacement_present)"
        " ORDER BY a.kind, a.item_id, a.dup";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(out, changed_row_json(st)) != 0) {
            step = SQLITE_NOMEM;
            break;
        }
    if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

static json_t *malicious_row_json(sqlite3_stmt *st, bool with_report)
{
    json_t *o = json_object();
    put_text(o, "path", col_text(st, 0));
    put_text(o, "rule", col_text(st, 1));
    put_text(o, "engine", col_text(st, 2));
    put_text(o, "sha256", col_text(st, 3));
    put_text(o, "part_of", col_text(st, 4));
    if (with_report)
        put_report(o, col_text(st, 5));
    return o;
}

/* Malicious files of one run whose (path, rule) the other run lacks. */
static int malicious_only_in(struct store *s, int64_t in, int64_t not_in, bool with_report, json_t *out)
{
    static const char sql[] =
        "SELECT b.path, b.rule, b.engine, b.sha256, b.owner_item_id, b.json FROM malicious b"
        " WHERE b.run_id = ?1 AND NOT EXISTS (SELECT 1 FROM malicious a WHERE a.run_id = ?2"
        " AND a.path = b.path AND a.rule = b.rule) ORDER BY b.path, b.rule";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, in);
    sqlite3_bind_int64(st, 2, not_in);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(out, malicious_row_json(st, with_report)) != 0) {
            step = SQLITE_NOMEM;
            break;
        }
    if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

/* Same (path, rule) in both runs but other bytes: the file was rewritten. */
static int malicious_changed(struct store *s, int64_t a, int64_t b, json_t *out)
{
    static const char sql[] =
        "SELECT DISTINCT b.path, b.rule, b.engine, a.sha256, b.sha256 FROM malicious a JOIN malicious b"
        " ON b.run_id = ?2 AND b.path = a.path AND b.rule = a.rule"
        " WHERE a.run_id = ?1 AND a.sha256 IS NOT b.sha256 ORDER BY b.path, b.rule";
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        put_text(o, "path", col_text(st, 0));
        put_text(o, "rule", col_text(st, 1));
        put_text(o, "engine", col_text(st, 2));
        json_t *pair = json_object();
        json_object_set_new(pair, "from", column_value(st, 3, false));
        json_object_set_new(pair, "to", column_value(st, 4, false));
        json_t *changes = json_object();
        json_object_set_new(changes, "sha256", pair);
        json_object_set_new(o, "changes", changes);
        if (json_array_append_new(out, o) != 0) {
            step = SQLITE_NOMEM;
            break;
        }
    }
    if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
}

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

static int fill_changes(struct store *s, int64_t a, int64_t b, bool with_reports, json_t *items, json_t *mal)
{
    int rc = items_only_in(s, b, a, with_reports, json_object_get(items, "appeared"));
    if (rc == 0)
        rc = items_only_in(s, a, b, with_reports, json_object_get(items, "removed"));
    if (rc == 0)
        rc = items_changed(s, a, b, json_object_get(items, "changed"));
    if (rc == 0)
        rc = malicious_only_in(s, b, a, with_reports, json_object_get(mal, "appeared"));
    if (rc == 0)
        rc = malicious_only_in(s, a, b, with_reports, json_object_get(mal, "removed"));
    if (rc == 0)
        rc = malicious_changed(s, a, b, json_object_get(mal, "changed"));
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
    bool empty;
    int rc = store_open_existing(&s, path, &empty);
    if (rc != 0)
        return rc;
    int64_t a = 0, b = 0;
    if (empty)
        rc = util_error(ASSAY_ENOTFOUND, "%s: the store holds no runs yet", path);
    else
        rc = resolve_pair(&s, run1, run2, &a, &b);
    /* one read transaction: both runs seen in the same state */
    if (rc == 0 && (rc = exec_sql(&s, "BEGIN")) == 0) {
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

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void print_run_line(FILE *out, char marker, json_t *run)
{
    fprintf(out, "%c run %lld  ", marker, (long long)json_integer_value(json_object_get(run, "id")));
    put_clean(out, jstr(run, "started") ? jstr(run, "started") : "?");
    fputs("  host ", out);
    put_clean(out, jstr(run, "host"));
    fputs("  root ", out);
    put_clean(out, jstr(run, "root"));
    fprintf(out, "  %lld items, %lld excluded, %lld review, %lld malicious, %lld errors",
            (long long)json_integer_value(json_object_get(run, "items")),
            (long long)json_integer_value(json_object_get(run, "excluded")),
            (long long)json_integer_value(json_object_get(run, "review")),
            (long long)json_integer_value(json_object_get(run, "malicious")),
            (long long)json_integer_value(json_object_get(run, "errors")));
    if (jstr(run, "policy") != NULL) {
        fputs("  policy ", out);
        put_clean(out, jstr(run, "policy"));
    }
    fputc('\n', out);
}

static void print_deadline(FILE *out, json_t *it)
{
    const char *state = jstr(it, "deadline_state");
    json_int_t days = json_integer_value(json_object_get(it, "deadline_days"));
    if (state == NULL || strcmp(state, "none") == 0)
        return;
    if (strcmp(state, "due") == 0)
        fprintf(out, ", due in %lld days", (long long)days);
    else if (strcmp(state, "overdue") == 0)
        fprintf(out, ", overdue by %lld days", (long long)days);
    else
        fprintf(out, ", not yet effective (in %lld days)", (long long)days);
}

static void print_item(FILE *out, char marker, json_t *it)
{
    fprintf(out, "%c [", marker);
    put_clean(out, jstr(it, "verdict") ? jstr(it, "verdict") : "?");
    fputs("] ", out);
    put_clean(out, jstr(it, "kind"));
    fputc(' ', out);
    put_clean(out, jstr(it, "id"));
    fputs("  ", out);
    put_clean(out, jstr(it, "name"));
    if (jstr(it, "version") != NULL) {
        fputc(' ', out);
        put_clean(out, jstr(it, "version"));
    }
    if (jstr(it, "vendor") != NULL) {
        fputs("  vendor ", out);
        put_clean(out, jstr(it, "vendor"));
        if (jstr(it, "product") != NULL) {
            fputc('/', out);
            put_clean(out, jstr(it, "product"));
        }
    }
    if (jstr(it, "policy_entry") != NULL) {
        fputs("  (entry ", out);
        put_clean(out, jstr(it, "policy_entry"));
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
    put_clean(out, jstr(it, "kind"));
    fputc(' ', out);
    put_clean(out, jstr(it, "id"));
    fputs("  ", out);
    put_clean(out, jstr(it, "name"));
    print_changes(out, json_object_get(it, "changes"));
    fputc('\n', out);
}

static void print_malicious(FILE *out, char marker, json_t *m)
{
    fprintf(out, "%c ", marker);
    put_clean(out, jstr(m, "path"));
    fputs("  ", out);
    put_clean(out, jstr(m, "rule"));
    if (jstr(m, "engine") != NULL) {
        fputs(" (", out);
        put_clean(out, jstr(m, "engine"));
        fputc(')', out);
    }
    if (jstr(m, "part_of") != NULL) {
        fputs("  part of ", out);
        put_clean(out, jstr(m, "part_of"));
    }
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
    if (json) {
        if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) != 0)
            rc = util_error(ASSAY_EIO, "cannot write the diff");
        fputc('\n', out);
    } else {
        print_diff_text(out, doc);
    }
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
    fprintf(out, "%6lld  ", (long long)json_integer_value(json_object_get(r, "id")));
    put_padded(out, jstr(r, "started") ? jstr(r, "started") : "?", 20);
    fputs("  ", out);
    put_padded(out, jstr(r, "host") ? jstr(r, "host") : "", 20);
    fprintf(out, "  %7lld  %8lld  %6lld  %9lld  %6lld  ", (long long)json_integer_value(json_object_get(r, "items")),
            (long long)json_integer_value(json_object_get(r, "excluded")),
            (long long)json_integer_value(json_object_get(r, "review")),
            (long long)json_integer_value(json_object_get(r, "malicious")),
            (long long)json_integer_value(json_object_get(r, "errors")));
    put_clean(out, jstr(r, "policy") ? jstr(r, "policy") : "-");
    fputc('\n', out);
}

static int collect_runs(struct store *s, const char *host, json_t *runs)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s FROM runs %s ORDER BY id DESC", run_columns,
             host != NULL ? "WHERE host = ?1" : "");
    sqlite3_stmt *st;
    int rc = prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    if (host != NULL)
        bind_text(st, 1, host);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (json_array_append_new(runs, run_row_json(st)) != 0) {
            step = SQLITE_NOMEM;
            break;
        }
    if (step != SQLITE_DONE)
        rc = store_fail(s, step, "read");
    sqlite3_finalize(st);
    return rc;
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
        if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) != 0)
            rc = util_error(ASSAY_EIO, "cannot write the list");
        fputc('\n', out);
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
