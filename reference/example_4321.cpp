#include "reference/example_4321.hpp"

#include "nn/linear.hpp"

namespace tapegrad::nn {

Example4321 example_4321() {
  Example4321 example;
  example.net.add(Linear<double>(
      Tensor<double>{{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}, {-0.7, 0.8, 0.9}, {0.2, -0.3, 0.1}},
      Tensor<double>{{0.1, 0.2, -0.1}}, Activation::sigmoid));
  example.net.add(Linear<double>(Tensor<double>{{0.3, -0.4}, {0.5, 0.2}, {-0.6, 0.7}},
                                 Tensor<double>{{-0.2, 0.3}}, Activation::sigmoid));
  example.net.add(Linear<double>(Tensor<double>{{0.8}, {-0.5}}, Tensor<double>{{0.05}}, Activation::sigmoid));
  example.x = Tensor<double>{{1.0, 0.5, -1.5, 2.0}};  // a^[0], one sample
  example.y = Tensor<double>{{1.0}};
  return example;
}

}  // namespace tapegrad::nn
