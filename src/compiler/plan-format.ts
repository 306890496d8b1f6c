/**
 * The ExecutionPlan format: the one source of truth for everything the
 * TypeScript compiler and the two backends (C++ in native/, AssemblyScript in
 * assembly/) must agree on. `npm run gen` writes native/generated/plan_format.h
 * and assembly/generated/plan_format.ts from this file; a test fails when the
 * committed copies drift.
 *
 * A plan is a little-endian Int32 word stream:
 *
 *   header   HEADER_WORDS words, indexed by `Header`
 *   buffers  numBuffers records of BUFFER_WORDS words, fields by `BufferField`
 *   vars     numVars records of VAR_WORDS words, fields by `VarField`
 *   feeds    numFeeds buffer ids (always Arena buffers)
 *   fetches  numFetches buffer ids (always Arena buffers)
 *   steps    numSteps variable-length records:
 *            kernel, nIn, nOut, nAttr, in[nIn], out[nOut], attr[nAttr]
 *   consts   the constants blob, starting at byte Header.ConstByteOffset
 *            (64-byte aligned); Constant-region buffers point into it
 *
 * Every buffer byte offset is a multiple of ALIGN_BYTES. The compiler
 * guarantees that feeds and fetches live in the Arena region, so a backend
 * copies feeds in and fetches out without looking at other regions.
 */

export const PLAN_MAGIC = 0x4c504653; // 'SFPL' read as a little-endian int32
export const PLAN_VERSION = 1;
export const ALIGN_BYTES = 64;
export const MAX_RANK = 8;
export const HEADER_WORDS = 16;
export const BUFFER_WORDS = 16;
export const VAR_WORDS = 12;

/** Word index of each header field. Offsets are in words from the plan start. */
export const Header = {
  Magic: 0,
  Version: 1,
  NumBuffers: 2,
  NumSteps: 3,
  NumVars: 4,
  NumFeeds: 5,
  NumFetches: 6,
  ArenaBytes: 7,
  ConstBytes: 8,
  BuffersOffset: 9,
  VarsOffset: 10,
  FeedsOffset: 11,
  FetchesOffset: 12,
  StepsOffset: 13,
  ConstByteOffset: 14,
  TotalBytes: 15,
} as const;

/** Word index of each field in a buffer record; Dims holds MAX_RANK words. */
export const BufferField = {
  DType: 0,
  Region: 1,
  ByteOffset: 2,
  ElementCount: 3,
  Rank: 4,
  Dims: 5,
} as const;

/** Word index of each field in a variable record; Dims holds MAX_RANK words. */
export const VarField = {
  Slot: 0,
  DType: 1,
  ElementCount: 2,
  Rank: 3,
  Dims: 4,
} as const;

/** Where a buffer lives: the session's scratch arena or the plan's constants. */
export const Region = {
  Arena: 0,
  Constant: 1,
} as const;

/** TensorFlow's DataType enum values, so codes read the same as in a GraphDef. */
export const DTypeCode = {
  float32: 1,
  int32: 3,
  bool: 10,
} as const;

