// Conv2D benchmark and self-check for the native backend (not built by default):
//   npx cmake-js build --target sessionflow_conv_bench
//   ./build/sessionflow_conv_bench [runs]
// First checks, for every micro-kernel this CPU can run, that Conv2D's GEMM
// (conv_gemm.h) gives the bits of Im2Col then pack then GEMM, on geometries
// with padding, strides, dilations, split taps and edge tiles; then times
// the Deep MNIST network's two convolutions (bias + relu, filter packed once
// as for a variable) both ways, and Conv2D with panels packed from the image
// instead of read through row pointers, and prints the median GFLOP/s.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "arena.h"
#include "format.h"
#include "kernels/conv_gemm.h"
#include "kernels/gemm.h"
#include "kernels/window.h"

namespace {

using sf::GemmArch;
using sf::GemmDims;
using sf::WindowGeometry;

float* floats(sf::AlignedBuffer& buffer, int64_t n) {
  if (!buffer.reserve(static_cast<size_t>(std::max<int64_t>(n, 1)) * sizeof(float))) std::abort();
  return reinterpret_cast<float*>(buffer.data());
}

void fill(float* x, int64_t n, uint32_t seed) {
  for (int64_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }
}

// One convolution's operands, the filter packed for `arch`.
struct Layer {
  WindowGeometry g;
  int64_t o;
  GemmDims d;
  sf::AlignedBuffer x, filter, bias, packed_b, cols, packed_a, y;

  Layer(const WindowGeometry& geometry, int64_t out, const GemmArch& arch, sf::ThreadPool& pool) : g(geometry), o(out) {
    d = GemmDims{g.n * g.oh * g.ow, o, g.kh * g.kw * g.c};
    fill(floats(x, g.n * g.h * g.w * g.c), g.n * g.h * g.w * g.c, 1);
    fill(floats(filter, d.k * o), d.k * o, 2);
    fill(floats(bias, o), o, 3);
    floats(y, d.m * o);
    sf::gemm_pack(arch, d, sf::GemmOperand{},
                  sf::GemmOperand{reinterpret_cast<float*>(filter.data()), false, floats(packed_b, sf::gemm_packed_b_floats(arch, d))},
                  &pool);
  }
  sf::GemmEpilogue epilogue() { return sf::GemmEpilogue{reinterpret_cast<float*>(bias.data()), sf::UnaryOp::Relu, 0.0f}; }
  const float* out() { return reinterpret_cast<const float*>(y.data()); }

  // Im2Col, pack A, GEMM: what the two-step plan runs.
  void two_step(const GemmArch& arch, sf::ThreadPool& pool) {
    float* c = floats(cols, d.m * d.k);
    const float* image = reinterpret_cast<const float*>(x.data());
    pool.parallel_for(0, d.m, 64, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) sf::im2col_row(g, image, r, c + r * d.k);
    });
    float* pa = floats(packed_a, sf::gemm_packed_a_floats(arch, d));
    sf::gemm_pack(arch, d, sf::GemmOperand{c, false, pa}, sf::GemmOperand{}, &pool);
    sf::gemm_compute(arch, pa, reinterpret_cast<const float*>(packed_b.data()), reinterpret_cast<float*>(y.data()), d,
                     epilogue(), &pool);
  }
  void conv(const GemmArch& arch, sf::ThreadPool& pool) {
    sf::conv_gemm_compute(arch, g, reinterpret_cast<const float*>(x.data()), reinterpret_cast<const float*>(packed_b.data()),
                          reinterpret_cast<float*>(y.data()), o, epilogue(), &pool);
  }
};

// The same micro-kernel without its indirect form: Conv2D packs panels from the image.
GemmArch panels_only(const GemmArch& arch) {
  GemmArch packed = arch;
  packed.indirect_kernel = packed.indirect_half_kernel = nullptr;
  return packed;
}

bool check(const GemmArch& arch, const WindowGeometry& g, int64_t o, sf::ThreadPool& pool) {
  Layer layer(g, o, arch, pool);
  layer.two_step(arch, pool);
  std::vector<float> want(layer.out(), layer.out() + layer.d.m * o);
  bool ok = true;
  for (const GemmArch& variant : {arch, panels_only(arch)}) {
    std::fill(reinterpret_cast<float*>(layer.y.data()), reinterpret_cast<float*>(layer.y.data()) + layer.d.m * o, -7.0f);
    layer.conv(variant, pool);
    if (std::memcmp(want.data(), layer.out(), want.size() * sizeof(float)) != 0) {
      std::printf("FAIL %s%s: C=%lld K=%lld O=%lld differs from Im2Col + GEMM\n", arch.name,
                  variant.indirect_kernel != nullptr ? " (indirect)" : " (panels)", static_cast<long long>(g.c),
                  static_cast<long long>(layer.d.k), static_cast<long long>(o));
      ok = false;
    }
  }
  return ok;
}

