// The symbolic Graph: naming, scopes, control dependencies, collections and
// construction-time shape and dtype checks. No backend involved.
import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '../src/index.js';

afterEach(() => tf.resetDefaultGraph());

describe('Graph', () => {
  it('asDefault nests, returns fn\'s result and restores the previous default', () => {
    const outer = new tf.Graph();
    const inner = new tf.Graph();
    const result = outer.asDefault(() => {
      expect(tf.getDefaultGraph()).toBe(outer);
      const got = inner.asDefault(() => tf.getDefaultGraph());
      expect(tf.getDefaultGraph()).toBe(outer);
      return got;
    });
    expect(result).toBe(inner);
    expect(tf.getDefaultGraph()).not.toBe(outer);
  });

  it('ops go to the default graph; resetDefaultGraph starts a new one', () => {
    const c = tf.constant(1);
    expect(c.graph).toBe(tf.getDefaultGraph());
    const before = tf.getDefaultGraph();
    tf.resetDefaultGraph();
    expect(tf.getDefaultGraph()).not.toBe(before);
    expect(() => new tf.Graph().asDefault(() => tf.resetDefaultGraph())).toThrow(/nested graphs/);
  });

  it('makes unique names as TensorFlow does', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.constant(1, { name: 'foo' });
      const b = tf.constant(2, { name: 'foo' });
      const c = tf.constant(3, { name: 'foo' });
      expect([a.name, b.name, c.name]).toEqual(['foo:0', 'foo_1:0', 'foo_2:0']);
      expect(tf.constant(4, { name: 'foo_1' }).name).toBe('foo_1_1:0');
      expect(tf.add(a, b).op.name).toBe('Add');
      expect(tf.add(a, b).op.name).toBe('Add_1');
    });
  });

  it('nameScope prefixes names, nests and is made unique', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.nameScope('layer', (scope) => {
        expect(scope).toBe('layer/');
        expect(tf.constant(1, { name: 'w' }).name).toBe('layer/w:0');
        tf.nameScope('inner', () => expect(tf.constant(1).op.name).toBe('layer/inner/Const'));
      });
      tf.nameScope('layer', () => expect(tf.constant(1, { name: 'w' }).op.name).toBe('layer_1/w'));
      expect(tf.constant(1).op.name).toBe('Const');
    });
  });

  it('looks operations and tensors up by name', () => {
    const g = new tf.Graph();
    const c = g.asDefault(() => tf.mul(tf.constant(2, { name: 'x' }), 3, 'm'));
    expect(g.getOperationByName('m')).toBe(c.op);
    expect(g.getTensorByName('m:0')).toBe(c);
    expect(g.getOperations().map((op) => op.name)).toEqual(['x', 'Const', 'm']);
    expect(() => g.getOperationByName('nope')).toThrow(tf.errors.NotFoundError);
    expect(() => g.getTensorByName('m:1')).toThrow(/only has 1 outputs/);
    expect(() => g.getTensorByName('m')).toThrow(/Tensor names must be of the form/);
  });

  it('Operation and Tensor expose their structure', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder(tf.float32, [null, 3], 'x');
      const y = tf.reduceSum(x, 1, false, 'y');
      expect(y.op.type).toBe('Sum');
      expect(y.op.inputs).toEqual([x]);
      expect(y.op.outputs).toEqual([y]);
      expect(y.op.graph).toBe(g);
      expect([y.dtype, y.shape]).toEqual([tf.float32, [null]]);
      expect(x.consumers()).toEqual([y.op]);
      expect(String(x)).toBe('Tensor("x:0", shape=(?, 3), dtype=float32)');
    });
  });

  it('controlDependencies adds control inputs to ops made inside', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.constant(1, { name: 'a' });
      const b = tf.constant(2, { name: 'b' });
      const c = tf.controlDependencies([a.op], () => tf.controlDependencies([b], () => tf.identity(3)));
      expect(c.op.controlInputs.map((op) => op.name).sort()).toEqual(['a', 'b']);
      const d = tf.controlDependencies([a], () => tf.controlDependencies(null, () => tf.identity(4)));
      expect(d.op.controlInputs).toEqual([]);
    });
  });

  it('finalize makes the graph read-only', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.constant(1));
    g.finalize();
    expect(g.finalized).toBe(true);
    expect(() => g.asDefault(() => tf.constant(2))).toThrow(/finalized/);
  });

  it('keeps collections of global and trainable variables', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = new tf.Variable(1, { name: 'a' });
      const b = new tf.Variable(2.5, { name: 'b', trainable: false });
      expect(tf.globalVariables()).toEqual([a, b]);
      expect(tf.trainableVariables()).toEqual([a]);
      expect(g.getCollection(tf.GraphKeys.GLOBAL_VARIABLES)).toEqual([a, b]);
    });
  });
});

