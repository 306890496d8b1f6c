// The NHWC window geometry shared by Im2Col, Col2Im, Pool and PoolGrad
// (plan-format.ts, `Window`): read once per step into W, then, per window
// position, the range of its taps that fall inside the image. Kernels only
// ever touch in-image taps, so a validated plan cannot reach outside x, even
// with windows far larger than the image or wholly in the padding.
//
//   windowLoad(step, geometryAt(kernel));
//   windowRows(oh); windowCols(ow); // taps W.kh0..W.kh1 x W.kw0..W.kw1, first at (W.ih0, W.iw0)
import { Window } from '../generated/plan_format';
import { stepAttr } from '../plan';

@unmanaged class Geometry {
  n: i32;
  h: i32;
  w: i32;
  c: i32;
  oh: i32;
  ow: i32;
  kh: i32;
  kw: i32;
  sh: i32;
  sw: i32;
  dh: i32;
  dw: i32;
  pt: i32;
  pl: i32;
  /** The current window's in-image taps: rows kh0..kh1 (exclusive) and the image row of kh0. */
  kh0: i32;
  kh1: i32;
  ih0: i32;
  /** Columns kw0..kw1 (exclusive) and the image column of kw0. */
  kw0: i32;
  kw1: i32;
  iw0: i32;
}
/** The current step's geometry (the module is single-threaded). */
export const W = changetype<Geometry>(memory.data(offsetof<Geometry>(), 16));

export function windowLoad(step: usize, at: i32): void {
  W.n = stepAttr(step, at + Window.N);
  W.h = stepAttr(step, at + Window.H);
  W.w = stepAttr(step, at + Window.W);
  W.c = stepAttr(step, at + Window.C);
  W.oh = stepAttr(step, at + Window.OH);
  W.ow = stepAttr(step, at + Window.OW);
  W.kh = stepAttr(step, at + Window.KH);
  W.kw = stepAttr(step, at + Window.KW);
  W.sh = stepAttr(step, at + Window.SH);
  W.sw = stepAttr(step, at + Window.SW);
  W.dh = stepAttr(step, at + Window.DH);
  W.dw = stepAttr(step, at + Window.DW);
  W.pt = stepAttr(step, at + Window.PT);
  W.pl = stepAttr(step, at + Window.PL);
}

let tapFirst: i32 = 0;
let tapEnd: i32 = 0;

/**
 * The taps t in [0, k) of one axis with 0 <= base + t*d < size, as
 * [tapFirst, tapEnd) (both 0 when none). In i64: o*s - pad and t*d overflow
 * int32 for the extreme attributes a plan may carry.
 */
function axisTaps(base: i64, d: i32, k: i32, size: i32): void {
  const step = <i64>d;
  if (base >= 0 && base + <i64>(k - 1) * step < <i64>size) { // the common, wholly inside case
    tapFirst = 0;
    tapEnd = k;
    return;
  }
  const first = base >= 0 ? 0 : (-base + step - 1) / step;
  const end = base >= <i64>size ? 0 : min<i64>(<i64>k, (<i64>size - 1 - base) / step + 1);
  const empty = first >= end;
  tapFirst = empty ? 0 : <i32>first;
  tapEnd = empty ? 0 : <i32>end;
}

/** The in-image rows of the windows at output row oh. */
export function windowRows(oh: i32): void {
  const base = <i64>oh * <i64>W.sh - <i64>W.pt;
  axisTaps(base, W.dh, W.kh, W.h);
  W.kh0 = tapFirst;
  W.kh1 = tapEnd;
  W.ih0 = <i32>(base + <i64>tapFirst * <i64>W.dh);
}

/** The in-image columns of the windows at output column ow. */
export function windowCols(ow: i32): void {
  const base = <i64>ow * <i64>W.sw - <i64>W.pl;
  axisTaps(base, W.dw, W.kw, W.w);
  W.kw0 = tapFirst;
  W.kw1 = tapEnd;
  W.iw0 = <i32>(base + <i64>tapFirst * <i64>W.dw);
}

/** How many of the current window's taps are in the image. */
@inline export function windowCount(): i32 { return (W.kh1 - W.kh0) * (W.kw1 - W.kw0); }

/** Address of element (ih, iw, 0) of image n of the NHWC buffer at `x`. */
@inline export function pixelAt(x: usize, n: i32, ih: i32, iw: i32): usize {
  return x + (<usize>(((n * W.h + ih) * W.w + iw) * W.c) << 2);
}

/** Bytes between two taps a row (DH image rows) and a column (DW image columns) apart. */
@inline export function tapRowBytes(): usize { return <usize>W.dh * <usize>W.w * <usize>W.c << 2; }
@inline export function tapColBytes(): usize { return <usize>W.dw * <usize>W.c << 2; }
