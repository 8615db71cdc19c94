// Ranks: the error vote (agree) and shared errors (guard) on thread ranks, and one process alone.
#include "dist/ranks.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/dist/thread_ranks.hpp"

using namespace tapegrad;
using tapegrad::testing::ThreadGroup;

namespace {

// A thread rank's communicator, lent to a Ranks (which owns what it is given).
class Lent final : public dist::Communicator {
 public:
  explicit Lent(dist::Communicator& comm) : comm_(comm) {}
  int rank() const override { return comm_.rank(); }
  int size() const override { return comm_.size(); }
  void sum(std::span<float> v) override { comm_.sum(v); }
  void sum(std::span<double> v) override { comm_.sum(v); }
  void broadcast(std::span<float> v) override { comm_.broadcast(v); }
  void broadcast(std::span<double> v) override { comm_.broadcast(v); }
  std::uint64_t max(std::uint64_t value) override { return comm_.max(value); }

 private:
  dist::Communicator& comm_;
};

// What the ranks wrote on stderr while `body` ran (fd 2 sent to a file).
std::string stderr_of(const std::function<void()>& body) {
  const std::string path = "tapegrad_ranks_test_stderr.txt";
  std::fflush(stderr);
  const int saved = ::dup(2);
  REQUIRE(std::freopen(path.c_str(), "w", stderr) != nullptr);
  body();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::ostringstream text;
  text << std::ifstream(path).rdbuf();
  std::remove(path.c_str());
  return text.str();
}

// How each rank's call ended: "ok", "failed" (RankFailed) or the error's own text.
template <class Work>
std::string outcome(Work&& work) {
  try {
    work();
    return "ok";
  } catch (const dist::RankFailed&) {
    return "failed";
  } catch (const std::exception& e) {
    return e.what();
  }
}

// How each of `size` thread ranks' `call(ranks, comm)` ended, and what they printed on stderr.
struct Ends {
  std::vector<std::string> ends;
  std::string printed;
};

Ends run_ranks(int size, const std::function<void(dist::Ranks&, dist::Communicator&)>& call) {
  ThreadGroup group(size);
  Ends out{std::vector<std::string>(size), ""};
  out.printed = stderr_of([&] {
    group.run([&](dist::Communicator& comm) {
      dist::Ranks ranks(std::make_unique<Lent>(comm));
      out.ends[comm.rank()] = outcome([&] { call(ranks, comm); });
    });
  });
  return out;
}

}  // namespace

TEST_CASE("agree: when no rank fails every rank gets its own result") {
  ThreadGroup group(3);
  std::vector<int> results(3);
  group.run([&](dist::Communicator& comm) {
    dist::Ranks ranks(std::make_unique<Lent>(comm));
    results[comm.rank()] = ranks.agree([&] { return 10 * comm.rank(); });
  });
  CHECK(results == std::vector<int>{0, 10, 20});
}

TEST_CASE("agree: one rank's error is printed once, naming the rank, and every rank fails") {
  const auto run = run_ranks(3, [](dist::Ranks& ranks, dist::Communicator& comm) {
    ranks.agree([&] {
      if (comm.rank() >= 1) throw std::invalid_argument("bad.csv:3: not a number");
    });
  });
  CHECK(run.ends == std::vector<std::string>(3, "failed"));
  CHECK(run.printed == "error: rank 1 of 3: bad.csv:3: not a number\n");  // the lowest failing rank
}

TEST_CASE("agree: an error on every rank is printed once, without a rank") {
  const auto run = run_ranks(2, [](dist::Ranks& ranks, dist::Communicator&) {
    ranks.agree([]() -> int { throw std::invalid_argument("train: --lr is 0"); });
  });
  CHECK(run.ends == std::vector<std::string>(2, "failed"));
  CHECK(run.printed == "error: train: --lr is 0\n");
}

TEST_CASE("guard: a shared error is reported by rank 0 alone, and every rank fails") {
  const auto run = run_ranks(3, [](dist::Ranks& ranks, dist::Communicator& comm) {
    ranks.guard([&] {
      double loss = comm.rank() == 2 ? NAN : 1.0;
      comm.sum(std::span<double>(&loss, 1));  // every rank sees the same NaN
      if (std::isnan(loss)) throw dist::SharedError("train: the loss became nan at epoch 1");
    });
  });
  CHECK(run.ends == std::vector<std::string>(3, "failed"));
  CHECK(run.printed == "error: train: the loss became nan at epoch 1\n");
}

TEST_CASE("one process alone: agree and guard let the error itself through, printing nothing") {
  dist::Ranks ranks;
  CHECK(ranks.size() == 1);
  CHECK(ranks.leader());
  const std::string printed = stderr_of([&] {
    CHECK(outcome([&] { ranks.agree([] { throw std::invalid_argument("bad option"); }); }) ==
          "bad option");
    CHECK(outcome([&] { ranks.guard([] { throw dist::SharedError("loss is nan"); }); }) ==
          "loss is nan");
    CHECK(outcome([&] { ranks.guard([] { throw std::runtime_error("one rank's"); }); }) ==
          "one rank's");
    CHECK(ranks.agree([] { return 7; }) == 7);
  });
  CHECK(printed.empty());
  CHECK_THROWS_WITH_AS(dist::Ranks(nullptr), "Ranks: no communicator", std::invalid_argument);
}
