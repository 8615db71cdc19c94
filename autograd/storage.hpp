// Storage: a growable array of plain values for the tape's per-record columns.
#pragma once

#include <cstddef>
#include <type_traits>

namespace tapegrad::detail {

// Raw memory for Storage (storage.cpp). Small blocks come from operator new;
// large ones are mappings of their own, which grow by moving pages (mremap on
// Linux) instead of copying them, so a growing tape never holds its old and
// its new columns at once. New bytes read as zero either way.
void* storage_grow(void* data, std::size_t used_bytes, std::size_t old_bytes, std::size_t new_bytes);
void storage_free(void* data, std::size_t bytes);

/// A column of trivially copyable values: grows keeping [0, used), and the
/// elements past what was ever written read as zero.
template <class U>
class Storage {
  static_assert(std::is_trivially_copyable_v<U>);

 public:
  Storage() = default;
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage() { storage_free(data_, capacity_ * sizeof(U)); }

  U* data() const { return data_; }
  U& operator[](std::size_t k) const { return data_[k]; }
  std::size_t capacity() const { return capacity_; }
  void grow(std::size_t used, std::size_t capacity) {
    data_ = static_cast<U*>(
        storage_grow(data_, used * sizeof(U), capacity_ * sizeof(U), capacity * sizeof(U)));
    capacity_ = capacity;
  }

 private:
  U* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace tapegrad::detail
