// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011): a counter-based generator, so element i of a run is a pure
// function of (counter, key) and every backend draws the same bits.
//
//   philox(i, r, t, 0, seed, seed2); // then philoxWord(0..3)
//
// The four output words land in module globals rather than memory: kernels
// call this once per element and read one or two words.

const M0: u64 = 0xD2511F53;
const M1: u64 = 0xCD9E8D57;
const W0: u32 = 0x9E3779B9;
const W1: u32 = 0xBB67AE85;
const ROUNDS: i32 = 10;

let x0: u32 = 0;
let x1: u32 = 0;
let x2: u32 = 0;
let x3: u32 = 0;

/** Runs the ten rounds on counter (c0..c3) with key (k0, k1). */
export function philox(c0: u32, c1: u32, c2: u32, c3: u32, k0: u32, k1: u32): void {
  for (let round = 0; round < ROUNDS; round++) {
    const p0 = M0 * <u64>c0; // 32x32 -> 64 bits, exact in u64
    const p1 = M1 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += W0;
    k1 += W1;
  }
  x0 = c0;
  x1 = c1;
  x2 = c2;
  x3 = c3;
}

/** Word `k` (0..3) of the last philox() output; folds to a global read for a constant k. */
@inline export function philoxWord(k: i32): u32 {
  return k == 0 ? x0 : k == 1 ? x1 : k == 2 ? x2 : x3;
}

/** A float in [0, 1) from the top 23 bits of `bits`: the mantissa of a float in [1, 2). */
@inline export function unitFloat(bits: u32): f32 {
  return reinterpret<f32>((bits >> 9) | 0x3F800000) - 1;
}

/** The high 32 bits of bits * range: `bits` scaled into [0, range). */
@inline export function scaled(bits: u32, range: u32): u32 {
  return <u32>((<u64>bits * <u64>range) >> 32);
}
