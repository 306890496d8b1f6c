/**
 * Random draws with TensorFlow 1's seeding rules. The random state lives in
 * the session: two sessions with the same seeds draw the same numbers, and
 * each rerun draws new ones.
 *
 *   tf.setRandomSeed(1);
 *   const w = new tf.Variable(tf.randomNormal([784, 10], { stddev: 0.1 }));
 */
import { float32, float32Bits, int32, toDType, type DType, type DTypeLike } from '../graph/dtypes.js';
import { getDefaultGraph } from '../graph/default-graph.js';
import type { Graph } from '../graph/graph.js';
import type { Tensor } from '../graph/tensor.js';
import { Distribution, Kernel } from '../compiler/plan-format.js';
import { InvalidArgumentError } from '../runtime/errors.js';
import { makeTensor, toTensor } from './build.js';
import { ALL, FLOAT, checkDType } from './checks.js';
import type { TensorLike } from './convert.js';
import { NOT_DIFFERENTIABLE, defineOps, type LowerContext, type OpDef, type OpTable } from './registry.js';

const DEFAULT_GRAPH_SEED = 87654321;
const MAX_INT32 = 2 ** 31 - 1;

/** `tf.setRandomSeed(seed)`: the default graph's seed, from which op seeds follow. */
export function setRandomSeed(seed: number | null): void {
  getDefaultGraph().seed = seed;
}

/**
 * TensorFlow's get_seed: (graph seed, op seed), the op seed defaulting to the
 * graph's op count; (0, 0) means "unseeded" (the session picks).
 */
export function opSeeds(graph: Graph, opSeed?: number): [number, number] {
  const truncate = (s: number) => ((Math.trunc(s) % MAX_INT32) + MAX_INT32) % MAX_INT32;
  let seeds: [number, number];
  if (graph.seed !== null) seeds = [truncate(graph.seed), truncate(opSeed ?? graph.version)];
  else if (opSeed !== undefined) seeds = [DEFAULT_GRAPH_SEED, truncate(opSeed)];
  else return [0, 0];
  return seeds[0] === 0 && seeds[1] === 0 ? [0, MAX_INT32] : seeds;
}

function seedsFor(ctx: LowerContext): [number, number] {
  const seed = ctx.op.getAttr<number>('seed');
  const seed2 = ctx.op.getAttr<number>('seed2');
  return seed === 0 && seed2 === 0 ? ctx.sessionSeeds() : [seed, seed2];
}

/** The stream is the op's id: each random op keeps its own counter in the session. */
function draw(distribution: number, params: (ctx: LowerContext) => [number, number]): OpDef {
  return {
    infer: ({ attrs }) => [{ dtype: toDType(attrs.dtype as DTypeLike), shape: attrs.shape as number[] }],
    lower: (ctx) => ctx.emit(Kernel.Random, [], [ctx.output(0)], [distribution, ...seedsFor(ctx), ctx.op.id, ...params(ctx)]),
    gradient: NOT_DIFFERENTIABLE,
  };
}

const floatParams = (a: string, b: string) => (ctx: LowerContext): [number, number] =>
  [float32Bits(ctx.op.getAttr<number>(a)), float32Bits(ctx.op.getAttr<number>(b))];

const randomOps = {
  RandomUniform: draw(Distribution.Uniform, floatParams('minval', 'maxval')),
  RandomUniformInt: draw(Distribution.Uniform, (ctx) => [ctx.op.getAttr<number>('minval'), ctx.op.getAttr<number>('maxval')]),
  RandomStandardNormal: draw(Distribution.Normal, floatParams('mean', 'stddev')),
  TruncatedNormal: draw(Distribution.TruncatedNormal, floatParams('mean', 'stddev')),
  RandomShuffle: {
    infer: ({ inputs: [x] }) => {
      checkDType(x, ALL, 'value');
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    lower: (ctx) => ctx.emit(Kernel.Shuffle, [ctx.input(0)], [ctx.output(0)], [...seedsFor(ctx), ctx.op.id]),
    gradient: NOT_DIFFERENTIABLE,
  },
} satisfies OpTable;

defineOps(randomOps);

export interface RandomOptions {
  dtype?: DTypeLike;
  seed?: number;
  name?: string;
}

function checkShape(shape: number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InvalidArgumentError(`shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return [...shape];
}

function randomOp(type: string, shape: number[], dtype: DType, seed: number | undefined, params: Record<string, number>, name: string): Tensor {
  const graph = getDefaultGraph();
  const [s1, s2] = opSeeds(graph, seed);
  return makeTensor(type, [], { shape: checkShape(shape), dtype: dtype.name, seed: s1, seed2: s2, ...params }, name);
}

/** Uniform in [minval, maxval); int32 needs an explicit maxval. */
export function randomUniform(shape: number[], options: RandomOptions & { minval?: number; maxval?: number } = {}): Tensor {
  const dtype = toDType(options.dtype ?? float32);
  const { minval = 0, seed, name = 'random_uniform' } = options;
  if (dtype === int32) {
    if (options.maxval === undefined) throw new InvalidArgumentError('Must specify maxval for integer dtype int32');
    if (!(options.maxval > minval)) throw new InvalidArgumentError(`Need minval < maxval: ${minval} >= ${options.maxval}`);
    return randomOp('RandomUniformInt', shape, dtype, seed, { minval, maxval: options.maxval }, name);
  }
  checkDType({ dtype, shape: null }, FLOAT, 'dtype');
  return randomOp('RandomUniform', shape, dtype, seed, { minval, maxval: options.maxval ?? 1 }, name);
}

export function randomNormal(shape: number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  const dtype = toDType(options.dtype ?? float32);
  checkDType({ dtype, shape: null }, FLOAT, 'dtype');
  const { mean = 0, stddev = 1, seed, name = 'random_normal' } = options;
  return randomOp('RandomStandardNormal', shape, dtype, seed, { mean, stddev }, name);
}

/** Normal draws more than two standard deviations from the mean are drawn again. */
export function truncatedNormal(shape: number[], options: RandomOptions & { mean?: number; stddev?: number } = {}): Tensor {
  const dtype = toDType(options.dtype ?? float32);
  checkDType({ dtype, shape: null }, FLOAT, 'dtype');
  const { mean = 0, stddev = 1, seed, name = 'truncated_normal' } = options;
  return randomOp('TruncatedNormal', shape, dtype, seed, { mean, stddev }, name);
}

/** The rows of `value` (its first axis) in a random order. */
export function randomShuffle(value: TensorLike, options: { seed?: number; name?: string } = {}): Tensor {
  const t = toTensor(value);
  const [seed, seed2] = opSeeds(t.graph, options.seed);
  return makeTensor('RandomShuffle', [t], { seed, seed2 }, options.name ?? 'RandomShuffle');
}
