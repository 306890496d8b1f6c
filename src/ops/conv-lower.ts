/**
 * How convolution and pooling become plan steps. A convolution is one Conv2D
 * step (the GEMM of its patches by the filter, without writing the patches);
 * a 1x1 stride-1 one is a MatMul of the image. Its gradients are convolutions
 * too, between transposes; only a strided input gradient takes Col2Im.
 */
import { float32, int32 } from '../graph/dtypes.js';
import { Kernel, PoolOp, UnaryOp } from '../compiler/plan-format.js';
import { convAttrs, geometry, pointwise, poolAttrs } from './conv-geometry.js';
import type { LowerContext } from './registry.js';

const describeOp = (ctx: LowerContext) => () => `'${ctx.op.name}' (op: '${ctx.op.type}')`;

/** One Conv2D step (Im2Col and the GEMM at once); a 1x1 stride-1 convolution is a MatMul of the image. */
export function lowerConv2D(ctx: LowerContext): void {
  const filter = ctx.inputShapes[1];
  const g = geometry(ctx.inputShapes[0], convAttrs(ctx.op.attrs, filter), describeOp(ctx));
  const [n, , , c, oh, ow, kh, kw] = g;
  const cout = filter[3];
  const out = ctx.output(0);
  if (!pointwise(g)) {
    ctx.emit(Kernel.Conv2D, [ctx.input(0), ctx.input(1)], [out], [...g, UnaryOp.Identity]);
    return;
  }
  const weights = ctx.view(ctx.input(1), [kh * kw * c, cout]);
  ctx.emit(Kernel.MatMul, [ctx.view(ctx.input(0), [n * oh * ow, c]), weights], [ctx.view(out, [n * oh * ow, cout])], [0, 0, UnaryOp.Identity]);
}

/**
 * dx, the convolution transposed. With stride 1 that is itself a convolution:
 * of dy by the filter flipped in space with its channel axes swapped, padded by
 * the window's span less the forward padding, so it runs as one Conv2D (no
 * [M, kh*kw*cin] matrix). Larger strides spread dy's values apart instead: there
 * dx = Col2Im(dy x filter^T), each tap's share of every output position it fed.
 */
export function lowerBackpropInput(ctx: LowerContext): void {
  const filter = ctx.inputShapes[0];
  const image = ctx.outputShapes[0];
  const g = geometry(image, convAttrs(ctx.op.attrs, filter), describeOp(ctx));
  const [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = g;
  const cout = filter[3];
  const out = ctx.output(0);
  if (pointwise(g) || sh !== 1 || sw !== 1) {
    const dy = ctx.view(ctx.input(1), [n * oh * ow, cout]);
    const weights = ctx.view(ctx.input(0), [kh * kw * c, cout]);
    if (pointwise(g)) {
      ctx.emit(Kernel.MatMul, [dy, weights], [ctx.view(out, [n * h * w, c])], [0, 1, UnaryOp.Identity]);
      return;
    }
    const rows = ctx.temp(float32, [n * oh * ow, kh * kw * c]);
    ctx.emit(Kernel.MatMul, [dy, weights], [rows], [0, 1, UnaryOp.Identity]);
    ctx.emit(Kernel.Col2Im, [rows], [out], g);
    return;
  }
  const taps = kh * kw;
  // Tap (kh, kw) -> (kh-1-kh, kw-1-kw) is tap t -> taps-1-t: one gather reverses both axes.
  const reversed = ctx.constant(int32, [taps], Int32Array.from({ length: taps }, (_, t) => taps - 1 - t));
  const flipped = ctx.temp(float32, [1, taps, c * cout]);
  ctx.emit(Kernel.Gather, [ctx.view(ctx.input(0), [1, taps, c * cout]), reversed], [flipped], [1, taps, c * cout]);
  const swapped = ctx.temp(float32, [taps, cout, c]);
  ctx.emit(Kernel.Transpose, [ctx.view(flipped, [taps, c, cout])], [swapped], [0, 2, 1]);
  const back = [n, oh, ow, cout, h, w, kh, kw, 1, 1, dh, dw, (kh - 1) * dh - pt, (kw - 1) * dw - pl];
  ctx.emit(Kernel.Conv2D, [ctx.input(1), ctx.view(swapped, [kh, kw, cout, c])], [out], [...back, UnaryOp.Identity]);
}

/**
 * dfilter [kh, kw, cin, cout]: each tap's sum over the batch and the output
 * positions of x times dy, which is a convolution too: of x seen as cin
 * images of the batch's channels ([cin, H, W, N]) by dy seen as an
 * [OH, OW, N, cout] filter, strides and dilations trading places. One Conv2D
 * between two transposes, so no [M, kh*kw*cin] patch matrix is written.
 */
export function lowerBackpropFilter(ctx: LowerContext): void {
  const filter = ctx.outputShapes[0];
  const g = geometry(ctx.inputShapes[0], convAttrs(ctx.op.attrs, filter), describeOp(ctx));
  const [n, h, w, c, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl] = g;
  const cout = filter[3];
  if (pointwise(g)) {
    const dy = ctx.view(ctx.input(1), [n * oh * ow, cout]);
    const pixels = ctx.view(ctx.input(0), [n * h * w, c]); // a 1x1 window's patches are the pixels
    ctx.emit(Kernel.MatMul, [pixels, dy], [ctx.view(ctx.output(0), [kh * kw * c, cout])], [1, 0, UnaryOp.Identity]);
    return;
  }
  const images = ctx.temp(float32, [c, h, w, n]);
  ctx.emit(Kernel.Transpose, [ctx.input(0)], [images], [3, 1, 2, 0]);
  const taps = ctx.temp(float32, [oh, ow, n, cout]);
  ctx.emit(Kernel.Transpose, [ctx.input(1)], [taps], [1, 2, 0, 3]);
  const perChannel = ctx.temp(float32, [c, kh, kw, cout]);
  ctx.emit(Kernel.Conv2D, [images, taps], [perChannel], [c, h, w, n, kh, kw, oh, ow, dh, dw, sh, sw, pt, pl, UnaryOp.Identity]);
  ctx.emit(Kernel.Transpose, [perChannel], [ctx.output(0)], [1, 2, 0, 3]);
}

export function lowerPool(ctx: LowerContext, op: number): void {
  const g = geometry(ctx.inputShapes[0], poolAttrs(ctx.op.attrs), describeOp(ctx));
  ctx.emit(Kernel.Pool, [ctx.input(0)], [ctx.output(0)], [op, ...g]);
}

export function lowerPoolGrad(ctx: LowerContext, op: number): void {
  const g = geometry(ctx.inputShapes[0], poolAttrs(ctx.op.attrs), describeOp(ctx));
  const inputs = op === PoolOp.Max ? [ctx.input(0), ctx.input(1)] : [ctx.input(1)];
  ctx.emit(Kernel.PoolGrad, inputs, [ctx.output(0)], [op, ...g]);
}
