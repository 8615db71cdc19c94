// Losses: one record each, from predictions and targets of the same shape to (1, 1).
// Each op is defined once, with its backward rule, in the op registry.
#pragma once

#include "autograd/registry.hpp"
