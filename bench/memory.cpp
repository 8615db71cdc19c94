// Memory: peak resident memory per scalar statement on a long chain, measured in a fresh process.
#include "bench/memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "autograd/autograd.hpp"

namespace bench {
namespace {

// Peak resident set of this process so far, in bytes (Linux reports KiB).
double peak_rss() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;
}

}  // namespace

double chain_bytes_per_op(std::size_t n) {
  auto tape = std::make_unique<tapegrad::Tape<double>>();
  auto w = tape->variable(1.0 + 1e-9);
  auto y = tape->variable(0.5);
  const double before = peak_rss();
  // A chain of binary statements, y = y * w, then its gradient.
  for (std::size_t k = 0; k < n; ++k) y = y * w;
  tape->backward(y);
  const double after = peak_rss();
  if (!(w.grad()[0] > 0)) throw std::runtime_error("memory probe: no gradient");
  return (after - before) / static_cast<double>(n);
}

double chain_bytes_per_op_in_child(std::size_t n) {
  // This program's own path: in the command, /proc/self/exe would name the shell popen starts.
  char self[4096];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  if (length <= 0) throw std::runtime_error("memory probe: cannot find this program (/proc/self/exe)");
  self[length] = '\0';
  const std::string command = fmt::format("'{}' --memory-probe {}", self, n);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("memory probe: cannot start " + command);
  double bytes = -1;
  if (std::fscanf(pipe.get(), "%lf", &bytes) != 1) throw std::runtime_error("memory probe: no result");
  return bytes;
}

}  // namespace bench
