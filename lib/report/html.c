/* html.c — a review as one self-contained HTML page for people (a compliance
 * officer): the summary first (host, time, counts per verdict, the roll-up a
 * directive such as BOD 17-01 asks for), then one table row per finding with
 * its evidence chain in a <details> element, a text filter and sortable
 * columns. Layout and behaviour: docs/reports.md.
 *
 * Self-contained: inline CSS and a little inline JavaScript, no external
 * URL is loaded (links to instruments and sources are plain <a href> and are
 * only followed when clicked). A Content-Security-Policy meta element allows
 * exactly the page's own style and script (by SHA-256 hash) and nothing
 * else, so even a missed escape could not run injected script.
 *
 * Every text from the inventory, the scan or the policy is hostile input
 * (file names, registry values, package fields): it is written through
 * html_text(), which repairs UTF-8 (bad bytes become U+FFFD), replaces
 * control characters and escapes & < > " '. Links are written only for
 * http(s) URLs. Rows carry data-verdict, data-subject and data-sort
 * attributes so scripts and tests can count and order them. */
#include "report/review_report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "report/sbom.h"
#include "util/error.h"

/* ---- the page's own style and script ------------------------------------------------ */

static const char page_style[] =
    "\n:root{--fg:#1d2330;--muted:#5b6372;--line:#d5d9e0;--bg2:#f4f6f9;--mal:#8b0000;--exc:#b33a00;"
    "--rev:#8a6d00;--ok:#2f6b2f}\n"
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);"
    "margin:0 auto;max-width:1400px;padding:1.5rem}\n"
    "h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;border-bottom:2px solid var(--line);"
    "padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\n"
    ".muted{color:var(--muted)}code,.mono{font-family:ui-monospace,'DejaVu Sans Mono',monospace;"
    "font-size:.9em;overflow-wrap:anywhere}\n"
    "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}"
    "dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}\n"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid var(--line);padding:.35rem .5rem;"
    "text-align:left;vertical-align:top}thead th{background:var(--bg2)}\n"
    "table.counts{width:auto}table.counts td{text-align:right;font-variant-numeric:tabular-nums}\n"
    "th button{font:inherit;font-weight:600;background:none;border:0;padding:0;cursor:pointer;color:inherit}"
    "th[aria-sort=ascending] button::after{content:' \\25B2'}"
    "th[aria-sort=descending] button::after{content:' \\25BC'}\n"
    "#findings-table{table-layout:fixed}#findings-table th{width:8%}"
    "#findings-table th:nth-child(2){width:37%}#findings-table th:nth-child(3),"
    "#findings-table th:nth-child(5){width:14%}#findings-table td{overflow-wrap:anywhere}\n"
    ".badge{white-space:nowrap;display:inline-block;padding:.05rem .45rem;border-radius:.7rem;color:#fff;"
    "font-weight:600;"
    "font-size:.85em}.v-malicious{background:var(--mal)}.v-excluded{background:var(--exc)}"
    ".v-review{background:var(--rev)}.v-allowed{background:var(--ok)}\n"
    ".overdue{color:var(--mal);font-weight:600}\n"
    "details summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}"
    "details[open]{background:var(--bg2);padding:.3rem .5rem}\n"
    "ol.chain{padding-left:1.3rem;margin:.3rem 0}ol.chain li{margin:.25rem 0}\n"
    ".hex{display:block;white-space:pre;overflow-x:auto;overflow-wrap:normal;max-width:100%;background:#fff;"
    "border:1px solid var(--line);padding:.2rem .4rem;margin:.2rem 0}\n"
    "#filterbar{display:flex;gap:.6rem;align-items:center;margin:.6rem 0}"
    "#filter{flex:1;max-width:28rem;font:inherit;padding:.3rem .5rem}\n"
    "[hidden]{display:none!important}\n"
    "@media print{#filterbar{display:none}}\n";

