// Conv2D's A operand packed straight from the image: the panels packA would
// make from rows i0..i0+mc, columns pc..pc+kc of the Im2Col matrix (cols row
// m = window (n, oh, ow), column (kh, kw, c)), word for word, without the
// matrix. Each row walks its window's taps in the slice: an in-image tap
// copies its C channels (a contiguous run of x), a padding tap writes zeros,
// both MR words apart as the micro-kernel reads them. Only in-image taps are
// read (window-geometry.ts), so any validated geometry stays inside x.
//
//   windowLoad(step, 0);
//   packImagePanels(aBlock, x, i0, mc, pc, kc); // as packA(aBlock, cols, false, M, K, i0, mc, pc, kc)
import { MR } from './matmul-micro';
import { W, pixelAt, windowCols, windowRows } from './window-geometry';

const PANEL_STEP: usize = <usize>MR << 2;

@inline function copyStrided(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j++, dst += PANEL_STEP) store<u32>(dst, load<u32>(src + (<usize>j << 2)));
}

@inline function zeroStrided(dst: usize, n: i32): void {
  for (let j = 0; j < n; j++, dst += PANEL_STEP) store<u32>(dst, 0);
}

/** Columns pc..pc+kc of cols row m into dst, one word every MR. */
function panelRow(dst: usize, x: usize, m: i32, pc: i32, kc: i32): void {
  const t = m / W.ow;
  windowRows(t % W.oh);
  windowCols(m - t * W.ow);
  const n = t / W.oh;
  const C = W.c;
  const end = pc + kc;
  const tap = pc / C;
  let kh = tap / W.kw;
  let kw = tap - kh * W.kw;
  for (let k = tap * C; k < end; k += C) { // k: the tap's first column
    const from = max(k, pc);
    const count = min(k + C, end) - from;
    const out = dst + <usize>(from - pc) * PANEL_STEP;
    if (kh >= W.kh0 && kh < W.kh1 && kw >= W.kw0 && kw < W.kw1) {
      const pixel = pixelAt(x, n, W.ih0 + (kh - W.kh0) * W.dh, W.iw0 + (kw - W.kw0) * W.dw);
      copyStrided(out, pixel + (<usize>(from - k) << 2), count);
    } else zeroStrided(out, count);
    if (++kw == W.kw) {
      kw = 0;
      kh++;
    }
  }
}

/** Packs rows i0..i0+mc of the Im2Col matrix of x, columns pc..pc+kc (kc >= 1, C >= 1), panel after panel. */
export function packImagePanels(dst: usize, x: usize, i0: i32, mc: i32, pc: i32, kc: i32): void {
  const panelBytes = <usize>(kc * MR) << 2;
  for (let r = 0; r < mc; r += MR, dst += panelBytes) {
    const h = min(MR, mc - r);
    if (h < MR) memory.fill(dst, 0, panelBytes);
    for (let q = 0; q < h; q++) panelRow(dst + (<usize>q << 2), x, i0 + r + q, pc, kc);
  }
}
