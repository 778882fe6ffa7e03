/* pe.c — PE/COFF headers, sections, RVA mapping, imports (normal and
 * delay-load) with the imphash, exports, overlay, debug (PDB) path, checksum
 * and the Rich signature. Resources are in pe_resources.c, Authenticode in
 * pe_authenticode.c. Every read goes through fmt_pe_read_ok_ (see pe.h). */
#include "format/pe.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "assay.h"

/* ------------------------------------------------------------------------ */
/* Ownership and bounded reads                                              */
/* ------------------------------------------------------------------------ */

void *fmt_pe_alloc_(struct fmt_pe *pe, size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p)
        return NULL;
    if (util_vec_push(&pe->allocs_, p) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

char *fmt_pe_strndup_(struct fmt_pe *pe, const char *s, size_t n)
{
    if (n > FMT_PE_MAX_STRING)
        n = FMT_PE_MAX_STRING;
    char *d = fmt_pe_alloc_(pe, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* UTF-16LE code units to UTF-8; unpaired surrogates become U+FFFD. */
char *fmt_pe_utf16_to_utf8_(struct fmt_pe *pe, const uint8_t *p, size_t units)
{
    if (units > FMT_PE_MAX_STRING)
        units = FMT_PE_MAX_STRING;
    char *out = fmt_pe_alloc_(pe, units * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < units; i++) {
        uint32_t c = fmt_pe_u16_(p + 2 * i);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < units) {
            uint32_t lo = fmt_pe_u16_(p + 2 * (i + 1));
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;
        }
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else {
            /* 4 bytes from 2 units: still within units * 3. */
            out[o++] = (char)(0xF0 | (c >> 18));
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
}

bool fmt_pe_read_ok_(const struct fmt_pe *pe, uint64_t off, uint64_t n)
{
    return off <= pe->len_ && n <= pe->len_ - off;
}

uint16_t fmt_pe_u16_(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t fmt_pe_u32_(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t u64le(const uint8_t *p)
{
    return (uint64_t)fmt_pe_u32_(p) | ((uint64_t)fmt_pe_u32_(p + 4) << 32);
}

/* A NUL-terminated string at file offset `off` (at most `max` bytes, cut at
 * the end of the file); *n receives its length, false when off is outside. */
static bool cstr_at(const struct fmt_pe *pe, uint64_t off, size_t max, const char **s, size_t *n)
{
    if (off >= pe->len_)
        return false;
    size_t avail = pe->len_ - (size_t)off;
    if (avail > max)
        avail = max;
    const char *p = (const char *)pe->data_ + off;
    const char *z = memchr(p, 0, avail);
    *s = p;
    *n = z ? (size_t)(z - p) : avail;
    return true;
}

/* ------------------------------------------------------------------------ */
/* RVA mapping                                                              */
/* ------------------------------------------------------------------------ */

bool fmt_pe_rva_offset(const struct fmt_pe *pe, uint64_t rva, uint64_t *offset)
{
    /* The section with the highest start at or below rva wins. */
    const struct fmt_pe_section *best = NULL;
    for (size_t i = 0; i < pe->nsections; i++) {
        const struct fmt_pe_section *s = &pe->sections[i];
        if (rva >= s->virtual_address && (!best || s->virtual_address >= best->virtual_address))
            best = s;
    }
    uint64_t off;
    if (best) {
        uint32_t align = pe->file_alignment < 0x200 ? pe->file_alignment : 0x200;
        uint64_t raw = best->raw_data_offset;
        if (align)
            raw -= raw % align;
        /* The file backs at most SizeOfRawData bytes of the section, and no
         * more than its VirtualSize when that is set (as YARA maps it). */
        uint64_t extent = best->raw_data_size;
        if (best->virtual_size && best->virtual_size < extent)
            extent = best->virtual_size;
        uint64_t delta = rva - best->virtual_address;
        if (delta >= extent)
            return false; /* zero-filled memory with no file bytes */
        off = raw + delta;
    } else {
        off = rva;
    }
    if (off >= pe->len_)
        return false;
    *offset = off;
    return true;
}

int fmt_pe_section_index_of_rva(const struct fmt_pe *pe, uint64_t rva)
{
    for (size_t i = 0; i < pe->nsections; i++) {
        const struct fmt_pe_section *s = &pe->sections[i];
        uint32_t extent = s->virtual_size ? s->virtual_size : s->raw_data_size;
        if (rva >= s->virtual_address && rva - s->virtual_address < extent)
            return (int)i;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Headers and sections                                                     */
/* ------------------------------------------------------------------------ */

static int parse_file_header(struct fmt_pe *pe)
{
    const uint8_t *d = pe->data_;
    if (!fmt_pe_read_ok_(pe, 0, 0x40) || d[0] != 'M' || d[1] != 'Z')
        return ASSAY_EFORMAT;
    pe->pe_offset = fmt_pe_u32_(d + 0x3c);
    uint64_t nt = pe->pe_offset;
    if (!fmt_pe_read_ok_(pe, nt, 24 + 2) || memcmp(d + nt, "PE\0\0", 4) != 0)
        return ASSAY_EFORMAT;
    const uint8_t *fh = d + nt + 4;
    pe->machine = fmt_pe_u16_(fh);
    pe->number_of_sections = fmt_pe_u16_(fh + 2);
    pe->timestamp = fmt_pe_u32_(fh + 4);
    pe->pointer_to_symbol_table = fmt_pe_u32_(fh + 8);
    pe->number_of_symbols = fmt_pe_u32_(fh + 12);
    pe->size_of_optional_header = fmt_pe_u16_(fh + 16);
    pe->characteristics = fmt_pe_u16_(fh + 18);
    pe->opthdr_magic = fmt_pe_u16_(fh + 20);
    pe->is_dll = (pe->characteristics & 0x2000) != 0;
    return ASSAY_OK;
}

/* The optional header fields common to PE32 and PE32+; `oh` has at least
 * 96 (PE32) or 112 (PE32+) readable bytes. */
static void parse_optional_header(struct fmt_pe *pe, const uint8_t *oh, size_t avail)
{
    bool w = pe->is_64bit;
    pe->linker_version.major = oh[2];
    pe->linker_version.minor = oh[3];
    pe->size_of_code = fmt_pe_u32_(oh + 4);
    pe->size_of_initialized_data = fmt_pe_u32_(oh + 8);
    pe->size_of_uninitialized_data = fmt_pe_u32_(oh + 12);
    pe->entry_point_raw = fmt_pe_u32_(oh + 16);
    pe->base_of_code = fmt_pe_u32_(oh + 20);
    if (!w)
        pe->base_of_data = fmt_pe_u32_(oh + 24);
    pe->image_base = w ? u64le(oh + 24) : fmt_pe_u32_(oh + 28);
    pe->section_alignment = fmt_pe_u32_(oh + 32);
    pe->file_alignment = fmt_pe_u32_(oh + 36);
    pe->os_version.major = fmt_pe_u16_(oh + 40);
    pe->os_version.minor = fmt_pe_u16_(oh + 42);
    pe->image_version.major = fmt_pe_u16_(oh + 44);
    pe->image_version.minor = fmt_pe_u16_(oh + 46);
    pe->subsystem_version.major = fmt_pe_u16_(oh + 48);
    pe->subsystem_version.minor = fmt_pe_u16_(oh + 50);
    pe->win32_version_value = fmt_pe_u32_(oh + 52);
    pe->size_of_image = fmt_pe_u32_(oh + 56);
    pe->size_of_headers = fmt_pe_u32_(oh + 60);
    pe->checksum = fmt_pe_u32_(oh + 64);
    pe->subsystem = fmt_pe_u16_(oh + 68);
    pe->dll_characteristics = fmt_pe_u16_(oh + 70);
    size_t p = 72;
    if (w) {
        pe->size_of_stack_reserve = u64le(oh + 72);
        pe->size_of_stack_commit = u64le(oh + 80);
        pe->size_of_heap_reserve = u64le(oh + 88);
        pe->size_of_heap_commit = u64le(oh + 96);
        p = 104;
    } else {
        pe->size_of_stack_reserve = fmt_pe_u32_(oh + 72);
        pe->size_of_stack_commit = fmt_pe_u32_(oh + 76);
        pe->size_of_heap_reserve = fmt_pe_u32_(oh + 80);
        pe->size_of_heap_commit = fmt_pe_u32_(oh + 84);
        p = 88;
    }
    pe->loader_flags = fmt_pe_u32_(oh + p);
    pe->number_of_rva_and_sizes = fmt_pe_u32_(oh + p + 4);
    p += 8;
    /* Like YARA, all 16 entries are read whatever NumberOfRvaAndSizes says
     * (signed files exist with a count of 0), as far as the buffer holds them. */
    for (uint32_t i = 0; i < FMT_PE_NUM_DIRECTORIES && p + 8 <= avail; i++, p += 8) {
        pe->data_directories[i].virtual_address = fmt_pe_u32_(oh + p);
        pe->data_directories[i].size = fmt_pe_u32_(oh + p + 4);
        if (i == FMT_PE_DIR_SECURITY)
            pe->security_dir_offset = (uint32_t)((oh + p) - pe->data_);
    }
    pe->checksum_offset = (uint32_t)((oh + 64) - pe->data_);
}

/* A "/N" name: N is a decimal offset into the COFF string table. */
static char *resolve_long_section_name(struct fmt_pe *pe, const char *name)
{
    if (name[0] != '/' || !pe->pointer_to_symbol_table)
        return NULL;
    uint64_t n = 0;
    for (const char *c = name + 1; *c; c++) {
        if (!isdigit((unsigned char)*c))
            return NULL;
        n = n * 10 + (uint64_t)(*c - '0');
    }
    uint64_t table = (uint64_t)pe->pointer_to_symbol_table + (uint64_t)pe->number_of_symbols * 18;
    const char *s;
    size_t len;
    if (!cstr_at(pe, table + n, 256, &s, &len))
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!isprint((unsigned char)s[i]))
            return NULL;
    return fmt_pe_strndup_(pe, s, len);
}

static int parse_sections(struct fmt_pe *pe)
{
    uint64_t table = (uint64_t)pe->pe_offset + 24 + pe->size_of_optional_header;
    size_t want = pe->number_of_sections;
    if (want > FMT_PE_MAX_SECTIONS)
        want = FMT_PE_MAX_SECTIONS;
    pe->sections = fmt_pe_alloc_(pe, sizeof(*pe->sections) * (want ? want : 1));
    if (!pe->sections)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < want; i++) {
        uint64_t off = table + 40 * i;
        if (!fmt_pe_read_ok_(pe, off, 40))
            break;
        const uint8_t *h = pe->data_ + off;
        struct fmt_pe_section *s = &pe->sections[pe->nsections++];
        memcpy(s->name, h, 8);
        s->name[8] = '\0';
        s->virtual_size = fmt_pe_u32_(h + 8);
        s->virtual_address = fmt_pe_u32_(h + 12);
        s->raw_data_size = fmt_pe_u32_(h + 16);
        s->raw_data_offset = fmt_pe_u32_(h + 20);
        s->pointer_to_relocations = fmt_pe_u32_(h + 24);
        s->pointer_to_line_numbers = fmt_pe_u32_(h + 28);
        s->number_of_relocations = fmt_pe_u16_(h + 32);
        s->number_of_line_numbers = fmt_pe_u16_(h + 34);
        s->characteristics = fmt_pe_u32_(h + 36);
        s->full_name = resolve_long_section_name(pe, s->name);
        if (!s->full_name)
            s->full_name = fmt_pe_strndup_(pe, s->name, strlen(s->name));
        if (!s->full_name)
            return ASSAY_ENOMEM;
    }
    return ASSAY_OK;
}

static int parse_headers(struct fmt_pe *pe)
{
    int rc = parse_file_header(pe);
    if (rc != ASSAY_OK)
        return rc;
    uint64_t oh_off = (uint64_t)pe->pe_offset + 24;
    size_t fixed;
    /* Like YARA (and the Windows loader's tolerance of odd headers), any
     * magic other than PE32+ is read with the PE32 layout; is_32bit stays
     * true only for the PE32 magic. */
    if (pe->opthdr_magic == 0x20b) {
        pe->is_64bit = true;
        fixed = 112;
    } else {
        pe->is_32bit = pe->opthdr_magic == 0x10b;
        fixed = 96;
    }
    if (!fmt_pe_read_ok_(pe, oh_off, fixed))
        return ASSAY_EFORMAT;
    size_t avail = pe->len_ - (size_t)oh_off;
    size_t dirs_end = fixed + 8 * FMT_PE_NUM_DIRECTORIES;
    if (avail > dirs_end)
        avail = dirs_end;
    pe->is_pe = true;
    parse_optional_header(pe, pe->data_ + oh_off, avail);
    rc = parse_sections(pe);
    if (rc != ASSAY_OK)
        return rc;
    uint64_t ep;
    if (fmt_pe_rva_offset(pe, pe->entry_point_raw, &ep)) {
        pe->has_entry_point = true;
        pe->entry_point = ep;
    }
    return ASSAY_OK;
}

/* ------------------------------------------------------------------------ */
/* Overlay, debug path, checksum                                            */
/* ------------------------------------------------------------------------ */

static void find_overlay(struct fmt_pe *pe)
{
    uint64_t end = 0;
    for (size_t i = 0; i < pe->nsections; i++) {
        const struct fmt_pe_section *s = &pe->sections[i];
        if (s->raw_data_size == 0)
            continue;
        uint64_t e = (uint64_t)s->raw_data_offset + s->raw_data_size;
        if (e > end)
            end = e;
    }
    if (end > 0 && end < pe->len_) {
        pe->overlay_offset = end;
        pe->overlay_size = pe->len_ - end;
    }
}

static int parse_codeview(struct fmt_pe *pe, uint64_t off, uint32_t size)
{
    const uint8_t *d = pe->data_;
    if (!fmt_pe_read_ok_(pe, off, 4))
        return ASSAY_OK;
    uint64_t path_off;
    if (memcmp(d + off, "RSDS", 4) == 0) {
        path_off = off + 24;
    } else if (memcmp(d + off, "NB10", 4) == 0) {
        path_off = off + 16;
    } else if (memcmp(d + off, "MTOC", 4) == 0) {
        path_off = off + 20; /* Apple's EFI tool chain: "MTOC", a UUID, the path */
    } else {
        return ASSAY_OK;
    }
    (void)size;
    const char *s;
    size_t n;
    if (!cstr_at(pe, path_off, FMT_PE_MAX_STRING, &s, &n))
        return ASSAY_OK;
    pe->pdb_path = fmt_pe_strndup_(pe, s, n);
    return pe->pdb_path ? ASSAY_OK : ASSAY_ENOMEM;
}

static int parse_debug_directory(struct fmt_pe *pe)
{
    const struct fmt_pe_data_directory *dir = &pe->data_directories[FMT_PE_DIR_DEBUG];
    uint64_t off;
    if (!dir->virtual_address || !fmt_pe_rva_offset(pe, dir->virtual_address, &off))
        return ASSAY_OK;
    size_t n = dir->size / 28;
    if (n > 64)
        n = 64;
    for (size_t i = 0; i < n && fmt_pe_read_ok_(pe, off + 28 * i, 28); i++) {
        const uint8_t *e = pe->data_ + off + 28 * i;
        if (fmt_pe_u32_(e + 12) != 2) /* IMAGE_DEBUG_TYPE_CODEVIEW */
            continue;
        uint32_t size = fmt_pe_u32_(e + 16);
        uint32_t raw = fmt_pe_u32_(e + 24);
        uint64_t at;
        if (raw == 0 && !fmt_pe_rva_offset(pe, fmt_pe_u32_(e + 20), &at))
            continue;
        if (raw != 0)
            at = raw;
        int rc = parse_codeview(pe, at, size);
        if (rc != ASSAY_OK || pe->pdb_path)
            return rc;
    }
    return ASSAY_OK;
}

uint32_t fmt_pe_calculate_checksum(const uint8_t *data, size_t len, const struct fmt_pe *pe)
{
    uint64_t sum = 0;
    size_t skip = pe->checksum_offset;
    for (size_t i = 0; i + 1 < len + 1; i += 2) {
        if (skip && (i == skip || i == skip + 2))
            continue;
        uint32_t w = data[i];
        if (i + 1 < len)
            w |= (uint32_t)data[i + 1] << 8;
        sum += w;
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    return (uint32_t)(sum + len);
}

/* ------------------------------------------------------------------------ */
/* Rich signature                                                           */
/* ------------------------------------------------------------------------ */

static int parse_rich(struct fmt_pe *pe)
{
    const uint8_t *d = pe->data_;
    uint64_t end = pe->pe_offset < pe->len_ ? pe->pe_offset : pe->len_;
    uint64_t rich = 0;
    for (uint64_t p = 0x40; p + 8 <= end; p += 4)
        if (memcmp(d + p, "Rich", 4) == 0) {
            rich = p;
            break;
        }
    if (!rich)
        return ASSAY_OK;
    uint32_t key = fmt_pe_u32_(d + rich + 4);
    uint64_t dans = 0;
    for (uint64_t p = rich; p >= 0x44; p -= 4)
        if ((fmt_pe_u32_(d + p - 4) ^ key) == 0x536e6144) { /* "DanS" */
            dans = p - 4;
            break;
        }
    if (!dans)
        return ASSAY_OK;
    struct fmt_pe_rich *r = &pe->rich;
    r->present = true;
    r->offset = dans;
    r->length = rich - dans;
    r->key = key;
    r->raw_data = fmt_pe_alloc_(pe, (size_t)r->length);
    r->clear_data = fmt_pe_alloc_(pe, (size_t)r->length);
    if (!r->raw_data || !r->clear_data)
        return ASSAY_ENOMEM;
    memcpy(r->raw_data, d + dans, (size_t)r->length);
    for (size_t i = 0; i + 4 <= r->length; i += 4) {
        uint32_t v = fmt_pe_u32_(d + dans + i) ^ key;
        for (unsigned b = 0; b < 4; b++)
            r->clear_data[i + b] = (uint8_t)(v >> (8 * b));
    }
    size_t n = r->length > 16 ? (size_t)(r->length - 16) / 8 : 0;
    if (n > FMT_PE_MAX_RICH_ENTRIES)
        n = FMT_PE_MAX_RICH_ENTRIES;
    r->entries = fmt_pe_alloc_(pe, sizeof(*r->entries) * (n ? n : 1));
    if (!r->entries)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        uint32_t compid = fmt_pe_u32_(r->clear_data + 16 + 8 * i);
        r->entries[i].toolid = (uint16_t)(compid >> 16);
        r->entries[i].version = (uint16_t)compid;
        r->entries[i].times = fmt_pe_u32_(r->clear_data + 16 + 8 * i + 4);
    }
    r->number_of_entries = n;
    return ASSAY_OK;
}

/* ------------------------------------------------------------------------ */
/* Imports                                                                  */
/* ------------------------------------------------------------------------ */

/* Names YARA and pefile give to well-known ordinal imports. */
struct ord_name {
    uint16_t ord;
    const char *name;
};

static const struct ord_name ws2_32_ords[] = {
    {1, "accept"}, {2, "bind"}, {3, "closesocket"}, {4, "connect"}, {5, "getpeername"},
    {6, "getsockname"}, {7, "getsockopt"}, {8, "htonl"}, {9, "htons"}, {10, "ioctlsocket"},
    {11, "inet_addr"}, {12, "inet_ntoa"}, {13, "listen"}, {14, "ntohl"}, {15, "ntohs"},
    {16, "recv"}, {17, "recvfrom"}, {18, "select"}, {19, "send"}, {20, "sendto"},
    {21, "setsockopt"}, {22, "shutdown"}, {23, "socket"}, {24, "GetAddrInfoW"},
    {25, "GetNameInfoW"}, {26, "WSApSetPostRoutine"}, {27, "FreeAddrInfoW"},
    {28, "WPUCompleteOverlappedRequest"}, {29, "WSAAccept"}, {30, "WSAAddressToStringA"},
    {31, "WSAAddressToStringW"}, {32, "WSACloseEvent"}, {33, "WSAConnect"},
    {34, "WSACreateEvent"}, {35, "WSADuplicateSocketA"}, {36, "WSADuplicateSocketW"},
    {37, "WSAEnumNameSpaceProvidersA"}, {38, "WSAEnumNameSpaceProvidersW"},
    {39, "WSAEnumNetworkEvents"}, {40, "WSAEnumProtocolsA"}, {41, "WSAEnumProtocolsW"},
    {42, "WSAEventSelect"}, {43, "WSAGetOverlappedResult"}, {44, "WSAGetQOSByName"},
    {45, "WSAGetServiceClassInfoA"}, {46, "WSAGetServiceClassInfoW"},
    {47, "WSAGetServiceClassNameByClassIdA"}, {48, "WSAGetServiceClassNameByClassIdW"},
    {49, "WSAHtonl"}, {50, "WSAHtons"}, {51, "gethostbyaddr"}, {52, "gethostbyname"},
    {53, "getprotobyname"}, {54, "getprotobynumber"}, {55, "getservbyname"},
    {56, "getservbyport"}, {57, "gethostname"}, {58, "WSAInstallServiceClassA"},
    {59, "WSAInstallServiceClassW"}, {60, "WSAIoctl"}, {61, "WSAJoinLeaf"},
    {62, "WSALookupServiceBeginA"}, {63, "WSALookupServiceBeginW"},
    {64, "WSALookupServiceEnd"}, {65, "WSALookupServiceNextA"},
    {66, "WSALookupServiceNextW"}, {67, "WSANSPIoctl"}, {68, "WSANtohl"}, {69, "WSANtohs"},
    {70, "WSAProviderConfigChange"}, {71, "WSARecv"}, {72, "WSARecvDisconnect"},
    {73, "WSARecvFrom"}, {74, "WSARemoveServiceClass"}, {75, "WSAResetEvent"},
    {76, "WSASend"}, {77, "WSASendDisconnect"}, {78, "WSASendTo"}, {79, "WSASetEvent"},
    {80, "WSASetServiceA"}, {81, "WSASetServiceW"}, {82, "WSASocketA"}, {83, "WSASocketW"},
    {84, "WSAStringToAddressA"}, {85, "WSAStringToAddressW"},
    {86, "WSAWaitForMultipleEvents"}, {87, "WSCDeinstallProvider"},
    {88, "WSCEnableNSProvider"}, {89, "WSCEnumProtocols"}, {90, "WSCGetProviderPath"},
    {91, "WSCInstallNameSpace"}, {92, "WSCInstallProvider"},
    {93, "WSCUnInstallNameSpace"}, {94, "WSCUpdateProvider"},
    {95, "WSCWriteNameSpaceOrder"}, {96, "WSCWriteProviderOrder"}, {97, "freeaddrinfo"},
    {98, "getaddrinfo"}, {99, "getnameinfo"}, {101, "WSAAsyncSelect"},
    {102, "WSAAsyncGetHostByAddr"}, {103, "WSAAsyncGetHostByName"},
    {104, "WSAAsyncGetProtoByNumber"}, {105, "WSAAsyncGetProtoByName"},
    {106, "WSAAsyncGetServByPort"}, {107, "WSAAsyncGetServByName"},
    {108, "WSACancelAsyncRequest"}, {109, "WSASetBlockingHook"},
    {110, "WSAUnhookBlockingHook"}, {111, "WSAGetLastError"}, {112, "WSASetLastError"},
    {113, "WSACancelBlockingCall"}, {114, "WSAIsBlocking"}, {115, "WSAStartup"},
    {116, "WSACleanup"}, {151, "__WSAFDIsSet"}, {500, "WEP"},
};

static const struct ord_name oleaut32_ords[] = {
    {2, "SysAllocString"}, {3, "SysReAllocString"}, {4, "SysAllocStringLen"},
    {5, "SysReAllocStringLen"}, {6, "SysFreeString"}, {7, "SysStringLen"}, {8, "VariantInit"},
    {9, "VariantClear"}, {10, "VariantCopy"}, {11, "VariantCopyInd"}, {12, "VariantChangeType"},
    {13, "VariantTimeToDosDateTime"}, {14, "DosDateTimeToVariantTime"}, {15, "SafeArrayCreate"},
    {16, "SafeArrayDestroy"}, {17, "SafeArrayGetDim"}, {18, "SafeArrayGetElemsize"},
    {19, "SafeArrayGetUBound"}, {20, "SafeArrayGetLBound"}, {21, "SafeArrayLock"},
    {22, "SafeArrayUnlock"}, {23, "SafeArrayAccessData"}, {24, "SafeArrayUnaccessData"},
    {25, "SafeArrayGetElement"}, {26, "SafeArrayPutElement"}, {27, "SafeArrayCopy"},
    {28, "DispGetParam"}, {29, "DispGetIDsOfNames"}, {30, "DispInvoke"},
    {31, "CreateDispTypeInfo"}, {32, "CreateStdDispatch"}, {33, "RegisterActiveObject"},
    {34, "RevokeActiveObject"}, {35, "GetActiveObject"}, {36, "SafeArrayAllocDescriptor"},
    {37, "SafeArrayAllocData"}, {38, "SafeArrayDestroyDescriptor"}, {39, "SafeArrayDestroyData"},
    {40, "SafeArrayRedim"}, {41, "SafeArrayAllocDescriptorEx"}, {42, "SafeArrayCreateEx"},
    {43, "SafeArrayCreateVectorEx"}, {44, "SafeArraySetRecordInfo"},
    {45, "SafeArrayGetRecordInfo"}, {46, "VarParseNumFromStr"}, {47, "VarNumFromParseNum"},
    {48, "VarI2FromUI1"}, {49, "VarI2FromI4"}, {50, "VarI2FromR4"}, {51, "VarI2FromR8"},
    {52, "VarI2FromCy"}, {53, "VarI2FromDate"}, {54, "VarI2FromStr"}, {55, "VarI2FromDisp"},
    {56, "VarI2FromBool"}, {57, "SafeArraySetIID"}, {58, "VarI4FromUI1"}, {59, "VarI4FromI2"},
    {60, "VarI4FromR4"}, {61, "VarI4FromR8"}, {62, "VarI4FromCy"}, {63, "VarI4FromDate"},
    {64, "VarI4FromStr"}, {65, "VarI4FromDisp"}, {66, "VarI4FromBool"}, {67, "SafeArrayGetIID"},
    {68, "VarR4FromUI1"}, {69, "VarR4FromI2"}, {70, "VarR4FromI4"}, {71, "VarR4FromR8"},
    {72, "VarR4FromCy"}, {73, "VarR4FromDate"}, {74, "VarR4FromStr"}, {75, "VarR4FromDisp"},
    {76, "VarR4FromBool"}, {77, "SafeArrayGetVartype"}, {78, "VarR8FromUI1"}, {79, "VarR8FromI2"},
    {80, "VarR8FromI4"}, {81, "VarR8FromR4"}, {82, "VarR8FromCy"}, {83, "VarR8FromDate"},
    {84, "VarR8FromStr"}, {85, "VarR8FromDisp"}, {86, "VarR8FromBool"}, {87, "VarFormat"},
    {88, "VarDateFromUI1"}, {89, "VarDateFromI2"}, {90, "VarDateFromI4"}, {91, "VarDateFromR4"},
    {92, "VarDateFromR8"}, {93, "VarDateFromCy"}, {94, "VarDateFromStr"}, {95, "VarDateFromDisp"},
    {96, "VarDateFromBool"}, {97, "VarFormatDateTime"}, {98, "VarCyFromUI1"}, {99, "VarCyFromI2"},
    {100, "VarCyFromI4"}, {101, "VarCyFromR4"}, {102, "VarCyFromR8"}, {103, "VarCyFromDate"},
    {104, "VarCyFromStr"}, {105, "VarCyFromDisp"}, {106, "VarCyFromBool"},
    {107, "VarFormatNumber"}, {108, "VarBstrFromUI1"}, {109, "VarBstrFromI2"},
    {110, "VarBstrFromI4"}, {111, "VarBstrFromR4"}, {112, "VarBstrFromR8"}, {113, "VarBstrFromCy"},
    {114, "VarBstrFromDate"}, {115, "VarBstrFromDisp"}, {116, "VarBstrFromBool"},
    {117, "VarFormatPercent"}, {118, "VarBoolFromUI1"}, {119, "VarBoolFromI2"},
    {120, "VarBoolFromI4"}, {121, "VarBoolFromR4"}, {122, "VarBoolFromR8"},
    {123, "VarBoolFromDate"}, {124, "VarBoolFromCy"}, {125, "VarBoolFromStr"},
    {126, "VarBoolFromDisp"}, {127, "VarFormatCurrency"}, {128, "VarWeekdayName"},
    {129, "VarMonthName"}, {130, "VarUI1FromI2"}, {131, "VarUI1FromI4"}, {132, "VarUI1FromR4"},
    {133, "VarUI1FromR8"}, {134, "VarUI1FromCy"}, {135, "VarUI1FromDate"}, {136, "VarUI1FromStr"},
    {137, "VarUI1FromDisp"}, {138, "VarUI1FromBool"}, {139, "VarFormatFromTokens"},
    {140, "VarTokenizeFormatString"}, {141, "VarAdd"}, {142, "VarAnd"}, {143, "VarDiv"},
    {144, "DllCanUnloadNow"}, {145, "DllGetClassObject"}, {146, "DispCallFunc"},
    {147, "VariantChangeTypeEx"}, {148, "SafeArrayPtrOfIndex"}, {149, "SysStringByteLen"},
    {150, "SysAllocStringByteLen"}, {151, "DllRegisterServer"}, {152, "VarEqv"}, {153, "VarIdiv"},
    {154, "VarImp"}, {155, "VarMod"}, {156, "VarMul"}, {157, "VarOr"}, {158, "VarPow"},
    {159, "VarSub"}, {160, "CreateTypeLib"}, {161, "LoadTypeLib"}, {162, "LoadRegTypeLib"},
    {163, "RegisterTypeLib"}, {164, "QueryPathOfRegTypeLib"}, {165, "LHashValOfNameSys"},
    {166, "LHashValOfNameSysA"}, {167, "VarXor"}, {168, "VarAbs"}, {169, "VarFix"},
    {170, "OaBuildVersion"}, {171, "ClearCustData"}, {172, "VarInt"}, {173, "VarNeg"},
    {174, "VarNot"}, {175, "VarRound"}, {176, "VarCmp"}, {177, "VarDecAdd"}, {178, "VarDecDiv"},
    {179, "VarDecMul"}, {180, "CreateTypeLib2"}, {181, "VarDecSub"}, {182, "VarDecAbs"},
    {183, "LoadTypeLibEx"}, {184, "SystemTimeToVariantTime"}, {185, "VariantTimeToSystemTime"},
    {186, "UnRegisterTypeLib"}, {187, "VarDecFix"}, {188, "VarDecInt"}, {189, "VarDecNeg"},
    {190, "VarDecFromUI1"}, {191, "VarDecFromI2"}, {192, "VarDecFromI4"}, {193, "VarDecFromR4"},
    {194, "VarDecFromR8"}, {195, "VarDecFromDate"}, {196, "VarDecFromCy"}, {197, "VarDecFromStr"},
    {198, "VarDecFromDisp"}, {199, "VarDecFromBool"}, {200, "GetErrorInfo"}, {201, "SetErrorInfo"},
    {202, "CreateErrorInfo"}, {203, "VarDecRound"}, {204, "VarDecCmp"}, {205, "VarI2FromI1"},
    {206, "VarI2FromUI2"}, {207, "VarI2FromUI4"}, {208, "VarI2FromDec"}, {209, "VarI4FromI1"},
    {210, "VarI4FromUI2"}, {211, "VarI4FromUI4"}, {212, "VarI4FromDec"}, {213, "VarR4FromI1"},
    {214, "VarR4FromUI2"}, {215, "VarR4FromUI4"}, {216, "VarR4FromDec"}, {217, "VarR8FromI1"},
    {218, "VarR8FromUI2"}, {219, "VarR8FromUI4"}, {220, "VarR8FromDec"}, {221, "VarDateFromI1"},
    {222, "VarDateFromUI2"}, {223, "VarDateFromUI4"}, {224, "VarDateFromDec"},
    {225, "VarCyFromI1"}, {226, "VarCyFromUI2"}, {227, "VarCyFromUI4"}, {228, "VarCyFromDec"},
    {229, "VarBstrFromI1"}, {230, "VarBstrFromUI2"}, {231, "VarBstrFromUI4"},
    {232, "VarBstrFromDec"}, {233, "VarBoolFromI1"}, {234, "VarBoolFromUI2"},
    {235, "VarBoolFromUI4"}, {236, "VarBoolFromDec"}, {237, "VarUI1FromI1"},
    {238, "VarUI1FromUI2"}, {239, "VarUI1FromUI4"}, {240, "VarUI1FromDec"}, {241, "VarDecFromI1"},
    {242, "VarDecFromUI2"}, {243, "VarDecFromUI4"}, {244, "VarI1FromUI1"}, {245, "VarI1FromI2"},
    {246, "VarI1FromI4"}, {247, "VarI1FromR4"}, {248, "VarI1FromR8"}, {249, "VarI1FromDate"},
    {250, "VarI1FromCy"}, {251, "VarI1FromStr"}, {252, "VarI1FromDisp"}, {253, "VarI1FromBool"},
    {254, "VarI1FromUI2"}, {255, "VarI1FromUI4"}, {256, "VarI1FromDec"}, {257, "VarUI2FromUI1"},
    {258, "VarUI2FromI2"}, {259, "VarUI2FromI4"}, {260, "VarUI2FromR4"}, {261, "VarUI2FromR8"},
    {262, "VarUI2FromDate"}, {263, "VarUI2FromCy"}, {264, "VarUI2FromStr"},
    {265, "VarUI2FromDisp"}, {266, "VarUI2FromBool"}, {267, "VarUI2FromI1"},
    {268, "VarUI2FromUI4"}, {269, "VarUI2FromDec"}, {270, "VarUI4FromUI1"}, {271, "VarUI4FromI2"},
    {272, "VarUI4FromI4"}, {273, "VarUI4FromR4"}, {274, "VarUI4FromR8"}, {275, "VarUI4FromDate"},
    {276, "VarUI4FromCy"}, {277, "VarUI4FromStr"}, {278, "VarUI4FromDisp"},
    {279, "VarUI4FromBool"}, {280, "VarUI4FromI1"}, {281, "VarUI4FromUI2"}, {282, "VarUI4FromDec"},
    {283, "BSTR_UserSize"}, {284, "BSTR_UserMarshal"}, {285, "BSTR_UserUnmarshal"},
    {286, "BSTR_UserFree"}, {287, "VARIANT_UserSize"}, {288, "VARIANT_UserMarshal"},
    {289, "VARIANT_UserUnmarshal"}, {290, "VARIANT_UserFree"}, {291, "LPSAFEARRAY_UserSize"},
    {292, "LPSAFEARRAY_UserMarshal"}, {293, "LPSAFEARRAY_UserUnmarshal"},
    {294, "LPSAFEARRAY_UserFree"}, {295, "LPSAFEARRAY_Size"}, {296, "LPSAFEARRAY_Marshal"},
    {297, "LPSAFEARRAY_Unmarshal"}, {298, "VarDecCmpR8"}, {299, "VarCyAdd"},
    {300, "DllUnregisterServer"}, {301, "OACreateTypeLib2"}, {303, "VarCyMul"},
    {304, "VarCyMulI4"}, {305, "VarCySub"}, {306, "VarCyAbs"}, {307, "VarCyFix"},
    {308, "VarCyInt"}, {309, "VarCyNeg"}, {310, "VarCyRound"}, {311, "VarCyCmp"},
    {312, "VarCyCmpR8"}, {313, "VarBstrCat"}, {314, "VarBstrCmp"}, {315, "VarR8Pow"},
    {316, "VarR4CmpR8"}, {317, "VarR8Round"}, {318, "VarCat"}, {319, "VarDateFromUdateEx"},
    {322, "GetRecordInfoFromGuids"}, {323, "GetRecordInfoFromTypeInfo"},
    {325, "SetVarConversionLocaleSetting"}, {326, "GetVarConversionLocaleSetting"},
    {327, "SetOaNoCache"}, {329, "VarCyMulI8"}, {330, "VarDateFromUdate"},
    {331, "VarUdateFromDate"}, {332, "GetAltMonthNames"}, {333, "VarI8FromUI1"},
    {334, "VarI8FromI2"}, {335, "VarI8FromR4"}, {336, "VarI8FromR8"}, {337, "VarI8FromCy"},
    {338, "VarI8FromDate"}, {339, "VarI8FromStr"}, {340, "VarI8FromDisp"}, {341, "VarI8FromBool"},
    {342, "VarI8FromI1"}, {343, "VarI8FromUI2"}, {344, "VarI8FromUI4"}, {345, "VarI8FromDec"},
    {346, "VarI2FromI8"}, {347, "VarI2FromUI8"}, {348, "VarI4FromI8"}, {349, "VarI4FromUI8"},
    {360, "VarR4FromI8"}, {361, "VarR4FromUI8"}, {362, "VarR8FromI8"}, {363, "VarR8FromUI8"},
    {364, "VarDateFromI8"}, {365, "VarDateFromUI8"}, {366, "VarCyFromI8"}, {367, "VarCyFromUI8"},
    {368, "VarBstrFromI8"}, {369, "VarBstrFromUI8"}, {370, "VarBoolFromI8"},
    {371, "VarBoolFromUI8"}, {372, "VarUI1FromI8"}, {373, "VarUI1FromUI8"}, {374, "VarDecFromI8"},
    {375, "VarDecFromUI8"}, {376, "VarI1FromI8"}, {377, "VarI1FromUI8"}, {378, "VarUI2FromI8"},
    {379, "VarUI2FromUI8"}, {401, "OleLoadPictureEx"}, {402, "OleLoadPictureFileEx"},
    {411, "SafeArrayCreateVector"}, {412, "SafeArrayCopyData"}, {413, "VectorFromBstr"},
    {414, "BstrFromVector"}, {415, "OleIconToCursor"}, {416, "OleCreatePropertyFrameIndirect"},
    {417, "OleCreatePropertyFrame"}, {418, "OleLoadPicture"}, {419, "OleCreatePictureIndirect"},
    {420, "OleCreateFontIndirect"}, {421, "OleTranslateColor"}, {422, "OleLoadPictureFile"},
    {423, "OleSavePictureFile"}, {424, "OleLoadPicturePath"}, {425, "VarUI4FromI8"},
    {426, "VarUI4FromUI8"}, {427, "VarI8FromUI8"}, {428, "VarUI8FromI8"}, {429, "VarUI8FromUI1"},
    {430, "VarUI8FromI2"}, {431, "VarUI8FromR4"}, {432, "VarUI8FromR8"}, {433, "VarUI8FromCy"},
    {434, "VarUI8FromDate"}, {435, "VarUI8FromStr"}, {436, "VarUI8FromDisp"},
    {437, "VarUI8FromBool"}, {438, "VarUI8FromI1"}, {439, "VarUI8FromUI2"}, {440, "VarUI8FromUI4"},
    {441, "VarUI8FromDec"}, {442, "RegisterTypeLibForUser"}, {443, "UnRegisterTypeLibForUser"},
};

static const char *lookup_ordinal(const struct ord_name *t, size_t n, uint16_t ord)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].ord == ord)
            return t[i].name;
    return NULL;
}

/* The function name an ordinal import gets: a known name or "ord<N>". */
static void ordinal_name(const char *dll, uint16_t ord, char *out, size_t cap)
{
    const char *known = NULL;
    if (strcasecmp(dll, "ws2_32.dll") == 0 || strcasecmp(dll, "wsock32.dll") == 0)
        known = lookup_ordinal(ws2_32_ords, sizeof ws2_32_ords / sizeof ws2_32_ords[0], ord);
    else if (strcasecmp(dll, "oleaut32.dll") == 0)
        known = lookup_ordinal(oleaut32_ords, sizeof oleaut32_ords / sizeof oleaut32_ords[0], ord);
    if (known)
        snprintf(out, cap, "%s", known);
    else
        snprintf(out, cap, "ord%u", ord);
}

/* A DLL name YARA accepts: non-empty, printable, no path separators. */
static bool valid_dll_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e || c == '\\' || c == '/' || c == ':' || c == '*' || c == '?' ||
            c == '"' || c == '<' || c == '>' || c == '|')
            return false;
    }
    return true;
}

