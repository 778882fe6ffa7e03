/* gating.c — choosing gated YARA rules and their groups (gating.h).
 *
 * Two rates per byte of data, from a rough model of byte frequencies in
 * files (yara/byte_odds.h): how often a string's literal
 * is hit in the first pass, and how often the string matches, opening its
 * rule's gate. Guesses, used only to compare: a rule's gate is the one whose
 * literals are hit least among those opening rarely, and a rule whose gates
 * all open often stays ungated. Groups hold the gated rules by decreasing
 * opening rate, each with about the same number of waiting literals, so the
 * rules opened most often share one database and the others stay closed. */
#include <stdlib.h>
#include <string.h>

#include "../util/error.h"
#include "../yara/byte_odds.h"
#include "../yara/gates.h"
#include "gating.h"
#include "yara_literal.h"

/* Gates expected to match more often than this per byte are not used.
 * ASSAY_GATE_ALL=1 in the environment gates every rule that has a gate: the
 * test suites run so, to check the results stay YARA's whatever the rules. */
#define GATE_MAX_COST 1e-9

static double gate_max_cost(void)
{
    const char *all = getenv("ASSAY_GATE_ALL");
    return all && strcmp(all, "1") == 0 ? 1e300 : GATE_MAX_COST;
}

static double bytes_odds(const uint8_t *a, uint32_t n, bool nocase)
{
    double odds = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t b = a[i];
        if (nocase && b >= 'A' && b <= 'Z')
            b = (uint8_t)(b - 'A' + 'a');
        odds *= yara_byte_odds(b);
    }
    return odds;
}

/* Gates open on confirmed matches: a literal string costs its odds as a
 * whole, other patterns those of the literal searched for them. */
static double pattern_odds(const struct yrules *y, const struct ypattern *p)
{
    if (p->kind == YP_LITERAL)
        return bytes_odds(yrules_bytes(y, p->lit), p->lit_len, p->flags & YPF_NOCASE);
    uint32_t n;
    const uint8_t *a = engine_yara_literal(y, p, &n);
    if (!(p->flags & YPF_MASKED))
        return bytes_odds(a, n, p->atom_nocase);
    n /= 2; /* values, then masks */
    double odds = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t mask = a[n + i];
        odds *= mask == 0xFF ? yara_byte_odds(a[i]) : mask == 0 ? 1.0 : 1.0 / 16;
    }
    return odds;
}

/* How often the first pass hits the literal searched for pattern p: the
 * run of exact bytes of a masked window that has one, else the literal. */
static double search_odds(const struct engine *e, uint32_t p)
{
    const struct yrules *y = &e->yara;
    const struct ypattern *pt = &y->patterns.v[p];
    uint8_t run = e->yara_window_run.v[p];
    uint32_t n;
    const uint8_t *a = engine_yara_literal(y, pt, &n);
    if (run)
        return bytes_odds(a + (run >> 4), run & 15, false);
    if (pt->flags & YPF_MASKED)
        return pattern_odds(y, pt); /* the whole window, as a regex */
    return bytes_odds(a, n, pt->atom_nocase);
}

/* How often pattern p matches: its literal's odds, or, for a regex or hex
 * string, those of its whole fragment when rarer (ypattern.match_bits). */
static double match_odds(const struct yrules *y, const struct ypattern *p)
{
    double odds = pattern_odds(y, p);
    if (p->kind != YP_LITERAL && p->match_bits) {
        double whole = 1;
        for (uint8_t i = 0; i < p->match_bits; i++)
            whole /= 2;
        if (whole < odds)
            odds = whole;
    }
    return odds;
}

/* Strings the byte model takes for rare but that the commonest file formats
 * are full of (markup, scripts, HTTP, ELF and PE files): a literal holding
 * one matches about as often as the token, which its bytes do not tell.
 * Signature-base's `<![CDATA[` gate opened its group over 307 MB of the
 * corpus's XML, `#!/bin/sh` and `User-Agent` over more. */
static const char *const common_tokens[] = {
    "<![CDATA[", "<?xml", "xmlns", "<html", "<HTML", "<script", "<body", "</div>", "http://", "https://",
    "#!/bin/sh", "#!/bin/bash", "#!/usr/bin/", "User-Agent", "Content-Type", "function", "return",
    "Copyright", "Microsoft", "This program", "kernel32", "KERNEL32", "GetProcAddress", "LoadLibrary",
    ".text", ".rdata", ".data", "GLIBC_",
};

#define COMMON_TOKEN_ODDS 1e-6
#define COMMON_TOKENS (sizeof common_tokens / sizeof common_tokens[0])

/* The tokens' first two bytes, a bit per pair: a literal is read once, the
 * tokens compared only where a pair of its bytes starts one (a search of
 * every literal for each token in turn was most of planning the gates). */
struct token_pairs {
    uint64_t bits[65536 / 64];
};

static unsigned byte_pair(const uint8_t *a)
{
    return (unsigned)a[0] << 8 | a[1];
}

