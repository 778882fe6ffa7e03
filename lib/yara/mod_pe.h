/* mod_pe.h — YARA's `pe` module (YARA 4.5 semantics) over lib/format/pe.h.
 *
 * `load` parses the object once with fmt_pe_parse and fills the value tree:
 * the constants (pe.MACHINE_I386, pe.DLL, pe.SECTION_*, ...) always; the PE
 * fields only when the object is a PE. For anything else every field stays
 * undefined except `is_pe`, which is 0, and every function returns undefined.
 * The parsed struct fmt_pe is the module state the functions read (freed by
 * `unload`).
 *
 * The schema and the functions are in mod_pe_schema.c / mod_pe_funcs.c; the
 * member indices they share are in mod_pe_internal.h. */
#ifndef ASSAY_YARA_MOD_PE_H
#define ASSAY_YARA_MOD_PE_H

#include "module.h"

extern const struct yara_module yara_module_pe;

#endif
