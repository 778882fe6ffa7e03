/* mod_elf.h — YARA's "elf" module (YARA 4.5): the schema and load step in
 * mod_elf.c over the parser of format/elf.h, and the computations behind its
 * functions:
 *   elf.telfhash()   -> "T1" + TLSH of the sorted, lowercased names of the
 *                       global, default-visibility function symbols of .dynsym
 *                       (.symtab when there is no .dynsym), minus telfhash's
 *                       exclusions; undefined when TLSH cannot hash them
 *   elf.import_md5() -> MD5 (lowercase hex) of the sorted, lowercased names of
 *                       the undefined (shndx 0) .dynsym symbols joined by ','
 * The module's per-object state (yobj_call.module_state) is a struct
 * yara_elf_state; it borrows the scanned data, which must stay mapped until
 * the module's unload. */
#ifndef ASSAY_YARA_MOD_ELF_H
#define ASSAY_YARA_MOD_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/elf.h"

#define YARA_TLSH_HEX_LEN 72 /* "T1" + 70 hex digits */

/* TLSH (128 buckets, 1-byte checksum, version prefix "T1") of p[0..n) into
 * out, NUL-terminated, uppercase hex. False when TLSH gives no digest: fewer
 * than 50 bytes, or too little variety (half the buckets or more empty). */
bool yara_tlsh_hex(const uint8_t *p, size_t n, char out[YARA_TLSH_HEX_LEN + 1]);

/* elf.telfhash() / elf.import_md5() of a parsed file; false: undefined. */
bool yara_elf_telfhash(const struct fmt_elf *elf, char out[YARA_TLSH_HEX_LEN + 1]);
bool yara_elf_import_md5(const struct fmt_elf *elf, char out[33]);

struct yara_elf_state {
    struct fmt_elf elf;
    int telfhash_done;          /* 0 not computed, 1 defined, -1 undefined */
    char telfhash[YARA_TLSH_HEX_LEN + 1];
    int import_md5_done;
    char import_md5[33];
};

#endif