static const char page_script[] =
    "\n(function () {\n"
    "  'use strict';\n"
    "  var table = document.getElementById('findings-table');\n"
    "  var filter = document.getElementById('filter');\n"
    "  var shown = document.getElementById('shown');\n"
    "  if (!table || !filter) { return; }\n"
    "  var body = table.tBodies[0];\n"
    "  function rows() { return Array.prototype.slice.call(body.rows); }\n"
    "  function applyFilter() {\n"
    "    var words = filter.value.toLowerCase().split(/\\s+/).filter(Boolean);\n"
    "    var all = rows(), n = 0;\n"
    "    all.forEach(function (r) {\n"
    "      var text = r.textContent.toLowerCase();\n"
    "      var hit = words.every(function (w) { return text.indexOf(w) >= 0; });\n"
    "      r.hidden = !hit;\n"
    "      if (hit) { n++; }\n"
    "    });\n"
    "    shown.textContent = n + ' of ' + all.length + ' findings shown';\n"
    "  }\n"
    "  function key(r, i) {\n"
    "    var c = r.cells[i], s = c.getAttribute('data-sort');\n"
    "    return s !== null ? s : c.textContent.trim().toLowerCase();\n"
    "  }\n"
    "  function sortBy(th, i) {\n"
    "    var asc = th.getAttribute('aria-sort') !== 'ascending';\n"
    "    var numeric = th.hasAttribute('data-numeric');\n"
    "    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute('aria-sort'); });\n"
    "    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');\n"
    "    rows().sort(function (a, b) {\n"
    "      var x = key(a, i), y = key(b, i);\n"
    "      var d = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);\n"
    "      return asc ? d : -d;\n"
    "    }).forEach(function (r) { body.appendChild(r); });\n"
    "  }\n"
    "  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {\n"
    "    th.addEventListener('click', function () { sortBy(th, i); });\n"
    "  });\n"
    "  filter.addEventListener('input', applyFilter);\n"
    "  window.addEventListener('beforeprint', function () {\n"
    "    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });\n"
    "  });\n"
    "  applyFilter();\n"
    "})();\n";

/* 'sha256-<base64>' of text, for the Content-Security-Policy. */
static void csp_hash(const char *text, char out[64])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    unsigned char b64[48]; /* 32 bytes -> 44 characters and a NUL */
    out[0] = 0;
    if (EVP_Digest(text, strlen(text), digest, &len, EVP_sha256(), NULL) != 1 || len != 32)
        return;
    EVP_EncodeBlock(b64, digest, (int)len);
    snprintf(out, 64, "'sha256-%.44s'", (const char *)b64);
}

/* ---- escaping --------------------------------------------------------------------------- */

/* Hostile text as HTML text or a double-quoted attribute value. */
static void html_text(FILE *out, const char *s)
{
    json_t *clean = report_text_json(s ? s : "");
    const unsigned char *p = (const unsigned char *)json_string_value(clean);
    for (; p != NULL && *p; p++) {
        switch (*p) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        case '\t':
        case '\n': fputc(*p, out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fputs("\xef\xbf\xbd", out); /* U+FFFD for control characters */
            else
                fputc(*p, out);
        }
    }
    json_decref(clean);
}

