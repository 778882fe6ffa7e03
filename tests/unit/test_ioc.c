/* test_ioc.c — unit tests for the LOKI/THOR IOC line parsers (lib/sig/ioc.c):
 * both line formats with the quirks of hand-edited lists, the error messages
 * (which must name path:line), and every line of the real signature-base
 * IOC lists when ../shared is present. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "assay.h"
#include "sig/ioc.h"

#define HASH_PATH "iocs/hash-iocs.txt"
#define NAME_PATH "iocs/filename-iocs.txt"

static const char MD5[] = "0c2674c3a97c53082187d930efb645c2";
static const char SHA1[] = "adc83b19e793491b1c6ea0fd8b46cd9f32e592fc";
static const char SHA256[] = "c03318cb12b827c03d556c8747b1e323225df97bdc4258c2756b0d6a4fd52b47";

struct fixture {
    struct sigdb db;
    struct sig_load_ctx ctx;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    sigdb_init(&f->db);
    f->ctx.db = &f->db;
    f->ctx.path = HASH_PATH;
    f->ctx.source = (uint16_t)sigdb_source(&f->db, HASH_PATH);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sigdb_free(&f->db);
    free(f);
    return 0;
}

static int hash_line(struct fixture *f, const char *line, uint32_t lineno)
{
    f->ctx.path = HASH_PATH;
    return ioc_parse_hash_line(&f->ctx, line, strlen(line), lineno);
}

static int name_line(struct fixture *f, const char *line, uint32_t lineno)
{
    f->ctx.path = NAME_PATH;
    return ioc_parse_filename_line(&f->ctx, line, strlen(line), lineno);
}

static const struct sig_hash *last_hash(const struct fixture *f)
{
    assert_true(f->db.hashes.n > 0);
    return &f->db.hashes.v[f->db.hashes.n - 1];
}

static const struct sig_filename_ioc *last_name(const struct fixture *f)
{
    assert_true(f->db.filename_iocs.n > 0);
    return &f->db.filename_iocs.v[f->db.filename_iocs.n - 1];
}

static void assert_error(int rc, int code, const char *where, const char *what)
{
    assert_int_equal(rc, code);
    const char *msg = assay_last_error();
    if (!strstr(msg, where) || !strstr(msg, what))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", msg, where, what);
}

static void hex_to_bytes(const char *hex, uint8_t *out)
{
    assert_int_equal(sig_hex_decode(hex, strlen(hex) / 2, out), 0);
}

/* ---------------------------------------------------------------------------
 * Hash IOCs
 * ------------------------------------------------------------------------- */

static void test_hash_kinds_by_length(void **state)
{
    struct fixture *f = *state;
    const char *hexes[] = {MD5, SHA1, SHA256};
    const int kinds[] = {SIG_MD5, SIG_SHA1, SIG_SHA256};
    for (int i = 0; i < 3; i++) {
        char line[160];
        snprintf(line, sizeof line, "%s;DEEP PANDA Sakula Malware - http://goo.gl/R3e6eG", hexes[i]);
        assert_int_equal(hash_line(f, line, 10 + (uint32_t)i), ASSAY_OK);
        const struct sig_hash *h = last_hash(f);
        uint8_t want[32] = {0};
        hex_to_bytes(hexes[i], want);
        assert_int_equal(h->kind, kinds[i]);
        assert_memory_equal(h->digest, want, 32);
        assert_true(h->size == SIG_ANY_SIZE);
        assert_int_equal(h->scope, SIG_SCOPE_FILE);
        assert_int_equal(h->role, SIG_ROLE_DETECT);
        assert_int_equal(h->is_ioc, 1);
        assert_int_equal(h->score, 0);
        assert_int_equal(h->line, 10 + i);
        assert_int_equal(h->source, f->ctx.source);
        assert_string_equal(sigdb_str(&f->db, h->name), "DEEP PANDA Sakula Malware - http://goo.gl/R3e6eG");
    }
    assert_int_equal(f->db.hashes.n, 3);
}

