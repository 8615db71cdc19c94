// Workloads: the problems W1-W5 as plain numbers, and the interface every contender implements.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace bench {

/// One contender on one workload. `gradient` is called once, before any `step`,
/// to prove that every contender computes the same thing.
class Runner {
 public:
  virtual ~Runner() = default;
  /// The timed unit: one training step (W1-W3) or one gradient evaluation (W4, W5).
  virtual void step() = 0;
  /// The gradient at the workload's starting point, flattened in the canonical
  /// order (W1, b1, W2, b2, ... with W row-major (in x out); W5: d f / d x).
  virtual std::vector<double> gradient() = 0;
  /// Relative error allowed against tapegrad's gradient; 0 means the default
  /// for the precision (1e-9 for float64, 1e-4 for float32).
  virtual double check_tolerance() const { return 0; }
};

enum class Hidden { sigmoid, relu };
enum class LossKind { bce_with_logits, cross_entropy };

/// W1-W3: an MLP training step on one fixed batch, z = a W + b, W (in x out).
struct MlpProblem {
  std::string name;
  std::vector<std::size_t> sizes;  // widths, input first
  std::size_t batch = 1;
  Hidden hidden = Hidden::sigmoid;
  LossKind loss = LossKind::bce_with_logits;
  bool float64 = true;
  double lr = 0.1;
  std::vector<std::vector<double>> W, b;  // W[l] (sizes[l] x sizes[l+1]), b[l] (sizes[l+1])
  std::vector<double> x;                  // batch x sizes[0]
  std::vector<double> y;                  // batch x outputs: one-hot rows or 0/1 targets
  std::vector<std::int64_t> labels;       // class per row (cross-entropy)

  std::size_t layers() const { return sizes.size() - 1; }
  std::size_t inputs() const { return sizes.front(); }
  std::size_t outputs() const { return sizes.back(); }
  std::size_t parameter_count() const;
  /// Multiply-adds x 2 of forward and backward gemms (the input needs no gradient).
  double step_flops() const;
};

/// W1: the 4-3-2-1 example (sigmoid), BCE on the logits, batch 1, float64.
MlpProblem w1_problem(std::size_t batch = 1);
/// W2: 784-256-128-10 relu, softmax cross-entropy, float32.
MlpProblem w2_problem(std::size_t batch = 64);
/// W3: 1024-1024-1024-1 sigmoid, BCE with logits, float32.
MlpProblem w3_problem(std::size_t batch = 256);

/// W4: the 4-3-2-1 example's per-sample loss, -[y log a3 + (1 - y) log(1 - a3)],
/// as a scalar function of its 26 parameters (W1, b1, W2, b2, W3, b3 flattened).
struct Example4321Samples {
  static constexpr std::size_t kParams = 26;
  std::vector<double> params;  // 26
  std::vector<double> x;       // count x 4
  std::vector<double> y;       // count
  std::size_t count = 0;
};
Example4321Samples w4_problem(std::size_t count = 64);

/// W5: extended Rosenbrock, f = sum_i 100 (x_2i+1 - x_2i^2)^2 + (1 - x_2i)^2.
struct Rosenbrock {
  std::vector<double> x;
};
Rosenbrock w5_problem(std::size_t n = 100000);

// Contenders. Each returns null when its library was not built in.
std::unique_ptr<Runner> tapegrad_mlp(const MlpProblem& p);
std::unique_ptr<Runner> hand_w1(const MlpProblem& p);
/// W1 through nn::Mlp + nn::loss + nn::Sgd with naming on, as the README shows it.
std::unique_ptr<Runner> tapegrad_nn_w1(const MlpProblem& p);
std::unique_ptr<Runner> torch_mlp(const MlpProblem& p);
std::unique_ptr<Runner> tapegrad_4321(const Example4321Samples& s);
std::unique_ptr<Runner> plain_4321(const Example4321Samples& s);
std::unique_ptr<Runner> sacado_4321(const Example4321Samples& s);
std::unique_ptr<Runner> adolc_4321(const Example4321Samples& s, bool retape);
std::unique_ptr<Runner> tapegrad_rosenbrock(const Rosenbrock& r);
/// Hessian-vector products (forward-over-reverse on dual numbers) on W1's
/// network and on W5; gradient() gives the gradient they compute alongside.
std::unique_ptr<Runner> tapegrad_hvp_mlp(const MlpProblem& p);
std::unique_ptr<Runner> tapegrad_hvp_rosenbrock(const Rosenbrock& r);
std::unique_ptr<Runner> plain_rosenbrock(const Rosenbrock& r);
std::unique_ptr<Runner> sacado_rosenbrock(const Rosenbrock& r);
std::unique_ptr<Runner> adolc_rosenbrock(const Rosenbrock& r, bool retape);

/// Sets the thread count of torch's intra-op pool (no-op without LibTorch).
void torch_threads(int threads);
/// A line naming the LibTorch version, or empty.
std::string torch_version();

}  // namespace bench
