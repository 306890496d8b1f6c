// Variable storage of one session, keyed by the var table's `slot`. Each
// value is 64-byte aligned and separate from the arena; a variable is
// initialized once something was assigned to it.
#pragma once
#include <cstdint>
#include <unordered_map>

#include "arena.h"

namespace sf {

struct Variable {
  AlignedBuffer storage;
  int32_t dtype = 0;
  int64_t count = 0;
  int64_t bytes = 0;
  bool initialized = false;
};

class VarStore {
 public:
  // The initialized variable of `slot`, or null.
  Variable* find_initialized(int32_t slot);
  // Storage for `slot` sized for (dtype, count, bytes), allocated on first use
  // or when the size changed; null when out of memory. Leaves `initialized`
  // as it was unless the storage had to change.
  Variable* prepare(int32_t slot, int32_t dtype, int64_t count, int64_t bytes);
  void clear() { vars_.clear(); }

 private:
  std::unordered_map<int32_t, Variable> vars_;
};

}  // namespace sf