static void test_hash_with_score(void **state)
{
    struct fixture *f = *state;
    char line[200];
    snprintf(line, sizeof line, "%s;55;Vulnerable Log4j library ./apache-log4j-2.0-beta1-bin/log4j-core-2.0-beta1.jar",
             SHA256);
    assert_int_equal(hash_line(f, line, 3), ASSAY_OK);
    assert_int_equal(last_hash(f)->score, 55);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name),
                        "Vulnerable Log4j library ./apache-log4j-2.0-beta1-bin/log4j-core-2.0-beta1.jar");

    snprintf(line, sizeof line, "%s; 80 ;spaced score", MD5);
    assert_int_equal(hash_line(f, line, 4), ASSAY_OK);
    assert_int_equal(last_hash(f)->score, 80);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "spaced score");
}

static void test_hash_comment_with_semicolons(void **state)
{
    struct fixture *f = *state;
    char line[300];
    snprintf(line, sizeof line,
             "%s;Triton Actor TTP IOCs - flogon.js; - https://www.fireeye.com/blog/x.html", SHA256);
    assert_int_equal(hash_line(f, line, 5), ASSAY_OK);
    assert_int_equal(last_hash(f)->score, 0);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name),
                        "Triton Actor TTP IOCs - flogon.js; - https://www.fireeye.com/blog/x.html");

    /* A number alone is a comment, as in LOKI; so is a field that only starts with digits. */
    snprintf(line, sizeof line, "%s;55", MD5);
    assert_int_equal(hash_line(f, line, 6), ASSAY_OK);
    assert_int_equal(last_hash(f)->score, 0);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "55");

    snprintf(line, sizeof line, "%s;2019 report; more", MD5);
    assert_int_equal(hash_line(f, line, 7), ASSAY_OK);
    assert_int_equal(last_hash(f)->score, 0);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "2019 report; more");
}

static void test_hash_whitespace_and_crlf(void **state)
{
    struct fixture *f = *state;
    char line[200];
    snprintf(line, sizeof line, "  %s ;Threat Needle - Loader - https://securelist.com/x/  \r", MD5);
    assert_int_equal(hash_line(f, line, 8), ASSAY_OK);
    assert_int_equal(last_hash(f)->kind, SIG_MD5);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name),
                        "Threat Needle - Loader - https://securelist.com/x/");

    snprintf(line, sizeof line, "%s;ok.exe\tBinary with a tab\t\r", SHA256);
    assert_int_equal(hash_line(f, line, 9), ASSAY_OK);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "ok.exe\tBinary with a tab");

    /* Upper-case hex is the same digest. */
    char upper[33];
    for (int i = 0; i < 32; i++)
        upper[i] = (char)(MD5[i] >= 'a' ? MD5[i] - 32 : MD5[i]);
    upper[32] = '\0';
    snprintf(line, sizeof line, "%s;upper", upper);
    assert_int_equal(hash_line(f, line, 10), ASSAY_OK);
    uint8_t want[16];
    hex_to_bytes(MD5, want);
    assert_memory_equal(last_hash(f)->digest, want, 16);
}

static void test_hash_without_comment(void **state)
{
    struct fixture *f = *state;
    char line[100];
    snprintf(line, sizeof line, "%s", SHA1);
    assert_int_equal(hash_line(f, line, 11), ASSAY_OK);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "HashIOC adc83b19");

    snprintf(line, sizeof line, "%s;   \r", MD5);
    assert_int_equal(hash_line(f, line, 12), ASSAY_OK);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "HashIOC 0c2674c3");

    snprintf(line, sizeof line, "%s;70;", MD5);
    assert_int_equal(hash_line(f, line, 13), ASSAY_OK);
    assert_int_equal(last_hash(f)->score, 70);
    assert_string_equal(sigdb_str(&f->db, last_hash(f)->name), "HashIOC 0c2674c3");
}

static void test_hash_errors(void **state)
{
    struct fixture *f = *state;
    char line[200];

    snprintf(line, sizeof line, "%.31s;one digit short", MD5);
    assert_error(hash_line(f, line, 21), ASSAY_ESYNTAX, HASH_PATH ":21:", "has 31 characters");

    snprintf(line, sizeof line, "%.39sg;bad digit", SHA1);
    assert_error(hash_line(f, line, 22), ASSAY_ESYNTAX, HASH_PATH ":22:", "non-hex character 'g' at position 40");

    snprintf(line, sizeof line, "%s;99999;score too big", MD5);
    assert_error(hash_line(f, line, 23), ASSAY_ESYNTAX, HASH_PATH ":23:", "score '99999' is out of range");

    assert_error(hash_line(f, ";comment only", 24), ASSAY_ESYNTAX, HASH_PATH ":24:", "no hash");

    assert_error(hash_line(f, "not-a-hash-at-all;x", 25), ASSAY_ESYNTAX, HASH_PATH ":25:",
                 "expected 32 (MD5), 40 (SHA1) or 64 (SHA256)");

    char with_nul[60];
    memcpy(with_nul, MD5, 32);
    memcpy(with_nul + 32, ";a\0b", 4);
    assert_error(ioc_parse_hash_line(&f->ctx, with_nul, 36, 26), ASSAY_ESYNTAX, HASH_PATH ":26:", "NUL byte");

    assert_int_equal(f->db.hashes.n, 0);
}

