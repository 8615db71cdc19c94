// Breast cancer: binary classification of the Wisconsin diagnostic data (569 x 30) with a 30-8-1 MLP.
#include <fmt/format.h>

#include "examples/classification.hpp"
#include "examples/options.hpp"
#include "nn/nn.hpp"

using namespace tapegrad;

int main(int argc, char** argv) {
  const auto options =
      examples::parse_options(argc, argv, {.steps = 60, .data = TAPEGRAD_DATA_DIR, .seed = 4}, "epochs");
  try {
    const auto data = examples::load_classification(options.data, "breast_cancer.csv", options.seed);

    // A small tanh layer and a low learning rate: larger or faster nets overfit 427 samples.
    nn::Mlp<double> net({30, 8, 1}, {nn::Activation::tanh, nn::Activation::sigmoid}, options.seed);
    nn::Adam<double> adam(net.parameters(), 0.001);
    fmt::print("{} training and {} test samples, 30 features\n", data.train.size(), data.test.size());
    const double accuracy =
        examples::train_classifier(net, adam, nn::LossKind::bce, data, options.steps, options.seed);
    fmt::print("test accuracy: {:.1f}% (target >= 95%)\n", 100 * accuracy);
    return accuracy >= 0.95 ? 0 : 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 2;
  }
}
