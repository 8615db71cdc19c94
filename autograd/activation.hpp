// Activations: sigmoid, tanh, relu, leaky_relu, elu, gelu, softplus, softmax, log_softmax.
// Each op is defined once, with its backward rule, in the op registry.
#pragma once

#include "autograd/registry.hpp"
