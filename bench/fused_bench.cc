// The arithmetic floor of the fused_chain benchmark on the native backend
// (not built by default; x86 with AVX-512 only):
//   npx cmake-js build --target sessionflow_fused_bench && ./build/sessionflow_fused_bench
// Times y = tanh(x*1.5+0.5)*sigmoid(x) - 0.25*x written as ONE loop over
// registers, with the same vector tanh and sigmoid as the row kernels
// (vec_math.h), plus those two alone. No interpreter, no tiles: what one core
// needs for the arithmetic itself, to set beside the Fused kernel
// (bench/native-elementwise.ts) and the 1.2 ms it takes to stream 32 MB.
// Also the chain as the Fused kernel's block form runs it (fused_block.h:
// RowKernels::fused_blocks over the instruction list the compiler's program
// becomes), without the session around it.
#define SF_ROW_NS row_floor
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "arena.h"
#include "format.h"
#include "kernels/fused_block.h"
#include "kernels/rows.h"
#include "kernels/vec/vec_math.h"

#if defined(__AVX512F__)
namespace {

using namespace sf::row_floor;

double seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// The chain for one vector: the two products rounded apart from their sums, as the Fused kernel does.
vf chain(vf x) {
  vf u = vadd(vmul_rounded(x, vset(1.5f)), vset(0.5f));
  return vsub(vmul(vtanh(u), vsigmoid(x)), vmul_rounded(x, vset(0.25f)));
}

// fused_chain's program in block form: u = x*1.5 + 0.5; t = tanh u; s = sigmoid x; y = t*s - x*0.25.
struct ChainBlocks {
  float half[sf::FUSED_BLOCK];
  sf::BlockInstr program[5];

  explicit ChainBlocks(const float* x) {
    std::fill(half, half + sf::FUSED_BLOCK, 0.5f);
    using sf::BlockKind::Binary, sf::BlockKind::MulAdd, sf::BlockKind::Unary;
    const sf::BlockArg input{x, 1, -1}, halves{half, 0, -1}, r0{nullptr, 0, 0}, r1{nullptr, 0, 1}, r2{nullptr, 0, 2};
    program[0] = {MulAdd, 0, 1.5f, false, true, input, halves, 0};
    program[1] = {Unary, sf::UnaryOp::Tanh, 0, false, false, r0, {}, 1};
    program[2] = {Unary, sf::UnaryOp::Sigmoid, 0, false, false, input, {}, 2};
    program[3] = {Binary, sf::BinaryOp::Mul, 0, false, false, r1, r2, 0};
    program[4] = {MulAdd, 0, 0.25f, true, false, input, r0, -1};
  }
};

template <class F>
void report(const char* name, int64_t n, F f) {
  std::vector<double> times;
  for (int r = 0; r < 41; ++r) {
    double t0 = seconds();
    f();
    times.push_back(seconds() - t0);
  }
  std::sort(times.begin(), times.end());
  double per = times[times.size() / 2] / static_cast<double>(n);
  std::printf("  %-26s %.3f ns/element   %.2f ms per 4M\n", name, per * 1e9, per * 4194304 * 1e3);
}

}  // namespace

int main() {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) {
    std::puts("this CPU has no AVX-512: nothing to time");
    return 0;
  }
  for (int64_t n : {int64_t{65536}, int64_t{4194304}}) {
    sf::AlignedBuffer xs, ys;
    if (!xs.reserve(static_cast<size_t>(n) * 4) || !ys.reserve(static_cast<size_t>(n) * 4)) return 1;
    float* x = reinterpret_cast<float*>(xs.data());
    float* y = reinterpret_cast<float*>(ys.data());
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 2001) / 250.0f - 4.0f;
    std::printf("%lld elements (%s):\n", static_cast<long long>(n), n * 8 <= (1 << 20) ? "in cache" : "from memory");
    report("chain, one register loop", n, [&] { map_vec(x, y, n, chain); });
    report("tanh alone", n, [&] { map_vec(x, y, n, vtanh); });
    report("sigmoid alone", n, [&] { map_vec(x, y, n, vsigmoid); });
    ChainBlocks chain_blocks(x);
    int64_t blocks = n / sf::FUSED_BLOCK;
    report("chain, Fused block form", n, [&] {
      sf::row_kernels().fused_blocks(chain_blocks.program, 5, 0, blocks, y, n * 4 >= (4 << 20));
      sf::row_kernels().stream_fence();
    });
  }
  return 0;
}
#else
int main() {
  std::puts("built without AVX-512: nothing to time");
  return 0;
}
#endif
