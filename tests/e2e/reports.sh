#!/usr/bin/env bash
# reports.sh — the report formats end to end (docs/sbom.md, docs/reports.md):
# `assay inventory --format cyclonedx|spdx` and `assay review --format
# sarif|html|json` (and cyclonedx|spdx when review offers them) on the
# offline fixture root of issue 4 (tests/fixtures/make-root.sh) with two
# EICAR files added, one under a hostile name, and a dpkg package whose
# fields are HTML/script injections.
#
# Validation:
#   - CycloneDX 1.6 and SARIF 2.1.0 against their official JSON schemas when
#     they are available offline: they are taken from two npm packages
#     (@cyclonedx/cyclonedx-library ships bom-1.6 and the schemas it refers
#     to; @microsoft/jest-sarif ships sarif-2.1.0-rtm.5) fetched with
#     `npm pack` into ${XDG_CACHE_HOME:-~/.cache}/assay-schemas (or
#     $ASSAY_SCHEMA_DIR) — never into the repository — and checked with
#     python3's jsonschema module;
#   - every format also gets structural checks in python3 (required fields,
#     types, enumerations, unique identifiers, references that resolve), and
#     SPDX 2.3 only those (no offline copy of its schema is packaged);
#   - the HTML page in headless Chromium (html_chromium.py): it renders, loads
#     nothing else, shows every finding, the filter and the sorting work.
# The log says which validation ran ("schema: ..." lines). A missing schema,
# jsonschema module or Chromium is reported, not failed; everything else is.
. "$(dirname "$0")/lib.sh"

