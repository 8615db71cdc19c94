// tapegrad's engine in one include: tensors, the tape, every op, gradcheck.
//
// A tape records each operation in execution order; backward walks it in
// reverse. Quick tour (double precision; float works the same):
//
//   tapegrad::Tape<double> tape;
//   auto a = tape.input(x);                 // (1, 4) sample, no gradient
//   auto W = tape.parameter(W1);            // Parameter<double>: (4, 3)
//   auto b = tape.parameter(b1);            // (1, 3)
//   auto z = tapegrad::affine(a, W, b);     // z = a W + b
//   auto L = tapegrad::binary_cross_entropy_with_logits(z, y);
//   tape.backward(L);                       // W1.grad, b1.grad now hold dL/dW, dL/db
#pragma once

#include "autograd/activation.hpp"
#include "autograd/elementwise.hpp"
#include "autograd/forward_mode.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/kernels.hpp"
#include "autograd/linalg.hpp"
#include "autograd/loss.hpp"
#include "autograd/op.hpp"
#include "autograd/parameter.hpp"
#include "autograd/random.hpp"
#include "autograd/reduce.hpp"
#include "autograd/shape.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"
