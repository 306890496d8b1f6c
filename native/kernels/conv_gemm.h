// Conv2D's GEMM: y [N*OH*OW, O] = Im2Col(x) [N*OH*OW, KH*KW*C] times a
// packed filter [KH*KW*C, O], then MatMul's epilogue, without ever writing
// the Im2Col matrix. The micro-kernel reads A straight from the image
// through one pointer per row and tap (an indirect GEMM), or, on a
// micro-kernel without that form or for one-channel images (conv_panel.h),
// from a small panel packed from the image.
// Tiles, k-blocks and epilogue are gemm_compute's, so y has the bits that
// Im2Col then MatMul give, for any thread count.
//
//   gemm_pack(arch, GemmDims{0, o, k}, GemmOperand{}, GemmOperand{filter, false, packed_b}, pool);
//   conv_gemm_compute(arch, geometry, x, packed_b, y, o, epilogue, pool);
#pragma once
#include <cstdint>

#include "kernels/gemm.h"
#include "kernels/window.h"

namespace sf {

void conv_gemm_compute(const GemmArch& arch, const WindowGeometry& g, const float* x, const float* packed_b, float* y,
                       int64_t o, const GemmEpilogue& epilogue, ThreadPool* pool);

}  // namespace sf
