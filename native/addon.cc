// The Node-API skin over sf::Session: the only file that sees Node-API.
// Context-aware (per-environment state in Napi::Addon), so it loads in
// worker_threads too.
//
//   const addon = require('./build/Release/sessionflow.node');
//   const session = addon.createSession({ intraOpParallelismThreads: 0 });
//   const plan = session.loadPlan(bytes);             // throws .code INVALID_PLAN | OUT_OF_MEMORY
//   const out = session.run(plan, [feed0, feed1]);   // ArrayBuffer[] | { status, step, arg }
//   const later = await session.runAsync(plan, feeds); // the same, on a libuv worker thread
//   session.freePlan(plan);
//   session.close();
// A worker_threads Worker terminated mid-call makes napi_throw fail; without
// this, node-addon-api rethrows from its catch handler and std::terminate
// takes the whole process down.
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "kernels/philox.h"
#include "session.h"

namespace sf {
namespace {

[[noreturn]] void throw_coded(Napi::Env env, const std::string& message, const char* code) {
  Napi::Error error = Napi::Error::New(env, "sessionflow: " + message);
  error.Value().Set("code", Napi::String::New(env, code));
  throw error;
}

// An int32 argument, or a TypeError/RangeError naming it.
int32_t int32_arg(const Napi::Value& value, const char* what) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string("sessionflow: ") + what + " must be a number");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!(d >= INT32_MIN && d <= INT32_MAX) || std::floor(d) != d) {
    throw Napi::RangeError::New(value.Env(), std::string("sessionflow: ") + what + " must be a 32-bit integer");
  }
  return static_cast<int32_t>(d);
}

// `what` names the argument in the error; it is built only when the check fails.
template <typename Describe>
Napi::Uint8Array bytes_arg(const Napi::Value& value, Describe what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), "sessionflow: " + what() + " must be a Uint8Array");
  }
  return value.As<Napi::Uint8Array>();
}

Napi::Uint8Array bytes_arg(const Napi::Value& value, const char* what) {
  return bytes_arg(value, [what] { return std::string(what); });
}

ByteView view_of(const Napi::Uint8Array& array) { return ByteView{array.Data(), array.ByteLength()}; }

// A caller-made ArrayBuffer that a run's fetch is copied into.
struct OutputView {
  uint8_t* data = nullptr;
  size_t length = 0;
};

Napi::Object failure_object(Napi::Env env, const RunResult& result) {
  Napi::Object failure = Napi::Object::New(env);
  failure.Set("status", Napi::Number::New(env, result.status));
  failure.Set("step", Napi::Number::New(env, result.step));
  failure.Set("arg", Napi::Number::New(env, result.arg));
  return failure;
}

// Each fetch of plan `id` copied out of the arena into a new ArrayBuffer.
Napi::Value fetch_results(Napi::Env env, const Session& session, int32_t id, size_t n) {
  Napi::Array results = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) {
    ByteView fetch = session.fetch(id, i);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, fetch.length);
    if (fetch.length > 0) std::memcpy(buffer.Data(), fetch.data, fetch.length);
    results.Set(static_cast<uint32_t>(i), buffer);
  }
  return results;
}

// One runAsync: runs plan `id` on a libuv worker thread. It owns copies of the
// feeds and a reference to the Session, so a close() (or the wrapper being
// collected) meanwhile only drops the wrapper's reference: the memory is freed
// when this worker is done. `busy` is the wrapper's flag, kept alive by `owner_`.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Object owner, bool* busy, std::shared_ptr<Session> session, int32_t id, size_t n_fetches,
            std::vector<std::vector<uint8_t>> feeds)
      : Napi::AsyncWorker(owner.Env(), "sessionflow:runAsync"),
        deferred_(Napi::Promise::Deferred::New(owner.Env())),
        owner_(Napi::Persistent(owner)),
        busy_(busy),
        session_(std::move(session)),
        id_(id),
        n_fetches_(n_fetches),
        feeds_(std::move(feeds)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::vector<ByteView> views;
    views.reserve(feeds_.size());
    for (const std::vector<uint8_t>& feed : feeds_) views.push_back(ByteView{feed.data(), feed.size()});
    try {
      result_ = session_->run(id_, views.data(), views.size());
    } catch (const std::bad_alloc&) {
      SetError("sessionflow: out of memory during the run");
    }
  }

  void OnOK() override {
    *busy_ = false;
    Napi::Env env = Env();
    if (result_.status != Status::Ok) {
      deferred_.Resolve(failure_object(env, result_));
    } else {
      deferred_.Resolve(fetch_results(env, *session_, id_, n_fetches_));
    }
  }

  void OnError(const Napi::Error& error) override {
    *busy_ = false;
    deferred_.Reject(error.Value());
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  bool* busy_;
  std::shared_ptr<Session> session_;
  int32_t id_;
  size_t n_fetches_;
  std::vector<std::vector<uint8_t>> feeds_;
  RunResult result_;
};

