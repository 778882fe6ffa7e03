/* yara_cli.h — shared by the parts of `assay yara` (being split out of cmd_yara.c). */
#ifndef ASSAY_YARA_CLI_H
#define ASSAY_YARA_CLI_H

typedef int yara_cli_placeholder;

#endif
