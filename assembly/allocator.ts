// A 64-byte aligned first-fit allocator over linear memory, with coalescing
// so that sessions created and closed thousands of times reuse the same pages.
//
//   const p = sf_alloc(1000); // 64-byte aligned, or 0 when memory cannot grow
//   sf_free(p);
//
// The module runs on the `stub` runtime and creates no managed objects, so
// this allocator owns everything above __heap_base. Each block starts with a
// 64-byte header (keeping payloads 64-byte aligned for v128 loads):
//   +0 size     total block bytes including the header, a multiple of 64
//   +4 prevSize size of the physically previous block (0 for the first)
//   +8 free     1 when on the free list
//   +12 nextFree, +16 prevFree  doubly linked free list

const HEADER: usize = 64;
const MIN_SPLIT: usize = 128;
const PAGE: usize = 65536;
const MAX_REQUEST: usize = 0xF0000000;

let heapStart: usize = 0;
let heapEnd: usize = 0;
let lastBlock: usize = 0;
let freeHead: usize = 0;

@inline function blockSize(b: usize): usize { return <usize>load<u32>(b); }
@inline function setSize(b: usize, n: usize): void { store<u32>(b, <u32>n); }
@inline function prevSize(b: usize): usize { return <usize>load<u32>(b, 4); }
@inline function setPrevSize(b: usize, n: usize): void { store<u32>(b, <u32>n, 4); }
@inline function isFree(b: usize): bool { return load<u32>(b, 8) != 0; }
@inline function nextFree(b: usize): usize { return <usize>load<u32>(b, 12); }
@inline function prevFree(b: usize): usize { return <usize>load<u32>(b, 16); }

function initHeap(): void {
  heapStart = (__heap_base + HEADER - 1) & ~(HEADER - 1);
  heapEnd = heapStart;
}

function unlinkFree(b: usize): void {
  const next = nextFree(b);
  const prev = prevFree(b);
  if (prev) store<u32>(prev, <u32>next, 12);
  else freeHead = next;
  if (next) store<u32>(next, <u32>prev, 16);
  store<u32>(b, 0, 8);
}

function linkFree(b: usize): void {
  store<u32>(b, 1, 8);
  store<u32>(b, <u32>freeHead, 12);
  store<u32>(b, 0, 16);
  if (freeHead) store<u32>(freeHead, <u32>b, 16);
  freeHead = b;
}

/** Fixes the prevSize of the block physically after `b`, if any. */
function fixNext(b: usize): void {
  const next = b + blockSize(b);
  if (next < heapEnd) setPrevSize(next, blockSize(b));
  else lastBlock = b;
}

/** Cuts `b` (already off the free list) to `size`, freeing the remainder. */
function split(b: usize, size: usize): void {
  const rest = blockSize(b) - size;
  if (rest < MIN_SPLIT) return;
  setSize(b, size);
  const tail = b + size;
  setSize(tail, rest);
  setPrevSize(tail, size);
  fixNext(tail);
  linkFree(tail);
}

/** Grows memory so that heapEnd can advance by `bytes`; false when it cannot. */
function ensureCapacity(bytes: usize): bool {
  const needed = <u64>heapEnd + <u64>bytes;
  const have = <u64>memory.size() * <u64>PAGE;
  if (needed <= have) return true;
  if (needed > 0xFFFF0000) return false;
  const pages = <i32>((needed - have + <u64>PAGE - 1) / <u64>PAGE);
  return memory.grow(pages) >= 0;
}

/** Appends a new block at the top of the heap, merging a free last block. */
function extendTop(size: usize): usize {
  let b = heapEnd;
  let have: usize = 0;
  if (lastBlock && isFree(lastBlock)) {
    b = lastBlock;
    have = blockSize(b);
  }
  if (!ensureCapacity(size - have)) return 0;
  if (have) unlinkFree(b);
  else setPrevSize(b, lastBlock ? blockSize(lastBlock) : 0);
  setSize(b, size);
  store<u32>(b, 0, 8);
  heapEnd = b + size;
  lastBlock = b;
  return b;
}

function findFit(size: usize): usize {
  let b = freeHead;
  while (b) {
    if (blockSize(b) >= size) return b;
    b = nextFree(b);
  }
  return 0;
}

/** Returns a 64-byte aligned pointer to `bytes` bytes, or 0 when out of memory. */
export function sf_alloc(bytes: usize): usize {
  if (!heapStart) initHeap();
  if (bytes > MAX_REQUEST) return 0;
  const size = ((bytes + HEADER - 1) & ~(HEADER - 1)) + HEADER;
  let b = findFit(size);
  if (b) {
    unlinkFree(b);
    split(b, size);
  } else {
    b = extendTop(size);
    if (!b) return 0;
  }
  return b + HEADER;
}

/** Like sf_alloc, with the bytes zeroed. */
export function sf_alloc_zeroed(bytes: usize): usize {
  const p = sf_alloc(bytes);
  if (p) memory.fill(p, 0, bytes);
  return p;
}

function mergeWithNext(b: usize): void {
  const next = b + blockSize(b);
  if (next >= heapEnd || !isFree(next)) return;
  unlinkFree(next);
  setSize(b, blockSize(b) + blockSize(next));
  fixNext(b);
}

/** Frees a pointer from sf_alloc; 0 is ignored. */
export function sf_free(p: usize): void {
  if (!p) return;
  let b = p - HEADER;
  mergeWithNext(b);
  const prevBytes = prevSize(b);
  if (prevBytes && isFree(b - prevBytes)) {
    b -= prevBytes;
    unlinkFree(b);
    setSize(b, blockSize(b) + blockSize(b + prevBytes));
    fixNext(b);
  }
  linkFree(b);
}

/** Bytes between the heap start and the top block's end (for tests). */
export function sf_heap_bytes(): usize {
  return heapEnd - heapStart;
}
