#include "thread_pool.h"

#include <algorithm>
#include <chrono>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sf {
namespace {

// True on a pool worker and on a caller while its job runs: a nested
// parallel_for then runs inline instead of waiting on itself.
thread_local bool inside_job = false;
thread_local int32_t worker_index = 0;  // 0 on any thread that is not a worker

// More threads than this only adds contention on any machine we target.
constexpr int32_t MAX_THREADS = 256;

// How long a thread polls before it sleeps (see the header).
constexpr auto POLL_FOR = std::chrono::microseconds(50);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// Polls `done` for up to POLL_FOR; true as soon as it holds.
template <class Done>
bool poll_briefly(Done done) {
  auto until = std::chrono::steady_clock::now() + POLL_FOR;
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= until) return false;
  }
}

int32_t resolve_size(int32_t threads) {
  if (threads > 0) return std::min(threads, MAX_THREADS);
  unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int32_t>(std::min<unsigned>(cores, MAX_THREADS));
}

}  // namespace

ThreadPool::ThreadPool(int32_t threads) : size_(resolve_size(threads)) {}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::run_inline(int64_t begin, int64_t end, int64_t grain, ChunkFn fn) {
  for (int64_t b = begin; b < end; b += grain) fn.call(fn.self, b, std::min(end, b + grain));
}

// Starts size_ - 1 workers once; false when none could be started (the
// system refused threads), in which case jobs run inline.
bool ThreadPool::start_workers() {
  if (!workers_.empty()) return true;
  try {
    workers_.reserve(static_cast<size_t>(size_ - 1));
    for (int32_t i = 1; i < size_; ++i) workers_.emplace_back([this, i] { worker_main(i); });
  } catch (const std::exception&) {
    // Keep whatever started; a partial pool still works.
  }
  return !workers_.empty();
}

void ThreadPool::run(int64_t begin, int64_t end, int64_t grain, ChunkFn fn) {
  if (end <= begin) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (end - begin - 1) / grain + 1;
  if (size_ == 1 || chunks == 1 || inside_job) return run_inline(begin, end, grain, fn);
  std::lock_guard<std::mutex> caller(caller_mutex_);
  if (!start_workers()) return run_inline(begin, end, grain, fn);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // A worker that woke late for the previous job may still be leaving it.
    work_done_.wait(lock, [this] { return active_ == 0; });
    fn_ = fn;
    begin_ = begin;
    end_ = end;
    grain_ = grain;
    chunks_ = chunks;
    next_chunk_.store(0, std::memory_order_relaxed);
    chunks_left_.store(chunks, std::memory_order_relaxed);
    ++generation_;
  }
  work_ready_.notify_all();
  inside_job = true;
  drain();
  inside_job = false;
  auto finished = [this] { return chunks_left_.load(std::memory_order_acquire) == 0; };
  if (poll_briefly(finished)) return;
  std::unique_lock<std::mutex> lock(mutex_);
  work_done_.wait(lock, finished);
}

// Claims and runs chunks of the current job until none is left.
void ThreadPool::drain() {
  for (;;) {
    int64_t chunk = next_chunk_.fetch_add(1, std::memory_order_relaxed);
    if (chunk >= chunks_) return;
    int64_t b = begin_ + chunk * grain_;
    fn_.call(fn_.self, b, std::min(end_, b + grain_));
    if (chunks_left_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);  // so the caller cannot miss the wake-up
      work_done_.notify_all();
    }
  }
}

int32_t ThreadPool::thread_index() { return worker_index; }

void ThreadPool::worker_main(int32_t index) {
  inside_job = true;
  worker_index = index;
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    work_ready_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_relaxed) != seen; });
    if (stopping_) return;
    seen = generation_.load(std::memory_order_relaxed);
    ++active_;
    lock.unlock();
    drain();
    lock.lock();
    if (--active_ == 0) work_done_.notify_all();
    // The next job usually follows at once: watch for it before sleeping.
    // (stopping_ is read under the mutex, in the wait above.)
    lock.unlock();
    poll_briefly([&] { return generation_.load(std::memory_order_relaxed) != seen; });
    lock.lock();
  }
}

}  // namespace sf