/* ---------------------------------------------------------------------------
 * Filename IOCs
 * ------------------------------------------------------------------------- */

static void assert_name_ioc(const struct fixture *f, const char *regex, int score, const char *fp)
{
    const struct sig_filename_ioc *n = last_name(f);
    assert_string_equal(sigdb_str(&f->db, n->regex), regex);
    assert_int_equal(n->score, score);
    if (fp)
        assert_string_equal(sigdb_str(&f->db, n->fp_regex), fp);
    else
        assert_int_equal(n->fp_regex, SIG_NONE);
}

static void test_filename_basic(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(name_line(f, "\\\\usbclass\\.sys;80", 33), ASSAY_OK);
    assert_name_ioc(f, "\\\\usbclass\\.sys", 80, NULL);
    assert_int_equal(last_name(f)->line, 33);
    assert_int_equal(last_name(f)->source, f->ctx.source);

    assert_int_equal(name_line(f, "(?i)\\\\procdump(64)?(a)?\\.(exe|zip);50;(?i)(SysInternals\\\\)", 34), ASSAY_OK);
    assert_name_ioc(f, "(?i)\\\\procdump(64)?(a)?\\.(exe|zip)", 50, "(?i)(SysInternals\\\\)");
}

static void test_filename_quirks(void **state)
{
    struct fixture *f = *state;
    /* '#' inside a regex is part of it. */
    assert_int_equal(name_line(f, "\\\\st#host\\.exe;45", 1), ASSAY_OK);
    assert_name_ioc(f, "\\\\st#host\\.exe", 45, NULL);

    /* CRLF and trailing blanks. */
    assert_int_equal(name_line(f, "/dev/shm/kdmtmpflush;90;grep  \r", 2), ASSAY_OK);
    assert_name_ioc(f, "/dev/shm/kdmtmpflush", 90, "grep");
    assert_int_equal(name_line(f, "\\\\w32\\.exe;50 \t\r", 3), ASSAY_OK);
    assert_name_ioc(f, "\\\\w32\\.exe", 50, NULL);

    /* A note after the score, a spaced score, a negative score. */
    assert_int_equal(name_line(f, "\\\\x\\.exe; 75 # raised from 60", 4), ASSAY_OK);
    assert_name_ioc(f, "\\\\x\\.exe", 75, NULL);
    assert_int_equal(name_line(f, "\\\\Windows\\\\;-20", 5), ASSAY_OK);
    assert_name_ioc(f, "\\\\Windows\\\\", -20, NULL);

    /* The false-positive regex is the rest of the line, ';' included; empty means none. */
    assert_int_equal(name_line(f, "\\\\a\\.exe;60;(b;c|d)", 6), ASSAY_OK);
    assert_name_ioc(f, "\\\\a\\.exe", 60, "(b;c|d)");
    assert_int_equal(name_line(f, "\\\\a\\.exe;60;  \r", 7), ASSAY_OK);
    assert_name_ioc(f, "\\\\a\\.exe", 60, NULL);

    /* UTF-8 in a regex is kept byte for byte. */
    assert_int_equal(name_line(f, "\\\\svchöst\\.exe;45", 8), ASSAY_OK);
    assert_name_ioc(f, "\\\\svchöst\\.exe", 45, NULL);
    assert_int_equal(f->db.filename_iocs.n, 8);
}

