// Generated from src/compiler/plan-format.ts by scripts/gen-plan-format.mjs. Do not edit.

export const PLAN_MAGIC: i32 = 1280329299;
export const PLAN_VERSION: i32 = 1;
export const ALIGN_BYTES: i32 = 64;
export const MAX_RANK: i32 = 8;
export const HEADER_WORDS: i32 = 16;
export const BUFFER_WORDS: i32 = 16;
export const VAR_WORDS: i32 = 12;
export const FUSED_INSTR_WORDS: i32 = 6;
export const WINDOW_ATTRS: i32 = 14;

export namespace Header {
  export const Magic: i32 = 0;
  export const Version: i32 = 1;
  export const NumBuffers: i32 = 2;
  export const NumSteps: i32 = 3;
  export const NumVars: i32 = 4;
  export const NumFeeds: i32 = 5;
  export const NumFetches: i32 = 6;
  export const ArenaBytes: i32 = 7;
  export const ConstBytes: i32 = 8;
  export const BuffersOffset: i32 = 9;
  export const VarsOffset: i32 = 10;
  export const FeedsOffset: i32 = 11;
  export const FetchesOffset: i32 = 12;
  export const StepsOffset: i32 = 13;
  export const ConstByteOffset: i32 = 14;
  export const TotalBytes: i32 = 15;
}

export namespace BufferField {
  export const DType: i32 = 0;
  export const Region: i32 = 1;
  export const ByteOffset: i32 = 2;
  export const ElementCount: i32 = 3;
  export const Rank: i32 = 4;
  export const Dims: i32 = 5;
}

export namespace VarField {
  export const Slot: i32 = 0;
  export const DType: i32 = 1;
  export const ElementCount: i32 = 2;
  export const Rank: i32 = 3;
  export const Dims: i32 = 4;
}

export namespace Region {
  export const Arena: i32 = 0;
  export const Constant: i32 = 1;
}

export namespace DTypeCode {
  export const float32: i32 = 1;
  export const int32: i32 = 3;
  export const bool: i32 = 10;
}

export namespace Kernel {
  export const Copy: i32 = 1;
  export const Fill: i32 = 2;
  export const Unary: i32 = 3;
  export const Binary: i32 = 4;
  export const Select: i32 = 5;
  export const Cast: i32 = 6;
  export const MatMul: i32 = 7;
  export const Reduce: i32 = 8;
  export const Transpose: i32 = 9;
  export const VarRead: i32 = 10;
  export const VarAssign: i32 = 11;
  export const Fused: i32 = 12;
  export const FusedReduce: i32 = 13;
  export const Softmax: i32 = 14;
  export const ArgReduce: i32 = 15;
  export const OneHot: i32 = 16;
  export const Gather: i32 = 17;
  export const ScatterAdd: i32 = 18;
  export const Random: i32 = 19;
  export const Shuffle: i32 = 20;
  export const ApplyUpdate: i32 = 21;
  export const Im2Col: i32 = 22;
  export const Col2Im: i32 = 23;
  export const Pool: i32 = 24;
  export const PoolGrad: i32 = 25;
  export const Conv2D: i32 = 26;
}

export namespace UnaryOp {
  export const Identity: i32 = 0;
  export const Neg: i32 = 1;
  export const Abs: i32 = 2;
  export const Square: i32 = 3;
  export const Sqrt: i32 = 4;
  export const Rsqrt: i32 = 5;
  export const Exp: i32 = 6;
  export const Log: i32 = 7;
  export const Relu: i32 = 8;
  export const Relu6: i32 = 9;
  export const Elu: i32 = 10;
  export const Sigmoid: i32 = 11;
  export const Tanh: i32 = 12;
  export const Softplus: i32 = 13;
  export const Sign: i32 = 14;
  export const Floor: i32 = 15;
  export const Ceil: i32 = 16;
  export const Round: i32 = 17;
  export const Reciprocal: i32 = 18;
  export const LogicalNot: i32 = 19;
  export const LeakyRelu: i32 = 20;
  export const Log1p: i32 = 21;
  export const Expm1: i32 = 22;
  export const Sin: i32 = 23;
  export const Cos: i32 = 24;
}

export namespace BinaryOp {
  export const Add: i32 = 1;
  export const Sub: i32 = 2;
  export const Mul: i32 = 3;
  export const Div: i32 = 4;
  export const Pow: i32 = 5;
  export const Maximum: i32 = 6;
  export const Minimum: i32 = 7;
  export const SquaredDifference: i32 = 8;
  export const FloorMod: i32 = 9;
  export const Equal: i32 = 10;
  export const NotEqual: i32 = 11;
  export const Less: i32 = 12;
  export const LessEqual: i32 = 13;
  export const Greater: i32 = 14;
  export const GreaterEqual: i32 = 15;
  export const LogicalAnd: i32 = 16;
  export const LogicalOr: i32 = 17;
}

export namespace ReduceOp {
  export const Sum: i32 = 1;
  export const Mean: i32 = 2;
  export const Max: i32 = 3;
  export const Min: i32 = 4;
  export const Prod: i32 = 5;
  export const Any: i32 = 6;
  export const All: i32 = 7;
}

export namespace AssignMode {
  export const Assign: i32 = 0;
  export const Add: i32 = 1;
  export const Sub: i32 = 2;
}

export namespace Status {
  export const Ok: i32 = 0;
  export const UninitializedVariable: i32 = 1;
  export const IntegerDivisionByZero: i32 = 2;
  export const NegativeIntegerPower: i32 = 3;
  export const OutOfMemory: i32 = 4;
  export const InvalidPlan: i32 = 5;
  export const IndexOutOfRange: i32 = 6;
}

export namespace FusedKind {
  export const Unary: i32 = 0;
  export const Binary: i32 = 1;
  export const Select: i32 = 2;
  export const Cast: i32 = 3;
  export const Const: i32 = 4;
}

export namespace ArgOp {
  export const Max: i32 = 0;
  export const Min: i32 = 1;
}

export namespace Distribution {
  export const Uniform: i32 = 0;
  export const Normal: i32 = 1;
  export const TruncatedNormal: i32 = 2;
}

export namespace UpdateKind {
  export const GradientDescent: i32 = 0;
  export const Momentum: i32 = 1;
  export const Adam: i32 = 2;
  export const RMSProp: i32 = 3;
}

export namespace Window {
  export const N: i32 = 0;
  export const H: i32 = 1;
  export const W: i32 = 2;
  export const C: i32 = 3;
  export const OH: i32 = 4;
  export const OW: i32 = 5;
  export const KH: i32 = 6;
  export const KW: i32 = 7;
  export const SH: i32 = 8;
  export const SW: i32 = 9;
  export const DH: i32 = 10;
  export const DW: i32 = 11;
  export const PT: i32 = 12;
  export const PL: i32 = 13;
}

export namespace PoolOp {
  export const Max: i32 = 0;
  export const Avg: i32 = 1;
}