static bool is_web_link(const char *s)
{
    return s != NULL && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

/* <a href=url>text</a> for http(s) URLs, the text alone otherwise. */
static void html_link(FILE *out, const char *url, const char *text)
{
    if (is_web_link(url)) {
        fputs("<a rel=\"noreferrer noopener\" href=\"", out);
        html_text(out, url);
        fputs("\">", out);
        html_text(out, text ? text : url);
        fputs("</a>", out);
    } else {
        html_text(out, text ? text : url);
    }
}

/* "<dt>label</dt><dd>value</dd>" when value is set. */
static void fact(FILE *out, const char *label, const char *value)
{
    if (value == NULL || value[0] == 0)
        return;
    fputs("<dt>", out);
    html_text(out, label);
    fputs("</dt><dd>", out);
    html_text(out, value);
    fputs("</dd>\n", out);
}

/* The matched bytes as a hex dump: file offset, 16 bytes in hex, the same
 * bytes as printable ASCII ('.' for the rest). */
static void bytes_block(FILE *out, const char *hex, uint64_t offset, bool truncated)
{
    size_t n = strlen(hex) / 2;
    fputs("<code class=\"hex\">", out);
    for (size_t line = 0; line < n; line += 16) {
        char text[17];
        size_t k = 0;
        fprintf(out, "%08llx  ", (unsigned long long)(offset + line));
        for (; k < 16; k++) {
            unsigned v = 0;
            if (line + k >= n) {
                fputs("   ", out);
                text[k] = 0;
                continue;
            }
            if (sscanf(hex + 2 * (line + k), "%2x", &v) != 1)
                v = 0;
            fprintf(out, "%02x ", v);
            text[k] = v >= 0x20 && v < 0x7f ? (char)v : '.';
        }
        text[16] = 0;
        fputs(" |", out);
        html_text(out, text);
        fputs("|\n", out);
    }
    fputs("</code>", out);
    if (truncated)
        fputs("<span class=\"muted\">(more bytes matched than shown)</span>", out);
}

/* ---- findings ------------------------------------------------------------------------------ */

struct finding {
    uint8_t verdict;                    /* RV_* */
    const struct review_malicious *m;   /* a malicious file, or */
    const struct review_item *ri;       /* an excluded / review item */
    size_t index;                       /* position of ri in rv->items */
};

static const char *finding_subject(const struct finding *f)
{
    if (f->m != NULL)
        return f->m->path ? f->m->path : "";
    return f->ri->item->name ? f->ri->item->name : f->ri->item->id;
}

/* Overdue days count up, not-yet-effective ones down: the most urgent sorts first. */
static int64_t urgency(const struct finding *f)
{
    if (f->ri == NULL || !f->ri->covered)
        return 0;
    const struct policy_deadline *d = &f->ri->policy.hit.deadline;
    switch (d->state) {
    case POLICY_OVERDUE: return 100000 + (int64_t)d->days;
    case POLICY_DUE: return 50000 - (int64_t)d->days;
    case POLICY_NOT_YET_EFFECTIVE: return -(int64_t)d->days;
    default: return 0;
    }
}

static int finding_order(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    if (x->verdict != y->verdict)
        return x->verdict > y->verdict ? -1 : 1;
    int64_t ux = urgency(x), uy = urgency(y);
    if (ux != uy)
        return ux > uy ? -1 : 1;
    return strcmp(finding_subject(x), finding_subject(y));
}

/* Malicious files first, then excluded, then under review. */
static struct finding *collect_findings(const struct review *rv, size_t *count)
{
    struct finding *f = calloc(rv->malicious.n + rv->items.n + 1, sizeof *f);
    size_t n = 0;
    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < rv->malicious.n; i++)
        f[n++] = (struct finding){.verdict = RV_MALICIOUS, .m = &rv->malicious.v[i]};
    for (size_t i = 0; i < rv->items.n; i++) {
        const struct review_item *ri = &rv->items.v[i];
        if (ri->verdict == RV_EXCLUDED || ri->verdict == RV_REVIEW)
            f[n++] = (struct finding){.verdict = ri->verdict, .ri = ri, .index = i};
    }
    qsort(f, n, sizeof *f, finding_order);
    *count = n;
    return f;
}

/* ---- the summary --------------------------------------------------------------------------- */

static void counts_table(FILE *out, const struct review_counts *c)
{
    static const char *const labels[] = {"Confirmed malicious (signature matched the bytes)",
                                         "Excluded by policy", "Under review (policy)", "Allowed",
                                         "Inventory items", "Attributed to a catalog vendor"};
    static const char *const keys[] = {"malicious", "excluded", "review", "allowed", "items", "attributed"};
    size_t values[] = {c->malicious, c->excluded, c->review, c->allowed, c->items, c->attributed};
    fputs("<table class=\"counts\" id=\"counts\">\n<tbody>\n", out);
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        fprintf(out, "<tr><th scope=\"row\">%s</th><td data-count=\"%s\">%zu</td></tr>\n", labels[i], keys[i],
                values[i]);
    fputs("</tbody>\n</table>\n", out);
}

struct product_count {
    const struct catalog_vendor *vendor;
    const struct catalog_product *product;
    size_t items;
};

/* The attributed vendors/products among the policy findings, with counts,
 * in order of first appearance (linear in findings x distinct products). */
static void products_found(FILE *out, const struct finding *f, size_t n)
{
    struct product_count *pc = calloc(n + 1, sizeof *pc);
    size_t distinct = 0;
    for (size_t i = 0; pc != NULL && i < n; i++) {
        const struct review_item *ri = f[i].ri;
        if (ri == NULL || !ri->attributed || ri->match.vendor == NULL)
            continue;
        size_t k = 0;
        while (k < distinct && !(pc[k].vendor == ri->match.vendor && pc[k].product == ri->match.product))
            k++;
        if (k == distinct)
            pc[distinct++] = (struct product_count){ri->match.vendor, ri->match.product, 0};
        pc[k].items++;
    }
    fputs("<ul id=\"products\">\n", out);
    for (size_t k = 0; k < distinct; k++) {
        fputs("<li>", out);
        html_text(out, pc[k].vendor->name ? pc[k].vendor->name : pc[k].vendor->id);
        if (pc[k].product != NULL) {
            fputs(" — ", out);
            html_text(out, pc[k].product->name ? pc[k].product->name : pc[k].product->id);
        }
        fprintf(out, ": %zu item%s</li>\n", pc[k].items, pc[k].items == 1 ? "" : "s");
    }
    if (distinct == 0)
        fputs("<li>none</li>\n", out);
    fputs("</ul>\n", out);
    free(pc);
}

