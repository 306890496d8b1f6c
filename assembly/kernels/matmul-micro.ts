// The GEMM micro-kernels: an MR × NR tile of op(a)·op(b) over kc steps of k,
// from a packed A panel (MR values per k) and a packed B strip (NR values per
// k), with all accumulators in registers, then handed to c through TILE. The relaxed-SIMD module (built with
// `--enable relaxed-simd`, which sets ASC_FEATURE_RELAXED_SIMD) multiplies and
// adds in one f32x4.relaxed_madd; the baseline module with f32x4.mul + add.
//
//   microTile<f32>(aPanel, bStrip, kc); tileStore<f32>(c, ldc, rows, cols, bias, first);
export const MR: i32 = 4;
export const NR: i32 = 8;
/** The last tile computed, MR rows of NR elements. */
const TILE = memory.data(MR * NR * 4, 16);

/** acc + a·b; fused (single rounding) only in the relaxed-SIMD module. */
@inline function madd<T>(acc: v128, a: v128, b: v128): v128 {
  if (isFloat<T>() && ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return v128.add<T>(acc, v128.mul<T>(a, b));
}

/**
 * TILE = the MR × NR product of a packed A panel and a packed B strip. 4 × 8
 * keeps 8 accumulators, 2 B vectors and 4 broadcasts in x64's 16 registers
 * even though V8 hoists every load of an iteration: 6 × 8, or unrolling k,
 * makes it spill and runs a third slower.
 */
export function microTile<T>(a: usize, b: usize, kc: i32): void {
  const z = v128.splat<T>(<T>0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let x = v128.load32_splat(a);
    c00 = madd<T>(c00, x, b0); c01 = madd<T>(c01, x, b1);
    x = v128.load32_splat(a, 4);
    c10 = madd<T>(c10, x, b0); c11 = madd<T>(c11, x, b1);
    x = v128.load32_splat(a, 8);
    c20 = madd<T>(c20, x, b0); c21 = madd<T>(c21, x, b1);
    x = v128.load32_splat(a, 12);
    c30 = madd<T>(c30, x, b0); c31 = madd<T>(c31, x, b1);
    a += <usize>MR << 2;
    b += <usize>NR << 2;
  }
  v128.store(TILE, c00); v128.store(TILE, c01, 16);
  v128.store(TILE, c10, 32); v128.store(TILE, c11, 48);
  v128.store(TILE, c20, 64); v128.store(TILE, c21, 80);
  v128.store(TILE, c30, 96); v128.store(TILE, c31, 112);
}

/** Row `row` of TILE from row `row` of a packed A panel (for a few leftover rows). */
export function micro1x8<T>(a: usize, b: usize, kc: i32, row: i32): void {
  let c0 = v128.splat<T>(<T>0);
  let c1 = c0;
  a += <usize>row << 2;
  for (let k = 0; k < kc; k++) {
    const x = v128.load32_splat(a);
    c0 = madd<T>(c0, x, v128.load(b));
    c1 = madd<T>(c1, x, v128.load(b, 16));
    a += <usize>MR << 2;
    b += <usize>NR << 2;
  }
  const at = TILE + (<usize>(row * NR) << 2);
  v128.store(at, c0);
  v128.store(at, c1, 16);
}

/** One row of c: the tile row plus c (later k blocks) or plus the bias (the first). */
@inline function rowStore<T>(c: usize, t: usize, cols: i32, bias: usize, first: bool): void {
  if (cols == NR) {
    let v0 = v128.load(t);
    let v1 = v128.load(t, 16);
    const base = first ? bias : c;
    if (base) {
      v0 = v128.add<T>(v0, v128.load(base));
      v1 = v128.add<T>(v1, v128.load(base, 16));
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  for (let j = 0; j < cols; j++) {
    const at = <usize>j << 2;
    const base = first ? (bias ? load<T>(bias + at) : <T>0) : load<T>(c + at);
    store<T>(c + at, base + load<T>(t + at));
  }
}

/** Writes the top-left rows × cols of TILE into c (row stride ldc bytes). */
export function tileStore<T>(c: usize, ldc: usize, rows: i32, cols: i32, bias: usize, first: bool): void {
  for (let r = 0; r < rows; r++) {
    rowStore<T>(c + <usize>r * ldc, TILE + (<usize>(r * NR) << 2), cols, bias, first);
  }
}
