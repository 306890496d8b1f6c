// A tiny protobuf writer for the parts of onnx.proto the benchmarks need:
// ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto and
// ValueInfoProto. Field numbers are onnx.proto's (ONNX IR 7, opset 13).
//   const bytes = model({ graph: graph({ name: 'g', nodes: [node('Add', ['x', 'one'], ['y'])], ... }) });
// Each builder returns the message's encoded bytes; nesting concatenates them.

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const encoder = new TextEncoder();

export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 };
const AttrType = { FLOAT: 1, INT: 2, INTS: 7 };

function varint(n) {
  const out = [];
  // A negative int64 (Softmax's axis -1) is its 64-bit two's complement: ten bytes.
  let v = n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n);
  while (v > 127n) { out.push(Number(v & 127n) | 128); v >>= 7n; }
  out.push(Number(v));
  return out;
}

function concat(parts) {
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const key = (field, wire) => varint(field * 8 + wire);
const uint = (field, n) => Uint8Array.from([...key(field, WIRE_VARINT), ...varint(n)]);
const bytes = (field, data) => concat([Uint8Array.from([...key(field, WIRE_BYTES), ...varint(data.length)]), data]);
const string = (field, s) => bytes(field, encoder.encode(s));
const float = (field, v) => concat([Uint8Array.from(key(field, WIRE_FIXED32)), new Uint8Array(new Float32Array([v]).buffer)]);
const repeated = (items, encode) => concat(items.map(encode));

/** TensorProto with raw little-endian data (x86 and wasm are little-endian). */
export function tensor(name, dims, data) {
  const type = data instanceof Int32Array ? DataType.INT32 : DataType.FLOAT;
  return concat([
    repeated(dims, (d) => uint(1, d)),
    uint(2, type),
    string(8, name),
    bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
  ]);
}

/** ValueInfoProto of a tensor: a null dimension becomes a symbolic one. */
export function valueInfo(name, dims, elemType = DataType.FLOAT) {
  const dim = (d, i) => bytes(1, d === null ? string(2, `${name}_d${i}`) : uint(1, d));
  const shape = concat(dims.map(dim));
  const tensorType = concat([uint(1, elemType), bytes(2, shape)]);
  return concat([string(1, name), bytes(2, bytes(1, tensorType))]);
}

/** AttributeProto from a JS value: integers, floats or integer lists. */
function attribute(name, value) {
  if (Array.isArray(value)) return concat([string(1, name), repeated(value, (v) => uint(8, v)), uint(20, AttrType.INTS)]);
  if (Number.isInteger(value)) return concat([string(1, name), uint(3, value), uint(20, AttrType.INT)]);
  return concat([string(1, name), float(2, value), uint(20, AttrType.FLOAT)]);
}

export function node(opType, inputs, outputs, attrs = {}, name = outputs[0]) {
  return concat([
    repeated(inputs, (s) => string(1, s)),
    repeated(outputs, (s) => string(2, s)),
    string(3, name),
    string(4, opType),
    repeated(Object.entries(attrs), ([k, v]) => bytes(5, attribute(k, v))),
  ]);
}

export function graph({ name, nodes, initializers = [], inputs, outputs }) {
  return concat([
    repeated(nodes, (n) => bytes(1, n)),
    string(2, name),
    repeated(initializers, (t) => bytes(5, t)),
    repeated(inputs, (v) => bytes(11, v)),
    repeated(outputs, (v) => bytes(12, v)),
  ]);
}

export function model(graphBytes, { opset = 13, irVersion = 7 } = {}) {
  const opsetImport = concat([string(1, ''), uint(2, opset)]);
  return concat([uint(1, irVersion), string(2, 'sessionflow-bench'), bytes(7, graphBytes), bytes(8, opsetImport)]);
}
