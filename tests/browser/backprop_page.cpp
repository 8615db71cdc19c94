// Writes the step-through pages the browser test clicks through, and the engine's gradients it checks.
// Usage: backprop_page DIR   (writes DIR/example_tensor.html and DIR/example_scalar.html for the
// 4-3-2-1 example, DIR/large_scalar.html for a 30-16-1 network's scalar view (about 2,600
// steps), each with its .expected.json, and the 4-3-2-1 example as DIR/example_model.json
// for `tapegrad view`)
#include <cstdio>
#include <exception>
#include <filesystem>

#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "nn/mlp.hpp"
#include "reference/example_4321.hpp"
#include "viz/backprop_view.hpp"

using namespace tapegrad;
using namespace tapegrad::viz;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: backprop_page DIR\n");
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    // The 4-3-2-1 example: sigmoid layers, BCE, one sample, fixed weights.
    const reference::Example4321 example = reference::example_4321();
    io::ModelSpec spec = io::to_spec(example.net);
    spec.loss = nn::LossKind::bce;
    spec.x = example.x;
    spec.y = example.y;
    io::write_model(spec, dir / "example_model.json");
    viz::write_backprop_view(spec, dir / "example_tensor.html", {},
                            dir / "example_tensor.expected.json");
    viz::write_backprop_view(spec, dir / "example_scalar.html",
                            {.scalar = true, .sample = 0, .title = ""},
                            dir / "example_scalar.expected.json");

    // A long page: the scalar view of a 30-16-1 network records 1,590 values.
    Generator generator(12);
    const nn::Mlp<double> large({30, 16, 1}, nn::Activation::sigmoid, 12);
    io::ModelSpec big = io::to_spec(large);
    big.loss = nn::LossKind::bce;
    big.x = Tensor<double>::normal({1, 30}, generator);
    big.y = Tensor<double>({1, 1}, 1.0);
    viz::write_backprop_view(big, dir / "large_scalar.html",
                            {.scalar = true, .sample = 0, .title = "30-16-1 network, scalar view"},
                            dir / "large_scalar.expected.json");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
