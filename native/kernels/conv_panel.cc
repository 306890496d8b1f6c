// Conv2D's panels packed from a one-channel image (see conv_panel.h).
#include "kernels/conv_panel.h"

#include <algorithm>
#include <cstring>

namespace sf {

bool ConvC1Panels::applies(const WindowGeometry& g, int32_t mr) {
  if (g.c != 1 || g.sw != 1 || g.ow < mr || g.oh < 1) return false;
  int64_t h = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1, w = g.ow + (g.kw - 1) * g.dw;
  return h <= (int64_t{1} << 20) / w;
}

// The padding never changes, so it is zeroed once; load_image writes only
// the image's own pixels.
ConvC1Panels::ConvC1Panels(const WindowGeometry& g, const float* x)
    : g_(g),
      x_(x),
      padded_h_((g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1),
      padded_w_(g.ow + (g.kw - 1) * g.dw),
      padded_(static_cast<size_t>(padded_h_ * padded_w_ + GEMM_MAX_MR), 0.0f) {}

// The image's rows and columns that the windows reach, at padded row
// ih + pt, column iw + pl.
void ConvC1Panels::load_image(int64_t n) {
  image_ = n;
  int64_t iw0 = std::max<int64_t>(0, -g_.pl), iw1 = std::min(g_.w, padded_w_ - g_.pl);
  if (iw1 <= iw0) return;
  int64_t ih0 = std::max<int64_t>(0, -g_.pt), ih1 = std::min(g_.h, padded_h_ - g_.pt);
  for (int64_t ih = ih0; ih < ih1; ++ih) {
    std::memcpy(&padded_[static_cast<size_t>((ih + g_.pt) * padded_w_ + iw0 + g_.pl)], x_ + (n * g_.h + ih) * g_.w + iw0,
                static_cast<size_t>(iw1 - iw0) * sizeof(float));
  }
}

namespace {

// Panel rows p of kc, each `segments` copies of COPY floats from base[s] +
// the tap's offset to row p at at[s]. COPY is a constant (a few vector
// moves, no call) at least as long as any segment: what spills past a
// segment is overwritten by the next segment, or the next row, or lands in
// the slack (CONV_PANEL_SLACK).
template <int COPY>
void copy_rows(const WindowGeometry& g, int64_t padded_w, const float* const* base, const int32_t* at, int32_t segments,
               int64_t k0, int64_t kc, int32_t mr, float* panel) {
  int64_t kh = k0 / g.kw, kw = k0 % g.kw;
  for (int64_t p = 0; p < kc; ++p, panel += mr) {
    const int64_t tap = kh * g.dh * padded_w + kw * g.dw;
    for (int32_t s = 0; s < segments; ++s) std::memcpy(panel + at[s], base[s] + tap, COPY * sizeof(float));
    if (++kw == g.kw) {
      kw = 0;
      ++kh;
    }
  }
}

}  // namespace

bool ConvC1Panels::pack(int64_t i0, int32_t rows, int64_t k0, int64_t kc, int32_t mr, float* panel) {
  const int64_t per_image = g_.oh * g_.ow;
  const int64_t n = i0 / per_image;
  if ((i0 + rows - 1) / per_image != n) return false;
  if (n != image_) load_image(n);
  // The panel's segments: runs of positions in one output row.
  const float* base[GEMM_MAX_MR];
  int32_t at[GEMM_MAX_MR];
  int32_t segments = 0;
  for (int64_t r = i0 - n * per_image, i = 0; i < rows; ++segments) {
    int64_t oh = r / g_.ow, ow = r % g_.ow, len = std::min<int64_t>(rows - i, g_.ow - ow);
    base[segments] = padded_.data() + oh * g_.sh * padded_w_ + ow;
    at[segments] = static_cast<int32_t>(i);
    i += len;
    r += len;
  }
  static_assert(GEMM_MAX_MR <= 16, "copy_rows copies at most 16 floats");
  if (mr <= 4) copy_rows<4>(g_, padded_w_, base, at, segments, k0, kc, mr, panel);
  else if (mr <= 8) copy_rows<8>(g_, padded_w_, base, at, segments, k0, kc, mr, panel);
  else if (mr <= 12) copy_rows<12>(g_, padded_w_, base, at, segments, k0, kc, mr, panel);
  else copy_rows<16>(g_, padded_w_, base, at, segments, k0, kc, mr, panel);
  return true;
}

}  // namespace sf
