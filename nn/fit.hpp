// fit: the one training loop (mini-batches, schedule, clipping, validation, early stopping,
// history, callbacks), run whole by nn::fit or a step at a time through nn::Trainer.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "autograd/random.hpp"
#include "autograd/tape.hpp"
#include "nn/dataset.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/training.hpp"

namespace tapegrad::nn {

/// How nn::fit trains. Each epoch shuffles the training rows (a Generator seeded
/// with `seed`, so a run is the same on every machine), takes one optimizer step
/// per mini-batch of `batch` rows (the last one may be shorter), then measures
/// the mean loss and the accuracy on the training and validation sets.
struct FitOptions {
  std::uint32_t epochs = 10;   ///< passes over the training set (at most)
  std::uint32_t batch = 32;    ///< rows per step; 0: the whole training set in one step
  LossKind loss = LossKind::bce;
  /// Sets the optimizer's learning rate before each epoch (a cosine schedule's
  /// `epochs` is the run's); none: the rate is left alone.
  std::optional<LrSchedule> schedule{};
  double clip_norm = 0;        ///< > 0: each step's gradient is clipped to this global norm
  std::uint64_t seed = 1;      ///< seeds the shuffles
  bool shuffle = true;         ///< false: the rows in their order, every epoch
  std::uint32_t patience = 0;  ///< stop after this many epochs without a lower validation loss (0: never)
  double min_delta = 0;        ///< the least fall of the validation loss that counts as lower
  bool keep_best = false;      ///< end with the weights of the epoch with the lowest validation loss
};

/// One optimizer step: the batch's mean loss (over every process's rows of it)
/// before the update, at learning rate `lr`.
struct StepRecord {
  std::uint32_t epoch = 0;  ///< from 1
  std::uint32_t batch = 0;  ///< within the epoch, from 1
  std::uint64_t step = 0;   ///< within the run, from 1
  std::uint32_t rows = 0;   ///< the batch's rows
  double loss = 0;
  double lr = 0;
};

/// A loss and an accuracy measured on a set of rows (NaN for an empty set).
struct Evaluation {
  double loss = std::numeric_limits<double>::quiet_NaN();      ///< the mean over the rows
  double accuracy = std::numeric_limits<double>::quiet_NaN();  ///< the fraction right (nn::accuracy)
  std::uint32_t rows = 0;
};

/// What a run spread over several processes (data parallel, see dist/) plugs
/// into the loop; a run in one process needs none. Every process holds some
/// rows of each set and runs the same loop: the positions 0..train_rows()-1 of
/// the whole training set are shuffled and cut into batches alike everywhere,
/// each process steps on its own rows of the batch, and `reduce_gradients`
/// makes every process's gradient that of the whole batch.
template <class T>
class Sharding {
 public:
  virtual ~Sharding() = default;
  /// Rows of the whole training set, over every process.
  virtual std::uint32_t train_rows() const = 0;
  /// This process's rows of its training set holding the given positions, in
  /// their order, written into `rows`.
  virtual void rows_of(std::span<const std::uint32_t> positions,
                       std::vector<std::uint32_t>& rows) const = 0;
  /// On entry each parameter's gradient is that of this process's mean loss
  /// `local_loss` over `local_rows` rows (possibly 0) of a batch of
  /// `global_rows`; on return, every process's gradient is the whole batch's,
  /// and the result is the batch's mean loss. A collective.
  virtual T reduce_gradients(T local_loss, std::uint32_t local_rows, std::uint32_t global_rows) = 0;
  /// Sums `values` over the processes, in place. A collective.
  virtual void sum(std::span<double> values) = 0;
};

template <class T>
class Trainer;

/// Called by the loop; a callback may read the trainer (its network, history,
/// early stopping) and call `trainer.stop()`. Either may be empty.
template <class T>
struct Callbacks {
  /// After each optimizer step.
  std::function<void(Trainer<T>&, const StepRecord&)> on_step{};
  /// After each epoch's figures are recorded and early stopping has seen them.
  std::function<void(Trainer<T>&, const EpochRecord&)> on_epoch{};
};

/// What a finished run reports.
struct FitResult {
  History history;              ///< one record per epoch run
  std::uint32_t best_epoch = 0;  ///< the epoch of the lowest validation loss (0: no validation)
  double best_val_loss = std::numeric_limits<double>::quiet_NaN();
  bool stopped_early = false;  ///< by patience or a callback, before `epochs`
  bool kept_best = false;      ///< the network holds best_epoch's weights (keep_best)
};

/// The training loop as an object, for programs that interleave training with
/// other work (a page that draws between steps, a debugger that inspects the
/// tape): `step()` runs one mini-batch, `run_epoch()` the rest of an epoch,
/// `run()` the rest of the run; nn::fit is `run()` on a new Trainer. The loop
/// holds references to the network, the optimizer and the data sets, which
/// must outlive it. It allocates while warming up only, uses no threads and no
/// files, and two trainers made alike step alike, bit for bit.
///
/// With a Sharding, the constructor and every call that steps or evaluates are
/// collectives: every process makes the same calls in the same order.
template <class T>
class Trainer {
 public:
  /// Throws std::invalid_argument for options that cannot run and ShapeError
  /// for data that does not fit the network (naming both shapes).
  Trainer(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
          const Dataset<T>& validation, const FitOptions& options, Callbacks<T> callbacks = {},
          Sharding<T>* sharding = nullptr);
  /// Without a validation set.
  Trainer(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train, const FitOptions& options,
          Callbacks<T> callbacks = {});
  // The trainer keeps references to the data sets: temporaries would dangle.
  Trainer(Mlp<T>&, Optimizer<T>&, Dataset<T>&&, const FitOptions&, Callbacks<T> = {}) = delete;
  Trainer(Mlp<T>&, Optimizer<T>&, Dataset<T>&&, const Dataset<T>&, const FitOptions&,
          Callbacks<T> = {}, Sharding<T>* = nullptr) = delete;
  Trainer(Mlp<T>&, Optimizer<T>&, const Dataset<T>&, Dataset<T>&&, const FitOptions&,
          Callbacks<T> = {}, Sharding<T>* = nullptr) = delete;
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  /// One optimizer step on the next mini-batch; after an epoch's last batch,
  /// the epoch's figures, early stopping and the callbacks. Returns false once
  /// the run has finished (then it does nothing).
  bool step();
  /// Steps to the end of the current epoch; returns false once the run has finished.
  bool run_epoch();
  /// Steps to the end of the run.
  const History& run();
  /// Ends the run after the current step (from a callback) or now: an epoch cut
  /// short is not recorded; with keep_best the best epoch's weights are restored.
  void stop();

