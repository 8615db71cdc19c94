// Training: tapegrad train's data rules and split, run by nn::Trainer a step or an epoch at a time.
#include "lab/training.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/model_io.hpp"
#include "io/text.hpp"
#include "lab/datasets.hpp"
#include "lab/json_util.hpp"

namespace tapegrad::lab {

using nlohmann::json;

namespace {

// The widest layer the lab trains (the command line allows more; a page has less memory).
constexpr std::uint32_t max_layer_size = 4096;

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument("train: " + what); }

std::vector<std::uint32_t> layers_of(const json& j) {
  std::vector<std::uint32_t> sizes;
  if (j.is_array()) {
    for (const json& v : j) {
      if (!v.is_number() || v.get<double>() < 1 || v.get<double>() > max_layer_size ||
          v.get<double>() != std::floor(v.get<double>()))
        fail(fmt::format("--layers: size {} is {}; each size must be a whole number from 1 to {}",
                         sizes.size() + 1, v.dump(), max_layer_size));
      sizes.push_back(v.get<std::uint32_t>());
    }
    return sizes;
  }
  const std::string text = j.get<std::string>();
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const auto [status, value] = io::parse_number(item);
    if (status != io::NumberStatus::ok || value < 1 || value > max_layer_size || value != std::floor(value))
      fail(fmt::format("--layers {}: size {} is {}; each size must be a whole number from 1 to {}",
                       io::quoted(text, 60), sizes.size() + 1,
                       item.empty() ? "empty" : io::quoted(item, 20), max_layer_size));
    sizes.push_back(static_cast<std::uint32_t>(value));
    if (comma == text.size()) return sizes;
    start = comma + 1;
  }
}

nn::Activation activation_named(const std::string& name, std::string_view option) {
  const auto g = nn::parse_activation(name);
  if (!g) fail(fmt::format("{} is {}; expected {}", option, io::quoted(name), nn::activation_names));
  return *g;
}

std::uint32_t whole(const json& request, const char* key, std::uint32_t fallback, std::uint32_t low,
                    std::uint32_t high) {
  if (!request.contains(key) || request.at(key).is_null()) return fallback;
  const double v = request.at(key).get<double>();
  if (!(v >= low && v <= high && v == std::floor(v)))
    fail(fmt::format("--{} is {}; expected a whole number from {} to {}", key, v, low, high));
  return static_cast<std::uint32_t>(v);
}

std::optional<double> optional_number(const json& request, const char* key) {
  if (!request.contains(key) || request.at(key).is_null()) return std::nullopt;
  return request.at(key).get<double>();
}

TrainOptions options_of(const json& r) {
  TrainOptions o;
  o.layers = layers_of(r.at("layers"));
  if (o.layers.size() < 2) fail("--layers needs at least two sizes, inputs and outputs (e.g. 2,8,1)");
  o.activation = activation_named(r.value("activation", std::string("tanh")), "--activation");
  if (r.contains("output_activation") && !r.at("output_activation").is_null())
    o.output_activation = activation_named(r.at("output_activation").get<std::string>(), "--output-activation");
  if (r.contains("loss") && !r.at("loss").is_null()) {
    const std::string name = r.at("loss").get<std::string>();
    o.loss = nn::parse_loss(name);
    if (!o.loss) fail(fmt::format("--loss is {}; expected bce, half_sse, softmax_ce or mse", io::quoted(name)));
  }
  o.optimizer = r.value("optimizer", std::string("adam"));
  if (o.optimizer != "sgd" && o.optimizer != "momentum" && o.optimizer != "adam" && o.optimizer != "adamw")
    fail(fmt::format("--optimizer is {}; expected sgd, momentum, adam or adamw", io::quoted(o.optimizer)));
  o.lr = optional_number(r, "lr");
  o.batch = whole(r, "batch", 32, 1, 1u << 30);
  o.epochs = whole(r, "epochs", 100, 1, 1000000);
  o.seed = seed_of(r, "seed", 42, "train: --seed");
  o.val_fraction = optional_number(r, "val_fraction");
  o.test_fraction = optional_number(r, "test_fraction").value_or(0.2);
  o.patience = whole(r, "patience", 0, 0, 1000000);
  return o;
}

std::unique_ptr<nn::Optimizer<double>> make_optimizer(const TrainOptions& o, nn::Mlp<double>& net,
                                                      double lr) {
  if (o.optimizer == "sgd") return std::make_unique<nn::Sgd<double>>(net.parameters(), lr);
  if (o.optimizer == "momentum") return std::make_unique<nn::Momentum<double>>(net.parameters(), lr, 0.9);
  if (o.optimizer == "adamw") return std::make_unique<nn::AdamW<double>>(net.parameters(), lr);
  return std::make_unique<nn::Adam<double>>(net.parameters(), lr);
}