/* Which collectors produced items, e.g. "dpkg, registry, usb" (there are
 * a dozen collectors: a short list of the ones seen is enough). */
static void collectors_text(FILE *out, const struct review *rv)
{
    const char *seen[32];
    size_t written = 0;
    for (size_t i = 0; i < rv->inv.items.n; i++) {
        const char *c = rv->inv.items.v[i]->collector;
        bool dup = c == NULL;
        for (size_t k = 0; k < written && !dup; k++)
            dup = strcmp(seen[k], c) == 0;
        if (dup || written == sizeof seen / sizeof seen[0])
            continue;
        seen[written] = c;
        fputs(written++ ? ", " : "", out);
        html_text(out, c);
    }
    if (written == 0)
        fputs("none produced items", out);
}

static void rollup(FILE *out, const struct review *rv, const struct review_counts *c, const struct finding *f,
                   size_t n)
{
    fputs("<h3>Directive roll-up</h3>\n<dl class=\"facts\" id=\"rollup\">\n", out);
    fputs("<dt>Products found</dt><dd>", out);
    products_found(out, f, n);
    fputs("</dd>\n<dt>Endpoints</dt><dd data-count=\"endpoints\">1 (this report covers one host)</dd>\n", out);
    fputs("<dt>Detection method</dt><dd>Inventory of installed software and attached devices (collectors: ", out);
    collectors_text(out, rv);
    fputs("), each item attributed to a vendor by the evidence listed with it and matched against the vendor "
          "catalog; the policy decides the verdict per item.",
          out);
    if (rv->files_scanned > 0)
        fprintf(out, " Signature scan of %llu files (%llu bytes); a file is called malicious only when a "
                     "signature matched its bytes.",
                (unsigned long long)rv->files_scanned, (unsigned long long)rv->bytes_scanned);
    else
        fputs(" No signature scan was run.", out);
    fputs("</dd>\n", out);
    fprintf(out, "<dt>Overdue</dt><dd data-count=\"overdue\"%s>%zu item%s past the policy deadline</dd>\n",
            c->overdue ? " class=\"overdue\"" : "", c->overdue, c->overdue == 1 ? "" : "s");
    fprintf(out, "<dt>Replacement missing</dt><dd data-count=\"replacement-missing\">%zu</dd>\n",
            c->replacement_missing);
    fputs("</dl>\n", out);
}

static void summary(FILE *out, const struct review *rv, const struct finding *f, size_t n)
{
    struct review_counts c;
    review_count(rv, &c);
    char day[16], secs[32];
    policy_format_date(rv->ctx.today, day, sizeof day);
    snprintf(secs, sizeof secs, "%.1f s", rv->seconds);
    fputs("<section id=\"summary\">\n<h2>Summary</h2>\n<dl class=\"facts\">\n", out);
    fact(out, "Host", rv->host ? rv->host : rv->inv.host);
    fact(out, "Root", rv->inv.root);
    fputs("<dt>Host tags</dt><dd>", out);
    for (size_t i = 0; i < rv->ctx.ntags; i++) {
        fputs(i ? ", " : "", out);
        html_text(out, rv->ctx.host_tags[i]);
    }
    fputs(rv->ctx.ntags ? "</dd>\n" : "none</dd>\n", out);
    fact(out, "Review date", day);
    fact(out, "Started", rv->started);
    fact(out, "Duration", secs);
    fact(out, "Policy", rv->policy.title ? rv->policy.title : rv->policy.id);
    fact(out, "Policy file", rv->policy.name);
    fact(out, "Vendor catalog", rv->catalog.name);
    fact(out, "Tool", "assay " ASSAY_VERSION);
    fputs("</dl>\n", out);
    counts_table(out, &c);
    rollup(out, rv, &c, f, n);
    fputs("<p class=\"muted\">Verdicts: <b>malicious</b> means a signature, hash or rule matched the "
          "actual bytes of a file; <b>excluded</b> and <b>under review</b> are administrative decisions of the "
          "policy about a vendor, product or device class, backed by the evidence that the item is that "
          "vendor's product. A product excluded by policy is not thereby called malware.</p>\n</section>\n",
          out);
}

/* ---- one finding: the evidence chain -------------------------------------------------------- */

