// Digits: 10-class softmax cross-entropy on the 8x8 optical digits (1797 x 64) with a 64-64-10 MLP.
#include <fmt/format.h>

#include "examples/options.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

int main(int argc, char** argv) {
  const auto options =
      examples::parse_options(argc, argv, {.steps = 30, .data = TAPEGRAD_DATA_DIR, .seed = 1}, "epochs");
  try {
    const auto table = nn::read_csv(std::filesystem::path(options.data) / "digits.csv");
    const auto split = nn::train_test_split(nn::split_features_labels<double>(table.values), 0.25, options.seed);
    const auto scaler = nn::Standardizer<double>::fit(split.train.x);
    const Tensor<double> train_x = scaler.apply(split.train.x), test_x = scaler.apply(split.test.x);
    const Tensor<double> train_y = nn::one_hot(split.train.y, 10), test_y = nn::one_hot(split.test.y, 10);

    // Identity output: z^[2] are the logits that softmax_ce expects.
    nn::Mlp<double> net({64, 64, 10}, {nn::Activation::relu, nn::Activation::identity}, options.seed);
    nn::Adam<double> adam(net.parameters(), 0.002);
    Tape<double> tape;
    Generator shuffle(options.seed);
    std::vector<std::uint32_t> order;
    Tensor<double> batch_x, batch_y;
    const std::uint32_t batch = 32;
    fmt::print("{} training and {} test samples, 64 features, 10 classes\n", train_x.rows(), test_x.rows());
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
        const auto L =
            nn::loss(nn::LossKind::softmax_ce, net.forward(tape.input(batch_x)), tape.input(batch_y));
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
    fmt::print("test accuracy: {:.1f}% (target >= 90%)\n", 100 * accuracy);
    return accuracy >= 0.90 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
