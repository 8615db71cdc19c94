// Arena: block storage for tape values whose addresses never move.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace tapegrad {

/// Bump allocator over blocks that are kept on rewind, so a step that repeats
/// the previous one's requests allocates nothing. Addresses stay valid until
/// the arena is rewound past them.
template <class T>
class Arena {
 public:
  struct Mark {
    std::size_t block = 0;
    std::size_t used = 0;
  };

  T* allocate(std::size_t n) {
    // Scalar mode's path: a bump within the current block.
    if (n < kLine && used_ + n <= current_size_) [[likely]] {
      T* p = current_ + used_;
      used_ += n;
      return p;
    }
    return allocate_slow(n);
  }

  Mark mark() const { return {block_, used_}; }
  void rewind(Mark m) {
    block_ = m.block;
    used_ = m.used;
    set_current();
  }
  std::size_t capacity() const { return total_; }

 private:
  static constexpr std::size_t kLine = 64 / sizeof(T);

  void set_current() {
    current_ = block_ < blocks_.size() ? blocks_[block_].data.get() : nullptr;
    current_size_ = block_ < blocks_.size() ? blocks_[block_].size : 0;
  }

  T* allocate_slow(std::size_t n) {
    // Tensors start on a cache line so elementwise loops vectorise cleanly;
    // scalars pack densely, as scalar mode makes millions of them.
    constexpr std::size_t line = kLine;
    while (block_ < blocks_.size()) {
      std::size_t start = used_;
      if (n >= line) start = (start + line - 1) / line * line;
      if (start + n <= blocks_[block_].size) {
        used_ = start + n;
        set_current();
        return blocks_[block_].data.get() + start;
      }
      ++block_;
      used_ = 0;
    }
    const std::size_t least = total_ / 2 > kMinBlock ? total_ / 2 : kMinBlock;
    const std::size_t size = n > least ? n : least;
    blocks_.push_back(Block{std::unique_ptr<T[], Free>(static_cast<T*>(
                                ::operator new[](size * sizeof(T), std::align_val_t{64}))),
                            size});
    total_ += size;
    block_ = blocks_.size() - 1;
    used_ = n;
    set_current();
    return blocks_[block_].data.get();
  }

  static constexpr std::size_t kMinBlock = std::size_t{1} << 14;
  struct Free {
    void operator()(T* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  struct Block {
    std::unique_ptr<T[], Free> data;
    std::size_t size;
  };
  std::vector<Block> blocks_;
  std::size_t block_ = 0;
  std::size_t used_ = 0;
  std::size_t total_ = 0;
  T* current_ = nullptr;
  std::size_t current_size_ = 0;
};

}  // namespace tapegrad
