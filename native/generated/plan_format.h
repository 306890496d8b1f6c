// Generated from src/compiler/plan-format.ts by scripts/gen-plan-format.mjs. Do not edit.
#pragma once
#include <cstdint>

namespace sf {

constexpr int32_t PLAN_MAGIC = 1280329299;
constexpr int32_t PLAN_VERSION = 1;
constexpr int32_t ALIGN_BYTES = 64;
constexpr int32_t MAX_RANK = 8;
constexpr int32_t HEADER_WORDS = 16;
constexpr int32_t BUFFER_WORDS = 16;
constexpr int32_t VAR_WORDS = 12;
constexpr int32_t FUSED_INSTR_WORDS = 6;
constexpr int32_t WINDOW_ATTRS = 14;

namespace Header {
enum : int32_t {
  Magic = 0,
  Version = 1,
  NumBuffers = 2,
  NumSteps = 3,
  NumVars = 4,
  NumFeeds = 5,
  NumFetches = 6,
  ArenaBytes = 7,
  ConstBytes = 8,
  BuffersOffset = 9,
  VarsOffset = 10,
  FeedsOffset = 11,
  FetchesOffset = 12,
  StepsOffset = 13,
  ConstByteOffset = 14,
  TotalBytes = 15,
};
}  // namespace Header

namespace BufferField {
enum : int32_t {
  DType = 0,
  Region = 1,
  ByteOffset = 2,
  ElementCount = 3,
  Rank = 4,
  Dims = 5,
};
}  // namespace BufferField

namespace VarField {
enum : int32_t {
  Slot = 0,
  DType = 1,
  ElementCount = 2,
  Rank = 3,
  Dims = 4,
};
}  // namespace VarField

namespace Region {
enum : int32_t {
  Arena = 0,
  Constant = 1,
};
}  // namespace Region

namespace DTypeCode {
enum : int32_t {
  float32 = 1,
  int32 = 3,
  bool_ = 10,
};
}  // namespace DTypeCode

namespace Kernel {
enum : int32_t {
  Copy = 1,
  Fill = 2,
  Unary = 3,
  Binary = 4,
  Select = 5,
  Cast = 6,
  MatMul = 7,
  Reduce = 8,
  Transpose = 9,
  VarRead = 10,
  VarAssign = 11,
  Fused = 12,
  FusedReduce = 13,
  Softmax = 14,
  ArgReduce = 15,
  OneHot = 16,
  Gather = 17,
  ScatterAdd = 18,
  Random = 19,
  Shuffle = 20,
  ApplyUpdate = 21,
  Im2Col = 22,
  Col2Im = 23,
  Pool = 24,
  PoolGrad = 25,
  Conv2D = 26,
};
}  // namespace Kernel

namespace UnaryOp {
enum : int32_t {
  Identity = 0,
  Neg = 1,
  Abs = 2,
  Square = 3,
  Sqrt = 4,
  Rsqrt = 5,
  Exp = 6,
  Log = 7,
  Relu = 8,
  Relu6 = 9,
  Elu = 10,
  Sigmoid = 11,
  Tanh = 12,
  Softplus = 13,
  Sign = 14,
  Floor = 15,
  Ceil = 16,
  Round = 17,
  Reciprocal = 18,
  LogicalNot = 19,
  LeakyRelu = 20,
  Log1p = 21,
  Expm1 = 22,
  Sin = 23,
  Cos = 24,
};
}  // namespace UnaryOp

namespace BinaryOp {
enum : int32_t {
  Add = 1,
  Sub = 2,
  Mul = 3,
  Div = 4,
  Pow = 5,
  Maximum = 6,
  Minimum = 7,
  SquaredDifference = 8,
  FloorMod = 9,
  Equal = 10,
  NotEqual = 11,
  Less = 12,
  LessEqual = 13,
  Greater = 14,
  GreaterEqual = 15,
  LogicalAnd = 16,
  LogicalOr = 17,
};
}  // namespace BinaryOp

namespace ReduceOp {
enum : int32_t {
  Sum = 1,
  Mean = 2,
  Max = 3,
  Min = 4,
  Prod = 5,
  Any = 6,
  All = 7,
};
}  // namespace ReduceOp

namespace AssignMode {
enum : int32_t {
  Assign = 0,
  Add = 1,
  Sub = 2,
};
}  // namespace AssignMode

namespace Status {
enum : int32_t {
  Ok = 0,
  UninitializedVariable = 1,
  IntegerDivisionByZero = 2,
  NegativeIntegerPower = 3,
  OutOfMemory = 4,
  InvalidPlan = 5,
  IndexOutOfRange = 6,
};
}  // namespace Status

namespace FusedKind {
enum : int32_t {
  Unary = 0,
  Binary = 1,
  Select = 2,
  Cast = 3,
  Const = 4,
};
}  // namespace FusedKind

namespace ArgOp {
enum : int32_t {
  Max = 0,
  Min = 1,
};
}  // namespace ArgOp

namespace Distribution {
enum : int32_t {
  Uniform = 0,
  Normal = 1,
  TruncatedNormal = 2,
};
}  // namespace Distribution

namespace UpdateKind {
enum : int32_t {
  GradientDescent = 0,
  Momentum = 1,
  Adam = 2,
  RMSProp = 3,
};
}  // namespace UpdateKind

namespace Window {
enum : int32_t {
  N = 0,
  H = 1,
  W = 2,
  C = 3,
  OH = 4,
  OW = 5,
  KH = 6,
  KW = 7,
  SH = 8,
  SW = 9,
  DH = 10,
  DW = 11,
  PT = 12,
  PL = 13,
};
}  // namespace Window

namespace PoolOp {
enum : int32_t {
  Max = 0,
  Avg = 1,
};
}  // namespace PoolOp

}  // namespace sf
