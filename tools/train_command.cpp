// tapegrad train: an MLP trained on a labelled CSV file, reported and saved as a model file.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "nn/dataset.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "nn/optimizer.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"
#include "io/model_io.hpp"
#include "dist/data_parallel.hpp"
#include "tools/ranks.hpp"
#include "tools/train_data.hpp"

namespace tapegrad::tools {

namespace {

// The widest layer --layers may ask for.
constexpr std::uint32_t max_layer_size = 100000;

struct TrainOptions {
  std::filesystem::path data;
  std::string layers;
  std::string activation = "tanh";
  std::optional<std::string> output_activation;
  std::optional<std::string> loss;
  std::uint32_t epochs = 100;
  std::uint32_t batch = 32;
  std::optional<double> lr;
  std::string optimizer = "adam";
  std::uint64_t seed = 42;
  double test_fraction = 0.2;
  std::optional<std::filesystem::path> save;
};

nn::Activation activation_named(const std::string& name, std::string_view option) {
  const auto g = nn::parse_activation(name);
  if (!g)
    throw InputError(
        fmt::format("train: {} is \"{}\"; expected {}", option, name, nn::activation_names));
  return *g;
}

std::unique_ptr<nn::Optimizer<double>> make_optimizer(const TrainOptions& o,
                                                      nn::Mlp<double>& net, double lr) {
  if (o.optimizer == "sgd") return std::make_unique<nn::Sgd<double>>(net.parameters(), lr);
  if (o.optimizer == "momentum") return std::make_unique<nn::Momentum<double>>(net.parameters(), lr);
  return std::make_unique<nn::Adam<double>>(net.parameters(), lr);
}

// The standardisation x' = (x - mean) / stddev folded into layer 1, so that the
// saved model takes the file's raw features: W'_ij = W_ij / s_i and
// b'_j = b_j - sum_i (mean_i / s_i) W_ij (s_i = 1 for a constant column, which
// the standardiser only centres).
void fold_standardizer(io::LayerSpec& first, const nn::Standardizer<double>& s) {
  for (std::uint32_t i = 0; i < first.W.rows(); ++i) {
    const double scale = s.stddev()[i] > 0.0 ? 1.0 / s.stddev()[i] : 1.0;
    for (std::uint32_t j = 0; j < first.W.cols(); ++j) {
      first.W(i, j) *= scale;
      first.b[j] -= s.mean()[i] * first.W(i, j);
    }
  }
}

// Progress: a bar redrawn in place on a terminal, a line every few epochs otherwise.
class Progress {
 public:
  explicit Progress(std::uint32_t epochs)
      : epochs_(epochs), live_(::isatty(::fileno(stderr)) != 0), every_(std::max(1u, epochs / 10)) {}

