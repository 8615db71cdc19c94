// Alloc counter: replaces the global operator new (every form) with one that counts while asked to.
//
// Include in exactly one source file of a test program (the replacements are
// ordinary definitions); it then sees every allocation made anywhere in the
// process while `alloc_counter::counting` is true.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace alloc_counter {

inline std::atomic<long> allocations{0};   ///< allocations seen while counting
inline std::atomic<bool> counting{false};  ///< switch counting on and off

inline void* allocate(std::size_t size, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (size == 0) size = 1;
  void* p = nullptr;
  if (alignment <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else if (posix_memalign(&p, alignment, size) != 0) {
    p = nullptr;
  }
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace alloc_counter

void* operator new(std::size_t size) { return alloc_counter::allocate(size, 0); }
void* operator new[](std::size_t size) { return alloc_counter::allocate(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) {
  return alloc_counter::allocate(size, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t size, std::align_val_t a) {
  return alloc_counter::allocate(size, static_cast<std::size_t>(a));
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try { return alloc_counter::allocate(size, 0); } catch (...) { return nullptr; }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try { return alloc_counter::allocate(size, 0); } catch (...) { return nullptr; }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