class NativeSession : public Napi::ObjectWrap<NativeSession> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeSession",
                       {InstanceMethod("loadPlan", &NativeSession::load_plan),
                        InstanceMethod("freePlan", &NativeSession::free_plan),
                        InstanceMethod("run", &NativeSession::run),
                        InstanceMethod("arena", &NativeSession::arena),
                        InstanceMethod("runInArena", &NativeSession::run_in_arena),
                        InstanceMethod("runAsync", &NativeSession::run_async),
                        InstanceMethod("close", &NativeSession::close),
                        InstanceAccessor("closed", &NativeSession::closed, nullptr)});
  }

  // new NativeSession(intraOpThreads), called by createSession only.
  explicit NativeSession(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<NativeSession>(info),
        session_(std::make_shared<Session>(info.Length() > 0 ? int32_arg(info[0], "the thread count") : 0)) {}

 private:
  // The session, when it is open and no runAsync is using it.
  Session& open_session(Napi::Env env) {
    if (!session_) throw_coded(env, "the session is closed", "SESSION_CLOSED");
    if (busy_) throw_coded(env, "a runAsync on this session has not finished; await it first", "SESSION_BUSY");
    return *session_;
  }

  Napi::Value load_plan(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1) throw Napi::TypeError::New(env, "sessionflow: loadPlan(bytes) takes one Uint8Array");
    Napi::Uint8Array bytes = bytes_arg(info[0], "the plan");
    Session& session = open_session(env);
    std::string why;
    int32_t id = 0;
    int32_t status = Status::OutOfMemory;
    try {
      status = session.load_plan(bytes.Data(), bytes.ByteLength(), &id, &why);
    } catch (const std::bad_alloc&) {
      why = "cannot allocate the plan's tables";
    }
    // A grown arena has moved: the old view must not reach the freed block.
    if (session.arena().data != arena_view_data_ || session.arena().length != arena_view_length_) detach_arena_view();
    if (status == Status::InvalidPlan) throw_coded(env, "invalid plan: " + why, "INVALID_PLAN");
    if (status != Status::Ok) throw_coded(env, "out of memory: " + why, "OUT_OF_MEMORY");
    return Napi::Number::New(env, id);
  }

  Napi::Value free_plan(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1) throw Napi::TypeError::New(env, "sessionflow: freePlan(planId) takes one plan id");
    int32_t id = int32_arg(info[0], "the plan id");
    if (!session_) return Napi::Boolean::New(env, false);
    return Napi::Boolean::New(env, open_session(env).free_plan(id));
  }

  // run(planId, feeds[, outputs]): with `outputs` (one ArrayBuffer per fetch,
  // of its exact size, made by the caller) the fetches are copied into them and
  // run returns undefined, which saves creating buffers here (the hot path);
  // without, it returns new ArrayBuffers. A failing step returns {status, step, arg}.
  // Reads every argument first: a getter may run JS (even close this session),
  // so the session and plan are looked up only afterwards.
  Napi::Value run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || info.Length() > 3 || !info[1].IsArray() || (info.Length() == 3 && !info[2].IsArray())) {
      throw Napi::TypeError::New(env, "sessionflow: run(planId, feeds[, outputs]) takes a plan id, an array of Uint8Array and optionally an array of ArrayBuffer");
    }
    int32_t id = int32_arg(info[0], "the plan id");
    std::vector<Napi::Uint8Array> arrays = collect_feeds(info[1].As<Napi::Array>());
    std::vector<OutputView> outputs = info.Length() == 3 ? collect_outputs(info[2].As<Napi::Array>()) : std::vector<OutputView>{};
    Session& session = open_session(env);
    const Plan* plan = session.plan(id);
    if (plan == nullptr) throw Napi::RangeError::New(env, "sessionflow: unknown plan id " + std::to_string(id));
    std::vector<ByteView> feeds = check_feeds(env, *plan, arrays);
    if (info.Length() == 3) check_outputs(env, session, id, *plan, outputs);
    RunResult result = session.run(id, feeds.data(), feeds.size());
    if (result.status != Status::Ok) return failure_object(env, result);
    if (info.Length() == 2) return fetch_results(env, session, id, plan->fetches.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      ByteView fetch = session.fetch(id, i);
      if (fetch.length > 0) std::memcpy(outputs[i].data, fetch.data, fetch.length);
    }
    return env.Undefined();
  }

  static std::vector<OutputView> collect_outputs(const Napi::Array& list) {
    std::vector<OutputView> outputs;
    uint32_t n = list.Length();
    outputs.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value value = list.Get(i);
      if (!value.IsArrayBuffer()) throw Napi::TypeError::New(value.Env(), "sessionflow: output " + std::to_string(i) + " must be an ArrayBuffer");
      Napi::ArrayBuffer buffer = value.As<Napi::ArrayBuffer>();
      outputs.push_back(OutputView{static_cast<uint8_t*>(buffer.Data()), buffer.ByteLength()});
    }
    return outputs;
  }

  static void check_outputs(Napi::Env env, const Session& session, int32_t id, const Plan& plan, const std::vector<OutputView>& outputs) {
    if (outputs.size() != plan.fetches.size()) {
      throw Napi::RangeError::New(env, "sessionflow: the plan has " + std::to_string(plan.fetches.size()) +
                                           " fetches but run got " + std::to_string(outputs.size()) + " outputs");
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i].length != session.fetch(id, i).length) {
        throw Napi::RangeError::New(env, "sessionflow: output " + std::to_string(i) + " has the wrong byte length");
      }
    }
  }

  // runAsync(planId, feeds) -> Promise: checks and copies the feeds here, on
  // the JS thread, then queues the run; the session is busy until it settles.
  Napi::Value run_async(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 2 || !info[1].IsArray()) {
      throw Napi::TypeError::New(env, "sessionflow: runAsync(planId, feeds) takes a plan id and an array of Uint8Array");
    }
    int32_t id = int32_arg(info[0], "the plan id");
    std::vector<Napi::Uint8Array> arrays = collect_feeds(info[1].As<Napi::Array>());
    Session& session = open_session(env);
    const Plan* plan = session.plan(id);
    if (plan == nullptr) throw Napi::RangeError::New(env, "sessionflow: unknown plan id " + std::to_string(id));
    std::vector<ByteView> views = check_feeds(env, *plan, arrays);
    std::vector<std::vector<uint8_t>> feeds;
    feeds.reserve(views.size());
    for (const ByteView& view : views) feeds.emplace_back(view.data, view.data + view.length);
    auto* worker = new RunWorker(info.This().As<Napi::Object>(), &busy_, session_, id, plan->fetches.size(), std::move(feeds));
    busy_ = true;
    worker->Queue();
    return worker->promise();
  }

  static std::vector<Napi::Uint8Array> collect_feeds(const Napi::Array& list) {
    std::vector<Napi::Uint8Array> arrays;
    uint32_t n = list.Length();
    arrays.reserve(n);
    for (uint32_t i = 0; i < n; ++i) arrays.push_back(bytes_arg(list.Get(i), [i] { return "feed " + std::to_string(i); }));
    return arrays;
  }

  static std::vector<ByteView> check_feeds(Napi::Env env, const Plan& plan, const std::vector<Napi::Uint8Array>& arrays) {
    if (arrays.size() != plan.feeds.size()) {
      throw Napi::RangeError::New(env, "sessionflow: the plan takes " + std::to_string(plan.feeds.size()) +
                                           " feeds but run got " + std::to_string(arrays.size()));
    }
    std::vector<ByteView> feeds;
    for (size_t i = 0; i < arrays.size(); ++i) {
      size_t expected = static_cast<size_t>(plan.buffers[static_cast<size_t>(plan.feeds[i])].bytes);
      if (arrays[i].ByteLength() != expected) {
        throw Napi::RangeError::New(env, "sessionflow: feed " + std::to_string(i) + " has " +
                                             std::to_string(arrays[i].ByteLength()) + " bytes; the plan expects " +
                                             std::to_string(expected));
      }
      feeds.push_back(view_of(arrays[i]));
    }
    return feeds;
  }

  // An in-flight runAsync holds its own reference: the memory goes when it ends.
  Napi::Value close(const Napi::CallbackInfo& info) {
    detach_arena_view();
    session_.reset();
    return info.Env().Undefined();
  }

  // arena() -> ArrayBuffer over the session's arena (no copy), so the caller can
  // write feeds and read fetches in place around runInArena. The view is
  // detached (its JS length drops to 0) when the arena moves or the session
  // closes, so a stale view can never reach freed memory; call arena() again
  // after every loadPlan.
  Napi::Value arena(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ByteView memory = open_session(env).arena();
    if (!arena_view_.IsEmpty() && memory.data == arena_view_data_ && memory.length == arena_view_length_) return arena_view_.Value();
    detach_arena_view();
    Napi::ArrayBuffer view = memory.length == 0 ? Napi::ArrayBuffer::New(env, 0)
                                                : Napi::ArrayBuffer::New(env, const_cast<uint8_t*>(memory.data), memory.length);
    arena_view_ = Napi::Persistent(view);
    arena_view_data_ = memory.data;
    arena_view_length_ = memory.length;
    return view;
  }

  // runInArena(planId[, external[, outputs]]): runs with the feeds already
  // written into the arena view; the fetches are left there. `external` (one
  // entry per feed: a Uint8Array read in place for this run, or null when that
  // feed is in the arena) spares copying big feeds; `outputs` (one entry per
  // fetch: a Uint8Array of exactly its size, or null to leave it in the arena)
  // receives big fetches without a copy. Returns undefined, or {status, step, arg}.
  Napi::Value run_in_arena(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto list_or_absent = [&](size_t i) { return info.Length() <= i || info[i].IsArray() || info[i].IsNull() || info[i].IsUndefined(); };
    if (info.Length() < 1 || info.Length() > 3 || !info[0].IsNumber() || !list_or_absent(1) || !list_or_absent(2)) {
      throw Napi::TypeError::New(env, "sessionflow: runInArena(planId[, external[, outputs]]) takes a plan id and optionally arrays of Uint8Array or null");
    }
    int32_t id = int32_arg(info[0], "the plan id");
    std::vector<Napi::Uint8Array> keep;  // holds the arrays for the run
    bool has_external = info.Length() >= 2 && info[1].IsArray(), has_outputs = info.Length() >= 3 && info[2].IsArray();
    std::vector<ByteView> external = has_external ? external_list(info[1].As<Napi::Array>(), "external feed ", &keep) : std::vector<ByteView>{};
    std::vector<ByteView> outputs = has_outputs ? external_list(info[2].As<Napi::Array>(), "output ", &keep) : std::vector<ByteView>{};
    Session& session = open_session(env);
    const Plan* plan = session.plan(id);
    if (plan == nullptr) throw Napi::RangeError::New(env, "sessionflow: unknown plan id " + std::to_string(id));
    if (has_external) check_sizes(env, *plan, plan->feeds, external, "feeds", "external feed ");
    if (has_outputs) check_sizes(env, *plan, plan->fetches, outputs, "fetches", "output ");
    std::vector<MutableByteView> writable;
    for (const ByteView& out : outputs) writable.push_back(MutableByteView{const_cast<uint8_t*>(out.data), out.length});
    RunResult result = session.run_in_place(id, has_external ? external.data() : nullptr, external.size(),
                                            has_outputs ? writable.data() : nullptr, writable.size());
    return result.status == Status::Ok ? env.Undefined() : failure_object(env, result);
  }

  static std::vector<ByteView> external_list(const Napi::Array& list, const char* what, std::vector<Napi::Uint8Array>* keep) {
    std::vector<ByteView> views;
    keep->reserve(keep->size() + list.Length());
    uint32_t n = list.Length();
    for (uint32_t i = 0; i < n; ++i) {
      Napi::Value value = list.Get(i);
      if (value.IsNull() || value.IsUndefined()) {
        views.push_back(ByteView{});
        continue;
      }
      keep->push_back(bytes_arg(value, [what, i] { return what + std::to_string(i); }));
      views.push_back(view_of(keep->back()));
    }
    return views;
  }

  // One entry per feed (or fetch), each null or exactly that buffer's size.
  static void check_sizes(Napi::Env env, const Plan& plan, const std::vector<int32_t>& buffers, const std::vector<ByteView>& given,
                          const char* plural, const char* what) {
    if (given.size() != buffers.size()) {
      throw Napi::RangeError::New(env, "sessionflow: the plan has " + std::to_string(buffers.size()) + " " + plural + " but runInArena got " + std::to_string(given.size()));
    }
    for (size_t i = 0; i < given.size(); ++i) {
      size_t expected = static_cast<size_t>(plan.buffers[static_cast<size_t>(buffers[i])].bytes);
      if (given[i].data != nullptr && given[i].length != expected) {
        throw Napi::RangeError::New(env, "sessionflow: " + std::string(what) + std::to_string(i) + " has the wrong byte length");
      }
    }
  }

  void detach_arena_view() {
    if (arena_view_.IsEmpty()) return;
    Napi::ArrayBuffer view = arena_view_.Value();
    if (view.ByteLength() > 0) view.Detach();
    arena_view_.Reset();
  }

  Napi::Value closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !session_); }

  std::shared_ptr<Session> session_;  // null once closed; the finalizer frees it otherwise
  bool busy_ = false;                 // a runAsync is in flight (touched only on the JS thread)
  Napi::Reference<Napi::ArrayBuffer> arena_view_;  // the last arena() view, detached when stale
  const uint8_t* arena_view_data_ = nullptr;
  size_t arena_view_length_ = 0;
};

