/**
 * The window geometry of NHWC convolution and pooling: TensorFlow's output
 * size and padding rule per spatial axis, and the WINDOW_ATTRS words of
 * plan-format.ts that the window kernels and Conv2D take.
 *
 *   const g = geometry([n, h, w, c], convAttrs(op.attrs, filterShape), describe);
 */
import type { Dim, Shape } from '../graph/shape.js';
import { WINDOW_ATTRS } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import type { InferArgs } from './registry.js';

export type Padding = 'SAME' | 'VALID';

/** Per spatial axis (height, width): window size (unknown while a filter's is), stride, dilation. */
export interface WindowAttrs {
  ksize: [Dim, Dim];
  strides: [number, number];
  dilations: [number, number];
  padding: Padding;
}

/** One spatial axis: the output size and the padding before the image (TensorFlow's rule). */
function axisWindow(input: Dim, k: Dim, stride: number, dilation: number, padding: Padding, describe: () => string): { out: Dim; padBefore: number } {
  if (input === null || k === null) return { out: null, padBefore: 0 };
  const effective = (k - 1) * dilation + 1;
  if (padding === 'VALID') {
    const out = Math.trunc((input - effective + stride) / stride);
    if (out < 0) {
      throw new InvalidArgumentError(`Computed output size would be negative: ${out} [input_size: ${input}, effective_filter_size: ${effective}, stride: ${stride}] for ${describe()}`);
    }
    return { out, padBefore: 0 };
  }
  const out = Math.ceil(input / stride);
  const padTotal = Math.max((out - 1) * stride + effective - input, 0);
  return { out, padBefore: Math.floor(padTotal / 2) };
}

/** The output [N, OH, OW, channels] of a window op over `image`. */
export function windowOutput(image: Shape, w: WindowAttrs, channels: Dim, describe: () => string): Dim[] {
  if (image === null) return [null, null, null, channels];
  const rows = axisWindow(image[1], w.ksize[0], w.strides[0], w.dilations[0], w.padding, describe);
  const cols = axisWindow(image[2], w.ksize[1], w.strides[1], w.dilations[1], w.padding, describe);
  return [image[0], rows.out, cols.out, channels];
}

/** The WINDOW_ATTRS words of plan-format.ts for a concrete image [N, H, W, C]. */
export function geometry(image: readonly number[], w: WindowAttrs, describe: () => string): number[] {
  const [n, h, wd, c] = image;
  const rows = axisWindow(h, w.ksize[0], w.strides[0], w.dilations[0], w.padding, describe);
  const cols = axisWindow(wd, w.ksize[1], w.strides[1], w.dilations[1], w.padding, describe);
  const g = [n, h, wd, c, rows.out!, cols.out!, w.ksize[0]!, w.ksize[1]!, ...w.strides, ...w.dilations, rows.padBefore, cols.padBefore];
  if (g.length !== WINDOW_ATTRS) throw new Error('unreachable: window geometry has the wrong length');
  return g;
}

export function convAttrs(attrs: InferArgs['attrs'], filter: Shape): WindowAttrs {
  return {
    ksize: [filter?.[0] ?? null, filter?.[1] ?? null],
    strides: attrs.strides as [number, number],
    dilations: attrs.dilations as [number, number],
    padding: attrs.padding as Padding,
  };
}

export function poolAttrs(attrs: InferArgs['attrs']): WindowAttrs {
  return { ksize: attrs.ksize as [number, number], strides: attrs.strides as [number, number], dilations: [1, 1], padding: attrs.padding as Padding };
}

/** A 1x1 window moved one pixel at a time over the whole image: the patches are the image's pixels. */
export function pointwise(g: readonly number[]): boolean {
  const [, h, w, , oh, ow, kh, kw, sh, sw, , , pt, pl] = g;
  return kh === 1 && kw === 1 && sh === 1 && sw === 1 && pt === 0 && pl === 0 && oh === h && ow === w;
}
