/* assay.h — the public contract of libassay.
 *
 * libassay scans files, folders and archives with ClamAV-format signatures and
 * LOKI/THOR IOC lists in one pass, and reports every finding with the evidence
 * a third party needs to re-verify it (rule, source file:line, offset, bytes,
 * hashes).
 *
 * Conventions (libgit2 style):
 *   - handles are opaque and come in _new/_free pairs;
 *   - functions that can fail return an int: ASSAY_OK (0) or a negative
 *     ASSAY_E* code; assay_last_error() then returns a message for the calling
 *     thread that names the file, line and cause where there is one;
 *   - strings handed to callbacks live only for the duration of the call.
 */
#ifndef ASSAY_H
#define ASSAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ASSAY_VERSION "0.1.0"

enum assay_status {
    ASSAY_OK = 0,
    ASSAY_ENOMEM = -1,   /* out of memory */
    ASSAY_EIO = -2,      /* a file could not be read or written */
    ASSAY_ESYNTAX = -3,  /* a malformed signature or rule */
    ASSAY_EFORMAT = -4,  /* unknown, foreign, truncated or corrupt file format */
    ASSAY_ELIMIT = -5,   /* a documented limit was reached */
    ASSAY_EINVAL = -6,   /* an invalid argument */
    ASSAY_EENGINE = -7,  /* the matching engine refused a pattern set */
    ASSAY_EEMPTY = -8,   /* a database that holds no signatures */
    ASSAY_ENOTFOUND = -9, /* a file or entry that does not exist */
};

/* Message for the last failure on the calling thread ("" if none). */
const char *assay_last_error(void);

/* ---------------------------------------------------------------------------
 * Signature database
 * ------------------------------------------------------------------------- */

typedef struct assay_db assay_db;

struct assay_load_options {
    bool skip_bad_signatures; /* load the rest of a file with malformed lines, and the
                                 rest of a YARA rule set with bad rules; each skipped
                                 line or rule is named in a warning */
    const char *yara_namespace; /* namespace of the YARA rules this call loads;
                                   NULL: "default" */
};

struct assay_db_stats {
    size_t hash_signatures;      /* .hdb .hsb .mdb .msb and hash IOCs */
    size_t body_signatures;      /* .ndb and .ldb subsignatures */
    size_t logical_signatures;   /* .ldb */
    size_t allowlist_entries;    /* .fp .sfp */
    size_t ignored_names;        /* .ign2 */
    size_t filename_iocs;
    size_t skipped_bad;          /* malformed lines skipped on request */
    size_t sources;              /* database files read */
    size_t yara_rules;           /* YARA rules (private and global ones included) */
    size_t yara_strings;
};

assay_db *assay_db_new(void);
void assay_db_free(assay_db *db);

/* Receive warnings while loading and finalizing: each signature skipped by
 * skip_bad_signatures, and each IOC regex the engine cannot run, by file:line. */
typedef void (*assay_warning_fn)(void *user, const char *message);
void assay_db_set_warning_handler(assay_db *db, assay_warning_fn fn, void *user);

/* Load signatures from a file or, recursively, a folder: ClamAV .hdb .hsb
 * .mdb .msb .ndb .ldb .fp .sfp .ign2 .cvd .cld, IOC lists (hash-iocs*,
 * filename-iocs*, *.ioc with a recognisable line format) and compiled assay
 * databases. A compiled database is mapped into memory, not copied. */
int assay_db_load(assay_db *db, const char *path, const struct assay_load_options *opts);

/* Load signature text held in memory; `name` chooses the format by its
 * extension and is used in error messages and evidence. */
int assay_db_load_text(assay_db *db, const char *name, const char *text, size_t len,
                       const struct assay_load_options *opts);

/* Load YARA rules from a file whatever its name (assay_db_load and
 * assay_db_load_text take files ending in .yar or .yara as YARA). `include`
 * paths are relative to the including file; errors name file:line:column. */
int assay_db_load_yara(assay_db *db, const char *path, const struct assay_load_options *opts);

