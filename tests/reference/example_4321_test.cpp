// Tests for the 4-3-2-1 example's one definition and the model file that copies it.
#include "reference/example_4321.hpp"

#include <doctest/doctest.h>

#include "io/model_format.hpp"
#include "nn/linear.hpp"

using namespace tapegrad;

TEST_CASE("data/example_4321.json holds the 4-3-2-1 example's numbers, exactly") {
  const io::ModelSpec file = io::read_model(std::string(TAPEGRAD_DATA_DIR) + "/example_4321.json");
  const io::ModelSpec defined = reference::example_4321_model();
  REQUIRE(file.layers.size() == defined.layers.size());
  for (std::size_t k = 0; k < file.layers.size(); ++k) {
    CAPTURE(k);
    CHECK(file.layers[k].W == defined.layers[k].W);
    CHECK(file.layers[k].b == defined.layers[k].b);
    CHECK(file.layers[k].activation == defined.layers[k].activation);
  }
  CHECK(file.loss == defined.loss);
  CHECK(file.reduction == defined.reduction);
  REQUIRE((file.x && file.y));
  CHECK(*file.x == *defined.x);
  CHECK(*file.y == *defined.y);
}

TEST_CASE("the 4-3-2-1 example is a 4-3-2-1 sigmoid network with one sample and label 1") {
  const auto example = reference::example_4321();
  REQUIRE(example.net.depth() == 3);
  const std::uint32_t sizes[] = {4, 3, 2, 1};
  for (std::size_t k = 1; k <= 3; ++k) {
    CHECK(example.net.layer(k).in() == sizes[k - 1]);
    CHECK(example.net.layer(k).out() == sizes[k]);
    CHECK(example.net.layer(k).activation == nn::Activation::sigmoid);
  }
  CHECK(example.x.shape() == Shape{1, 4});
  CHECK(example.y == Tensor<double>{{1.0}});
}
