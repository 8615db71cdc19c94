// Digits: 10-class softmax cross-entropy on the 8x8 optical digits (1797 x 64) with a 64-64-10 MLP.
#include <fmt/format.h>

#include "examples/classification.hpp"
#include "examples/options.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

int main(int argc, char** argv) {
  const auto options =
      examples::parse_options(argc, argv, {.steps = 30, .data = TAPEGRAD_DATA_DIR, .seed = 1}, "epochs");
  try {
    const auto data = examples::load_classification(options.data, "digits.csv", options.seed, 10);

    // Identity output: z^[2] are the logits that softmax_ce expects.
    nn::Mlp<double> net({64, 64, 10}, {nn::Activation::relu, nn::Activation::identity}, options.seed);
    nn::Adam<double> adam(net.parameters(), 0.002);
    fmt::print("{} training and {} test samples, 64 features, 10 classes\n", data.train.size(),
               data.test.size());
    const double accuracy =
        examples::train_classifier(net, adam, nn::LossKind::softmax_ce, data, options.steps, options.seed);
    fmt::print("test accuracy: {:.1f}% (target >= 90%)\n", 100 * accuracy);
    return accuracy >= 0.90 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
