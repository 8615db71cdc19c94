// tapegrad's nn layer in one include: layers, MLPs, losses, optimizers, the hand
// derivation and the check. Model files and CSV data are in io/.
//
//   using namespace tapegrad;
//   nn::Mlp<double> net({4, 3, 2, 1}, nn::Activation::sigmoid, 42);  // the seed's network
//   nn::Sgd<double> sgd(net.parameters(), 0.5);
//   Tape<double> tape;
//   tape.clear();                                       // every step: forget the last one
//   auto L = nn::loss(nn::LossKind::bce, net.forward(tape.input(x)), tape.input(y));
//   sgd.zero_grad();
//   tape.backward(L);
//   sgd.step();                                         // W <- W - alpha dL/dW
#pragma once

#include "autograd/autograd.hpp"
#include "nn/activation.hpp"
#include "nn/backprop_view.hpp"
#include "nn/check.hpp"
#include "nn/dataset.hpp"
#include "nn/hand_backprop.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/scalar_network.hpp"
#include "nn/seed_walkthrough.hpp"
