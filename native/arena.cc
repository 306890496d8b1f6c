#include "arena.h"

#include <new>
#include <utility>

namespace sf {

bool align_up(size_t bytes, size_t* out) {
  if (bytes > SIZE_MAX - (MEMORY_ALIGN - 1)) return false;
  *out = (bytes + MEMORY_ALIGN - 1) / MEMORY_ALIGN * MEMORY_ALIGN;
  return true;
}

AlignedBuffer::~AlignedBuffer() { release(); }

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

bool AlignedBuffer::reserve(size_t bytes) {
  size_t rounded = 0;
  if (!align_up(bytes == 0 ? 1 : bytes, &rounded)) return false;
  if (data_ != nullptr && rounded <= capacity_) return true;
  void* block = ::operator new(rounded, std::align_val_t{MEMORY_ALIGN}, std::nothrow);
  if (block == nullptr) return false;
  release();
  data_ = static_cast<uint8_t*>(block);
  capacity_ = rounded;
  return true;
}

void AlignedBuffer::release() {
  if (data_ != nullptr) ::operator delete(data_, std::align_val_t{MEMORY_ALIGN});
  data_ = nullptr;
  capacity_ = 0;
}

}  // namespace sf
