/* fuzz_yara_rules_file.c — libFuzzer target for the compiled YARA rules
 * loader (lib/yara/rules_file.c). The first input byte picks the mode:
 *   even: the rest of the input is a blob for yrules_load;
 *   odd:  the rest is a list of (offset: 4 bytes, xor mask: 1 byte) edits
 *         applied to a valid blob of a rule set with every kind of record
 *         (compiled once), so the fuzzer works past the header and the
 *         table checks on records that are nearly right.
 * Whatever loads is scanned without the engine: each pattern's atom is
 * searched in a sample buffer and reported as a hit, then the atom-less
 * strings are searched and every condition evaluated. Loops over huge
 * constant ranges are skipped (slow, not unsafe). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "yara/rules.h"
#include "yara/rules_file.h"
#include "yara/yscan.h"
#include "../unit/yrules_scan.h"

static const char RULES[] =
    "import \"pe\"\n"
    "import \"math\"\n"
    "import \"elf\"\n"
    "global rule g : tag1 tag2 { meta: m = \"v\" k = 1 b = true condition: filesize > 0 }\n"
    "private rule p { strings: $p = \"priv\" private condition: $p }\n"
    "rule a {\n"
    "  strings: $t = \"hello\" wide ascii nocase $x = \"xor\" xor(1-2) $b = \"base64\" base64\n"
    "    $h = { 61 62 [1-3] 63 ( 64 | 65 ) ~66 } $r = /x[0-9]+y/i $c = { 41 42 [300-400] 43 [0-500] 44 }\n"
    "    $s = /.x*/ $f = \"word\" fullword\n"
    "  condition: any of them and for any i in (1..#t) : ( @t[i] >= 0 and !t[i] > 0 ) and ext == \"abc\"\n"
    "    and for all of ($t, $h) : ( # >= 0 and @ >= 0 )\n"
    "    and #h in (0..filesize) >= 0 and $t in (0..100) and none of ($x, $b) at 5 and 2 of ($t, $h, $r)\n"
    "}\n"
    "rule b {\n"
    "  condition: a and p and pe.number_of_sections >= 0 and math.entropy(0, filesize) >= 0.0\n"
    "    and for any s in pe.sections : ( s.name == \"x\" ) and \"q\" matches /q/ and pe.exports(/q/) == 0\n"
    "    and for any k, v in pe.version_info : ( k == v ) and for all i in (1, 2) : ( i < 3 )\n"
    "    and for any x in (\"a\", \"b\") : ( x == \"b\" )\n"
    "    and any of (a, p) and 1 of (filesize > 0, false) and uint16be(0) != 1 and -filesize < 1\n"
    "    and elf.type == 2 or 1.5 * 2 > 2 and filesize \\ 2 >= 0 and defined entrypoint\n"
    "}\n";

static const uint8_t SAMPLE[] = "hello h\0e\0l\0l\0o\0 abXcdA x123y AB....C....D priv word xor q MZ";

static uint8_t *valid;
static size_t valid_len;

static void make_valid(void)
{
    struct yrules r;
    yrules_init(&r);
    struct util_buf out = {0};
    if (yrules_define(&r, "ext", "abc") != ASSAY_OK || yrules_add_text(&r, "f.yar", RULES, sizeof RULES - 1, NULL) != ASSAY_OK ||
        yrules_save(&r, &out) != ASSAY_OK)
        abort();
    yrules_free(&r);
    valid = out.data;
    valid_len = out.len;
}

static void scan(const struct yrules *r)
{
    yrules_scan_without_engine(r, SAMPLE, sizeof SAMPLE - 1, true, 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    if (!valid)
        make_valid();
    uint8_t *blob;
    size_t len;
    if ((data[0] & 1) == 0) {
        len = size - 1;
        blob = malloc(len ? len : 1);
        if (len)
            memcpy(blob, data + 1, len);
    } else {
        len = valid_len;
        blob = malloc(len);
        memcpy(blob, valid, len);
        for (size_t i = 1; i + 5 <= size; i += 5) {
            uint32_t off;
            memcpy(&off, data + i, 4);
            blob[off % len] ^= data[i + 4];
        }
    }
    struct yrules r;
    yrules_init(&r);
    if (yrules_load(&r, blob, len) == ASSAY_OK)
        scan(&r);
    yrules_free(&r);
    free(blob);
    return 0;
}
