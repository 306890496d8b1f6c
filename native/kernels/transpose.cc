// Transpose: out.shape[i] = in.shape[perm[i]]. First the permutation is
// simplified: size-1 axes dropped, and axes that stay neighbours in the same
// order merged (so [B, M, N] perm [0, 2, 1] is a batch of 2-D transposes).
// Then either the innermost axis stays innermost and whole rows are copied,
// or the two axes that are innermost in the input and in the output are
// transposed in TILE x TILE tiles, which keeps both sides' cache lines in L1;
// the remaining axes are walked outside the tiles.
#include <algorithm>
#include <cstring>

#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

#include "kernels/kernels.h"

namespace sf {
namespace {

constexpr int64_t TILE = 32;
constexpr int64_t BAND = 4 * TILE;
constexpr int64_t TASK_ELEMENTS = int64_t{1} << 15;  // per parallel chunk, about

// A transpose in its simplest form: input dims and the output's perm.
struct Layout {
  int32_t rank = 0;
  int64_t dims[MAX_RANK] = {};
  int32_t perm[MAX_RANK] = {};
};

// Drops size-1 axes and merges output-adjacent axes that are also input-adjacent.
Layout simplify(const Shape& in, const int32_t* perm) {
  int32_t renumber[MAX_RANK];
  int32_t kept = 0;
  for (int32_t d = 0; d < in.rank; ++d) renumber[d] = in.dims[d] == 1 ? -1 : kept++;
  int32_t p[MAX_RANK], n = 0;
  for (int32_t d = 0; d < in.rank; ++d) {
    if (renumber[perm[d]] >= 0) p[n++] = renumber[perm[d]];
  }
  // Groups of output axes, each a run of consecutive input axes.
  int32_t first[MAX_RANK], count = 0;
  int64_t size[MAX_RANK];
  int64_t kept_dims[MAX_RANK];
  for (int32_t d = 0; d < in.rank; ++d) {
    if (renumber[d] >= 0) kept_dims[renumber[d]] = in.dims[d];
  }
  for (int32_t d = 0; d < n; ++d) {
    if (d > 0 && p[d] == p[d - 1] + 1) {
      size[count - 1] *= kept_dims[p[d]];
    } else {
      first[count] = p[d];
      size[count++] = kept_dims[p[d]];
    }
  }
  // A group's input position is its rank among the groups' first input axes.
  Layout out;
  out.rank = count;
  for (int32_t g = 0; g < count; ++g) {
    int32_t position = 0;
    for (int32_t h = 0; h < count; ++h) position += first[h] < first[g];
    out.perm[g] = position;
    out.dims[position] = size[g];
  }
  return out;
}

// Element strides of the input in output-axis order, and the output dims.
void output_view(const Layout& l, int64_t* in_strides, int64_t* out_dims) {
  int64_t strides[MAX_RANK];
  int64_t s = 1;
  for (int32_t d = l.rank - 1; d >= 0; --d) {
    strides[d] = s;
    s *= l.dims[d];
  }
  for (int32_t d = 0; d < l.rank; ++d) {
    in_strides[d] = strides[l.perm[d]];
    out_dims[d] = l.dims[l.perm[d]];
  }
}

// The input offset of output position `index` (a flat index over the output
// axes in `axes`, the last varying fastest).
int64_t input_offset(int64_t index, const int32_t* axes, int32_t n, const int64_t* out_dims, const int64_t* in_strides) {
  int64_t offset = 0;
  for (int32_t k = n - 1; k >= 0; --k) {
    int32_t d = axes[k];
    offset += (index % out_dims[d]) * in_strides[d];
    index /= out_dims[d];
  }
  return offset;
}

// One tile: y[i * y_stride + j] = x[i + j * x_stride], i < rows, j < cols.
// The input rows are first copied whole into a local buffer, so each input
// and output cache line is touched in one go: with power-of-two strides the
// tile's lines share one L1 set and would evict each other if visited
// column by column.
template <class T>
void transpose_tile(const T* x, int64_t x_stride, T* y, int64_t y_stride, int64_t rows, int64_t cols) {
  T buffer[TILE * TILE];
  for (int64_t j = 0; j < cols; ++j) std::memcpy(buffer + j * TILE, x + j * x_stride, static_cast<size_t>(rows) * sizeof(T));
  for (int64_t i = 0; i < rows; ++i) {
    T* out = y + i * y_stride;
    for (int64_t j = 0; j < cols; ++j) out[j] = buffer[j * TILE + i];
  }
}

#if defined(__SSE2__)
// A full tile of 4-byte elements in 4 x 4 register transposes (SSE2 is
// baseline on x86-64; the shuffles move bits unchanged). Four input rows are
// read whole at a time; the result goes through a local buffer so each
// output line is also written in one go.
void transpose_tile_sse(const uint32_t* x, int64_t x_stride, uint32_t* y, int64_t y_stride) {
  alignas(16) float buffer[TILE * TILE];
  const float* in = reinterpret_cast<const float*>(x);
  for (int64_t j = 0; j < TILE; j += 4) {
    for (int64_t i = 0; i < TILE; i += 4) {
      __m128 r0 = _mm_loadu_ps(in + j * x_stride + i), r1 = _mm_loadu_ps(in + (j + 1) * x_stride + i);
      __m128 r2 = _mm_loadu_ps(in + (j + 2) * x_stride + i), r3 = _mm_loadu_ps(in + (j + 3) * x_stride + i);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_store_ps(buffer + i * TILE + j, r0);
      _mm_store_ps(buffer + (i + 1) * TILE + j, r1);
      _mm_store_ps(buffer + (i + 2) * TILE + j, r2);
      _mm_store_ps(buffer + (i + 3) * TILE + j, r3);
    }
  }
  for (int64_t i = 0; i < TILE; ++i) std::memcpy(y + i * y_stride, buffer + i * TILE, TILE * sizeof(float));
}

void transpose_tile(const uint32_t* x, int64_t x_stride, uint32_t* y, int64_t y_stride, int64_t rows, int64_t cols) {
  if (rows == TILE && cols == TILE) return transpose_tile_sse(x, x_stride, y, y_stride);
  transpose_tile<uint32_t>(x, x_stride, y, y_stride, rows, cols);
}
#endif

// The general case: output axis `b` is the input's innermost (stride 1),
// the output's innermost axis `a` = rank - 1 reads the input at stride
// in_strides[a]. A chunk is an outer position and a band of BAND input rows
// (BAND columns of y), swept along the input rows TILE columns at a time, so
// that reads stream and each step writes BAND contiguous elements to each of
// TILE output rows: few distinct pages per step, so few TLB misses.
template <class T>
void transpose_tiled(const T* x, T* y, const Layout& l, ThreadPool* pool) {
  int64_t in_strides[MAX_RANK], out_dims[MAX_RANK], out_strides[MAX_RANK];
  output_view(l, in_strides, out_dims);
  int32_t a = l.rank - 1, b = 0;
  while (in_strides[b] != 1) ++b;
  int64_t s = 1;
  for (int32_t d = l.rank - 1; d >= 0; --d) {
    out_strides[d] = s;
    s *= out_dims[d];
  }
  int32_t outer_axes[MAX_RANK], n_outer = 0;
  int64_t outer = 1;
  for (int32_t d = 0; d < l.rank; ++d) {
    if (d != a && d != b) {
      outer_axes[n_outer++] = d;
      outer *= out_dims[d];
    }
  }
  int64_t bands = (out_dims[a] + BAND - 1) / BAND;
  int64_t grain = std::max<int64_t>(1, TASK_ELEMENTS / (BAND * out_dims[b]));
  pool->parallel_for(0, outer * bands, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t o = t / bands, j0 = (t % bands) * BAND;
      int64_t j1 = std::min(j0 + BAND, out_dims[a]);
      const T* x_band = x + input_offset(o, outer_axes, n_outer, out_dims, in_strides);
      T* y_band = y + input_offset(o, outer_axes, n_outer, out_dims, out_strides);
      for (int64_t i0 = 0; i0 < out_dims[b]; i0 += TILE) {
        int64_t rows = std::min(TILE, out_dims[b] - i0);
        for (int64_t j = j0; j < j1; j += TILE) {
          transpose_tile(x_band + i0 + j * in_strides[a], in_strides[a], y_band + i0 * out_strides[b] + j,
                         out_strides[b], rows, std::min(TILE, j1 - j));
        }
      }
    }
  });
}

