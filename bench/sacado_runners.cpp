// Sacado Rad (reverse mode, operator overloading on a global tape) for W4 and W5.
#include <Sacado_trad.hpp>

#include <cmath>

#include "bench/functions.hpp"
#include "bench/workloads.hpp"

namespace bench {
namespace {

using AD = Sacado::Rad::ADvar<double>;

AD rad_sigmoid(const AD& z) { return 1.0 / (1.0 + exp(-z)); }
AD rad_log(const AD& a) { return log(a); }

class SacadoExample4321 final : public Runner {
 public:
  explicit SacadoExample4321(const Example4321Samples& s) : s_(s), g_(Example4321Samples::kParams) {}
  void step() override {
    gradient_at(next_);
    next_ = (next_ + 1) % s_.count;
  }
  std::vector<double> gradient() override {
    gradient_at(0);
    return g_;
  }

 private:
  void gradient_at(std::size_t i) {
    AD p[Example4321Samples::kParams];
    for (std::size_t k = 0; k < Example4321Samples::kParams; ++k) p[k] = s_.params[k];
    const AD L = example_loss(p, &s_.x[4 * i], s_.y[i], rad_sigmoid, rad_log);
    AD::Gradcomp();
    for (std::size_t k = 0; k < Example4321Samples::kParams; ++k) g_[k] = p[k].adj();
  }

  const Example4321Samples& s_;
  std::vector<double> g_;
  std::size_t next_ = 0;
};

class SacadoRosenbrock final : public Runner {
 public:
  explicit SacadoRosenbrock(const Rosenbrock& r) : r_(r), x_(r.x.size()), g_(r.x.size()) {}
  void step() override { run(); }
  std::vector<double> gradient() override {
    run();
    return g_;
  }

 private:
  void run() {
    const std::size_t n = r_.x.size();
    for (std::size_t i = 0; i < n; ++i) x_[i] = r_.x[i];
    const AD f = rosenbrock(x_.data(), n);
    AD::Gradcomp();
    for (std::size_t i = 0; i < n; ++i) g_[i] = x_[i].adj();
  }

  const Rosenbrock& r_;
  std::vector<AD> x_;
  std::vector<double> g_;
};

}  // namespace

std::unique_ptr<Runner> sacado_4321(const Example4321Samples& s) {
  return std::make_unique<SacadoExample4321>(s);
}
std::unique_ptr<Runner> sacado_rosenbrock(const Rosenbrock& r) {
  return std::make_unique<SacadoRosenbrock>(r);
}

}  // namespace bench