/* One observation: attribute = value (strength), where it was read. */
static void evidence_body(FILE *out, const struct inv_evidence *e)
{
    fputs("<b>", out);
    html_text(out, e->attribute);
    fputs("</b> = <code>", out);
    html_text(out, e->value);
    fputs("</code> <span class=\"muted\">(", out);
    html_text(out, inv_strength_name(e->strength));
    fputs(")</span><br>source: <code>", out);
    html_text(out, e->source ? e->source : "-");
    fputs("</code>", out);
    if (e->locator != NULL) {
        fputs(", at <code>", out);
        html_text(out, e->locator);
        fputs("</code>", out);
    }
}

static void evidence_li(FILE *out, const struct inv_evidence *e)
{
    fputs("<li>", out);
    evidence_body(out, e);
    fputs("</li>\n", out);
}

static void attribution_block(FILE *out, const struct review *rv, const struct review_item *ri)
{
    const struct catalog_match *m = &ri->match;
    const struct inv_item *it = ri->item;
    if (ri->attributed && m->vendor != NULL && m->nreasons > 0) {
        fputs("<h4>Why this is ", out);
        html_text(out, m->vendor->name);
        if (m->product != NULL) {
            fputs(" — ", out);
            html_text(out, m->product->name);
        }
        fprintf(out, " (%s evidence)</h4>\n<ol class=\"chain\">\n", inv_strength_name(m->strength));
        for (size_t k = 0; k < m->nreasons && k < CATALOG_MAX_REASONS; k++) {
            const struct catalog_reason *r = &m->reasons[k];
            if (r->evidence >= it->evidence.n)
                continue;
            struct inv_evidence e = it->evidence.v[r->evidence];
            e.strength = r->strength;
            fputs("<li>", out);
            evidence_body(out, &e);
            if (r->fact != NULL) {
                const struct catalog_source *src = catalog_source(&rv->catalog, r->fact->source);
                fputs("<br>matches the catalog fact <code>", out);
                html_text(out, r->fact->value);
                fputs("</code>, cited: ", out);
                html_link(out, src ? src->url : NULL, src && src->title ? src->title : r->fact->source);
            }
            fputs("</li>\n", out);
        }
        fputs("</ol>\n", out);
    }
    if (m->homonym != NULL) {
        fputs("<p>Not attributed to ", out);
        html_text(out, m->vendor ? m->vendor->name : "the vendor");
        fputs(": the value matches the catalog's homonym <code>", out);
        html_text(out, m->homonym->value);
        fputs("</code> (a different organisation).</p>\n", out);
    }
    if (ri->covered && ri->policy.hit.basis == POLICY_BY_RULE && ri->policy.hit.rule != NULL) {
        const struct policy_rule *r = ri->policy.hit.rule;
        fputs("<h4>Matched by a policy rule</h4>\n<ol class=\"chain\">\n", out);
        if (ri->policy.hit.evidence >= 0 && (size_t)ri->policy.hit.evidence < it->evidence.n)
            evidence_li(out, &it->evidence.v[ri->policy.hit.evidence]);
        fputs("</ol>\n<p>rule: <code>", out);
        html_text(out, r->attribute);
        fputs(" ~ ", out);
        html_text(out, r->value);
        fputs("</code></p>\n", out);
    }
}

static void subject_facts(FILE *out, const struct inv_item *it)
{
    fputs("<dl class=\"facts\">\n", out);
    fact(out, "Kind", inv_kind_name(it->kind));
    fact(out, "Id", it->id);
    fact(out, "Found by", it->collector);
    fact(out, "Version", it->version);
    fact(out, "Publisher (as stated)", it->publisher);
    fact(out, "Path", it->path);
    for (size_t i = 0; i < it->attrs.n; i++)
        fact(out, it->attrs.v[i].name, it->attrs.v[i].value);
    fputs("</dl>\n", out);
}

static void sources_list(FILE *out, const struct policy *p, const struct policy_entry *e)
{
    if (e->evidence.n == 0)
        return;
    fputs("<dt>Public evidence cited</dt><dd><ul>\n", out);
    for (size_t i = 0; i < e->evidence.n; i++) {
        const struct policy_source *src = NULL;
        for (size_t k = 0; k < p->sources.n && src == NULL; k++)
            if (p->sources.v[k].id && e->evidence.v[i].value && strcmp(p->sources.v[k].id, e->evidence.v[i].value) == 0)
                src = &p->sources.v[k];
        fputs("<li>", out);
        html_link(out, src ? src->url : NULL, src && src->title ? src->title : e->evidence.v[i].value);
        fputs("</li>\n", out);
    }
    fputs("</ul></dd>\n", out);
}

