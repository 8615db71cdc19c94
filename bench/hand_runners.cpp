// Hand-written references: W1's forward, backward and update as plain loops
// (docs/derivation.md), and W4/W5's plain double functions.
#include <array>
#include <cmath>

#include "bench/functions.hpp"
#include "bench/workloads.hpp"

namespace bench {
namespace {

double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

// The 4-3-2-1 example, one sample, float64, fixed sizes known to the compiler.
class HandW1 final : public Runner {
 public:
  explicit HandW1(const MlpProblem& p) : lr_(p.lr), y_(p.y[0]) {
    std::copy(p.x.begin(), p.x.begin() + 4, a0_.begin());
    std::copy(p.W[0].begin(), p.W[0].end(), W1_.begin());
    std::copy(p.b[0].begin(), p.b[0].end(), b1_.begin());
    std::copy(p.W[1].begin(), p.W[1].end(), W2_.begin());
    std::copy(p.b[1].begin(), p.b[1].end(), b2_.begin());
    std::copy(p.W[2].begin(), p.W[2].end(), W3_.begin());
    b3_ = p.b[2][0];
  }

  void step() override {
    forward_backward();
    for (int k = 0; k < 12; ++k) W1_[k] -= lr_ * gW1_[k];
    for (int k = 0; k < 3; ++k) b1_[k] -= lr_ * g1z_[k];
    for (int k = 0; k < 6; ++k) W2_[k] -= lr_ * gW2_[k];
    for (int k = 0; k < 2; ++k) b2_[k] -= lr_ * g2z_[k];
    for (int k = 0; k < 2; ++k) W3_[k] -= lr_ * gW3_[k];
    b3_ -= lr_ * g3z_;
  }

  std::vector<double> gradient() override {
    forward_backward();
    std::vector<double> g(gW1_.begin(), gW1_.end());
    g.insert(g.end(), g1z_.begin(), g1z_.end());
    g.insert(g.end(), gW2_.begin(), gW2_.end());
    g.insert(g.end(), g2z_.begin(), g2z_.end());
    g.insert(g.end(), gW3_.begin(), gW3_.end());
    g.push_back(g3z_);
    return g;
  }

 private:
  void forward_backward() {
    std::array<double, 3> a1;
    std::array<double, 2> a2;
    for (int j = 0; j < 3; ++j) {
      double z = b1_[j];
      for (int i = 0; i < 4; ++i) z += a0_[i] * W1_[i * 3 + j];
      a1[j] = sigmoid(z);
    }
    for (int j = 0; j < 2; ++j) {
      double z = b2_[j];
      for (int i = 0; i < 3; ++i) z += a1[i] * W2_[i * 2 + j];
      a2[j] = sigmoid(z);
    }
    const double z3 = b3_ + a2[0] * W3_[0] + a2[1] * W3_[1];
    // g^[3z] = a^[3] - y; g^[kW] = (a^[k-1])^T g^[kz]; g^[kz] = g'(z) o g^[k+1 z] W^T
    g3z_ = sigmoid(z3) - y_;
    for (int i = 0; i < 2; ++i) gW3_[i] = a2[i] * g3z_;
    for (int i = 0; i < 2; ++i) g2z_[i] = g3z_ * W3_[i] * a2[i] * (1 - a2[i]);
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 2; ++j) gW2_[i * 2 + j] = a1[i] * g2z_[j];
    for (int i = 0; i < 3; ++i) {
      const double ga = g2z_[0] * W2_[i * 2] + g2z_[1] * W2_[i * 2 + 1];
      g1z_[i] = ga * a1[i] * (1 - a1[i]);
    }
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 3; ++j) gW1_[i * 3 + j] = a0_[i] * g1z_[j];
  }

  double lr_, y_;
  std::array<double, 4> a0_;
  std::array<double, 12> W1_, gW1_;
  std::array<double, 3> b1_, g1z_;
  std::array<double, 6> W2_, gW2_;
  std::array<double, 2> b2_, g2z_, W3_, gW3_;
  double b3_, g3z_ = 0;
};

// W4's baseline: the loss alone, in doubles (what the gradient is compared to).
class PlainExample4321 final : public Runner {
 public:
  explicit PlainExample4321(const Example4321Samples& s) : s_(s) {}
  void step() override {
    sink_ = sink_ + loss(next_);
    next_ = (next_ + 1) % s_.count;
  }
  // A function value, not a gradient: central differences stand in so the
  // start-up check still compares something meaningful.
  std::vector<double> gradient() override {
    std::vector<double> p = s_.params, g(p.size());
    for (std::size_t k = 0; k < p.size(); ++k) {
      const double h = 1e-6, saved = p[k];
      p[k] = saved + h;
      const double up = loss_at(p.data(), 0);
      p[k] = saved - h;
      const double down = loss_at(p.data(), 0);
      p[k] = saved;
      g[k] = (up - down) / (2 * h);
    }
    return g;
  }
  double check_tolerance() const override { return 1e-6; }

 private:
  double loss_at(const double* p, std::size_t i) const {
    return example_loss(p, &s_.x[4 * i], s_.y[i], sigmoid, [](double a) { return std::log(a); });
  }
  double loss(std::size_t i) const { return loss_at(s_.params.data(), i); }

  const Example4321Samples& s_;
  std::size_t next_ = 0;
  volatile double sink_ = 0;
};

class PlainRosenbrock final : public Runner {
 public:
  explicit PlainRosenbrock(const Rosenbrock& r) : r_(r) {}
  void step() override { sink_ = sink_ + rosenbrock(r_.x.data(), r_.x.size()); }
  // The closed-form gradient, for the start-up check.
  std::vector<double> gradient() override {
    const std::vector<double>& x = r_.x;
    std::vector<double> g(x.size());
    for (std::size_t i = 0; i + 1 < x.size(); i += 2) {
      const double t = x[i + 1] - x[i] * x[i];
      g[i] = -400 * t * x[i] - 2 * (1 - x[i]);
      g[i + 1] = 200 * t;
    }
    return g;
  }

 private:
  const Rosenbrock& r_;
  volatile double sink_ = 0;
};

}  // namespace

std::unique_ptr<Runner> hand_w1(const MlpProblem& p) { return std::make_unique<HandW1>(p); }
std::unique_ptr<Runner> plain_4321(const Example4321Samples& s) {
  return std::make_unique<PlainExample4321>(s);
}
std::unique_ptr<Runner> plain_rosenbrock(const Rosenbrock& r) {
  return std::make_unique<PlainRosenbrock>(r);
}

}  // namespace bench
