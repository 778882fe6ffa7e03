/* rules.c — building a YARA rule set: parse a file, then compile each rule
 * (strings to patterns, condition to nodes) into the flat arrays of rules.h.
 * A rule that fails to compile can be skipped (named in a warning) when the
 * caller asks; everything it had appended is rolled back. */
#include "yara/rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/error.h"
#include "yara/parser.h"
#include "yara/regex.h"
#include "yara/rules_file.h"

static _Thread_local enum yara_error_code last_code;

enum yara_error_code yara_last_error_code(void)
{
    return last_code;
}

int yrules_fail(const struct yara_diag *d)
{
    last_code = d->code;
    return util_error(d->code == YARA_ERR_NOMEM ? ASSAY_ENOMEM : ASSAY_ESYNTAX, "%s", d->message);
}

void yrules_init(struct yrules *r)
{
    memset(r, 0, sizeof *r);
}

void yrules_free(struct yrules *r)
{
    if (r->file_storage)
        yrules_file_release(r);
    for (size_t i = 0; i < r->files.n; i++)
        yara_file_free(r->files.v[i]);
    util_arena_free(&r->consts);
    util_hashslots_free(&r->programs);
    yrules_forget_string_defs(r);
    for (size_t i = 0; i < r->regexes.n; i++)
        yara_regex_free(r->regexes.v[i]);
    for (size_t i = 0; i < r->namespaces.n; i++) {
        free((char *)r->namespaces.v[i].name);
        util_vec_free(&r->namespaces.v[i].globals);
    }
    for (size_t i = 0; i < r->externals.n; i++) {
        free((char *)r->externals.v[i].name);
        if (r->externals.v[i].value.type == YV_STRING)
            free((uint8_t *)r->externals.v[i].value.s);
    }
    util_vec_free(&r->files);
    util_vec_free(&r->rules);
    util_vec_free(&r->strings);
    util_vec_free(&r->patterns);
    util_vec_free(&r->nodes);
    util_vec_free(&r->kids);
    util_vec_free(&r->namespaces);
    util_vec_free(&r->externals);
    util_vec_free(&r->regexes);
    util_vec_free(&r->scan_all);
    util_vec_free(&r->first_sets);
    util_vec_free(&r->chain_gaps);
    util_buf_free(&r->bytes);
    util_idset_free(&r->rule_names);
    memset(r, 0, sizeof *r);
}

/* ---- externals ------------------------------------------------------------- */

static struct yval parse_external(const char *value, bool *ok)
{
    struct yval v = {.type = YV_INT};
    *ok = true;
    if (strcmp(value, "true") == 0) {
        v.i = 1;
        return v;
    }
    if (strcmp(value, "false") == 0)
        return v;
    char *end;
    errno = 0;
    long long i = strtoll(value, &end, 0);
    if (*value && *end == 0 && errno == 0) {
        v.i = i;
        return v;
    }
    if (strchr(value, '.')) {
        double f = strtod(value, &end);
        if (*value && *end == 0) {
            v.type = YV_FLOAT;
            v.f = f;
            return v;
        }
    }
    v.type = YV_STRING;
    v.n = strlen(value);
    v.s = (const uint8_t *)strdup(value);
    *ok = v.s != NULL;
    return v;
}

void yrules_trim(struct yrules *r)
{
    yrules_forget_string_defs(r);
    util_vec_shrink(&r->rules);
    util_vec_shrink(&r->strings);
    util_vec_shrink(&r->patterns);
    util_vec_shrink(&r->nodes);
    util_vec_shrink(&r->kids);
    util_vec_shrink(&r->regexes);
    util_vec_shrink(&r->first_sets);
    util_vec_shrink(&r->chain_gaps);
}

int yrules_define(struct yrules *r, const char *name, const char *value)
{
    if (!name || !*name || !value)
        return util_error(ASSAY_EINVAL, "an external variable needs a name and a value");
    bool ok;
    struct yval v = parse_external(value, &ok);
    if (!ok)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->externals.n; i++)
        if (strcmp(r->externals.v[i].name, name) == 0) {
            struct yexternal *x = &r->externals.v[i];
            if (x->value.type == YV_STRING)
                free((uint8_t *)x->value.s);
            x->value = v;
            return ASSAY_OK;
        }
    struct yexternal x = {.name = strdup(name), .value = v};
    if (!x.name || util_vec_push(&r->externals, x) != 0) {
        free((char *)x.name);
        if (v.type == YV_STRING)
            free((uint8_t *)v.s);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    return ASSAY_OK;
}

/* ---- namespaces ------------------------------------------------------------ */

