// Storage: operator new for small columns, page mappings that move rather than copy for large ones.
#include "autograd/storage.hpp"

#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tapegrad::detail {
namespace {

#if defined(__linux__)
// From this size on a column is a mapping of its own.
constexpr std::size_t kMapped = std::size_t{1} << 20;

bool mapped(std::size_t bytes) { return bytes >= kMapped; }
#endif

void release(void* data, std::size_t bytes) {
  if (!data) return;
#if defined(__linux__)
  if (mapped(bytes)) {
    munmap(data, bytes);
    return;
  }
#endif
  (void)bytes;
  ::operator delete(data);
}

}  // namespace

void* storage_grow(void* data, std::size_t used_bytes, std::size_t old_bytes, std::size_t new_bytes) {
#if defined(__linux__)
  if (mapped(new_bytes)) {
    void* p = nullptr;
    if (mapped(old_bytes)) {
      // The kernel moves the pages; the added ones are zero-filled on first touch.
      p = mremap(data, old_bytes, new_bytes, MREMAP_MAYMOVE);
    } else {
      p = mmap(nullptr, new_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p != MAP_FAILED && used_bytes) std::memcpy(p, data, used_bytes);
      if (p != MAP_FAILED) release(data, old_bytes);
    }
    if (p == MAP_FAILED) throw std::bad_alloc();
    return p;
  }
#endif
  // operator new, so that tests counting allocations see a tape grow.
  void* p = ::operator new(new_bytes);
  if (used_bytes) std::memcpy(p, data, used_bytes);
  std::memset(static_cast<char*>(p) + used_bytes, 0, new_bytes - used_bytes);
  release(data, old_bytes);
  return p;
}

void storage_free(void* data, std::size_t bytes) { release(data, bytes); }

}  // namespace tapegrad::detail
