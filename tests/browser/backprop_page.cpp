// Writes the seed network's step-through pages and the engine's gradients the browser test checks.
// Usage: backprop_page DIR   (writes DIR/seed_tensor.html, DIR/seed_scalar.html, their
// .expected.json, and the model as DIR/seed_model.json for `tapegrad view`)
#include <cstdio>
#include <exception>
#include <filesystem>

#include "viz/backprop_view.hpp"
#include "io/model_format.hpp"
#include "reference/example_4321.hpp"
#include "io/model_io.hpp"

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
    const nn::Example4321 seed = nn::example_4321();
    io::ModelSpec spec = io::to_spec(seed.net);
    spec.loss = nn::LossKind::bce;
    spec.x = seed.x;
    spec.y = seed.y;
    io::write_model(spec, dir / "seed_model.json");
    nn::write_backprop_view(spec, dir / "seed_tensor.html", {}, dir / "seed_tensor.expected.json");
    nn::write_backprop_view(spec, dir / "seed_scalar.html", {.scalar = true, .sample = 0, .title = ""},
                            dir / "seed_scalar.expected.json");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}
