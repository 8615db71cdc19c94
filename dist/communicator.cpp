// Communicator: collectives derived from the primitive ones, and the end of a run.
#include "dist/communicator.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace tapegrad::dist {

int Communicator::lowest_with(bool flag) {
  // The largest of (size - rank) over the flagged ranks names the lowest of them.
  const std::uint64_t key = flag ? static_cast<std::uint64_t>(size() - rank()) : 0;
  const std::uint64_t top = max(key);
  return top == 0 ? -1 : size() - static_cast<int>(top);
}

void Communicator::abort(std::string_view message, int code) const {
  fmt::print(stderr, "error: {}\n", message);
  std::fflush(stderr);
  std::exit(code);
}

}  // namespace tapegrad::dist
