// 64-byte aligned, owned memory blocks: the session arena, variable storage
// and each plan's constants.
//
//   sf::AlignedBuffer arena;
//   if (!arena.reserve(1 << 20)) { /* out of memory */ }
//   float* x = reinterpret_cast<float*>(arena.data());
#pragma once
#include <cstddef>
#include <cstdint>

namespace sf {

constexpr size_t MEMORY_ALIGN = 64;

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  ~AlignedBuffer();
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;

  // Makes room for at least `bytes`, discarding the old contents when it has
  // to reallocate. Always keeps a non-null block of at least 64 bytes, so
  // zero-size buffers still get a valid pointer. False when out of memory
  // (the old block is kept).
  bool reserve(size_t bytes);
  void release();

  uint8_t* data() const { return data_; }
  size_t capacity() const { return capacity_; }

 private:
  uint8_t* data_ = nullptr;
  size_t capacity_ = 0;
};

// `bytes` rounded up to a multiple of MEMORY_ALIGN; false on overflow.
bool align_up(size_t bytes, size_t* out);

}  // namespace sf
