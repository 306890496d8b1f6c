#include "kernels/broadcast.h"

namespace sf {
namespace {

// Whether input `k` broadcasts along out dim `d` (right-aligned shapes).
bool is_broadcast_dim(const Shape& out, const Shape& in, int32_t d) {
  int32_t shift = out.rank - in.rank;
  int64_t in_dim = d >= shift ? in.dims[d - shift] : 1;
  return in_dim == 1 && out.dims[d] != 1;
}

}  // namespace

void broadcast_init(const Shape& out, const Shape* const* ins, int32_t n_inputs, BroadcastIter* it) {
  it->n_inputs = n_inputs;
  it->rank = 0;
  it->total = 1;
  bool group_bcast[MAX_RANK][MAX_BROADCAST_INPUTS] = {};
  for (int32_t d = 0; d < out.rank; ++d) {
    it->total *= out.dims[d];
    if (out.dims[d] == 1) continue;
    bool bcast[MAX_BROADCAST_INPUTS] = {};
    bool same = it->rank > 0;
    for (int32_t k = 0; k < n_inputs; ++k) {
      bcast[k] = is_broadcast_dim(out, *ins[k], d);
      if (it->rank > 0 && bcast[k] != group_bcast[it->rank - 1][k]) same = false;
    }
    if (same) {
      it->dims[it->rank - 1] *= out.dims[d];
      continue;
    }
    it->dims[it->rank] = out.dims[d];
    for (int32_t k = 0; k < n_inputs; ++k) group_bcast[it->rank][k] = bcast[k];
    ++it->rank;
  }
  for (int32_t k = 0; k < n_inputs; ++k) {
    int64_t stride = 1;
    for (int32_t g = it->rank - 1; g >= 0; --g) {
      it->strides[k][g] = group_bcast[g][k] ? 0 : stride;
      if (!group_bcast[g][k]) stride *= it->dims[g];
    }
  }
}

}  // namespace sf
