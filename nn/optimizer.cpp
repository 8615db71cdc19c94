// Optimizers: each update rule as a plain loop over a parameter's values.
#include "nn/optimizer.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::nn {

template <class T>
Optimizer<T>::Optimizer(std::vector<Parameter<T>*> parameters, T alpha_, T weight_decay_)
    : alpha(alpha_), weight_decay(weight_decay_), parameters_(std::move(parameters)) {
  if (!(weight_decay >= T(0)))
    throw std::invalid_argument(
        fmt::format("optimizer: weight decay is {}; expected >= 0", weight_decay));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Parameter<T>* p = parameters_[i];
    if (!p) throw std::invalid_argument(fmt::format("optimizer: parameter {} is null", i));
    if (p->grad.shape() != p->value.shape()) p->grad = Tensor<T>::zeros(p->value.shape());
  }
}

template <class T>
void Optimizer<T>::zero_grad() {
  for (Parameter<T>* p : parameters_) p->zero_grad();
}

template <class T>
Sgd<T>::Sgd(std::vector<Parameter<T>*> parameters, T alpha_, T weight_decay_)
    : Optimizer<T>(std::move(parameters), alpha_, weight_decay_) {}

template <class T>
void Sgd<T>::step() {
  for (Parameter<T>* p : this->parameters_) {
    T* W = p->value.data();
    // W_{s+1} = W_s - alpha (dL/dW_s + lambda W_s)
    for (std::size_t k = 0; k < p->value.size(); ++k)
      W[k] -= this->alpha * this->decayed_gradient(*p, k);
  }
  ++this->steps_;
}

template <class T>
Momentum<T>::Momentum(std::vector<Parameter<T>*> parameters, T alpha_, T mu_, T weight_decay_)
    : Optimizer<T>(std::move(parameters), alpha_, weight_decay_), mu(mu_) {
  velocity_.reserve(this->parameters_.size());
  for (Parameter<T>* p : this->parameters_) velocity_.push_back(Tensor<T>::zeros(p->shape()));
}

template <class T>
void Momentum<T>::step() {
  for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
    Parameter<T>* p = this->parameters_[i];
    T* W = p->value.data();
    T* v = velocity_[i].data();
    // v_{s+1} = mu v_s + g, W_{s+1} = W_s - alpha v_{s+1}
    for (std::size_t k = 0; k < p->value.size(); ++k) {
      v[k] = mu * v[k] + this->decayed_gradient(*p, k);
      W[k] -= this->alpha * v[k];
    }
  }
  ++this->steps_;
}

template <class T>
Adam<T>::Adam(std::vector<Parameter<T>*> parameters, T alpha_, T beta1_, T beta2_, T epsilon_,
              T weight_decay_)
    : Optimizer<T>(std::move(parameters), alpha_, weight_decay_),
      beta1(beta1_),
      beta2(beta2_),
      epsilon(epsilon_) {
  m_.reserve(this->parameters_.size());
  v_.reserve(this->parameters_.size());
  for (Parameter<T>* p : this->parameters_) {
    m_.push_back(Tensor<T>::zeros(p->shape()));
    v_.push_back(Tensor<T>::zeros(p->shape()));
  }
}

template <class T>
Adam<T>::Adam(Decoupled, std::vector<Parameter<T>*> parameters, T alpha_, T beta1_, T beta2_,
              T epsilon_, T weight_decay_)
    : Adam(std::move(parameters), alpha_, beta1_, beta2_, epsilon_, weight_decay_) {
  decoupled_ = true;
}

template <class T>
void Adam<T>::step() {
  const auto t = static_cast<T>(this->steps_ + 1);
  const T correction1 = T(1) - std::pow(beta1, t);
  const T correction2 = T(1) - std::pow(beta2, t);
  // AdamW shrinks the weights by itself; Adam folds lambda W into g.
  const T shrink = decoupled_ ? T(1) - this->alpha * this->weight_decay : T(1);
  const T coupled = decoupled_ ? T(0) : this->weight_decay;
  for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
    Parameter<T>* p = this->parameters_[i];
    T* W = p->value.data();
    T* m = m_[i].data();
    T* v = v_[i].data();
    const T* grad = p->grad.data();
    for (std::size_t k = 0; k < p->value.size(); ++k) {
      const T g = grad[k] + coupled * W[k];
      W[k] *= shrink;
      m[k] = beta1 * m[k] + (T(1) - beta1) * g;
      v[k] = beta2 * v[k] + (T(1) - beta2) * g * g;
      const T m_hat = m[k] / correction1;
      const T v_hat = v[k] / correction2;
      W[k] -= this->alpha * m_hat / (std::sqrt(v_hat) + epsilon);
    }
  }
  ++this->steps_;
}

template <class T>
AdamW<T>::AdamW(std::vector<Parameter<T>*> parameters, T alpha_, T beta1_, T beta2_, T epsilon_,
                T weight_decay_)
    : Adam<T>(typename Adam<T>::Decoupled{}, std::move(parameters), alpha_, beta1_, beta2_,
              epsilon_, weight_decay_) {}

template <class T>
T clip_grad_norm(std::span<Parameter<T>* const> parameters, T max_norm) {
  if (!(max_norm > T(0)))
    throw std::invalid_argument(
        fmt::format("clip_grad_norm: max_norm is {}; expected > 0", max_norm));
  // Accumulated in double so that float gradients do not overflow the sum.
  double squares = 0;
  for (const Parameter<T>* p : parameters)
    for (std::size_t k = 0; k < p->grad.size(); ++k)
      squares += static_cast<double>(p->grad[k]) * static_cast<double>(p->grad[k]);
  const T norm = static_cast<T>(std::sqrt(squares));
  const T scale = max_norm / (norm + T(1e-6));
  if (scale < T(1))
    for (Parameter<T>* p : parameters)
      for (std::size_t k = 0; k < p->grad.size(); ++k) p->grad[k] *= scale;
  return norm;
}

template class Optimizer<float>;
template class Optimizer<double>;
template class Sgd<float>;
template class Sgd<double>;
template class Momentum<float>;
template class Momentum<double>;
template class Adam<float>;
template class Adam<double>;
template class AdamW<float>;
template class AdamW<double>;
template float clip_grad_norm(std::span<Parameter<float>* const>, float);
template double clip_grad_norm(std::span<Parameter<double>* const>, double);

}  // namespace tapegrad::nn
