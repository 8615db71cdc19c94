// Ranks: MPI under a launcher when built with it, a single process otherwise; the error vote.
#include "dist/ranks.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "autograd/kernels.hpp"
#include "io/text.hpp"

#ifdef TAPEGRAD_HAVE_MPI
#include "dist/mpi_communicator.hpp"
#endif

namespace tapegrad::tools {

Ranks::Ranks() {
#ifdef TAPEGRAD_HAVE_MPI
  if (dist::launched_by_mpi()) {
    auto mpi = std::make_unique<dist::MpiCommunicator>();
    // Ranks on one node share its cores: unless told otherwise, each rank's
    // BLAS takes its share instead of every core (which would oversubscribe).
    if (!std::getenv("OPENBLAS_NUM_THREADS") && !std::getenv("OMP_NUM_THREADS")) {
      const int cores = static_cast<int>(std::thread::hardware_concurrency());
      set_num_threads(std::max(1, cores / mpi->ranks_on_node()));
    }
    comm_ = std::move(mpi);
    return;
  }
#endif
  comm_ = std::make_unique<dist::SingleProcess>();
}

Ranks::~Ranks() = default;

void Ranks::settle(const std::exception_ptr& error) {
  const bool failed = error != nullptr;
  const int first = comm_->lowest_with(failed);
  if (first < 0) return;
  const bool everyone = comm_->all(failed);
  if (size() == 1) std::rethrow_exception(error);
  std::string message;
  if (rank() == first) {
    try {
      std::rethrow_exception(error);
    } catch (const std::bad_alloc&) {
      message = "out of memory";
    } catch (const std::exception& e) {
      message = e.what();
    }
    if (!everyone) message = fmt::format("rank {} of {}: {}", rank(), size(), message);
  }
  report_and_wait(message, rank() == first);
}

void Ranks::report_and_wait(const std::string& message, bool reporter) {
  if (reporter) {
    fmt::print(stderr, "error: {}\n", io::one_line(message));
    std::fflush(stderr);
  }
  comm_->all(true);
  throw RankFailed();
}

void Ranks::abort(const std::string& message) {
#ifdef TAPEGRAD_HAVE_MPI
  if (auto* mpi = dynamic_cast<dist::MpiCommunicator*>(comm_.get())) mpi->abort(message, 2);
#endif
  // Only a single process gets here, and guard rethrows for it instead.
  fmt::print(stderr, "error: {}\n", message);
  std::exit(2);
}

}  // namespace tapegrad::tools
