// Conv2D's packed A panels for one-channel images read with column stride 1
// (a first layer over grey images, as Deep MNIST's): there a panel row k =
// (kh, kw) is, for each output row the panel's positions lie in, a run of
// consecutive floats of a zero-padded copy of the image. A panel is then kc
// short fixed-size copies, where the indirect kernel's row pointers
// (conv_gemm.cc) cost more to build than the kc x mr multiply-adds they feed.
// The values are Im2Col's, so the packed micro-kernel gives the same bits.
//
//   ConvC1Panels c1(g, x);  // when ConvC1Panels::applies(g, arch.mr)
//   if (c1.pack(i0, rows, k0, kc, arch.mr, panel)) arch.kernel(rows, kc, panel, ...);
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/gemm_kernels.h"
#include "kernels/window.h"

namespace sf {

// Floats a panel buffer for ConvC1Panels::pack needs past kc * mr: each row's
// copies are GEMM_MAX_MR floats long and spill into the next row.
constexpr int64_t CONV_PANEL_SLACK = GEMM_MAX_MR;

class ConvC1Panels {
 public:
  // One channel, column stride 1, rows of at least mr outputs (a panel spans
  // at most two output rows) and a padded image of at most 4 MiB.
  static bool applies(const WindowGeometry& g, int32_t mr);

  ConvC1Panels(const WindowGeometry& g, const float* x);

  // The packed panel (kc x mr, element (p, i) at p * mr + i; rows past
  // `rows` undefined) of output positions [i0, i0 + rows), k in
  // [k0, k0 + kc). False, leaving the panel alone, when the positions span
  // two images: the caller builds that rare panel another way.
  bool pack(int64_t i0, int32_t rows, int64_t k0, int64_t kc, int32_t mr, float* panel);

 private:
  void load_image(int64_t n);

  const WindowGeometry& g_;
  const float* x_;
  int64_t padded_h_, padded_w_;
  int64_t image_ = -1;  // the image in padded_, -1 before the first
  // Rows -pt ... of the image, columns -pl ..., zeros outside it, then
  // GEMM_MAX_MR floats of slack for the last row's copies.
  std::vector<float> padded_;
};

}  // namespace sf
