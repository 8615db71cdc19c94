// Guard probe: rank 1 fails inside Ranks::guard while rank 0 waits for it in a
// collective; the job must end with rank 1's message (see mpi_train_test.cpp).
#include <stdexcept>

#include "dist/mpi_communicator.hpp"
#include "dist/ranks.hpp"

int main() {
  tapegrad::dist::Ranks ranks(tapegrad::dist::launched_communicator());
  try {
    ranks.guard([&] {
      if (ranks.rank() == 1) throw std::runtime_error("probe: rank 1 fails alone");
      double value = 1;
      ranks.comm().sum(std::span<double>(&value, 1));  // rank 1 never joins
    });
  } catch (const tapegrad::dist::RankFailed&) {
    return 2;
  }
  return 0;
}
