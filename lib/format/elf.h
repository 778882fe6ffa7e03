/* elf.h — a bounds-checked parse of an ELF file (32- and 64-bit, little and
 * big endian) into plain C data: the file header, the section headers with
 * their names, the program headers (segments), the dynamic table, the symbol
 * tables (.symtab and .dynsym), the notes (GNU build-id, the systemd/Fedora
 * `.note.package` JSON), the program interpreter and the DT_NEEDED / DT_SONAME
 * / DT_RUNPATH / DT_RPATH strings. The YARA `elf` module (yara/mod_elf.c) is
 * a layer over this; inventory can use the same struct.
 *
 * The input is untrusted: every read is checked against the buffer, no size or
 * offset read from the file is trusted, and every table is capped:
 *   - sections and segments: at most 65535 each by the format (16-bit counts),
 *     and a header table is only read when it lies wholly inside the file, so
 *     their number is also bounded by the file size;
 *   - symbols: FMT_ELF_MAX_SYMBOLS per table (symtab, dynsym);
 *   - dynamic entries: FMT_ELF_MAX_DYNAMIC;
 *   - notes: FMT_ELF_MAX_NOTES; DT_NEEDED names: FMT_ELF_MAX_NEEDED.
 * A cap that is reached sets the matching `*_truncated` flag; a damaged part
 * leaves its fields empty and does not fail the parse.
 *
 * Header tables are read with the structure sizes of the ELF class (40/64
 * bytes per section header, 32/56 per program header, 16/24 per symbol,
 * 8/16 per dynamic entry); e_shentsize and e_phentsize are reported but not
 * used as strides (YARA does the same).
 *
 * Strings and byte ranges BORROW the input buffer: every `const char *` here
 * points into `data` and is NUL-terminated inside it (a string without a NUL
 * inside its bounds is left NULL). Keep the buffer alive while the struct is
 * used; fmt_elf_free releases only the arrays. */
#ifndef ASSAY_FORMAT_ELF_H
#define ASSAY_FORMAT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMT_ELF_MAX_SYMBOLS 262144  /* symbols kept per symbol table */
#define FMT_ELF_MAX_DYNAMIC 65536   /* dynamic entries kept */
#define FMT_ELF_MAX_NOTES 1024      /* notes kept (sections or segments together) */
#define FMT_ELF_MAX_NEEDED 4096     /* DT_NEEDED names kept */

/* A few constants of the format the parser itself uses. */
#define FMT_ELF_ET_EXEC 2
#define FMT_ELF_SHT_NULL 0
#define FMT_ELF_SHT_SYMTAB 2
#define FMT_ELF_SHT_STRTAB 3
#define FMT_ELF_SHT_NOTE 7
#define FMT_ELF_SHT_NOBITS 8
#define FMT_ELF_SHT_DYNSYM 11
#define FMT_ELF_PT_LOAD 1
#define FMT_ELF_PT_DYNAMIC 2
#define FMT_ELF_PT_INTERP 3
#define FMT_ELF_PT_NOTE 4
#define FMT_ELF_DT_NULL 0
#define FMT_ELF_DT_NEEDED 1
#define FMT_ELF_DT_STRTAB 5
#define FMT_ELF_DT_STRSZ 10
#define FMT_ELF_DT_SONAME 14
#define FMT_ELF_DT_RPATH 15
#define FMT_ELF_DT_RUNPATH 29
#define FMT_ELF_NT_GNU_BUILD_ID 3
#define FMT_ELF_NT_FDO_PACKAGING_METADATA 0xcafe1a7eu

struct fmt_elf_section {
    const char *name;      /* from the section-name string table; NULL when it cannot be
                              resolved (see fmt_elf.shstrtab_valid) */
    uint32_t name_offset;  /* sh_name */
    uint32_t type;
    uint64_t flags;
    uint64_t address;
    uint64_t offset;
    uint64_t size;
    uint32_t link;
    uint32_t info;
    uint64_t alignment;
    uint64_t entry_size;
};

struct fmt_elf_segment {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t virtual_address;
    uint64_t physical_address;
    uint64_t file_size;
    uint64_t memory_size;
    uint64_t alignment;
};

struct fmt_elf_dynamic {
    uint64_t tag;          /* d_tag (zero-extended from 32 bits in ELF32) */
    uint64_t val;          /* d_val / d_ptr */
};

struct fmt_elf_symbol {
    const char *name;      /* NULL when st_name is outside the linked string table, its
                              string has no NUL there, or the table does not start
                              with a NUL */
    uint64_t value;
    uint64_t size;
    uint8_t type;          /* st_info & 0xf (STT_*) */
    uint8_t bind;          /* st_info >> 4 (STB_*) */
    uint8_t visibility;    /* st_other & 3 (STV_*) */
    uint16_t shndx;
};