class SessionflowAddon : public Napi::Addon<SessionflowAddon> {
 public:
  SessionflowAddon(Napi::Env env, Napi::Object exports) {
    session_class_ = Napi::Persistent(NativeSession::define(env));
    DefineAddon(exports, {InstanceMethod("createSession", &SessionflowAddon::create_session),
                          InstanceMethod("philox4x32", &SessionflowAddon::philox4x32),
                          InstanceValue("planVersion", Napi::Number::New(env, PLAN_VERSION), napi_enumerable)});
  }

 private:
  // createSession(config?: { intraOpParallelismThreads?: number })
  Napi::Value create_session(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Value config = info.Length() > 0 ? info[0] : env.Undefined();
    if (!config.IsUndefined() && !config.IsObject()) {
      throw Napi::TypeError::New(env, "sessionflow: createSession(config) takes an object");
    }
    int32_t threads = 0;
    if (config.IsObject()) {
      Napi::Value value = config.As<Napi::Object>().Get("intraOpParallelismThreads");
      if (!value.IsUndefined()) threads = int32_arg(value, "intraOpParallelismThreads");
      if (threads < 0) throw Napi::RangeError::New(env, "sessionflow: intraOpParallelismThreads must be 0 or more");
    }
    return session_class_.New({Napi::Number::New(env, threads)});
  }

