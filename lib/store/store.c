/* store.c — the review store (store.h; schema and semantics: docs/store.md):
 * the default location, opening and checking a store file, the schema and
 * recording a run. Reading, comparing and listing runs: store_diff.c.
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
 * it is opened defensively: defensive mode and trusted_schema off (a crafted
 * file's triggers and views cannot call functions with side effects) and
 * values of at most STORE_MAX_VALUE bytes (SQLITE_LIMIT_LENGTH). Other
 * processes' locks are waited for STORE_BUSY_MS.
 */
#include "store/store.h"
#include "store/store_internal.h"

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
#include "report/sbom.h"
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

int store_fail(const struct store *s, int sqlite_rc, const char *what)
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

int store_exec(struct store *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : store_fail(s, rc, sql);
}

int store_prepare(struct store *s, const char *sql, sqlite3_stmt **st)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc == SQLITE_OK)
        return 0;
    if ((rc & 0xff) == SQLITE_ERROR)
        return util_error(ASSAY_EFORMAT, "%s: not an assay store (its tables do not match: %s)", s->path,
                          sqlite3_errmsg(s->db));
    return store_fail(s, rc, "prepare");
}

int store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int store_step_row(struct store *s, sqlite3_stmt *st, bool *row)
{
    int step = sqlite3_step(st);
    *row = step == SQLITE_ROW;
    return step == SQLITE_ROW || step == SQLITE_DONE ? 0 : store_fail(s, step, "read");
}

/* One integer from a single-row query (0 when there is no row). */
static int query_int(struct store *s, const char *sql, int64_t *out)
{
    sqlite3_stmt *st;
    int rc = store_prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    bool row;
    rc = store_step_row(s, st, &row);
    *out = row ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return rc;
}

void store_close(struct store *s)
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
    rc = store_exec(s, "PRAGMA foreign_keys=ON");
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

int store_open_existing(struct store *s, const char *path, bool *empty)
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
    int rc = store_exec(s, schema_sql);
    return rc != 0 ? rc : store_exec(s, pragmas);
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

static int step_insert(struct store *s, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(s, rc, "write");
}

/* The compact text of a JSON value, which it takes (NULL: no value or no memory). */
static char *json_text(json_t *v)
{
    char *s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(v);
    return s;
}

static char *host_tags_json(const struct review *rv)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < rv->ctx.ntags; i++)
        json_array_append_new(a, json_string(rv->ctx.host_tags[i]));
    return json_text(a);
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
    int rc = store_prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    struct review_counts c;
    review_count(rv, &c);
    char now[32], day[16];
    report_time_iso(now, time(NULL));
    policy_format_date(rv->ctx.today, day, sizeof day);
    char *tags = host_tags_json(rv);
    store_bind_text(st, 1, run_host(rv));
    store_bind_text(st, 2, rv->inv.root != NULL ? rv->inv.root : "/");
    sqlite3_bind_int(st, 3, rv->inv.live);
    store_bind_text(st, 4, rv->started[0] != '\0' ? rv->started : now);
    store_bind_text(st, 5, now);
    store_bind_text(st, 6, rv->ctx.today != POLICY_NO_DAY ? day : NULL);
    store_bind_text(st, 7, rv->policy.name);
    store_bind_text(st, 8, rv->policy.id);
    store_bind_text(st, 9, rv->catalog.name);
    store_bind_text(st, 10, ASSAY_VERSION);
    store_bind_text(st, 11, tags != NULL ? tags : "[]");
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
    store_bind_text(st, 16, covered ? hit->entry->id : NULL);
    store_bind_text(st, 17, covered ? report_deadline_state(ri) : NULL);
    if (covered && hit->deadline.state != POLICY_NO_DEADLINE)
        sqlite3_bind_int(st, 18, hit->deadline.days);
    else
        sqlite3_bind_null(st, 18);
    bool dated = covered && hit->deadline.state != POLICY_NO_DEADLINE && hit->deadline.date != POLICY_NO_DAY;
    if (dated)
        policy_format_date(hit->deadline.date, date, date_size);
    store_bind_text(st, 19, dated ? date : NULL);
    sqlite3_bind_int(st, 20, ri->replacement_required);
    if (ri->replacement_required)
        sqlite3_bind_int(st, 21, ri->replacement_present);
    else
        sqlite3_bind_null(st, 21);
    bool by = ri->replacement_present && ri->replacement_index < rv->inv.items.n;
    store_bind_text(st, 22, by ? rv->inv.items.v[ri->replacement_index]->id : NULL);
}

