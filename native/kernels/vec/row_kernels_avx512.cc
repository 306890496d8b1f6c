// The row kernels built for one instruction set (flags in CMakeLists.txt).
#define SF_ROW_NS row_avx512
#define SF_ROW_NAME "avx512"
#include "kernels/vec/row_kernels_body.h"
