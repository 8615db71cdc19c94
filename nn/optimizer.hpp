// Optimizers: gradient descent (the derivation's update), with momentum, Adam and AdamW;
// weight decay, gradient clipping by global norm.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "autograd/parameter.hpp"

namespace tapegrad::nn {

/// Updates a fixed list of parameters from their accumulated gradients. Buffers
/// are sized when the optimizer is made, so `step` never allocates. Backward
/// adds into `p.grad`: call `zero_grad` before each backward.
///
/// Every optimizer has a learning rate `alpha` (a schedule may change it between
/// steps, see nn/schedule.hpp) and a `weight_decay` lambda, with PyTorch's
/// meaning: Sgd, Momentum and Adam add lambda W to the gradient (L2
/// regularisation), AdamW decays the weights apart from the gradient.
template <class T>
class Optimizer {
 public:
  Optimizer(std::vector<Parameter<T>*> parameters, T alpha, T weight_decay);
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

  T alpha;         ///< learning rate
  T weight_decay;  ///< lambda >= 0

 protected:
  /// g + lambda W for element k of p: the coupled (L2) weight decay.
  T decayed_gradient(const Parameter<T>& p, std::size_t k) const {
    return p.grad.data()[k] + weight_decay * p.value.data()[k];
  }

  std::vector<Parameter<T>*> parameters_;
  std::size_t steps_ = 0;
};

/// Gradient descent exactly as docs/derivation.md writes it, with g = dL/dW_s + lambda W_s:
/// W_{s+1} = W_s - alpha g (likewise b). torch.optim.SGD(lr, weight_decay).
template <class T>
class Sgd final : public Optimizer<T> {
 public:
  Sgd(std::vector<Parameter<T>*> parameters, T alpha, T weight_decay = T(0));
  void step() override;
};

/// Gradient descent with momentum mu (the heavy-ball form PyTorch uses), with
/// g = dL/dW_s + lambda W_s: v_{s+1} = mu v_s + g, W_{s+1} = W_s - alpha v_{s+1},
/// v_0 = 0. torch.optim.SGD(lr, momentum, weight_decay).
template <class T>
class Momentum final : public Optimizer<T> {
 public:
  Momentum(std::vector<Parameter<T>*> parameters, T alpha, T mu = T(0.9), T weight_decay = T(0));
  void step() override;
  T mu;

 private:
  std::vector<Tensor<T>> velocity_;
};

/// Adam (Kingma and Ba, 2015), with t = s + 1 and g = dL/dW_s + lambda W_s:
/// m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2,
/// W_{s+1} = W_s - alpha (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon).
/// torch.optim.Adam(lr, betas, eps, weight_decay).
template <class T>
class Adam : public Optimizer<T> {
 public:
  Adam(std::vector<Parameter<T>*> parameters, T alpha = T(1e-3), T beta1 = T(0.9),
       T beta2 = T(0.999), T epsilon = T(1e-8), T weight_decay = T(0));
  void step() override;
  T beta1, beta2, epsilon;

 protected:
  struct Decoupled {};
  Adam(Decoupled, std::vector<Parameter<T>*> parameters, T alpha, T beta1, T beta2, T epsilon,
       T weight_decay);

 private:
  bool decoupled_ = false;
  std::vector<Tensor<T>> m_;
  std::vector<Tensor<T>> v_;
};

/// AdamW (Loshchilov and Hutter, 2019): Adam on g = dL/dW_s alone, the weights
/// first decayed by W_s (1 - alpha lambda). torch.optim.AdamW, whose default
/// lambda is 0.01.
template <class T>
class AdamW final : public Adam<T> {
 public:
  AdamW(std::vector<Parameter<T>*> parameters, T alpha = T(1e-3), T beta1 = T(0.9),
        T beta2 = T(0.999), T epsilon = T(1e-8), T weight_decay = T(1e-2));
};

/// Scales every gradient by max_norm / (norm + 1e-6) when the global norm
/// sqrt(sum of all squared gradients) exceeds max_norm, as
/// torch.nn.utils.clip_grad_norm_ does; returns the norm before clipping.
/// Throws std::invalid_argument unless max_norm > 0.
template <class T>
T clip_grad_norm(std::span<Parameter<T>* const> parameters, T max_norm);

extern template class Optimizer<float>;
extern template class Optimizer<double>;
extern template class Sgd<float>;
extern template class Sgd<double>;
extern template class Momentum<float>;
extern template class Momentum<double>;
extern template class Adam<float>;
extern template class Adam<double>;
extern template class AdamW<float>;
extern template class AdamW<double>;
extern template float clip_grad_norm(std::span<Parameter<float>* const>, float);
extern template double clip_grad_norm(std::span<Parameter<double>* const>, double);

}  // namespace tapegrad::nn
