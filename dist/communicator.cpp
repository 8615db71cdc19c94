// Communicator: collectives derived from the primitive ones.
#include "dist/communicator.hpp"

namespace tapegrad::dist {

int Communicator::lowest_with(bool flag) {
  // The largest of (size - rank) over the flagged ranks names the lowest of them.
  const std::uint64_t key = flag ? static_cast<std::uint64_t>(size() - rank()) : 0;
  const std::uint64_t top = max(key);
  return top == 0 ? -1 : size() - static_cast<int>(top);
}

}  // namespace tapegrad::dist
