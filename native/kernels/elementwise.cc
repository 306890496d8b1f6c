// Unary, Binary and Select: one generic loop per family, parameterised by a
// scalar functor. A new elementwise op is one line in its dispatch table.
#include <cmath>

#include "kernels/broadcast.h"
#include "kernels/kernels.h"
#include "kernels/scalar_ops.h"

namespace sf {
namespace {

template <class T, class F>
void map_unary(const T* x, T* y, int64_t n, F f) {
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// One broadcast row: fast paths for same-shape and scalar operands.
template <class A, class Y, class F>
void binary_row(const A* a, int64_t sa, const A* b, int64_t sb, Y* y, int64_t n, F f) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const A av = a[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const A bv = b[0];
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) y[i] = f(a[i * sa], b[i * sb]);
  }
}

template <class A, class Y, class F>
void binary_loop(const KernelCall& c, F f) {
  const Shape* shapes[] = {&c.in[0].desc->shape, &c.in[1].desc->shape};
  BroadcastIter it;
  broadcast_init(c.out[0].desc->shape, shapes, 2, &it);
  const A* a = tensor_data<const A>(c.in[0]);
  const A* b = tensor_data<const A>(c.in[1]);
  Y* y = tensor_data<Y>(c.out[0]);
  broadcast_rows(it, [&](int64_t o, const int64_t* off, int64_t n, const int64_t* step) {
    binary_row(a + off[0], step[0], b + off[1], step[1], y + o, n, f);
  });
}

void unary_f32(int32_t op, const float* x, float* y, int64_t n) {
  using std::exp;
  switch (op) {
    case UnaryOp::Identity: return map_unary(x, y, n, [](float v) { return v; });
    case UnaryOp::Neg: return map_unary(x, y, n, [](float v) { return -v; });
    case UnaryOp::Abs: return map_unary(x, y, n, [](float v) { return std::fabs(v); });
    case UnaryOp::Square: return map_unary(x, y, n, [](float v) { return v * v; });
    case UnaryOp::Sqrt: return map_unary(x, y, n, [](float v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt: return map_unary(x, y, n, [](float v) { return 1.0f / std::sqrt(v); });
    case UnaryOp::Exp: return map_unary(x, y, n, [](float v) { return std::exp(v); });
    case UnaryOp::Log: return map_unary(x, y, n, [](float v) { return std::log(v); });
    case UnaryOp::Relu: return map_unary(x, y, n, relu_f32);
    case UnaryOp::Relu6: return map_unary(x, y, n, relu6_f32);
    case UnaryOp::Elu: return map_unary(x, y, n, [](float v) { return v > 0 ? v : std::expm1(v); });
    case UnaryOp::Sigmoid: return map_unary(x, y, n, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    case UnaryOp::Tanh: return map_unary(x, y, n, [](float v) { return std::tanh(v); });
    case UnaryOp::Softplus: return map_unary(x, y, n, softplus_f32);
    case UnaryOp::Sign: return map_unary(x, y, n, sign_f32);
    case UnaryOp::Floor: return map_unary(x, y, n, [](float v) { return std::floor(v); });
    case UnaryOp::Ceil: return map_unary(x, y, n, [](float v) { return std::ceil(v); });
    case UnaryOp::Round: return map_unary(x, y, n, [](float v) { return std::nearbyint(v); });
    case UnaryOp::Reciprocal: return map_unary(x, y, n, [](float v) { return 1.0f / v; });
    default: return;
  }
}

void unary_i32(int32_t op, const int32_t* x, int32_t* y, int64_t n) {
  switch (op) {
    case UnaryOp::Identity: return map_unary(x, y, n, [](int32_t v) { return v; });
    case UnaryOp::Neg: return map_unary(x, y, n, neg_i32);
    case UnaryOp::Abs: return map_unary(x, y, n, [](int32_t v) { return v < 0 ? neg_i32(v) : v; });
    case UnaryOp::Square: return map_unary(x, y, n, [](int32_t v) { return mul_i32(v, v); });
    case UnaryOp::Sign: return map_unary(x, y, n, [](int32_t v) { return int32_t{(v > 0) - (v < 0)}; });
    case UnaryOp::Relu: return map_unary(x, y, n, [](int32_t v) { return v < 0 ? 0 : v; });
    case UnaryOp::Relu6: return map_unary(x, y, n, [](int32_t v) { return v < 0 ? 0 : v > 6 ? 6 : v; });
    default: return;
  }
}

void unary_bool(int32_t op, const uint8_t* x, uint8_t* y, int64_t n) {
  if (op == UnaryOp::LogicalNot) return map_unary(x, y, n, [](uint8_t v) { return uint8_t{v == 0}; });
  map_unary(x, y, n, [](uint8_t v) { return uint8_t{v != 0}; });
}

template <class T>
int32_t binary_compare(const KernelCall& c, int32_t op) {
  using B = uint8_t;
  switch (op) {
    case BinaryOp::Equal: binary_loop<T, B>(c, [](T a, T b) { return B{a == b}; }); break;
    case BinaryOp::NotEqual: binary_loop<T, B>(c, [](T a, T b) { return B{a != b}; }); break;
    case BinaryOp::Less: binary_loop<T, B>(c, [](T a, T b) { return B{a < b}; }); break;
    case BinaryOp::LessEqual: binary_loop<T, B>(c, [](T a, T b) { return B{a <= b}; }); break;
    case BinaryOp::Greater: binary_loop<T, B>(c, [](T a, T b) { return B{a > b}; }); break;
    case BinaryOp::GreaterEqual: binary_loop<T, B>(c, [](T a, T b) { return B{a >= b}; }); break;
    default: break;
  }
  return Status::Ok;
}

int32_t binary_f32(const KernelCall& c, int32_t op) {
  using F = float;
  switch (op) {
    case BinaryOp::Add: binary_loop<F, F>(c, [](F a, F b) { return a + b; }); break;
    case BinaryOp::Sub: binary_loop<F, F>(c, [](F a, F b) { return a - b; }); break;
    case BinaryOp::Mul: binary_loop<F, F>(c, [](F a, F b) { return a * b; }); break;
    case BinaryOp::Div: binary_loop<F, F>(c, [](F a, F b) { return a / b; }); break;
    case BinaryOp::Pow: binary_loop<F, F>(c, [](F a, F b) { return std::pow(a, b); }); break;
    case BinaryOp::Maximum: binary_loop<F, F>(c, max_f32); break;
    case BinaryOp::Minimum: binary_loop<F, F>(c, min_f32); break;
    case BinaryOp::SquaredDifference: binary_loop<F, F>(c, [](F a, F b) { return (a - b) * (a - b); }); break;
    case BinaryOp::FloorMod: binary_loop<F, F>(c, floor_mod_f32); break;
    default: return binary_compare<F>(c, op);
  }
  return Status::Ok;
}

// Whether any element of the divisor or exponent breaks integer Div, FloorMod or Pow.
int32_t check_i32_operand(const KernelCall& c, int32_t op) {
  if (c.out[0].desc->count == 0) return Status::Ok;
  const int32_t* b = tensor_data<const int32_t>(c.in[1]);
  int64_t n = c.in[1].desc->count;
  bool is_pow = op == BinaryOp::Pow;
  bool bad = false;
  for (int64_t i = 0; i < n; ++i) bad |= is_pow ? b[i] < 0 : b[i] == 0;
  if (!bad) return Status::Ok;
  return is_pow ? Status::NegativeIntegerPower : Status::IntegerDivisionByZero;
}

int32_t binary_i32(const KernelCall& c, int32_t op) {
  using I = int32_t;
  if (op == BinaryOp::Div || op == BinaryOp::FloorMod || op == BinaryOp::Pow) {
    if (int32_t status = check_i32_operand(c, op)) return status;
  }
  switch (op) {
    case BinaryOp::Add: binary_loop<I, I>(c, add_i32); break;
    case BinaryOp::Sub: binary_loop<I, I>(c, sub_i32); break;
    case BinaryOp::Mul: binary_loop<I, I>(c, mul_i32); break;
    case BinaryOp::Div: binary_loop<I, I>(c, floor_div_i32); break;
    case BinaryOp::Pow: binary_loop<I, I>(c, pow_i32); break;
    case BinaryOp::Maximum: binary_loop<I, I>(c, [](I a, I b) { return a > b ? a : b; }); break;
    case BinaryOp::Minimum: binary_loop<I, I>(c, [](I a, I b) { return a < b ? a : b; }); break;
    case BinaryOp::SquaredDifference: binary_loop<I, I>(c, [](I a, I b) { return mul_i32(sub_i32(a, b), sub_i32(a, b)); }); break;
    case BinaryOp::FloorMod: binary_loop<I, I>(c, floor_mod_i32); break;
    default: return binary_compare<I>(c, op);
  }
  return Status::Ok;
}

int32_t binary_bool(const KernelCall& c, int32_t op) {
  using B = uint8_t;
  switch (op) {
    case BinaryOp::Equal: binary_loop<B, B>(c, [](B a, B b) { return B{(a != 0) == (b != 0)}; }); break;
    case BinaryOp::NotEqual: binary_loop<B, B>(c, [](B a, B b) { return B{(a != 0) != (b != 0)}; }); break;
    case BinaryOp::LogicalAnd: binary_loop<B, B>(c, [](B a, B b) { return B{a != 0 && b != 0}; }); break;
    case BinaryOp::LogicalOr: binary_loop<B, B>(c, [](B a, B b) { return B{a != 0 || b != 0}; }); break;
    default: break;
  }
  return Status::Ok;
}

bool binary_is_comparison(int32_t op) { return op >= BinaryOp::Equal && op <= BinaryOp::GreaterEqual; }

bool binary_supports(int32_t op, int32_t dtype) {
  if (op == BinaryOp::Equal || op == BinaryOp::NotEqual) return dtype_size(dtype) != 0;
  if (op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr) return dtype == DTypeCode::bool_;
  return op >= BinaryOp::Add && op <= BinaryOp::GreaterEqual && is_numeric(dtype);
}

template <class T>
void select_row(const uint8_t* c, int64_t sc, const T* x, int64_t sx, const T* y, int64_t sy, T* z, int64_t n) {
  if (sc == 1 && sx == 1 && sy == 1) {
    for (int64_t i = 0; i < n; ++i) z[i] = c[i] != 0 ? x[i] : y[i];
  } else {
    for (int64_t i = 0; i < n; ++i) z[i] = c[i * sc] != 0 ? x[i * sx] : y[i * sy];
  }
}

template <class T>
void select_loop(const KernelCall& k) {
  const Shape* shapes[] = {&k.in[0].desc->shape, &k.in[1].desc->shape, &k.in[2].desc->shape};
  BroadcastIter it;
  broadcast_init(k.out[0].desc->shape, shapes, 3, &it);
  const uint8_t* c = tensor_data<const uint8_t>(k.in[0]);
  const T* x = tensor_data<const T>(k.in[1]);
  const T* y = tensor_data<const T>(k.in[2]);
  T* z = tensor_data<T>(k.out[0]);
  broadcast_rows(it, [&](int64_t o, const int64_t* off, int64_t n, const int64_t* s) {
    select_row(c + off[0], s[0], x + off[1], s[1], y + off[2], s[2], z + o, n);
  });
}

}  // namespace

bool unary_supports(int32_t op, int32_t dtype) {
  switch (dtype) {
    case DTypeCode::float32: return op >= UnaryOp::Identity && op <= UnaryOp::Reciprocal;
    case DTypeCode::int32:
      return op == UnaryOp::Identity || op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Square ||
             op == UnaryOp::Sign || op == UnaryOp::Relu || op == UnaryOp::Relu6;
    case DTypeCode::bool_: return op == UnaryOp::Identity || op == UnaryOp::LogicalNot;
    default: return false;
  }
}

void unary_apply_f32(int32_t op, float* x, int64_t count) { unary_f32(op, x, x, count); }
void unary_apply_i32(int32_t op, int32_t* x, int64_t count) { unary_i32(op, x, x, count); }

const char* unary_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1 || step.n_attr != 1) return "needs in[x] out[y] attr[op]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != y.dtype || x.count != y.count) return "input and output differ in dtype or element count";
  if (!unary_supports(step.attr[0], x.dtype)) return "op not defined for this dtype";
  return nullptr;
}

int32_t unary_run(KernelCall& c) {
  int32_t op = c.step->attr[0];
  int64_t n = c.out[0].desc->count;
  switch (c.in[0].desc->dtype) {
    case DTypeCode::float32: unary_f32(op, tensor_data<const float>(c.in[0]), tensor_data<float>(c.out[0]), n); break;
    case DTypeCode::int32: unary_i32(op, tensor_data<const int32_t>(c.in[0]), tensor_data<int32_t>(c.out[0]), n); break;
    default: unary_bool(op, tensor_data<const uint8_t>(c.in[0]), tensor_data<uint8_t>(c.out[0]), n); break;
  }
  return Status::Ok;
}

const char* binary_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 2 || step.n_out != 1 || step.n_attr != 1) return "needs in[a, b] out[y] attr[op]";
  const BufferDesc& a = step_input(plan, step, 0);
  const BufferDesc& b = step_input(plan, step, 1);
  const BufferDesc& y = step_output(plan, step, 0);
  int32_t op = step.attr[0];
  if (a.dtype != b.dtype) return "inputs differ in dtype";
  if (!binary_supports(op, a.dtype)) return "op not defined for this dtype";
  bool to_bool = binary_is_comparison(op) || op == BinaryOp::LogicalAnd || op == BinaryOp::LogicalOr;
  if (y.dtype != (to_bool ? static_cast<int32_t>(DTypeCode::bool_) : a.dtype)) return "wrong output dtype";
  if (!broadcasts_to(a.shape, y.shape) || !broadcasts_to(b.shape, y.shape)) return "inputs do not broadcast to the output shape";
  return nullptr;
}

