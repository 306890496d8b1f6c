#include "variables.h"

#include <new>
#include <utility>

namespace sf {

Variable* VarStore::find_initialized(int32_t slot) {
  auto it = vars_.find(slot);
  if (it == vars_.end() || !it->second.initialized) return nullptr;
  it->second.version = ++clock_;
  return &it->second;
}

const Variable* VarStore::peek_initialized(int32_t slot) const {
  auto it = vars_.find(slot);
  if (it == vars_.end() || !it->second.initialized) return nullptr;
  return &it->second;
}

Variable* VarStore::prepare(int32_t slot, int32_t dtype, int64_t count, int64_t bytes) {
  auto found = vars_.find(slot);
  if (found == vars_.end()) {
    try {
      found = vars_.emplace(slot, Variable{}).first;
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  Variable& var = found->second;
  var.version = ++clock_;
  bool same = var.storage.data() != nullptr && var.dtype == dtype && var.count == count;
  if (same) return &var;
  AlignedBuffer fresh;
  if (!fresh.reserve(static_cast<size_t>(bytes))) return nullptr;
  var.storage = std::move(fresh);
  var.dtype = dtype;
  var.count = count;
  var.bytes = bytes;
  var.initialized = false;
  return &var;
}

}  // namespace sf
