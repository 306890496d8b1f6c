// The row kernels built for one instruction set (flags in CMakeLists.txt).
#define SF_ROW_NS row_generic
#define SF_ROW_NAME "generic"
#include "kernels/vec/row_kernels_body.h"