SRC=${ASSAY_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$SRC/tests/e2e
SCHEMAS=${ASSAY_SCHEMA_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/assay-schemas}
ROOT=$WORK/fixture/root

# ---- helpers --------------------------------------------------------------------------

# The first python3 that has jsonschema, else any python3 (structural checks only).
pick_python() {
    local p
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import jsonschema' 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    command -v python3
}

# Fetch the schemas once into the cache (npm registry); 1 when unavailable.
fetch_schemas() {
    [ -f "$SCHEMAS/bom-1.6.schema.json" ] && [ -f "$SCHEMAS/sarif-2.1.0.json" ] && return 0
    command -v npm >/dev/null 2>&1 || return 1
    local tmp
    tmp=$(mktemp -d "$WORK/npm.XXXXXX")
    if ! (cd "$tmp" && timeout 120 npm pack --silent --fetch-retries=1 --fetch-timeout=30000 \
            @cyclonedx/cyclonedx-library@10.3.0 @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null 2>&1); then
        return 1
    fi
    tar -xzf "$tmp/cyclonedx-cyclonedx-library-10.3.0.tgz" -C "$tmp" package/res/schema 2>/dev/null &&
        tar -xzf "$tmp/microsoft-jest-sarif-1.0.0-beta.0.tgz" -C "$tmp" package/lib/schemas 2>/dev/null || return 1
    mkdir -p "$SCHEMAS" || return 1
    local s
    for s in bom-1.6 spdx jsf-0.82 cryptography-defs; do
        cp "$tmp/package/res/schema/$s.SNAPSHOT.schema.json" "$SCHEMAS/$s.schema.json" || return 1
    done
    cp "$tmp/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$SCHEMAS/sarif-2.1.0.json"
}

# validate KIND FILE [EXTRA...]: structural checks, then the schema when present.
validate() {
    local kind=$1 file=$2
    shift 2
    run "$PY" "$WORK/validate.py" "$kind" "$file" "$SCHEMAS" "$@"
    grep '^schema:' "$OUT"
    [ "$STATUS" -eq 0 ] && pass || fail "$kind validation of $(basename "$file")"
}

write_validator() {
    cat >"$WORK/validate.py" <<'PY'
"""validate.py KIND FILE SCHEMA_DIR [key=value...]: structural checks of an
assay report (cyclonedx, spdx, sarif), then JSON-schema validation when the
schema and the jsonschema module are there. Prints FAIL lines and one
"schema: ..." line; exit 1 on any failure."""
import json, os, re, sys, warnings

kind, path, schema_dir = sys.argv[1:4]
expect = dict(a.split("=", 1) for a in sys.argv[4:])
doc = json.load(open(path, encoding="utf-8"))
failures = []

def need(cond, what):
    if not cond:
        failures.append(what)

def is_str(o, k):
    return isinstance(o.get(k), str) and o.get(k) != ""

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

def cyclonedx():
    need(doc.get("bomFormat") == "CycloneDX", "bomFormat")
    need(doc.get("specVersion") == "1.6", "specVersion")
    need(re.match(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
                  doc.get("serialNumber", "")), "serialNumber is a v4 urn:uuid")
    need(doc.get("version") == 1, "version")
    md = doc.get("metadata", {})
    need(ISO.match(md.get("timestamp", "")), "metadata.timestamp")
    need(any(t.get("name") == "assay" for t in md.get("tools", {}).get("components", [])), "tools: assay")
    need(md.get("component", {}).get("type") == "device", "metadata.component is the host device")
    types = {"application", "framework", "library", "container", "platform", "operating-system", "device",
             "device-driver", "firmware", "file", "machine-learning-model", "data", "cryptographic-asset"}
    comps = doc.get("components", [])
    refs = [md.get("component", {}).get("bom-ref")] + [c.get("bom-ref") for c in comps]
    need(len(refs) == len(set(refs)) and None not in refs, "bom-refs present and unique")
    for c in comps:
        need(c.get("type") in types, "component type %r" % c.get("type"))
        need(is_str(c, "name"), "component name")
        for p in c.get("properties", []):
            need(is_str(p, "name") and isinstance(p.get("value"), str), "property name/value")
        if "purl" in c:
            need(c["purl"].startswith("pkg:"), "purl")
        for h in c.get("hashes", []):
            need(h.get("alg") == "SHA-256" and re.match(r"^[0-9a-f]{64}$", h.get("content", "")), "hash")
    if "components" in expect:
        need(len(comps) == int(expect["components"]), "%d components, expected %s" % (len(comps), expect["components"]))
    malicious = [c for c in comps if {"name": "assay:verdict", "value": "malicious"} in c.get("properties", [])]
    if "malicious" in expect:
        need(len(malicious) == int(expect["malicious"]), "%d malicious files" % len(malicious))
        need(all(c["type"] == "file" for c in malicious), "malicious subjects are files")

SPDX_PURPOSES = {"APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER", "OPERATING-SYSTEM", "DEVICE", "FIRMWARE",
                 "SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER"}

def spdx():
    need(doc.get("spdxVersion") == "SPDX-2.3", "spdxVersion")
    need(doc.get("dataLicense") == "CC0-1.0", "dataLicense")
    need(doc.get("SPDXID") == "SPDXRef-DOCUMENT", "SPDXID")
    need(is_str(doc, "name"), "name")
    ns = doc.get("documentNamespace", "")
    need(re.match(r"^[a-z][a-z0-9+.-]*:", ns) and "#" not in ns, "documentNamespace is a URI without '#'")
    ci = doc.get("creationInfo", {})
    need(ISO.match(ci.get("created", "")), "creationInfo.created")
    need(any(c.startswith("Tool: assay-") for c in ci.get("creators", [])), "creators")
    pkgs = doc.get("packages", [])
    ids = [p.get("SPDXID", "") for p in pkgs]
    need(len(ids) == len(set(ids)), "SPDXIDs unique")
    for p in pkgs:
        need(re.match(r"^SPDXRef-[A-Za-z0-9.-]+$", p.get("SPDXID", "")), "SPDXID %r" % p.get("SPDXID"))
        need(is_str(p, "name") and is_str(p, "downloadLocation"), "package name/downloadLocation")
        need(isinstance(p.get("filesAnalyzed"), bool), "filesAnalyzed")
        sup = p.get("supplier", "NOASSERTION")
        need(sup == "NOASSERTION" or sup.startswith(("Organization: ", "Person: ")), "supplier %r" % sup)
        need(p.get("primaryPackagePurpose", "OTHER") in SPDX_PURPOSES, "primaryPackagePurpose")
        for r in p.get("externalRefs", []):
            need(r.get("referenceCategory") in {"SECURITY", "PACKAGE-MANAGER", "PERSISTENT-ID", "OTHER"},
                 "referenceCategory")
            need(r.get("referenceType") != "purl" or r.get("referenceLocator", "").startswith("pkg:"), "purl")
        for c in p.get("checksums", []):
            need(c.get("algorithm") == "SHA256" and re.match(r"^[0-9a-f]{64}$", c.get("checksumValue", "")),
                 "checksum")
        for a in p.get("annotations", []):
            need(ISO.match(a.get("annotationDate", "")) and a.get("annotationType") in {"REVIEW", "OTHER"} and
                 a.get("annotator", "").startswith("Tool: ") and is_str(a, "comment"), "annotation")
    rels = doc.get("relationships", [])
    known = set(ids) | {"SPDXRef-DOCUMENT"}
    for r in rels:
        need(r.get("spdxElementId") in known and r.get("relatedSpdxElement") in known, "relationship ids")
        need(r.get("relationshipType") in {"DESCRIBES", "CONTAINS"}, "relationshipType")
    need(sum(1 for r in rels if r.get("relationshipType") == "DESCRIBES") == 1, "one DESCRIBES")
    if "packages" in expect:
        need(len(pkgs) == int(expect["packages"]), "%d packages, expected %s" % (len(pkgs), expect["packages"]))

def sarif():
    need(doc.get("version") == "2.1.0", "version")
    runs = doc.get("runs", [])
    need(len(runs) == 1, "one run")
    run = runs[0] if runs else {}
    drv = run.get("tool", {}).get("driver", {})
    need(drv.get("name") == "assay", "driver name")
    rules = drv.get("rules", [])
    rids = [r.get("id") for r in rules]
    need(len(rids) == len(set(rids)) and None not in rids, "rule ids unique")
    bases = run.get("originalUriBaseIds", {})
    results = run.get("results", [])
    for r in results:
        i = r.get("ruleIndex", -1)
        need(0 <= i < len(rules) and rules[i].get("id") == r.get("ruleId"), "ruleIndex/ruleId")
        need(r.get("level") in {"error", "warning", "note", "none"}, "level")
        need(is_str(r.get("message", {}), "text"), "message")
        for loc in r.get("locations", []):
            art = loc.get("physicalLocation", {}).get("artifactLocation")
            if art is not None:
                need(not art.get("uri", "").startswith("/") and art.get("uriBaseId") in bases, "artifact uri")
                for ch in art.get("uri", ""):
                    need(ord(ch) > 32 and ch not in '<>"{}|\\^`', "uri character %r" % ch)
            reg = loc.get("physicalLocation", {}).get("region")
            if reg is not None:
                need(reg.get("byteOffset", -1) >= 0 and reg.get("byteLength", -1) >= 0, "region")
    if "results" in expect:
        need(len(results) == int(expect["results"]), "%d results, expected %s" % (len(results), expect["results"]))
    if "errors" in expect:
        n = sum(1 for r in results if r.get("level") == "error")
        need(n == int(expect["errors"]), "%d error results, expected %s" % (n, expect["errors"]))

{"cyclonedx": cyclonedx, "spdx": spdx, "sarif": sarif}[kind]()

def schema_check():
    files = {"cyclonedx": "bom-1.6.schema.json", "sarif": "sarif-2.1.0.json"}
    if kind not in files:
        return "schema: %s: no offline schema; structural checks only" % kind
    main = os.path.join(schema_dir, files[kind])
    if not os.path.isfile(main):
        return "schema: %s: schema not available offline; structural checks only" % kind
    try:
        warnings.simplefilter("ignore")
        import jsonschema
        from jsonschema import validators
    except ImportError:
        return "schema: %s: python3 jsonschema module missing; structural checks only" % kind
    schema = json.load(open(main, encoding="utf-8"))
    store = {}
    for f in os.listdir(schema_dir):
        if f.endswith(".json"):
            s = json.load(open(os.path.join(schema_dir, f), encoding="utf-8"))
            for key in ("$id", "id"):  # draft-07 and draft-04 spellings
                if isinstance(s, dict) and isinstance(s.get(key), str):
                    store[s[key].rstrip("#")] = s

    def offline(uri):
        raise ValueError("not fetching %s: schemas are validated offline" % uri)

    cls = validators.validator_for(schema)
    base = schema.get("$id") or schema.get("id") or ""
    resolver = jsonschema.RefResolver(base, schema, store=store, handlers={"http": offline, "https": offline})
    errors = list(cls(schema, resolver=resolver).iter_errors(doc))
    for e in errors[:10]:
        failures.append("schema: %s at %s" % (e.message[:200], "/".join(map(str, e.path))))
    return "schema: %s: validated against %s (%s)%s" % (kind, files[kind], cls.__name__,
                                                       "" if not errors else ": %d errors" % len(errors))

print(schema_check())
for f in failures:
    print("FAIL: " + f)
sys.exit(1 if failures else 0)
PY
}

# ---- the fixture ----------------------------------------------------------------------

PY=$(pick_python)
if [ -z "$PY" ]; then
    echo "SKIP: python3 is not installed"
    echo "0 passed, 0 failed"
    exit 0
fi
write_validator
if fetch_schemas; then
    echo "schemas: $SCHEMAS"
else
    echo "schemas: not available offline (npm registry unreachable?); structural checks only"
fi

run bash "$SRC/tests/fixtures/make-root.sh" "$ROOT"
expect_status "fixture root" 0
mkdir -p "$ROOT/home/alice" "$ROOT/srv/upload"
eicar "$ROOT/home/alice/eicar.com"
eicar "$ROOT/srv/upload/<script>alert(1)<\\script> & \"x\".com"
cat >>"$ROOT/var/lib/dpkg/status" <<'STATUS'

Package: evil-pkg
Status: install ok installed
Priority: optional
Section: misc
Maintainer: <script>alert(2)</script> "Mallory" <m@example.org>
Architecture: amd64
Version: 1.0<img src=x onerror=alert(3)>
Description: </td></tr><script>alert(4)</script>
 A package whose fields are markup.
STATUS

# ---- inventory SBOMs --------------------------------------------------------------------

run "$ASSAY" inventory --root "$ROOT" --format json -o "$WORK/inv.json"
expect_status "inventory json" 0
ITEMS=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$WORK/inv.json" \
    2>/dev/null || echo 0)
[ "$ITEMS" -gt 10 ] && pass || fail "the fixture inventory has items ($ITEMS)"

run "$ASSAY" inventory --root "$ROOT" --format cyclonedx -o "$WORK/inv.cdx.json"
expect_status "inventory cyclonedx" 0
validate cyclonedx "$WORK/inv.cdx.json" components="$ITEMS" malicious=0

run "$ASSAY" inventory --root "$ROOT" --format spdx -o "$WORK/inv.spdx.json"
expect_status "inventory spdx" 0
validate spdx "$WORK/inv.spdx.json" packages=$((ITEMS + 1))

grep -q 'evil-pkg' "$WORK/inv.cdx.json" && pass || fail "the hostile package is in the CycloneDX BOM"

# ---- review reports ----------------------------------------------------------------------

if ! "$ASSAY" review --help >/dev/null 2>&1; then
    echo "SKIP: assay review is not available yet; review reports not checked"
    finish
    exit $?
fi
REVIEW=("$ASSAY" review --root "$ROOT" --host-tag sensitive --host-tag us-federal --no-store)

run "${REVIEW[@]}" --format json -o "$WORK/review.jsonl"
expect_status "review json (findings: exit 1)" 1
FINDINGS=$(grep -c '"type":"finding"' "$WORK/review.jsonl")
MALICIOUS=$(grep '"type":"finding"' "$WORK/review.jsonl" | grep -c '"verdict":"malicious"')
EXCLUDED=$(grep '"type":"finding"' "$WORK/review.jsonl" | grep -c '"verdict":"excluded"')
[ "$MALICIOUS" -eq 2 ] && pass || fail "two EICAR files are malicious ($MALICIOUS)"
[ "$EXCLUDED" -ge 1 ] && pass || fail "the fixture has excluded items ($EXCLUDED)"

run "${REVIEW[@]}" --format sarif -o "$WORK/review.sarif"
expect_status "review sarif" 1
validate sarif "$WORK/review.sarif" results="$FINDINGS" errors=$((MALICIOUS + EXCLUDED))

for fmt in cyclonedx spdx; do
    run "${REVIEW[@]}" --format $fmt -o "$WORK/review.$fmt.json"
    if grep -q "unknown format" "$ERR"; then
        echo "note: assay review has no --format $fmt; verdicts in SBOMs not checked end to end"
        continue
    fi
    expect_status "review $fmt" 1
    if [ $fmt = cyclonedx ]; then
        validate cyclonedx "$WORK/review.$fmt.json" components=$((ITEMS + MALICIOUS)) malicious="$MALICIOUS"
    else
        validate spdx "$WORK/review.$fmt.json" packages=$((ITEMS + 1 + MALICIOUS))
    fi
done

run "${REVIEW[@]}" --format html -o "$WORK/review.html"
expect_status "review html" 1
HTML=$WORK/review.html
[ "$(grep -c '<tr class="finding"' "$HTML")" -eq "$FINDINGS" ] && pass || fail "one HTML row per finding"
[ "$(grep -o '<script' "$HTML" | wc -l)" -eq 1 ] && pass || fail "the page's own script is the only one"
! grep -q '<script>alert' "$HTML" && pass || fail "hostile names are escaped"
grep -q '&lt;script&gt;alert(1)' "$HTML" && pass || fail "the hostile file name is shown, escaped"
# text is escaped, so a raw "<tag ... src=" would be a real element
! grep -Eiq '<[a-z][^>]*[[:space:]](src|srcset|poster|data)=|<link|@import|url\(' "$HTML" && pass ||
    fail "no external resource"

run "$PY" "$HERE/html_chromium.py" "$HTML" --rows "$FINDINGS" --screenshot "$WORK/review.png"
if [ "$STATUS" -eq 77 ]; then
    echo "SKIP: $(head -1 "$OUT") — the HTML report was not checked in a browser"
else
    sed 's/^/  chromium: /' "$OUT"
    expect_status "HTML report in headless Chromium" 0
fi

finish