  bool finished() const { return finished_; }
  /// Epochs completed.
  std::uint32_t epoch() const { return epoch_; }
  /// Optimizer steps taken.
  std::uint64_t steps() const { return steps_; }
  const History& history() const { return history_; }
  const EarlyStopping& stopping() const { return stopping_; }
  FitResult result() const;

  /// The loss and accuracy of the network on `data` (over every process's rows of it).
  Evaluation evaluate(const Dataset<T>& data);

  Mlp<T>& net() { return net_; }
  Optimizer<T>& optimizer() { return optimizer_; }
  const FitOptions& options() const { return options_; }
  /// The tape of the last step: its forward pass, loss and gradients (naming off
  /// unless turned on with `tape().set_naming(true)`).
  Tape<T>& tape() { return tape_; }
  /// The inputs (rows, inputs) and targets (rows, outputs) of the last step's
  /// mini-batch, this process's rows of it; empty before the first step.
  const Tensor<T>& batch_x() const { return x_batch_; }
  const Tensor<T>& batch_y() const { return y_batch_; }

 private:
  void start_epoch();
  void end_epoch();
  void finish();

  Mlp<T>& net_;
  Optimizer<T>& optimizer_;
  const Dataset<T>& train_;
  const Dataset<T>& validation_;
  FitOptions options_;
  Callbacks<T> callbacks_;
  Sharding<T>* sharding_;
  std::uint32_t train_rows_ = 0;  // over every process
  std::uint32_t batch_ = 0;

  Tape<T> tape_, eval_tape_;
  Generator generator_;
  std::vector<std::uint32_t> order_, rows_;
  Tensor<T> x_batch_, y_batch_;
  EarlyStopping stopping_;
  std::vector<Tensor<T>> best_;
  History history_;
  std::uint32_t epoch_ = 0;  // completed
  std::uint32_t next_ = 0;   // the position the next batch starts at
  std::uint32_t batches_ = 0;
  std::uint64_t steps_ = 0;
  // The first step's steady-clock time in nanoseconds (an integer, so this
  // header needs no <chrono>, which costs every user file a large parse).
  std::int64_t started_ns_ = 0;
  bool in_step_ = false, finished_ = false, stop_requested_ = false, kept_best_ = false;
};

/// Trains `net` with `optimizer` on `train` as `options` say and returns the run:
///   nn::fit(net, adam, data.train, {.epochs = 30, .batch = 32, .loss = nn::LossKind::bce});
template <class T>
FitResult fit(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
              const FitOptions& options, Callbacks<T> callbacks = {});
/// The same with a validation set, measured every epoch (early stopping, keep_best).
template <class T>
FitResult fit(Mlp<T>& net, Optimizer<T>& optimizer, const Dataset<T>& train,
              const Dataset<T>& validation, const FitOptions& options, Callbacks<T> callbacks = {});

extern template class Trainer<float>;
extern template class Trainer<double>;
extern template FitResult fit(Mlp<float>&, Optimizer<float>&, const Dataset<float>&,
                              const FitOptions&, Callbacks<float>);
extern template FitResult fit(Mlp<double>&, Optimizer<double>&, const Dataset<double>&,
                              const FitOptions&, Callbacks<double>);
extern template FitResult fit(Mlp<float>&, Optimizer<float>&, const Dataset<float>&,
                              const Dataset<float>&, const FitOptions&, Callbacks<float>);
extern template FitResult fit(Mlp<double>&, Optimizer<double>&, const Dataset<double>&,
                              const Dataset<double>&, const FitOptions&, Callbacks<double>);

}  // namespace tapegrad::nn
