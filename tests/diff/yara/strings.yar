/* Rules for tests/diff/yara_cli.sh: each construct whose output yara and
 * assay must print the same way. Inputs are written by the script. */
rule text_modifiers : t1 t2 {
    meta:
        author = "assay \"tests\"\n"
        score = 75
        active = true
    strings:
        $plain = "hello"
        $wide = "world" wide ascii
        $nocase = "HELLO" nocase
        $full = "ell" fullword
        $x = "secret" xor(1-3)
        $b = "This program cannot" base64
        $bw = "This program cannot" base64wide
    condition:
        any of them
}

rule hex_forms {
    strings:
        $h1 = { 61 [1-3] 62 }
        $h2 = { 61 ( 78 | 78 62 78 ) }
        $h3 = { 4D 5A ?? ?? 01 }
        $h4 = { 41 41 [0-300] 42 }
        $h5 = { ( 68 65 | 77 6F ) 6C 6C }
    condition:
        any of them
}

rule regex_forms {
    strings:
        $r1 = /a.{1,3}b/
        $r2 = /x|xb/
        $r3 = /b+/
        $r4 = /A+\x01\x02"\\B+/
        $r5 = /l{1,2}o\b/
        $r6 = /m.*ssi/
        $r7 = /WO[a-z]+D/i wide
    condition:
        any of them
}

rule conditions {
    strings:
        $a = "ab"
        $b = "cd"
    condition:
        #a >= 2 and @a[1] < @a[2] and !a[1] == 2 and $b in (0..filesize) and
        for any i in (1..#a) : (@a[i] + 2 == @b[1] or true) and
        uint8(0) != 0x100 and 50% of them and not defined @b[10]
}

private rule hidden { condition: filesize > 0 }
rule uses_private { condition: hidden and filesize < 100000 }
global rule only_small { condition: filesize < 1000000 }
rule none_of { strings: $z = "zzzzqqqq" condition: none of them }
