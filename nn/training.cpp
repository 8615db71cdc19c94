// Training helpers: schedules, early stopping and the history's CSV form.
#include "nn/training.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace tapegrad::nn {

std::string_view schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step";
    case ScheduleKind::cosine: return "cosine";
  }
  return "unknown";
}

std::optional<ScheduleKind> parse_schedule(std::string_view name) {
  for (auto kind : {ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine})
    if (schedule_name(kind) == name) return kind;
  return std::nullopt;
}

void LrSchedule::check() const {
  if (!(alpha > 0.0 && std::isfinite(alpha)))
    throw std::invalid_argument(fmt::format("schedule: learning rate is {}; expected > 0", alpha));
  if (kind == ScheduleKind::step) {
    if (step_size == 0) throw std::invalid_argument("schedule: step size is 0; expected >= 1");
    if (!(gamma > 0.0 && gamma <= 1.0))
      throw std::invalid_argument(
          fmt::format("schedule: gamma is {}; expected 0 < gamma <= 1", gamma));
  }
  if (kind == ScheduleKind::cosine) {
    if (warmup >= epochs)
      throw std::invalid_argument(fmt::format(
          "schedule: {} warm-up epochs leave none of {} for the cosine", warmup, epochs));
    if (!(min_alpha >= 0.0 && min_alpha <= alpha))
      throw std::invalid_argument(
          fmt::format("schedule: minimum rate {} is outside [0, {}]", min_alpha, alpha));
  }
}

double LrSchedule::at(std::uint32_t epoch) const {
  if (epoch < warmup) return alpha * (epoch + 1.0) / warmup;
  const std::uint32_t e = epoch - warmup;
  switch (kind) {
    case ScheduleKind::constant: return alpha;
    case ScheduleKind::step: return alpha * std::pow(gamma, static_cast<double>(e / step_size));
    case ScheduleKind::cosine: {
      const double span = static_cast<double>(epochs - warmup);
      return min_alpha + (alpha - min_alpha) * (1.0 + std::cos(std::numbers::pi * e / span)) / 2.0;
    }
  }
  return alpha;
}

bool EarlyStopping::observe(std::uint32_t epoch, double loss) {
  if (std::isfinite(loss) && loss < best_ - min_delta_) {
    best_ = loss;
    best_epoch_ = epoch;
    since_best_ = 0;
    return true;
  }
  ++since_best_;
  return false;
}

std::string format_history_csv(const nn::History& history) {
  const auto number = [](double x) {
    return std::isfinite(x) ? fmt::format("{}", x) : std::string();
  };
  std::string out = "epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr,seconds\n";
  for (const auto& r : history)
    out +=
        fmt::format("{},{},{},{},{},{},{:.3f}\n", r.epoch, number(r.train_loss), number(r.val_loss),
                    number(r.train_accuracy), number(r.val_accuracy), number(r.lr), r.seconds);
  return out;
}

}  // namespace tapegrad::nn
