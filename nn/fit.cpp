// fit: the training loop, a mini-batch per step, figures and decisions per epoch.
#include "nn/fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::nn {

namespace {

std::int64_t steady_nanoseconds() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

template <class T>
const Dataset<T>& no_rows() {
  static const Dataset<T> empty;
  return empty;
}

// Shapes are checked once, before any step: `name` is "train" or "validation".
template <class T>
void check_fits(const Mlp<T>& net, const Dataset<T>& data, std::string_view name) {
  if (data.x.rows() != data.y.rows())
    fail_shapes("fit", "x and y have different row counts", fmt::format("{} x", name),
                data.x.shape(), fmt::format("{} y", name), data.y.shape());
  if (data.size() == 0) return;  // a shard without rows, or no validation set
  const auto& first = net.layers().front().W.value;
  if (data.x.cols() != net.inputs())
    fail_shapes("fit", fmt::format("x does not fit the network's {} inputs", net.inputs()),
                fmt::format("{} x", name), data.x.shape(), "W^[1]", first.shape());
  const auto& last = net.layers().back().W.value;
  if (data.y.cols() != net.outputs())
    fail_shapes("fit", fmt::format("y does not fit the network's {} outputs", net.outputs()),
                fmt::format("{} y", name), data.y.shape(), fmt::format("W^[{}]", net.depth()),
                last.shape());
}

// Marks the trainer as inside a step (callbacks run there), also when one throws.
class InStep {
 public:
  explicit InStep(bool& flag) : flag_(flag) { flag_ = true; }
  ~InStep() { flag_ = false; }
  InStep(const InStep&) = delete;
  InStep& operator=(const InStep&) = delete;

 private:
  bool& flag_;
};

}  // namespace

template <class T>
Trainer<T>::Trainer(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
                    const FitOptions& options, Callbacks<T> callbacks)
    : Trainer(net, optimizer, train, no_rows<T>(), options, std::move(callbacks)) {}

template <class T>
Trainer<T>::Trainer(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
                    const Dataset<T>& validation, const FitOptions& options,
                    Callbacks<T> callbacks, Sharding<T>* sharding)
    : net_(net),
      optimizer_(optimizer),
      train_(train),
      validation_(validation),
      options_(options),
      callbacks_(std::move(callbacks)),
      sharding_(sharding),
      generator_(options.seed),
      stopping_(options.patience, options.min_delta) {
  if (net.empty()) throw std::invalid_argument("fit: the network has no layers");
  check_fits(net, train, "train");
  check_fits(net, validation, "validation");
  if (!(options.clip_norm >= 0.0 && std::isfinite(options.clip_norm)))
    throw std::invalid_argument(
        fmt::format("fit: clip_norm is {}; expected >= 0 (0: no clipping)", options.clip_norm));
  if (!(options.min_delta >= 0.0 && std::isfinite(options.min_delta)))
    throw std::invalid_argument(
        fmt::format("fit: min_delta is {}; expected >= 0", options.min_delta));
  if (options.schedule) options.schedule->check();

  train_rows_ = sharding ? sharding->train_rows() : train.size();
  if (train_rows_ == 0) throw std::invalid_argument("fit: the training set has no rows");
  double validation_rows = validation.size();
  if (sharding) sharding->sum(std::span<double>(&validation_rows, 1));
  if ((options.patience > 0 || options.keep_best) && validation_rows == 0)
    throw std::invalid_argument(
        fmt::format("fit: {} needs a validation set, and it has no rows",
                    options.patience > 0 ? "patience" : "keep_best"));
  batch_ = options.batch == 0 ? train_rows_ : options.batch;

  // Fewer names, less work per record; the lab turns them on to show the tape.
  tape_.set_naming(false);
  eval_tape_.set_naming(false);
  if (!options.shuffle) {
    order_.resize(train_rows_);
    std::iota(order_.begin(), order_.end(), 0u);
  }
  if (options.epochs == 0) finish();
}

template <class T>
void Trainer<T>::start_epoch() {
  if (options_.schedule) optimizer_.alpha = static_cast<T>(options_.schedule->at(epoch_));
  if (options_.shuffle) shuffle_indices(order_, train_rows_, generator_);
}