static void test_filename_errors(void **state)
{
    struct fixture *f = *state;
    assert_error(name_line(f, "\\\\no_score\\.exe", 41), ASSAY_ESYNTAX, NAME_PATH ":41:", "no ';SCORE'");
    assert_error(name_line(f, ";80", 42), ASSAY_ESYNTAX, NAME_PATH ":42:", "empty regex");
    assert_error(name_line(f, "  ;80", 43), ASSAY_ESYNTAX, NAME_PATH ":43:", "empty regex");
    assert_error(name_line(f, "\\\\x\\.exe;high", 44), ASSAY_ESYNTAX, NAME_PATH ":44:", "score 'high' is not an integer");
    assert_error(name_line(f, "\\\\x\\.exe;80x;fp", 45), ASSAY_ESYNTAX, NAME_PATH ":45:", "'80x' is not an integer");
    assert_error(name_line(f, "\\\\x\\.exe;;fp", 46), ASSAY_ESYNTAX, NAME_PATH ":46:", "empty score");
    assert_error(name_line(f, "\\\\x\\.exe;\r", 47), ASSAY_ESYNTAX, NAME_PATH ":47:", "empty score");
    assert_error(name_line(f, "\\\\x\\.exe;40000", 48), ASSAY_ESYNTAX, NAME_PATH ":48:", "out of range");
    assert_error(name_line(f, "\\\\x\\.exe;7.5", 49), ASSAY_ESYNTAX, NAME_PATH ":49:", "not an integer");
    assert_error(ioc_parse_filename_line(&f->ctx, "a\0b;80", 6, 50), ASSAY_ESYNTAX, NAME_PATH ":50:", "NUL byte");
    assert_int_equal(f->db.filename_iocs.n, 0);
}

/* ---------------------------------------------------------------------------
 * The real lists from signature-base
 * ------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = (n + 65536 + 1) * 2;
            char *nb = realloc(buf, cap);
            assert_non_null(nb);
            buf = nb;
        }
        size_t got = fread(buf + n, 1, 65536, fp);
        n += got;
        if (got == 0)
            break;
    }
    fclose(fp);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static const char *find_iocs_dir(void)
{
    static char found[4096];
    const char *env = getenv("ASSAY_SHARED");
    const char *candidates[] = {env, "../shared", "../../shared", "../../../shared"};
    for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
        if (!candidates[i])
            continue;
        snprintf(found, sizeof found, "%s/rules/signature-base/iocs", candidates[i]);
        DIR *d = opendir(found);
        if (d) {
            closedir(d);
            return found;
        }
    }
    return NULL;
}

/* Split like the loader: drop blank lines and lines whose first non-blank is '#'. */
static size_t parse_real_file(struct fixture *f, const char *path, sig_line_parser parse)
{
    size_t len = 0, parsed = 0;
    char *text = read_file(path, &len);
    assert_non_null(text);
    f->ctx.path = path;
    f->ctx.source = (uint16_t)sigdb_source(&f->db, path);
    uint32_t lineno = 0;
    for (size_t pos = 0; pos < len;) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + 1;
        lineno++;
        size_t i = 0;
        while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i == n || line[i] == '#')
            continue;
        int rc = parse(&f->ctx, line, n, lineno);
        if (rc != ASSAY_OK)
            fail_msg("%s", assay_last_error());
        parsed++;
    }
    free(text);
    return parsed;
}

static void test_real_signature_base_iocs(void **state)
{
    struct fixture *f = *state;
    const char *dir = find_iocs_dir();
    if (!dir) {
        print_message("signature-base iocs/ not found; set ASSAY_SHARED\n");
        skip();
    }
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t hash_lines = 0, name_lines = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        /* LOKI picks the format by a word in the file name. */
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (strstr(de->d_name, "hash"))
            hash_lines += parse_real_file(f, path, ioc_parse_hash_line);
        else if (strstr(de->d_name, "filename"))
            name_lines += parse_real_file(f, path, ioc_parse_filename_line);
    }
    closedir(d);
    print_message("parsed %zu hash IOCs and %zu filename IOCs\n", hash_lines, name_lines);
    assert_true(hash_lines > 1000);
    assert_true(name_lines > 1000);
    assert_int_equal(f->db.hashes.n, hash_lines);
    assert_int_equal(f->db.filename_iocs.n, name_lines);
    size_t scored = 0;
    for (size_t i = 0; i < f->db.hashes.n; i++)
        scored += f->db.hashes.v[i].score != 0;
    assert_true(scored > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hash_kinds_by_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_with_score, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_comment_with_semicolons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_whitespace_and_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_without_comment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hash_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filename_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filename_quirks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filename_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_signature_base_iocs, setup, teardown),
    };
    return cmocka_run_group_tests_name("ioc", tests, NULL, NULL);
}