  // philox4x32([c0, c1, c2, c3, k0, k1]) -> [x0, x1, x2, x3]: one Philox4x32-10
  // block, so tests can check the generator against published known answers.
  Napi::Value philox4x32(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1 || !info[0].IsArray() || info[0].As<Napi::Array>().Length() != 6) {
      throw Napi::TypeError::New(env, "sessionflow: philox4x32 takes [c0, c1, c2, c3, k0, k1]");
    }
    uint32_t words[6];
    for (uint32_t i = 0; i < 6; ++i) words[i] = uint32_word(info[0].As<Napi::Array>().Get(i));
    PhiloxBlock out = philox4x32_10(PhiloxBlock{{words[0], words[1], words[2], words[3]}}, PhiloxKey{{words[4], words[5]}});
    Napi::Array result = Napi::Array::New(env, 4);
    for (uint32_t i = 0; i < 4; ++i) result.Set(i, Napi::Number::New(env, out.x[i]));
    return result;
  }

  static uint32_t uint32_word(const Napi::Value& value) {
    double d = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= UINT32_MAX) || std::floor(d) != d) {
      throw Napi::RangeError::New(value.Env(), "sessionflow: philox4x32 words must be integers in 0..2^32-1");
    }
    return static_cast<uint32_t>(d);
  }

  Napi::FunctionReference session_class_;
};

}  // namespace
}  // namespace sf

using SessionflowAddon = sf::SessionflowAddon;
NODE_API_ADDON(SessionflowAddon)
