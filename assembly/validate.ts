// Validation of untrusted plan bytes: a malformed plan gives false (the
// caller reports Status.InvalidPlan), never a trap or an out-of-bounds access.
//
//   if (!planValidate(bytes, length)) return Status.InvalidPlan;
//
// This file checks the header, the section bounds and every buffer, variable,
// feed and fetch record; validate-steps.ts then checks each step's kernel.
import {
  ALIGN_BYTES, BUFFER_WORDS, BufferField, HEADER_WORDS, Header, MAX_RANK, PLAN_MAGIC,
  PLAN_VERSION, Region, VAR_WORDS, VarField,
} from './generated/plan_format';
import { dtypeSize, headerWord } from './plan';

/** Variable slots are indices into a per-session table; bound them. */
export const MAX_VAR_SLOT: i32 = 1 << 20;
const I32_MAX: i64 = 0x7FFFFFFF;

/** True when `count` records of `width` words at word `at` lie in [HEADER_WORDS, end). */
function sectionFits(bytes: usize, offsetField: i32, countField: i32, width: i32, end: i64): bool {
  const at = <i64>headerWord(bytes, offsetField);
  const count = <i64>headerWord(bytes, countField);
  if (count < 0) return false;
  return at >= HEADER_WORDS && at + count * <i64>width <= end;
}

function headerValid(bytes: usize, length: i32): bool {
  if (length < HEADER_WORDS * 4 || (length & 3) != 0) return false;
  if (headerWord(bytes, Header.Magic) != PLAN_MAGIC) return false;
  if (headerWord(bytes, Header.Version) != PLAN_VERSION) return false;
  if (headerWord(bytes, Header.TotalBytes) != length) return false;
  if (headerWord(bytes, Header.ArenaBytes) < 0 || headerWord(bytes, Header.NumSteps) < 0) return false;
  const constAt = <i64>headerWord(bytes, Header.ConstByteOffset);
  const constBytes = <i64>headerWord(bytes, Header.ConstBytes);
  if (constAt < HEADER_WORDS * 4 || constAt % ALIGN_BYTES != 0 || constBytes < 0) return false;
  if (constAt + constBytes > <i64>length) return false;
  const end = constAt >> 2;
  return sectionFits(bytes, Header.BuffersOffset, Header.NumBuffers, BUFFER_WORDS, end)
    && sectionFits(bytes, Header.VarsOffset, Header.NumVars, VAR_WORDS, end)
    && sectionFits(bytes, Header.FeedsOffset, Header.NumFeeds, 1, end)
    && sectionFits(bytes, Header.FetchesOffset, Header.NumFetches, 1, end)
    && headerWord(bytes, Header.StepsOffset) >= HEADER_WORDS
    && <i64>headerWord(bytes, Header.StepsOffset) <= end;
}

/** Checks rank and dims at `rec`, and that their product equals `count`. */
export function shapeValid(rec: usize, rankField: i32, count: i32): bool {
  const rank = load<i32>(rec + (<usize>rankField << 2));
  if (rank < 0 || rank > MAX_RANK || count < 0) return false;
  let product: i64 = 1;
  for (let k = 0; k < rank; k++) {
    const d = load<i32>(rec + (<usize>(rankField + 1 + k) << 2));
    if (d < 0) return false;
    product *= <i64>d;
    if (product > I32_MAX) return false;
  }
  return product == <i64>count;
}

function bufferValid(bytes: usize, rec: usize): bool {
  const size = dtypeSize(load<i32>(rec + (<usize>BufferField.DType << 2)));
  const region = load<i32>(rec + (<usize>BufferField.Region << 2));
  const offset = <i64>load<i32>(rec + (<usize>BufferField.ByteOffset << 2));
  const count = load<i32>(rec + (<usize>BufferField.ElementCount << 2));
  if (size == 0 || offset < 0 || offset % ALIGN_BYTES != 0) return false;
  if (!shapeValid(rec, BufferField.Rank, count)) return false;
  const end = offset + <i64>count * <i64>size;
  if (region == Region.Arena) return end <= <i64>headerWord(bytes, Header.ArenaBytes);
  if (region == Region.Constant) return end <= <i64>headerWord(bytes, Header.ConstBytes);
  return false;
}

function varValid(rec: usize): bool {
  const slot = load<i32>(rec + (<usize>VarField.Slot << 2));
  if (slot < 0 || slot >= MAX_VAR_SLOT) return false;
  if (dtypeSize(load<i32>(rec + (<usize>VarField.DType << 2))) == 0) return false;
  const count = load<i32>(rec + (<usize>VarField.ElementCount << 2));
  return shapeValid(rec, VarField.Rank, count);
}

function recordsValid(bytes: usize): bool {
  const buffers = bytes + (<usize>headerWord(bytes, Header.BuffersOffset) << 2);
  for (let i = 0, n = headerWord(bytes, Header.NumBuffers); i < n; i++) {
    if (!bufferValid(bytes, buffers + (<usize>(i * BUFFER_WORDS) << 2))) return false;
  }
  const vars = bytes + (<usize>headerWord(bytes, Header.VarsOffset) << 2);
  for (let i = 0, n = headerWord(bytes, Header.NumVars); i < n; i++) {
    if (!varValid(vars + (<usize>(i * VAR_WORDS) << 2))) return false;
  }
  return true;
}

/** Feeds and fetches name arena buffers. */
function slotsValid(bytes: usize, offsetField: i32, countField: i32): bool {
  const list = bytes + (<usize>headerWord(bytes, offsetField) << 2);
  const numBuffers = headerWord(bytes, Header.NumBuffers);
  const buffers = bytes + (<usize>headerWord(bytes, Header.BuffersOffset) << 2);
  for (let i = 0, n = headerWord(bytes, countField); i < n; i++) {
    const id = load<i32>(list + (<usize>i << 2));
    if (id < 0 || id >= numBuffers) return false;
    const rec = buffers + (<usize>(id * BUFFER_WORDS) << 2);
    if (load<i32>(rec + (<usize>BufferField.Region << 2)) != Region.Arena) return false;
  }
  return true;
}

/** True when the `length` bytes at `bytes` (4-byte aligned) are a well-formed plan. */
export function planValidate(bytes: usize, length: i32): bool {
  return headerValid(bytes, length)
    && recordsValid(bytes)
    && slotsValid(bytes, Header.FeedsOffset, Header.NumFeeds)
    && slotsValid(bytes, Header.FetchesOffset, Header.NumFetches);
}