nn::Dataset<double> rows_of(const io::LabelledData& data, const std::vector<std::uint32_t>& rows) {
  nn::Dataset<double> out;
  nn::gather_rows(data.x, rows, out.x);
  nn::gather_rows(data.y, rows, out.y);
  return out;
}

json history_json(const nn::EpochRecord& r) {
  return {{"epoch", r.epoch},           {"train_loss", number(r.train_loss)},
          {"val_loss", number(r.val_loss)}, {"train_accuracy", number(r.train_accuracy)},
          {"val_accuracy", number(r.val_accuracy)}, {"lr", r.lr}};
}

}  // namespace

json probe_csv(const std::string& text, const std::string& source) {
  // The CSV rules apply here already; the label rules when the run is set up.
  const io::CsvTable table = io::parse_csv(text, source);
  if (table.values.cols() < 2)
    throw std::invalid_argument(fmt::format(
        "{}: needs feature columns and a label column, but has {} column", source, table.values.cols()));
  // Whole labels above 1 are classes, one output each; anything else is a
  // target for one output, which the label rules then check lie in [0, 1].
  double top = 0;
  bool whole = true;
  const std::uint32_t label = table.values.cols() - 1;
  for (std::uint32_t i = 0; i < table.values.rows(); ++i) {
    top = std::max(top, table.values(i, label));
    whole = whole && table.values(i, label) == std::floor(table.values(i, label));
  }
  const std::uint32_t outputs = whole && top >= 2.0 && top < 1000.0 ? static_cast<std::uint32_t>(top) + 1 : 1;
  return {{"features", table.values.cols() - 1}, {"rows", table.values.rows()}, {"outputs", outputs}};
}

