// Writes the seed network's step-through pages and the engine's gradients the browser test checks.
// Usage: backprop_page DIR   (writes DIR/seed_tensor.html, DIR/seed_scalar.html, their
// .expected.json, and the model as DIR/seed_model.json for `tapegrad view`)
#include <cstdio>
#include <exception>
#include <filesystem>

#include "nn/backprop_view.hpp"
#include "nn/model_format.hpp"

using namespace tapegrad;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: backprop_page DIR\n");
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    // The seed's 4-3-2-1 sigmoid network with BCE, one sample, fixed weights.
    nn::ModelSpec spec;
    spec.layers = {
        {Tensor<double>{{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}, {-0.7, 0.8, 0.9}, {0.2, -0.3, 0.1}},
         Tensor<double>{{0.1, 0.2, -0.1}}, nn::Activation::sigmoid},
        {Tensor<double>{{0.3, -0.4}, {0.5, 0.2}, {-0.6, 0.7}}, Tensor<double>{{-0.2, 0.3}},
         nn::Activation::sigmoid},
        {Tensor<double>{{0.8}, {-0.5}}, Tensor<double>{{0.05}}, nn::Activation::sigmoid}};
    spec.loss = nn::LossKind::bce;
    spec.x = Tensor<double>{{1.0, 0.5, -1.5, 2.0}};
    spec.y = Tensor<double>{{1.0}};
    nn::write_model(spec, dir / "seed_model.json");
    nn::write_backprop_view(spec, dir / "seed_tensor.html", {}, dir / "seed_tensor.expected.json");
    nn::write_backprop_view(spec, dir / "seed_scalar.html", {.scalar = true, .sample = 0, .title = ""},
                            dir / "seed_scalar.expected.json");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
