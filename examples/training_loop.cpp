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
  const nn::LrSchedule schedule{
      .kind = nn::ScheduleKind::cosine, .alpha = 0.01, .warmup = 5, .epochs = 100};
  nn::EarlyStopping stopping(/*patience=*/10);
  std::vector<Tensor<double>> best;
  Tape<double> tape;
  for (std::uint32_t epoch = 1; epoch <= schedule.epochs && !stopping.should_stop(); ++epoch) {
    optimizer.alpha = schedule.at(epoch - 1);  // full batch: one step per epoch
    tape.clear();
    const auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(data.train.x)),
                            tape.input(data.train.y));
    const double loss = L.item();  // read before the tape is cleared
    optimizer.zero_grad();
    tape.backward(L);
    nn::clip_grad_norm(optimizer.parameters(), 1.0);
    optimizer.step();

    tape.clear();
    const double val_loss = nn::loss(nn::LossKind::bce, net.forward(tape.input(data.validation.x)),
                                     tape.input(data.validation.y))
                                .item();
    if (stopping.observe(epoch, val_loss)) {
      best.clear();
      for (const auto* p : net.parameters()) best.push_back(p->value);
    }
    if (epoch % 20 == 0)
      fmt::print("epoch {:3}  loss {:.4f}  val_loss {:.4f}\n", epoch, loss, val_loss);
  }
  const auto parameters = net.parameters();
  for (std::size_t k = 0; k < best.size(); ++k) parameters[k]->value = best[k];

  const double val = nn::accuracy(net.predict(data.validation.x), data.validation.y);
  const double test = nn::accuracy(net.predict(data.test.x), data.test.y);
  fmt::print("best epoch {}: validation accuracy {:.2f}%, test accuracy {:.2f}%\n",
             stopping.best_epoch(), 100 * val, 100 * test);
  return val >= 0.95 && test >= 0.95 ? 0 : 1;
}
