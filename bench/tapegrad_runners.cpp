// tapegrad contenders: W1-W3 on the engine (parameters, affine, activations,
// fused loss, hand SGD), W4 and W5 in scalar mode.
#include <cmath>

#include "autograd/autograd.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "bench/functions.hpp"
#include "bench/workloads.hpp"

namespace bench {
namespace {

using tapegrad::Parameter;
using tapegrad::Shape;
using tapegrad::Tape;
using tapegrad::Tensor;
using tapegrad::Var;

template <class T>
Tensor<T> tensor(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
  Tensor<T> t =
      Tensor<T>::zeros(Shape{static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(cols)});
  for (std::size_t k = 0; k < v.size(); ++k) t[k] = static_cast<T>(v[k]);
  return t;
}

// The MLP's forward pass and loss on `tape`, for any number type; backward.
template <class T>
void record_mlp_step(const MlpProblem& p, Tape<T>& tape, std::vector<Parameter<T>>& params,
                     const Tensor<T>& x, const Tensor<T>& y_value) {
  tape.clear();
  Var<T> a = tape.input(x);
  // Hidden layers are one dense record each (z is not needed); the last
  // layer's logits go to the loss.
  for (std::size_t l = 0; l < p.layers(); ++l) {
    const Var<T> W = tape.parameter(params[2 * l]), b = tape.parameter(params[2 * l + 1]);
    if (l + 1 == p.layers())
      a = affine(a, W, b);
    else
      a = dense(a, W, b, p.hidden == Hidden::relu ? tapegrad::Op::relu : tapegrad::Op::sigmoid);
  }
  const Var<T> y = tape.input(y_value);
  const Var<T> loss = p.loss == LossKind::cross_entropy
                          ? tapegrad::cross_entropy(a, y)
                          : tapegrad::binary_cross_entropy_with_logits(a, y);
  tape.backward(loss);
}

template <class T>
class TapegradMlp final : public Runner {
 public:
  explicit TapegradMlp(const MlpProblem& p)
      : p_(p), x_(tensor<T>(p.x, p.batch, p.inputs())), y_(tensor<T>(p.y, p.batch, p.outputs())) {
    params_.reserve(2 * p.layers());  // tapes point at parameter storage: no reallocation
    for (std::size_t l = 0; l < p.layers(); ++l) {
      params_.emplace_back(tensor<T>(p.W[l], p.sizes[l], p.sizes[l + 1]));
      params_.emplace_back(tensor<T>(p.b[l], 1, p.sizes[l + 1]));
    }
    tape_.set_naming(false);
  }

  void step() override {
    record_mlp_step(p_, tape_, params_, x_, y_);
    const T lr = static_cast<T>(p_.lr);
    for (Parameter<T>& q : params_) {
      T* w = q.value.data();
      T* g = q.grad.data();
      for (std::size_t k = 0, n = q.value.size(); k < n; ++k) {
        w[k] -= lr * g[k];
        g[k] = T(0);
      }
    }
  }

  std::vector<double> gradient() override {
    record_mlp_step(p_, tape_, params_, x_, y_);
    std::vector<double> g;
    for (Parameter<T>& q : params_) {
      g.insert(g.end(), q.grad.begin(), q.grad.end());
      q.zero_grad();
    }
    return g;
  }