/* One symbol table: the last section of its type (SHT_SYMTAB or SHT_DYNSYM)
 * whose table lies inside the file and whose sh_link names an SHT_STRTAB
 * section that lies inside the file. */
struct fmt_elf_symtab {
    bool present;
    uint32_t section;      /* index of the symbol table section */
    struct fmt_elf_symbol *symbols;
    size_t count;          /* entries kept (sh_size / entry size, capped) */
    bool truncated;        /* FMT_ELF_MAX_SYMBOLS was reached */
};

struct fmt_elf_note {
    uint32_t type;
    const char *name;      /* owner ("GNU", "FDO"...), NULL if empty or unterminated */
    const uint8_t *desc;   /* descriptor bytes (borrowed) */
    size_t desc_size;
    uint64_t offset;       /* file offset of the note header */
};

struct fmt_elf {
    bool is_elf;           /* magic, a known class and byte order, a whole header */
    bool is_64;            /* ELFCLASS64 */
    bool big_endian;       /* ELFDATA2MSB */
    uint8_t osabi;
    uint8_t abi_version;

    /* File header, as stored. */
    uint16_t type;         /* e_type (ET_*) */
    uint16_t machine;      /* e_machine (EM_*) */
    uint32_t version;
    uint64_t entry;        /* e_entry, a virtual address */
    uint64_t ph_offset;
    uint64_t sh_offset;
    uint32_t flags;
    uint16_t header_size;  /* e_ehsize */
    uint16_t ph_entry_size;
    uint16_t ph_count;     /* e_phnum */
    uint16_t sh_entry_size;
    uint16_t sh_count;     /* e_shnum */
    uint16_t shstrndx;

    /* Section headers: read only when the whole table is inside the file. */
    bool sections_valid;
    bool shstrtab_valid;   /* shstrndx < sh_count, that section's offset is in the file and
                              its first byte is NUL (as a string table's is); names are
                              then read up to a NUL before the end of the file */
    struct fmt_elf_section *sections;
    size_t nsections;

    /* Program headers: read only when the whole table is inside the file. */
    bool segments_valid;
    struct fmt_elf_segment *segments;
    size_t nsegments;

    /* Dynamic table: the entries of the last PT_DYNAMIC segment, read from its
     * file offset up to and including DT_NULL, or up to the end of the file
     * (p_filesz is not trusted). has_dynamic with ndynamic 0: a PT_DYNAMIC
     * whose offset leaves no room for an entry. */
    bool has_dynamic;
    struct fmt_elf_dynamic *dynamic;
    size_t ndynamic;
    bool dynamic_truncated;

    struct fmt_elf_symtab symtab;
    struct fmt_elf_symtab dynsym;

    /* Notes of the SHT_NOTE sections, or of the PT_NOTE segments when there is
     * no usable section table. */
    struct fmt_elf_note *notes;
    size_t nnotes;
    bool notes_truncated;
    const uint8_t *build_id;       /* NT_GNU_BUILD_ID descriptor ("GNU"), or NULL */
    size_t build_id_size;
    const char *package_json;      /* NT_FDO_PACKAGING_METADATA ("FDO") descriptor text,
                                      NUL-terminated, or NULL */
    size_t package_json_size;      /* strlen(package_json) */

    /* Dynamic-linking facts, resolved through DT_STRTAB (mapped by PT_LOAD) or
     * else through the dynsym's string table. NULL / 0 when absent. */
    const char *interpreter;       /* PT_INTERP */
    const char *soname;
    const char *runpath;
    const char *rpath;
    const char **needed;           /* DT_NEEDED names in table order */
    size_t nneeded;
    bool needed_truncated;
};

/* Parse data[0..len). Returns ASSAY_OK when the input is ELF (out->is_elf),
 * ASSAY_EFORMAT when it is not (out is zeroed), ASSAY_ENOMEM on exhaustion
 * (out is freed and zeroed). Call fmt_elf_free on `out` in every case. */
int fmt_elf_parse(const uint8_t *data, size_t len, struct fmt_elf *out);
void fmt_elf_free(struct fmt_elf *elf);

/* The file offset of e_entry the way YARA computes `elf.entry_point`: for
 * ET_EXEC through the program headers (any type, first whose
 * [vaddr, vaddr + memsz) holds it), for every other type through the section
 * headers (not SHT_NULL nor SHT_NOBITS, first whose [addr, addr + size) holds
 * it); the table must be inside the file and its offset non-zero. e_entry 0
 * has no offset. The result is not checked against the file size. False: no
 * mapping. */
bool fmt_elf_entry_offset(const struct fmt_elf *elf, uint64_t *offset);

/* The file offset of virtual address `vaddr` through the PT_LOAD segments,
 * inside their file images and the file of `len` bytes. */
bool fmt_elf_vaddr_offset(const struct fmt_elf *elf, size_t len, uint64_t vaddr, uint64_t *offset);

#endif
