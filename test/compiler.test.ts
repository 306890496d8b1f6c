// The compiler's passes, seen through the plans they produce (no backend run):
// fusion, GEMM epilogues, CSE, and the liveness memory planner.
import { describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';
import { compilePlan, type CompiledPlan } from '../src/compiler/compile.js';
import { explainPlan } from '../src/compiler/explain.js';
import { planMemory } from '../src/compiler/memory.js';
import type { PlanIR } from '../src/compiler/plan.js';
import { Kernel, UnaryOp } from '../src/compiler/plan-format.js';
import { BACKENDS, expectClose } from './support.js';

function compile(build: () => { fetch: tf.Tensor; feeds?: [tf.Tensor, number[]][] }, fuse = true): CompiledPlan {
  const graph = new tf.Graph();
  const { fetch, feeds = [] } = graph.asDefault(build);
  return compilePlan({ fetches: [fetch], targets: [], feeds: new Map(feeds), fuse });
}

const kernels = (c: CompiledPlan) => c.ir.steps.map((s) => s.kernel);

function mlp() {
  const x = tf.placeholder(tf.float32, [null, 784], 'x');
  const dense = (input: tf.Tensor, n: number, name: string, act: (t: tf.Tensor) => tf.Tensor) => tf.nameScope(name, () => {
    const w = new tf.Variable(tf.zeros([input.shape![1] as number, n]), { name: 'w' });
    const b = new tf.Variable(tf.zeros([n]), { name: 'b' });
    return act(tf.add(tf.matmul(input, w), b));
  });
  const h1 = dense(x, 512, 'dense1', tf.nn.relu);
  const h2 = dense(h1, 512, 'dense2', tf.nn.relu);
  const logits = dense(h2, 10, 'dense3', (t) => t);
  return { fetch: logits, feeds: [[x, [128, 784]]] as [tf.Tensor, number[]][] };
}

describe('fusion', () => {
  it('turns a chain of elementwise ops with constants into one Fused step', () => {
    const c = compile(() => {
      const x = tf.placeholder(tf.float32, [4194304], 'x');
      const y = tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(x, 1.5), 0.5)), tf.sigmoid(x)), tf.mul(0.25, x));
      return { fetch: y, feeds: [[x, [4194304]]] };
    });
    expect(kernels(c)).toEqual([Kernel.Fused]);
    const step = c.ir.steps[0];
    expect(step.inputs).toEqual(c.ir.feeds); // x is the only input: 1.5, 0.5, 0.25 are immediates
    expect(step.fusedFrom).toEqual(['Mul', 'Add', 'Tanh', 'Sigmoid', 'Mul_1', 'Mul_2', 'Sub']);
    expect(step.attrs[0]).toBe(10); // 3 constants + 7 ops
  });

  it('does not fuse a result that something else also reads, or that is fetched', () => {
    const graph = new tf.Graph();
    const { a, b } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [8], 'x');
      const shared = tf.exp(x);
      return { a: tf.add(shared, 1), b: tf.mul(shared, 2) };
    });
    const x = graph.getTensorByName('x:0');
    const c = compilePlan({ fetches: [a, b], targets: [], feeds: new Map([[x, [8]]]) });
    expect(kernels(c)).toEqual([Kernel.Unary, Kernel.Fused, Kernel.Fused]);
  });

  it('folds elementwise producers into a reduction', () => {
    const c = compile(() => {
      const x = tf.placeholder(tf.float32, [64, 32], 'x');
      return { fetch: tf.reduceSum(tf.square(tf.sub(x, 1)), 1), feeds: [[x, [64, 32]]] };
    });
    expect(kernels(c)).toEqual([Kernel.FusedReduce]);
  });

  it('leaves the plain lowering alone when fusion is off', () => {
    const c = compile(() => {
      const x = tf.placeholder(tf.float32, [4], 'x');
      return { fetch: tf.exp(tf.add(x, 1)), feeds: [[x, [4]]] };
    }, false);
    expect(kernels(c)).toEqual([Kernel.Binary, Kernel.Unary]);
  });
});

describe('GEMM epilogues', () => {
  it('fuses bias and activation and reads weights straight from variables', () => {
    const c = compile(mlp);
    expect(kernels(c)).toEqual([Kernel.VarRead, Kernel.MatMul, Kernel.VarRead, Kernel.MatMul, Kernel.VarRead, Kernel.MatMul]);
    const matmuls = c.ir.steps.filter((s) => s.kernel === Kernel.MatMul);
    expect(matmuls.map((s) => s.attrs[2])).toEqual([UnaryOp.Relu, UnaryOp.Relu, UnaryOp.Identity]);
    expect(matmuls.map((s) => c.ir.vars[s.attrs[4]].name)).toEqual(['dense1/w', 'dense2/w', 'dense3/w']);
    expect(matmuls.every((s) => s.inputs.length === 2)).toBe(true); // [a, bias]
  });
});