static int namespace_index(struct yrules *r, const char *name, uint32_t *out)
{
    for (size_t i = 0; i < r->namespaces.n; i++)
        if (strcmp(r->namespaces.v[i].name, name) == 0) {
            *out = (uint32_t)i;
            return ASSAY_OK;
        }
    struct ynamespace ns = {.name = strdup(name)};
    if (!ns.name || util_vec_push(&r->namespaces, ns) != 0) {
        free((char *)ns.name);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    *out = (uint32_t)(r->namespaces.n - 1);
    return ASSAY_OK;
}

/* ---- rule names -------------------------------------------------------------- */

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

bool yrules_may_have_rule(const struct yrules *r, uint32_t ns, const char *name)
{
    return util_idset_has(&r->rule_names, ns, name_hash(name));
}

/* ---- one rule -------------------------------------------------------------- */

struct mark {
    size_t rules, strings, patterns, nodes, kids, regexes, bytes, max_vars, first_sets, chain_gaps;
    uint32_t module_count;
};

static struct mark mark_of(const struct yrules *r)
{
    return (struct mark){r->rules.n, r->strings.n, r->patterns.n, r->nodes.n, r->kids.n,
                         r->regexes.n, r->bytes.len, r->max_vars, r->first_sets.n, r->chain_gaps.n, r->module_count};
}

static void roll_back(struct yrules *r, const struct mark *m)
{
    for (size_t i = m->regexes; i < r->regexes.n; i++)
        yara_regex_free(r->regexes.v[i]);
    r->rules.n = m->rules;
    yrules_string_defs_roll_back(r, m->strings);
    r->strings.n = m->strings;
    r->patterns.n = m->patterns;
    r->nodes.n = m->nodes;
    r->kids.n = m->kids;
    r->regexes.n = m->regexes;
    r->bytes.len = m->bytes;
    r->first_sets.n = m->first_sets;
    r->chain_gaps.n = m->chain_gaps;
    r->max_vars = (uint32_t)m->max_vars;
    r->module_count = m->module_count;
}

static void warn_text(struct yrules *r, const char *msg)
{
    r->warnings++;
    if (r->warn)
        r->warn(r->warn_user, msg);
}

static int compile_rule(struct yrules *r, const struct yara_file *file, const struct yara_rule *ast, uint32_t ns,
                        struct yara_diag *diag)
{
    bool maybe = yrules_may_have_rule(r, ns, ast->name);
    for (size_t i = 0; maybe && i < r->rules.n; i++)
        if (r->rules.v[i].ns_index == ns && strcmp(r->rules.v[i].ast->name, ast->name) == 0) {
            yara_diag_set(diag, YARA_ERR_DUPLICATED_IDENTIFIER, ast->pos, "duplicated rule identifier \"%s\"",
                          ast->name);
            return ASSAY_ESYNTAX;
        }
    struct yrule rule = {.ast = ast, .file = file, .ns = r->namespaces.v[ns].name, .ns_index = ns,
                         .string_first = (uint32_t)r->strings.n, .string_count = (uint32_t)ast->string_count,
                         .is_private = ast->flags & YARA_RULE_PRIVATE, .is_global = ast->flags & YARA_RULE_GLOBAL};
    if (util_vec_push(&r->rules, rule) != 0 || util_idset_add(&r->rule_names, ns, name_hash(ast->name)) < 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    uint32_t index = (uint32_t)(r->rules.n - 1);
    for (size_t i = 0; i < ast->string_count; i++) {
        struct ystring s = {.ast = &ast->strings[i], .rule = index};
        if (util_vec_push(&r->strings, s) != 0)
            return util_error(ASSAY_ENOMEM, "out of memory");
        int rc = ycompile_string(r, (uint32_t)(r->strings.n - 1), diag);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ycompile_condition(r, index, diag);
}

static void slow_warnings(struct yrules *r, uint32_t rule)
{
    const struct yrule *ru = &r->rules.v[rule];
    for (uint32_t i = 0; i < ru->string_count; i++) {
        const struct ystring *s = &r->strings.v[ru->string_first + i];
        if (!s->slow)
            continue;
        char msg[640];
        snprintf(msg, sizeof msg, "%s:%u:%u: warning: rule \"%s\": string \"%s\" may slow down scanning",
                 s->ast->pos.file ? s->ast->pos.file : "<input>", s->ast->pos.line, s->ast->pos.column,
                 ru->ast->name, s->ast->name);
        warn_text(r, msg);
    }
}

/* The errors of one file, in source order: YARA reports every error of a
 * rule set and fails with the code of the last one. */
struct file_errors {
    struct yrules *r;
    bool skip;                       /* --skip-bad-rules: each is a warning */
    struct yara_diag last;
    size_t count;
    char text[1024];                 /* the messages, one per line, the last ones kept */
};

static void file_error(struct file_errors *fe, const struct yara_diag *d, const char *rule)
{
    if (fe->skip) {
        char msg[700];
        if (rule)
            snprintf(msg, sizeof msg, "%s (rule \"%s\" skipped)", d->message, rule);
        else
            snprintf(msg, sizeof msg, "%s (skipped up to the next rule)", d->message);
        warn_text(fe->r, msg);
        return;
    }
    size_t have = strlen(fe->text), add = strlen(d->message) + 1;
    if (have + add >= sizeof fe->text) { /* keep the latest: drop the oldest lines */
        const char *keep = fe->text;
        while (keep && (size_t)(fe->text + have - keep) + add >= sizeof fe->text) {
            const char *nl = strchr(keep, '\n');
            keep = nl ? nl + 1 : NULL;
        }
        have = keep ? strlen(keep) : 0;
        memmove(fe->text, keep ? keep : "", have + 1);
    }
    snprintf(fe->text + have, sizeof fe->text - have, "%s%s", have ? "\n" : "", d->message);
    fe->last = *d;
    fe->count++;
}

/* The parser's errors that came before rule `index` of the file (all of
 * them for index == rule_count). */
static void parse_errors_before(struct file_errors *fe, const struct yara_file *file, size_t *next, size_t index)
{
    for (; *next < file->error_count && file->errors[*next].rules_before <= index; (*next)++)
        file_error(fe, &file->errors[*next].diag, file->errors[*next].rule);
}

/* Replace the syntax tree of r->files.v[index], whose compiled rules are
 * those from first_rule on, by its compact copy (ast.h): they and their
 * strings point into the copy. */
static int compact_file(struct yrules *r, size_t index, size_t first_rule, struct yara_file **spent)
{
    struct yara_file *f = r->files.v[index], *c = yara_file_compact(f);
    if (!c)
        return util_error(ASSAY_ENOMEM, "out of memory");
    size_t j = 0; /* the rules compiled are some of the file's, in order */
    for (size_t k = first_rule; k < r->rules.n; k++) {
        struct yrule *ru = &r->rules.v[k];
        while (f->rules[j] != ru->ast)
            j++;
        for (uint32_t i = 0; i < ru->string_count; i++) {
            struct ystring *s = &r->strings.v[ru->string_first + i];
            s->ast = &c->rules[j]->strings[s->ast - ru->ast->strings];
        }
        ru->ast = c->rules[j];
        ru->file = c;
    }
    r->files.v[index] = c;
    if (spent)
        *spent = f;
    else
        yara_file_free(f);
    return ASSAY_OK;
}

void yrules_parse(struct yrules_parsed *out, const char *name, const char *text, size_t len, bool after_rules)
{
    struct yara_parse_options popts = {.include = yara_include_from_fs, .external_rules = after_rules,
                                       .recover = true};
    *out = (struct yrules_parsed){.after_rules = after_rules};
    out->rc = yara_parse(name, text, len, &popts, &out->file, &out->diag);
}

bool yrules_parsed_fits(const struct yrules *r, const struct yrules_parsed *p)
{
    return p->after_rules == (r->rules.n > 0);
}

int yrules_add_text(struct yrules *r, const char *name, const char *text, size_t len,
                    const struct yrules_load_options *opts)
{
    struct yrules_parsed p;
    yrules_parse(&p, name, text, len, r->rules.n > 0);
    return yrules_add_parsed(r, &p, opts);
}

int yrules_add_parsed(struct yrules *r, struct yrules_parsed *p, const struct yrules_load_options *opts)
{
    struct yara_file *file = p->file;
    struct yara_diag diag = p->diag;
    p->file = NULL; /* ours now */
    last_code = YARA_OK;
    int rc = p->rc;
    if (rc != ASSAY_OK) {
        yara_file_free(file);
        if (rc == ASSAY_ENOMEM)
            return util_error(ASSAY_ENOMEM, "out of memory");
        return yrules_fail(&diag);
    }
    if (util_vec_push(&r->files, file) != 0) {
        yara_file_free(file);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    uint32_t ns = 0;
    if ((rc = namespace_index(r, opts && opts->ns ? opts->ns : "default", &ns)) != ASSAY_OK)
        return rc;
    struct file_errors fe = {.r = r, .skip = opts && opts->skip_bad_rules};
    size_t next_parse_error = 0, first_rule = r->rules.n;
    for (size_t i = 0; i < file->rule_count; i++) {
        parse_errors_before(&fe, file, &next_parse_error, i);
        struct mark m = mark_of(r);
        memset(&diag, 0, sizeof diag);
        rc = compile_rule(r, file, file->rules[i], ns, &diag);
        if (rc == ASSAY_OK) {
            uint32_t index = (uint32_t)(r->rules.n - 1);
            slow_warnings(r, index);
            for (size_t p = m.patterns; p < r->patterns.n; p++)
                if (r->patterns.v[p].kind == YP_SCAN_ALL && util_vec_push(&r->scan_all, (uint32_t)p) != 0)
                    return util_error(ASSAY_ENOMEM, "out of memory");
            if (r->rules.v[index].is_global &&
                util_vec_push(&r->namespaces.v[ns].globals, index) != 0)
                return util_error(ASSAY_ENOMEM, "out of memory");
            continue;
        }
        roll_back(r, &m);
        if (rc != ASSAY_ESYNTAX)
            return rc;
        file_error(&fe, &diag, file->rules[i]->name);
    }
    parse_errors_before(&fe, file, &next_parse_error, file->rule_count);
    if ((rc = compact_file(r, r->files.n - 1, first_rule, p->keep_spent ? &p->spent : NULL)) != ASSAY_OK)
        return rc;
    if (fe.count == 0)
        return ASSAY_OK;
    last_code = fe.last.code;
    return util_error(ASSAY_ESYNTAX, "%s", fe.text);
}
