// Conv2D's A operand packed straight from the image: the panels packA would
// make from rows i0..i0+mc, columns pc..pc+kc of the Im2Col matrix (cols row
// m = window (n, oh, ow), column (kh, kw, c)), word for word, without the
// matrix. A row goes tap row by tap row, as Im2Col does: the columns of tap
// row kh are zeros, then its in-image taps (with DW = 1 one contiguous run of
// x, else C channels per tap), then zeros again, all clipped to the slice
// and written MR words apart as the micro-kernel reads them. Only in-image
// taps are read (window-geometry.ts), so any validated geometry stays inside x.
//
//   windowLoad(step, 0);
//   packImagePanels(aBlock, x, i0, mc, pc, kc); // as packA(aBlock, cols, false, M, K, i0, mc, pc, kc)
import { MR } from './matmul-micro';
import { W, pixelAt, tapColBytes, windowCols, windowRows } from './window-geometry';

const PANEL_STEP: usize = <usize>MR << 2;

@inline function copyStrided(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j++, dst += PANEL_STEP) store<u32>(dst, load<u32>(src + (<usize>j << 2)));
}

@inline function zeroStrided(dst: usize, n: i32): void {
  for (let j = 0; j < n; j++, dst += PANEL_STEP) store<u32>(dst, 0);
}

/**
 * Columns j0..j1 of a tap row's in-image span (DW > 1), whose first tap's
 * pixel is at `src`: runs of `run` (C) words, runBytes apart in x; `out`
 * takes column j0.
 */
function copySpan(out: usize, src: usize, j0: i32, j1: i32, run: i32, runBytes: usize): void {
  for (let j = j0; j < j1;) {
    const t = j / run;
    const c = j - t * run;
    const n = min(run - c, j1 - j);
    copyStrided(out + <usize>(j - j0) * PANEL_STEP, src + <usize>t * runBytes + (<usize>c << 2), n);
    j += n;
  }
}

/** The window of the row being packed: image n, output row oh, column ow. */
let curN: i32 = 0;
let curOh: i32 = 0;
let curOw: i32 = 0;

/** Points the window state at cols row m (windowRows and windowCols). */
function rowSeek(m: i32): void {
  const t = m / W.ow;
  curOw = m - t * W.ow;
  curOh = t % W.oh;
  curN = t / W.oh;
  windowRows(curOh);
  windowCols(curOw);
}

/** Moves the window state to the next cols row, recomputing the rows' taps only when oh changes. */
function rowNext(): void {
  if (++curOw == W.ow) {
    curOw = 0;
    if (++curOh == W.oh) {
      curOh = 0;
      curN++;
    }
    windowRows(curOh);
  }
  windowCols(curOw);
}

/** Columns pc..pc+kc of the current cols row into dst, one word every MR. */
function panelRow(dst: usize, x: usize, pc: i32, kc: i32): void {
  const tapRow = W.kw * W.c;
  const span = (W.kw1 - W.kw0) * W.c; // in-image columns of a tap row inside the image
  const runBytes = tapColBytes();
  const end = pc + kc;
  for (let kh = pc / tapRow, row = kh * tapRow; row < end; kh++, row += tapRow) {
    const inside = kh >= W.kh0 && kh < W.kh1;
    const a = row + W.kw0 * W.c; // the span is columns a..b of the matrix
    const b = inside ? a + span : a;
    const zeros0 = max(row, pc);
    const zeros1 = min(a, end);
    if (zeros0 < zeros1) zeroStrided(dst + <usize>(zeros0 - pc) * PANEL_STEP, zeros1 - zeros0);
    const from = max(a, pc);
    const to = min(b, end);
    if (from < to) {
      const src = pixelAt(x, curN, W.ih0 + (kh - W.kh0) * W.dh, W.iw0);
      const out = dst + <usize>(from - pc) * PANEL_STEP;
      if (W.dw == 1) copyStrided(out, src + (<usize>(from - a) << 2), to - from); // one run of x
      else copySpan(out, src, from - a, to - a, W.c, runBytes);
    }
    const tail0 = max(b, pc);
    const tail1 = min(row + tapRow, end);
    if (tail0 < tail1) zeroStrided(dst + <usize>(tail0 - pc) * PANEL_STEP, tail1 - tail0);
  }
}

/** Packs rows i0..i0+mc of the Im2Col matrix of x, columns pc..pc+kc (kc >= 1, C >= 1), panel after panel. */
export function packImagePanels(dst: usize, x: usize, i0: i32, mc: i32, pc: i32, kc: i32): void {
  const panelBytes = <usize>(kc * MR) << 2;
  rowSeek(i0);
  for (let r = 0; r < mc; r += MR, dst += panelBytes) {
    const h = min(MR, mc - r);
    if (h < MR) memory.fill(dst, 0, panelBytes);
    for (let q = 0; q < h; q++) {
      if (r + q > 0) rowNext();
      panelRow(dst + (<usize>q << 2), x, pc, kc);
    }
  }
}
