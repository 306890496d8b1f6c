// A persistent pool of worker threads owned by one session, for the work
// inside a single kernel (TensorFlow's intra-op parallelism).
//
//   sf::ThreadPool pool(0);                        // 0: one thread per core
//   pool.parallel_for(0, rows, 64, [&](int64_t begin, int64_t end) {
//     for (int64_t r = begin; r < end; ++r) y[r] = f(x[r]);
//   });
//
// parallel_for cuts [begin, end) into chunks of `grain` indices (the last one
// may be shorter) and calls fn once per chunk, on the calling thread and the
// workers, returning when every chunk is done. The chunks depend only on
// begin, end and grain, never on the thread count, so a kernel whose chunks
// write disjoint outputs computes the same bits with any number of threads.
// fn must not throw. A parallel_for issued from inside a chunk runs inline.
//
// Workers start at the first parallel_for with more than one chunk and are
// joined by the destructor, so no thread outlives its session. Between jobs a
// worker first polls for the next one for a few tens of microseconds, then
// sleeps on a condition variable: a model's steps come back to back, and
// waking a sleeping thread costs more than that on a VM; the caller likewise
// polls briefly before it sleeps waiting for the last chunk.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace sf {

class ThreadPool {
 public:
  // `threads` counts the calling thread; 0 means std::thread::hardware_concurrency()
  // (both capped at 256).
  explicit ThreadPool(int32_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // The number of threads a parallel_for may use, the caller included.
  int32_t size() const { return size_; }

  // Inside a chunk: which thread runs it, in [0, size()) (0 is the caller),
  // so a kernel can give each thread its own slice of scratch memory.
  static int32_t thread_index();

  template <class F>
  void parallel_for(int64_t begin, int64_t end, int64_t grain, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    ChunkFn chunk{&fn, [](void* self, int64_t b, int64_t e) { (*static_cast<Fn*>(self))(b, e); }};
    run(begin, end, grain, chunk);
  }

 private:
  // A type-erased, non-owning reference to the caller's chunk function.
  struct ChunkFn {
    void* self;
    void (*call)(void* self, int64_t begin, int64_t end);
  };

  void run(int64_t begin, int64_t end, int64_t grain, ChunkFn fn);
  void run_inline(int64_t begin, int64_t end, int64_t grain, ChunkFn fn);
  bool start_workers();
  void worker_main(int32_t index);
  void drain();

  const int32_t size_;
  std::vector<std::thread> workers_;
  std::mutex caller_mutex_;  // one job at a time, even if two threads share the pool

  std::mutex mutex_;  // guards the fields below and the job description
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::atomic<uint64_t> generation_{0};  // bumped per job (under mutex_); workers wake when it moves
  int32_t active_ = 0;       // workers inside drain()
  bool stopping_ = false;

  // The current job; written under mutex_ only while no worker is active.
  ChunkFn fn_{nullptr, nullptr};
  int64_t begin_ = 0, end_ = 0, grain_ = 1, chunks_ = 0;
  std::atomic<int64_t> next_chunk_{0};
  std::atomic<int64_t> chunks_left_{0};
};

}  // namespace sf
