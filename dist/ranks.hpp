// Ranks: the processes a program runs on (several under mpirun), and how their errors end them.
#pragma once

#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "dist/communicator.hpp"

namespace tapegrad::dist {

/// An error that every rank raises at the same point, decided from values all
/// ranks share (the reduced loss): rank 0 reports it, the others exit quietly.
class SharedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A failure that another rank has reported (see Ranks::agree and Ranks::guard):
/// the program ends with a failure status and no message of its own.
class RankFailed : public std::runtime_error {
 public:
  RankFailed() : std::runtime_error("another rank failed") {}
};

/// The ranks of a data-parallel run, on a Communicator: the MPI world under a
/// launcher (dist::launched_communicator() in dist/mpi_communicator.hpp, in
/// library tapegrad_mpi), otherwise this process alone. Errors end every rank
/// with one message and a non-zero status, never a hang: see `agree` and `guard`.
class Ranks {
 public:
  /// This process alone.
  Ranks();
  explicit Ranks(std::unique_ptr<Communicator> comm);
  ~Ranks();
  Ranks(const Ranks&) = delete;
  Ranks& operator=(const Ranks&) = delete;

  Communicator& comm() { return *comm_; }
  int rank() const { return comm_->rank(); }
  int size() const { return comm_->size(); }
  /// Rank 0: the one that prints and writes files.
  bool leader() const { return comm_->rank() == 0; }

  /// Runs `work`, which makes no collective calls, on every rank and agrees on
  /// the outcome. If it threw anywhere, it throws on every rank: the lowest
  /// failing rank its error (naming the rank when not all failed), the others
  /// RankFailed, which a program turns into a failure status without a message.
  template <class Work>
  auto agree(Work&& work) -> decltype(work()) {
    using Result = decltype(work());
    std::exception_ptr error;
    if constexpr (std::is_void_v<Result>) {
      try {
        work();
      } catch (...) {
        error = std::current_exception();
      }
      settle(error);
    } else {
      std::optional<Result> result;
      try {
        result.emplace(work());
      } catch (...) {
        error = std::current_exception();
      }
      settle(error);
      return std::move(*result);
    }
  }

  /// Runs `work`, which makes collective calls. A SharedError is handled as in
  /// `agree`, without a vote (every rank raised it). Any other error is one
  /// rank's alone while the others may wait for it in a collective: with
  /// several ranks it ends the whole job (Communicator::abort, MPI_Abort under
  /// MPI) with the error's message.
  template <class Work>
  auto guard(Work&& work) -> decltype(work()) {
    try {
      return work();
    } catch (const SharedError& e) {
      if (size() == 1) throw;
      report_and_wait(e.what(), leader());
    } catch (const RankFailed&) {
      throw;
    } catch (const std::bad_alloc&) {
      if (size() == 1) throw;
      abort("out of memory");
    } catch (const std::exception& e) {
      if (size() == 1) throw;
      abort(e.what());
    }
  }

 private:
  // Votes on whether `error` (null: none) happened on any rank; returns if none
  // did, throws (see `agree`) otherwise.
  void settle(const std::exception_ptr& error);
  [[noreturn]] void abort(const std::string& message);
  // Several ranks ending with one message: the reporting rank prints it, and
  // every rank waits for that (a collective) before throwing RankFailed, so
  // that no rank exits first and has mpirun kill the job before the message
  // is out.
  [[noreturn]] void report_and_wait(const std::string& message, bool reporter);

  std::unique_ptr<Communicator> comm_;
};

}  // namespace tapegrad::dist