describe('Variable', () => {
  it('names itself like TensorFlow and builds initializer and snapshot ops', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const v = new tf.Variable(42, { name: 'foo' });
      expect([v.name, v.op.name, v.op.type]).toEqual(['foo:0', 'foo', 'VariableV2']);
      expect([v.dtype, v.shape]).toEqual([tf.int32, []]);
      expect(v.initializer.name).toBe('foo/Assign');
      expect(v.initialValue.op.name).toBe('foo/initial_value');
      expect(v.value().name).toBe('foo/read:0');
      expect(new tf.Variable(1).name).toBe('Variable:0');
      expect(new tf.Variable(1).name).toBe('Variable_1:0');
      expect(new tf.Variable(3, { dtype: tf.float32 }).dtype).toBe(tf.float32);
      expect(String(v)).toBe("<tf.Variable 'foo:0' shape=() dtype=int32_ref>");
      expect(tf.add(v, 1).op.inputs[0]).toBe(v.value());
    });
  });

  it('rejects values of another dtype or shape', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const v = new tf.Variable([1, 2]);
      expect(() => v.assign([1, 2, 3])).toThrow(/shapes of both tensors to match/);
      expect(() => v.assign(tf.constant([1.5, 2]))).toThrow(TypeError);
      expect(() => new tf.Variable(tf.placeholder(tf.float32, [null]))).toThrow(/must have a shape specified/);
    });
  });
});

describe('construction-time checks', () => {
  it('matmul with inner dimensions that differ', () => {
    expect(() => tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.matmul(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow("Dimensions must be equal, but are 3 and 4 for 'MatMul' (op: 'MatMul') with input shapes: [2,3], [4,5].");
    expect(() => tf.matmul(tf.zeros([2, 3, 1]), tf.zeros([1, 5]))).toThrow(/must be rank 2/);
  });

  it('add of incompatible shapes', () => {
    expect(() => tf.add(tf.zeros([2, 3]), tf.zeros([4]))).toThrow("Dimensions must be equal, but are 3 and 4 for 'Add' (op: 'Add') with input shapes: [2,3], [4].");
  });

  it('int32 + float32', () => {
    expect(() => tf.add(tf.constant(1), tf.constant(1.5))).toThrow(TypeError);
    expect(() => tf.add(tf.constant(1), tf.constant(1.5))).toThrow("Input 'y' of 'Add' Op has type float32 that does not match type int32 of argument 'x'.");
    expect(() => tf.add(tf.constant(1), 1.5)).toThrow(/Expected int32, got 1.5/);
  });

  it('ops on dtypes they do not take, and bad reshapes, axes and values', () => {
    expect(() => tf.sqrt(tf.constant(4))).toThrow(/DataType int32 not in list of allowed values: float32/);
    expect(() => tf.reshape(tf.zeros([2, 3]), [4])).toThrow(/Cannot reshape a tensor with 6 elements to shape \[4\]/);
    expect(() => tf.reduceSum(tf.zeros([2, 3]), 2)).toThrow(/Invalid reduction dimension 2/);
    expect(() => tf.transpose(tf.zeros([2, 3]), [0, 0])).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.constant([[1, 2], [3]])).toThrow(/non-rectangular/);
    expect(() => tf.constant(3e9)).toThrow(/out of range/);
    expect(() => tf.constant([1, true])).toThrow(TypeError);
  });

  it('the one-argument tf.where says why it is missing', () => {
    expect(() => (tf.where as (c: unknown) => unknown)([true, false])).toThrow(tf.errors.UnimplementedError);
  });

  it('tensors of two graphs cannot meet in one op', () => {
    const a = new tf.Graph().asDefault(() => tf.constant(1));
    const b = new tf.Graph().asDefault(() => tf.constant(2));
    expect(() => tf.add(a, b)).toThrow(/must be from the same graph/);
  });
});
