/* dotnet.c — parser of the dotnet format (being written; see dotnet.h). */
#include "dotnet.h"

typedef int format_dotnet_placeholder;