static void policy_block(FILE *out, const struct review *rv, const struct review_item *ri)
{
    const struct policy_entry *e = ri->policy.hit.entry;
    char day[16], text[128];
    fputs("<h4>Policy</h4>\n<dl class=\"facts\">\n", out);
    fact(out, "Entry", e->id);
    fact(out, "Title", e->title);
    if (e->instrument.present) {
        fputs("<dt>Instrument</dt><dd>", out);
        html_link(out, e->instrument.link, e->instrument.name);
        if (e->instrument.article != NULL) {
            fputs(", ", out);
            html_text(out, e->instrument.article);
        }
        if (e->instrument.date != NULL) {
            fputs(" (", out);
            html_text(out, e->instrument.date);
            fputs(")", out);
        }
        fputs(e->instrument.binding ? " — binding" : " — advisory", out);
        fputs("</dd>\n", out);
    }
    sources_list(out, &rv->policy, e);
    fact(out, "Decision", policy_verdict_name(e->verdict));
    if (e->host_tags.n > 0) {
        fputs("<dt>Scope</dt><dd>hosts tagged ", out);
        for (size_t i = 0; i < e->host_tags.n; i++) {
            fputs(i ? ", " : "", out);
            html_text(out, e->host_tags.v[i].value);
        }
        fputs("</dd>\n", out);
    }
    if (e->effective != POLICY_NO_DAY) {
        policy_format_date(e->effective, day, sizeof day);
        fact(out, "Effective", day);
    }
    if (e->deadline != POLICY_NO_DAY) {
        policy_format_date(e->deadline, day, sizeof day);
        fact(out, "Deadline", day);
    }
    report_deadline_text(ri, text, sizeof text);
    fact(out, "Deadline status", text);
    const struct policy_milestone *next = policy_next_milestone(e, rv->ctx.today);
    if (next != NULL) {
        policy_format_date(next->day, day, sizeof day);
        snprintf(text, sizeof text, "%s: ", day);
        fputs("<dt>Next step</dt><dd>", out);
        html_text(out, text);
        html_text(out, next->action);
        fputs("</dd>\n", out);
    }
    fact(out, "Notes", e->notes);
    snprintf(text, sizeof text, "line %u", e->loc.line);
    fact(out, "Policy file line", text);
    fputs("</dl>\n", out);
}

static void replacement_cell(FILE *out, const struct review *rv, const struct review_item *ri)
{
    if (ri == NULL || !ri->replacement_required) {
        fputs("<td data-sort=\"0\">—</td>", out);
        return;
    }
    const struct policy_entry *re = ri->policy.replacement;
    fprintf(out, "<td data-sort=\"%d\">%s", ri->replacement_present ? 1 : 2,
            ri->replacement_present ? "present" : "<span class=\"overdue\">missing</span>");
    if (re != NULL) {
        fputs(" <span class=\"muted\">(", out);
        html_text(out, policy_category_name(re->replacement.category));
        fputs(")</span>", out);
    }
    if (ri->replacement_present && ri->replacement_index < rv->inv.items.n) {
        fputs("<br><code>", out);
        html_text(out, rv->inv.items.v[ri->replacement_index]->id);
        fputs("</code>", out);
    }
    fputs("</td>", out);
}

