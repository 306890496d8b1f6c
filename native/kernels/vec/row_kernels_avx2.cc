// The row kernels built for one instruction set (flags in CMakeLists.txt).
#define SF_ROW_NS row_avx2
#define SF_ROW_NAME "avx2"
#include "kernels/vec/row_kernels_body.h"
