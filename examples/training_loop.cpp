#include <fmt/format.h>

#include "io/csv.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

// Breast cancer with a validation set: AdamW, a cosine schedule after a
// warm-up, gradients clipped by norm, early stopping and the best epoch kept.
int main() {
  const auto table = io::read_csv(TAPEGRAD_DATA_DIR "/breast_cancer.csv");
  auto data =
      nn::train_val_test_split(nn::split_features_labels<double>(table.values), 0.2, 0.2, 42);
  const auto standardizer = nn::Standardizer<double>::fit(data.train.x);
  for (auto* set : {&data.train, &data.validation, &data.test}) set->x = standardizer.apply(set->x);

  nn::Mlp<double> net({30, 16, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, 42);
  nn::AdamW<double> optimizer(net.parameters(), 0.01, 0.9, 0.999, 1e-8, /*weight_decay=*/0.01);
  const nn::FitOptions options{
      .epochs = 100,
      .batch = 0,  // the whole training set: one step per epoch
      .loss = nn::LossKind::bce,
      .schedule = nn::LrSchedule{
          .kind = nn::ScheduleKind::cosine, .alpha = 0.01, .warmup = 5, .epochs = 100},
      .clip_norm = 1.0,
      .patience = 10,
      .keep_best = true,
  };
  const nn::Callbacks<double> progress{
      .on_epoch = [](nn::Trainer<double>&, const nn::EpochRecord& r) {
        if (r.epoch % 20 == 0)
          fmt::print("epoch {:3}  loss {:.4f}  val_loss {:.4f}\n", r.epoch, r.train_loss, r.val_loss);
      }};
  const nn::FitResult run = nn::fit(net, optimizer, data.train, data.validation, options, progress);

  const double val = nn::accuracy(net.predict(data.validation.x), data.validation.y);
  const double test = nn::accuracy(net.predict(data.test.x), data.test.y);
  fmt::print("best epoch {} of {}: validation accuracy {:.2f}%, test accuracy {:.2f}%\n",
             run.best_epoch, run.history.size(), 100 * val, 100 * test);
  return val >= 0.95 && test >= 0.95 ? 0 : 1;
}
