/* Rules for tests/diff/yara_cli.sh: strings used only as `$s at N`. YARA
 * records their matches at N only; assay checks them at N instead of
 * searching for them (lib/engine/match.c fixed_offset_pass). Matches must
 * not change. Inputs: the files of fixed/, written by the script. */
rule gzip_header {
    strings:
        $g = { 1F 8B 08 08 00 00 75 70 64 61 74 65 }
    condition:
        $g at 0
}

rule text_forms {
    strings:
        $t = "update" wide ascii nocase
    condition:
        $t at 4
}

rule whole_word {
    strings:
        $f = "word" fullword
    condition:
        $f at 2
}

rule two_offsets { /* not a fixed offset: searched */
    strings:
        $x = "twice"
    condition:
        $x at 0 or $x at 10
}

rule fixed_gate {
    strings:
        $a = { F1 E2 D3 C4 B5 A6 97 88 }
        $b = "gated text"
    condition:
        $a at 0 and $b
}

rule past_the_end {
    strings:
        $e = "tail"
    condition:
        $e at 1000
}
