// MpiCommunicator: the ranks of a job started by an MPI launcher (mpirun, srun), as a Communicator.
#pragma once

#include <memory>
#include <string_view>

#include "dist/communicator.hpp"

namespace tapegrad::dist {

/// Whether this process was started by an MPI launcher (Open MPI's mpirun,
/// MPICH's hydra or Slurm's srun with PMI or PMIx), judged from the environment
/// they set: a plain run never initialises MPI, so it prints nothing of MPI's.
bool launched_by_mpi();

/// The ranks this process belongs to: MPI_COMM_WORLD (an MpiCommunicator) when
/// an MPI launcher started it, else a SingleProcess. Under a launcher each
/// rank's BLAS takes its share of the node's cores, unless OPENBLAS_NUM_THREADS
/// or OMP_NUM_THREADS say otherwise (every core each would oversubscribe them).
std::unique_ptr<Communicator> launched_communicator();

/// MPI_COMM_WORLD. Constructing it initialises MPI (MPI_Init_thread), destroying
/// it finalises MPI; at most one may exist in a process's life. Errors in a
/// collective abort every rank (MPI's default handler), so a failure is never
/// a hang.
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator();
  ~MpiCommunicator() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(std::span<float> values) override;
  void sum(std::span<double> values) override;
  void broadcast(std::span<float> values) override;
  void broadcast(std::span<double> values) override;
  std::uint64_t max(std::uint64_t value) override;

  /// How many ranks of the job share this rank's node (its shared memory).
  int ranks_on_node() const { return ranks_on_node_; }

  /// Prints `error: rank R of N: message` on stderr and ends every rank of the
  /// job with `code` (MPI_Abort): for a failure the other ranks cannot know of,
  /// while they may be waiting for this one in a collective.
  [[noreturn]] void abort(std::string_view message, int code) const override;

 private:
  int rank_ = 0;
  int size_ = 1;
  int ranks_on_node_ = 1;
};

}  // namespace tapegrad::dist
