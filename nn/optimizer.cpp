// Optimizers: each update rule as a plain loop over a parameter's values.
#include "nn/optimizer.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::nn {

template <class T>
Optimizer<T>::Optimizer(std::vector<Parameter<T>*> parameters)
    : parameters_(std::move(parameters)) {
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
Sgd<T>::Sgd(std::vector<Parameter<T>*> parameters, T alpha_)
    : Optimizer<T>(std::move(parameters)), alpha(alpha_) {}

template <class T>
void Sgd<T>::step() {
  for (Parameter<T>* p : this->parameters_) {
    T* W = p->value.data();
    const T* g = p->grad.data();
    // W_{s+1} = W_s - alpha dL/dW_s
    for (std::size_t k = 0; k < p->value.size(); ++k) W[k] -= alpha * g[k];
  }
  ++this->steps_;
}

template <class T>
Momentum<T>::Momentum(std::vector<Parameter<T>*> parameters, T alpha_, T mu_)
    : Optimizer<T>(std::move(parameters)), alpha(alpha_), mu(mu_) {
  velocity_.reserve(this->parameters_.size());
  for (Parameter<T>* p : this->parameters_) velocity_.push_back(Tensor<T>::zeros(p->shape()));
}

template <class T>
void Momentum<T>::step() {
  for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
    Parameter<T>* p = this->parameters_[i];
    T* W = p->value.data();
    T* v = velocity_[i].data();
    const T* g = p->grad.data();
    // v_{s+1} = mu v_s + g, W_{s+1} = W_s - alpha v_{s+1}
    for (std::size_t k = 0; k < p->value.size(); ++k) {
      v[k] = mu * v[k] + g[k];
      W[k] -= alpha * v[k];
    }
  }
  ++this->steps_;
}

template <class T>
Adam<T>::Adam(std::vector<Parameter<T>*> parameters, T alpha_, T beta1_, T beta2_, T epsilon_)
    : Optimizer<T>(std::move(parameters)),
      alpha(alpha_),
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
void Adam<T>::step() {
  const auto t = static_cast<T>(this->steps_ + 1);
  const T correction1 = T(1) - std::pow(beta1, t);
  const T correction2 = T(1) - std::pow(beta2, t);
  for (std::size_t i = 0; i < this->parameters_.size(); ++i) {
    Parameter<T>* p = this->parameters_[i];
    T* W = p->value.data();
    T* m = m_[i].data();
    T* v = v_[i].data();
    const T* g = p->grad.data();
    for (std::size_t k = 0; k < p->value.size(); ++k) {
      m[k] = beta1 * m[k] + (T(1) - beta1) * g[k];
      v[k] = beta2 * v[k] + (T(1) - beta2) * g[k] * g[k];
      const T m_hat = m[k] / correction1;
      const T v_hat = v[k] / correction2;
      W[k] -= alpha * m_hat / (std::sqrt(v_hat) + epsilon);
    }
  }
  ++this->steps_;
}

template class Optimizer<float>;
template class Optimizer<double>;
template class Sgd<float>;
template class Sgd<double>;
template class Momentum<float>;
template class Momentum<double>;
template class Adam<float>;
template class Adam<double>;

}  // namespace tapegrad::nn
