/* yara_cli_output.c — being split out of cmd_yara.c. */
#include "yara_cli.h"