template <class T>
bool Trainer<T>::step() {
  if (finished_) return false;
  const InStep inside(in_step_);
  if (steps_ == 0) started_ns_ = steady_nanoseconds();
  if (next_ == 0) start_epoch();

  const std::uint32_t count = std::min(batch_, train_rows_ - next_);
  const std::span<const std::uint32_t> positions(order_.data() + next_, count);
  std::span<const std::uint32_t> mine = positions;
  if (sharding_) {
    sharding_->rows_of(positions, rows_);
    mine = rows_;
  }
  gather_rows(train_.x, mine, x_batch_);
  gather_rows(train_.y, mine, y_batch_);

  optimizer_.zero_grad();
  T local_loss = 0;
  if (!mine.empty()) {
    tape_.clear();
    const auto L = loss(options_.loss, net_.forward(tape_.input(x_batch_)), tape_.input(y_batch_));
    tape_.backward(L);
    local_loss = L.item();
  }
  const auto rows = static_cast<std::uint32_t>(mine.size());
  const T batch_loss =
      sharding_ ? sharding_->reduce_gradients(local_loss, rows, count) : local_loss;
  // After the reduction, so that every process clips the same (whole batch's) gradient.
  if (options_.clip_norm > 0.0)
    clip_grad_norm(optimizer_.parameters(), static_cast<T>(options_.clip_norm));
  optimizer_.step();

  ++steps_;
  ++batches_;
  next_ += count;
  if (callbacks_.on_step)
    callbacks_.on_step(*this, StepRecord{epoch_ + 1, batches_, steps_, count,
                                         static_cast<double>(batch_loss),
                                         static_cast<double>(optimizer_.alpha)});
  if (next_ >= train_rows_) end_epoch();
  else if (stop_requested_) finish();
  return !finished_;
}

template <class T>
void Trainer<T>::end_epoch() {
  ++epoch_;
  next_ = 0;
  batches_ = 0;
  const Evaluation train = evaluate(train_);
  const Evaluation val = evaluate(validation_);
  const double seconds = static_cast<double>(steady_nanoseconds() - started_ns_) * 1e-9;
  history_.push_back({epoch_, train.loss, val.loss, train.accuracy, val.accuracy,
                      static_cast<double>(optimizer_.alpha), seconds});
  if (val.rows > 0 && stopping_.observe(epoch_, val.loss) && options_.keep_best) {
    const auto parameters = net_.parameters();
    best_.resize(parameters.size());
    for (std::size_t k = 0; k < parameters.size(); ++k) best_[k] = parameters[k]->value;
  }
  if (callbacks_.on_epoch) callbacks_.on_epoch(*this, history_.back());
  if (stop_requested_ || stopping_.should_stop() || epoch_ >= options_.epochs) finish();
}

template <class T>
bool Trainer<T>::run_epoch() {
  const std::uint32_t epoch = epoch_;
  while (!finished_ && epoch_ == epoch) step();
  return !finished_;
}

template <class T>
const History& Trainer<T>::run() {
  while (step()) {
  }
  return history_;
}

template <class T>
void Trainer<T>::stop() {
  if (in_step_) stop_requested_ = true;
  else if (!finished_) finish();
}

template <class T>
void Trainer<T>::finish() {
  finished_ = true;
  if (options_.keep_best && !best_.empty()) {
    const auto parameters = net_.parameters();
    for (std::size_t k = 0; k < parameters.size(); ++k) parameters[k]->value = best_[k];
    kept_best_ = true;
  }
}

template <class T>
Evaluation Trainer<T>::evaluate(const Dataset<T>& data) {
  double sums[3] = {0.0, 0.0, 0.0};  // loss over the rows, rows right, rows
  if (data.size() > 0) {
    eval_tape_.clear();
    const auto output = net_.forward(eval_tape_.input(data.x));
    const double mean = static_cast<double>(loss(options_.loss, output, eval_tape_.input(data.y)).item());
    sums[0] = mean * data.size();
    sums[1] = std::round(accuracy<T>(output.a.value(), data.y.view()) * data.size());
    sums[2] = data.size();
  }
  if (sharding_) sharding_->sum(sums);
  if (sums[2] == 0) return {};
  return {sums[0] / sums[2], sums[1] / sums[2], static_cast<std::uint32_t>(sums[2])};
}

template <class T>
FitResult Trainer<T>::result() const {
  FitResult r;
  r.history = history_;
  r.best_epoch = stopping_.best_epoch();
  if (r.best_epoch > 0) r.best_val_loss = stopping_.best_loss();
  r.stopped_early = finished_ && epoch_ < options_.epochs;
  r.kept_best = kept_best_;
  return r;
}

template <class T>
FitResult fit(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
              const FitOptions& options, Callbacks<T> callbacks) {
  Trainer<T> trainer(net, optimizer, train, options, std::move(callbacks));
  trainer.run();
  return trainer.result();
}

template <class T>
FitResult fit(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
              const Dataset<T>& validation, const FitOptions& options, Callbacks<T> callbacks) {
  Trainer<T> trainer(net, optimizer, train, validation, options, std::move(callbacks));
  trainer.run();
  return trainer.result();
}

template class Trainer<float>;
template class Trainer<double>;
template FitResult fit(Mlp<float>&, Optimizer<float>&, const Dataset<float>&, const FitOptions&,
                       Callbacks<float>);
template FitResult fit(Mlp<double>&, Optimizer<double>&, const Dataset<double>&,
                       const FitOptions&, Callbacks<double>);
template FitResult fit(Mlp<float>&, Optimizer<float>&, const Dataset<float>&,
                       const Dataset<float>&, const FitOptions&, Callbacks<float>);
template FitResult fit(Mlp<double>&, Optimizer<double>&, const Dataset<double>&,
                       const Dataset<double>&, const FitOptions&, Callbacks<double>);

}  // namespace tapegrad::nn
