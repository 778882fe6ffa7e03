/* cmd_inventory.c — `assay inventory`: what is installed and attached on the
 * live host or an offline root, each item with the evidence that attributes
 * it to a vendor (docs/inventory.md). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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
    const char *format, *output;
    bool files;
    struct assay_inventory_options opt;
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
        case O_ROOT: a->opt.root = optarg; break;
        case O_FORMAT: a->format = optarg; break;
        case 'o': a->output = optarg; break;
        case O_CATALOG: a->opt.catalog = optarg; break;
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

int cmd_inventory(int argc, char **argv)
{
    struct inventory_args a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0) {
        free(a.exec_dirs);
        return rc;
    }
    assay_inventory *inv = NULL;
    if (assay_inventory_run(&a.opt, &inv) != ASSAY_OK) {
        cli_error("inventory");
        free(a.exec_dirs);
        return EXIT_TROUBLE;
    }
    int exit_code = assay_inventory_problem_count(inv) > 0 ? EXIT_TROUBLE : EXIT_CLEAN;
    FILE *out = a.output ? fopen(a.output, "w") : stdout;
    if (out == NULL) {
        perror(a.output);
        exit_code = EXIT_TROUBLE;
    } else {
        if (assay_inventory_write(inv, a.format, a.files, out) != ASSAY_OK) {
            cli_error("inventory");
            exit_code = EXIT_TROUBLE;
        }
        if (out != stdout && fclose(out) != 0) {
            perror(a.output);
            exit_code = EXIT_TROUBLE;
        }
    }
    for (size_t i = 0; i < assay_inventory_problem_count(inv); i++) {
        const char *path, *message;
        assay_inventory_problem(inv, i, &path, &message);
        fprintf(stderr, "assay inventory: %s: %s\n", path, message);
    }
    assay_inventory_free(inv);
    free(a.exec_dirs);
    return exit_code;
}
