// The int32 GEMM: exact wrapping arithmetic (through uint32_t), so any order
// gives the same bits. A plain cache-blocked loop: B is copied panel by panel
// (KB x NB, contiguous in N) and each row of C is updated four k at a time,
// a loop compilers vectorise.
#include <algorithm>
#include <cstring>

#include "kernels/gemm.h"

namespace sf {
namespace {

constexpr int64_t KB = 128;  // k rows per panel
constexpr int64_t NB = 256;  // columns per panel

struct IntGemm {
  const uint32_t* a;
  const uint32_t* b;
  uint32_t* c;
  GemmDims d;
  bool trans_a, trans_b;

  uint32_t a_at(int64_t i, int64_t p) const { return trans_a ? a[p * d.m + i] : a[i * d.k + p]; }
};

// panel (kb x nb) = B[k0:k0+kb, n0:n0+nb].
void pack_panel(const IntGemm& g, int64_t k0, int64_t kb, int64_t n0, int64_t nb, uint32_t* panel) {
  for (int64_t p = 0; p < kb; ++p) {
    uint32_t* dst = panel + p * nb;
    if (!g.trans_b) {
      std::memcpy(dst, g.b + (k0 + p) * g.d.n + n0, static_cast<size_t>(nb) * sizeof(uint32_t));
    } else {
      for (int64_t j = 0; j < nb; ++j) dst[j] = g.b[(n0 + j) * g.d.k + k0 + p];
    }
  }
}

// c_row[0:nb] += A(i, k0:k0+kb) * panel.
void update_row(const IntGemm& g, int64_t i, int64_t k0, int64_t kb, const uint32_t* panel, int64_t nb, uint32_t* c_row) {
  int64_t p = 0;
  for (; p + 4 <= kb; p += 4) {
    const uint32_t a0 = g.a_at(i, k0 + p), a1 = g.a_at(i, k0 + p + 1);
    const uint32_t a2 = g.a_at(i, k0 + p + 2), a3 = g.a_at(i, k0 + p + 3);
    const uint32_t* b0 = panel + p * nb;
    for (int64_t j = 0; j < nb; ++j) c_row[j] += a0 * b0[j] + a1 * b0[nb + j] + a2 * b0[2 * nb + j] + a3 * b0[3 * nb + j];
  }
  for (; p < kb; ++p) {
    const uint32_t av = g.a_at(i, k0 + p);
    const uint32_t* bp = panel + p * nb;
    for (int64_t j = 0; j < nb; ++j) c_row[j] += av * bp[j];
  }
}

}  // namespace

int64_t gemm_int32_scratch_bytes() { return KB * NB * static_cast<int64_t>(sizeof(uint32_t)); }

void gemm_int32(const uint32_t* a, bool trans_a, const uint32_t* b, bool trans_b, uint32_t* c, const GemmDims& d,
                uint32_t* scratch) {
  IntGemm g{a, b, c, d, trans_a, trans_b};
  std::fill(c, c + d.m * d.n, 0u);
  for (int64_t n0 = 0; n0 < d.n; n0 += NB) {
    int64_t nb = std::min(NB, d.n - n0);
    for (int64_t k0 = 0; k0 < d.k; k0 += KB) {
      int64_t kb = std::min(KB, d.k - k0);
      pack_panel(g, k0, kb, n0, nb, scratch);
      for (int64_t i = 0; i < d.m; ++i) update_row(g, i, k0, kb, scratch, nb, c + i * d.n + n0);
    }
  }
}

}  // namespace sf
