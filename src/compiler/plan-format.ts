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
 *   Unary      in[x] out[y] attr[op]        op: UnaryOp
 *   Binary     in[a,b] out[y] attr[op]      op: BinaryOp; numpy broadcasting
 *                                           from the buffers' shapes
 *   Select     in[cond,x,y] out[z]          z = cond ? x : y, broadcasting all three
 *   Cast       in[x] out[y]                 dtypes from the buffers
 *   MatMul     in[a,b(,bias)] out[c] attr[transA, transB, activation]
 *                                           2-D; bias [N] added before the
 *                                           activation (a UnaryOp, Identity = none)
 *   Reduce     in[x] out[y] attr[op, outer, n, inner]
 *                                           x viewed as [outer, n, inner], y as [outer, inner]
 *   Transpose  in[x] out[y] attr[perm...]   perm has rank(x) entries
 *   VarRead    out[y] attr[var]             var: index into the plan's var table
 *   VarAssign  in[v] out[] or out[y] attr[var, mode]
 *                                           mode: AssignMode; y = the new value
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
} as const;

export const GENERATED_CONSTANTS = {
  PLAN_MAGIC,
  PLAN_VERSION,
  ALIGN_BYTES,
  MAX_RANK,
  HEADER_WORDS,
  BUFFER_WORDS,
  VAR_WORDS,
} as const;