static void index_token_pairs(struct token_pairs *t)
{
    memset(t, 0, sizeof *t);
    for (size_t k = 0; k < COMMON_TOKENS; k++) {
        unsigned pair = byte_pair((const uint8_t *)common_tokens[k]);
        t->bits[pair / 64] |= UINT64_C(1) << (pair % 64);
    }
}

static bool holds_common_token(const struct token_pairs *t, const uint8_t *a, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i++) {
        unsigned pair = byte_pair(a + i);
        if (!(t->bits[pair / 64] >> (pair % 64) & 1))
            continue;
        for (size_t k = 0; k < COMMON_TOKENS; k++) {
            size_t len = strlen(common_tokens[k]);
            if (len <= n - i && memcmp(a + i, common_tokens[k], len) == 0)
                return true;
        }
    }
    return false;
}

/* How often string s opens its rule's gate (its confirmed matches), per
 * byte; negative when it cannot be a gate (a pattern searched without a
 * literal gives no hit to open one). */
static double open_odds(const struct yrules *y, const struct token_pairs *tokens, uint32_t s)
{
    const struct ystring *st = &y->strings.v[s];
    double odds = 0;
    for (uint32_t k = 0; k < st->pattern_count; k++) {
        const struct ypattern *p = &y->patterns.v[st->pattern_first + k];
        if (p->atom_len == 0)
            return -1;
        double m = match_odds(y, p);
        if (p->kind == YP_LITERAL && m < COMMON_TOKEN_ODDS &&
            holds_common_token(tokens, yrules_bytes(y, p->lit), p->lit_len))
            m = COMMON_TOKEN_ODDS;
        odds += m;
    }
    return st->pattern_count ? odds : -1;
}

struct cost_context {
    const struct engine *e;
    double max_open; /* a gate opening more often than this is not used */
    double *open;    /* per string: open_odds, NOT_YET until first asked */
    const struct token_pairs *tokens;
};

#define NOT_YET (-2.0)

/* open_odds of string s, computed once: the gate analysis asks again and again. */
static double string_open(const struct cost_context *c, uint32_t s)
{
    if (c->open[s] == NOT_YET)
        c->open[s] = open_odds(&c->e->yara, c->tokens, s);
    return c->open[s];
}

/* A gate string opening more often than this share of the most a gate may
 * counts as opening too often. */
#define GATE_STRING_SHARE 8

/* Is pattern p searched for as a regex: a masked window without a run of
 * exact bytes, or an atom starting with 00 (Vectorscan's literal matcher
 * takes neither)? */
static bool searched_as_regex(const struct engine *e, uint32_t p)
{
    const struct ypattern *pt = &e->yara.patterns.v[p];
    uint32_t n;
    if (pt->flags & YPF_MASKED)
        return e->yara_window_run.v[p] == 0;
    return engine_yara_literal(&e->yara, pt, &n)[0] == 0;
}

/* A gate's strings are searched in the first pass whatever else waits, so
 * the gate chosen is the one whose literals the first pass hits least, among
 * those opening rarely enough: a string opening too often on its own costs
 * 1 more than any literal can, and so does one searched as a regex (the
 * first pass's regex database is one more pass over every object, which
 * signature-base's one such gate string, a masked window of
 * APT_Winnti_MAL_Dec19_5, cost on its own). */
static double string_cost(void *ctx, uint32_t s)
{
    const struct cost_context *c = ctx;
    const struct yrules *y = &c->e->yara;
    double open = string_open(c, s);
    if (open < 0)
        return -1;
    const struct ystring *st = &y->strings.v[s];
    double cost = open > c->max_open / GATE_STRING_SHARE ? 1 : 0;
    for (uint32_t k = 0; k < st->pattern_count; k++) {
        cost += search_odds(c->e, st->pattern_first + k);
        if (searched_as_regex(c->e, st->pattern_first + k))
            cost += 1;
    }
    return cost;
}

static double gate_open_odds(const struct cost_context *c, const struct ygate *g)
{
    double odds = 0;
    for (uint32_t i = 0; i < g->n; i++)
        odds += string_open(c, g->strings[i]);
    return odds;
}

struct gated_rule {
    uint32_t rule;
    struct ygate gate;
    double open;    /* how often the gate opens, per byte */
    size_t waiting; /* patterns whose literal waits */
};