/* assay_db_load_yara on paths[0..n) in order, with opts[i] (opts NULL: the
 * defaults for all), reading and parsing the next files on a second thread
 * while one is compiled. Stops at the first error: *failed (when not NULL)
 * is then the index of its path. */
int assay_db_load_yara_files(assay_db *db, const char *const *paths, const struct assay_load_options *opts,
                             size_t n, size_t *failed);

/* Define a YARA external variable, as `yara -d name=value` does: "true" and
 * "false" are booleans, a decimal or 0x integer is an integer, a number with a
 * '.' a float, anything else a string. Define externals before loading the
 * rules that use them (an undefined identifier is a compile error). */
int assay_db_define(assay_db *db, const char *name, const char *value);

/* The bundled sample database: the EICAR test string and the ClamAV test
 * file clam.exe. */
int assay_db_load_default(assay_db *db);

/* Build the matching engine. Required after loading and before scanning or
 * saving; loading after this fails with ASSAY_EINVAL. */
int assay_db_finalize(assay_db *db);

/* Write a finalized database to one compiled file (see docs/database-format.md). */
int assay_db_save(const assay_db *db, const char *path);

void assay_db_get_stats(const assay_db *db, struct assay_db_stats *out);

/* ---------------------------------------------------------------------------
 * Scanning
 * ------------------------------------------------------------------------- */

enum assay_evidence_kind {
    ASSAY_EVIDENCE_BYTES = 1,    /* a body signature matched these bytes */
    ASSAY_EVIDENCE_HASH = 2,     /* the file's (or a PE section's) hash equals a listed one */
    ASSAY_EVIDENCE_FILENAME = 3, /* the path matched a filename IOC */
};

struct assay_evidence {
    enum assay_evidence_kind kind;
    /* BYTES: where the match starts and the matched bytes (capped, see
     * bytes_truncated); the subsignature index for logical signatures (or -1). */
    uint64_t offset;
    uint64_t length;
    const uint8_t *bytes;
    size_t bytes_len;
    bool bytes_truncated;
    bool normalized_text;        /* offset/bytes are in the object's normalized text
                                    (ClamAV target type 7 semantics), not its raw bytes */
    int subsignature;
    /* HASH: "md5", "sha1" or "sha256"; the hex value; what was hashed. */
    const char *hash_kind;
    const char *hash_hex;
    const char *hash_scope;      /* "file" or "pe-section" */
    uint64_t hashed_offset;      /* start of the section (0 for the file) */
    uint64_t hashed_size;
    /* FILENAME: the pattern and the IOC score. */
    const char *pattern;
    int score;
    /* BYTES of a YARA rule: the string identifier ("$a"), NULL otherwise,
     * and whether it is a hex string. YARA evidence keeps up to 512 bytes. */
    const char *string_id;
    bool hex_string;
};

enum assay_meta_kind { ASSAY_META_STRING = 1, ASSAY_META_INTEGER, ASSAY_META_BOOLEAN };
struct assay_meta {              /* a YARA rule's metadata entry */
    const char *name;
    enum assay_meta_kind kind;
    const char *string;          /* STRING (NUL-terminated; string_len bytes) */
    size_t string_len;
    int64_t integer;             /* INTEGER; BOOLEAN: 0 or 1 */
};

struct assay_finding {
    const char *path;            /* outer.zip!dir/inner for archive members */
    const char *rule;            /* signature name */
    const char *source;          /* database file the signature came from */
    uint32_t line;               /* line in that file (1-based) */
    const char *verdict;         /* "malicious" */
    uint64_t size;               /* size of the scanned object */
    const char *sha256;          /* hex digest of the scanned object */
    const struct assay_evidence *evidence;
    size_t evidence_count;
    const char *engine;          /* "clamav", "ioc" or "yara" */
    /* YARA rules: namespace, tags and metadata (NULL/0 otherwise). */
    const char *ns;
    const char *const *tags;
    size_t tag_count;
    const struct assay_meta *metas;
    size_t meta_count;
    /* False only for a YARA rule that did not match, reported because
     * assay_scan_options.report_nonmatching is set (verdict "none"). */
    bool matched;
};

