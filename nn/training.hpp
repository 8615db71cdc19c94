// Training helpers: learning-rate schedules with warm-up, early stopping on a
// validation loss, and the per-epoch record of a training run (and its CSV form).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tapegrad::nn {

/// The shape of a learning-rate schedule after its warm-up.
enum class ScheduleKind : std::uint8_t { constant, step, cosine };

/// Parses "constant", "step" or "cosine".
std::optional<ScheduleKind> parse_schedule(std::string_view name);
std::string_view schedule_name(ScheduleKind kind);

/// The learning rate of each epoch e = 0, 1, ... (schedules step once per
/// epoch, as PyTorch's epoch schedulers do). During `warmup` epochs the rate
/// rises linearly, alpha (e + 1) / warmup; after them, with e' = e - warmup:
///  - constant: alpha;
///  - step:     alpha gamma^floor(e' / step_size)                (StepLR);
///  - cosine:   min + (alpha - min) (1 + cos(pi e' / T)) / 2,
///              T = epochs - warmup                              (CosineAnnealingLR).
/// The whole is PyTorch's SequentialLR([LinearLR(start_factor=1/warmup,
/// total_iters=warmup-1), StepLR or CosineAnnealingLR], milestones=[warmup]).
struct LrSchedule {
  ScheduleKind kind = ScheduleKind::constant;
  double alpha = 0.01;          ///< the base rate
  std::uint32_t warmup = 0;     ///< epochs of linear warm-up
  std::uint32_t step_size = 1;  ///< step: epochs between decays (>= 1)
  double gamma = 0.1;           ///< step: the decay factor
  std::uint32_t epochs = 1;     ///< cosine: the run's length, warm-up included
  double min_alpha = 0.0;       ///< cosine: the rate it ends at

  /// Throws std::invalid_argument for a schedule that cannot run (alpha <= 0,
  /// step_size 0, gamma outside (0, 1], warm-up not shorter than a cosine run).
  void check() const;
  double at(std::uint32_t epoch) const;
};

/// Early stopping and the best epoch by a validation loss: `observe` each
/// epoch's loss; it says whether the loss improved on the best so far (by more
/// than min_delta), and `should_stop` turns true once `patience` epochs in a
/// row have not improved (never when patience is 0).
class EarlyStopping {
 public:
  explicit EarlyStopping(std::uint32_t patience = 0, double min_delta = 0.0)
      : patience_(patience), min_delta_(min_delta) {}
  /// Records one epoch's loss (numbered from 1); true if it is the new best.
  bool observe(std::uint32_t epoch, double loss);
  bool should_stop() const { return patience_ > 0 && since_best_ >= patience_; }
  double best_loss() const { return best_; }
  /// 0 before any finite loss was observed.
  std::uint32_t best_epoch() const { return best_epoch_; }

 private:
  std::uint32_t patience_;
  double min_delta_;
  double best_ = std::numeric_limits<double>::infinity();
  std::uint32_t best_epoch_ = 0;
  std::uint32_t since_best_ = 0;
};

/// One epoch of a training run: losses are the mean over each set, accuracies
/// the fraction right; validation figures are NaN when there is no validation set.
struct EpochRecord {
  std::uint32_t epoch = 0;
  double train_loss = 0, val_loss = 0, train_accuracy = 0, val_accuracy = 0;
  double lr = 0;
  double seconds = 0;  ///< since training started
};

using History = std::vector<EpochRecord>;

/// A training history as CSV, one row per epoch, with the header
/// `epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds`; numbers
/// in shortest round-trip form, validation fields empty when there was no
/// validation set (NaN).
std::string format_history_csv(const nn::History& history);

}  // namespace tapegrad::nn