// The innermost axis stays innermost: copy rows of out_dims[last] elements.
void transpose_rows(const uint8_t* x, uint8_t* y, const Layout& l, int64_t element_bytes, ThreadPool* pool) {
  int64_t in_strides[MAX_RANK], out_dims[MAX_RANK];
  output_view(l, in_strides, out_dims);
  int32_t axes[MAX_RANK];
  for (int32_t d = 0; d < l.rank - 1; ++d) axes[d] = d;
  int64_t length = out_dims[l.rank - 1], rows = 1;
  for (int32_t d = 0; d < l.rank - 1; ++d) rows *= out_dims[d];
  size_t row_bytes = static_cast<size_t>(length * element_bytes);
  int64_t grain = std::max<int64_t>(1, TASK_ELEMENTS / length);
  pool->parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t from = input_offset(r, axes, l.rank - 1, out_dims, in_strides);
      std::memcpy(y + r * static_cast<int64_t>(row_bytes), x + from * element_bytes, row_bytes);
    }
  });
}

}  // namespace

const char* transpose_validate(const Plan& plan, const StepDesc& step) {
  if (step.n_in != 1 || step.n_out != 1) return "needs in[x] out[y] attr[perm...]";
  const BufferDesc& x = step_input(plan, step, 0);
  const BufferDesc& y = step_output(plan, step, 0);
  if (x.dtype != y.dtype) return "input and output differ in dtype";
  if (step.n_attr != x.shape.rank || y.shape.rank != x.shape.rank) return "perm length differs from the rank";
  bool seen[MAX_RANK] = {};
  for (int32_t d = 0; d < step.n_attr; ++d) {
    int32_t p = step.attr[d];
    if (p < 0 || p >= x.shape.rank || seen[p]) return "perm is not a permutation";
    seen[p] = true;
    if (y.shape.dims[d] != x.shape.dims[p]) return "output shape is not the permuted input shape";
  }
  return nullptr;
}

int32_t transpose_run(KernelCall& c) {
  const BufferDesc& x = *c.in[0].desc;
  if (x.count == 0) return Status::Ok;
  Layout l = simplify(x.shape, c.step->attr);
  int64_t element_bytes = dtype_size(x.dtype);
  if (l.rank <= 1 || l.perm[l.rank - 1] == l.rank - 1) {
    if (l.rank <= 1) l = Layout{1, {x.count}, {0}};
    transpose_rows(c.in[0].data, c.out[0].data, l, element_bytes, c.pool);
  } else if (element_bytes == 1) {
    transpose_tiled(tensor_data<const uint8_t>(c.in[0]), tensor_data<uint8_t>(c.out[0]), l, c.pool);
  } else {
    transpose_tiled(tensor_data<const uint32_t>(c.in[0]), tensor_data<uint32_t>(c.out[0]), l, c.pool);
  }
  return Status::Ok;
}

}  // namespace sf
