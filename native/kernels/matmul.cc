// MatMul: C[M,N] = op(A) op(B) (+ bias) then an activation. A cache-blocked
// loop: B is packed panel by panel (KB x NB, contiguous in N) and each row of
// C is updated four k at a time, a loop compilers vectorise. int32 goes
// through uint32_t so it wraps. A packed register-blocked micro-kernel
// replaces this later.
#include <algorithm>
#include <cstring>

#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

constexpr int64_t KB = 128;  // k rows per packed panel
constexpr int64_t NB = 256;  // columns per packed panel

template <class T>
struct GemmArgs {
  const T* a;
  const T* b;
  T* c;
  int64_t m, n, k;
  bool trans_a, trans_b;
};

template <class T>
T a_at(const GemmArgs<T>& g, int64_t i, int64_t p) {
  return g.trans_a ? g.a[p * g.m + i] : g.a[i * g.k + p];
}

// Copies B[k0:k0+kb, n0:n0+nb] into `panel`, row-major kb x nb.
template <class T>
void pack_b(const GemmArgs<T>& g, int64_t k0, int64_t kb, int64_t n0, int64_t nb, T* panel) {
  for (int64_t p = 0; p < kb; ++p) {
    T* dst = panel + p * nb;
    if (!g.trans_b) {
      std::memcpy(dst, g.b + (k0 + p) * g.n + n0, static_cast<size_t>(nb) * sizeof(T));
    } else {
      for (int64_t j = 0; j < nb; ++j) dst[j] = g.b[(n0 + j) * g.k + k0 + p];
    }
  }
}

// c_row[0:nb] += A(i, k0:k0+kb) * panel.
template <class T>
void update_row(const GemmArgs<T>& g, int64_t i, int64_t k0, int64_t kb, const T* panel, int64_t nb, T* c_row) {
  int64_t p = 0;
  for (; p + 4 <= kb; p += 4) {
    const T a0 = a_at(g, i, k0 + p), a1 = a_at(g, i, k0 + p + 1);
    const T a2 = a_at(g, i, k0 + p + 2), a3 = a_at(g, i, k0 + p + 3);
    const T* b0 = panel + p * nb;
    const T* b1 = b0 + nb;
    const T* b2 = b1 + nb;
    const T* b3 = b2 + nb;
    for (int64_t j = 0; j < nb; ++j) c_row[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j];
  }
  for (; p < kb; ++p) {
    const T av = a_at(g, i, k0 + p);
    const T* bp = panel + p * nb;
    for (int64_t j = 0; j < nb; ++j) c_row[j] += av * bp[j];
  }
}

template <class T>
void gemm(const GemmArgs<T>& g, T* panel) {
  std::fill(g.c, g.c + g.m * g.n, T{0});
  for (int64_t n0 = 0; n0 < g.n; n0 += NB) {
    int64_t nb = std::min(NB, g.n - n0);
    for (int64_t k0 = 0; k0 < g.k; k0 += KB) {
      int64_t kb = std::min(KB, g.k - k0);
      pack_b(g, k0, kb, n0, nb, panel);
      for (int64_t i = 0; i < g.m; ++i) update_row(g, i, k0, kb, panel, nb, g.c + i * g.n + n0);
    }
  }
}

template <class T>
void add_bias(const T* bias, T* c, int64_t m, int64_t n) {
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * n;
    for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
  }
}

// Runs the GEMM, bias and activation over element type T (float or uint32_t).
template <class T>
int32_t matmul_typed(KernelCall& call, T* panel) {
  const StepDesc& s = *call.step;
  const Shape& out = call.out[0].desc->shape;
  GemmArgs<T> g{tensor_data<const T>(call.in[0]), tensor_data<const T>(call.in[1]), tensor_data<T>(call.out[0]),
                out.dims[0], out.dims[1], 0, s.attr[0] != 0, s.attr[1] != 0};
  const Shape& a = call.in[0].desc->shape;
  g.k = g.trans_a ? a.dims[0] : a.dims[1];
  gemm(g, panel);
  if (s.n_in == 3) add_bias(tensor_data<const T>(call.in[2]), g.c, g.m, g.n);
  return Status::Ok;
}

const char* check_matmul_shapes(const Plan& plan, const StepDesc& step) {
  const Shape& a = step_input(plan, step, 0).shape;
  const Shape& b = step_input(plan, step, 1).shape;
  const Shape& c = step_output(plan, step, 0).shape;
  if (a.rank != 2 || b.rank != 2 || c.rank != 2) return "operands are not 2-D";
  int64_t m = step.attr[0] ? a.dims[1] : a.dims[0];
  int64_t k = step.attr[0] ? a.dims[0] : a.dims[1];
  int64_t kb = step.attr[1] ? b.dims[1] : b.dims[0];
  int64_t n = step.attr[1] ? b.dims[0] : b.dims[1];
  if (k != kb) return "inner dimensions differ";
  if (c.dims[0] != m || c.dims[1] != n) return "output shape is not [M, N]";
  if (step.n_in == 3) {
    const Shape& bias = step_input(plan, step, 2).shape;
    if (bias.rank != 1 || bias.dims[0] != n) return "bias is not [N]";
  }
  return nullptr;
}

}  // namespace

const char* matmul_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in < 2 || step.n_in > 3 || step.n_out != 1 || step.n_attr != 3) {
    return "needs in[a, b(, bias)] out[c] attr[transA, transB, activation]";
  }
  int32_t dtype = step_output(plan, step, 0).dtype;
  if (!is_numeric(dtype)) return "dtype is not float32 or int32";
  for (int32_t i = 0; i < step.n_in; ++i) {
    if (step_input(plan, step, i).dtype != dtype) return "operands differ in dtype";
  }
  if ((step.attr[0] != 0 && step.attr[0] != 1) || (step.attr[1] != 0 && step.attr[1] != 1)) return "transpose flags are not 0 or 1";
  if (!unary_supports(step.attr[2], dtype)) return "activation not defined for this dtype";
  return check_matmul_shapes(plan, step);
}

int32_t matmul_run(KernelCall& call) {
  AlignedBuffer panel;
  size_t panel_bytes = static_cast<size_t>(KB * NB) * 4;
  if (!panel.reserve(panel_bytes)) {
    call.arg = static_cast<int32_t>(panel_bytes);
    return Status::OutOfMemory;
  }
  int32_t act = call.step->attr[2];
  int64_t count = call.out[0].desc->count;
  if (call.out[0].desc->dtype == DTypeCode::float32) {
    matmul_typed<float>(call, reinterpret_cast<float*>(panel.data()));
    if (act != UnaryOp::Identity) unary_apply_f32(act, tensor_data<float>(call.out[0]), count);
  } else {
    matmul_typed<uint32_t>(call, reinterpret_cast<uint32_t*>(panel.data()));
    if (act != UnaryOp::Identity) unary_apply_i32(act, tensor_data<int32_t>(call.out[0]), count);
  }
  return Status::Ok;
}

}  // namespace sf
