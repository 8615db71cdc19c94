// Mlp: building, parameter access, and the forward pass on a tape and on plain values.
#include "nn/mlp.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::nn {

template <class T>
Mlp<T>::Mlp(const std::vector<std::uint32_t>& sizes, Activation g, std::uint64_t seed, Init init)
    : Mlp(sizes, std::vector<Activation>(sizes.size() > 1 ? sizes.size() - 1 : 0, g), seed,
          init) {}

template <class T>
Mlp<T>::Mlp(const std::vector<std::uint32_t>& sizes, const std::vector<Activation>& activations,
            std::uint64_t seed, Init init) {
  if (sizes.size() < 2)
    throw std::invalid_argument(fmt::format(
        "mlp: sizes must name the inputs and at least one layer; {} sizes given", sizes.size()));
  if (activations.size() != sizes.size() - 1)
    throw std::invalid_argument(fmt::format("mlp: {} activations given for {} layers",
                                            activations.size(), sizes.size() - 1));
  Generator generator(seed);
  layers_.reserve(sizes.size() - 1);
  for (std::size_t k = 1; k < sizes.size(); ++k)
    add(Linear<T>(sizes[k - 1], sizes[k], activations[k - 1], generator, init,
                  static_cast<int>(k)));
}

template <class T>
Mlp<T>& Mlp<T>::add(Linear<T> layer) {
  if (!layers_.empty() && layer.in() != outputs())
    fail_shapes("mlp", fmt::format("layer {} takes {} inputs, but layer {} has {} outputs",
                                   layers_.size() + 1, layer.in(), layers_.size(), outputs()),
                "W^[prev]", layers_.back().W.value.shape(), "W^[new]", layer.W.value.shape());
  layer.set_index(static_cast<int>(layers_.size() + 1));
  layers_.push_back(std::move(layer));
  return *this;
}

template <class T>
std::uint32_t Mlp<T>::inputs() const {
  return layers_.empty() ? 0 : layers_.front().in();
}
template <class T>
std::uint32_t Mlp<T>::outputs() const {
  return layers_.empty() ? 0 : layers_.back().out();
}
template <class T>
Activation Mlp<T>::output_activation() const {
  return layers_.empty() ? Activation::identity : layers_.back().activation;
}

template <class T>
Linear<T>& Mlp<T>::layer(std::size_t k) {
  if (k < 1 || k > layers_.size())
    throw std::out_of_range(
        fmt::format("mlp: no layer {}; layers are numbered 1 to {}", k, layers_.size()));
  return layers_[k - 1];
}
template <class T>
const Linear<T>& Mlp<T>::layer(std::size_t k) const {
  return const_cast<Mlp*>(this)->layer(k);
}

template <class T>
std::vector<Parameter<T>*> Mlp<T>::parameters() {
  std::vector<Parameter<T>*> out;
  out.reserve(2 * layers_.size());
  for (auto& l : layers_) {
    out.push_back(&l.W);
    out.push_back(&l.b);
  }
  return out;
}
template <class T>
std::vector<const Parameter<T>*> Mlp<T>::parameters() const {
  std::vector<const Parameter<T>*> out;
  out.reserve(2 * layers_.size());
  for (const auto& l : layers_) {
    out.push_back(&l.W);
    out.push_back(&l.b);
  }
  return out;
}

template <class T>
Parameter<T>& Mlp<T>::parameter(std::string_view name) {
  for (auto& l : layers_) {
    if (l.W.name == name) return l.W;
    if (l.b.name == name) return l.b;
  }
  std::string valid;
  for (const auto& l : layers_) valid += fmt::format("{}{}, {}", valid.empty() ? "" : ", ", l.W.name, l.b.name);
  throw std::out_of_range(fmt::format("mlp: no parameter named \"{}\"; the parameters are {}", name,
                                      valid.empty() ? "none (the network has no layers)" : valid));
}

template <class T>
std::size_t Mlp<T>::parameter_count() const {
  std::size_t n = 0;
  for (const auto& l : layers_) n += l.W.value.size() + l.b.value.size();
  return n;
}

template <class T>
void Mlp<T>::zero_grad() {
  for (auto& l : layers_) {
    l.W.zero_grad();
    l.b.zero_grad();
  }
}

template <class T>
Output<T> Mlp<T>::forward(Var<T> x) {
  if (layers_.empty()) throw std::logic_error("mlp: forward on a network without layers");
  Tape<T>& tape = x.tape();
  if (tape.naming()) tape.set_static_name(x, "a^[0]", 0);
  LayerVars<T> vars{x, x};
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const bool last = k + 1 == layers_.size();
    // A hidden layer's z is read by nobody here: one dense record, unless
    // the tape names records for a dump, which shows z^[k] and a^[k] apart.
    if (!last && !tape.naming() && layers_[k].activation != Activation::identity) {
      const Var<T> a = layers_[k].record_fused(vars.a);
      vars = {a, a};
      continue;
    }
    vars = layers_[k].record(vars.a,
                             last && layers_[k].activation != Activation::identity
                                 ? std::string_view("y_hat")
                                 : std::string_view(),
                             true);
  }
  return {vars.z, vars.a, output_activation()};
}

template <class T>
Output<T> Mlp<T>::forward(Var<T> x, std::vector<LayerVars<T>>& trace) {
  if (layers_.empty()) throw std::logic_error("mlp: forward on a network without layers");
  Tape<T>& tape = x.tape();
  if (tape.naming()) tape.set_static_name(x, "a^[0]", 0);
  trace.resize(layers_.size() + 1);
  trace[0] = {x, x};
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const bool last = k + 1 == layers_.size();
    trace[k + 1] = layers_[k].record(
        trace[k].a,
        last && layers_[k].activation != Activation::identity ? std::string_view("y_hat")
                                                              : std::string_view(),
        true);
  }
  return {trace.back().z, trace.back().a, output_activation()};
}

template <class T>
Tensor<T> Mlp<T>::predict(TensorView<T> x) const {
  if (layers_.empty()) throw std::logic_error("mlp: predict on a network without layers");
  Tensor<T> z;
  Tensor<T> a = layers_[0].apply(x, z);
  for (std::size_t k = 1; k < layers_.size(); ++k) a = layers_[k].apply(a.view(), z);
  return a;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace tapegrad::nn
