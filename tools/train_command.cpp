// tapegrad train: an MLP trained on a labelled CSV file, watched epoch by epoch, saved as a model
// file. Under mpirun every rank trains on its share of the rows (docs/distributed.md).
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

#include "dist/data_parallel.hpp"
#include "dist/ranks.hpp"
#include "dist/train_data.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/training.hpp"
#include "tools/commands.hpp"
#include "tools/data.hpp"
#include "tools/options.hpp"
#include "viz/training_plot.hpp"

#ifdef TAPEGRAD_HAVE_MPI
#include "dist/mpi_communicator.hpp"
#endif

namespace tapegrad::tools {

namespace {

// The widest layer --layers may ask for.
constexpr std::uint32_t max_layer_size = 100000;
// Below this many rows a held-out figure moves in steps of 10% or more.
constexpr std::uint32_t few_rows = 10;

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
  double weight_decay = 0.0;
  std::string schedule = "constant";
  std::uint32_t warmup = 0;
  std::uint32_t step_size = 10;
  double gamma = 0.1;
  double min_lr = 0.0;
  std::optional<double> clip_norm;
  std::uint64_t seed = 42;
  double test_fraction = 0.2;
  std::optional<double> val_fraction;
  std::uint32_t patience = 0;
  bool keep_best = false;
  std::optional<std::filesystem::path> history;
  std::optional<std::filesystem::path> plot;
  std::optional<std::filesystem::path> save;
};

nn::Activation activation_named(const std::string& name, std::string_view option) {
  const auto g = nn::parse_activation(name);
  if (!g)
    throw InputError(
        fmt::format("train: {} is {}; expected {}", option, io::quoted(name), nn::activation_names));
  return *g;
}

// What the options decide before any data is read: the network's shape, its
// loss and the learning-rate schedule.
struct Plan {
  std::vector<std::uint32_t> layers;  // sizes, inputs to outputs
  nn::LossKind loss = nn::LossKind::bce;
  std::vector<nn::Activation> activations;  // one per layer
  nn::LrSchedule schedule;
};

Plan plan_of(const TrainOptions& o) {
  Plan plan;
  plan.layers = parse_sizes(o.layers, "train: --layers", max_layer_size);
  if (plan.layers.size() < 2)
    throw InputError("train: --layers needs at least two sizes, inputs and outputs (e.g. 30,16,1)");
  // Output files are checked before training, so that a typo in a folder name
  // does not cost a whole run, and none may replace the data.
  for (const auto& output : {o.save, o.history, o.plot})
    if (output) io::check_output(*output, {o.data});
  const std::uint32_t outputs = plan.layers.back();
  plan.loss = outputs == 1 ? nn::LossKind::bce : nn::LossKind::softmax_ce;
  if (o.loss) {
    const auto parsed = nn::parse_loss(*o.loss);
    if (!parsed)
      throw InputError(fmt::format("train: --loss is {}; expected bce, half_sse, softmax_ce or mse",
                                   io::quoted(*o.loss)));
    plan.loss = *parsed;
  }
  nn::Activation output =
      plan.loss == nn::LossKind::softmax_ce ? nn::Activation::identity : nn::Activation::sigmoid;
  if (o.output_activation) output = activation_named(*o.output_activation, "--output-activation");
  try {
    nn::check_loss_activation(plan.loss, output, "--output-activation");
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("train: {}", e.what()));
  }
  if (plan.loss == nn::LossKind::softmax_ce && outputs < 2)
    throw InputError("train: --loss softmax_ce needs at least 2 outputs (one per class)");
  plan.activations.assign(plan.layers.size() - 1, activation_named(o.activation, "--activation"));
  plan.activations.back() = output;

