// Reduce and Transpose throughput of the native kernels (not built by default):
//   npx cmake-js build --target sessionflow_memory_bench
//   ./build/sessionflow_memory_bench [runs] [threads]
// Calls the kernels straight through the kernel table with hand-made buffer
// descriptors, and prints the median GB/s (bytes read + written) beside a
// memcpy of the same size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "kernels/kernels.h"

namespace {

sf::BufferDesc describe(std::vector<int64_t> dims, int32_t dtype = sf::DTypeCode::float32) {
  sf::BufferDesc b;
  b.dtype = dtype;
  b.count = 1;
  b.shape.rank = static_cast<int32_t>(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) b.count *= (b.shape.dims[d] = dims[d]);
  b.bytes = b.count * sf::dtype_size(dtype);
  return b;
}

struct Case {
  const char* name;
  int32_t kernel;
  std::vector<int64_t> in, out;
  std::vector<int32_t> attrs;
};

double now(bool cpu) {
  if (!cpu) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Wall time, or with SF_BENCH_CPU=1 process CPU time (immune to descheduling
// on a busy machine; meaningful for one thread).
template <class F>
double median_seconds(int runs, F f) {
  static const bool cpu = std::getenv("SF_BENCH_CPU") != nullptr;
  std::vector<double> times;
  for (int r = 0; r < runs + 1; ++r) {
    double start = now(cpu);
    f();
    double s = now(cpu) - start;
    if (r > 0) times.push_back(s);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void run_case(const Case& c, int runs, sf::ThreadPool& pool) {
  sf::BufferDesc x = describe(c.in), y = describe(c.out);
  sf::AlignedBuffer xs, ys, copy_to, scratch;
  if (!xs.reserve(static_cast<size_t>(x.bytes)) || !ys.reserve(static_cast<size_t>(y.bytes))) std::abort();
  if (!copy_to.reserve(static_cast<size_t>(x.bytes))) std::abort();
  for (int64_t i = 0; i < x.count; ++i) reinterpret_cast<float*>(xs.data())[i] = static_cast<float>(i % 1000) * 0.001f;
  sf::StepDesc step;
  step.kernel = c.kernel;
  step.n_in = step.n_out = 1;
  step.n_attr = static_cast<int32_t>(c.attrs.size());
  std::copy(c.attrs.begin(), c.attrs.end(), step.attr);
  sf::KernelCall call;
  call.step = &step;
  call.pool = &pool;
  call.scratch = &scratch;
  call.in[0] = sf::Tensor{xs.data(), &x};
  call.out[0] = sf::Tensor{ys.data(), &y};
  const sf::KernelEntry* kernel = sf::kernel_lookup(c.kernel);
  double bytes = static_cast<double>(x.bytes + y.bytes);
  double t = median_seconds(runs, [&] { kernel->run(call); });
  double copy = median_seconds(runs, [&] { std::memcpy(copy_to.data(), xs.data(), static_cast<size_t>(x.bytes)); });
  double copy_bytes = 2.0 * static_cast<double>(x.bytes);
  std::printf("%-34s %7.2f ms %6.1f GB/s   (memcpy %6.1f GB/s)\n", c.name, t * 1e3, bytes / t * 1e-9, copy_bytes / copy * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 15;
  sf::ThreadPool pool(argc > 2 ? std::atoi(argv[2]) : 1);
  namespace Kernel = sf::Kernel;
  namespace ReduceOp = sf::ReduceOp;
  const int64_t big = int64_t{1} << 24;
  const Case cases[] = {
      {"reduce sum, one row of 16M", Kernel::Reduce, {big}, {1}, {ReduceOp::Sum, 1, static_cast<int32_t>(big), 1}},
      {"reduce sum, 4096 rows of 4096", Kernel::Reduce, {4096, 4096}, {4096}, {ReduceOp::Sum, 4096, 4096, 1}},
      {"reduce sum, columns of 4096x4096", Kernel::Reduce, {4096, 4096}, {4096}, {ReduceOp::Sum, 1, 4096, 4096}},
      {"reduce sum, columns of 5.6Mx3", Kernel::Reduce, {big / 3, 3}, {3}, {ReduceOp::Sum, 1, static_cast<int32_t>(big / 3), 3}},
      {"reduce max, one row of 16M", Kernel::Reduce, {big}, {1}, {ReduceOp::Max, 1, static_cast<int32_t>(big), 1}},
      {"reduce max, columns of 4096x4096", Kernel::Reduce, {4096, 4096}, {4096}, {ReduceOp::Max, 1, 4096, 4096}},
      {"transpose 4096x4096", Kernel::Transpose, {4096, 4096}, {4096, 4096}, {1, 0}},
      {"transpose 1000x1031", Kernel::Transpose, {1000, 1031}, {1031, 1000}, {1, 0}},
      {"transpose [64,256,256] perm 0,2,1", Kernel::Transpose, {64, 256, 256}, {64, 256, 256}, {0, 2, 1}},
      {"transpose [256,64,256] perm 2,1,0", Kernel::Transpose, {256, 64, 256}, {256, 64, 256}, {2, 1, 0}},
      {"transpose [16,64,64,64] perm 0,2,3,1", Kernel::Transpose, {16, 64, 64, 64}, {16, 64, 64, 64}, {0, 2, 3, 1}},
  };
  for (const Case& c : cases) run_case(c, runs, pool);
  return 0;
}