  void epoch(std::uint32_t e, double loss, double samples_per_second) {
    if (live_) {
      const auto now = std::chrono::steady_clock::now();
      if (e != epochs_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
      last_draw_ = now;
      constexpr int width = 30;
      const int filled = static_cast<int>(width * static_cast<double>(e) / epochs_);
      fmt::print(stderr, "\r[{}{}] epoch {:>{}}/{}  loss {:.6f}  {:>9.0f} samples/s ",
                 std::string(filled, '#'), std::string(width - filled, '.'), e, digits(), epochs_,
                 loss, samples_per_second);
      if (e == epochs_) fmt::print(stderr, "\n");
    } else if (e % every_ == 0 || e == epochs_ || e == 1) {
      fmt::print(stderr, "epoch {:>{}}/{}  loss {:.6f}  {:.0f} samples/s\n", e, digits(), epochs_,
                 loss, samples_per_second);
    }
    std::fflush(stderr);
  }

 private:
  int digits() const { return static_cast<int>(std::to_string(epochs_).size()); }
  std::uint32_t epochs_;
  bool live_;
  std::uint32_t every_;
  std::chrono::steady_clock::time_point last_draw_{};
};

std::string accuracy_line(std::string_view what, double accuracy, std::uint32_t rows) {
  const auto right = static_cast<std::uint32_t>(std::lround(accuracy * rows));
  return fmt::format("{} accuracy {:.2f}% ({}/{})", what, 100.0 * accuracy, right, rows);
}

// What the options decide, checked before any work.
struct TrainSetup {
  std::vector<std::uint32_t> layers;  // sizes, inputs to outputs
  nn::LossKind loss = nn::LossKind::bce;
  std::vector<nn::Activation> activations;  // one per layer
  double lr = 0;
};

// The standardiser divides by each column's spread: a column whose values
// are so large that their squares overflow cannot be scaled; name it rather
// than let the loss become NaN. Every rank holds the same standardiser.
void require_scalable(const nn::Standardizer<double>& s, std::string_view source) {
  for (std::uint32_t i = 0; i < s.mean().cols(); ++i)
    if (!std::isfinite(s.mean()[i]) || !std::isfinite(s.stddev()[i]))
      throw SharedError(fmt::format("{}: feature column {} holds values too large to standardise "
                                    "(their sum of squares overflows a double); rescale that column",
                                    source, i + 1));
}

TrainSetup check_options(const TrainOptions& o) {
  std::vector<std::uint32_t> layers = parse_sizes(o.layers, "train: --layers", max_layer_size);
  if (layers.size() < 2)
    throw InputError("train: --layers needs at least two sizes, inputs and outputs (e.g. 30,16,1)");
  if (o.save) io::check_output(*o.save, {o.data});
  const std::uint32_t outputs = layers.back();
  const nn::Activation hidden = activation_named(o.activation, "--activation");
  nn::LossKind loss = outputs == 1 ? nn::LossKind::bce : nn::LossKind::softmax_ce;
  if (o.loss) {
    const auto parsed = nn::parse_loss(*o.loss);
    if (!parsed)
      throw InputError(fmt::format(
          "train: --loss is \"{}\"; expected bce, half_sse, softmax_ce or mse", *o.loss));
    loss = *parsed;
  }
  nn::Activation output = loss == nn::LossKind::softmax_ce ? nn::Activation::identity
                                                           : nn::Activation::sigmoid;
  if (o.output_activation) output = activation_named(*o.output_activation, "--output-activation");
  if (loss == nn::LossKind::bce && output != nn::Activation::sigmoid)
    throw InputError("train: --loss bce needs --output-activation sigmoid");
  if (loss == nn::LossKind::softmax_ce && output != nn::Activation::identity)
    throw InputError("train: --loss softmax_ce needs --output-activation identity");
  if (loss == nn::LossKind::softmax_ce && outputs < 2)
    throw InputError("train: --loss softmax_ce needs at least 2 outputs (one per class)");
  if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0))
    throw InputError(fmt::format("train: --test-fraction is {}; expected 0 <= F < 1", o.test_fraction));
  const double lr = o.lr.value_or(o.optimizer == "adam" ? 0.01 : 0.1);
  if (!(lr > 0.0 && std::isfinite(lr))) throw InputError(fmt::format("train: --lr is {}; expected > 0", lr));
  std::vector<nn::Activation> activations(layers.size() - 1, hidden);
  activations.back() = output;
  return {std::move(layers), loss, std::move(activations), lr};
}

// The accuracy over every rank's rows of a set of `rows` rows in all.
double accuracy_of(const nn::Mlp<double>& net, const nn::Dataset<double>& mine, std::uint32_t rows,
                   dist::Communicator& comm) {
  double right = 0;
  if (mine.size() > 0)
    right = std::round(nn::accuracy<double>(net.predict(mine.x), mine.y) * mine.size());
  comm.sum(std::span<double>(&right, 1));
  return right / rows;
}

// A trained network and what rank 0 reports of it.
struct Trained {
  nn::Mlp<double> net;
  nn::Standardizer<double> standardizer;
  double final_loss = 0;
  double train_accuracy = 0;
  std::optional<double> test_accuracy;
};

// Standardises the data and trains, on every rank (collective calls throughout).
Trained train(const TrainOptions& o, const TrainSetup& setup, TrainShard& split, Ranks& ranks) {
  dist::Communicator& comm = ranks.comm();
  const auto standardizer = nn::Standardizer<double>::fit(
      split.train.x, [&comm](std::span<double> sums) { comm.sum(sums); });
  require_scalable(standardizer, io::shown(o.data));
  split.train.x = standardizer.apply(split.train.x);
  if (split.test.size() > 0) split.test.x = standardizer.apply(split.test.x);

  const nn::LossKind loss = setup.loss;
  const double lr = setup.lr;
  nn::Mlp<double> net(setup.layers, setup.activations, o.seed);
  auto optimizer = make_optimizer(o, net, lr);
  dist::DataParallel<double> group(comm, *optimizer);

  Tape<double> tape;
  tape.set_naming(false);
  Generator generator(o.seed);
  std::vector<std::uint32_t> order, shard_rows;
  Tensor<double> x_batch, y_batch;
  const std::uint32_t m = split.train_size();
  Progress progress(o.epochs);
  const auto start = std::chrono::steady_clock::now();
  double epoch_loss = 0.0;
  for (std::uint32_t epoch = 1; epoch <= o.epochs; ++epoch) {
    nn::shuffle_indices(order, m, generator);
    double total = 0.0;
    for (std::uint32_t first = 0; first < m; first += o.batch) {
      const std::span<const std::uint32_t> rows(order.data() + first, std::min(o.batch, m - first));
      split.rows_of(rows, shard_rows);
      nn::gather_rows(split.train.x, shard_rows, x_batch);
      nn::gather_rows(split.train.y, shard_rows, y_batch);
      const double L = dist::train_step(group, tape, net, loss, x_batch, y_batch,
                                        static_cast<std::uint32_t>(rows.size()));
      total += L * static_cast<double>(rows.size());
    }
    epoch_loss = total / m;
    if (!std::isfinite(epoch_loss))
      throw SharedError(fmt::format("train: the loss became {} at epoch {}; try a smaller --lr",
                                    epoch_loss, epoch));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate = seconds > 0 ? static_cast<double>(epoch) * m / seconds : 0.0;
    if (ranks.leader()) progress.epoch(epoch, epoch_loss, rate);
  }
  if (!group.replicas_agree())
    throw SharedError("train: the ranks' weights differ after training (the MPI sum is not "
                      "the same on every rank)");

  Trained out{std::move(net), standardizer, epoch_loss, 0.0, std::nullopt};
  out.train_accuracy = accuracy_of(out.net, split.train, m, comm);
  if (split.test_size > 0)
    out.test_accuracy = accuracy_of(out.net, split.test, split.test_size, comm);
  return out;
}

// Rank 0's part: the accuracy lines and the model file.
void report(const TrainOptions& o, const TrainSetup& setup, const TrainShard& split,
            const Trained& t, int ranks) {
  fmt::print("{}\n", accuracy_line("train", t.train_accuracy, split.train_size()));
  if (t.test_accuracy)
    fmt::print("{}\n", accuracy_line("test ", *t.test_accuracy, split.test_size));

  if (o.save) {
    io::ModelSpec spec = io::to_spec(t.net);
    fold_standardizer(spec.layers.front(), t.standardizer);
    spec.loss = setup.loss;
    spec.reduction = Reduction::mean;
    nlohmann::json meta = {
        {"trained_by", "tapegrad train"},
        {"data", o.data.string()},
        {"epochs", o.epochs},
        {"batch", o.batch},
        {"optimizer", o.optimizer},
        {"lr", setup.lr},
        {"seed", o.seed},
        {"test_fraction", o.test_fraction},
        {"final_loss", t.final_loss},
        {"train_accuracy", t.train_accuracy},
        {"standardization", "folded into layers[0]: the model takes raw features"},
    };
    if (ranks > 1) meta["ranks"] = ranks;
    if (t.test_accuracy) meta["test_accuracy"] = *t.test_accuracy;
    // A file name need not be UTF-8; JSON text must be.
    spec.meta_json = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    io::write_model(spec, *o.save);
    fmt::print("saved {}\n", io::shown(*o.save));
  }
}

// Under mpirun every rank runs this on its shard of the data (see
// docs/distributed.md); only rank 0 prints and writes files.
int run_train(const TrainOptions& o) {
  Ranks ranks;
  // Options first, so a mistake is reported before any work.
  const TrainSetup setup = ranks.agree([&] { return check_options(o); });
  TrainShard data = ranks.agree([&] {
    return read_train_shard(o.data, setup.layers.front(), setup.layers.back(), o.test_fraction, o.seed,
                            ranks.rank(), ranks.size());
  });
  const Trained trained = ranks.guard([&] { return train(o, setup, data, ranks); });
  if (ranks.leader()) report(o, setup, data, trained, ranks.size());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto* command = app.add_subcommand(
      "train", "Train an MLP on a CSV file whose last column is the label; report accuracy and "
               "save the model.");
  command->add_option("--data", o->data, "CSV file: features, then the label (0/1, or 0..k-1)")
      ->required();
  command->add_option("--layers", o->layers, "sizes from inputs to outputs, e.g. 30,16,1")
      ->required();
  command->add_option("--activation", o->activation,
                      "hidden layers: sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus, "
                      "identity")
      ->capture_default_str();
  command->add_option("--output-activation", o->output_activation,
                      "last layer (default: sigmoid, identity for softmax_ce)");
  command->add_option("--loss", o->loss,
                      "bce, half_sse, softmax_ce or mse (default: bce for 1 output, softmax_ce "
                      "for more)");
  command->add_option("--epochs", o->epochs, "passes over the training set")
      ->capture_default_str()
      ->check(whole_number(1, 1000000));
  command->add_option("--batch", o->batch, "samples per step")
      ->capture_default_str()
      ->check(whole_number(1, 1u << 30));
  command->add_option("--lr", o->lr, "learning rate (default: 0.01 for adam, 0.1 otherwise)");
  command->add_option("--optimizer", o->optimizer, "sgd, momentum or adam")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "adam"}));
  command->add_option("--seed", o->seed, "seed of the initial weights, split and shuffles")
      ->capture_default_str();
  command->add_option("--test-fraction", o->test_fraction,
                      "share of rows held out for the test accuracy (0: none)")
      ->capture_default_str();
  command->add_option("--save", o->save, "write the trained model to this file");
  return {command, [o] { return run_train(*o); }};
}

}  // namespace tapegrad::tools
