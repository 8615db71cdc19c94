// Tests for Linear and Mlp: shapes, names, parameters, the forward pass, initialisation.
#include "nn/mlp.hpp"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/autograd.hpp"
#include "io/model_io.hpp"

using namespace tapegrad;
using nn::Activation;
using nn::Init;
using nn::Linear;
using nn::Mlp;

TEST_CASE_TEMPLATE("the 4-3-2-1 example has W (in x out) and b (1 x out) per layer", T,
                   float, double) {
  Mlp<T> net({4, 3, 2, 1}, Activation::sigmoid, 7);
  REQUIRE(net.depth() == 3);
  CHECK(net.inputs() == 4);
  CHECK(net.outputs() == 1);
  CHECK(net.layer(1).W.shape() == Shape{4, 3});
  CHECK(net.layer(1).b.shape() == Shape{1, 3});
  CHECK(net.layer(2).W.shape() == Shape{3, 2});
  CHECK(net.layer(3).W.shape() == Shape{2, 1});
  CHECK(net.layer(3).b.shape() == Shape{1, 1});
  CHECK(net.parameter_count() == 4 * 3 + 3 + 3 * 2 + 2 + 2 + 1);
  CHECK(net.output_activation() == Activation::sigmoid);

  std::vector<std::string> names;
  for (auto* p : net.parameters()) names.push_back(p->name);
  CHECK(names == std::vector<std::string>{"W^[1]", "b^[1]", "W^[2]", "b^[2]", "W^[3]", "b^[3]"});
  CHECK(&net.parameter("b^[2]") == &net.layer(2).b);
  CHECK(net.layer(2).z_name() == "z^[2]");
  CHECK(net.layer(2).a_name() == "a^[2]");
  for (std::size_t k = 1; k <= 3; ++k) CHECK(net.layer(k).b.value == Tensor<T>::zeros({1, net.layer(k).out()}));
}

