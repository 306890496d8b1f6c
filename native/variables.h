// Variable storage of one session, keyed by the var table's `slot`. Each
// value is 64-byte aligned and separate from the arena; a variable is
// initialized once something was assigned to it.
//
// Every variable carries a write version, unique across the store's
// lifetime, so a kernel can cache something derived from a value (MatMul's
// packed B) and tell when it went stale. Writers get the variable from
// find_initialized or prepare, which both give it a fresh version; readers
// use peek_initialized, which does not.
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
  uint64_t version = 0;  // changes whenever the value may have changed
};

class VarStore {
 public:
  // The initialized variable of `slot` for writing (a fresh version), or null.
  Variable* find_initialized(int32_t slot);
  // The initialized variable of `slot` for reading only, or null.
  const Variable* peek_initialized(int32_t slot) const;
  // Storage for `slot` sized for (dtype, count, bytes), allocated on first use
  // or when the size changed, for writing (a fresh version); null when out of
  // memory. Leaves `initialized` as it was unless the storage had to change.
  Variable* prepare(int32_t slot, int32_t dtype, int64_t count, int64_t bytes);
  void clear() { vars_.clear(); }

 private:
  std::unordered_map<int32_t, Variable> vars_;
  uint64_t clock_ = 0;  // the last version handed out; never reused, even after clear()
};

}  // namespace sf
