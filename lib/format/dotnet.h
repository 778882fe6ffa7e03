/* dotnet.h — parser of the dotnet format for YARA's "dotnet" module (being written). */
#ifndef ASSAY_FORMAT_DOTNET_H
#define ASSAY_FORMAT_DOTNET_H

#endif
