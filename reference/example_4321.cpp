#include "reference/example_4321.hpp"

#include "io/model_io.hpp"
#include "nn/linear.hpp"

namespace tapegrad::reference {

Example4321 example_4321() {
  Example4321 example;
  example.net.add(nn::Linear<double>(
      Tensor<double>{{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}, {-0.7, 0.8, 0.9}, {0.2, -0.3, 0.1}},
      Tensor<double>{{0.1, 0.2, -0.1}}, nn::Activation::sigmoid));
  example.net.add(nn::Linear<double>(Tensor<double>{{0.3, -0.4}, {0.5, 0.2}, {-0.6, 0.7}},
                                     Tensor<double>{{-0.2, 0.3}}, nn::Activation::sigmoid));
  example.net.add(nn::Linear<double>(Tensor<double>{{0.8}, {-0.5}}, Tensor<double>{{0.05}},
                                     nn::Activation::sigmoid));
  example.x = Tensor<double>{{1.0, 0.5, -1.5, 2.0}};  // a^[0], one sample
  example.y = Tensor<double>{{1.0}};
  return example;
}

io::ModelSpec example_4321_model() {
  const Example4321 example = example_4321();
  io::ModelSpec spec = io::to_spec(example.net);
  spec.loss = nn::LossKind::bce;
  spec.reduction = Reduction::mean;
  spec.x = example.x;
  spec.y = example.y;
  return spec;
}

}  // namespace tapegrad::reference
