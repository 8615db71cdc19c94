// tapegrad's nn layer in one include: layers, MLPs, losses, optimizers, data sets, the training loop.
// Model files and CSV are in io/, the hand derivation in reference/, pictures in viz/;
// "tapegrad.hpp" includes everything.
//
//   using namespace tapegrad;
//   nn::Mlp<double> net({4, 3, 2, 1}, nn::Activation::sigmoid, 42);  // the 4-3-2-1 example
//   nn::Sgd<double> sgd(net.parameters(), 0.5);
//   Tape<double> tape;
//   tape.clear();                                       // every step: forget the last one
//   auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(x)), tape.input(y));
//   sgd.zero_grad();
//   tape.backward(L);
//   sgd.step();                                         // W <- W - alpha dL/dW
//   nn::fit(net, sgd, {x, y}, {.epochs = 100, .batch = 32});  // the whole loop (nn/fit.hpp)
#pragma once

#include "autograd/autograd.hpp"
#include "nn/activation.hpp"
#include "nn/dataset.hpp"
#include "nn/fit.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/training.hpp"
