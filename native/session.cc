#include "session.h"

#include <cstring>

#include "kernels/kernels.h"
#include "page_advice.h"

namespace sf {

namespace {

bool inside(const BufferDesc& b, int64_t offset, int64_t bytes) {
  return b.byte_offset >= offset && b.byte_offset + b.bytes <= offset + bytes;
}
bool disjoint(const BufferDesc& b, int64_t offset, int64_t bytes) {
  return b.byte_offset + b.bytes <= offset || b.byte_offset >= offset + bytes;
}

// Fetch i may be written straight into the caller's memory when its arena
// range is its own: every other arena buffer (views of it, in-place inputs
// that die in it) lies inside it or apart from it, and it is not a feed's.
// Otherwise (a view of a larger buffer, a fetched feed, a range fetched twice)
// the value is copied out after the run.
std::vector<bool> fetches_direct(const Plan& plan) {
  std::vector<bool> direct(plan.fetches.size(), false);
  for (size_t i = 0; i < plan.fetches.size(); ++i) {
    const BufferDesc& f = plan.buffers[static_cast<size_t>(plan.fetches[i])];
    if (f.region != Region::Arena || f.bytes == 0) continue;
    bool alone = true;
    for (const BufferDesc& b : plan.buffers) {
      if (b.region == Region::Arena && b.bytes > 0 && !inside(b, f.byte_offset, f.bytes) && !disjoint(b, f.byte_offset, f.bytes)) alone = false;
    }
    for (int32_t feed : plan.feeds) {
      if (!disjoint(plan.buffers[static_cast<size_t>(feed)], f.byte_offset, f.bytes)) alone = false;
    }
    for (size_t j = 0; j < i; ++j) {
      if (!disjoint(plan.buffers[static_cast<size_t>(plan.fetches[j])], f.byte_offset, f.bytes)) alone = false;
    }
    direct[i] = alone;
  }
  return direct;
}

}  // namespace

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
  loaded->fetch_direct = fetches_direct(*plan);
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
  // feed (or a view of it), which kernels only read. A fetch's range holds
  // only buffers inside it (fetches_direct), all of which live there.
  for (const ExternalRange& range : external_) {
    if (inside(buffer, range.offset, range.bytes)) return range.data + (buffer.byte_offset - range.offset);
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

RunResult Session::run_in_place(int32_t id, const ByteView* external, size_t n_external, const MutableByteView* outputs,
                                size_t n_outputs) {
  RunResult result;
  auto found = plans_.find(id);
  if (found == plans_.end()) {
    result.status = Status::InvalidPlan;
    return result;
  }
  LoadedPlan& loaded = *found->second;
  const Plan& plan = loaded.plan;
  auto fetch_buffer = [&](size_t i) -> const BufferDesc& { return plan.buffers[static_cast<size_t>(plan.fetches[i])]; };
  bool sizes_ok = (external == nullptr || n_external == plan.feeds.size()) && (outputs == nullptr || n_outputs == plan.fetches.size());
  for (size_t i = 0; sizes_ok && i < n_external; ++i) {
    const BufferDesc& b = plan.buffers[static_cast<size_t>(plan.feeds[i])];
    sizes_ok = external[i].data == nullptr || external[i].length == static_cast<size_t>(b.bytes);
  }
  for (size_t i = 0; sizes_ok && i < n_outputs; ++i) {
    sizes_ok = outputs[i].data == nullptr || outputs[i].length == static_cast<size_t>(fetch_buffer(i).bytes);
  }
  if (!sizes_ok) {
    result.status = Status::InvalidPlan;
    return result;
  }
  external_.clear();
  for (size_t i = 0; i < n_external; ++i) {
    const BufferDesc& b = plan.buffers[static_cast<size_t>(plan.feeds[i])];
    if (external[i].data != nullptr && b.bytes > 0) {
      external_.push_back(ExternalRange{b.byte_offset, b.bytes, const_cast<uint8_t*>(external[i].data)});
    }
  }
  for (size_t i = 0; i < n_outputs; ++i) {
    const BufferDesc& b = fetch_buffer(i);
    if (outputs[i].data == nullptr || !loaded.fetch_direct[i]) continue;
    advise_huge_pages_if_fresh(outputs[i].data, static_cast<size_t>(b.bytes));
    external_.push_back(ExternalRange{b.byte_offset, b.bytes, outputs[i].data});
  }
  struct Reset {  // the caller's memory is only borrowed for this run
    std::vector<ExternalRange>& list;
    ~Reset() { list.clear(); }
  } reset{external_};
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    int32_t status = run_step(loaded, s, &result.arg);
    if (status != Status::Ok) {
      result.status = status;
      result.step = static_cast<int32_t>(s);
      return result;
    }
  }
  for (size_t i = 0; i < n_outputs; ++i) {
    const BufferDesc& b = fetch_buffer(i);
    if (outputs[i].data == nullptr || loaded.fetch_direct[i] || b.bytes == 0) continue;
    std::memcpy(outputs[i].data, buffer_data(plan, b), static_cast<size_t>(b.bytes));
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