describe('common subexpressions', () => {
  it('computes a repeated expression once', () => {
    const c = compile(() => {
      const x = tf.placeholder(tf.float32, [3, 3], 'x');
      return { fetch: tf.add(tf.matmul(x, x), tf.matmul(x, x)), feeds: [[x, [3, 3]]] };
    }, false);
    expect(kernels(c)).toEqual([Kernel.MatMul, Kernel.Binary]);
    expect(c.ir.steps[1].inputs[0]).toBe(c.ir.steps[1].inputs[1]);
  });
});

describe('memory planning', () => {
  it('reuses dead buffers and writes elementwise results in place', () => {
    const c = compile(() => {
      const x = tf.placeholder(tf.float32, [1024], 'x');
      let t = tf.exp(x);
      for (let i = 0; i < 6; i++) t = tf.matmul(tf.reshape(t, [32, 32]), tf.ones([32, 32]));
      return { fetch: tf.reshape(tf.nn.relu(t), [-1]), feeds: [[x, [1024]]] };
    }, false);
    // The feed, the shared ones (CSE merges the six fills), and two matmul results
    // alive at once: 4 KiB each. Without reuse the 9 buffers would need 36 KiB.
    expect(c.ir.arenaBytes).toBe(4 * 4096);
    expect(c.ir.peakLiveBytes).toBe(4 * 4096);
    const relu = c.ir.steps[c.ir.steps.length - 1];
    expect(c.ir.buffers[relu.outputs[0]].byteOffset).toBe(c.ir.buffers[relu.inputs[0]].byteOffset);
  });

  it('the MLP arena is within 10% of the liveness lower bound', () => {
    const c = compile(mlp);
    expect(c.ir.arenaBytes).toBeLessThanOrEqual(1.1 * c.ir.peakLiveBytes!);
  });

  it('a GEMM step writing a 2-D view of its 4-D output keeps that output alive and fetched', () => {
    // A 1x1 convolution: one MatMul writing [N*H*W, cout] rows of the [N, H, W, cout] fetch.
    const c = compile(() => {
      const x = tf.placeholder(tf.float32, [2, 3, 3, 4], 'x');
      return { fetch: tf.nn.conv2d(x, tf.ones([1, 1, 4, 5]), 1, 'VALID'), feeds: [[x, [2, 3, 3, 4]]] };
    });
    expect(kernels(c)).toEqual([Kernel.Fill, Kernel.MatMul]); // the filter's fill: no backend here to fold it
    const out = c.ir.buffers[c.ir.steps[1].outputs[0]];
    expect(out.shape).toEqual([18, 5]);
    expect(out.byteOffset).toBe(c.ir.buffers[c.ir.fetches[0]].byteOffset);
  });

  it('reports a fetched buffer that no step writes as an internal error, not a hang', () => {
    const ir: PlanIR = { buffers: [{ dtype: tf.float32, shape: [4], region: 'arena', byteOffset: 0 }], steps: [], vars: [], feeds: [], fetches: [0], arenaBytes: 0 };
    expect(() => planMemory(ir)).toThrow(tf.errors.InternalError);
  });
});

describe('explain', () => {
  it('lists the steps, what they fused and the arena', () => {
    const e = explainPlan(compile(mlp));
    expect(e.steps[1]).toMatchObject({ kernel: 'MatMul+bias+Relu', ops: ['dense1/MatMul', 'dense1/Add', 'dense1/Relu'], output: 'float32[128,512]', bytes: 262144 });
    expect(e.steps[1].inputs).toEqual(['float32[128,784]', 'var dense1/w[784,512]', 'float32[512]']);
    const text = String(e);
    expect(text).toMatch(/^plan: 6 steps from \d+ ops/);
    expect(text).toContain('MatMul+bias+Relu');
    expect(text).toMatch(/arena [\d.]+ KiB \(peak live [\d.]+ KiB\)/);
  });
});

describe.each(BACKENDS)('constant folding on %s', (backend) => {
  it('computes constant subexpressions once, at compile time', () => {
    const graph = new tf.Graph();
    const { x, y } = graph.asDefault(() => {
      const x = tf.placeholder(tf.float32, [2], 'x');
      const folded = tf.exp(tf.mul(tf.constant([0, 1], { dtype: tf.float32 }), 2)); // [1, e^2]
      return { x, y: tf.add(x, folded) };
    });
    using sess = new tf.Session({ graph, backend });
    const plan = sess.explain(y, new Map([[x, [1, 1]]]));
    expect(plan.steps.map((s) => s.kernel)).toEqual(['Binary']);
    expect(plan.constantBytes).toBeGreaterThan(0);
    expectClose(sess.run(y, new Map([[x, [1, 1]]])), [2, 1 + Math.exp(2)], 1e-6);
  });

  it('leaves a failing constant expression to fail at run time, naming its op', () => {
    const graph = new tf.Graph();
    const q = graph.asDefault(() => tf.div(tf.constant([4, 2]), tf.constant([2, 0]), 'bad_div'));
    using sess = new tf.Session({ graph, backend });
    expect(() => sess.run(q)).toThrow(/Integer division by zero\n\t \[\[\{\{node bad_div\}\}\]\]/);
  });
});
