// Thread ranks: a Communicator whose ranks are threads of one process, for testing without MPI.
#pragma once

#include <algorithm>
#include <barrier>
#include <cstdint>
#include <functional>
#include <span>
#include <thread>
#include <vector>

#include "dist/communicator.hpp"

namespace tapegrad::testing {

/// The shared state of `size` thread ranks: each collective publishes every
/// rank's buffer, waits for all, combines, and waits again before the buffers
/// may change. Sums add in rank order, as a real reduction may not.
class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), slots_(size), sync_(size) {}
  int size() const { return size_; }

  /// Runs `body(comm)` on `size` threads, one per rank, and joins them.
  void run(const std::function<void(dist::Communicator&)>& body);

 private:
  friend class ThreadRank;
  struct Slot {
    void* data = nullptr;
    std::uint64_t value = 0;
  };
  int size_;
  std::vector<Slot> slots_;
  std::barrier<> sync_;
};

class ThreadRank final : public dist::Communicator {
 public:
  ThreadRank(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  void sum(std::span<float> v) override { sum_impl(v); }
  void sum(std::span<double> v) override { sum_impl(v); }
  void broadcast(std::span<float> v) override { broadcast_impl(v); }
  void broadcast(std::span<double> v) override { broadcast_impl(v); }
  std::uint64_t max(std::uint64_t value) override {
    group_.slots_[rank_].value = value;
    group_.sync_.arrive_and_wait();
    std::uint64_t top = 0;
    for (const auto& s : group_.slots_) top = std::max(top, s.value);
    group_.sync_.arrive_and_wait();
    return top;
  }

 private:
  template <class T>
  void sum_impl(std::span<T> v) {
    std::vector<T> total(v.size(), T(0));
    group_.slots_[rank_].data = v.data();
    group_.sync_.arrive_and_wait();
    for (const auto& s : group_.slots_)
      for (std::size_t k = 0; k < v.size(); ++k) total[k] += static_cast<const T*>(s.data)[k];
    group_.sync_.arrive_and_wait();
    std::copy(total.begin(), total.end(), v.begin());
  }
  template <class T>
  void broadcast_impl(std::span<T> v) {
    group_.slots_[rank_].data = v.data();
    group_.sync_.arrive_and_wait();
    std::vector<T> root(static_cast<const T*>(group_.slots_[0].data),
                        static_cast<const T*>(group_.slots_[0].data) + v.size());
    group_.sync_.arrive_and_wait();
    std::copy(root.begin(), root.end(), v.begin());
  }

  ThreadGroup& group_;
  int rank_;
};

inline void ThreadGroup::run(const std::function<void(dist::Communicator&)>& body) {
  std::vector<std::thread> threads;
  for (int r = 0; r < size_; ++r)
    threads.emplace_back([this, r, &body] {
      ThreadRank comm(*this, r);
      body(comm);
    });
  for (auto& t : threads) t.join();
}

}  // namespace tapegrad::testing
