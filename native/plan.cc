// Parsing and validation of the binary ExecutionPlan. Every read is bounds
// checked; every table entry is checked before a kernel may see it.
#include "plan.h"

#include <cstring>
#include <new>

#include "kernels/kernels.h"

namespace sf {
namespace {

// Bounds-checked little-endian word access to the plan bytes.
struct Reader {
  const uint8_t* bytes;
  size_t words;

  int32_t at(size_t index) const {
    int32_t value = 0;
    std::memcpy(&value, bytes + index * 4, 4);
    return value;
  }
};

struct ParseState {
  Reader reader;
  size_t steps_end_word = 0;  // the steps region ends where the constants start
  std::string* why;

  bool fail(const std::string& message) {
    *why = message;
    return false;
  }
};

bool region_fits(int64_t start, int64_t count, int64_t record_words, int64_t end) {
  return start >= HEADER_WORDS && count >= 0 && start + count * record_words <= end;
}

// Reads rank and MAX_RANK dims at word `at`; checks them against `count`.
const char* read_shape(const Reader& r, size_t at, int64_t count, Shape* shape) {
  shape->rank = r.at(at);
  if (shape->rank < 0 || shape->rank > MAX_RANK) return "rank outside 0..8";
  int64_t product = 1;
  for (int32_t d = 0; d < shape->rank; ++d) {
    int32_t dim = r.at(at + 1 + static_cast<size_t>(d));
    if (dim < 0) return "negative dimension";
    shape->dims[d] = dim;
    product *= dim;
    if (product > INT32_MAX) return "element count exceeds 2^31-1";
  }
  if (product != count) return "element count differs from the product of the dims";
  return nullptr;
}

const char* read_buffer(const Reader& r, size_t at, int64_t arena_bytes, int64_t const_bytes, BufferDesc* b) {
  b->dtype = r.at(at + BufferField::DType);
  b->region = r.at(at + BufferField::Region);
  b->byte_offset = r.at(at + BufferField::ByteOffset);
  b->count = r.at(at + BufferField::ElementCount);
  if (dtype_size(b->dtype) == 0) return "unknown dtype";
  if (b->region != Region::Arena && b->region != Region::Constant) return "unknown region";
  if (b->count < 0) return "negative element count";
  if (const char* bad = read_shape(r, at + BufferField::Rank, b->count, &b->shape)) return bad;
  b->bytes = b->count * dtype_size(b->dtype);
  if (b->byte_offset < 0 || b->byte_offset % ALIGN_BYTES != 0) return "byte offset not a non-negative multiple of 64";
  int64_t limit = b->region == Region::Arena ? arena_bytes : const_bytes;
  if (b->byte_offset + b->bytes > limit) return "extends past the end of its region";
  return nullptr;
}

const char* read_var(const Reader& r, size_t at, VarDesc* v) {
  v->slot = r.at(at + VarField::Slot);
  v->dtype = r.at(at + VarField::DType);
  v->count = r.at(at + VarField::ElementCount);
  if (v->slot < 0) return "negative slot";
  if (dtype_size(v->dtype) == 0) return "unknown dtype";
  if (v->count < 0) return "negative element count";
  if (const char* bad = read_shape(r, at + VarField::Rank, v->count, &v->shape)) return bad;
  v->bytes = v->count * dtype_size(v->dtype);
  return nullptr;
}

bool parse_buffers(ParseState& s, Plan* plan, int64_t offset, int64_t count, int64_t const_bytes) {
  if (!region_fits(offset, count, BUFFER_WORDS, static_cast<int64_t>(s.steps_end_word))) {
    return s.fail("buffer table outside the plan");
  }
  plan->buffers.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    size_t at = static_cast<size_t>(offset + i * BUFFER_WORDS);
    const char* bad = read_buffer(s.reader, at, plan->arena_bytes, const_bytes, &plan->buffers[static_cast<size_t>(i)]);
    if (bad) return s.fail("buffer " + std::to_string(i) + ": " + bad);
  }
  return true;
}

bool parse_vars(ParseState& s, Plan* plan, int64_t offset, int64_t count) {
  if (!region_fits(offset, count, VAR_WORDS, static_cast<int64_t>(s.steps_end_word))) {
    return s.fail("variable table outside the plan");
  }
  plan->vars.resize(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    VarDesc& v = plan->vars[static_cast<size_t>(i)];
    const char* bad = read_var(s.reader, static_cast<size_t>(offset + i * VAR_WORDS), &v);
    if (bad) return s.fail("variable " + std::to_string(i) + ": " + bad);
    for (int64_t j = 0; j < i; ++j) {
      const VarDesc& w = plan->vars[static_cast<size_t>(j)];
      if (w.slot == v.slot && (w.dtype != v.dtype || !shapes_equal(w.shape, v.shape))) {
        return s.fail("variables " + std::to_string(j) + " and " + std::to_string(i) + " share a slot but not a type");
      }
    }
  }
  return true;
}

// Feed or fetch ids: in range and in the arena.
bool parse_slots(ParseState& s, const Plan& plan, int64_t offset, int64_t count, const char* what,
                 std::vector<int32_t>* out) {
  if (!region_fits(offset, count, 1, static_cast<int64_t>(s.steps_end_word))) {
    return s.fail(std::string(what) + " table outside the plan");
  }
  for (int64_t i = 0; i < count; ++i) {
    int32_t id = s.reader.at(static_cast<size_t>(offset + i));
    if (id < 0 || static_cast<size_t>(id) >= plan.buffers.size()) {
      return s.fail(std::string(what) + " " + std::to_string(i) + ": buffer id out of range");
    }
    if (plan.buffers[static_cast<size_t>(id)].region != Region::Arena) {
      return s.fail(std::string(what) + " " + std::to_string(i) + ": not an arena buffer");
    }
    out->push_back(id);
  }
  return true;
}

// Generic step checks: operand counts and buffer ids; outputs in the arena.
const char* check_step_operands(const Plan& plan, const StepDesc& step) {
  int32_t n_buffers = static_cast<int32_t>(plan.buffers.size());
  for (int32_t i = 0; i < step.n_in; ++i) {
    if (step.in[i] < 0 || step.in[i] >= n_buffers) return "input buffer id out of range";
  }
  for (int32_t i = 0; i < step.n_out; ++i) {
    if (step.out[i] < 0 || step.out[i] >= n_buffers) return "output buffer id out of range";
    if (plan.buffers[static_cast<size_t>(step.out[i])].region != Region::Arena) return "output not in the arena";
  }
  return nullptr;
}

// Reads the step at word `*at` and advances `*at` past it.
// `copy` is the plan's copy of the steps region, which starts at word `base`.
const char* read_step(const ParseState& s, size_t* at, const int32_t* copy, size_t base, StepDesc* step) {
  const Reader& r = s.reader;
  if (*at + 4 > s.steps_end_word) return "step header past the end of the steps";
  step->kernel = r.at(*at);
  step->n_in = r.at(*at + 1);
  step->n_out = r.at(*at + 2);
  step->n_attr = r.at(*at + 3);
  if (step->n_in < 0 || step->n_in > MAX_STEP_INPUTS) return "wrong number of inputs";
  if (step->n_out < 0 || step->n_out > MAX_STEP_OUTPUTS) return "wrong number of outputs";
  if (step->n_attr < 0 || step->n_attr > MAX_STEP_ATTRS) return "wrong number of attributes";
  size_t words = 4 + static_cast<size_t>(step->n_in + step->n_out + step->n_attr);
  if (*at + words > s.steps_end_word) return "step operands past the end of the steps";
  size_t k = *at + 4;
  for (int32_t i = 0; i < step->n_in; ++i) step->in[i] = r.at(k++);
  for (int32_t i = 0; i < step->n_out; ++i) step->out[i] = r.at(k++);
  step->attr = copy + (k - base);
  *at += words;
  return nullptr;
}

bool parse_steps(ParseState& s, Plan* plan, int64_t offset, int64_t count) {
  if (!region_fits(offset, 0, 1, static_cast<int64_t>(s.steps_end_word)) || count < 0 ||
      count > static_cast<int64_t>(s.steps_end_word)) {
    return s.fail("step table outside the plan");
  }
  plan->steps.resize(static_cast<size_t>(count));
  size_t at = static_cast<size_t>(offset);
  plan->step_words.resize(s.steps_end_word - at);
  for (size_t w = 0; w < plan->step_words.size(); ++w) plan->step_words[w] = s.reader.at(at + w);
  for (int64_t i = 0; i < count; ++i) {
    StepDesc& step = plan->steps[static_cast<size_t>(i)];
    const char* bad = read_step(s, &at, plan->step_words.data(), static_cast<size_t>(offset), &step);
    const KernelEntry* entry = bad ? nullptr : kernel_lookup(step.kernel);
    if (!bad && !entry) bad = "unknown kernel id";
    if (!bad) bad = check_step_operands(*plan, step);
    if (!bad) bad = entry->validate(*plan, step);
    if (bad) {
      std::string name = entry ? std::string(" (") + entry->name + ")" : std::string();
      return s.fail("step " + std::to_string(i) + name + ": " + bad);
    }
  }
  return true;
}

bool parse_header(ParseState& s, const int32_t* h, size_t length) {
  if (h[Header::Magic] != PLAN_MAGIC) return s.fail("bad magic: not a sessionflow plan");
  if (h[Header::Version] != PLAN_VERSION) return s.fail("unsupported plan version " + std::to_string(h[Header::Version]));
  if (h[Header::TotalBytes] < 0 || static_cast<size_t>(h[Header::TotalBytes]) != length) {
    return s.fail("total byte size " + std::to_string(h[Header::TotalBytes]) + " differs from the " +
                  std::to_string(length) + " bytes given");
  }
  int64_t const_at = h[Header::ConstByteOffset];
  int64_t const_bytes = h[Header::ConstBytes];
  if (const_at < HEADER_WORDS * 4 || const_at % ALIGN_BYTES != 0 || const_bytes < 0 ||
      const_at + const_bytes > static_cast<int64_t>(length)) {
    return s.fail("constants blob outside the plan");
  }
  if (h[Header::ArenaBytes] < 0) return s.fail("negative arena size");
  for (int field = Header::NumBuffers; field <= Header::NumFetches; ++field) {
    if (h[field] < 0) return s.fail("negative table size");
  }
  s.steps_end_word = static_cast<size_t>(const_at / 4);
  return true;
}

}  // namespace

