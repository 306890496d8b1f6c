// Im2Col and its adjoint Col2Im over the NHWC window geometry (float32; see
// window-geometry.ts). Im2Col writes each cols row (n, oh, ow) tap row by tap
// row: with DW = 1 a tap row's in-image taps are one contiguous run of the
// image, copied at once, and the padding around it is zero-filled. Col2Im
// adds cols into the zeroed image window after window in row-major order of
// cols, so every image element sums its entries in that order (the taps of
// one window are distinct pixels, so their channels go four at a time).
//
//   im2colKernel(plan, step); // in[x] out[cols] attr[geometry]
//   col2imKernel(plan, step); // in[cols] out[x] attr[geometry]
import { Status } from '../generated/plan_format';
import { Plan, bufferPointer, bufferRecord, recCount, stepIn, stepOut } from '../plan';
import { W, pixelAt, tapColBytes, windowCols, windowLoad, windowRows } from './window-geometry';

/** Runs this long or longer go through memory.copy / memory.fill (a call in V8); shorter ones inline. */
const BULK_FLOATS: i32 = 64;

@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  if (n >= BULK_FLOATS) {
    memory.copy(dst, src, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), load<u32>(src + (<usize>i << 2)));
}

@inline function zeroFloats(dst: usize, n: i32): void {
  if (n >= BULK_FLOATS) {
    memory.fill(dst, 0, <usize>n << 2);
    return;
  }
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), i32x4.splat(0));
  for (; i < n; i++) store<u32>(dst + (<usize>i << 2), 0);
}

/** dst[i] += src[i] for n floats (no contraction: the same bits on every build). */
@inline export function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = dst + (<usize>i << 2);
    v128.store(p, f32x4.add(v128.load(p), v128.load(src + (<usize>i << 2))));
  }
  for (; i < n; i++) {
    const p = dst + (<usize>i << 2);
    store<f32>(p, load<f32>(p) + load<f32>(src + (<usize>i << 2)));
  }
}

/** One cols row: the current window (windowRows/windowCols) of image n, padding as zeros. */
function im2colRow(x: usize, n: i32, dst: usize): void {
  const C = W.c;
  const tapRow = W.kw * C;
  const kw0 = W.kw0;
  const kw1 = W.kw1;
  const colBytes = tapColBytes();
  for (let kh = 0; kh < W.kh; kh++, dst += <usize>tapRow << 2) {
    if (kh < W.kh0 || kh >= W.kh1 || kw0 == kw1) {
      zeroFloats(dst, tapRow);
      continue;
    }
    const src = pixelAt(x, n, W.ih0 + (kh - W.kh0) * W.dh, W.iw0);
    zeroFloats(dst, kw0 * C);
    if (W.dw == 1) copyFloats(dst + (<usize>(kw0 * C) << 2), src, (kw1 - kw0) * C);
    else {
      for (let kw = kw0; kw < kw1; kw++) {
        copyFloats(dst + (<usize>(kw * C) << 2), src + <usize>(kw - kw0) * colBytes, C);
      }
    }
    zeroFloats(dst + (<usize>(kw1 * C) << 2), (W.kw - kw1) * C);
  }
}

export function im2colKernel(plan: Plan, step: usize): i32 {
  const out = stepOut(step, 0);
  if (recCount(bufferRecord(plan, out)) == 0) return Status.Ok; // also bounds every loop below
  windowLoad(step, 0);
  const x = bufferPointer(plan, stepIn(step, 0));
  const rowBytes = <usize>(W.kh * W.kw * W.c) << 2;
  let dst = bufferPointer(plan, out);
  for (let n = 0; n < W.n; n++) {
    for (let oh = 0; oh < W.oh; oh++) {
      windowRows(oh);
      for (let ow = 0; ow < W.ow; ow++, dst += rowBytes) {
        windowCols(ow);
        im2colRow(x, n, dst);
      }
    }
  }
  return Status.Ok;
}

/** Adds one cols row (the current window of image n) into x. */
function col2imRow(src: usize, n: i32, x: usize): void {
  const C = W.c;
  const kw0 = W.kw0;
  const kw1 = W.kw1;
  if (kw0 == kw1) return;
  const colBytes = tapColBytes();
  for (let kh = W.kh0; kh < W.kh1; kh++) {
    const dst = pixelAt(x, n, W.ih0 + (kh - W.kh0) * W.dh, W.iw0);
    const taps = src + (<usize>((kh * W.kw + kw0) * C) << 2);
    if (W.dw == 1) addFloats(dst, taps, (kw1 - kw0) * C);
    else {
      for (let kw = kw0; kw < kw1; kw++) {
        addFloats(dst + <usize>(kw - kw0) * colBytes, taps + (<usize>((kw - kw0) * C) << 2), C);
      }
    }
  }
}

export function col2imKernel(plan: Plan, step: usize): i32 {
  const rx = bufferRecord(plan, stepOut(step, 0));
  const x = bufferPointer(plan, stepOut(step, 0));
  memory.fill(x, 0, <usize>recCount(rx) << 2);
  const cols = stepIn(step, 0);
  if (recCount(bufferRecord(plan, cols)) == 0) return Status.Ok; // also bounds every loop below
  windowLoad(step, 0);
  const rowBytes = <usize>(W.kh * W.kw * W.c) << 2;
  let src = bufferPointer(plan, cols);
  for (let n = 0; n < W.n; n++) {
    for (let oh = 0; oh < W.oh; oh++) {
      windowRows(oh);
      for (let ow = 0; ow < W.ow; ow++, src += rowBytes) {
        windowCols(ow);
        col2imRow(src, n, x);
      }
    }
  }
  return Status.Ok;
}
