// Packing for the GEMM: A into mr-row micro-panels and B into nr-column
// micro-panels, one GEMM_KC block of k at a time, zero-padded to whole panels.
// Block k0 of a packed A starts at k0 * round_up(m, mr); inside it, panel ip
// holds kc x mr floats, element (p, i) at p * mr + i. B likewise with nr.
#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "kernels/gemm.h"

namespace sf {
namespace {

// Packs at least this many floats per chunk of a parallel pack.
constexpr int64_t PACK_CHUNK_FLOATS = 1 << 15;

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// dst (kc x width, row stride width) = rows [0, count) of a matrix whose row
// p is src + p * stride, reading `cols` contiguous floats of each; zero-pads
// columns up to width.
void copy_rows(const float* src, int64_t stride, int64_t kc, int64_t cols, int64_t width, float* dst) {
  for (int64_t p = 0; p < kc; ++p) {
    std::memcpy(dst + p * width, src + p * stride, static_cast<size_t>(cols) * sizeof(float));
    std::fill(dst + p * width + cols, dst + (p + 1) * width, 0.0f);
  }
}

// dst (kc x width) = the transpose of `cols` rows of src (row j at src + j *
// stride, kc contiguous floats each); zero-pads columns up to width.
// Four rows at a time through SSE2 4 x 4 transposes where available.
void copy_cols(const float* src, int64_t stride, int64_t kc, int64_t cols, int64_t width, float* dst) {
  int64_t j = 0;
#if defined(__SSE2__)
  for (; j + 4 <= cols; j += 4) {
    const float* r = src + j * stride;
    int64_t p = 0;
    for (; p + 4 <= kc; p += 4) {
      __m128 a = _mm_loadu_ps(r + p), b = _mm_loadu_ps(r + stride + p);
      __m128 c = _mm_loadu_ps(r + 2 * stride + p), d = _mm_loadu_ps(r + 3 * stride + p);
      _MM_TRANSPOSE4_PS(a, b, c, d);
      _mm_storeu_ps(dst + p * width + j, a);
      _mm_storeu_ps(dst + (p + 1) * width + j, b);
      _mm_storeu_ps(dst + (p + 2) * width + j, c);
      _mm_storeu_ps(dst + (p + 3) * width + j, d);
    }
    for (; p < kc; ++p) {
      for (int64_t q = 0; q < 4; ++q) dst[p * width + j + q] = r[q * stride + p];
    }
  }
#endif
  for (; j < cols; ++j) {
    const float* row = src + j * stride;
    for (int64_t p = 0; p < kc; ++p) dst[p * width + j] = row[p];
  }
  for (j = cols; j < width; ++j) {
    for (int64_t p = 0; p < kc; ++p) dst[p * width + j] = 0.0f;
  }
}

// Packs micro-panel `panel` (width columns of the packed operand) of an
// operand with `extent` panel-direction elements, over every k-block.
// `contiguous`: the operand stores each k row's panel elements next to each
// other (B, or A transposed); otherwise each panel element's k values are.
void pack_panel(const float* x, bool contiguous, int64_t extent, int64_t k, int64_t width, int64_t panel, float* packed) {
  int64_t padded = round_up(extent, width);
  int64_t first = panel * width;
  int64_t cols = std::min(width, extent - first);
  const int64_t block = gemm_kc(k);
  for (int64_t k0 = 0; k0 < k; k0 += block) {
    int64_t kc = std::min(block, k - k0);
    float* dst = packed + k0 * padded + first * kc;
    if (contiguous) {
      copy_rows(x + k0 * extent + first, extent, kc, cols, width, dst);
    } else {
      copy_cols(x + first * k + k0, k, kc, cols, width, dst);
    }
  }
}

// One operand to pack: `extent` panel-direction elements in panels of `width`.
struct PackJob {
  const float* x;
  bool contiguous;
  int64_t extent, width;
  float* packed;

  int64_t panels() const { return x == nullptr ? 0 : (extent + width - 1) / width; }
};

// Packs both jobs' panels in one parallel pass (one wake-up of the pool).
void pack_jobs(const PackJob& first, const PackJob& second, int64_t k, ThreadPool* pool) {
  int64_t split = first.panels(), total = split + second.panels();
  int64_t width = std::max(first.width, second.width);
  int64_t grain = std::max<int64_t>(1, PACK_CHUNK_FLOATS / std::max<int64_t>(1, width * k));
  pool->parallel_for(0, total, grain, [&](int64_t begin, int64_t end) {
    for (int64_t panel = begin; panel < end; ++panel) {
      const PackJob& job = panel < split ? first : second;
      pack_panel(job.x, job.contiguous, job.extent, k, job.width, panel < split ? panel : panel - split, job.packed);
    }
  });
}

}  // namespace

int64_t gemm_packed_a_floats(const GemmArch& arch, const GemmDims& d) {
  return round_up(round_up(d.m, arch.mr) * d.k, 16);
}

int64_t gemm_packed_b_floats(const GemmArch& arch, const GemmDims& d) {
  return round_up(round_up(d.n, arch.nr) * d.k, 16);
}

void gemm_pack(const GemmArch& arch, const GemmDims& d, const GemmOperand& a, const GemmOperand& b, ThreadPool* pool) {
  PackJob a_job{a.data, a.trans, d.m, arch.mr, a.packed};
  PackJob b_job{b.data, !b.trans, d.n, arch.nr, b.packed};
  pack_jobs(a_job, b_job, d.k, pool);
}

}  // namespace sf