int32_t dtype_size(int32_t dtype) {
  switch (dtype) {
    case DTypeCode::float32: return 4;
    case DTypeCode::int32: return 4;
    case DTypeCode::bool_: return 1;
    default: return 0;
  }
}

bool plan_parse(const uint8_t* bytes, size_t length, Plan* plan, std::string* why) {
  ParseState s{Reader{bytes, length / 4}, 0, why};
  if (bytes == nullptr || length < static_cast<size_t>(HEADER_WORDS) * 4 || length % 4 != 0) {
    return s.fail("truncated: " + std::to_string(length) + " bytes is not a plan");
  }
  int32_t h[HEADER_WORDS];
  for (int i = 0; i < HEADER_WORDS; ++i) h[i] = s.reader.at(static_cast<size_t>(i));
  if (!parse_header(s, h, length)) return false;
  plan->arena_bytes = h[Header::ArenaBytes];
  if (!parse_buffers(s, plan, h[Header::BuffersOffset], h[Header::NumBuffers], h[Header::ConstBytes])) return false;
  if (!parse_vars(s, plan, h[Header::VarsOffset], h[Header::NumVars])) return false;
  if (!parse_slots(s, *plan, h[Header::FeedsOffset], h[Header::NumFeeds], "feed", &plan->feeds)) return false;
  if (!parse_slots(s, *plan, h[Header::FetchesOffset], h[Header::NumFetches], "fetch", &plan->fetches)) return false;
  if (!parse_steps(s, plan, h[Header::StepsOffset], h[Header::NumSteps])) return false;
  size_t const_bytes = static_cast<size_t>(h[Header::ConstBytes]);
  if (!plan->constants.reserve(const_bytes)) throw std::bad_alloc();
  if (const_bytes > 0) std::memcpy(plan->constants.data(), bytes + h[Header::ConstByteOffset], const_bytes);
  return true;
}

}  // namespace sf