static void item_row(FILE *out, const struct review *rv, const struct review_item *ri)
{
    const struct inv_item *it = ri->item;
    const struct catalog_match *m = &ri->match;
    const struct policy_entry *e = report_item_entry(ri);
    const char *verdict = review_verdict_name(ri->verdict);
    char text[128];
    fprintf(out, "<td data-sort=\"%d\"><span class=\"badge v-%s\">%s</span></td>\n", ri->verdict, verdict,
            ri->verdict == RV_REVIEW ? "under review" : verdict);
    fputs("<td data-sort=\"", out);
    html_text(out, it->name ? it->name : it->id);
    fputs("\"><details><summary>", out);
    html_text(out, it->name ? it->name : it->id);
    if (it->version != NULL) {
        fputs(" ", out);
        html_text(out, it->version);
    }
    fputs(" <span class=\"muted\">(", out);
    html_text(out, inv_kind_name(it->kind));
    fputs(")</span></summary>\n", out);
    subject_facts(out, it);
    attribution_block(out, rv, ri);
    if (it->evidence.n > 0) {
        fputs("<h4>All evidence observed</h4>\n<ol class=\"chain\">\n", out);
        for (size_t i = 0; i < it->evidence.n; i++)
            evidence_li(out, &it->evidence.v[i]);
        fputs("</ol>\n", out);
    }
    if (e != NULL)
        policy_block(out, rv, ri);
    if (ri->malicious_files > 0)
        fprintf(out, "<p>%zu file%s of this item matched a signature: see the malicious findings.</p>\n",
                ri->malicious_files, ri->malicious_files == 1 ? "" : "s");
    fputs("</details></td>\n<td>", out);
    if (ri->attributed && m->vendor != NULL) {
        html_text(out, m->vendor->name);
        if (m->product != NULL) {
            fputs(" — ", out);
            html_text(out, m->product->name);
        }
    } else {
        fputs("<span class=\"muted\">not attributed</span>", out);
    }
    uint8_t strength = ri->attributed ? m->strength : ri->policy.hit.strength;
    fprintf(out, "</td>\n<td data-sort=\"%u\">%s</td>\n<td>", strength, inv_strength_name(strength));
    html_text(out, e ? e->id : "—");
    if (e != NULL && e->instrument.present) {
        fputs("<br>", out);
        html_link(out, e->instrument.link, e->instrument.name);
    }
    report_deadline_text(ri, text, sizeof text);
    fprintf(out, "</td>\n<td data-sort=\"%lld\"%s>", (long long)urgency(&(struct finding){.ri = ri}),
            ri->policy.hit.deadline.state == POLICY_OVERDUE ? " class=\"overdue\"" : "");
    html_text(out, text);
    fputs("</td>\n", out);
    replacement_cell(out, rv, ri);
}

static void signature_evidence(FILE *out, const struct review_evidence *e)
{
    fputs("<li>", out);
    html_text(out, e->kind ? e->kind : "signature");
    fprintf(out, " <span class=\"muted\">(%s)</span>", inv_strength_name(e->strength));
    if (e->string_id != NULL) {
        fputs(" string <code>", out);
        html_text(out, e->string_id);
        fputs("</code>", out);
    }
    if (e->hash_algorithm != NULL) {
        fputs(": ", out);
        html_text(out, e->hash_algorithm);
        fputs(" <code>", out);
        html_text(out, e->hash_value);
        fputs("</code>", out);
    }
    if (e->bytes_hex != NULL || e->length > 0)
        fprintf(out, " at offset %llu (0x%llx), %llu bytes", (unsigned long long)e->offset,
                (unsigned long long)e->offset, (unsigned long long)e->length);
    if (e->bytes_hex != NULL)
        bytes_block(out, e->bytes_hex, e->offset, e->truncated);
    fputs("</li>\n", out);
}

static void malicious_row(FILE *out, const struct review_malicious *m)
{
    char text[64];
    fputs("<td data-sort=\"4\"><span class=\"badge v-malicious\">malicious</span></td>\n<td data-sort=\"", out);
    html_text(out, m->path);
    fputs("\"><details><summary>", out);
    html_text(out, m->path);
    fputs(" <span class=\"muted\">(file)</span></summary>\n<dl class=\"facts\">\n", out);
    fact(out, "Path", m->path);
    fact(out, "SHA-256", m->sha256);
    snprintf(text, sizeof text, "%llu bytes", (unsigned long long)m->size);
    fact(out, "Size", text);
    fact(out, "Rule", m->rule);
    fact(out, "Engine", m->engine);
    fact(out, "Namespace", m->ns);
    if (m->source_file != NULL) {
        fputs("<dt>Signature source</dt><dd><code>", out);
        html_text(out, m->source_file);
        fprintf(out, "</code>, line %u</dd>\n", m->source_line);
    }
    if (m->owner != NULL)
        fact(out, "Part of", m->owner->id);
    fputs("</dl>\n<h4>What matched</h4>\n<ol class=\"chain\">\n", out);
    for (size_t i = 0; i < m->evidence.n; i++)
        signature_evidence(out, &m->evidence.v[i]);
    fputs("</ol>\n</details></td>\n<td>", out);
    if (m->owner != NULL) {
        fputs("part of <code>", out);
        html_text(out, m->owner->id);
        fputs("</code>", out);
    } else {
        fputs("<span class=\"muted\">—</span>", out);
    }
    fprintf(out, "</td>\n<td data-sort=\"%u\">strong</td>\n<td>signature <code>", INV_STRONG);
    html_text(out, m->rule);
    fputs("</code>", out);
    if (m->engine != NULL) {
        fputs(" (", out);
        html_text(out, m->engine);
        fputs(")", out);
    }
    fputs("</td>\n<td data-sort=\"0\">—</td>\n", out);
    replacement_cell(out, NULL, NULL);
}