 private:
  const MlpProblem& p_;
  std::vector<Parameter<T>> params_;
  Tensor<T> x_, y_;
  Tape<T> tape_;
};

using D = tapegrad::Dual<double>;

// The gradient's values and the tangents (H v) of dual gradients, split.
std::vector<double> values_of(const D* g, std::size_t n) {
  std::vector<double> out(n);
  for (std::size_t k = 0; k < n; ++k) out[k] = g[k].value;
  return out;
}

// A Hessian-vector product on W1's network (forward-over-reverse): the step's
// records on dual numbers, parameters theta + v eps with v = 1; the timed unit
// is one forward and backward pass, as the gradient's (without its update).
class TapegradHvpMlp final : public Runner {
 public:
  explicit TapegradHvpMlp(const MlpProblem& p)
      : p_(p), x_(dual(p.x, p.batch, p.inputs(), 0)), y_(dual(p.y, p.batch, p.outputs(), 0)) {
    params_.reserve(2 * p.layers());
    for (std::size_t l = 0; l < p.layers(); ++l) {
      params_.emplace_back(dual(p.W[l], p.sizes[l], p.sizes[l + 1], 1));
      params_.emplace_back(dual(p.b[l], 1, p.sizes[l + 1], 1));
    }
    tape_.set_naming(false);
  }
  void step() override {
    record_mlp_step(p_, tape_, params_, x_, y_);
    for (Parameter<D>& q : params_) q.zero_grad();
  }
  std::vector<double> gradient() override {
    record_mlp_step(p_, tape_, params_, x_, y_);
    std::vector<double> g;
    for (Parameter<D>& q : params_) {
      const std::vector<double> v = values_of(q.grad.data(), q.grad.size());
      g.insert(g.end(), v.begin(), v.end());
      q.zero_grad();
    }
    return g;
  }

 private:
  static Tensor<D> dual(const std::vector<double>& v, std::size_t rows, std::size_t cols, double tangent) {
    Tensor<D> t = Tensor<D>::zeros(Shape{static_cast<std::uint32_t>(rows), static_cast<std::uint32_t>(cols)});
    for (std::size_t k = 0; k < v.size(); ++k) t[k] = D(v[k], tangent);
    return t;
  }
  const MlpProblem& p_;
  std::vector<Parameter<D>> params_;
  Tensor<D> x_, y_;
  Tape<D> tape_;
};

// W1 as a user writes it by default: nn::Mlp, nn::loss, nn::Sgd, naming on
// (the last layer's sigmoid is recorded too; the loss reads its logits).
class TapegradNnW1 final : public Runner {
 public:
  explicit TapegradNnW1(const MlpProblem& p)
      : x_(tensor<double>(p.x, p.batch, p.inputs())), y_(tensor<double>(p.y, p.batch, p.outputs())) {
    for (std::size_t l = 0; l < p.layers(); ++l)
      net_.add(tapegrad::nn::Linear<double>(tensor<double>(p.W[l], p.sizes[l], p.sizes[l + 1]),
                                            tensor<double>(p.b[l], 1, p.sizes[l + 1]),
                                            tapegrad::nn::Activation::sigmoid));
    sgd_ = std::make_unique<tapegrad::nn::Sgd<double>>(net_.parameters(), p.lr);
  }
  void step() override {
    tape_.clear();
    auto L = tapegrad::nn::loss(tapegrad::nn::LossKind::bce, net_.forward(tape_.input(x_)),
                                tape_.input(y_));
    sgd_->zero_grad();
    tape_.backward(L);
    sgd_->step();
  }
  std::vector<double> gradient() override {
    tape_.clear();
    auto L = tapegrad::nn::loss(tapegrad::nn::LossKind::bce, net_.forward(tape_.input(x_)),
                                tape_.input(y_));
    sgd_->zero_grad();
    tape_.backward(L);
    std::vector<double> g;
    for (Parameter<double>* q : net_.parameters()) g.insert(g.end(), q->grad.begin(), q->grad.end());
    return g;
  }

 private:
  tapegrad::nn::Mlp<double> net_;
  Tensor<double> x_, y_;
  Tape<double> tape_;
  std::unique_ptr<tapegrad::nn::Sgd<double>> sgd_;
};

class TapegradExample4321 final : public Runner {
 public:
  explicit TapegradExample4321(const Example4321Samples& s) : s_(s), grad_(Example4321Samples::kParams) {
    tape_.set_naming(false);
  }
  void step() override {
    gradient_at(next_);
    next_ = (next_ + 1) % s_.count;
  }
  std::vector<double> gradient() override {
    gradient_at(0);
    return grad_;
  }

