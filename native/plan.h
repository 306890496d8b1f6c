// A parsed, fully validated ExecutionPlan (format: src/compiler/plan-format.ts).
// Parsing checks every count, offset, buffer id, kernel id, attribute and
// dtype/shape combination, so kernels can trust what they are handed: a
// malformed plan is rejected here with a message, never run.
//
//   sf::Plan plan;
//   std::string why;
//   if (!sf::plan_parse(bytes, length, &plan, &why)) { /* InvalidPlan: why */ }
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "arena.h"
#include "format.h"

namespace sf {

// Fused programs take several inputs and many attribute words.
constexpr int32_t MAX_STEP_INPUTS = 16;
constexpr int32_t MAX_STEP_OUTPUTS = 1;
constexpr int32_t MAX_STEP_ATTRS = 1 << 16;

struct Shape {
  int32_t rank = 0;
  int64_t dims[MAX_RANK] = {};
};

struct BufferDesc {
  int32_t dtype = 0;
  int32_t region = 0;
  int64_t byte_offset = 0;
  int64_t count = 0;
  int64_t bytes = 0;
  Shape shape;
};

struct VarDesc {
  int32_t slot = 0;
  int32_t dtype = 0;
  int64_t count = 0;
  int64_t bytes = 0;
  Shape shape;
};

struct StepDesc {
  int32_t kernel = 0;
  int32_t n_in = 0;
  int32_t n_out = 0;
  int32_t n_attr = 0;
  int32_t in[MAX_STEP_INPUTS] = {};
  int32_t out[MAX_STEP_OUTPUTS] = {};
  const int32_t* attr = nullptr;  // n_attr words inside Plan::step_words
};

struct Plan {
  int64_t arena_bytes = 0;
  std::vector<BufferDesc> buffers;
  std::vector<VarDesc> vars;
  std::vector<int32_t> feeds;
  std::vector<int32_t> fetches;
  std::vector<StepDesc> steps;
  std::vector<int32_t> step_words;  // a copy of the steps region; StepDesc::attr points into it
  AlignedBuffer constants;  // a copy of the plan's constants blob
};

// Bytes per element of a dtype code; 0 for an unknown code.
int32_t dtype_size(int32_t dtype);

// Parses and validates `length` bytes. On failure returns false and sets `why`.
// Throws only std::bad_alloc (for the plan's tables).
bool plan_parse(const uint8_t* bytes, size_t length, Plan* plan, std::string* why);

}  // namespace sf
