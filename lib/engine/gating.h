/* gating.h — YARA literals searched only where a rule's gate was hit.
 *
 * Vectorscan's literal matcher slows down as the literal count grows, and
 * most rules cannot match without one particular string (lib/yara/gates.h).
 * So the literals of a gated rule's other strings wait in a database of
 * their group, scanned over an object only after a hit of some gate string
 * of that group in the first pass. A rule whose gate is common (its expected
 * hit rate is high) is not gated: its group would be opened everywhere. */
#ifndef ASSAY_ENGINE_GATING_H
#define ASSAY_ENGINE_GATING_H

#include "engine.h"

/* Fill e->yara_gate_open (per pattern: the group its hits open, plus one;
 * 0: none) and deferred[p] (the group whose database gets pattern p's
 * literal, plus one; 0: the first pass), for every pattern of e->yara, and
 * set e->ngates. Needs e->yara_window_run: a masked window waits as its
 * run of exact bytes, or as a regex when it has none. */
int engine_plan_gates(struct engine *e, uint8_t *deferred);

#endif
