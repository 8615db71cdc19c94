// MpiCommunicator: each collective as one MPI call on MPI_COMM_WORLD.
#include "dist/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "autograd/kernels.hpp"

namespace tapegrad::dist {
namespace {

// MPI counts are ints: longer buffers go in pieces.
constexpr std::size_t kMaxCount = std::numeric_limits<int>::max();

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <>
MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }

template <class T>
void sum_in_place(std::span<T> values) {
  for (std::size_t at = 0; at < values.size(); at += kMaxCount) {
    const auto count = static_cast<int>(std::min(kMaxCount, values.size() - at));
    MPI_Allreduce(MPI_IN_PLACE, values.data() + at, count, mpi_type<T>(), MPI_SUM, MPI_COMM_WORLD);
  }
}

template <class T>
void broadcast_from_0(std::span<T> values) {
  for (std::size_t at = 0; at < values.size(); at += kMaxCount) {
    const auto count = static_cast<int>(std::min(kMaxCount, values.size() - at));
    MPI_Bcast(values.data() + at, count, mpi_type<T>(), 0, MPI_COMM_WORLD);
  }
}

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(name)) return true;
  return false;
}

std::unique_ptr<Communicator> launched_communicator() {
  if (!launched_by_mpi()) return std::make_unique<SingleProcess>();
  auto mpi = std::make_unique<MpiCommunicator>();
  if (!std::getenv("OPENBLAS_NUM_THREADS") && !std::getenv("OMP_NUM_THREADS")) {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    set_num_threads(std::max(1, cores / mpi->ranks_on_node()));
  }
  return mpi;
}

MpiCommunicator::MpiCommunicator() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) throw std::logic_error("MpiCommunicator: MPI is already initialised");
  // Only the main thread calls MPI.
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &ranks_on_node_);
  MPI_Comm_free(&node);
}

MpiCommunicator::~MpiCommunicator() { MPI_Finalize(); }

void MpiCommunicator::sum(std::span<float> values) { sum_in_place(values); }
void MpiCommunicator::sum(std::span<double> values) { sum_in_place(values); }
void MpiCommunicator::broadcast(std::span<float> values) { broadcast_from_0(values); }
void MpiCommunicator::broadcast(std::span<double> values) { broadcast_from_0(values); }

std::uint64_t MpiCommunicator::max(std::uint64_t value) {
  std::uint64_t result = 0;
  MPI_Allreduce(&value, &result, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
  return result;
}

void MpiCommunicator::abort(std::string_view message, int code) const {
  fmt::print(stderr, "error: rank {} of {}: {}\n", rank_, size_, message);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // MPI_Abort does not return; this tells the compiler so
}

}  // namespace tapegrad::dist
