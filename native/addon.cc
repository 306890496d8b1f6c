// The Node-API skin over sf::Session: the only file that sees Node-API.
// Context-aware (per-environment state in Napi::Addon), so it loads in
// worker_threads too.
//
//   const addon = require('./build/Release/sessionflow.node');
//   const session = addon.createSession({ intraOpParallelismThreads: 0 });
//   const plan = session.loadPlan(bytes);             // throws .code INVALID_PLAN | OUT_OF_MEMORY
//   const out = session.run(plan, [feed0, feed1]);   // ArrayBuffer[] | { status, step, arg }
//   session.freePlan(plan);
//   session.close();
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

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

Napi::Uint8Array bytes_arg(const Napi::Value& value, const std::string& what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), "sessionflow: " + what + " must be a Uint8Array");
  }
  return value.As<Napi::Uint8Array>();
}

ByteView view_of(const Napi::Uint8Array& array) { return ByteView{array.Data(), array.ByteLength()}; }

Napi::Object failure_object(Napi::Env env, const RunResult& result) {
  Napi::Object failure = Napi::Object::New(env);
  failure.Set("status", Napi::Number::New(env, result.status));
  failure.Set("step", Napi::Number::New(env, result.step));
  failure.Set("arg", Napi::Number::New(env, result.arg));
  return failure;
}

class NativeSession : public Napi::ObjectWrap<NativeSession> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "NativeSession",
                       {InstanceMethod("loadPlan", &NativeSession::load_plan),
                        InstanceMethod("freePlan", &NativeSession::free_plan),
                        InstanceMethod("run", &NativeSession::run),
                        InstanceMethod("close", &NativeSession::close),
                        InstanceAccessor("closed", &NativeSession::closed, nullptr)});
  }

  // new NativeSession(intraOpThreads), called by createSession only.
  explicit NativeSession(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<NativeSession>(info),
        session_(std::make_unique<Session>(info.Length() > 0 ? int32_arg(info[0], "the thread count") : 0)) {}

 private:
  Session& open_session(Napi::Env env) {
    if (!session_) throw_coded(env, "the session is closed", "SESSION_CLOSED");
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
    if (status == Status::InvalidPlan) throw_coded(env, "invalid plan: " + why, "INVALID_PLAN");
    if (status != Status::Ok) throw_coded(env, "out of memory: " + why, "OUT_OF_MEMORY");
    return Napi::Number::New(env, id);
  }

  Napi::Value free_plan(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 1) throw Napi::TypeError::New(env, "sessionflow: freePlan(planId) takes one plan id");
    int32_t id = int32_arg(info[0], "the plan id");
    return Napi::Boolean::New(env, session_ && session_->free_plan(id));
  }

  // Reads every feed first: a getter may run JS (even close this session),
  // so the session and plan are looked up only afterwards.
  Napi::Value run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() != 2 || !info[1].IsArray()) {
      throw Napi::TypeError::New(env, "sessionflow: run(planId, feeds) takes a plan id and an array of Uint8Array");
    }
    int32_t id = int32_arg(info[0], "the plan id");
    std::vector<Napi::Uint8Array> arrays = collect_feeds(info[1].As<Napi::Array>());
    Session& session = open_session(env);
    const Plan* plan = session.plan(id);
    if (plan == nullptr) throw Napi::RangeError::New(env, "sessionflow: unknown plan id " + std::to_string(id));
    std::vector<ByteView> feeds = check_feeds(env, *plan, arrays);
    RunResult result = session.run(id, feeds.data(), feeds.size());
    if (result.status != Status::Ok) return failure_object(env, result);
    return fetch_results(env, session, id, plan->fetches.size());
  }

  static std::vector<Napi::Uint8Array> collect_feeds(const Napi::Array& list) {
    std::vector<Napi::Uint8Array> arrays;
    uint32_t n = list.Length();
    arrays.reserve(n);
    for (uint32_t i = 0; i < n; ++i) arrays.push_back(bytes_arg(list.Get(i), "feed " + std::to_string(i)));
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

  static Napi::Value fetch_results(Napi::Env env, const Session& session, int32_t id, size_t n) {
    Napi::Array results = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; ++i) {
      ByteView fetch = session.fetch(id, i);
      Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, fetch.length);
      if (fetch.length > 0) std::memcpy(buffer.Data(), fetch.data, fetch.length);
      results.Set(static_cast<uint32_t>(i), buffer);
    }
    return results;
  }

  Napi::Value close(const Napi::CallbackInfo& info) {
    session_.reset();
    return info.Env().Undefined();
  }

  Napi::Value closed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !session_); }

  std::unique_ptr<Session> session_;  // null once closed; the finalizer frees it otherwise
};

class SessionflowAddon : public Napi::Addon<SessionflowAddon> {
 public:
  SessionflowAddon(Napi::Env env, Napi::Object exports) {
    session_class_ = Napi::Persistent(NativeSession::define(env));
    DefineAddon(exports, {InstanceMethod("createSession", &SessionflowAddon::create_session),
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

  Napi::FunctionReference session_class_;
};

}  // namespace
}  // namespace sf

using SessionflowAddon = sf::SessionflowAddon;
NODE_API_ADDON(SessionflowAddon)