Training::Training(const json& request) : options_(options_of(request)) {
  if (request.contains("set")) {
    const std::string set = request.at("set").get<std::string>();
    csv_ = plane_set_csv(set, whole(request, "points", 200, 4, 100000),
                         optional_number(request, "noise").value_or(0.1),
                         seed_of(request, "data_seed", 1, "data set: data seed"));
    source_ = set + ".csv";
  } else {
    csv_ = request.at("csv").get<std::string>();
    source_ = io::printable(request.value("name", std::string("data.csv")));
  }
  // The plan, as tapegrad train makes it before reading any data.
  const TrainOptions& o = options_;
  const std::uint32_t outputs = o.layers.back();
  nn::LossKind loss = outputs == 1 ? nn::LossKind::bce : nn::LossKind::softmax_ce;
  if (o.loss) loss = *o.loss;
  options_.loss = loss;
  const nn::Activation output = o.output_activation.value_or(
      loss == nn::LossKind::softmax_ce ? nn::Activation::identity : nn::Activation::sigmoid);
  options_.output_activation = output;
  try {
    nn::check_loss_activation(loss, output, "--output-activation");
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  if (loss == nn::LossKind::softmax_ce && outputs < 2)
    fail("--loss softmax_ce needs at least 2 outputs (one per class)");
  if (!(o.test_fraction >= 0.0 && o.test_fraction < 1.0))
    fail(fmt::format("--test-fraction is {}; expected 0 <= F < 1", o.test_fraction));
  if (o.val_fraction && !(*o.val_fraction >= 0.0 && *o.val_fraction < 1.0))
    fail(fmt::format("--val-fraction is {}; expected 0 <= F < 1", *o.val_fraction));
  if (o.val_fraction && *o.val_fraction + o.test_fraction >= 1.0)
    fail(fmt::format("--val-fraction {} and --test-fraction {} leave no rows to train on",
                     *o.val_fraction, o.test_fraction));
  schedule_.alpha = o.lr.value_or(o.optimizer == "adam" || o.optimizer == "adamw" ? 0.01 : 0.1);
  schedule_.epochs = o.epochs;
  if (!(schedule_.alpha > 0.0 && std::isfinite(schedule_.alpha)))
    fail(fmt::format("--lr is {}; expected > 0", schedule_.alpha));

  // The data, as read_train_shard reads it for one process.
  data_ = io::labelled_data(io::parse_csv(csv_, source_), outputs, source_);
  if (data_.x.cols() != o.layers.front())
    fail(fmt::format("{}: has {} features, but --layers starts with {} inputs", data_.source,
                     data_.x.cols(), o.layers.front()));
  rows_ = static_cast<std::uint32_t>(data_.rows_in_file);
  const double val = o.val_fraction.value_or(rows_ >= 50 ? 0.2 : 0.0);
  options_.val_fraction = val;
  nn::SplitRows split;
  try {
    split = nn::split_rows(rows_, val, o.test_fraction, o.seed);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument(fmt::format(
        "{}: {} rows are too few for --val-fraction {} and --test-fraction {} (each held-out set "
        "needs a row, and training at least one)",
        data_.source, rows_, val, o.test_fraction));
  }
  if (o.patience > 0 && split.validation.empty())
    fail("--patience needs a validation set (--val-fraction > 0)");
  train_ = rows_of(data_, split.train);
  validation_ = rows_of(data_, split.validation);
  test_ = rows_of(data_, split.test);
  standardizer_ = nn::Standardizer<double>::fit(train_.x);
  for (std::uint32_t i = 0; i < standardizer_->mean().cols(); ++i)
    if (!std::isfinite(standardizer_->mean()[i]) || !std::isfinite(standardizer_->stddev()[i]))
      throw std::invalid_argument(fmt::format(
          "{}: feature column {} holds values too large to standardise (their sum of squares "
          "overflows a double); rescale that column",
          data_.source, i + 1));
  for (auto* d : {&train_, &validation_, &test_})
    if (d->size() > 0) d->x = standardizer_->apply(d->x);
  plane_ = data_.x.cols() == 2;
  start();
}

void Training::start() {
  std::vector<nn::Activation> activations(options_.layers.size() - 1, options_.activation);
  activations.back() = *options_.output_activation;
  trainer_.reset();  // it refers to the network and optimizer replaced here
  net_ = std::make_unique<nn::Mlp<double>>(options_.layers, activations, options_.seed);
  optimizer_ = make_optimizer(options_, *net_, schedule_.alpha);
  const nn::FitOptions fit{.epochs = options_.epochs,
                           .batch = options_.batch,
                           .loss = *options_.loss,
                           .schedule = schedule_,
                           .seed = options_.seed,
                           .patience = options_.patience};
  nn::Callbacks<double> callbacks;
  callbacks.on_epoch = [](nn::Trainer<double>&, const nn::EpochRecord& r) {
    if (!std::isfinite(r.train_loss))
      fail(fmt::format("the loss became {} at epoch {}; try a smaller --lr", r.train_loss, r.epoch));
  };
  trainer_ = std::make_unique<nn::Trainer<double>>(*net_, *optimizer_, train_, validation_, fit,
                                                   std::move(callbacks));
}

void Training::rewind() { start(); }

json Training::run(std::uint32_t epochs, std::uint32_t steps) {
  nn::Trainer<double>& t = *trainer_;
  const std::size_t before = t.history().size();
  try {
    if (steps > 0) {
      for (std::uint32_t s = 0; s < steps && t.step(); ++s) {
      }
    } else {
      for (std::uint32_t e = 0; e < epochs && t.run_epoch(); ++e) {
      }
    }
  } catch (...) {
    t.stop();  // a run whose loss diverged ends there, as tapegrad train's does
    throw;
  }
  json records = json::array();
  for (std::size_t k = before; k < t.history().size(); ++k) records.push_back(history_json(t.history()[k]));
  json out = {{"history", std::move(records)}, {"epoch", t.epoch()}, {"steps", t.steps()},
              {"finished", t.finished()}, {"stopped_early", t.finished() && t.epoch() < options_.epochs}};
  // As tapegrad train ends: the accuracy on the test rows, held out until now.
  if (t.finished() && test_.size() > 0) {
    out["test_accuracy"] = number(t.evaluate(test_).accuracy);
    out["test_rows"] = test_.size();
  }
  return out;
}

json Training::info() const {
  json history = json::array();
  for (const auto& r : trainer_->history()) history.push_back(history_json(r));
  json bounds = nullptr;
  if (plane_) {
    double lo[2] = {data_.x(0, 0), data_.x(0, 1)}, hi[2] = {lo[0], lo[1]};
    for (std::uint32_t i = 0; i < data_.x.rows(); ++i)
      for (int c = 0; c < 2; ++c) lo[c] = std::min(lo[c], data_.x(i, c)), hi[c] = std::max(hi[c], data_.x(i, c));
    bounds = {lo[0], hi[0], lo[1], hi[1]};
  }
  std::vector<std::string> activations;
  for (const auto& l : net_->layers()) activations.emplace_back(nn::activation_name(l.activation));
  return {{"source", source_},
          {"rows", rows_},
          {"features", data_.x.cols()},
          {"outputs", options_.layers.back()},
          {"split", {{"train", train_.size()}, {"validation", validation_.size()}, {"test", test_.size()}}},
          {"layers", options_.layers},
          {"activations", activations},
          {"loss", nn::loss_name(*options_.loss)},
          {"optimizer", options_.optimizer},
          {"lr", schedule_.alpha},
          {"batch", options_.batch},
          {"epochs", options_.epochs},
          {"seed", options_.seed},
          {"val_fraction", *options_.val_fraction},
          {"test_fraction", options_.test_fraction},
          {"patience", options_.patience},
          {"plane", plane_},
          {"bounds", bounds},
          {"epoch", trainer_->epoch()},
          {"steps", trainer_->steps()},
          {"finished", trainer_->finished()},
          {"parameters", net_->parameter_count()},
          {"history", std::move(history)}};
}

json Training::points() const {
  if (!plane_) return {{"x", json::array()}, {"y", json::array()}, {"label", json::array()}};
  json x = json::array(), y = json::array(), label = json::array(), set = json::array();
  // The split's sets, by row: rebuilt from the same seeded split.
  const nn::SplitRows split = nn::split_rows(rows_, *options_.val_fraction, options_.test_fraction, options_.seed);
  std::vector<int> of(rows_, 0);
  for (auto r : split.validation) of[r] = 1;
  for (auto r : split.test) of[r] = 2;
  for (std::uint32_t i = 0; i < data_.x.rows(); ++i) {
    x.push_back(data_.x(i, 0));
    y.push_back(data_.x(i, 1));
    label.push_back(data_.labels(i, 0));
    set.push_back(of[i]);
  }
  return {{"x", x}, {"y", y}, {"label", label}, {"set", set}};
}

const double* Training::grid(int nx, int ny, double x0, double x1, double y0, double y1) {
  if (!plane_ || nx < 2 || ny < 2 || nx * ny > 1 << 20) return nullptr;
  Tensor<double> points({static_cast<std::uint32_t>(nx * ny), 2}, 0.0);
  for (int r = 0; r < ny; ++r)
    for (int c = 0; c < nx; ++c) {
      points(r * nx + c, 0) = x0 + (x1 - x0) * c / (nx - 1);
      points(r * nx + c, 1) = y0 + (y1 - y0) * r / (ny - 1);
    }
  const Tensor<double> out = net_->predict(standardizer_->apply(points).view());
  grid_.resize(static_cast<std::size_t>(nx) * ny);
  for (std::size_t k = 0; k < grid_.size(); ++k) {
    if (out.cols() == 1) {
      grid_[k] = out(k, 0);
      continue;
    }
    std::uint32_t best = 0;
    for (std::uint32_t j = 1; j < out.cols(); ++j)
      if (out(k, j) > out(k, best)) best = j;
    grid_[k] = best;
  }
  return grid_.data();
}

Explorer Training::inspect(std::uint32_t rows) const {
  io::ModelSpec spec = io::to_spec(*net_);
  spec.loss = *options_.loss;
  const nn::Trainer<double>& t = *trainer_;
  const bool stepped = t.steps() > 0 && t.batch_x().rows() > 0;
  const Tensor<double>& x = stepped ? t.batch_x() : train_.x;
  const Tensor<double>& y = stepped ? t.batch_y() : train_.y;
  const std::uint32_t n = std::max(1u, std::min(rows, x.rows()));
  std::vector<std::uint32_t> first(n);
  for (std::uint32_t i = 0; i < n; ++i) first[i] = i;
  Tensor<double> xs, ys;
  nn::gather_rows(x, first, xs);
  nn::gather_rows(y, first, ys);
  spec.x = std::move(xs);
  spec.y = std::move(ys);
  return Explorer::of(
      std::move(spec), fmt::format("{} after {} steps (epoch {})", source_, t.steps(), t.epoch()),
      {fmt::format("The network as training left it after {} steps, on {} rows of {} (features "
                   "standardised, as the network sees them).",
                   t.steps(), n, stepped ? "the last mini-batch" : "the training set")});
}

std::string Training::model_text() const {
  io::ModelSpec spec = io::to_spec(*net_);
  // The standardisation x' = (x - mean) / s folded into layer 1 (as tapegrad
  // train --save): W'_ij = W_ij / s_i, b'_j = b_j - sum_i (mean_i / s_i) W_ij.
  io::LayerSpec& first = spec.layers.front();
  for (std::uint32_t i = 0; i < first.W.rows(); ++i) {
    const double scale = standardizer_->stddev()[i] > 0.0 ? 1.0 / standardizer_->stddev()[i] : 1.0;
    for (std::uint32_t j = 0; j < first.W.cols(); ++j) {
      first.W(i, j) *= scale;
      first.b[j] -= standardizer_->mean()[i] * first.W(i, j);
    }
  }
  spec.loss = *options_.loss;
  spec.reduction = Reduction::mean;
  spec.meta_json = json{{"trained_by", "the tapegrad lab"},
                        {"data", source_},
                        {"layers", options_.layers},
                        {"epochs_run", trainer_->epoch()},
                        {"seed", options_.seed},
                        {"standardization", "folded into layers[0]: the model takes raw features"}}
                       .dump(-1, ' ', false, json::error_handler_t::replace);
  return io::format_model(spec);
}

}  // namespace tapegrad::lab
