// Optimizers: gradient descent (the derivation's update), with momentum, and Adam.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "autograd/parameter.hpp"

namespace tapegrad::nn {

/// Updates a fixed list of parameters from their accumulated gradients. Buffers
/// are sized when the optimizer is made, so `step` never allocates. Backward
/// adds into `p.grad`: call `zero_grad` before each backward.
template <class T>
class Optimizer {
 public:
  explicit Optimizer(std::vector<Parameter<T>*> parameters);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// Applies one update to every parameter from its current gradient.
  virtual void step() = 0;
  /// Sets every parameter's gradient to zero.
  void zero_grad();
  /// How many steps have been taken.
  std::size_t steps() const { return steps_; }
  std::span<Parameter<T>* const> parameters() const { return parameters_; }

 protected:
  std::vector<Parameter<T>*> parameters_;
  std::size_t steps_ = 0;
};

/// Gradient descent exactly as docs/derivation.md writes it:
/// W_{s+1} = W_s - alpha dL/dW_s (likewise b).
template <class T>
class Sgd final : public Optimizer<T> {
 public:
  Sgd(std::vector<Parameter<T>*> parameters, T alpha);
  void step() override;
  T alpha;
};

/// Gradient descent with momentum mu (the heavy-ball form PyTorch uses):
/// v_{s+1} = mu v_s + dL/dW_s, W_{s+1} = W_s - alpha v_{s+1}, v_0 = 0.
template <class T>
class Momentum final : public Optimizer<T> {
 public:
  Momentum(std::vector<Parameter<T>*> parameters, T alpha, T mu = T(0.9));
  void step() override;
  T alpha;
  T mu;

 private:
  std::vector<Tensor<T>> velocity_;
};

/// Adam (Kingma and Ba, 2015), with g = dL/dW_s and t = s + 1:
/// m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
/// W_{s+1} = W_s - alpha (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon).
template <class T>
class Adam final : public Optimizer<T> {
 public:
  Adam(std::vector<Parameter<T>*> parameters, T alpha = T(1e-3), T beta1 = T(0.9),
       T beta2 = T(0.999), T epsilon = T(1e-8));
  void step() override;
  T alpha, beta1, beta2, epsilon;

 private:
  std::vector<Tensor<T>> m_;
  std::vector<Tensor<T>> v_;
};

extern template class Optimizer<float>;
extern template class Optimizer<double>;
extern template class Sgd<float>;
extern template class Sgd<double>;
extern template class Momentum<float>;
extern template class Momentum<double>;
extern template class Adam<float>;
extern template class Adam<double>;

}  // namespace tapegrad::nn