  if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0))
    throw InputError(
        fmt::format("train: --test-fraction is {}; expected 0 <= F < 1", o.test_fraction));
  if (o.val_fraction && !(*o.val_fraction >= 0.0 && *o.val_fraction < 1.0))
    throw InputError(
        fmt::format("train: --val-fraction is {}; expected 0 <= F < 1", *o.val_fraction));
  if (o.val_fraction && *o.val_fraction + o.test_fraction >= 1.0)
    throw InputError(fmt::format("train: --val-fraction {} and --test-fraction {} leave no rows to "
                                 "train on",
                                 *o.val_fraction, o.test_fraction));
  if (!(o.weight_decay >= 0.0 && std::isfinite(o.weight_decay)))
    throw InputError(fmt::format("train: --weight-decay is {}; expected >= 0", o.weight_decay));
  if (o.clip_norm && !(*o.clip_norm > 0.0 && std::isfinite(*o.clip_norm)))
    throw InputError(fmt::format("train: --clip-norm is {}; expected > 0", *o.clip_norm));

  nn::LrSchedule& s = plan.schedule;
  s.kind = *nn::parse_schedule(o.schedule);  // CLI11 has checked the name
  s.alpha = o.lr.value_or(o.optimizer == "adam" || o.optimizer == "adamw" ? 0.01 : 0.1);
  s.warmup = o.warmup;
  s.step_size = o.step_size;
  s.gamma = o.gamma;
  s.epochs = o.epochs;
  s.min_alpha = o.min_lr;
  if (!(s.alpha > 0.0 && std::isfinite(s.alpha)))
    throw InputError(fmt::format("train: --lr is {}; expected > 0", s.alpha));
  try {
    s.check();
  } catch (const std::invalid_argument& e) {
    // The schedule's words, in the options' names.
    std::string what = e.what();
    what = what.substr(what.find(": ") + 2);
    throw InputError(fmt::format("train: --schedule {}: {} (see --warmup, --step-size, --gamma, "
                                 "--min-lr)",
                                 o.schedule, what));
  }
  return plan;
}

