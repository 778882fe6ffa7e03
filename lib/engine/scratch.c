/* scratch.c — per-thread working memory and per-object results (see engine.h). */
#include <string.h>

#include "../util/error.h"
#include "engine.h"
#include "../yara/yscan.h"

static int clone_scratch(const hs_database_t *db, hs_scratch_t **out)
{
    if (!db)
        return ASSAY_OK;
    if (hs_alloc_scratch(db, out) != HS_SUCCESS)
        return util_error(ASSAY_ENOMEM, "cannot allocate Vectorscan scratch space");
    return ASSAY_OK;
}

int engine_scratch_init(struct engine_scratch *s, const struct engine *e)
{
    memset(s, 0, sizeof *s);
    size_t n = e->sig.bodies.n ? e->sig.bodies.n : 1;
    s->stamp = calloc(n, sizeof *s->stamp);
    s->count = calloc(n, sizeof *s->count);
    s->steps = calloc(n, sizeof *s->steps);
    s->first_start = calloc(n, sizeof *s->first_start);
    s->first_end = calloc(n, sizeof *s->first_end);
    s->logical_stamp = calloc(e->sig.logicals.n ? e->sig.logicals.n : 1, sizeof *s->logical_stamp);
    if (!s->stamp || !s->logical_stamp || !s->count || !s->steps || !s->first_start || !s->first_end) {
        engine_scratch_free(s);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    int rc = clone_scratch(e->atoms, &s->atoms);
    if (rc == ASSAY_OK)
        rc = clone_scratch(e->atoms_nul, &s->atoms_nul);
    for (uint32_t c = 0; c < e->nclasses && rc == ASSAY_OK; c++)
        rc = clone_scratch(e->class_atoms[c], &s->class_atoms[c]);
    for (uint32_t c = 0; c < e->nclasses && rc == ASSAY_OK; c++)
        rc = clone_scratch(e->class_regexes[c], &s->class_regexes[c]);
    for (uint32_t g = 0; g < e->ngates && rc == ASSAY_OK; g++) /* grown to fit each */
        rc = clone_scratch(e->gate_atoms[g], &s->gate_atoms);
    if (rc == ASSAY_OK)
        rc = clone_scratch(e->fallback, &s->fallback);
    if (rc == ASSAY_OK)
        rc = clone_scratch(e->filenames, &s->filenames);
    if (rc == ASSAY_OK)
        rc = clone_scratch(e->filename_fps, &s->filename_fps);
    if (rc == ASSAY_OK && !yrules_empty(&e->yara)) {
        s->yara = malloc(sizeof *s->yara);
        rc = s->yara ? yscan_init(s->yara, &e->yara) : util_error(ASSAY_ENOMEM, "out of memory");
        if (rc != ASSAY_OK) {
            free(s->yara);
            s->yara = NULL;
        }
    }
    if (rc != ASSAY_OK)
        engine_scratch_free(s);
    return rc;
}

void engine_scratch_free(struct engine_scratch *s)
{
    hs_free_scratch(s->atoms);
    hs_free_scratch(s->atoms_nul);
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES; c++)
        hs_free_scratch(s->class_atoms[c]);
    for (uint32_t c = 0; c < ENGINE_GUARD_CLASSES; c++)
        hs_free_scratch(s->class_regexes[c]);
    hs_free_scratch(s->gate_atoms);
    hs_free_scratch(s->fallback);
    hs_free_scratch(s->filenames);
    hs_free_scratch(s->filename_fps);
    free(s->stamp);
    free(s->logical_stamp);
    free(s->count);
    free(s->steps);
    free(s->first_start);
    free(s->first_end);
    util_vec_free(&s->touched);
    util_vec_free(&s->fname_hits);
    util_vec_free(&s->fname_fp_hits);
    if (s->yara) {
        yscan_free(s->yara);
        free(s->yara);
    }
    memset(s, 0, sizeof *s);
}

void engine_result_reset(struct engine_result *r)
{
    r->hits.n = 0;
    r->evidence.n = 0;
    r->have_digest = 0;
    r->allowlisted = false;
    r->budget_exhausted = false;
    r->text.len = 0;
    r->yara_capped = ENGINE_NO_RULE;
}

void engine_result_free(struct engine_result *r)
{
    util_buf_free(&r->text);
    util_vec_free(&r->hits);
    util_vec_free(&r->evidence);
}
