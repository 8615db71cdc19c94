// Elementwise ops: arithmetic with broadcasting, the unary math functions, operators.
// Each op is defined once, with its backward rule, in the op registry.
#pragma once

#include "autograd/registry.hpp"