struct Time {
  double median, best;  // milliseconds
};

template <class F>
Time time_ms(int runs, F f) {
  std::vector<double> times;
  for (int r = 0; r < runs + 2; ++r) {
    auto start = std::chrono::steady_clock::now();
    f();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (r >= 2) times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  return Time{times[times.size() / 2], times.front()};
}

void report(const char* what, const Time& t, double flop) {
  std::printf("  %-34s median %6.3f ms %6.1f GFLOP/s, best %6.3f ms %6.1f GFLOP/s\n", what, t.median, flop / t.median * 1e-6,
              t.best, flop / t.best * 1e-6);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 51;
  const GemmArch* archs[3];
  int32_t count = sf::gemm_archs_available(archs, 3);
  sf::ThreadPool three(3);
  //                        N  H   W   C   OH  OW  KH KW SH SW DH DW PT PL    O
  const struct { WindowGeometry g; int64_t o; } cases[] = {
      {{2, 9, 11, 3, 9, 11, 3, 3, 1, 1, 1, 1, 1, 1}, 5},      // SAME, C = 3, a half tile
      {{3, 14, 14, 32, 14, 14, 5, 5, 1, 1, 1, 1, 2, 2}, 64},  // K = 800: four k-blocks of 200, taps split
      {{2, 13, 12, 35, 6, 6, 3, 3, 2, 2, 1, 1, 1, 1}, 70},    // C = 35, stride 2, edge tiles
      {{2, 15, 15, 16, 5, 5, 3, 3, 3, 3, 2, 2, 1, 1}, 32},    // stride 3, dilation 2
      {{1, 10, 10, 1, 6, 6, 5, 5, 1, 1, 1, 1, 0, 0}, 33},     // C = 1, VALID
      {{3, 28, 28, 1, 28, 28, 5, 5, 1, 1, 1, 1, 2, 2}, 32},   // C = 1, SAME: panels from a padded image, across images
      {{1, 20, 30, 1, 4, 14, 17, 17, 1, 1, 1, 1, 0, 0}, 16},  // C = 1, K = 289: k-blocks split a row of taps
      {{1, 7, 7, 300, 7, 7, 1, 1, 1, 1, 1, 1, 0, 0}, 40},     // 1x1, C = 300: a tap split across k-blocks
  };
  bool ok = true;
  for (int32_t i = 0; i < count; ++i) {
    for (const auto& c : cases) ok = check(*archs[i], c.g, c.o, three) && ok;
  }
  std::printf("self-check: %s (%d micro-kernels; using %s)\n", ok ? "ok" : "FAILED", count, sf::gemm_arch().name);
  const GemmArch& arch = sf::gemm_arch();
  const GemmArch panels = panels_only(arch);
  const struct { const char* name; WindowGeometry g; int64_t o; } layers[] = {
      {"conv1 16x28x28x1 * 5x5x1x32", {16, 28, 28, 1, 28, 28, 5, 5, 1, 1, 1, 1, 2, 2}, 32},
      {"conv2 16x14x14x32 * 5x5x32x64", {16, 14, 14, 32, 14, 14, 5, 5, 1, 1, 1, 1, 2, 2}, 64},
  };
  for (int32_t threads : {1, 2}) {
    sf::ThreadPool pool(threads);
    for (const auto& l : layers) {
      Layer layer(l.g, l.o, arch, pool);
      double flop = 2.0 * static_cast<double>(layer.d.m * layer.d.n * layer.d.k);
      std::printf("%s, threads=%d\n", l.name, threads);
      report("Im2Col + pack A + GEMM", time_ms(runs, [&] { layer.two_step(arch, pool); }), flop);
      report("Conv2D", time_ms(runs, [&] { layer.conv(arch, pool); }), flop);
      report("Conv2D, panels packed from x", time_ms(runs, [&] { layer.conv(panels, pool); }), flop);
    }
  }
  return ok ? 0 : 1;
}
