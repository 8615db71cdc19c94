// Ranks: the error vote over a Communicator, and one message for an error on several ranks.
#include "dist/ranks.hpp"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "io/text.hpp"

namespace tapegrad::dist {

Ranks::Ranks() : comm_(std::make_unique<SingleProcess>()) {}

Ranks::Ranks(std::unique_ptr<Communicator> comm) : comm_(std::move(comm)) {
  if (!comm_) throw std::invalid_argument("Ranks: no communicator");
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
  comm_->abort(message, 2);
  std::abort();  // a virtual call's [[noreturn]] is not the compiler's to see
}

}  // namespace tapegrad::dist
