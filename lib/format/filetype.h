/* filetype.h — what kind of object a buffer is, and the PE/ELF facts that
 * ClamAV offsets (EP+n, Sx+n, SL+n) and target descriptions need.
 * Parsers never trust the input: every field is bounds-checked against len. */
#ifndef ASSAY_FORMAT_FILETYPE_H
#define ASSAY_FORMAT_FILETYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ClamAV accepts ELF files with up to 256 section headers (and PE files with
 * more); a lower cap made SL+n offsets differ on real object files. */
#define FMT_MAX_SECTIONS 256

enum fmt_kind { FMT_OTHER = 0, FMT_PE, FMT_ELF, FMT_MACHO, FMT_TEXT };

struct fmt_section {
    uint64_t raw_offset;      /* PointerToRawData */
    uint64_t raw_size;        /* SizeOfRawData, clipped to the file */
    uint64_t virtual_address;
    uint64_t virtual_size;
};

struct fmt_info {
    enum fmt_kind kind;
    bool has_ep;
    uint64_t ep_offset;       /* entry point as a file offset */
    uint32_t nsections;       /* PE: NumberOfSections as parsed (capped) */
    struct fmt_section sections[FMT_MAX_SECTIONS];
};

/* Identify `data`; fills info (kind FMT_OTHER when nothing matched). Never
 * fails: malformed headers degrade to FMT_OTHER or to a PE/ELF without EP. */
void fmt_identify(const uint8_t *data, size_t len, struct fmt_info *info);

/* PE only: map an RVA to a file offset; false when no section holds it. */
bool fmt_pe_rva_to_offset(const struct fmt_info *info, uint64_t rva, uint64_t *offset);

#endif
