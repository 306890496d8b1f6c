// The scalar functor of every Unary and Binary op, looked up by op code: the
// one definition that the Unary, Binary, Fused and MatMul-epilogue loops share.
// Named functions are wrapped in lambdas so the call always inlines.
// `with_*(op, ..., fn)` calls fn(functor) with the functor of `op`, so the
// caller's loop is instantiated (and vectorised) once per op.
//
//   with_unary_f32(UnaryOp::Tanh, 0.0f, [&](auto f) { for (...) y[i] = f(x[i]); });
#pragma once
#include <cmath>
#include <cstdint>

#include "format.h"
#include "kernels/scalar_ops.h"

namespace sf {

// LeakyRelu's alpha when the Unary step has no param word.
constexpr float LEAKY_RELU_DEFAULT_ALPHA = 0.2f;

template <class Fn>
void with_unary_f32(int32_t op, float param, Fn&& fn) {
  using F = float;
  switch (op) {
    case UnaryOp::Identity: return fn([](F v) { return v; });
    case UnaryOp::Neg: return fn([](F v) { return -v; });
    case UnaryOp::Abs: return fn([](F v) { return std::fabs(v); });
    case UnaryOp::Square: return fn([](F v) { return v * v; });
    case UnaryOp::Sqrt: return fn([](F v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt: return fn([](F v) { return 1.0f / std::sqrt(v); });
    case UnaryOp::Exp: return fn([](auto... v) { return exp_f32(v...); });
    case UnaryOp::Log: return fn([](F v) { return std::log(v); });
    case UnaryOp::Relu: return fn([](auto... v) { return relu_f32(v...); });
    case UnaryOp::Relu6: return fn([](auto... v) { return relu6_f32(v...); });
    case UnaryOp::Elu: return fn([](auto... v) { return elu_f32(v...); });
    case UnaryOp::Sigmoid: return fn([](auto... v) { return sigmoid_f32(v...); });
    case UnaryOp::Tanh: return fn([](auto... v) { return tanh_f32(v...); });
    case UnaryOp::Softplus: return fn([](auto... v) { return softplus_f32(v...); });
    case UnaryOp::Sign: return fn([](auto... v) { return sign_f32(v...); });
    case UnaryOp::Floor: return fn([](F v) { return std::floor(v); });
    case UnaryOp::Ceil: return fn([](F v) { return std::ceil(v); });
    case UnaryOp::Round: return fn([](F v) { return std::nearbyint(v); });
    case UnaryOp::Reciprocal: return fn([](F v) { return 1.0f / v; });
    case UnaryOp::LeakyRelu: return fn([param](F v) { return leaky_relu_f32(v, param); });
    case UnaryOp::Log1p: return fn([](F v) { return std::log1p(v); });
    case UnaryOp::Expm1: return fn([](auto... v) { return expm1_f32(v...); });
    case UnaryOp::Sin: return fn([](F v) { return std::sin(v); });
    case UnaryOp::Cos: return fn([](F v) { return std::cos(v); });
    default: return;
  }
}

template <class Fn>
void with_unary_i32(int32_t op, Fn&& fn) {
  using I = int32_t;
  switch (op) {
    case UnaryOp::Identity: return fn([](I v) { return v; });
    case UnaryOp::Neg: return fn([](auto... v) { return neg_i32(v...); });
    case UnaryOp::Abs: return fn([](I v) { return v < 0 ? neg_i32(v) : v; });
    case UnaryOp::Square: return fn([](I v) { return mul_i32(v, v); });
    case UnaryOp::Sign: return fn([](I v) { return I{(v > 0) - (v < 0)}; });
    case UnaryOp::Relu: return fn([](I v) { return v < 0 ? 0 : v; });
    case UnaryOp::Relu6: return fn([](I v) { return v < 0 ? 0 : v > 6 ? 6 : v; });
    default: return;
  }
}

template <class Fn>
void with_unary_bool(int32_t op, Fn&& fn) {
  using B = uint8_t;
  if (op == UnaryOp::LogicalNot) return fn([](B v) { return B{v == 0}; });
  fn([](B v) { return B{v != 0}; });
}

// Comparisons of T, producing bool bytes.
template <class T, class Fn>
void with_compare(int32_t op, Fn&& fn) {
  using B = uint8_t;
  switch (op) {
    case BinaryOp::Equal: return fn([](T a, T b) { return B{a == b}; });
    case BinaryOp::NotEqual: return fn([](T a, T b) { return B{a != b}; });
    case BinaryOp::Less: return fn([](T a, T b) { return B{a < b}; });
    case BinaryOp::LessEqual: return fn([](T a, T b) { return B{a <= b}; });
    case BinaryOp::Greater: return fn([](T a, T b) { return B{a > b}; });
    case BinaryOp::GreaterEqual: return fn([](T a, T b) { return B{a >= b}; });
    default: return;
  }
}

template <class Fn>
void with_binary_f32(int32_t op, Fn&& fn) {
  using F = float;
  switch (op) {
    case BinaryOp::Add: return fn([](F a, F b) { return a + b; });
    case BinaryOp::Sub: return fn([](F a, F b) { return a - b; });
    case BinaryOp::Mul: return fn([](F a, F b) { return a * b; });
    case BinaryOp::Div: return fn([](F a, F b) { return a / b; });
    case BinaryOp::Pow: return fn([](F a, F b) { return std::pow(a, b); });
    case BinaryOp::Maximum: return fn([](auto... v) { return max_f32(v...); });
    case BinaryOp::Minimum: return fn([](auto... v) { return min_f32(v...); });
    case BinaryOp::SquaredDifference: return fn([](F a, F b) { return (a - b) * (a - b); });
    case BinaryOp::FloorMod: return fn([](auto... v) { return floor_mod_f32(v...); });
    default: return with_compare<F>(op, fn);
  }
}

// Div, FloorMod and Pow assume a valid divisor / exponent (callers check first).
template <class Fn>
void with_binary_i32(int32_t op, Fn&& fn) {
  using I = int32_t;
  switch (op) {
    case BinaryOp::Add: return fn([](auto... v) { return add_i32(v...); });
    case BinaryOp::Sub: return fn([](auto... v) { return sub_i32(v...); });
    case BinaryOp::Mul: return fn([](auto... v) { return mul_i32(v...); });
    case BinaryOp::Div: return fn([](auto... v) { return floor_div_i32(v...); });
    case BinaryOp::Pow: return fn([](auto... v) { return pow_i32(v...); });
    case BinaryOp::Maximum: return fn([](I a, I b) { return a > b ? a : b; });
    case BinaryOp::Minimum: return fn([](I a, I b) { return a < b ? a : b; });
    case BinaryOp::SquaredDifference: return fn([](I a, I b) { return mul_i32(sub_i32(a, b), sub_i32(a, b)); });
    case BinaryOp::FloorMod: return fn([](auto... v) { return floor_mod_i32(v...); });
    default: return with_compare<I>(op, fn);
  }
}

template <class Fn>
void with_binary_bool(int32_t op, Fn&& fn) {
  using B = uint8_t;
  switch (op) {
    case BinaryOp::Equal: return fn([](B a, B b) { return B{(a != 0) == (b != 0)}; });
    case BinaryOp::NotEqual: return fn([](B a, B b) { return B{(a != 0) != (b != 0)}; });
    case BinaryOp::LogicalAnd: return fn([](B a, B b) { return B{a != 0 && b != 0}; });
    case BinaryOp::LogicalOr: return fn([](B a, B b) { return B{a != 0 || b != 0}; });
    default: return;
  }
}

}  // namespace sf
