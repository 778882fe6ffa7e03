#!/usr/bin/env bash
# review.sh — `assay review` and `assay inventory` end to end on the offline
# root built by tests/fixtures/make-root.sh, with the example policy: the
# expected verdicts, evidence, deadlines, replacement and exit codes, the
# negative controls (the Dahua homonym, PE files that only claim a vendor),
# and a malicious file inside an excluded product reported separately.
. "$(dirname "$0")/lib.sh"

SRC=${ASSAY_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
ROOT=$WORK/fixture/root
if ! bash "$SRC/tests/fixtures/make-root.sh" "$ROOT" >"$WORK/fixture.log" 2>&1; then
    cat "$WORK/fixture.log" >&2
    echo "FAIL: the fixture root could not be built" >&2
    exit 1
fi
STORE=(--store "$WORK/reviews.sqlite")
DAY=(--date 2026-11-23)
jq_py() { # jq_py FILE EXPR: evaluate a Python expression over the JSON lines `L` of FILE
    python3 -c "import json,sys; L=[json.loads(x) for x in open(sys.argv[1]) if x.strip()]; print($2)" "$1"
}

# -- inventory
run "$ASSAY" inventory --root "$ROOT" --format json -o "$WORK/inv.json"
expect_status "inventory of the fixture root" 0
inv() { python3 -c "import json,sys; D=json.load(open(sys.argv[1])); I=D['items']; print($1)" "$WORK/inv.json"; }
[ "$(inv "sum(1 for i in I if i['kind']=='package' and i['name']=='kesl')")" = 1 ] && pass || fail "kesl package listed"
[ "$(inv "[i['attribution']['vendor'] for i in I if i['name']=='kesl'][0]")" = kaspersky ] && pass || fail "kesl attributed to kaspersky"
[ "$(inv "[i['attribution']['strength'] for i in I if i['kind']=='executable' and i.get('path','').endswith('KES.12.3.0/avp.exe')][0]")" = strong ] \
    && pass || fail "signed avp.exe (trusted chain) is strong evidence"
[ "$(inv "[i['attribution']['strength'] for i in I if i.get('path','').endswith('claims-kaspersky.exe')][0]")" = weak ] \
    && pass || fail "an unsigned PE claiming the vendor is weak evidence"
[ "$(inv "[i['attribution']['strength'] for i in I if i.get('path','').endswith('selfsigned.exe')][0]")" = weak ] \
    && pass || fail "a self-signed PE naming the vendor is weak evidence"
[ "$(inv "[i.get('attribution',{}).get('vendor') for i in I if i['name']=='Dahua Scale Manager'][0]")" = None ] \
    && pass || fail "the Dahua homonym is not attributed to Dahua"
[ "$(inv "[i['attribution']['homonym']['value'] for i in I if i['name']=='Dahua Scale Manager'][0]")" = "Shanghai Dahua Scale Factory" ] \
    && pass || fail "the homonym is named in the attribution"
[ "$(inv "[i['attribution']['vendor'] for i in I if i['kind']=='usb-device' and 'HUAWEI' in (i.get('name') or '')][0]")" = huawei ] \
    && pass || fail "the Huawei USB modem is attributed"
[ "$(inv "[i['attribution']['vendor'] for i in I if i['kind']=='network-neighbour' and i['attribution' if 'attribution' in i else 'kind']!='network-neighbour'][0]")" = hikvision ] \
    && pass || fail "the Hikvision ARP neighbour is attributed"
[ "$(inv "[i['attribution']['vendor'] for i in I if i['kind']=='app-bundle' and 'Kaspersky' in i['name']][0]")" = kaspersky ] \
    && pass || fail "the com.kaspersky. bundle is attributed"
[ "$(inv "[i['attribution']['vendor'] for i in I if i['kind']=='program' and i['name'].startswith('Kaspersky')][0]")" = kaspersky ] \
    && pass || fail "the Kaspersky Uninstall key is attributed"

run "$ASSAY" inventory --root "$WORK/does-not-exist"
expect_status "inventory of a missing root" 2

# -- review, text
run "$ASSAY" review --root "$ROOT" --host-tag sensitive "${DAY[@]}" "${STORE[@]}"
expect_status "review finds excluded products: exit 1" 1
expect_out "kesl is excluded" "^EXCLUDED +package kesl 12.0.0.6672"
expect_out "the evidence names the dpkg status line" 'package.name = "kesl" in /var/lib/dpkg/status at line [0-9]+'
expect_out "the policy entry and instrument are cited" "instrument: .*Commerce"
expect_out "deadline status" "deadline: overdue by [0-9]+ days"
expect_out "replacement present (clamav)" "replacement \(endpoint-protection.*present: clamav"
expect_out "the signed PE is excluded on strong evidence" "^EXCLUDED +executable .*\(strong evidence\)"
expect_out "the Huawei USB device is excluded on a sensitive host" "^EXCLUDED +usb-device HUAWEI"
expect_out "the Hikvision neighbour (MAC prefix only) is under review" "^REVIEW +network-neighbour .*Hikvision \(weak evidence\)"
expect_no_out "the homonym is not a finding" "Dahua Scale Manager"
expect_no_out "no malicious verdict without a signature" "^MALICIOUS"
expect_out "roll-up: products found" "^products found \(host fixture-host, 1 endpoint\)"
expect_out "roll-up line" "^review of fixture-host .* excluded, .* under review, .* allowed; 0 malicious files; [0-9]+ overdue"

# without the sensitive tag the FCC device entries do not apply
run "$ASSAY" review --root "$ROOT" "${DAY[@]}" --no-store
expect_status "review without host tags" 1
expect_no_out "the USB device is not excluded on an ordinary host" "^EXCLUDED +usb-device"

# before the Commerce rule took effect: not yet effective, still listed
run "$ASSAY" review --root "$ROOT" --date 2024-07-01 --no-store
expect_out "not yet effective" "deadline: not yet effective"

# -- a malicious file inside an excluded product: two subjects, never mixed
# (a file the package's dpkg file list names)
cp "$ROOT/opt/kaspersky/kesl/bin/kesl-setup.pl" "$WORK/kesl-setup.pl.orig"
eicar "$ROOT/opt/kaspersky/kesl/bin/kesl-setup.pl"
run "$ASSAY" review --root "$ROOT" --host-tag sensitive "${DAY[@]}" --no-store --format json -o "$WORK/rv.jsonl"
expect_status "review with a malicious file" 1
[ "$(jq_py "$WORK/rv.jsonl" "[x['verdict'] for x in L if x.get('path')=='/opt/kaspersky/kesl/bin/kesl-setup.pl'][0]")" = malicious ] \
    && pass || fail "the EICAR file is malicious"
[ "$(jq_py "$WORK/rv.jsonl" "[x['part_of']['id'] for x in L if x.get('path')=='/opt/kaspersky/kesl/bin/kesl-setup.pl'][0]")" = "dpkg:kesl:amd64" ] \
    && pass || fail "the malicious file names the package it belongs to"
[ "$(jq_py "$WORK/rv.jsonl" "[x['verdict'] for x in L if x.get('subject',{}).get('name')=='kesl'][0]")" = excluded ] \
    && pass || fail "the package stays excluded (not malicious)"
[ "$(jq_py "$WORK/rv.jsonl" "[x['malicious_files'] for x in L if x.get('subject',{}).get('name')=='kesl'][0]")" = 1 ] \
    && pass || fail "the package notes its malicious file"
[ "$(jq_py "$WORK/rv.jsonl" "[e['kind'] for x in L if x.get('subject',{}).get('name')=='kesl' for e in x['evidence']][-1]")" = policy ] \
    && pass || fail "the evidence chain ends with the policy reason"
[ "$(jq_py "$WORK/rv.jsonl" "L[-1]['type']+' '+str(L[-1]['malicious'])")" = "summary 1" ] \
    && pass || fail "summary last, counting the malicious file"
cp "$WORK/kesl-setup.pl.orig" "$ROOT/opt/kaspersky/kesl/bin/kesl-setup.pl"

# -- a policy with errors is refused (exit 2), naming file:line
printf 'format: assay-policy/1\nentries:\n  - id: x\n    verdict: exclude\n    subject: {vendors: [kaspersky]}\n' >"$WORK/bad.yaml"
run "$ASSAY" review --root "$ROOT" --policy "$WORK/bad.yaml" --no-store
expect_status "a broken policy is refused" 2
expect_err "the error names the policy file and line" "bad.yaml:[0-9]+:[0-9]+: "

# -- nothing excluded: exit 0
mkdir -p "$WORK/clean/etc"
run "$ASSAY" review --root "$WORK/clean" "${DAY[@]}" --no-store
expect_status "a clean root: exit 0" 0

finish
