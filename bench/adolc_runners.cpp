// ADOL-C contenders for W4 and W5: trace with adouble, then the gradient driver;
// either the tape is recorded once and re-evaluated ("tape reused") or recorded
// again for every gradient ("retaped").
#include <adolc/adolc.h>

#include <algorithm>
#include <cmath>

#include "bench/functions.hpp"
#include "bench/workloads.hpp"

namespace bench {
namespace {

// W4 traces with ADOL-C's default buffers; W5's tape needs larger ones to stay
// in memory (no tape files).
constexpr unsigned kBuffer = 1u << 22;

int trace(short tag) { return trace_on(tag); }
int trace_large(short tag) { return trace_on(tag, 0, kBuffer, kBuffer, kBuffer, kBuffer); }

adouble ad_sigmoid(const adouble& z) { return 1.0 / (1.0 + exp(-z)); }
adouble ad_log(const adouble& a) { return log(a); }

class AdolcExample4321 final : public Runner {
 public:
  AdolcExample4321(const Example4321Samples& s, bool retape)
      : s_(s), retape_(retape), tag_(retape ? 41 : 40), in_(31), g_(31) {
    if (!retape_) {
      // Inputs and target are independents too, so one tape serves every sample.
      trace(tag_);
      adouble v[31];
      for (std::size_t k = 0; k < 26; ++k) v[k] <<= s_.params[k];
      for (std::size_t k = 0; k < 4; ++k) v[26 + k] <<= s_.x[k];
      v[30] <<= s_.y[0];
      adouble L = example_loss(v, v + 26, v[30], ad_sigmoid, ad_log);
      double out = 0;
      L >>= out;
      trace_off();
    }
  }
  void step() override {
    gradient_at(next_);
    next_ = (next_ + 1) % s_.count;
  }
  std::vector<double> gradient() override {
    gradient_at(0);
    return std::vector<double>(g_.begin(), g_.begin() + 26);
  }

 private:

  void gradient_at(std::size_t i) {
    if (retape_) {
      trace(tag_);
      adouble p[26];
      for (std::size_t k = 0; k < 26; ++k) p[k] <<= s_.params[k];
      adouble L = example_loss(p, &s_.x[4 * i], s_.y[i], ad_sigmoid, ad_log);
      double out = 0;
      L >>= out;
      trace_off();
      ::gradient(tag_, 26, s_.params.data(), g_.data());
      return;
    }
    std::copy(s_.params.begin(), s_.params.end(), in_.begin());
    std::copy_n(&s_.x[4 * i], 4, in_.begin() + 26);
    in_[30] = s_.y[i];
    ::gradient(tag_, 31, in_.data(), g_.data());
  }

  const Example4321Samples& s_;
  bool retape_;
  short tag_;  // one tape per runner
  std::vector<double> in_, g_;
  std::size_t next_ = 0;
};

class AdolcRosenbrock final : public Runner {
 public:
  AdolcRosenbrock(const Rosenbrock& r, bool retape)
      : r_(r), retape_(retape), tag_(retape ? 51 : 50), g_(r.x.size()) {
    if (!retape_) record();
  }
  void step() override { run(); }
  std::vector<double> gradient() override {
    run();
    return g_;
  }

 private:

  void record() {
    const std::size_t n = r_.x.size();
    trace_large(tag_);
    std::vector<adouble> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] <<= r_.x[i];
    adouble f = rosenbrock(x.data(), n);
    double out = 0;
    f >>= out;
    trace_off();
  }
  void run() {
    if (retape_) record();
    ::gradient(tag_, static_cast<int>(r_.x.size()), r_.x.data(), g_.data());
  }

  const Rosenbrock& r_;
  bool retape_;
  short tag_;
  std::vector<double> g_;
};

}  // namespace

std::unique_ptr<Runner> adolc_4321(const Example4321Samples& s, bool retape) {
  return std::make_unique<AdolcExample4321>(s, retape);
}
std::unique_ptr<Runner> adolc_rosenbrock(const Rosenbrock& r, bool retape) {
  return std::make_unique<AdolcRosenbrock>(r, retape);
}

}  // namespace bench