/* A function name YARA keeps: non-empty printable ASCII. */
static bool printable_name(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

struct import_walk {
    struct fmt_pe_import_dll *dlls;
    size_t ndlls;
    size_t nfuncs;          /* in total, against the cap */
    bool truncated;
};

/* Read the thunk array at `names_rva` (import lookup table) for one DLL;
 * `iat_rva` gives each function's slot RVA. */
static int read_thunks(struct fmt_pe *pe, struct import_walk *w, struct fmt_pe_import_dll *dll,
                       uint64_t names_rva, uint64_t iat_rva)
{
    size_t width = pe->is_64bit ? 8 : 4;
    uint64_t off;
    if (!fmt_pe_rva_offset(pe, names_rva, &off))
        return ASSAY_OK;
    UTIL_VEC(struct fmt_pe_import_function) funcs = {0};
    for (size_t i = 0;; i++) {
        if (w->nfuncs >= FMT_PE_MAX_IMPORT_FUNCS) {
            w->truncated = true;
            break;
        }
        if (!fmt_pe_read_ok_(pe, off + i * width, width))
            break;
        const uint8_t *t = pe->data_ + off + i * width;
        uint64_t thunk = width == 8 ? u64le(t) : fmt_pe_u32_(t);
        if (thunk == 0)
            break;
        bool by_ord = width == 8 ? (thunk >> 63) != 0 : (thunk >> 31) != 0;
        struct fmt_pe_import_function f = {0};
        f.rva = iat_rva + i * width;
        if (by_ord) {
            f.by_ordinal = true;
            f.ordinal = (uint16_t)thunk;
            char name[64];
            ordinal_name(dll->name, f.ordinal, name, sizeof name);
            f.name = fmt_pe_strndup_(pe, name, strlen(name));
        } else {
            uint64_t noff;
            const char *s;
            size_t n;
            if (!fmt_pe_rva_offset(pe, (thunk & 0x7fffffff) + 2, &noff) ||
                !cstr_at(pe, noff, FMT_PE_MAX_STRING, &s, &n) || !printable_name(s, n))
                continue; /* YARA drops unreadable names (imphash depends on it) */
            f.name = fmt_pe_strndup_(pe, s, n);
        }
        if (!f.name || util_vec_push(&funcs, f) != 0) {
            free(funcs.v);
            return ASSAY_ENOMEM;
        }
        w->nfuncs++;
    }
    dll->number_of_functions = funcs.n;
    dll->functions = fmt_pe_alloc_(pe, sizeof(*funcs.v) * (funcs.n ? funcs.n : 1));
    if (!dll->functions) {
        free(funcs.v);
        return ASSAY_ENOMEM;
    }
    if (funcs.n)
        memcpy(dll->functions, funcs.v, sizeof(*funcs.v) * funcs.n);
    free(funcs.v);
    return ASSAY_OK;
}

/* Append one DLL (name at name_rva) when it imports at least one function;
 * returns 1 when the name is not a plausible DLL name (YARA then stops). */
static int add_import_dll(struct fmt_pe *pe, struct import_walk *w, uint64_t name_rva,
                          uint64_t names_rva, uint64_t iat_rva)
{
    uint64_t noff;
    const char *s;
    size_t n;
    if (!fmt_pe_rva_offset(pe, name_rva, &noff) || !cstr_at(pe, noff, 256, &s, &n))
        return ASSAY_OK;
    if (!valid_dll_name(s, n))
        return 1; /* a garbage descriptor: the table ends here */
    struct fmt_pe_import_dll *dll = &w->dlls[w->ndlls];
    memset(dll, 0, sizeof *dll);
    dll->name = fmt_pe_strndup_(pe, s, n);
    if (!dll->name)
        return ASSAY_ENOMEM;
    int rc = read_thunks(pe, w, dll, names_rva ? names_rva : iat_rva, iat_rva);
    if (rc != ASSAY_OK)
        return rc;
    if (dll->number_of_functions > 0)
        w->ndlls++;
    return ASSAY_OK;
}

/* One descriptor of an import table: the DLL name, the name table and the
 * IAT as RVAs; false at the table's terminator. */
typedef bool (*import_descriptor_fn)(const struct fmt_pe *pe, const uint8_t *d, uint32_t *name, uint32_t *names,
                                     uint32_t *iat);

static bool standard_descriptor(const struct fmt_pe *pe, const uint8_t *d, uint32_t *name, uint32_t *names,
                                uint32_t *iat)
{
    (void)pe;
    *names = fmt_pe_u32_(d);
    *name = fmt_pe_u32_(d + 12);
    *iat = fmt_pe_u32_(d + 16);
    return !(*name == 0 && *iat == 0);
}

static bool delayed_descriptor(const struct fmt_pe *pe, const uint8_t *d, uint32_t *name, uint32_t *names,
                               uint32_t *iat)
{
    uint32_t attrs = fmt_pe_u32_(d);
    uint64_t n = fmt_pe_u32_(d + 4), i = fmt_pe_u32_(d + 12), t = fmt_pe_u32_(d + 16);
    if (n == 0 && i == 0 && t == 0)
        return false;
    if ((attrs & 1) == 0) {
        /* Version 1 descriptors hold virtual addresses. */
        n -= pe->image_base;
        i -= pe->image_base;
        t -= pe->image_base;
    }
    *name = (uint32_t)n;
    *iat = (uint32_t)i;
    *names = (uint32_t)t;
    return true;
}

/* The standard (20-byte descriptors) or delayed (32-byte) import table. */
static int walk_import_table(struct fmt_pe *pe, unsigned dir_index, size_t entry_size, import_descriptor_fn decode,
                             struct import_walk *w)
{
    const struct fmt_pe_data_directory *dir = &pe->data_directories[dir_index];
    uint64_t off;
    if (!dir->virtual_address || !fmt_pe_rva_offset(pe, dir->virtual_address, &off))
        return ASSAY_OK;
    w->dlls = fmt_pe_alloc_(pe, sizeof(*w->dlls) * FMT_PE_MAX_IMPORT_DLLS);
    if (!w->dlls)
        return ASSAY_ENOMEM;
    for (size_t i = 0; fmt_pe_read_ok_(pe, off + entry_size * i, entry_size); i++) {
        if (w->ndlls >= FMT_PE_MAX_IMPORT_DLLS || i >= 4 * FMT_PE_MAX_IMPORT_DLLS) {
            w->truncated = true;
            break;
        }
        uint32_t name, names, iat;
        if (!decode(pe, pe->data_ + off + entry_size * i, &name, &names, &iat))
            break;
        int rc = add_import_dll(pe, w, name, names, iat);
        if (rc == 1)
            break;
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

static int parse_imports(struct fmt_pe *pe)
{
    struct import_walk w = {0};
    int rc = walk_import_table(pe, FMT_PE_DIR_IMPORT, 20, standard_descriptor, &w);
    pe->imports = w.dlls;
    pe->nimports = w.ndlls;
    pe->number_of_imported_functions = w.nfuncs;
    pe->imports_truncated = w.truncated;
    return rc;
}

static int parse_delayed_imports(struct fmt_pe *pe)
{
    struct import_walk w = {0};
    int rc = walk_import_table(pe, FMT_PE_DIR_DELAY_IMPORT, 32, delayed_descriptor, &w);
    pe->delayed_imports = w.dlls;
    pe->ndelayed_imports = w.ndlls;
    pe->number_of_delayed_imported_functions = w.nfuncs;
    pe->delayed_imports_truncated = w.truncated;
    return rc;
}

/* pefile's rule: the DLL name lowercased, a .dll/.ocx/.sys extension cut;
 * the function lowercased; "dll.func" joined by ',' and MD5ed. */
static int compute_imphash(struct fmt_pe *pe)
{
    if (pe->nimports == 0)
        return ASSAY_OK;
    struct util_buf b = {0};
    for (size_t i = 0; i < pe->nimports; i++) {
        const struct fmt_pe_import_dll *dll = &pe->imports[i];
        size_t dl = strlen(dll->name);
        const char *dot = strrchr(dll->name, '.');
        if (dot && (strcasecmp(dot, ".dll") == 0 || strcasecmp(dot, ".ocx") == 0 ||
                    strcasecmp(dot, ".sys") == 0))
            dl = (size_t)(dot - dll->name);
        for (size_t j = 0; j < dll->number_of_functions; j++) {
            if (b.len && util_buf_append_byte(&b, ',') != 0)
                goto nomem;
            size_t start = b.len;
            if (util_buf_append(&b, dll->name, dl) != 0 || util_buf_append_byte(&b, '.') != 0 ||
                util_buf_append(&b, dll->functions[j].name, strlen(dll->functions[j].name)) != 0)
                goto nomem;
            for (size_t k = start; k < b.len; k++)
                b.data[k] = (uint8_t)tolower(b.data[k]);
        }
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(b.data ? (const void *)b.data : "", b.len, md, &mdlen, EVP_md5(), NULL))
        goto nomem;
    for (unsigned i = 0; i < mdlen && i < 16; i++)
        snprintf(pe->imphash + 2 * i, 3, "%02x", md[i]);
    util_buf_free(&b);
    return ASSAY_OK;
nomem:
    util_buf_free(&b);
    return ASSAY_ENOMEM;
}

/* ------------------------------------------------------------------------ */
/* Exports                                                                  */
/* ------------------------------------------------------------------------ */

static int parse_exports(struct fmt_pe *pe)
{
    const struct fmt_pe_data_directory *dir = &pe->data_directories[FMT_PE_DIR_EXPORT];
    uint64_t off;
    if (!dir->virtual_address || !fmt_pe_rva_offset(pe, dir->virtual_address, &off) ||
        !fmt_pe_read_ok_(pe, off, 40))
        return ASSAY_OK;
    const uint8_t *e = pe->data_ + off;
    pe->has_export_directory = true;
    pe->export_timestamp = fmt_pe_u32_(e + 4);
    uint64_t noff;
    const char *s;
    size_t n;
    if (fmt_pe_rva_offset(pe, fmt_pe_u32_(e + 12), &noff) && cstr_at(pe, noff, 256, &s, &n)) {
        pe->dll_name = fmt_pe_strndup_(pe, s, n);
        if (!pe->dll_name)
            return ASSAY_ENOMEM;
    }
    uint32_t base = fmt_pe_u32_(e + 16);
    size_t nfuncs = fmt_pe_u32_(e + 20), nnames = fmt_pe_u32_(e + 24);
    uint64_t funcs_off, names_off = 0, ords_off = 0;
    if (!fmt_pe_rva_offset(pe, fmt_pe_u32_(e + 28), &funcs_off))
        return ASSAY_OK;
    if (nfuncs > FMT_PE_MAX_EXPORTS) {
        nfuncs = FMT_PE_MAX_EXPORTS;
        pe->exports_truncated = true;
    }
    if (nnames > FMT_PE_MAX_EXPORTS)
        nnames = FMT_PE_MAX_EXPORTS;
    if (!fmt_pe_rva_offset(pe, fmt_pe_u32_(e + 32), &names_off) ||
        !fmt_pe_rva_offset(pe, fmt_pe_u32_(e + 36), &ords_off))
        nnames = 0;
    pe->exports = fmt_pe_alloc_(pe, sizeof(*pe->exports) * (nfuncs ? nfuncs : 1));
    if (!pe->exports)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < nfuncs && fmt_pe_read_ok_(pe, funcs_off + 4 * i, 4); i++) {
        struct fmt_pe_export *x = &pe->exports[pe->nexports++];
        x->ordinal = base + (uint32_t)i;
        x->rva = fmt_pe_u32_(pe->data_ + funcs_off + 4 * i);
        x->has_offset = fmt_pe_rva_offset(pe, x->rva, &x->offset);
        if (x->rva >= dir->virtual_address && x->rva - dir->virtual_address < dir->size &&
            x->has_offset && cstr_at(pe, x->offset, 256, &s, &n)) {
            x->forward_name = fmt_pe_strndup_(pe, s, n);
            if (!x->forward_name)
                return ASSAY_ENOMEM;
        }
    }
    /* Names point at address table slots through the ordinal table. */
    for (size_t j = 0; j < nnames; j++) {
        if (!fmt_pe_read_ok_(pe, names_off + 4 * j, 4) || !fmt_pe_read_ok_(pe, ords_off + 2 * j, 2))
            break;
        uint16_t idx = fmt_pe_u16_(pe->data_ + ords_off + 2 * j);
        if (idx >= pe->nexports || pe->exports[idx].name)
            continue;
        if (!fmt_pe_rva_offset(pe, fmt_pe_u32_(pe->data_ + names_off + 4 * j), &noff) ||
            !cstr_at(pe, noff, FMT_PE_MAX_STRING, &s, &n))
            continue;
        pe->exports[idx].name = fmt_pe_strndup_(pe, s, n);
        if (!pe->exports[idx].name)
            return ASSAY_ENOMEM;
    }
    return ASSAY_OK;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

const char *fmt_pe_version_info_get(const struct fmt_pe *pe, const char *key)
{
    for (size_t i = 0; i < pe->nversion_infos; i++)
        if (strcmp(pe->version_infos[i].key, key) == 0)
            return pe->version_infos[i].value;
    return NULL;
}

void fmt_pe_free(struct fmt_pe *pe)
{
    if (!pe)
        return;
    for (size_t i = 0; i < pe->allocs_.n; i++)
        free(pe->allocs_.v[i]);
    util_vec_free(&pe->allocs_);
    memset(pe, 0, sizeof *pe);
}

int fmt_pe_parse(const uint8_t *data, size_t len, struct fmt_pe *out)
{
    return fmt_pe_parse_with(data, len, NULL, out);
}

int fmt_pe_parse_with(const uint8_t *data, size_t len, const struct fmt_pe_options *opt,
                      struct fmt_pe *out)
{
    static const struct fmt_pe_options all = {0};
    if (opt == NULL)
        opt = &all;
    memset(out, 0, sizeof *out);
    out->data_ = data;
    out->len_ = data ? len : 0;
    out->trust_ = opt->trust;
    int rc = parse_headers(out);
    if (rc == ASSAY_OK && opt->attribution_only) {
        /* version info and signatures: what inventory attribution reads */
        rc = fmt_pe_parse_resources_(out);
        if (rc == ASSAY_OK)
            rc = fmt_pe_parse_signatures_(out);
    } else if (rc == ASSAY_OK) {
        find_overlay(out);
        int (*const steps[])(struct fmt_pe *) = {
            parse_debug_directory, parse_rich,        parse_imports,
            parse_delayed_imports, compute_imphash,   parse_exports,
            fmt_pe_parse_resources_, fmt_pe_parse_signatures_,
        };
        for (size_t i = 0; i < sizeof steps / sizeof steps[0] && rc == ASSAY_OK; i++)
            rc = steps[i](out);
    } else if (rc == ASSAY_EFORMAT) {
        /* Keep nothing of a non-PE but the allocation list (empty). */
        out->is_pe = false;
    }
    out->trust_ = NULL;
    out->data_ = NULL; /* len_ stays: fmt_pe_rva_offset checks against it */
    return rc;
}
