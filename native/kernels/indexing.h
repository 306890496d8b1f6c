// Checks shared by the kernels that view buffers as [outer, n, inner] from
// int32 attributes or follow an indices buffer (ArgReduce, Gather, ScatterAdd).
#pragma once
#include <cstdint>

#include "plan.h"

namespace sf {

// a * b * c when every factor is non-negative and the product fits int32, else -1.
inline int64_t dims_count(int64_t a, int64_t b, int64_t c) {
  if (a < 0 || b < 0 || c < 0 || a > INT32_MAX || b > INT32_MAX || c > INT32_MAX) return -1;
  if (a == 0 || b == 0 || c == 0) return 0;
  int64_t ab = a * b;  // < 2^62
  if (ab > INT32_MAX) return -1;
  int64_t abc = ab * c;
  return abc > INT32_MAX ? -1 : abc;
}

// Whether two buffers share bytes. A kernel that reads indices while writing
// its output must not overwrite them: an index checked before the loop could
// change under it and address memory outside the input.
inline bool buffers_overlap(const BufferDesc& a, const BufferDesc& b) {
  if (a.region != b.region || a.bytes == 0 || b.bytes == 0) return false;
  return a.byte_offset < b.byte_offset + b.bytes && b.byte_offset < a.byte_offset + a.bytes;
}

}  // namespace sf
