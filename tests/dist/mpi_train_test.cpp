// tapegrad train under mpirun: the model does not depend on the rank count; failures end every rank.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/model_format.hpp"
#include "tests/tools/run_process.hpp"

using namespace tapegrad;
using tapegrad::testing::ProcessResult;
using tapegrad::testing::ScratchFolder;
using tapegrad::testing::required_env;
using tapegrad::testing::write_text;

namespace {

std::string data_file(std::string_view name) {
  return required_env("TAPEGRAD_DATA_DIR") + "/" + std::string(name);
}

ProcessResult plain_run(const std::vector<std::string>& args, const ScratchFolder& scratch) {
  return testing::run_process(required_env("TAPEGRAD"), args, scratch.path());
}

// `ranks` processes of `program` started by mpirun, each through `wrapper`
// (a shell command that ends in `exec "$0" "$@"`) when one is given. What Open MPI
// needs as root in a container is given here (see docs/distributed.md);
// --timeout turns a hang into a failure.
ProcessResult mpi_run(int ranks, const std::vector<std::string>& args, const ScratchFolder& scratch,
                      const std::string& wrapper = {},
                      const std::string& program = required_env("TAPEGRAD")) {
  std::vector<std::string> all{"--allow-run-as-root", "--oversubscribe", "--timeout", "240",
                               "-np", std::to_string(ranks)};
  // Under ASan: Open MPI leaks at MPI_Finalize, in components it has unloaded
  // (LeakSanitizer cannot name them to suppress), so the ranks run without
  // leak detection. The sanitizers' other checks stay on; tapegrad's own
  // leaks are checked by the plain runs here and in tests/tools.
  const char* asan = std::getenv("ASAN_OPTIONS");
  all.insert(all.end(), {"-x", std::string("ASAN_OPTIONS=") + (asan ? asan : "") + ":detect_leaks=0"});
  if (!wrapper.empty()) all.insert(all.end(), {"/bin/sh", "-c", wrapper});
  all.push_back(program);
  all.insert(all.end(), args.begin(), args.end());
  return testing::run_process(required_env("TAPEGRAD_MPIRUN"), all, scratch.path());
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The largest relative difference between two models' weights and biases.
double model_difference(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto x = io::read_model(a), y = io::read_model(b);
  REQUIRE(x.layers.size() == y.layers.size());
  double worst = 0;
  const auto compare = [&](const Tensor<double>& p, const Tensor<double>& q) {
    REQUIRE(p.shape() == q.shape());
    for (std::size_t k = 0; k < p.size(); ++k)
      worst = std::max(worst, std::abs(p[k] - q[k]) / std::max(std::abs(q[k]), 1e-3));
  };
  for (std::size_t l = 0; l < x.layers.size(); ++l) {
    compare(x.layers[l].W, y.layers[l].W);
    compare(x.layers[l].b, y.layers[l].b);
  }
  return worst;
}

}  // namespace

TEST_CASE("-np 1, 2 and 3 train the model a plain run trains, for every optimizer, with uneven and empty shards") {
  ScratchFolder scratch("mpi_train_same");
  struct Config {
    std::string name;
    std::vector<std::string> args;
  };
  const std::vector<Config> configs = {
      // 455 training rows in batches of 32: shards of every size, last batch 7 rows.
      {"adam", {"--layers", "30,8,1", "--epochs", "4", "--batch", "32", "--optimizer", "adam"}},
      // One row a step: on 2 or 3 ranks most shards are empty.
      {"sgd", {"--layers", "30,4,1", "--epochs", "1", "--batch", "1", "--optimizer", "sgd",
               "--lr", "0.05", "--test-fraction", "0"}},
      // Two classes as softmax outputs, a batch no rank count divides.
      {"momentum", {"--layers", "30,6,2", "--epochs", "3", "--batch", "7", "--optimizer",
                    "momentum", "--activation", "relu"}},
      // Per-epoch figures summed over the ranks decide early stopping and the
      // kept epoch; clipping acts on the all-reduced gradient.
      {"adamw", {"--layers", "30,8,1", "--epochs", "40", "--optimizer", "adamw", "--lr", "0.05",
                 "--weight-decay", "0.01", "--schedule", "cosine", "--warmup", "2",
                 "--clip-norm", "0.5", "--val-fraction", "0.25", "--patience", "3",
                 "--keep-best"}},
  };
  for (const auto& config : configs) {
    CAPTURE(config.name);
    std::vector<std::string> args{"train", "--data", data_file("breast_cancer.csv")};
    args.insert(args.end(), config.args.begin(), config.args.end());
    const auto with_save = [&](const std::string& file) {
      auto a = args;
      a.insert(a.end(), {"--save", (scratch / file).string()});
      return a;
    };
    const auto plain = plain_run(with_save("plain.json"), scratch);
    REQUIRE(plain.exit_code == 0);
    for (const int ranks : {1, 2, 3}) {
      CAPTURE(ranks);
      const std::string file = "np" + std::to_string(ranks) + ".json";
      const auto run = mpi_run(ranks, with_save(file), scratch);
      INFO(run.err);
      REQUIRE(run.exit_code == 0);
      CHECK(model_difference(scratch / file, scratch / "plain.json") < 1e-9);
      // Only rank 0 prints: its lines once, and the same as the plain run's.
      CHECK(run.out == plain.out.substr(0, plain.out.find("saved")) + "saved " +
                           (scratch / file).string() + "\n");
      CHECK(count(run.err, "epoch ") == count(plain.err, "epoch "));
      CHECK(count(run.err, "stopped early") == count(plain.err, "stopped early"));
      CHECK(count(run.err, "kept the weights") == count(plain.err, "kept the weights"));
      const auto meta = nlohmann::json::parse(io::read_model(scratch / file).meta_json);
      if (ranks > 1)
        CHECK(meta["ranks"] == ranks);
      else
        CHECK_FALSE(meta.contains("ranks"));
    }
  }
}

TEST_CASE("a malformed row in one rank's shard ends every rank with that rank's message") {
  ScratchFolder scratch("mpi_train_bad_row");
  // Data row 1 (line 3) belongs to rank 1 of 2 and to rank 1 of 3.
  write_text(scratch / "bad.csv", "a,b,label\n1,2,0\n3,x,1\n5,6,0\n7,8,1\n9,10,0\n");
  const std::vector<std::string> args{"train", "--data", (scratch / "bad.csv").string(), "--layers",
                                      "2,1", "--epochs", "2", "--test-fraction", "0", "--save",
                                      (scratch / "model.json").string()};
  const auto plain = plain_run(args, scratch);
  CHECK(plain.exit_code == 2);
  CHECK(plain.err == "error: " + (scratch / "bad.csv").string() + ":3: field 2 is not a number: \"x\"\n");
  for (const int ranks : {2, 3}) {
    CAPTURE(ranks);
    const auto run = mpi_run(ranks, args, scratch);
    CHECK(run.exit_code == 2);
    CHECK(count(run.err, "error: ") == 1);
    CHECK(count(run.err, "error: rank 1 of " + std::to_string(ranks) + ": " +
                             (scratch / "bad.csv").string() +
                             ":3: field 2 is not a number: \"x\"\n") == 1);
    CHECK(run.out.empty());
    CHECK_FALSE(std::filesystem::exists(scratch / "model.json"));
  }
}

TEST_CASE("an error every rank meets is reported once, by rank 0") {
  ScratchFolder scratch("mpi_train_shared_error");
  const auto features = mpi_run(
      2, {"train", "--data", data_file("breast_cancer.csv"), "--layers", "31,1"}, scratch);
  CHECK(features.exit_code == 2);
  CHECK(count(features.err, "error: ") == 1);
  CHECK(count(features.err, "error: " + data_file("breast_cancer.csv") +
                                ": has 30 features, but --layers starts with 31 inputs\n") == 1);
  // The reduced loss overflows on every rank at once.
  const auto diverged = mpi_run(3, {"train", "--data", data_file("breast_cancer.csv"), "--layers",
                                    "30,4,1", "--optimizer", "sgd", "--lr", "1e300",
                                    "--loss", "mse", "--activation", "relu",
                                    "--output-activation", "identity", "--epochs", "3"},
                            scratch);
  CHECK(diverged.exit_code == 2);
  CHECK(count(diverged.err, "error: ") == 1);
  CHECK(count(diverged.err, "error: train: the loss became") == 1);
}

TEST_CASE("a rank that dies in training ends the job promptly, with a non-zero status") {
  ScratchFolder scratch("mpi_train_rank_dies");
  // Rank 1 may use 1 s of CPU time, then the kernel kills it; the job would
  // otherwise train for a very long time.
  const std::string wrapper =
      "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then ulimit -t 1; fi; exec \"$0\" \"$@\"";
  const auto start = std::chrono::steady_clock::now();
  const auto run = mpi_run(2, {"train", "--data", data_file("digits.csv"), "--layers", "64,128,10",
                               "--epochs", "1000000", "--save", (scratch / "model.json").string()},
                           scratch, wrapper);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(run.exit_code != 0);
  CHECK(seconds < 200);  // well before mpirun's --timeout
  CHECK(run.err.find("rank 1") != std::string::npos);
  CHECK(run.err.find("signal") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(scratch / "model.json"));
}

TEST_CASE("one rank's own error inside a collective section aborts the job with its message") {
  ScratchFolder scratch("mpi_guard");
  const auto run = mpi_run(2, {}, scratch, {}, required_env("TAPEGRAD_GUARD_PROBE"));
  CHECK(run.exit_code != 0);
  CHECK(count(run.err, "error: rank 1 of 2: probe: rank 1 fails alone\n") == 1);
  // Open MPI's own "MPI_ABORT was invoked" notice is not checked: whether it is
  // printed before mpirun tears the job down is a race.
}

int main(int argc, char** argv) {
  const char* mpirun = std::getenv("TAPEGRAD_MPIRUN");
  if (!mpirun || !*mpirun) {
    std::puts("tapegrad was built without MPI: nothing to test (skipped)");
    return 77;  // meson's exit code for a skipped test
  }
  doctest::Context context(argc, argv);
  return context.run();
}
