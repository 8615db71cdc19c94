// Breast cancer: binary classification of the Wisconsin diagnostic data (569 x 30) with a 30-8-1 MLP.
#include <fmt/format.h>

#include "examples/options.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

int main(int argc, char** argv) {
  const auto options =
      examples::parse_options(argc, argv, {.steps = 60, .data = TAPEGRAD_DATA_DIR, .seed = 4}, "epochs");
  try {
    const auto table = nn::read_csv(std::filesystem::path(options.data) / "breast_cancer.csv");
    const auto split = nn::train_test_split(nn::split_features_labels<double>(table.values), 0.25, options.seed);
    const auto scaler = nn::Standardizer<double>::fit(split.train.x);  // fit on train only
    const Tensor<double> train_x = scaler.apply(split.train.x), test_x = scaler.apply(split.test.x);
    const Tensor<double>& train_y = split.train.y;
    const Tensor<double>& test_y = split.test.y;

    // A small tanh layer and a low learning rate: larger or faster nets overfit 427 samples.
    nn::Mlp<double> net({30, 8, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, options.seed);
    nn::Adam<double> adam(net.parameters(), 0.001);
    Tape<double> tape;
    Generator shuffle(options.seed);
    std::vector<std::uint32_t> order;
    Tensor<double> batch_x, batch_y;
    const std::uint32_t batch = 32;
    fmt::print("{} training and {} test samples, 30 features\n", train_x.rows(), test_x.rows());
    fmt::print("{:>5}  {:>10}  {:>9}  {:>9}\n", "epoch", "loss", "train", "test");
    for (long epoch = 1; epoch <= options.steps; ++epoch) {
      nn::shuffle_indices(order, train_x.rows(), shuffle);
      double total = 0;
      for (std::uint32_t start = 0; start < order.size(); start += batch) {
        const auto index = std::span<const std::uint32_t>(order).subspan(
            start, std::min<std::size_t>(batch, order.size() - start));
        nn::gather_rows(train_x, index, batch_x);
        nn::gather_rows(train_y, index, batch_y);
        tape.clear();
        const auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(batch_x)), tape.input(batch_y));
        adam.zero_grad();
        tape.backward(L);
        adam.step();
        total += L.item() * static_cast<double>(index.size());
      }
      if (epoch == 1 || epoch % std::max(1L, options.steps / 6) == 0 || epoch == options.steps)
        fmt::print("{:>5}  {:>10.6f}  {:>8.1f}%  {:>8.1f}%\n", epoch, total / train_x.rows(),
                   100 * nn::accuracy(net.predict(train_x).view(), train_y.view()),
                   100 * nn::accuracy(net.predict(test_x).view(), test_y.view()));
    }
    const double accuracy = nn::accuracy(net.predict(test_x).view(), test_y.view());
    fmt::print("test accuracy: {:.1f}% (target >= 95%)\n", 100 * accuracy);
    return accuracy >= 0.95 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