std::unique_ptr<nn::Optimizer<double>> make_optimizer(const TrainOptions& o, nn::Mlp<double>& net,
                                                      double lr) {
  if (o.optimizer == "sgd")
    return std::make_unique<nn::Sgd<double>>(net.parameters(), lr, o.weight_decay);
  if (o.optimizer == "momentum")
    return std::make_unique<nn::Momentum<double>>(net.parameters(), lr, 0.9, o.weight_decay);
  if (o.optimizer == "adamw")
    return std::make_unique<nn::AdamW<double>>(net.parameters(), lr, 0.9, 0.999, 1e-8,
                                               o.weight_decay);
  return std::make_unique<nn::Adam<double>>(net.parameters(), lr, 0.9, 0.999, 1e-8, o.weight_decay);
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

// The standardiser divides by each column's spread: a column whose values
// are so large that their squares overflow cannot be scaled; name it rather
// than let the loss become NaN. Every rank holds the same standardiser.
void require_scalable(const nn::Standardizer<double>& s, std::string_view source) {
  for (std::uint32_t i = 0; i < s.mean().cols(); ++i)
    if (!std::isfinite(s.mean()[i]) || !std::isfinite(s.stddev()[i]))
      throw dist::SharedError(
          fmt::format("{}: feature column {} holds values too large to standardise (their sum of "
                      "squares overflows a double); rescale that column",
                      source, i + 1));
}

std::string percent(double fraction) {
  return std::isfinite(fraction) ? fmt::format("{:.2f}%", 100.0 * fraction) : std::string("-");
}

std::string number(double x) {
  return std::isfinite(x) ? fmt::format("{:.6f}", x) : std::string("-");
}

// Epoch reports on stderr. On a terminal a bar redrawn in place, then a compact
// table of the run at the end; otherwise (a pipe, a log file) one plain line per
// epoch, which grep and tail can follow.
class Reporter {
 public:
  Reporter(std::uint32_t epochs, bool validation)
      : epochs_(epochs), validation_(validation), live_(::isatty(::fileno(stderr)) != 0) {}

  void epoch(const nn::EpochRecord& r, std::uint32_t samples) {
    const double rate = r.seconds > 0 ? r.epoch * static_cast<double>(samples) / r.seconds : 0.0;
    if (!live_) {
      const std::string figures =
          validation_
              ? fmt::format("loss {} val_loss {}  acc {} val_acc {}", number(r.train_loss),
                            number(r.val_loss), percent(r.train_accuracy), percent(r.val_accuracy))
              : fmt::format("loss {}  acc {}", number(r.train_loss), percent(r.train_accuracy));
      fmt::print(stderr, "epoch {:>{}}/{}  {}  lr {:.3g}  {:.0f} samples/s\n", r.epoch, digits(),
                 epochs_, figures, r.lr, rate);
      std::fflush(stderr);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    if (r.epoch != epochs_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    // Short enough for an 80-column terminal: a wrapped line cannot be redrawn with \r.
    constexpr int width = 20;
    const int filled = static_cast<int>(width * static_cast<double>(r.epoch) / epochs_);
    const auto short_percent = [](double f) {
      return std::isfinite(f) ? fmt::format("{:.1f}%", 100.0 * f) : std::string("-");
    };
    const std::string compact =
        validation_
            ? fmt::format("loss {:.4f} val {:.4f}  acc {} val {}", r.train_loss, r.val_loss,
                          short_percent(r.train_accuracy), short_percent(r.val_accuracy))
            : fmt::format("loss {:.4f}  acc {}", r.train_loss, short_percent(r.train_accuracy));
    // \x1b[K clears what a longer previous line left.
    fmt::print(stderr, "\r[{}{}] {:>{}}/{}  {}\x1b[K", std::string(filled, '#'),
               std::string(width - filled, '.'), r.epoch, digits(), epochs_, compact);
    std::fflush(stderr);
  }

  // On a terminal: ends the bar's line and prints about a dozen rows of the
  // history (first, evenly spaced, best and last epochs).
  void finish(const nn::History& history, std::uint32_t best_epoch) {
    if (!live_ || history.empty()) return;
    fmt::print(stderr, "\n{:>{}}  {:>10}  {:>10}  {:>9}  {:>9}\n", "epoch", std::max(5, digits()),
               "train_loss", "val_loss", "train_acc", "val_acc");
    const std::size_t every = std::max<std::size_t>(1, history.size() / 10);
    for (std::size_t k = 0; k < history.size(); ++k) {
      const auto& r = history[k];
      if (k % every != 0 && k + 1 != history.size() && r.epoch != best_epoch) continue;
      fmt::print(stderr, "{:>{}}  {:>10}  {:>10}  {:>9}  {:>9}{}\n", r.epoch, std::max(5, digits()),
                 number(r.train_loss), number(r.val_loss), percent(r.train_accuracy),
                 percent(r.val_accuracy), r.epoch == best_epoch ? "  best val_loss" : "");
    }
  }

 private:
  int digits() const { return static_cast<int>(std::to_string(epochs_).size()); }
  std::uint32_t epochs_;
  bool validation_;
  bool live_;
  std::chrono::steady_clock::time_point last_draw_{};
};

std::string accuracy_line(std::string_view what, double accuracy, std::uint32_t rows) {
  const auto right = static_cast<std::uint32_t>(std::lround(accuracy * rows));
  return fmt::format("{} accuracy {:.2f}% ({}/{})", what, 100.0 * accuracy, right, rows);
}

void warn_if_small(std::string_view what, std::uint32_t rows) {
  if (rows > 0 && rows < few_rows)
    fmt::print(stderr,
               "warning: the {} set has only {} row{}; its accuracy moves in steps of {:.0f}% "
               "(use more data or a larger --{}-fraction)\n",
               what, rows, rows == 1 ? "" : "s", 100.0 / rows, what == "test" ? "test" : "val");
}

// A trained network, its run and what rank 0 reports of it.
struct Trained {
  nn::Mlp<double> net;
  nn::Standardizer<double> standardizer;
  nn::FitResult run;
  nn::Evaluation train, val, test;
};

// Standardises the data and trains, on every rank (collective calls throughout):
// every figure is summed over the ranks, so early stopping and the kept epoch
// are the same decisions everywhere; only rank 0 prints.
Trained train(const TrainOptions& o, const Plan& plan, dist::TrainShard& split,
              dist::Ranks& ranks) {
  dist::Communicator& comm = ranks.comm();
  const auto standardizer = nn::Standardizer<double>::fit(
      split.train.x, [&comm](std::span<double> sums) { comm.sum(sums); });
  require_scalable(standardizer, split.source);
  for (auto* d : {&split.train, &split.validation, &split.test})
    if (d->size() > 0) d->x = standardizer.apply(d->x);

  nn::Mlp<double> net(plan.layers, plan.activations, o.seed);
  auto optimizer = make_optimizer(o, net, plan.schedule.alpha);
  dist::DataParallel<double> group(comm, *optimizer);
  dist::ShardedRows rows(split, group);

  const nn::FitOptions options{.epochs = o.epochs,
                               .batch = o.batch,
                               .loss = plan.loss,
                               .schedule = plan.schedule,
                               .clip_norm = o.clip_norm.value_or(0.0),
                               .seed = o.seed,
                               .patience = o.patience,
                               .keep_best = o.keep_best};
  const std::uint32_t m = split.train_size();
  Reporter reporter(o.epochs, split.validation_size > 0);
  nn::Callbacks<double> callbacks;
  callbacks.on_epoch = [&](nn::Trainer<double>&, const nn::EpochRecord& r) {
    if (!std::isfinite(r.train_loss))
      throw dist::SharedError(fmt::format(
          "train: the loss became {} at epoch {}; try a smaller --lr", r.train_loss, r.epoch));
    if (ranks.leader()) reporter.epoch(r, m);
  };
  nn::Trainer<double> trainer(net, *optimizer, split.train, split.validation, options,
                              std::move(callbacks), &rows);
  trainer.run();
  if (!group.replicas_agree())
    throw dist::SharedError("train: the ranks' weights differ after training (the MPI sum is "
                            "not the same on every rank)");
  const nn::FitResult run = trainer.result();
  if (ranks.leader()) {
    reporter.finish(run.history, run.best_epoch);
    if (run.history.size() < o.epochs)
      fmt::print(stderr,
                 "stopped early at epoch {}: no lower validation loss for {} epochs (best {:.6f} "
                 "at epoch {})\n",
                 run.history.size(), o.patience, run.best_val_loss, run.best_epoch);
    if (run.kept_best)
      fmt::print(stderr, "kept the weights of epoch {} (validation loss {:.6f})\n",
                 run.best_epoch, run.best_val_loss);
  }
  const nn::Evaluation train = trainer.evaluate(split.train);
  const nn::Evaluation val = trainer.evaluate(split.validation);
  const nn::Evaluation test = trainer.evaluate(split.test);
  return {std::move(net), standardizer, run, train, val, test};
}

nlohmann::json meta_of(const TrainOptions& o, const Plan& plan,
                       const dist::TrainShard& split, const Trained& t, int ranks) {
  const auto figure = [](double x) {
    return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json();
  };
  nlohmann::json options = {
      {"data", o.data.string()},
      {"layers", plan.layers},
      {"activation", o.activation},
      {"output_activation", nn::activation_name(plan.activations.back())},
      {"loss", nn::loss_name(plan.loss)},
      {"epochs", o.epochs},
      {"batch", o.batch},
      {"optimizer", o.optimizer},
      {"lr", plan.schedule.alpha},
      {"weight_decay", o.weight_decay},
      {"schedule", o.schedule},
      {"warmup", o.warmup},
      {"seed", o.seed},
      {"test_fraction", o.test_fraction},
      {"val_fraction", split.val_fraction},
      {"patience", o.patience},
      {"keep_best", o.keep_best},
  };
  if (plan.schedule.kind == nn::ScheduleKind::step) {
    options["step_size"] = o.step_size;
    options["gamma"] = o.gamma;
  }
  if (plan.schedule.kind == nn::ScheduleKind::cosine) options["min_lr"] = o.min_lr;
  if (o.clip_norm) options["clip_norm"] = *o.clip_norm;
  nlohmann::json meta = {
      {"trained_by", "tapegrad train"},
      {"options", options},
      {"epochs_run", t.run.history.size()},
      {"stopped_early", t.run.history.size() < o.epochs},
      {"rows",
       {{"train", split.train_size()},
        {"validation", split.validation_size},
        {"test", split.test_size}}},
      {"final",
       {{"train_loss", figure(t.train.loss)},
        {"train_accuracy", figure(t.train.accuracy)},
        {"val_loss", figure(t.val.loss)},
        {"val_accuracy", figure(t.val.accuracy)},
        {"test_accuracy", figure(t.test.accuracy)}}},
      {"standardization", "folded into layers[0]: the model takes raw features"},
  };
  if (ranks > 1) meta["ranks"] = ranks;
  if (t.run.best_epoch > 0) {
    meta["best_epoch"] = t.run.best_epoch;
    meta["best_val_loss"] = t.run.best_val_loss;
  }
  return meta;
}

// Rank 0's part: the accuracy lines and the files.
void report(const TrainOptions& o, const Plan& plan, const dist::TrainShard& split,
            const Trained& t, int ranks) {
  fmt::print("{}\n", accuracy_line("train", t.train.accuracy, split.train_size()));
  if (split.validation_size > 0)
    fmt::print("{}\n", accuracy_line("val  ", t.val.accuracy, split.validation_size));
  if (split.test_size > 0) fmt::print("{}\n", accuracy_line("test ", t.test.accuracy, split.test_size));

  try {
    if (o.history) {
      io::write_file(*o.history, nn::format_history_csv(t.run.history));
      fmt::print("wrote {}\n", io::shown(*o.history));
    }
    if (o.plot) {
      viz::TrainingPlotOptions plot;
      plot.title = fmt::format("tapegrad train {}", io::printable(o.data.filename().string()));
      plot.loss_name = fmt::format("{} loss (mean per sample)", nn::loss_name(plan.loss));
      if (o.keep_best && t.run.best_epoch > 0) plot.best_epoch = t.run.best_epoch;
      io::write_file(*o.plot, viz::training_plot_svg(t.run.history, plot));
      fmt::print("wrote {}\n", io::shown(*o.plot));
    }
  } catch (const io::FileError& e) {
    throw InputError(e.what());
  }
  if (o.save) {
    io::ModelSpec spec = io::to_spec(t.net);
    fold_standardizer(spec.layers.front(), t.standardizer);
    spec.loss = plan.loss;
    spec.reduction = Reduction::mean;
    // A file name need not be UTF-8; JSON text must be.
    spec.meta_json = meta_of(o, plan, split, t, ranks)
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    io::write_model(spec, *o.save);
    fmt::print("saved {}\n", io::shown(*o.save));
  }
}

// The MPI world under a launcher when tapegrad was built with MPI, else this process alone.
std::unique_ptr<dist::Communicator> communicator() {
#ifdef TAPEGRAD_HAVE_MPI
  return dist::launched_communicator();
#else
  return std::make_unique<dist::SingleProcess>();
#endif
}

// Under mpirun every rank runs this on its shard of the data (see
// docs/distributed.md); only rank 0 prints and writes files.
int run_train(const TrainOptions& o) {
  dist::Ranks ranks(communicator());
  // Options first, so a mistake is reported before any work.
  const Plan plan = ranks.agree([&] { return plan_of(o); });
  dist::TrainShard data = ranks.agree([&] {
    // Every rank reads the file itself: a pipe would give each a different part.
    if (ranks.size() > 1 && (io::is_standard_stream(o.data) || std::filesystem::is_fifo(o.data)))
      throw InputError(fmt::format("{}: under mpirun every rank reads the data itself, so it must "
                                   "be a regular file, not standard input or a pipe",
                                   io::shown(o.data)));
    dist::TrainShard shard =
        read_train_shard(o.data, plan.layers.front(), plan.layers.back(), o.val_fraction,
                         o.test_fraction, o.seed, ranks.rank(), ranks.size());
    if ((o.patience > 0 || o.keep_best) && shard.validation_size == 0)
      throw InputError(fmt::format("train: --{} needs a validation set (--val-fraction > 0)",
                                   o.patience > 0 ? "patience" : "keep-best"));
    return shard;
  });
  if (ranks.leader()) {
    warn_if_small("validation", data.validation_size);
    warn_if_small("test", data.test_size);
  }
  const Trained trained = ranks.guard([&] { return train(o, plan, data, ranks); });
  if (ranks.leader()) report(o, plan, data, trained, ranks.size());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  auto* command = app.add_subcommand(
      "train",
      "Train an MLP on a CSV file whose last column is the label; report loss and "
      "accuracy per epoch and save the model.");
  add_input(command, "DATA.csv", "--data", o->data, "CSV file: features, then the label (0/1, or 0..k-1)")
      ->required();
  // One argument, split at commas by plan_of, so that `--layers 30,16,1 DATA.csv`
  // leaves the file positional.
  command->add_option("--layers", o->layers, "sizes from inputs to outputs, e.g. 30,16,1")
      ->required();
  command
      ->add_option("--activation", o->activation,
                   fmt::format("hidden layers: {}", nn::activation_names))
      ->capture_default_str();
  command->add_option("--output-activation", o->output_activation,
                      "last layer (default: sigmoid, identity for softmax_ce)");
  command->add_option("--loss", o->loss,
                      "bce, half_sse, softmax_ce or mse (default: bce for 1 output, softmax_ce "
                      "for more)");
  command->add_option("--epochs", o->epochs, "passes over the training set (at most)")
      ->capture_default_str()
      ->check(whole_number(1, 1000000));
  command->add_option("--batch", o->batch, "samples per step")
      ->capture_default_str()
      ->check(whole_number(1, 1u << 30));
  command->add_option("--lr", o->lr,
                      "learning rate (default: 0.01 for adam and adamw, 0.1 otherwise)");
  command->add_option("--optimizer", o->optimizer, "sgd, momentum (0.9), adam or adamw")
      ->capture_default_str()
      ->check(CLI::IsMember({"sgd", "momentum", "adam", "adamw"}));
  command
      ->add_option("--weight-decay", o->weight_decay,
                   "lambda: sgd, momentum and adam add lambda W to the gradient, adamw decays "
                   "W by lr lambda apart from it (PyTorch's meaning)")
      ->capture_default_str();
  command
      ->add_option("--schedule", o->schedule,
                   "learning rate per epoch: constant, step (times --gamma every --step-size "
                   "epochs) or cosine (down to --min-lr at the last epoch)")
      ->capture_default_str()
      ->check(CLI::IsMember({"constant", "step", "cosine"}));
  command
      ->add_option("--warmup", o->warmup,
                   "epochs of linear warm-up before the schedule: lr (e + 1) / N")
      ->capture_default_str()
      ->check(whole_number(0, 1000000));
  command->add_option("--step-size", o->step_size, "step schedule: epochs between decays")
      ->capture_default_str()
      ->check(whole_number(1, 1000000));
  command->add_option("--gamma", o->gamma, "step schedule: the factor of each decay")
      ->capture_default_str();
  command->add_option("--min-lr", o->min_lr, "cosine schedule: the last epoch's rate")
      ->capture_default_str();
  command->add_option("--clip-norm", o->clip_norm,
                      "scale each step's gradients down to this global norm when larger");
  command->add_option("--seed", o->seed, "seed of the initial weights, splits and shuffles")
      ->capture_default_str();
  command->add_option("--val-fraction", o->val_fraction,
                      "share of rows held out for validation, measured every epoch (default: 0.2 "
                      "with at least 50 rows, else 0)");
  command
      ->add_option("--test-fraction", o->test_fraction,
                   "share of rows held out for the final test accuracy (0: none)")
      ->capture_default_str();
  command
      ->add_option("--patience", o->patience,
                   "stop after this many epochs without a lower validation loss (0: never)")
      ->capture_default_str()
      ->check(whole_number(0, 1000000));
  command->add_flag("--keep-best", o->keep_best,
                    "end with the weights of the epoch with the lowest validation loss");
  command->add_option("--history", o->history,
                      "write one CSV row per epoch: epoch,train_loss,val_loss,train_accuracy,"
                      "val_accuracy,lr,seconds");
  command->add_option("--plot", o->plot, "write the loss and accuracy curves as an SVG picture");
  command->add_option("--save", o->save, "write the trained model to this file");
  return {command, [o] { return run_train(*o); }};
}

}  // namespace tapegrad::tools
