#include "session.h"

#include <cstring>

#include "kernels/kernels.h"

namespace sf {

Session::Session(int32_t intra_op_threads) : pool_(std::make_unique<ThreadPool>(intra_op_threads)) {}

Session::~Session() = default;

int32_t Session::load_plan(const uint8_t* bytes, size_t length, int32_t* id, std::string* why) {
  auto loaded = std::make_unique<LoadedPlan>();
  Plan* plan = &loaded->plan;
  if (!plan_parse(bytes, length, plan, why)) return Status::InvalidPlan;
  if (!arena_.reserve(static_cast<size_t>(plan->arena_bytes))) {
    *why = "cannot grow the arena to " + std::to_string(plan->arena_bytes) + " bytes";
    return Status::OutOfMemory;
  }
  loaded->states.resize(plan->steps.size());
  for (size_t s = 0; s < plan->steps.size(); ++s) {
    if (kernel_prepare(*plan, plan->steps[s], pool_.get(), &loaded->states[s]) != Status::Ok) {
      *why = "cannot prepare step " + std::to_string(s);
      return Status::OutOfMemory;
    }
  }
  if (next_id_ == INT32_MAX) next_id_ = 1;
  while (plans_.count(next_id_) != 0) ++next_id_;
  *id = next_id_++;
  plans_[*id] = std::move(loaded);
  return Status::Ok;
}

bool Session::free_plan(int32_t id) { return plans_.erase(id) != 0; }

const Plan* Session::plan(int32_t id) const {
  auto it = plans_.find(id);
  return it == plans_.end() ? nullptr : &it->second->plan;
}

uint8_t* Session::buffer_data(const Plan& plan, const BufferDesc& buffer) const {
  if (buffer.region != Region::Arena) return plan.constants.data() + buffer.byte_offset;
  // A fed range is pinned for the whole run, so any buffer inside it is that
  // feed (or a view of it), which kernels only read.
  for (const ExternalFeed& feed : external_) {
    if (buffer.byte_offset >= feed.offset && buffer.byte_offset + buffer.bytes <= feed.offset + feed.bytes) {
      return const_cast<uint8_t*>(feed.data) + (buffer.byte_offset - feed.offset);
    }
  }
  return arena_.data() + buffer.byte_offset;
}

int32_t Session::run_step(LoadedPlan& loaded, size_t s, int32_t* arg) {
  const Plan& plan = loaded.plan;
  const StepDesc& step = plan.steps[s];
  KernelCall call;
  call.step = &step;
  call.plan = &plan;
  call.vars = &vars_;
  call.streams = &streams_;
  call.pool = pool_.get();
  call.scratch = &scratch_;
  call.state = &loaded.states[s];
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
  return run_in_place(id);
}

RunResult Session::run_in_place(int32_t id, const ByteView* external, size_t n_external) {
  RunResult result;
  auto found = plans_.find(id);
  if (found == plans_.end() || (external != nullptr && n_external != found->second->plan.feeds.size())) {
    result.status = Status::InvalidPlan;
    return result;
  }
  external_.clear();
  for (size_t i = 0; i < n_external; ++i) {
    const BufferDesc& b = found->second->plan.buffers[static_cast<size_t>(found->second->plan.feeds[i])];
    if (external[i].data == nullptr || b.bytes == 0) continue;
    if (external[i].length != static_cast<size_t>(b.bytes)) {
      result.status = Status::InvalidPlan;
      return result;
    }
    external_.push_back(ExternalFeed{b.byte_offset, b.bytes, external[i].data});
  }
  struct Reset {  // the caller's memory is only borrowed for this run
    std::vector<ExternalFeed>& list;
    ~Reset() { list.clear(); }
  } reset{external_};
  for (size_t s = 0; s < found->second->plan.steps.size(); ++s) {
    int32_t status = run_step(*found->second, s, &result.arg);
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
  pool_ = std::make_unique<ThreadPool>(pool_->size());  // joins the workers; new ones start on demand
}

}  // namespace sf
