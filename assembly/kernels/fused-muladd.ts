// The Fused evaluator's multiply-add: an Add or Sub one of whose operands is a
// float32 Mul of a register by a scalar that nothing else reads runs as one
// pass, y = x*c ± b or b - x*c, with the product rounded before the sum
// exactly as the two instructions would (no fused multiply-add), so results
// do not change; only a pass over the tile and its store and reload go.
//
//   mulAddRows(BinaryOp.Sub, false, x, 0.25, t, 1, y, n); // y = t - x*0.25
import { BinaryOp } from '../generated/plan_format';

/** p ± b or b - p; `sub` and `left` are constants after inlining. */
@inline function combine(p: v128, b: v128, sub: bool, left: bool): v128 {
  if (!sub) return f32x4.add(p, b);
  return left ? f32x4.sub(p, b) : f32x4.sub(b, p);
}

@inline function combineScalar(p: f32, b: f32, sub: bool, left: bool): f32 {
  if (!sub) return p + b;
  return left ? p - b : b - p;
}

/** One row; b's element stride is sb (0 or 1), x's is 1. */
@inline function mulAddRow(x: usize, c: f32, b: usize, sb: i32, y: usize, n: i32, sub: bool, left: bool): void {
  const vc = f32x4.splat(c);
  const vb = v128.load32_splat(b);
  let i = 0;
  for (; i + 16 <= n; i += 16) { // four vectors per iteration, as the Binary rows
    const at = <usize>i << 2;
    const b0 = sb ? v128.load(b + at) : vb;
    const b1 = sb ? v128.load(b + at, 16) : vb;
    const b2 = sb ? v128.load(b + at, 32) : vb;
    const b3 = sb ? v128.load(b + at, 48) : vb;
    const v0 = combine(f32x4.mul(v128.load(x + at), vc), b0, sub, left);
    const v1 = combine(f32x4.mul(v128.load(x + at, 16), vc), b1, sub, left);
    const v2 = combine(f32x4.mul(v128.load(x + at, 32), vc), b2, sub, left);
    const v3 = combine(f32x4.mul(v128.load(x + at, 48), vc), b3, sub, left);
    v128.store(y + at, v0);
    v128.store(y + at, v1, 16);
    v128.store(y + at, v2, 32);
    v128.store(y + at, v3, 48);
  }
  for (; i < n; i++) {
    const p = load<f32>(x + (<usize>i << 2)) * c;
    store<f32>(y + (<usize>i << 2), combineScalar(p, load<f32>(b + (<usize>(i * sb) << 2)), sub, left));
  }
}

/** Two loops per case (b a row or one value), so the stride test leaves the loop. */
@inline export function mulAddCase(x: usize, c: f32, b: usize, sb: i32, y: usize, n: i32, sub: bool, left: bool): void {
  if (sb) mulAddRow(x, c, b, 1, y, n, sub, left);
  else mulAddRow(x, c, b, 0, y, n, sub, left);
}

/**
 * y[i] = x[i]*c op b[i * sb] when `left` (the product is op's first operand),
 * else b[i * sb] op x[i]*c; op is BinaryOp.Add or BinaryOp.Sub, float32.
 */
export function mulAddRows(op: i32, left: bool, x: usize, c: f32, b: usize, sb: i32, y: usize, n: i32): void {
  if (op != BinaryOp.Sub) mulAddCase(x, c, b, sb, y, n, false, true); // addition commutes
  else if (left) mulAddCase(x, c, b, sb, y, n, true, true);
  else mulAddCase(x, c, b, sb, y, n, true, false);
}