/* Time a YARA rule cost in a scan (--profile): confirming its strings' atom
 * hits, searching its atom-less strings and evaluating its condition. */
struct assay_rule_cost {
    const char *rule;
    const char *ns;
    const char *source;          /* rule file */
    uint32_t line;
    double seconds;              /* summed over worker threads */
};

/* A file or member that could not be (fully) scanned, or (warning set) a
 * warning about it that does not make the scan incomplete, e.g. a YARA string
 * whose matches were capped at max_string_matches. */
struct assay_problem {
    const char *path;
    int code;                    /* ASSAY_E* */
    const char *reason;
    bool warning;
};

struct assay_scan_summary {
    uint64_t files;              /* objects scanned, archive members included */
    uint64_t bytes;
    uint64_t findings;
    uint64_t errors;             /* problems reported */
    uint64_t skipped;            /* FIFOs, sockets, devices, excluded or too large */
    uint64_t infected_files;
    double seconds;
};

struct assay_scan_callbacks {
    /* Called from worker threads, one call at a time (libassay serialises them). */
    void (*finding)(void *user, const struct assay_finding *finding);
    void (*problem)(void *user, const struct assay_problem *problem);
    void *user;
    /* Text a YARA rule printed with the console module (may be NULL). */
    void (*message)(void *user, const char *path, const char *text);
    /* An object (file or archive member) is done: every finding and problem
     * about it has been reported (may be NULL). */
    void (*object_done)(void *user, const char *path);
    /* With assay_scan_options.profile: once, at the end of the scan, the YARA
     * rules that cost time, most expensive first (may be NULL). */
    void (*profile)(void *user, const struct assay_rule_cost *costs, size_t count);
};

struct assay_scan_options {
    unsigned threads;            /* 0: all cores */
    const char *const *excludes; /* glob patterns (fnmatch) on the path and on the basename */
    size_t exclude_count;
    bool one_file_system;
    bool no_subfolders;          /* in a folder, scan only the files directly in it */
    bool follow_symlinks;
    uint64_t max_filesize;       /* 0: no limit; larger files are skipped and counted */
    bool scan_archives;          /* default true via assay_scan_options_init */
    unsigned max_recursion;      /* nesting of archives; default 16 */
    uint64_t max_files;          /* members per archive; default 100000 */
    uint64_t max_scansize;       /* bytes extracted per top-level file; default 4 GiB */
    uint64_t max_ratio;          /* extracted/compressed ratio per member; default 1000 */
    bool always_sha256;          /* hash every object, for the output */
    bool all_matches;            /* report every signature (default) or stop at the first */
    int ioc_min_score;           /* filename IOCs below this score are not reported; default 60 */
    /* YARA */
    bool report_nonmatching;     /* also report YARA rules that did not match (matched false) */
    bool fast_mode;              /* record only the first match of each YARA string */
    uint64_t max_string_matches; /* matches kept per YARA string and object; default 1000000;
                                    more are dropped with a warning naming the rule */
    bool profile;                /* account the time each YARA rule costs; reported at the end
                                    through assay_scan_callbacks.profile */
};

void assay_scan_options_init(struct assay_scan_options *opts);

/* Scan files and folders ("-" is standard input). Returns ASSAY_OK when the
 * walk completed (findings and per-file problems go to the callbacks and the
 * summary) or an error when the scan could not run at all. */
int assay_scan_paths(const assay_db *db, const char *const *paths, size_t count,
                     const struct assay_scan_options *opts,
                     const struct assay_scan_callbacks *cb, struct assay_scan_summary *summary);

/* Scan one buffer as if it were a file called `name`. */
int assay_scan_buffer(const assay_db *db, const char *name, const void *data, size_t len,
                      const struct assay_scan_options *opts,
                      const struct assay_scan_callbacks *cb, struct assay_scan_summary *summary);

/* ---------------------------------------------------------------------------
 * Inventory and review (docs/inventory.md, docs/review.md)
 * ------------------------------------------------------------------------- */

typedef struct assay_inventory assay_inventory;
typedef struct assay_review assay_review;

