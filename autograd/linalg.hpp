// Linear algebra ops: matmul, transpose, and the fused layer op affine.
// Each op is defined once, with its backward rule, in the op registry.
#pragma once

#include "autograd/registry.hpp"
