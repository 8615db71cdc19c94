// Communicator: the ranks of a data-parallel run and the collectives training needs from them.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace tapegrad::dist {

/// The processes ("ranks") that train one model together, numbered 0..size-1.
/// Every member function is a collective: every rank must call it, in the same
/// order, with buffers of the same length; the result is the same on every rank.
/// `SingleProcess` is the run without a launcher; dist/mpi_communicator.hpp
/// wraps an MPI communicator (built only when MPI is found).
class Communicator {
 public:
  Communicator() = default;
  virtual ~Communicator() = default;
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// Element-wise sum over the ranks, in place.
  virtual void sum(std::span<float> values) = 0;
  virtual void sum(std::span<double> values) = 0;
  /// Rank 0's values, in place, on every rank.
  virtual void broadcast(std::span<float> values) = 0;
  virtual void broadcast(std::span<double> values) = 0;
  /// The largest of the ranks' values.
  virtual std::uint64_t max(std::uint64_t value) = 0;

  /// Whether `ok` holds on every rank.
  bool all(bool ok) { return max(ok ? 0 : 1) == 0; }
  /// The lowest rank whose `flag` is set, or -1 if none.
  int lowest_with(bool flag);
  /// Whether `value` is the same on every rank.
  bool same(std::uint64_t value) { return max(value) == ~max(~value); }

  /// Not a collective: prints `error: message` on stderr and ends the run with
  /// exit status `code`, for a failure the other ranks cannot know of while they
  /// may be waiting for this one in a collective. This process alone here;
  /// MpiCommunicator ends every rank of the job.
  [[noreturn]] virtual void abort(std::string_view message, int code) const;
};

/// A run of one rank: collectives are no-ops.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(std::span<float>) override {}
  void sum(std::span<double>) override {}
  void broadcast(std::span<float>) override {}
  void broadcast(std::span<double>) override {}
  std::uint64_t max(std::uint64_t value) override { return value; }
};

}  // namespace tapegrad::dist
