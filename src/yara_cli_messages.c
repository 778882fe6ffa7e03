/* yara_cli_messages.c — being split out of cmd_yara.c. */
#include "yara_cli.h"
