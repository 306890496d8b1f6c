#include "page_advice.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace sf {

void advise_huge_pages_if_fresh(uint8_t* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t HUGE_PAGE = uintptr_t{2} << 20;
  uintptr_t start = reinterpret_cast<uintptr_t>(data);
  uintptr_t first = (start + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  uintptr_t end = (start + bytes) & ~(HUGE_PAGE - 1);
  if (end <= first || end - first < 2 * HUGE_PAGE) return;
  unsigned char resident = 1;
  if (mincore(reinterpret_cast<void*>(first), 4096, &resident) != 0 || (resident & 1) != 0) return;
  // Failure (a kernel without transparent huge pages) changes nothing.
  (void)madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace sf
