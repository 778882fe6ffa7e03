/* gates.h — the strings a rule cannot match without.
 *
 * A gate of a rule is a set G of its strings such that its condition is
 * false on any object where no string of G has a match: `$a and $b` has the
 * gates {$a} and {$b}; `2 of ($a, $b, $c)` any two of the three; `$a or $b`
 * only {$a, $b}. The engine searches first for the literals of ungated
 * rules and of gates, and for the other strings of a gated rule only in
 * objects where one of its gate strings was hit (lib/engine/build.c). */
#ifndef ASSAY_YARA_GATES_H
#define ASSAY_YARA_GATES_H

#include <stdint.h>

#include "rules.h"

/* Larger gates are not worth it: the rule is searched for whole. */
#define YGATE_MAX_STRINGS 16

struct ygate {
    uint32_t n;                          /* 0: the rule has no gate */
    uint32_t strings[YGATE_MAX_STRINGS]; /* indices into yrules.strings */
    double cost;                         /* sum of the strings' costs */
};

/* What it costs to search for a string first: the expected hit rate of its
 * literals, or a negative value when it cannot be a gate (a string with no
 * literal in the search, say). */
typedef double (*ygate_cost_fn)(void *ctx, uint32_t string);

/* The cheapest gate of rule `rule` (gate->n == 0 when there is none). */
void ygate_choose(const struct yrules *r, uint32_t rule, ygate_cost_fn cost, void *ctx, struct ygate *gate);

#endif
