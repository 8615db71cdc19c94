// Memory: peak resident memory of a long chain of scalar statements.
#pragma once

#include <cstddef>

namespace bench {

/// Records y = y * w n times on a fresh tape and runs backward; returns the
/// growth of this process's peak resident set per statement, in bytes.
double chain_bytes_per_op(std::size_t n);
/// The same, measured in a fresh process (this program run with --memory-probe n),
/// so that no earlier workload's peak hides the chain's.
double chain_bytes_per_op_in_child(std::size_t n);

}  // namespace bench
