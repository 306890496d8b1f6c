/**
 * Serialises a PlanIR into the backend-neutral binary ExecutionPlan.
 */
import {
  ALIGN_BYTES, BUFFER_WORDS, BufferField, HEADER_WORDS, Header, MAX_RANK, PLAN_MAGIC,
  PLAN_VERSION, Region, VAR_WORDS, VarField,
} from './plan-format.js';
import { byteSize, elementCount, rootOf, type PlanIR } from './plan.js';

export function alignUp(n: number, alignment = ALIGN_BYTES): number {
  return Math.ceil(n / alignment) * alignment;
}

/** Lays the constants blob out, 64-byte aligned, setting each constant buffer's offset. */
function layoutConstants(plan: PlanIR): number {
  let bytes = 0;
  for (const b of plan.buffers) {
    if (b.region !== 'constant' || b.viewOf !== undefined) continue;
    b.byteOffset = bytes;
    bytes = alignUp(bytes + byteSize(b));
  }
  for (const b of plan.buffers) {
    if (b.region === 'constant' && b.viewOf !== undefined) b.byteOffset = plan.buffers[rootOf(plan, b.viewOf)].byteOffset;
  }
  return bytes;
}

export function encodePlan(plan: PlanIR): Uint8Array {
  const constBytes = layoutConstants(plan);
  const stepWords = plan.steps.reduce((n, s) => n + 4 + s.inputs.length + s.outputs.length + s.attrs.length, 0);
  const buffersOffset = HEADER_WORDS;
  const varsOffset = buffersOffset + plan.buffers.length * BUFFER_WORDS;
  const feedsOffset = varsOffset + plan.vars.length * VAR_WORDS;
  const fetchesOffset = feedsOffset + plan.feeds.length;
  const stepsOffset = fetchesOffset + plan.fetches.length;
  const constByteOffset = alignUp((stepsOffset + stepWords) * 4);
  const totalBytes = constByteOffset + constBytes;

  const bytes = new Uint8Array(totalBytes);
  const words = new Int32Array(bytes.buffer, 0, constByteOffset / 4);
  const header: [number, number][] = [
    [Header.Magic, PLAN_MAGIC], [Header.Version, PLAN_VERSION],
    [Header.NumBuffers, plan.buffers.length], [Header.NumSteps, plan.steps.length],
    [Header.NumVars, plan.vars.length], [Header.NumFeeds, plan.feeds.length],
    [Header.NumFetches, plan.fetches.length], [Header.ArenaBytes, plan.arenaBytes],
    [Header.ConstBytes, constBytes], [Header.BuffersOffset, buffersOffset],
    [Header.VarsOffset, varsOffset], [Header.FeedsOffset, feedsOffset],
    [Header.FetchesOffset, fetchesOffset], [Header.StepsOffset, stepsOffset],
    [Header.ConstByteOffset, constByteOffset], [Header.TotalBytes, totalBytes],
  ];
  for (const [field, value] of header) words[field] = value;

  plan.buffers.forEach((b, i) => {
    const at = buffersOffset + i * BUFFER_WORDS;
    words[at + BufferField.DType] = b.dtype.code;
    words[at + BufferField.Region] = b.region === 'arena' ? Region.Arena : Region.Constant;
    words[at + BufferField.ByteOffset] = b.byteOffset;
    words[at + BufferField.ElementCount] = elementCount(b.shape);
    writeShape(words, at + BufferField.Rank, b.shape);
    if (b.region === 'constant' && b.data) bytes.set(b.data, constByteOffset + b.byteOffset);
  });
  plan.vars.forEach((v, i) => {
    const at = varsOffset + i * VAR_WORDS;
    words[at + VarField.Slot] = v.slot;
    words[at + VarField.DType] = v.dtype.code;
    words[at + VarField.ElementCount] = elementCount(v.shape);
    writeShape(words, at + VarField.Rank, v.shape);
  });
  words.set(plan.feeds, feedsOffset);
  words.set(plan.fetches, fetchesOffset);
  let at = stepsOffset;
  for (const s of plan.steps) {
    words.set([s.kernel, s.inputs.length, s.outputs.length, s.attrs.length, ...s.inputs, ...s.outputs, ...s.attrs], at);
    at += 4 + s.inputs.length + s.outputs.length + s.attrs.length;
  }
  return bytes;
}

/** Writes rank then MAX_RANK dims (unused dims are 0) starting at word `at`. */
function writeShape(words: Int32Array, at: number, shape: readonly number[]): void {
  if (shape.length > MAX_RANK) throw new RangeError(`rank ${shape.length} exceeds the plan's maximum of ${MAX_RANK}`);
  words[at] = shape.length;
  shape.forEach((d, k) => { words[at + 1 + k] = d; });
}
