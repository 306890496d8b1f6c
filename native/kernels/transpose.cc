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

// The same transpose without size-1 axes (which never change the order).
Layout drop_unit_axes(const Shape& in, const int32_t* perm) {
  int32_t renumber[MAX_RANK];
  Layout out;
  for (int32_t d = 0; d < in.rank; ++d) {
    renumber[d] = in.dims[d] == 1 ? -1 : out.rank;
    if (in.dims[d] != 1) out.dims[out.rank++] = in.dims[d];
  }
  int32_t n = 0;
  for (int32_t d = 0; d < in.rank; ++d) {
    if (renumber[perm[d]] >= 0) out.perm[n++] = renumber[perm[d]];
  }
  return out;
}

// Merges each run of output axes that are consecutive input axes into one.
Layout merge_runs(const Layout& l) {
  int32_t first[MAX_RANK], count = 0;  // per run: its first input axis
  int64_t size[MAX_RANK];
  for (int32_t d = 0; d < l.rank; ++d) {
    if (d > 0 && l.perm[d] == l.perm[d - 1] + 1) {
      size[count - 1] *= l.dims[l.perm[d]];
    } else {
      first[count] = l.perm[d];
      size[count++] = l.dims[l.perm[d]];
    }
  }
  // A run's input position is its rank among the runs' first input axes.
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

// The transpose seen from the output: its dims and, per output axis, the
// element strides of the input and of the output.
struct View {
  int32_t rank = 0;
  int64_t dims[MAX_RANK] = {};
  int64_t in_strides[MAX_RANK] = {};
  int64_t out_strides[MAX_RANK] = {};
};

View output_view(const Layout& l) {
  View v;
  v.rank = l.rank;
  int64_t strides[MAX_RANK];
  int64_t s = 1;
  for (int32_t d = l.rank - 1; d >= 0; --d) {
    strides[d] = s;
    s *= l.dims[d];
  }
  s = 1;
  for (int32_t d = l.rank - 1; d >= 0; --d) {
    v.in_strides[d] = strides[l.perm[d]];
    v.dims[d] = l.dims[l.perm[d]];
    v.out_strides[d] = s;
    s *= v.dims[d];
  }
  return v;
}

// Output axes walked outside the inner loops, and how many positions they span.
struct OuterAxes {
  int32_t axes[MAX_RANK] = {};
  int32_t n = 0;
  int64_t count = 1;
};

OuterAxes outer_axes(const View& v, int32_t skip_a, int32_t skip_b) {
  OuterAxes o;
  for (int32_t d = 0; d < v.rank; ++d) {
    if (d == skip_a || d == skip_b) continue;
    o.axes[o.n++] = d;
    o.count *= v.dims[d];
  }
  return o;
}

// The offset (by `strides`, per output axis) of position `index` of the outer
// axes, the last varying fastest.
int64_t offset_of(int64_t index, const OuterAxes& o, const View& v, const int64_t* strides) {
  int64_t offset = 0;
  for (int32_t k = o.n - 1; k >= 0; --k) {
    int32_t d = o.axes[k];
    offset += (index % v.dims[d]) * strides[d];
    index /= v.dims[d];
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

// Columns [j0, j1) of a 2-D slice, swept along the input rows TILE at a
// time: y[i * y_stride + j] = x[i + j * x_stride], i < rows.
template <class T>
void transpose_band(const T* x, int64_t x_stride, T* y, int64_t y_stride, int64_t rows, int64_t j0, int64_t j1) {
  for (int64_t i0 = 0; i0 < rows; i0 += TILE) {
    int64_t tile_rows = std::min(TILE, rows - i0);
    for (int64_t j = j0; j < j1; j += TILE) {
      transpose_tile(x + i0 + j * x_stride, x_stride, y + i0 * y_stride + j, y_stride, tile_rows, std::min(TILE, j1 - j));
    }
  }
}

// The general case: output axis `b` is the input's innermost (stride 1),
// the output's innermost axis `a` = rank - 1 reads the input at a stride. A
// chunk is an outer position and a band of BAND input rows (BAND columns of
// y): its reads stream along the rows, and each tile step writes BAND
// contiguous elements to each of TILE output rows, so it touches few pages.
template <class T>
void transpose_tiled(const T* x, T* y, const Layout& l, ThreadPool* pool) {
  View v = output_view(l);
  int32_t a = v.rank - 1, b = 0;
  while (v.in_strides[b] != 1) ++b;
  OuterAxes outer = outer_axes(v, a, b);
  int64_t bands = (v.dims[a] + BAND - 1) / BAND;
  int64_t grain = std::max<int64_t>(1, TASK_ELEMENTS / (BAND * v.dims[b]));
  pool->parallel_for(0, outer.count * bands, grain, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t o = t / bands, j0 = (t % bands) * BAND;
      transpose_band(x + offset_of(o, outer, v, v.in_strides), v.in_strides[a], y + offset_of(o, outer, v, v.out_strides),
                     v.out_strides[b], v.dims[b], j0, std::min(j0 + BAND, v.dims[a]));
    }
  });
}

// The innermost axis stays innermost: copy rows of dims[last] elements.
void transpose_rows(const uint8_t* x, uint8_t* y, const Layout& l, int64_t element_bytes, ThreadPool* pool) {
  View v = output_view(l);
  OuterAxes outer = outer_axes(v, v.rank - 1, v.rank - 1);
  int64_t length = v.dims[v.rank - 1];
  size_t row_bytes = static_cast<size_t>(length * element_bytes);
  int64_t grain = std::max<int64_t>(1, TASK_ELEMENTS / length);
  pool->parallel_for(0, outer.count, grain, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t from = offset_of(r, outer, v, v.in_strides);
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
  Layout l = merge_runs(drop_unit_axes(x.shape, c.step->attr));
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
