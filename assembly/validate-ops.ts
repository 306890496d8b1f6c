// Which UnaryOp and BinaryOp codes each dtype supports (docs/kernels.md).
//
//   unaryValid(UnaryOp.Relu, DTypeCode.int32)            // true
//   binaryValid(BinaryOp.Less, DTypeCode.int32, DTypeCode.bool) // true
import { BinaryOp, DTypeCode, UnaryOp } from './generated/plan_format';

/** True when UnaryOp `op` is defined on `dtype` (also used for MatMul activations). */
export function unaryValid(op: i32, dtype: i32): bool {
  if (dtype == DTypeCode.float32) {
    return op >= UnaryOp.Identity && op <= UnaryOp.Cos && op != UnaryOp.LogicalNot;
  }
  if (dtype == DTypeCode.bool) return op == UnaryOp.Identity || op == UnaryOp.LogicalNot;
  if (dtype != DTypeCode.int32) return false;
  return op == UnaryOp.Identity || op == UnaryOp.Neg || op == UnaryOp.Abs
    || op == UnaryOp.Square || op == UnaryOp.Sign || op == UnaryOp.Relu || op == UnaryOp.Relu6;
}

@inline function isNumeric(dtype: i32): bool {
  return dtype == DTypeCode.float32 || dtype == DTypeCode.int32;
}

/** True when BinaryOp `op` takes inputs of `dtype` and gives `out`. */
export function binaryValid(op: i32, dtype: i32, out: i32): bool {
  if (op >= BinaryOp.Add && op <= BinaryOp.FloorMod) return isNumeric(dtype) && out == dtype;
  if (op == BinaryOp.Equal || op == BinaryOp.NotEqual) return out == DTypeCode.bool;
  if (op >= BinaryOp.Less && op <= BinaryOp.GreaterEqual) return isNumeric(dtype) && out == DTypeCode.bool;
  if (op == BinaryOp.LogicalAnd || op == BinaryOp.LogicalOr) {
    return dtype == DTypeCode.bool && out == DTypeCode.bool;
  }
  return false;
}