/**
 * Kernel ids. Attribute layouts:
 *   Copy       in[x] out[y]                 byte copy, same byte size
 *   Fill       in[scalar] out[y]            every element of y = scalar
 *   Unary      in[x] out[y] attr[op(, param)]
 *                                           op: UnaryOp; param: float32 bits (LeakyRelu's alpha)
 *   Binary     in[a,b] out[y] attr[op]      op: BinaryOp; numpy broadcasting
 *                                           from the buffers' shapes
 *   Select     in[cond,x,y] out[z]          z = cond ? x : y, broadcasting all three
 *   Cast       in[x] out[y]                 dtypes from the buffers
 *   MatMul     in[a,b(,bias)] out[c] attr[transA, transB, activation(, param, bVar)]
 *                                           2-D; bias [N] added before the
 *                                           activation (a UnaryOp, Identity = none;
 *                                           param its float32-bits parameter).
 *                                           bVar >= 0: B is that var-table entry's
 *                                           storage, read as the row-major [K, N]
 *                                           ([N, K] with transB) matrix of its K*N
 *                                           elements (a conv filter [kh, kw, cin, N]
 *                                           is [kh*kw*cin, N]); the inputs are [a(,bias)]
 *   Reduce     in[x] out[y] attr[op, outer, n, inner]
 *                                           x viewed as [outer, n, inner], y as [outer, inner]
 *   Transpose  in[x] out[y] attr[perm...]   perm has rank(x) entries
 *   VarRead    out[y] attr[var]             var: index into the plan's var table
 *   VarAssign  in[v] out[] or out[y] attr[var, mode]
 *                                           mode: AssignMode; y = the new value
 *   Fused      in[x...] out[y] attr[nInstr, instr x nInstr]
 *                                           an elementwise program (FUSED_INSTR_WORDS
 *                                           words per instruction, see FusedKind);
 *                                           inputs broadcast to y's shape
 *   FusedReduce in[x...] out[y] attr[op, rank, dims[rank], first, last, nInstr, instr...]
 *                                           the program's values over `dims`, reduced
 *                                           over the contiguous axes first..last
 *   Softmax    in[x] out[y] attr[rows, cols, log]
 *                                           along the last axis; log: 1 for LogSoftmax
 *   ArgReduce  in[x] out[y:int32] attr[op, outer, n, inner]
 *                                           op: ArgOp; the first index wins ties; n >= 1
 *   OneHot     in[indices:int32, on, off] out[y] attr[depth]
 *                                           y = indices.shape + [depth]
 *   Gather     in[params, indices:int32] out[y] attr[outer, n, inner]
 *                                           params as [outer, n, inner] -> y [outer, m, inner]
 *   ScatterAdd in[updates, indices:int32] out[y] attr[outer, n, inner]
 *                                           y = zeros [outer, n, inner]; rows of updates
 *                                           [outer, m, inner] added at indices
 *   Random     out[y] attr[distribution, seed, seed2, stream, p0, p1]
 *                                           Philox4x32-10; p0, p1: float32 bits
 *                                           (minval/maxval or mean/stddev), int32
 *                                           for an int32 uniform
 *   Shuffle    in[x] out[y] attr[seed, seed2, stream]
 *                                           rows (first axis) in a random order
 *   ApplyUpdate in[grad, hyper...] out[] or out[y] attr[kind, var, slot0, slot1, flags]
 *                                           one optimizer step on a variable, in place
 *
 * The four window kernels below (float32) share one geometry, WINDOW_ATTRS
 * words indexed by `Window`: an NHWC image x [N, H, W, C], a window of
 * KH x KW taps spaced DH, DW apart, moved by SH, SW, with PT rows and PL
 * columns of padding before the image, giving OH x OW positions. Window
 * position (oh, ow), tap (kh, kw) reads image row oh*SH - PT + kh*DH and
 * column ow*SW - PL + kw*DW; taps outside the image are padding. Every size
 * is >= 0, KH, KW, SH, SW, DH, DW >= 1, PT, PL >= 0. No kernel's output may
 * overlap its inputs.
 *   Im2Col     in[x] out[cols] attr[geometry]
 *                                           cols [N*OH*OW, KH*KW*C]: row (n, oh, ow),
 *                                           column (kh, kw, c) = the tap's x, 0 for padding
 *   Col2Im     in[cols] out[x] attr[geometry]
 *                                           the adjoint of Im2Col: x = 0, then every
 *                                           in-image entry of cols added to its x
 *                                           element, in row-major order of cols
 *   Pool       in[x] out[y] attr[op, geometry]
 *                                           y [N, OH, OW, C]; op: PoolOp. Padding takes
 *                                           no part: Max is the largest in-image tap
 *                                           (NaN wins), Avg their float32 sum in (kh, kw)
 *                                           order divided by their count. A window with
 *                                           no in-image tap gives Max -FLT_MAX (as
 *                                           TensorFlow) and Avg 0
 *   PoolGrad   in[x, dy] (Max) or in[dy] (Avg) out[dx] attr[op, geometry]
 *                                           dx [N, H, W, C] = 0, then for each window in
 *                                           row-major (n, oh, ow, c) order: Max adds dy
 *                                           to the first in-image tap, in (kh, kw) order,
 *                                           equal to the window's Pool value (NaN equal
 *                                           to NaN); Avg adds dy / count (one division,
 *                                           then the same quotient) to every in-image tap
 *   Conv2D     in[x, filter(, bias)] out[y] attr[geometry, activation(, param, filterVar)]
 *                                           y [N, OH, OW, O] = MatMul of Im2Col(x) by the
 *                                           filter [KH, KW, C, O] read as [KH*KW*C, O], with
 *                                           MatMul's bias [O] and activation epilogue: on a
 *                                           backend, bit for bit what Im2Col then MatMul
 *                                           give, without the Im2Col matrix. filterVar >= 0:
 *                                           the filter is that var-table entry's storage
 *                                           and the inputs are [x(, bias)]
 */
export const Kernel = {
  Copy: 1,
  Fill: 2,
  Unary: 3,
  Binary: 4,
  Select: 5,
  Cast: 6,
  MatMul: 7,
  Reduce: 8,
  Transpose: 9,
  VarRead: 10,
  VarAssign: 11,
  Fused: 12,
  FusedReduce: 13,
  Softmax: 14,
  ArgReduce: 15,
  OneHot: 16,
  Gather: 17,
  ScatterAdd: 18,
  Random: 19,
  Shuffle: 20,
  ApplyUpdate: 21,
  Im2Col: 22,
  Col2Im: 23,
  Pool: 24,
  PoolGrad: 25,
  Conv2D: 26,
} as const;

/** Words of a window kernel's geometry (see Kernel), in this order. */
export const Window = {
  N: 0,
  H: 1,
  W: 2,
  C: 3,
  OH: 4,
  OW: 5,
  KH: 6,
  KW: 7,
  SH: 8,
  SW: 9,
  DH: 10,
  DW: 11,
  PT: 12,
  PL: 13,
} as const;
export const WINDOW_ATTRS = 14;

