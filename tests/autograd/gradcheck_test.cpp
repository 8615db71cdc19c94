// Tests for gradcheck itself: it passes right gradients and catches wrong ones.
#include "autograd/gradcheck.hpp"

#include "gradcheck_helpers.hpp"

using namespace tapegrad;
using Args = std::span<const Var<double>>;

TEST_CASE("gradcheck reports agreement for a correct op") {
  const std::vector<Tensor<double>> in{Tensor<double>{{1, 2}, {3, 4}}};
  const auto report = gradcheck([](Tape<double>&, Args v) { return sum(v[0] * v[0]); }, in);
  REQUIRE(report.inputs.size() == 1);
  CHECK(report.passed());
  CHECK(report.inputs[0].max_abs < 1e-7);
  CHECK(report.inputs[0].shape == Shape{2, 2});
  const std::string table = fmt::format("{}", report);
  CHECK(table.find("input") == 0);
  CHECK(table.find("(2, 2)") != std::string::npos);
}

TEST_CASE("gradcheck catches a wrong backward rule and says where") {
  // A custom op claiming d/dx x^2 = x (the factor 2 forgotten).
  const std::vector<Tensor<double>> in{Tensor<double>{{1, -3}}};
  const auto report = gradcheck(
      [](Tape<double>& tape, Args v) {
        auto y = tape.custom({1, 2}, {v[0]}, [](Tape<double>& t, const Node<double>& n) {
          const double* x = t.input_value(n, 0);
          double* gx = t.input_grad(n, 0);
          for (std::size_t k = 0; k < 2; ++k) gx[k] += x[k] * n.grad[k];
        });
        double* value = tape.mutable_value(y);
        for (std::size_t k = 0; k < 2; ++k) value[k] = v[0].value()[k] * v[0].value()[k];
        return sum(y);
      },
      in);
  CHECK_FALSE(report.passed());
  CHECK(report.inputs[0].col == 1);
  CHECK(report.inputs[0].autodiff == doctest::Approx(-3));
  CHECK(report.inputs[0].numeric == doctest::Approx(-6).epsilon(1e-6));
  CHECK(fmt::format("{}", report).find("NO") != std::string::npos);
}

TEST_CASE("gradcheck needs a scalar function") {
  const std::vector<Tensor<double>> in{Tensor<double>{{1, 2}}};
  CHECK_THROWS_WITH_AS(gradcheck([](Tape<double>&, Args v) { return v[0] * 2.0; }, in),
                       "gradcheck: the function must return a scalar; it returned (1, 2)",
                       std::invalid_argument);
}