static int cmp_by_open_desc(const void *pa, const void *pb)
{
    const struct gated_rule *a = pa, *b = pb;
    if (a->open != b->open)
        return a->open > b->open ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static bool in_gate(const struct ygate *g, uint32_t s)
{
    for (uint32_t i = 0; i < g->n; i++)
        if (g->strings[i] == s)
            return true;
    return false;
}

/* Can pattern p's literal wait in a group database? Whatever is searched
 * for in the first pass: literals, masked windows, atoms starting with 00
 * (a group with any of the last two is a regex database, build.c). */
static bool can_wait(const struct engine *e, uint32_t p)
{
    return e->yara.patterns.v[p].atom_len != 0;
}

/* How many of rule r's patterns would wait for its gate. */
static size_t count_waiting(const struct engine *e, uint32_t r, const struct ygate *gate)
{
    const struct yrules *y = &e->yara;
    const struct yrule *rule = &y->rules.v[r];
    size_t waiting = 0;
    for (uint32_t k = 0; k < rule->string_count; k++) {
        const struct ystring *st = &y->strings.v[rule->string_first + k];
        for (uint32_t i = 0; i < st->pattern_count && !in_gate(gate, rule->string_first + k); i++)
            waiting += can_wait(e, st->pattern_first + i);
    }
    return waiting;
}

/* Mark the patterns of rule r: gate strings open group g, the others wait. */
static size_t mark_rule(struct engine *e, uint32_t r, const struct ygate *gate, uint8_t g, uint8_t *deferred)
{
    const struct yrules *y = &e->yara;
    const struct yrule *rule = &y->rules.v[r];
    size_t waiting = 0;
    for (uint32_t k = 0; k < rule->string_count; k++) {
        uint32_t s = rule->string_first + k;
        const struct ystring *st = &y->strings.v[s];
        bool opens = in_gate(gate, s);
        for (uint32_t i = 0; i < st->pattern_count; i++) {
            uint32_t p = st->pattern_first + i;
            if (opens)
                e->yara_gate_open.v[p] = g;
            else if (can_wait(e, p)) {
                deferred[p] = g;
                waiting++;
            }
        }
    }
    return waiting;
}

/* Literals per gate group database: Vectorscan compiles a literal set of
 * up to ~256 in ~8 ms into ~100 KB; bigger ones sometimes took it 0.2-0.3 s.
 * An opened group is scanned over the whole object, and a set of ~128
 * literals scans twice as fast as one of ~256 (200 vs 460 ms per GB);
 * the groups' count costs little, as each is scanned only where opened
 * (signature-base: 11k waiting literals in 64 groups, compiled scan -5%). */
#define GATE_GROUP_LITERALS 128

/* Deal the gated rules, by decreasing opening rate, into groups of about the same
 * number of waiting literals. */
static void deal_groups(struct engine *e, struct gated_rule *gated, size_t n, size_t waiting, uint8_t *deferred)
{
    size_t groups = (waiting + GATE_GROUP_LITERALS - 1) / GATE_GROUP_LITERALS;
    if (groups > ENGINE_GATE_GROUPS)
        groups = ENGINE_GATE_GROUPS;
    if (groups > n)
        groups = n;
    size_t share = (waiting + groups - 1) / groups, filled = 0;
    uint8_t g = 0;
    qsort(gated, n, sizeof *gated, cmp_by_open_desc);
    for (size_t i = 0; i < n; i++) {
        if (filled >= share && g + 1u < groups) {
            g++;
            filled = 0;
        }
        filled += mark_rule(e, gated[i].rule, &gated[i].gate, (uint8_t)(g + 1), deferred);
    }
    e->ngates = (uint32_t)g + 1;
}

int engine_plan_gates(struct engine *e, uint8_t *deferred)
{
    const struct yrules *y = &e->yara;
    e->ngates = 0;
    if (util_vec_reserve(&e->yara_gate_open, y->patterns.n) != 0)
        return util_error(ASSAY_ENOMEM, "out of memory");
    e->yara_gate_open.n = y->patterns.n;
    if (y->patterns.n) { /* rules without strings: no vector at all */
        memset(e->yara_gate_open.v, 0, y->patterns.n);
        memset(deferred, 0, y->patterns.n);
    }
    UTIL_VEC(struct gated_rule) gated = {0};
    size_t waiting = 0;
    struct token_pairs tokens;
    index_token_pairs(&tokens);
    struct cost_context costs = {.e = e, .max_open = gate_max_cost(), .tokens = &tokens,
                                 .open = malloc((y->strings.n ? y->strings.n : 1) * sizeof(double))};
    if (!costs.open)
        return util_error(ASSAY_ENOMEM, "out of memory");
    for (size_t i = 0; i < y->strings.n; i++)
        costs.open[i] = NOT_YET;
    int rc = ASSAY_OK;
    for (uint32_t r = 0; r < y->rules.n && rc == ASSAY_OK; r++) {
        struct gated_rule gr = {.rule = r};
        ygate_choose(y, r, string_cost, &costs, &gr.gate);
        if (gr.gate.n == 0 || (gr.open = gate_open_odds(&costs, &gr.gate)) > costs.max_open)
            continue;
        gr.waiting = count_waiting(e, r, &gr.gate);
        if (gr.waiting == 0)
            continue; /* all its strings are gates: nothing to hold back */
        waiting += gr.waiting;
        if (util_vec_push(&gated, gr) != 0)
            rc = util_error(ASSAY_ENOMEM, "out of memory");
    }
    if (rc == ASSAY_OK && gated.n)
        deal_groups(e, gated.v, gated.n, waiting, deferred);
    util_vec_free(&gated);
    free(costs.open);
    return rc;
}