int32_t binary_run(KernelCall& c) {
  int32_t op = c.step->attr[0];
  switch (c.in[0].desc->dtype) {
    case DTypeCode::float32: return binary_f32(c, op);
    case DTypeCode::int32: return binary_i32(c, op);
    default: return binary_bool(c, op);
  }
}

const char* select_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 3 || step.n_out != 1 || step.n_attr != 0) return "needs in[cond, x, y] out[z]";
  const BufferDesc& cond = step_input(plan, step, 0);
  const BufferDesc& x = step_input(plan, step, 1);
  const BufferDesc& y = step_input(plan, step, 2);
  const BufferDesc& z = step_output(plan, step, 0);
  if (cond.dtype != DTypeCode::bool_) return "condition is not bool";
  if (x.dtype != z.dtype || y.dtype != z.dtype) return "x, y and the output differ in dtype";
  for (const BufferDesc* in : {&cond, &x, &y}) {
    if (!broadcasts_to(in->shape, z.shape)) return "inputs do not broadcast to the output shape";
  }
  return nullptr;
}

int32_t select_run(KernelCall& c) {
  if (dtype_size(c.out[0].desc->dtype) == 1) {
    select_loop<uint8_t>(c);
  } else {
    select_loop<uint32_t>(c);
  }
  return Status::Ok;
}

}  // namespace sf
