/* cmd_inventory.c — `assay inventory`: what is installed and attached on the
 * live host or an offline root, each item with the evidence that attributes
 * it to a vendor (docs/inventory.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli.h"
#include "inventory/inventory.h"
#include "report/inventory_report.h"
#include "report/sbom.h"
#include "review/review.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: assay inventory [options]\n"
            "\n"
            "  --root DIR          an offline root (mounted image, extracted tree); default: this host\n"
            "  --format FMT        json (default), cyclonedx (CycloneDX 1.6 JSON), spdx (SPDX 2.3 JSON),\n"
            "                      text (one line per item)\n"
            "  -o, --output FILE   write there instead of standard output\n"
            "  --catalog FILE      vendor catalog (default: the built-in one, docs/vendor-catalog.md)\n"
            "  --exec-dir DIR      also attribute the executables of DIR (root-relative; repeatable)\n"
            "  --no-executables    do not look at executables (PE/ELF) at all\n"
            "  --files             list the files each package owns (JSON)\n"
            "  --hwdata DIR        usb.ids/pci.ids folder (default /usr/share/hwdata or /usr/share/misc)\n"
            "  --ieee DIR          IEEE registry CSV folder (default /usr/share/ieee-data)\n"
            "\n"
            "exit status: 0 done, 2 something could not be read (listed in \"problems\") or an error\n");
}

struct inventory_args {
    const char *root, *format, *output, *catalog;
    bool files;
    struct inv_options opt;
    const char **exec_dirs;
};

static int parse_args(int argc, char **argv, struct inventory_args *a)
{
    enum { O_ROOT = 256, O_FORMAT, O_CATALOG, O_EXEC_DIR, O_NO_EXEC, O_FILES, O_HWDATA, O_IEEE };
    static const struct option longopts[] = {
        {"root", required_argument, NULL, O_ROOT},
        {"format", required_argument, NULL, O_FORMAT},
        {"output", required_argument, NULL, 'o'},
        {"catalog", required_argument, NULL, O_CATALOG},
        {"exec-dir", required_argument, NULL, O_EXEC_DIR},
        {"no-executables", no_argument, NULL, O_NO_EXEC},
        {"files", no_argument, NULL, O_FILES},
        {"hwdata", required_argument, NULL, O_HWDATA},
        {"ieee", required_argument, NULL, O_IEEE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    a->format = "json";
    a->exec_dirs = calloc((size_t)argc, sizeof *a->exec_dirs);
    if (a->exec_dirs == NULL)
        return EXIT_TROUBLE;
    a->opt.exec_dirs = a->exec_dirs;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_ROOT: a->root = optarg; break;
        case O_FORMAT: a->format = optarg; break;
        case 'o': a->output = optarg; break;
        case O_CATALOG: a->catalog = optarg; break;
        case O_EXEC_DIR: a->exec_dirs[a->opt.exec_dir_count++] = optarg; break;
        case O_NO_EXEC: a->opt.no_executables = true; break;
        case O_FILES: a->files = true; break;
        case O_HWDATA: a->opt.hwdata_dir = optarg; break;
        case O_IEEE: a->opt.ieee_dir = optarg; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        default: usage(stderr); return EXIT_TROUBLE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay inventory: unexpected argument '%s'\n", argv[optind]);
        return EXIT_TROUBLE;
    }
    if (strcmp(a->format, "json") != 0 && strcmp(a->format, "cyclonedx") != 0 &&
        strcmp(a->format, "spdx") != 0 && strcmp(a->format, "text") != 0) {
        fprintf(stderr, "assay inventory: unknown format '%s' (json, cyclonedx, spdx, text)\n", a->format);
        return EXIT_TROUBLE;
    }
    return -1;
}

static void print_text(FILE *out, const struct inventory *inv, const struct review_item *items)
{
    for (size_t i = 0; i < inv->items.n; i++) {
        const struct inv_item *it = inv->items.v[i];
        const struct catalog_match *m = &items[i].match;
        fprintf(out, "%-18s %s%s%s", inv_kind_name(it->kind), it->name ? it->name : it->id,
                it->version ? " " : "", it->version ? it->version : "");
        if (items[i].attributed)
            fprintf(out, "  [%s%s%s, %s]", m->vendor->id, m->product ? "/" : "",
                    m->product ? m->product->id : "", inv_strength_name(m->strength));
        fputc('\n', out);
    }
    for (size_t i = 0; i < inv->problems.n; i++)
        fprintf(out, "problem: %s: %s\n", inv->problems.v[i].path, inv->problems.v[i].message);
}

int cmd_inventory(int argc, char **argv)
{
    struct inventory_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        free(a.exec_dirs);
        return rc;
    }
    struct catalog cat;
    int status = a.catalog ? catalog_load_file(&cat, a.catalog) : catalog_load_default(&cat);
    if (status != 0) {
        cli_error("catalog");
        free(a.exec_dirs);
        return EXIT_TROUBLE;
    }
    struct inventory inv;
    if (inventory_init(&inv, a.root) != 0 || inventory_collect(&inv, &a.opt) != 0) {
        cli_error("inventory");
        catalog_free(&cat);
        free(a.exec_dirs);
        return EXIT_TROUBLE;
    }
    struct review_item *items = calloc(inv.items.n + 1, sizeof *items);
    if (items == NULL) {
        fprintf(stderr, "assay inventory: out of memory\n");
        inventory_free(&inv);
        catalog_free(&cat);
        free(a.exec_dirs);
        return EXIT_TROUBLE;
    }
    for (size_t i = 0; i < inv.items.n; i++) {
        items[i].item = inv.items.v[i];
        items[i].attributed = catalog_attribute(&cat, inv.items.v[i], &items[i].match);
    }
    FILE *out = a.output ? fopen(a.output, "w") : stdout;
    int exit_code = inv.problems.n > 0 ? EXIT_TROUBLE : EXIT_CLEAN;
    if (out == NULL) {
        perror(a.output);
        exit_code = EXIT_TROUBLE;
    } else if (strcmp(a.format, "text") == 0) {
        print_text(out, &inv, items);
    } else {
        json_t *doc;
        if (strcmp(a.format, "cyclonedx") == 0)
            doc = report_cyclonedx(&inv, &cat, items, NULL);
        else if (strcmp(a.format, "spdx") == 0)
            doc = report_spdx(&inv, &cat, items, NULL);
        else {
            struct catalog_match *matches = calloc(inv.items.n + 1, sizeof *matches);
            for (size_t i = 0; matches && i < inv.items.n; i++)
                matches[i] = items[i].match;
            doc = matches ? report_inventory_json(&inv, &cat, matches, a.files) : NULL;
            free(matches);
        }
        if (doc == NULL || json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) != 0) {
            fprintf(stderr, "assay inventory: cannot write the report\n");
            exit_code = EXIT_TROUBLE;
        }
        fputc('\n', out);
        json_decref(doc);
    }
    if (out != NULL && out != stdout && fclose(out) != 0) {
        perror(a.output);
        exit_code = EXIT_TROUBLE;
    }
    for (size_t i = 0; i < inv.problems.n; i++)
        fprintf(stderr, "assay inventory: %s: %s\n", inv.problems.v[i].path, inv.problems.v[i].message);
    free(items);
    inventory_free(&inv);
    catalog_free(&cat);
    free(a.exec_dirs);
    return exit_code;
}