export const PoolOp = {
  Max: 0,
  Avg: 1,
} as const;

/** Words per instruction of a Fused program: kind, op, dtype, a, b, c. */
export const FUSED_INSTR_WORDS = 6;

/**
 * Instruction kinds of a Fused program. Registers 0..k-1 hold the k inputs;
 * instruction i defines register k+i of dtype `dtype`; the last register is
 * the result.
 *   Unary   op: UnaryOp, a: register, c: param (float32 bits)
 *   Binary  op: BinaryOp, a, b: registers
 *   Select  a: bool register, b: then, c: else
 *   Cast    a: register converted to `dtype`
 *   Const   a: the value's 32 bits (float32 bits, int32, or 0/1 for bool)
 */
export const FusedKind = {
  Unary: 0,
  Binary: 1,
  Select: 2,
  Cast: 3,
  Const: 4,
} as const;

export const ArgOp = {
  Max: 0,
  Min: 1,
} as const;

export const Distribution = {
  Uniform: 0,
  Normal: 1,
  TruncatedNormal: 2,
} as const;

/**
 * Optimizer steps (TensorFlow's training ops). Hyperparameter inputs are
 * one-element float32 buffers, in this order:
 *   GradientDescent in[grad, lr]
 *   Momentum        in[grad, lr, momentum]            slot0 accum; flags 1 = Nesterov
 *   Adam            in[grad, lr, beta1, beta2, epsilon, beta1Power, beta2Power]
 *                                                     slot0 m, slot1 v
 *   RMSProp         in[grad, lr, rho, momentum, epsilon]  slot0 ms, slot1 mom
 */
export const UpdateKind = {
  GradientDescent: 0,
  Momentum: 1,
  Adam: 2,
  RMSProp: 3,
} as const;

/** Elementwise unary functions. Identity doubles as "no activation". */
export const UnaryOp = {
  Identity: 0,
  Neg: 1,
  Abs: 2,
  Square: 3,
  Sqrt: 4,
  Rsqrt: 5,
  Exp: 6,
  Log: 7,
  Relu: 8,
  Relu6: 9,
  Elu: 10,
  Sigmoid: 11,
  Tanh: 12,
  Softplus: 13,
  Sign: 14,
  Floor: 15,
  Ceil: 16,
  Round: 17,
  Reciprocal: 18,
  LogicalNot: 19,
  LeakyRelu: 20,
  Log1p: 21,
  Expm1: 22,
  Sin: 23,
  Cos: 24,
} as const;

/** Elementwise binary functions (comparisons produce bool). */
export const BinaryOp = {
  Add: 1,
  Sub: 2,
  Mul: 3,
  Div: 4,
  Pow: 5,
  Maximum: 6,
  Minimum: 7,
  SquaredDifference: 8,
  FloorMod: 9,
  Equal: 10,
  NotEqual: 11,
  Less: 12,
  LessEqual: 13,
  Greater: 14,
  GreaterEqual: 15,
  LogicalAnd: 16,
  LogicalOr: 17,
} as const;

export const ReduceOp = {
  Sum: 1,
  Mean: 2,
  Max: 3,
  Min: 4,
  Prod: 5,
  Any: 6,
  All: 7,
} as const;

export const AssignMode = {
  Assign: 0,
  Add: 1,
  Sub: 2,
} as const;

/** What a backend's run returns; the error's step index and argument come with it. */
export const Status = {
  Ok: 0,
  UninitializedVariable: 1, // arg: index into the plan's var table
  IntegerDivisionByZero: 2,
  NegativeIntegerPower: 3,
  OutOfMemory: 4, // arg: bytes requested, saturated at 2^31-1
  InvalidPlan: 5,
  IndexOutOfRange: 6, // arg: the position in the indices buffer
} as const;

export type KernelId = (typeof Kernel)[keyof typeof Kernel];
export type UnaryOpCode = (typeof UnaryOp)[keyof typeof UnaryOp];
export type BinaryOpCode = (typeof BinaryOp)[keyof typeof BinaryOp];
export type ReduceOpCode = (typeof ReduceOp)[keyof typeof ReduceOp];
export type StatusCode = (typeof Status)[keyof typeof Status];

/** The tables the generator turns into a C++ header and an AssemblyScript module. */
export const GENERATED_ENUMS = {
  Header,
  BufferField,
  VarField,
  Region,
  DTypeCode,
  Kernel,
  UnaryOp,
  BinaryOp,
  ReduceOp,
  AssignMode,
  Status,
  FusedKind,
  ArgOp,
  Distribution,
  UpdateKind,
  Window,
  PoolOp,
} as const;

export const GENERATED_CONSTANTS = {
  PLAN_MAGIC,
  PLAN_VERSION,
  ALIGN_BYTES,
  MAX_RANK,
  HEADER_WORDS,
  BUFFER_WORDS,
  VAR_WORDS,
  FUSED_INSTR_WORDS,
  WINDOW_ATTRS,
} as const;