 private:
  void gradient_at(std::size_t i) {
    tape_.clear();
    Var<double> w[Example4321Samples::kParams];
    for (std::size_t k = 0; k < Example4321Samples::kParams; ++k) w[k] = tape_.variable(s_.params[k]);
    const Var<double> L = example_loss(
        w, &s_.x[4 * i], s_.y[i], [](Var<double> z) { return tapegrad::sigmoid(z); },
        [](Var<double> a) { return tapegrad::log(a); });
    tape_.backward(L);
    for (std::size_t k = 0; k < Example4321Samples::kParams; ++k) grad_[k] = w[k].grad()[0];
  }

  const Example4321Samples& s_;
  Tape<double> tape_;
  std::vector<double> grad_;
  std::size_t next_ = 0;
};

class TapegradRosenbrock final : public Runner {
 public:
  explicit TapegradRosenbrock(const Rosenbrock& r) : r_(r), vars_(r.x.size()), grad_(r.x.size()) {
    tape_.set_naming(false);
  }
  void step() override { run(); }
  std::vector<double> gradient() override {
    run();
    return grad_;
  }

 private:
  void run() {
    tape_.clear();
    const std::size_t n = r_.x.size();
    for (std::size_t i = 0; i < n; ++i) vars_[i] = tape_.variable(r_.x[i]);
    const Var<double> f = rosenbrock(vars_.data(), n);
    tape_.backward(f);
    for (std::size_t i = 0; i < n; ++i) grad_[i] = vars_[i].grad()[0];
  }

  const Rosenbrock& r_;
  Tape<double> tape_;
  std::vector<Var<double>> vars_;
  std::vector<double> grad_;
};

// W5's Hessian-vector product: the scalar-mode gradient on duals x + v eps, v = 1.
class TapegradHvpRosenbrock final : public Runner {
 public:
  explicit TapegradHvpRosenbrock(const Rosenbrock& r) : r_(r), vars_(r.x.size()), grad_(r.x.size()) {
    tape_.set_naming(false);
  }
  void step() override { run(); }
  std::vector<double> gradient() override {
    run();
    return values_of(grad_.data(), grad_.size());
  }

 private:
  void run() {
    tape_.clear();
    const std::size_t n = r_.x.size();
    for (std::size_t i = 0; i < n; ++i) vars_[i] = tape_.variable(D(r_.x[i], 1.0));
    const Var<D> f = rosenbrock(vars_.data(), n);
    tape_.backward(f);
    for (std::size_t i = 0; i < n; ++i) grad_[i] = vars_[i].grad()[0];
  }

  const Rosenbrock& r_;
  Tape<D> tape_;
  std::vector<Var<D>> vars_;
  std::vector<D> grad_;
};

}  // namespace

std::unique_ptr<Runner> tapegrad_hvp_mlp(const MlpProblem& p) {
  return std::make_unique<TapegradHvpMlp>(p);
}
std::unique_ptr<Runner> tapegrad_hvp_rosenbrock(const Rosenbrock& r) {
  return std::make_unique<TapegradHvpRosenbrock>(r);
}
std::unique_ptr<Runner> tapegrad_mlp(const MlpProblem& p) {
  if (p.float64) return std::make_unique<TapegradMlp<double>>(p);
  return std::make_unique<TapegradMlp<float>>(p);
}
std::unique_ptr<Runner> tapegrad_nn_w1(const MlpProblem& p) {
  return std::make_unique<TapegradNnW1>(p);
}
std::unique_ptr<Runner> tapegrad_4321(const Example4321Samples& s) {
  return std::make_unique<TapegradExample4321>(s);
}
std::unique_ptr<Runner> tapegrad_rosenbrock(const Rosenbrock& r) {
  return std::make_unique<TapegradRosenbrock>(r);
}

}  // namespace bench
