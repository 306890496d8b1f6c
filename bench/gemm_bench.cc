// GEMM self-check and benchmark for the native backend (not built by default):
//   npx cmake-js build --target sessionflow_gemm_bench
//   ./build/sessionflow_gemm_bench [runs]
// First checks every micro-kernel this CPU can run against a float64
// reference on sizes that cross every block edge, in all four transpose
// combinations; then times C = A B (packing A and B every run, as for fed
// operands) and prints the median GFLOP/s per size and thread count.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "arena.h"
#include "format.h"
#include "kernels/gemm.h"

namespace {

using sf::GemmArch;
using sf::GemmDims;

struct Buffers {
  sf::AlignedBuffer a, b, c, pa, pb, bias;
};

float* floats(sf::AlignedBuffer& buffer, int64_t n) {
  if (!buffer.reserve(static_cast<size_t>(n) * sizeof(float))) std::abort();
  return reinterpret_cast<float*>(buffer.data());
}

void fill(float* x, int64_t n, uint32_t seed) {
  for (int64_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    x[i] = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
  }
}

// C = op(A) op(B) through pack and compute (then bias + relu, if `relu`);
// returns C.
float* multiply(const GemmArch& arch, Buffers& bufs, const GemmDims& d, bool ta, bool tb, sf::ThreadPool& pool,
                bool relu = false) {
  float* pa = floats(bufs.pa, sf::gemm_packed_a_floats(arch, d));
  float* pb = floats(bufs.pb, sf::gemm_packed_b_floats(arch, d));
  sf::gemm_pack(arch, d, sf::GemmOperand{reinterpret_cast<float*>(bufs.a.data()), ta, pa},
                sf::GemmOperand{reinterpret_cast<float*>(bufs.b.data()), tb, pb}, &pool);
  float* c = reinterpret_cast<float*>(bufs.c.data());
  sf::GemmEpilogue epilogue{nullptr, sf::UnaryOp::Identity, 0.0f};
  if (relu) epilogue = sf::GemmEpilogue{reinterpret_cast<float*>(bufs.bias.data()), sf::UnaryOp::Relu, 0.0f};
  sf::gemm_compute(arch, pa, pb, c, d, epilogue, &pool);
  return c;
}

bool check(const GemmArch& arch, const GemmDims& d, bool ta, bool tb, sf::ThreadPool& pool) {
  Buffers bufs;
  float* a = floats(bufs.a, d.m * d.k);
  float* b = floats(bufs.b, d.k * d.n);
  floats(bufs.c, d.m * d.n);
  fill(a, d.m * d.k, 1);
  fill(b, d.k * d.n, 2);
  const float* c = multiply(arch, bufs, d, ta, tb, pool);
  double worst = 0;
  for (int64_t i = 0; i < d.m; ++i) {
    for (int64_t j = 0; j < d.n; ++j) {
      double sum = 0, mag = 0;
      for (int64_t p = 0; p < d.k; ++p) {
        double x = ta ? a[p * d.m + i] : a[i * d.k + p];
        double y = tb ? b[j * d.k + p] : b[p * d.n + j];
        sum += x * y;
        mag += std::fabs(x * y);
      }
      worst = std::max(worst, std::fabs(c[i * d.n + j] - sum) / (mag + 1e-30));
    }
  }
  bool ok = worst < 1e-5;
  if (!ok) std::printf("FAIL %s %lldx%lldx%lld ta=%d tb=%d rel err %g\n", arch.name, static_cast<long long>(d.m),
                       static_cast<long long>(d.n), static_cast<long long>(d.k), ta, tb, worst);
  return ok;
}

struct Rate {
  double median, best, cpu_median;  // cpu: per thread-second of CPU time, immune to descheduling
};

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

Rate measure(const GemmArch& arch, const GemmDims& d, bool tb, bool relu, int32_t threads, int runs) {
  Buffers bufs;
  fill(floats(bufs.a, d.m * d.k), d.m * d.k, 3);
  fill(floats(bufs.b, d.k * d.n), d.k * d.n, 4);
  fill(floats(bufs.bias, d.n), d.n, 7);
  floats(bufs.c, d.m * d.n);
  sf::ThreadPool pool(threads);
  std::vector<double> rates, cpu_rates;
  const double flop = 2.0 * static_cast<double>(d.m * d.n * d.k);
  for (int r = 0; r < runs + 2; ++r) {
    double cpu_start = cpu_seconds();
    auto start = std::chrono::steady_clock::now();
    multiply(arch, bufs, d, false, tb, pool, relu);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = cpu_seconds() - cpu_start;
    if (r < 2) continue;
    rates.push_back(flop / seconds * 1e-9);
    cpu_rates.push_back(flop / cpu * 1e-9 * threads);
  }
  std::sort(rates.begin(), rates.end());
  std::sort(cpu_rates.begin(), cpu_rates.end());
  return Rate{rates[rates.size() / 2], rates.back(), cpu_rates[cpu_rates.size() / 2]};
}

// Median milliseconds to pack A [size, size] and B^T [size, size]: the
// per-run overhead of a GEMM whose operands are both fed.
double pack_ms(const GemmArch& arch, int64_t size, int runs) {
  GemmDims d{size, size, size};
  Buffers bufs;
  fill(floats(bufs.a, size * size), size * size, 5);
  fill(floats(bufs.b, size * size), size * size, 6);
  float* pa = floats(bufs.pa, sf::gemm_packed_a_floats(arch, d));
  float* pb = floats(bufs.pb, sf::gemm_packed_b_floats(arch, d));
  sf::ThreadPool pool(1);
  std::vector<double> times;
  for (int r = 0; r < runs + 1; ++r) {
    double start = cpu_seconds();
    sf::gemm_pack(arch, d, sf::GemmOperand{reinterpret_cast<float*>(bufs.a.data()), false, pa},
                  sf::GemmOperand{reinterpret_cast<float*>(bufs.b.data()), true, pb}, &pool);
    if (r > 0) times.push_back((cpu_seconds() - start) * 1e3);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 21;
  const GemmArch* archs[3];
  int32_t count = sf::gemm_archs_available(archs, 3);
  bool ok = true;
  sf::ThreadPool three(3);
  const int64_t sizes[][3] = {{1, 1, 1}, {13, 33, 257}, {97, 70, 513}, {25, 300, 31}, {200, 17, 600}, {0, 5, 3}, {4, 0, 2}};
  for (int32_t i = 0; i < count; ++i) {
    for (const auto& s : sizes) {
      for (int t = 0; t < 4; ++t) ok = check(*archs[i], GemmDims{s[0], s[1], s[2]}, t & 1, t & 2, three) && ok;
    }
  }
  std::printf("self-check: %s (%d micro-kernels; using %s)\n", ok ? "ok" : "FAILED", count, sf::gemm_arch().name);
  const GemmArch& arch = sf::gemm_arch();
  std::printf("packing A and B^T at 1024: %.2f ms of CPU time\n", pack_ms(arch, 1024, runs));
  const struct { GemmDims d; bool tb, relu; } cases[] = {
      {{256, 256, 256}, false, false}, {{512, 512, 512}, false, false}, {{1024, 1024, 1024}, false, false},
      {{1024, 1024, 1024}, true, false}, {{1, 1024, 1024}, false, false}, {{8, 1024, 1024}, false, false},
      // mlp_infer's two big layers, bare and as the network runs them
      {{128, 512, 784}, false, false}, {{128, 512, 512}, false, false},
      {{128, 512, 784}, false, true}, {{128, 512, 512}, false, true}};
  for (int32_t threads : {1, 2}) {
    for (const auto& c : cases) {
      Rate rate = measure(arch, c.d, c.tb, c.relu, threads, runs);
      std::printf("%-8s %4lldx%lldx%lld%s threads=%d: median %6.1f GFLOP/s, best %6.1f (per CPU-time: %6.1f)\n",
                  arch.name, static_cast<long long>(c.d.m), static_cast<long long>(c.d.n), static_cast<long long>(c.d.k),
                  c.tb ? " (B^T)" : c.relu ? " +bias+relu" : "", threads, rate.median, rate.best, rate.cpu_median);
    }
  }
  return ok ? 0 : 1;
}
