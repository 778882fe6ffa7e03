/* Rules for tests/diff/yara_cli.sh: hex strings and regexes whose YARA atom is
 * short or common while a longer run of exact bytes sits at a fixed distance
 * from it. assay looks for that run instead of the atom (compile_strings.c,
 * "a rarer literal than YARA's atom"); matches, offsets and counts must not
 * change. Input: relocate.bin, written by the script. */
rule run_after_atom {
    strings:
        $a = { 48 89 44 24 ?? 31 32 33 34 35 36 37 }
        $b = { 48 89 ?4 24 [2] 41 42 43 44 45 46 }
    condition:
        any of them
}

rule run_before_atom {
    strings:
        $a = { 61 62 63 64 65 66 67 ?? 48 83 EC }
        $b = { 71 72 73 74 75 76 [3] 48 8D 05 ?? }
    condition:
        any of them
}

rule counted {
    strings:
        $a = { 50 51 52 53 54 55 ?? ?? 8B 4C 24 }
    condition:
        #a == 3 and @a[2] > 0 and $a in (0..filesize)
}

rule at_edges {
    strings:
        $start = { 8B 4C 24 ?? 6D 6E 6F 70 71 }
        $end = { 5A 5B 5C 5D 5E 5F ?? 8D 74 24 }
    condition:
        $start at 0 or $end
}

rule regex_runs {
    strings:
        $r = /\x48\x83\xec.lmnopq/
        $s = /uvwxyz.\x8b\x4c\x24[0-9]/
    condition:
        any of them
}

rule mixed_with_jumps {
    strings:
        $j = { 48 83 EC [1-4] 61 62 63 64 65 66 }
        $k = { 61 62 63 64 65 66 [2-3] 48 83 EC }
    condition:
        any of them
}

rule masked_windows {
    strings:
        $nibbles = { C6 0? E9 4? 8? 4? 05 [2] 89 4? 01 }
        $short = { 8B 44 24 ?? 89 4? 24 [1-3] 3D }
        $tail = { 3? 4? 5? 6? 7? E9 }
    condition:
        any of them
}

rule window_run_inside {
    strings:
        $w = { 4? 5? 8B 4C 24 ?? 89 4? [1-2] 77 }
    condition:
        $w
}
