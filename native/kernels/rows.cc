// Picks the row-kernel variant once, by what the CPU supports; a build or a
// CPU without x86 extensions always gets the portable one.
#include "kernels/rows.h"

#include <cstdlib>
#include <string>

#include "format.h"

namespace sf {

namespace row_generic {
const RowKernels& row_kernels_variant();
}
#if SF_ROW_X86
namespace row_avx2 {
const RowKernels& row_kernels_variant();
}
namespace row_avx512 {
const RowKernels& row_kernels_variant();
}
#endif

namespace {

// SF_ROW_KERNELS=generic or avx2 forces a lesser variant (to test them on a newer CPU).
const RowKernels& select_variant() {
  const char* forced = std::getenv("SF_ROW_KERNELS");
  std::string force = forced ? forced : "";
  if (force == "generic") return row_generic::row_kernels_variant();
#if SF_ROW_X86
  __builtin_cpu_init();
  if (force != "avx2" && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    return row_avx512::row_kernels_variant();
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return row_avx2::row_kernels_variant();
#endif
  return row_generic::row_kernels_variant();
}

template <class Bad>
bool any_element(const int32_t* b, int64_t sb, int64_t n, Bad bad) {
  bool found = false;
  for (int64_t i = 0; i < n; ++i) found |= bad(b[i * sb]);
  return found;
}

}  // namespace

const RowKernels& row_kernels() {
  static const RowKernels& chosen = select_variant();
  return chosen;
}

const RowKernels& row_kernels_generic() { return row_generic::row_kernels_variant(); }

int32_t binary_operand_status(int32_t dtype, int32_t op, const void* b, int64_t sb, int64_t n) {
  if (dtype != DTypeCode::int32 || n == 0) return Status::Ok;
  const int32_t* v = static_cast<const int32_t*>(b);
  if (sb == 0) n = 1;
  if (op == BinaryOp::Pow) {
    return any_element(v, sb, n, [](int32_t e) { return e < 0; }) ? Status::NegativeIntegerPower : Status::Ok;
  }
  if (op != BinaryOp::Div && op != BinaryOp::FloorMod) return Status::Ok;
  return any_element(v, sb, n, [](int32_t d) { return d == 0; }) ? Status::IntegerDivisionByZero : Status::Ok;
}

}  // namespace sf
