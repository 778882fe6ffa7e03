/* Rules for tests/diff/yara_cli.sh: strings whose result depends on how YARA
 * splits a hex string or regex at its atom (forward part with the regex's
 * priorities, backward part exhaustive), chains it at long jumps, and filters
 * `at` offsets, and what fast mode (-f) keeps. Inputs are written by the
 * script (split.bin, chain.bin, fast.bin). */
rule alt_priority {
    strings:
        $h = { 41 42 43 44 ( 01 02 | 01 ) }
        $r = /xyzw(ab|a)/
        $t = { 7F E0 ?? [3] 9? 4C ( ?? 4C ?? | ?? 4C | 45 CC 4C ) }
    condition:
        any of them
}

rule atom_in_alternation {
    strings:
        $r = /x(ab|a)/
        $b = { ( 51 | 51 51 ) 52 53 54 55 }
    condition:
        any of them
}

rule chained {
    strings:
        $head_first = { 72 69 ( ?4 ( 76 72 64 | 00 96 | 90 65 64 ) 00 | 64 ) [1-] ?? }
        $tail = { 72 69 [300-] 63 64 }
    condition:
        any of them
}

rule chained_far {
    strings:
        $far = { 61 62 [0-40000] 63 64 }
    condition:
        $far
}

rule fixed_offsets {
    strings:
        $lit_regex = /xyzw/
        $chain_head = { FE 00 [0-] FE 41 42 }
        $masked = { FE ?? [0-] FE 41 42 }
    condition:
        true or $lit_regex at 4 or $chain_head at 4 or $masked at 4
}

rule anonymous_in_loop {
    strings:
        $s1 = "PE\x00\x00off"
        $b2 = ".P"
    condition:
        for 1 of ($b*) : ( $ ) or $s1 at 187
}

rule fast_in_range {
    strings:
        $a = "qq"
    condition:
        $a in (3..10) and for any i in (-1..filesize) : ( uint8(i) == 0x71 )
}

rule fast_first {
    strings:
        $x = "aaaa" xor
    condition:
        $x and filesize < 1000
}
