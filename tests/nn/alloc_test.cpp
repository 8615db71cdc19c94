// A warmed-up training step makes no heap allocation: counted by replacing global operator new
// (tests/alloc_counter.hpp).
#include <doctest/doctest.h>

#include "autograd/autograd.hpp"
#include "nn/fit.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "tests/alloc_counter.hpp"

using alloc_counter::allocations;
using alloc_counter::counting;

using namespace tapegrad;
using nn::Activation;
using nn::LossKind;

namespace {

// Allocations made by `steps` training steps after `warmup` steps.
template <class T>
long count_step_allocations(nn::Mlp<T>& net, nn::Optimizer<T>& optimizer, const Tensor<T>& x,
                            const Tensor<T>& y, LossKind kind, bool naming) {
  Tape<T> tape;
  tape.set_naming(naming);
  auto step = [&] {
    tape.clear();
    const auto L = nn::loss(kind, net.forward(tape.input(x.view())), tape.input(y.view()));
    optimizer.zero_grad();
    tape.backward(L);
    optimizer.step();
  };
  for (int i = 0; i < 3; ++i) step();
  allocations = 0;
  counting = true;
  for (int i = 0; i < 20; ++i) step();
  counting = false;
  return allocations.load();
}

}  // namespace

TEST_CASE("the counter sees an allocation") {
  counting = true;
  allocations = 0;
  auto* p = new int(3);
  counting = false;
  CHECK(allocations.load() == 1);
  delete p;
}

TEST_CASE("a warmed-up training step of the 4-3-2-1 example allocates nothing") {
  nn::Mlp<double> net({4, 3, 2, 1}, Activation::sigmoid, 1);
  const Tensor<double> x{{1.0, 0.5, -1.5, 2.0}};
  const Tensor<double> y{{1.0}};
  for (bool naming : {true, false}) {
    CAPTURE(naming);
    nn::Sgd<double> sgd(net.parameters(), 0.5);
    CHECK(count_step_allocations(net, sgd, x, y, LossKind::bce, naming) == 0);
  }
}

TEST_CASE_TEMPLATE("a warmed-up batch training step allocates nothing with any optimizer and loss", T,
                   float, double) {
  Generator g(2);
  const auto x = Tensor<T>::normal({32, 8}, g);
  Tensor<T> labels({32, 3}, T(0));
  for (std::uint32_t i = 0; i < 32; ++i) labels(i, i % 3) = T(1);
  for (const LossKind kind : {LossKind::softmax_ce, LossKind::bce, LossKind::mse, LossKind::half_sse}) {
    CAPTURE(nn::loss_name(kind));
    const Activation out = kind == LossKind::bce ? Activation::sigmoid : Activation::identity;
    nn::Mlp<T> net({8, 16, 16, 3}, {Activation::relu, Activation::tanh, out}, 3);
    nn::Sgd<T> sgd(net.parameters(), T(0.1));
    nn::Momentum<T> momentum(net.parameters(), T(0.1));
    nn::Adam<T> adam(net.parameters());
    CHECK(count_step_allocations<T>(net, sgd, x, labels, kind, true) == 0);
    CHECK(count_step_allocations<T>(net, momentum, x, labels, kind, true) == 0);
    CHECK(count_step_allocations<T>(net, adam, x, labels, kind, false) == 0);
  }
}

TEST_CASE("a warmed-up nn::Trainer step allocates nothing") {
  Generator g(4);
  const nn::Dataset<double> train{Tensor<double>::normal({32, 8}, g),
                                  Tensor<double>::uniform({32, 1}, g, 0.0, 1.0)};
  nn::Mlp<double> net({8, 16, 1}, {Activation::tanh, Activation::sigmoid}, 5);
  nn::Adam<double> adam(net.parameters());
  nn::Trainer<double> trainer(net, adam, train,
                              {.epochs = 10, .batch = 8, .clip_norm = 1.0, .seed = 6},
                              {.on_step = [](nn::Trainer<double>&, const nn::StepRecord&) {}});
  trainer.run_epoch();  // warm-up: buffers, tapes and the shuffle order take their sizes
  allocations = 0;
  counting = true;
  for (int k = 0; k < 3; ++k) trainer.step();  // the steps of epoch 2 before its figures
  counting = false;
  CHECK(trainer.steps() == 7);
  CHECK(allocations.load() == 0);
}