TEST_CASE("bad layer lookups and sizes throw with a clear message") {
  Mlp<double> net({4, 3, 1}, Activation::tanh);
  CHECK_THROWS_WITH_AS(net.layer(0), "mlp: no layer 0; layers are numbered 1 to 2", std::out_of_range);
  CHECK_THROWS_WITH_AS(net.layer(3), "mlp: no layer 3; layers are numbered 1 to 2", std::out_of_range);
  CHECK_THROWS_WITH_AS(net.parameter("W^[9]"),
                       "mlp: no parameter named \"W^[9]\"; the parameters are W^[1], b^[1], W^[2], b^[2]",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(Mlp<double>().parameter("W"),
                       "mlp: no parameter named \"W\"; the parameters are none (the network has no layers)",
                       std::out_of_range);
  CHECK_THROWS_WITH_AS(Mlp<double>({4}, Activation::relu),
                       "mlp: sizes must name the inputs and at least one layer; 1 sizes given",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(Mlp<double>({4, 3, 1}, std::vector<Activation>{Activation::relu}),
                       "mlp: 1 activations given for 2 layers", std::invalid_argument);
  Generator generator(1);
  CHECK_THROWS_WITH_AS(net.add(Linear<double>(2, 5, Activation::relu, generator)),
                       "mlp: layer 3 takes 2 inputs, but layer 2 has 1 outputs; W^[prev] is (3, 1), "
                       "W^[new] is (2, 5)",
                       ShapeError);
  CHECK_THROWS_WITH_AS(Linear<double>(Tensor<double>::zeros({2, 3}), Tensor<double>::zeros({1, 2}),
                                      Activation::identity),
                       "linear: b must be (1, out); W is (2, 3), b is (1, 2)", ShapeError);
}

TEST_CASE("the sequential container renumbers added layers and checks their sizes") {
  Generator generator(3);
  Mlp<double> net;
  net.add(Linear<double>(2, 8, Activation::relu, generator, Init::he, 5))
      .add(Linear<double>(8, 8, Activation::tanh, generator))
      .add(Linear<double>(8, 1, Activation::identity, generator));
  CHECK(net.depth() == 3);
  CHECK(net.layer(1).W.name == "W^[1]");
  CHECK(net.layer(3).b.name == "b^[3]");
  CHECK(net.layer(3).z_name() == "z^[3]");
  CHECK(net.output_activation() == Activation::identity);
}

TEST_CASE("forward records one affine per layer and names records after docs/derivation.md") {
  Mlp<double> net({4, 3, 2, 1}, Activation::sigmoid, 11);
  Tape<double> tape;
  const Tensor<double> x{{0.5, -1.0, 0.25, 2.0}, {1.0, 0.0, -0.5, 0.1}};
  std::vector<nn::LayerVars<double>> trace;
  const auto out = net.forward(tape.input(x.view()), trace);
  REQUIRE(trace.size() == 4);

  int affines = 0;
  for (std::uint32_t id = 0; id < tape.size(); ++id) affines += tape.op(id) == Op::affine;
  CHECK(affines == 3);
  CHECK(tape.name(trace[0].a.id()) == "a^[0]");
  CHECK(tape.layer(trace[0].a.id()) == 0);
  CHECK(tape.name(trace[1].z.id()) == "z^[1]");
  CHECK(tape.name(trace[2].a.id()) == "a^[2]");
  CHECK(tape.layer(trace[2].a.id()) == 2);
  CHECK(tape.name(out.z.id()) == "z^[3]");
  CHECK(tape.name(out.a.id()) == "y_hat");
  CHECK(tape.layer(out.a.id()) == 3);
  CHECK(out.activation == Activation::sigmoid);
  bool named_W2 = false;
  for (std::uint32_t id = 0; id < tape.size(); ++id)
    named_W2 = named_W2 || (tape.name(id) == "W^[2]" && tape.layer(id) == 2);
  CHECK(named_W2);

  // The tape's values equal the plain forward pass, element by element.
  const Tensor<double> y_hat = net.predict(x.view());
  REQUIRE(y_hat.shape() == Shape{2, 1});
  CHECK(y_hat[0] == doctest::Approx(out.a.value()[0]).epsilon(1e-15));
  CHECK(y_hat[1] == doctest::Approx(out.a.value()[1]).epsilon(1e-15));

  // z^[1] by the formula of docs/derivation.md z_j = sum_i W_ij a_i + b_j.
  const auto& W = net.layer(1).W.value;
  double z = net.layer(1).b.value[1];
  for (std::uint32_t i = 0; i < 4; ++i) z += W(i, 1) * x(0, i);
  CHECK(trace[1].z.value()(0, 1) == doctest::Approx(z).epsilon(1e-15));
  CHECK(trace[1].a.value()(0, 1) == doctest::Approx(1 / (1 + std::exp(-z))).epsilon(1e-15));
}

TEST_CASE("without naming, forward labels nothing but the parameters") {
  Mlp<double> net({2, 2, 1}, Activation::tanh, 1);
  Tape<double> tape;
  tape.set_naming(false);
  const auto out = net.forward(tape.input(Tensor<double>{{1, 2}}.view()));
  CHECK(tape.name(out.a.id()).empty());
  CHECK(tape.name(out.z.id()).empty());
}

TEST_CASE_TEMPLATE("without naming, hidden layers are one dense record each, with the same loss and gradients",
                   T, float, double) {
  Mlp<T> net({4, 3, 2, 1}, Activation::tanh, 5);
  const Tensor<T> x{{0.5, -1.0, 0.25, 2.0}, {1.0, 0.0, -0.5, 0.1}};
  auto run = [&](bool naming, int& dense_records) {
    Tape<T> tape;
    tape.set_naming(naming);
    net.zero_grad();
    const auto out = net.forward(tape.input(x.view()));
    dense_records = 0;
    for (std::uint32_t id = 0; id < tape.size(); ++id) dense_records += tape.op(id) == Op::dense;
    const Var<T> L = sum(out.a * out.a);
    tape.backward(L);
    std::vector<T> g{L.item()};
    for (Parameter<T>* p : net.parameters()) g.insert(g.end(), p->grad.begin(), p->grad.end());
    return g;
  };
  int named_dense = 0, fused_dense = 0;
  const std::vector<T> named = run(true, named_dense), fused = run(false, fused_dense);
  CHECK(named_dense == 0);  // dumps show z^[k] and a^[k] apart
  CHECK(fused_dense == 2);  // the last layer's z^[3] is the loss's
  REQUIRE(named.size() == fused.size());
  const double tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-14;
  for (std::size_t k = 0; k < named.size(); ++k)
    CHECK(static_cast<double>(fused[k]) == doctest::Approx(static_cast<double>(named[k])).epsilon(tolerance));
}

TEST_CASE("an identity output keeps the name z^[L] and its input shape is checked") {
  Mlp<double> net({3, 2}, Activation::identity, 1);
  Tape<double> tape;
  const auto out = net.forward(tape.input(Tensor<double>{{1, 2, 3}}.view()));
  CHECK(out.a.id() == out.z.id());
  CHECK(tape.name(out.z.id()) == "z^[1]");
  CHECK_THROWS_WITH_AS(net.forward(tape.input(Tensor<double>{{1, 2}}.view())),
                       "z^[1]: input columns differ from the layer's inputs; a is (1, 2), W is (3, 2)",
                       ShapeError);
}

TEST_CASE("initialisation is deterministic and follows each scheme's scale") {
  SUBCASE("the same seed gives the same weights, another seed others") {
    Mlp<double> a({5, 4, 3}, Activation::sigmoid, 42), b({5, 4, 3}, Activation::sigmoid, 42),
        c({5, 4, 3}, Activation::sigmoid, 43);
    CHECK(a.layer(1).W.value == b.layer(1).W.value);
    CHECK(a.layer(2).W.value == b.layer(2).W.value);
    CHECK(a.layer(1).W.value != c.layer(1).W.value);
  }
  SUBCASE("xavier is uniform within sqrt(6 / (in + out)), the default for sigmoid") {
    Generator g1(9), g2(9);
    const auto W = nn::initial_weights<double>(Init::automatic, 60, 40, Activation::sigmoid, g1);
    CHECK(W == nn::initial_weights<double>(Init::xavier, 60, 40, Activation::relu, g2));
    const double r = std::sqrt(6.0 / 100);
    double lo = 1, hi = -1;
    for (double w : W) lo = std::min(lo, w), hi = std::max(hi, w);
    CHECK(lo >= -r);
    CHECK(hi < r);
    CHECK(lo < -0.9 * r);
    CHECK(hi > 0.9 * r);
  }
  SUBCASE("he is normal with variance 2 / in, the default for relu") {
    CHECK(nn::default_init(Activation::relu) == Init::he);
    CHECK(nn::default_init(Activation::tanh) == Init::xavier);
    Generator g(5);
    const auto W = nn::initial_weights<double>(Init::automatic, 200, 100, Activation::relu, g);
    double sum = 0, squares = 0;
    for (double w : W) sum += w, squares += w * w;
    const double n = static_cast<double>(W.size());
    CHECK(sum / n == doctest::Approx(0).epsilon(0.01).scale(1));
    CHECK(squares / n == doctest::Approx(2.0 / 200).epsilon(0.03));
  }
  SUBCASE("uniform and normal scale with 1 / sqrt(in)") {
    Generator g(5);
    const auto U = nn::initial_weights<double>(Init::uniform, 100, 50, Activation::tanh, g);
    for (double w : U) CHECK((w >= -0.1 && w < 0.1));
    const auto N = nn::initial_weights<double>(Init::normal, 100, 100, Activation::tanh, g);
    double squares = 0;
    for (double w : N) squares += w * w;
    CHECK(squares / static_cast<double>(N.size()) == doctest::Approx(0.01).epsilon(0.05));
  }
}

TEST_CASE("a network converts to a model description and back unchanged") {
  Mlp<double> net({3, 4, 2}, {Activation::relu, Activation::identity}, 5);
  const io::ModelSpec spec = io::to_spec(net);
  REQUIRE(spec.layers.size() == 2);
  CHECK(spec.layers[0].activation == Activation::relu);
  CHECK(spec.layers[1].W == net.layer(2).W.value);
  const Mlp<double> back = io::to_mlp<double>(spec);
  CHECK(back.layer(1).W.value == net.layer(1).W.value);
  CHECK(back.layer(2).b.value == net.layer(2).b.value);
  CHECK(back.layer(2).activation == Activation::identity);
  CHECK(back.layer(2).W.name == "W^[2]");
  const Mlp<float> single = io::to_mlp<float>(spec);
  CHECK(single.layer(1).W.value[0] == static_cast<float>(net.layer(1).W.value[0]));
}