struct assay_inventory_options {
    const char *root;             /* NULL or "/": this host; else an offline root */
    const char *catalog;          /* vendor catalog file; NULL: the built-in one */
    const char *const *exec_dirs; /* extra folders (root-relative) whose executables are attributed */
    size_t exec_dir_count;
    bool no_executables;          /* do not look at executables at all */
    const char *hwdata_dir;       /* usb.ids / pci.ids folder; NULL: the system's */
    const char *ieee_dir;         /* IEEE registry CSV folder; NULL: the system's */
};

/* Inventory a root and attribute every item to a catalog vendor. Sources that
 * cannot be read are problems of the inventory, not failures. */
int assay_inventory_run(const struct assay_inventory_options *opts, assay_inventory **out);
size_t assay_inventory_item_count(const assay_inventory *inv);
size_t assay_inventory_problem_count(const assay_inventory *inv);
/* Problem i (< problem_count): the root-relative path and what went wrong. */
void assay_inventory_problem(const assay_inventory *inv, size_t i, const char **path, const char **message);
/* Write it as "json" (with_files: the files each package owns), "cyclonedx"
 * (1.6 JSON), "spdx" (2.3 JSON) or "text". */
int assay_inventory_write(const assay_inventory *inv, const char *format, bool with_files, FILE *out);
void assay_inventory_free(assay_inventory *inv);

struct assay_review_options {
    struct assay_inventory_options inventory;  /* root, catalog, executables... */
    const char *policy;           /* policy file; NULL: the built-in example */
    const char *const *host_tags; /* e.g. "sensitive": scopes policy entries */
    size_t host_tag_count;
    const char *date;             /* "YYYY-MM-DD" the review is as of; NULL: today (UTC) */
    const assay_db *db;           /* signatures to scan the root with; NULL: no scan */
    const struct assay_scan_options *scan;     /* NULL: defaults */
    const char *const *scan_paths;             /* NULL: the root */
    size_t scan_path_count;
};

struct assay_review_counts {
    size_t items, attributed;     /* inventory items; attributed to a catalog vendor */
    size_t excluded, review, allowed;
    size_t malicious;             /* files a signature matched */
    size_t overdue;               /* excluded/review items past their deadline */
    size_t replacement_missing;   /* items whose required replacement is absent */
    size_t problems;              /* sources or files that could not be read or scanned */
};

/* Inventory + scan + policy. A policy with errors is refused (ASSAY_ESYNTAX,
 * message "FILE:LINE:COLUMN: ..."). */
int assay_review_run(const struct assay_review_options *opts, assay_review **out);
void assay_review_get_counts(const assay_review *rv, struct assay_review_counts *out);
/* Write it as "text", "json" (JSON Lines; all_items: allowed items too),
 * "sarif" (2.1.0), "html" (one self-contained page), or the inventory with
 * verdicts as an SBOM: "cyclonedx" (1.6), "spdx" (2.3). */
int assay_review_write(const assay_review *rv, const char *format, bool all_items, FILE *out);
/* Record the run in a SQLite store (NULL: the default, docs/store.md). */
int assay_review_record(const assay_review *rv, const char *store, int64_t *run_id);
void assay_review_free(assay_review *rv);

/* Compare two recorded runs ("12", "latest", "previous", "HOST@latest"...):
 * 0 no difference, 1 differences (written to out), or an ASSAY_E* code. */
int assay_store_diff(const char *store, const char *run1, const char *run2, bool json, FILE *out);
/* The default store path. */
const char *assay_store_default_path(void);

/* ---------------------------------------------------------------------------
 * Reports (schema in docs/json-output.md)
 * ------------------------------------------------------------------------- */

/* One JSON object on one line (no trailing newline); free() the result.
 * NULL when out of memory. */
char *assay_finding_json(const struct assay_finding *finding);
char *assay_problem_json(const struct assay_problem *problem);
char *assay_summary_json(const struct assay_scan_summary *summary);

/* Short name of an ASSAY_E* code ("EIO", "ELIMIT", ...). */
const char *assay_status_name(int code);

#ifdef __cplusplus
}
#endif
#endif