static int insert_item(struct store *s, sqlite3_stmt *st, const struct review *rv, size_t seq, const char *id,
                       uint32_t dup)
{
    const struct review_item *ri = &rv->items.v[seq];
    const struct inv_item *it = ri->item;
    bool vendor = ri->attributed && ri->match.vendor != NULL;
    char date[16];
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    store_bind_text(st, 3, id);
    sqlite3_bind_int64(st, 4, dup);
    store_bind_text(st, 5, inv_kind_name(it->kind));
    store_bind_text(st, 6, it->collector);
    store_bind_text(st, 7, it->name);
    store_bind_text(st, 8, it->version);
    store_bind_text(st, 9, it->publisher);
    store_bind_text(st, 10, it->path);
    store_bind_text(st, 11, vendor ? ri->match.vendor->id : NULL);
    store_bind_text(st, 12, vendor && ri->match.product != NULL ? ri->match.product->id : NULL);
    store_bind_text(st, 13, vendor ? inv_strength_name(ri->match.strength) : NULL);
    store_bind_text(st, 14, detection_method(ri));
    store_bind_text(st, 15, review_verdict_name(ri->verdict));
    bind_policy_columns(st, rv, ri, date, sizeof date);
    sqlite3_bind_int64(st, 23, (sqlite3_int64)ri->malicious_files);
    char *report = keeps_report(ri) ? json_text(report_review_item_json(rv, ri)) : NULL;
    store_bind_text(st, 24, report);
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
        rc = store_prepare(s, items_sql, &st);
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
    int rc = store_prepare(s, sql, &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    for (size_t i = 0; rc == 0 && i < rv->malicious.n; i++) {
        const struct review_malicious *m = &rv->malicious.v[i];
        char *report = json_text(report_malicious_json(rv, m));
        store_bind_text(st, 2, m->path ? m->path : "");
        store_bind_text(st, 3, m->rule ? m->rule : "");
        store_bind_text(st, 4, m->engine);
        store_bind_text(st, 5, m->ns);
        store_bind_text(st, 6, m->source_file);
        sqlite3_bind_int64(st, 7, m->source_line);
        store_bind_text(st, 8, m->sha256);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)m->size);
        store_bind_text(st, 10, m->owner != NULL ? m->owner->id : NULL);
        store_bind_text(st, 11, report);
        rc = step_insert(s, st);
        free(report);
    }
    sqlite3_finalize(st);
    return rc;
}

static int insert_problems(struct store *s, const struct review *rv, int64_t run_id)
{
    sqlite3_stmt *st;
    int rc = store_prepare(s, "INSERT INTO problems (run_id, path, code, message) VALUES (?1, ?2, ?3, ?4)", &st);
    if (rc != 0)
        return rc;
    sqlite3_bind_int64(st, 1, run_id);
    for (size_t i = 0; rc == 0 && i < rv->problems.n; i++) {
        const struct review_problem *p = &rv->problems.v[i];
        store_bind_text(st, 2, p->path);
        store_bind_text(st, 3, p->code);
        store_bind_text(st, 4, p->message);
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
        rc = store_exec(&s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL");
    if (rc == 0)
        rc = store_exec(&s, "BEGIN IMMEDIATE");
    if (rc == 0) {
        int64_t id = 0;
        rc = write_run(&s, rv, &id);
        if (rc == 0)
            rc = store_exec(&s, "COMMIT");
        if (rc != 0)
            sqlite3_exec(s.db, "ROLLBACK", NULL, NULL, NULL);
        else
            *run_id = id;
    }
    store_close(&s);
    return rc;
}
