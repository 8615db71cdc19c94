// Reductions: sum (all, over rows, over columns) and mean.
// Each op is defined once, with its backward rule, in the op registry.
#pragma once

#include "autograd/registry.hpp"
