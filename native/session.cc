#include "session.h"

#include <cstring>

#include "kernels/kernels.h"

namespace sf {

int32_t Session::load_plan(const uint8_t* bytes, size_t length, int32_t* id, std::string* why) {
  auto plan = std::make_unique<Plan>();
  if (!plan_parse(bytes, length, plan.get(), why)) return Status::InvalidPlan;
  if (!arena_.reserve(static_cast<size_t>(plan->arena_bytes))) {
    *why = "cannot grow the arena to " + std::to_string(plan->arena_bytes) + " bytes";
    return Status::OutOfMemory;
  }
  if (next_id_ == INT32_MAX) next_id_ = 1;
  while (plans_.count(next_id_) != 0) ++next_id_;
  *id = next_id_++;
  plans_[*id] = std::move(plan);
  return Status::Ok;
}

bool Session::free_plan(int32_t id) { return plans_.erase(id) != 0; }

const Plan* Session::plan(int32_t id) const {
  auto it = plans_.find(id);
  return it == plans_.end() ? nullptr : it->second.get();
}

uint8_t* Session::buffer_data(const Plan& plan, const BufferDesc& buffer) const {
  uint8_t* base = buffer.region == Region::Arena ? arena_.data() : plan.constants.data();
  return base + buffer.byte_offset;
}

int32_t Session::run_step(const Plan& plan, const StepDesc& step, int32_t* arg) {
  KernelCall call;
  call.step = &step;
  call.plan = &plan;
  call.vars = &vars_;
  call.streams = &streams_;
  call.scratch = &scratch_;
  for (int32_t i = 0; i < step.n_in; ++i) {
    const BufferDesc& b = plan.buffers[static_cast<size_t>(step.in[i])];
    call.in[i] = Tensor{buffer_data(plan, b), &b};
  }
  for (int32_t i = 0; i < step.n_out; ++i) {
    const BufferDesc& b = plan.buffers[static_cast<size_t>(step.out[i])];
    call.out[i] = Tensor{buffer_data(plan, b), &b};
  }
  int32_t status = kernel_lookup(step.kernel)->run(call);
  *arg = call.arg;
  return status;
}

RunResult Session::run(int32_t id, const ByteView* feeds, size_t n_feeds) {
  RunResult result;
  const Plan* plan = this->plan(id);
  if (plan == nullptr || n_feeds != plan->feeds.size()) {
    result.status = Status::InvalidPlan;
    return result;
  }
  for (size_t i = 0; i < n_feeds; ++i) {
    const BufferDesc& b = plan->buffers[static_cast<size_t>(plan->feeds[i])];
    size_t bytes = static_cast<size_t>(b.bytes);
    if (feeds[i].length != bytes) {
      result.status = Status::InvalidPlan;
      return result;
    }
    if (bytes > 0) std::memcpy(buffer_data(*plan, b), feeds[i].data, bytes);
  }
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    int32_t status = run_step(*plan, plan->steps[s], &result.arg);
    if (status != Status::Ok) {
      result.status = status;
      result.step = static_cast<int32_t>(s);
      return result;
    }
  }
  result.arg = 0;
  return result;
}

ByteView Session::fetch(int32_t id, size_t i) const {
  const Plan* plan = this->plan(id);
  if (plan == nullptr || i >= plan->fetches.size()) return ByteView{};
  const BufferDesc& b = plan->buffers[static_cast<size_t>(plan->fetches[i])];
  return ByteView{buffer_data(*plan, b), static_cast<size_t>(b.bytes)};
}

void Session::close() {
  plans_.clear();
  vars_.clear();
  streams_.clear();
  arena_.release();
  scratch_.release();
}

}  // namespace sf
