// numpy broadcasting for up to three inputs, as rows: dims of size 1 are
// dropped and neighbouring dims with the same broadcast pattern merged, so a
// same-shape operation is one long row and `x + scalar` is one row with a
// zero stride.
//
//   BroadcastIter it;
//   broadcast_init(out_shape, shapes, 2, &it);
//   broadcast_rows(it, [&](int64_t o, const int64_t* off, int64_t n, const int64_t* step) { ... });
#pragma once
#include <cstdint>

#include "plan.h"

namespace sf {

constexpr int32_t MAX_BROADCAST_INPUTS = 3;

struct BroadcastIter {
  int32_t n_inputs = 0;
  int32_t rank = 0;  // after dropping and merging dims
  int64_t dims[MAX_RANK] = {};
  int64_t strides[MAX_BROADCAST_INPUTS][MAX_RANK] = {};
  int64_t total = 0;
};

// `ins` must each broadcast to `out` (checked when the plan was loaded).
void broadcast_init(const Shape& out, const Shape* const* ins, int32_t n_inputs, BroadcastIter* it);

// Calls row(out_offset, in_offsets, length, in_steps) for each innermost row;
// offsets and steps are in elements, a step is 0 for a broadcast input.
template <class Row>
void broadcast_rows(const BroadcastIter& it, Row&& row) {
  int64_t offsets[MAX_BROADCAST_INPUTS] = {};
  int64_t steps[MAX_BROADCAST_INPUTS] = {};
  if (it.total == 0) return;
  if (it.rank == 0) return row(int64_t{0}, offsets, int64_t{1}, steps);
  int32_t last = it.rank - 1;
  for (int32_t k = 0; k < it.n_inputs; ++k) steps[k] = it.strides[k][last];
  int64_t length = it.dims[last];
  int64_t index[MAX_RANK] = {};
  for (int64_t out = 0; out < it.total; out += length) {
    row(out, offsets, length, steps);
    for (int32_t d = last - 1; d >= 0; --d) {
      for (int32_t k = 0; k < it.n_inputs; ++k) offsets[k] += it.strides[k][d];
      if (++index[d] < it.dims[d]) break;
      for (int32_t k = 0; k < it.n_inputs; ++k) offsets[k] -= it.strides[k][d] * it.dims[d];
      index[d] = 0;
    }
  }
}

}  // namespace sf
