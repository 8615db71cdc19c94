// Arena: block storage for tape values whose addresses never move.
#pragma once

#include <algorithm>
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
    // Tensors start on a cache line so elementwise loops vectorise cleanly;
    // scalars pack densely, as scalar mode makes millions of them.
    constexpr std::size_t line = 64 / sizeof(T);
    while (block_ < blocks_.size()) {
      std::size_t start = used_;
      if (n >= line) start = (start + line - 1) / line * line;
      if (start + n <= blocks_[block_].size) {
        used_ = start + n;
        return blocks_[block_].data.get() + start;
      }
      ++block_;
      used_ = 0;
    }
    const std::size_t size = std::max(n, std::max(kMinBlock, total_ / 2));
    blocks_.push_back(Block{std::unique_ptr<T[], Free>(static_cast<T*>(
                                ::operator new[](size * sizeof(T), std::align_val_t{64}))),
                            size});
    total_ += size;
    block_ = blocks_.size() - 1;
    used_ = n;
    return blocks_[block_].data.get();
  }

  Mark mark() const { return {block_, used_}; }
  void rewind(Mark m) {
    block_ = m.block;
    used_ = m.used;
  }
  std::size_t capacity() const { return total_; }

 private:
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
};

}  // namespace tapegrad
