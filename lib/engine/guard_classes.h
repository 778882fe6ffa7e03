/* guard_classes.h — header checks whose YARA literals get databases of their own.
 *
 * A header check many rules require (`uint16(0) == 0x5A4D`) becomes a class
 * (engine.h): the literals only those rules need are searched only over
 * objects where the check holds. A stricter check implies a broader one
 * (`uint32(0) == 0x464C457F` implies `uint16(0) == 0x457F`), so the literals
 * of rules requiring the stricter one can share the broader class's database:
 * an ELF file then gets one class pass, not two. */
#ifndef ASSAY_ENGINE_GUARD_CLASSES_H
#define ASSAY_ENGINE_GUARD_CLASSES_H

#include "engine.h"

/* Choose e->classes (at most ENGINE_GUARD_CLASSES, each required, directly
 * or through a stricter check, by the rules of ENGINE_GUARD_CLASS_MIN
 * patterns or more). */
int engine_choose_guard_classes(struct engine *e);

/* The class whose database gets the literal shared by the patterns chained
 * from `head` (e->yara_atom_next): one every pattern's rule requires, else
 * e->nclasses. */
uint32_t engine_literal_class(const struct engine *e, uint32_t head);

#endif
