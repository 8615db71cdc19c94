// The 4-3-2-1 example: the worked sigmoid network of the docs, the tests and
// the examples, with its fixed weights, its one sample and its label. These
// are the only copies of its numbers; data/example_4321.json is checked
// against them (tests/reference/example_4321_test.cpp).
#pragma once

#include "autograd/tensor.hpp"
#include "io/model_format.hpp"
#include "nn/mlp.hpp"

namespace tapegrad::reference {

/// The 4-3-2-1 example: a sigmoid network with fixed weights in the
/// row convention (W^[1] (4, 3), b^[1] (1, 3), W^[2] (3, 2), b^[2] (1, 2),
/// W^[3] (2, 1), b^[3] (1, 1)), one sample x = a^[0] (1, 4) and its label y (1, 1).
struct Example4321 {
  nn::Mlp<double> net;
  Tensor<double> x;
  Tensor<double> y;
};

/// A fresh copy of the 4-3-2-1 example's network, sample and label (same numbers every call).
Example4321 example_4321();

/// The 4-3-2-1 example as a model file holds it: its layers, BCE with the
/// mean reduction, x and y (what data/example_4321.json reads into).
io::ModelSpec example_4321_model();

}  // namespace tapegrad::reference
