/* yscan.h — running a compiled YARA rule set over one object: the per-thread
 * state that collects string matches from the engine's atom hits, then
 * evaluates every rule's condition.
 *
 * The engine calls, per object: yscan_begin; yscan_hit for every atom hit of
 * a YARA pattern (in the order Vectorscan reports them: ascending end
 * offset); yscan_finish_strings (patterns without atoms); yscan_evaluate;
 * then reads the results (rule_state, match lists) and calls yscan_end. */
#ifndef ASSAY_YARA_YSCAN_H
#define ASSAY_YARA_YSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yara/object.h"
#include "yara/rules.h"

struct ymatch {
    uint64_t offset;
    uint32_t length;
    uint8_t xor_key;
    uint8_t wide;       /* found by the wide form of the string */
};

/* A match of a fragment of a chained string, waiting for the next fragment. */
struct ychain_match {
    uint64_t offset;
    uint32_t length;
    uint32_t chain_length;      /* how many fragments after it are matched */
};

struct ychain_list {
    struct ychain_match *v;
    size_t n, cap;
    uint32_t stamp;             /* generation it belongs to */
};

struct ychain_event {
    uint64_t end;               /* where the atom ends */
    uint32_t pattern;
    uint32_t atom_len;
};

struct ymatch_list {
    struct ymatch *v;
    size_t n, cap;
    uint32_t stamp;     /* generation it belongs to; stale lists are empty */
    bool capped;        /* matches were dropped at max_matches */
    uint64_t first_end; /* fast mode: where the atom of the verification that found
                           them ends (YARA keeps the earliest one's matches) */
};

enum yrule_state { YRS_UNKNOWN = 0, YRS_TRUE = 1, YRS_FALSE = 2 };

struct yscan {
    const struct yrules *r;
    uint32_t generation;
    struct ymatch_list *lists;  /* per string */
    uint8_t *rule_state;        /* per rule: enum yrule_state */
    uint32_t *rule_matched;     /* per rule: generation in which one of its strings matched */
    struct yval *vars;          /* loop variables */
    struct yobj_arena arena;
    struct yobj *module_root[YRULES_MAX_MODULES];
    void *module_state[YRULES_MAX_MODULES];
    uint32_t modules_loaded;    /* bit per slot */
    struct yara_regex_scratch *rx;
    size_t *back;               /* backward match lengths of one atom hit */
    UTIL_VEC(uint32_t) possible;/* prefiltered atom-less patterns that may match here */
    /* Chained strings (ystring.nfrag > 1): the matches of their fragments
     * waiting for the next one (per yrules.chain_gaps entry), and their atom
     * hits, replayed at the end in YARA's order. */
    struct ychain_list *chain;
    UTIL_VEC(struct ychain_event) chain_events;
    /* the current object */
    const uint8_t *data;
    size_t len;
    uint64_t max_matches;
    bool fast;
    /* Set by the caller: confirm the strings of rules whose guard failed too
     * (their matches are shown for non-matching rules: yara -n -s). */
    bool all_strings;
    bool has_ep;
    uint64_t entrypoint;
    uint32_t cur_string;        /* the string of the innermost for..of */
    uint64_t cur_end;           /* where the atom of the hit being verified ends */
    uint32_t capped_string;     /* one string that hit max_matches (YRULES_NONE: none) */
    int error;                  /* ASSAY_ENOMEM while matching */
    uint64_t *cost_ns;          /* per rule: time spent confirming its strings and
                                   evaluating it (NULL unless profiling) */
    uint8_t *guarded;           /* per rule: has a guard (struct yguard) */
    uint8_t *needs_match;       /* per rule: yrule.needs_match, packed (evaluating
                                   reads it for every rule and object) */
    uint32_t *guard_held;       /* per rule: generation in which its guard was checked and held
                                   (checked at first need: most rules are never hit) */
    /* console.log output of the current object */
    void (*log)(void *user, const char *text, size_t n);
    void *log_user;
};

int yscan_init(struct yscan *y, const struct yrules *r);
/* Start accounting time per rule (--profile). */
int yscan_profile(struct yscan *y);
void yscan_free(struct yscan *y);

void yscan_begin(struct yscan *y, const uint8_t *data, size_t len, uint64_t max_matches, bool fast,
                 bool has_ep, uint64_t entrypoint);
/* An atom hit of pattern `p` ending at `end` (exclusive). 0, or 1 to stop
 * the scan (out of memory: y->error set). */
int yscan_hit(struct yscan *y, uint32_t p, uint64_t end);
/* A string used only as `$s at N` (ystring.fixed_offset; YARA records its
 * matches at N only) need not be searched for: its patterns can be checked
 * at N. True with where pattern p's literal ends, relative to N, in a match
 * at N (ends[1]: another place, of its wide form, or -1); false when that is
 * not fixed (the pattern is then searched like any other). The engine calls
 * yscan_hit with N + ends[i] as if the literal had been hit there. */
bool yscan_fixed_ends(const struct yrules *r, uint32_t p, int64_t ends[2]);
/* Does rule `rule`'s guard hold on the current object? Checked once, at
 * first need; a failed guard makes the rule false (rule_state). */
bool yscan_guard_holds(struct yscan *y, uint32_t rule);
/* After its hits so far: has pattern p's string a match (a chained string:
 * may it still get one)? */
bool yscan_pattern_found(struct yscan *y, uint32_t p);
/* The prefilter of atom-less pattern p matched in this object. */
int yscan_possible(struct yscan *y, uint32_t p);
/* Patterns without an atom: searched over the whole object (prefiltered
 * ones only when yscan_possible said so); then the atom hits of chained
 * strings, which yscan_hit only queued, are verified in YARA's order. */
int yscan_finish_strings(struct yscan *y);
/* Evaluate every rule (globals applied per namespace). */
int yscan_evaluate(struct yscan *y);
void yscan_end(struct yscan *y);

/* Matches of string s in the current object (NULL when none). */
static inline const struct ymatch_list *yscan_matches(const struct yscan *y, uint32_t s)
{
    const struct ymatch_list *l = &y->lists[s];
    return l->stamp == y->generation && l->n ? l : NULL;
}

/* eval.c: int8..uint32be at `offset` of the object (undefined past the end). */
struct yval yeval_read(const struct yscan *y, uint32_t reader, int64_t offset);

/* eval.c: the value of condition node `n`, and YARA's truth of a value
 * (undefined, 0, 0.0 and "" are false). */
struct yval yeval(struct yscan *y, uint32_t n);
bool yval_true(struct yval v);

#endif