static void finding_row(FILE *out, const struct review *rv, const struct finding *f)
{
    fprintf(out, "<tr class=\"finding\" data-verdict=\"%s\" data-subject=\"", review_verdict_name(f->verdict));
    html_text(out, f->m ? f->m->path : f->ri->item->id);
    fputs("\">\n", out);
    if (f->m != NULL)
        malicious_row(out, f->m);
    else
        item_row(out, rv, f->ri);
    fputs("\n</tr>\n", out);
}

static void findings_section(FILE *out, const struct review *rv, const struct finding *f, size_t n)
{
    fprintf(out, "<section id=\"findings\">\n<h2>Findings (%zu)</h2>\n", n);
    if (n == 0) {
        fputs("<p id=\"no-findings\">No findings: nothing was confirmed malicious, excluded or put under "
              "review.</p>\n</section>\n",
              out);
        return;
    }
    fputs("<div id=\"filterbar\"><label for=\"filter\">Filter</label>"
          "<input id=\"filter\" type=\"search\" autocomplete=\"off\" "
          "placeholder=\"words that must all appear, e.g. overdue kaspersky\">"
          "<span id=\"shown\" aria-live=\"polite\"></span></div>\n"
          "<table id=\"findings-table\">\n<thead><tr>"
          "<th data-numeric><button type=\"button\">Verdict</button></th>"
          "<th><button type=\"button\">Subject</button></th>"
          "<th><button type=\"button\">Vendor / product</button></th>"
          "<th data-numeric><button type=\"button\">Evidence</button></th>"
          "<th><button type=\"button\">Policy entry / instrument</button></th>"
          "<th data-numeric><button type=\"button\">Deadline</button></th>"
          "<th data-numeric><button type=\"button\">Replacement</button></th>"
          "</tr></thead>\n<tbody>\n",
          out);
    for (size_t i = 0; i < n; i++)
        finding_row(out, rv, &f[i]);
    fputs("</tbody>\n</table>\n<p class=\"muted\">Click a row's subject for its evidence chain; click a column "
          "header to sort.</p>\n</section>\n",
          out);
}

static void problems_section(FILE *out, const struct review *rv)
{
    if (rv->problems.n == 0)
        return;
    fprintf(out, "<section id=\"problems\">\n<h2>Problems (%zu)</h2>\n<p>These sources or files could not be "
                 "read or scanned completely; the review is incomplete for them.</p>\n<ul>\n",
            rv->problems.n);
    for (size_t i = 0; i < rv->problems.n; i++) {
        const struct review_problem *p = &rv->problems.v[i];
        fputs("<li><code>", out);
        html_text(out, p->path);
        fputs("</code>: ", out);
        html_text(out, p->code);
        fputs(" — ", out);
        html_text(out, p->message);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n</section>\n", out);
}

static void page_head(FILE *out, const struct review *rv)
{
    char style_hash[64], script_hash[64], day[16];
    csp_hash(page_style, style_hash);
    csp_hash(page_script, script_hash);
    policy_format_date(rv->ctx.today, day, sizeof day);
    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src %s; "
            "script-src %s; img-src 'none'; form-action 'none'; base-uri 'none'\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"assay %s\">\n<title>assay review of ",
            style_hash, script_hash, ASSAY_VERSION);
    html_text(out, rv->host ? rv->host : rv->inv.host);
    fprintf(out, " — %s</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>Review of ", day, page_style);
    html_text(out, rv->host ? rv->host : rv->inv.host);
    fprintf(out, "</h1>\n<p class=\"muted\">assay %s — review as of %s</p>\n</header>\n", ASSAY_VERSION, day);
}

int report_html(const struct review *rv, FILE *out)
{
    if (rv == NULL || out == NULL)
        return util_error(ASSAY_EINVAL, "report_html: no review or no output");
    size_t n = 0;
    struct finding *f = collect_findings(rv, &n);
    if (f == NULL)
        return util_error(ASSAY_ENOMEM, "report_html: out of memory");
    page_head(out, rv);
    summary(out, rv, f, n);
    findings_section(out, rv, f, n);
    problems_section(out, rv);
    fprintf(out, "<footer class=\"muted\"><p>Generated by assay %s. This page loads nothing from the "
                 "network.</p></footer>\n<script>%s</script>\n</body>\n</html>\n",
            ASSAY_VERSION, page_script);
    free(f);
    if (fflush(out) != 0 || ferror(out))
        return util_error(ASSAY_EIO, "report_html: cannot write the page");
    return 0;
}
