// Hand backprop: the forward and backward equations of docs/derivation.md, one loop each.
#include "reference/hand_backprop.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/activation.hpp"
#include "autograd/kernels.hpp"
#include "nn/losses.hpp"

namespace tapegrad::reference {
namespace {

template <class T>
T clamped_log(T x) {
  return std::max(std::log(x), T(-100));  // as the tape's binary_cross_entropy
}

template <class T>
T value_of(nn::Activation g, T z, const HandOptions<T>& options) {
  if (options.replaced == g) return options.rule.g(z);
  return nn::activation_value(g, z);
}

template <class T>
T derivative_of(nn::Activation g, T z, T a, const HandOptions<T>& options) {
  if (options.replaced == g) return options.rule.derivative(z, a);
  return nn::activation_derivative(g, z, a);
}

// The loss L(a^[L], y) before reduction, summed over all samples and columns.
template <class T>
T loss_total(nn::LossKind kind, nn::Activation g, bool logits_exact, const Tensor<T>& z,
             const Tensor<T>& a, const Tensor<T>& y) {
  T total = 0;
  const std::size_t n = a.cols();
  switch (kind) {
    case nn::LossKind::bce:
      // L = -[(1 - y) log(1 - y_hat) + y log(y_hat)], from the logits for a sigmoid output
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (g == nn::Activation::sigmoid && logits_exact)
          total += std::max(z[k], T(0)) - z[k] * y[k] + std::log1p(std::exp(-std::abs(z[k])));
        else
          total -= y[k] * clamped_log(a[k]) + (T(1) - y[k]) * clamped_log(T(1) - a[k]);
      }
      break;
    case nn::LossKind::half_sse:
      // L_v = 1/2 (y - y_hat)^2 (the minus sign is easily lost)
      for (std::size_t k = 0; k < a.size(); ++k) total += (y[k] - a[k]) * (y[k] - a[k]) / T(2);
      break;
    case nn::LossKind::mse: {
      T sum = 0;
      for (std::size_t k = 0; k < a.size(); ++k) sum += (a[k] - y[k]) * (a[k] - y[k]);
      total = sum / static_cast<T>(n);
      break;
    }
    case nn::LossKind::softmax_ce:
      for (std::size_t i = 0; i < a.rows(); ++i) {
        const T* row = a.data() + i * n;
        const T max = *std::max_element(row, row + n);
        T sum = 0;
        for (std::size_t j = 0; j < n; ++j) sum += std::exp(row[j] - max);
        const T log_sum = std::log(sum) + max;
        for (std::size_t j = 0; j < n; ++j) total -= y(i, j) * (row[j] - log_sum);
      }
      break;
  }
  return total;
}

// g^[La] = dL/da^[L], scaled by 1/m for a mean.
template <class T>
Tensor<T> output_gradient(nn::LossKind kind, const Tensor<T>& a, const Tensor<T>& y, T scale) {
  Tensor<T> g(a.shape(), T(0));
  const std::size_t n = a.cols();
  switch (kind) {
    case nn::LossKind::bce:
      // g^[La] = (1 - y) / (1 - a) - y / a = (a - y) / (a (1 - a))
      for (std::size_t k = 0; k < a.size(); ++k)
        g[k] = scale * (a[k] - y[k]) / std::max(a[k] * (T(1) - a[k]), T(1e-12));
      break;
    case nn::LossKind::half_sse:
      // d/da 1/2 (y - a)^2 = a - y
      for (std::size_t k = 0; k < a.size(); ++k) g[k] = scale * (a[k] - y[k]);
      break;
    case nn::LossKind::mse:
      for (std::size_t k = 0; k < a.size(); ++k)
        g[k] = scale * T(2) * (a[k] - y[k]) / static_cast<T>(n);
      break;
    case nn::LossKind::softmax_ce:
      // d/da -sum_j y_j log softmax(a)_j = softmax(a) sum_j y_j - y
      for (std::size_t i = 0; i < a.rows(); ++i) {
        const T* row = a.data() + i * n;
        const T max = *std::max_element(row, row + n);
        T sum = 0, targets = 0;
        for (std::size_t j = 0; j < n; ++j) {
          sum += std::exp(row[j] - max);
          targets += y(i, j);
        }
        for (std::size_t j = 0; j < n; ++j)
          g(i, j) = scale * (std::exp(row[j] - max) / sum * targets - y(i, j));
      }
      break;
  }
  return g;
}

}  // namespace

template <class T>
HandOptions<T> typo_sigmoid() {
  HandOptions<T> options;
  options.replaced = nn::Activation::sigmoid;
  options.rule.g = [](T z) { return T(1) / (T(1) - std::exp(-z)); };  // the sign typo 1/(1 - e^-z)
  options.rule.derivative = [](T, T a) { return a * (T(1) - a); };
  return options;
}

template <class T>
HandGradients<T> hand_backprop(const nn::Mlp<T>& net, const Tensor<T>& x, const Tensor<T>& y,
                               nn::LossKind kind, Reduction reduction, const HandOptions<T>& options) {
  if (net.empty()) throw std::logic_error("hand_backprop: the network has no layers");
  if (x.cols() != net.inputs())
    fail_shapes("hand_backprop", "x columns differ from the network's inputs", "x", x.shape(),
                "W^[1]", net.layer(1).W.value.shape());
  if (y.shape() != Shape{x.rows(), net.outputs()})
    fail_shapes("hand_backprop", "targets differ in shape from the output", "y_hat",
                Shape{x.rows(), net.outputs()}, "y", y.shape());
  check_nonempty("hand_backprop", x.shape());
  check_targets(kind, y.view());

  const std::size_t L = net.depth();
  const std::uint32_t m = x.rows();
  HandGradients<T> h;
  h.z.resize(L + 1);
  h.a.resize(L + 1);
  h.g_a.resize(L + 1);
  h.g_z.resize(L + 1);
  h.g_W.resize(L + 1);
  h.g_b.resize(L + 1);

  // Forward: a^[0] = x; z^[k] = a^[k-1] W^[k] + b^[k]; a^[k] = g(z^[k]).
  h.a[0] = x;
  for (std::size_t k = 1; k <= L; ++k) {
    const nn::Linear<T>& layer = net.layer(k);
    const std::uint32_t n_in = layer.in(), n_out = layer.out();
    Tensor<T>& z = h.z[k];
    z = Tensor<T>({m, n_out}, T(0));
    for (std::uint32_t i = 0; i < m; ++i)
      std::copy(layer.b.value.begin(), layer.b.value.end(), z.data() + std::size_t{i} * n_out);
    // (m x n_in)(n_in x n_out): the derivation's z_j = sum_i W_{i,j} a_i + b_j, for every row
    gemm<T>(false, false, m, n_out, n_in, T(1), h.a[k - 1].data(), n_in, layer.W.value.data(),
            n_out, T(1), z.data(), n_out);
    h.a[k] = z;
    for (auto& v : h.a[k]) v = value_of(layer.activation, v, options);
  }

  const nn::Activation g_out = net.output_activation();
  const bool replaced_out = options.replaced == g_out;
  const T scale = reduction == Reduction::mean ? T(1) / static_cast<T>(m) : T(1);
  h.loss = loss_total(kind, g_out, !replaced_out, h.z[L], h.a[L], y) * scale;

  // Output layer: g^[La] = dL/da^[L], then g^[Lz] = g'_o(z^[L]) o g^[La].
  h.g_a[L] = output_gradient(kind, h.a[L], y, scale);
  h.g_z[L] = Tensor<T>(h.z[L].shape(), T(0));
  if (kind == nn::LossKind::bce && g_out == nn::Activation::sigmoid) {
    // docs/derivation.md: g^[3z] = a^[3] (1 - a^[3]) (a^[3] - y) / (a^[3] (1 - a^[3])) = a^[3] - y.
    for (std::size_t k = 0; k < h.a[L].size(); ++k) h.g_z[L][k] = scale * (h.a[L][k] - y[k]);
  } else {
    for (std::size_t k = 0; k < h.a[L].size(); ++k)
      h.g_z[L][k] = derivative_of(g_out, h.z[L][k], h.a[L][k], options) * h.g_a[L][k];
  }

  for (std::size_t k = L; k >= 1; --k) {
    const nn::Linear<T>& layer = net.layer(k);
    const std::uint32_t n_in = layer.in(), n_out = layer.out();
    const Tensor<T>& g_z = h.g_z[k];
    // g^[kW] = (a^[k-1])^T g^[kz]: (n_in x m)(m x n_out)
    h.g_W[k] = Tensor<T>({n_in, n_out}, T(0));
    gemm<T>(true, false, n_in, n_out, m, T(1), h.a[k - 1].data(), n_in, g_z.data(), n_out, T(0),
            h.g_W[k].data(), n_out);
    // g^[kb] = column sums of g^[kz] (one sample: g^[kb] = g^[kz])
    h.g_b[k] = Tensor<T>({1, n_out}, T(0));
    for (std::uint32_t i = 0; i < m; ++i)
      for (std::uint32_t j = 0; j < n_out; ++j) h.g_b[k][j] += g_z(i, j);
    // g^[(k-1)a] = g^[kz] (W^[k])^T: (m x n_out)(n_out x n_in)
    h.g_a[k - 1] = Tensor<T>({m, n_in}, T(0));
    gemm<T>(false, true, m, n_in, n_out, T(1), g_z.data(), n_out, layer.W.value.data(), n_out,
            T(0), h.g_a[k - 1].data(), n_in);
    if (k == 1) break;
    // g^[(k-1)z] = g'_h(z^[k-1]) o g^[(k-1)a]; for the sigmoid g'_h = a (1 - a)
    const nn::Activation g_hidden = net.layer(k - 1).activation;
    h.g_z[k - 1] = Tensor<T>({m, n_in}, T(0));
    for (std::size_t e = 0; e < h.g_z[k - 1].size(); ++e)
      h.g_z[k - 1][e] =
          derivative_of(g_hidden, h.z[k - 1][e], h.a[k - 1][e], options) * h.g_a[k - 1][e];
  }
  return h;
}

template HandOptions<float> typo_sigmoid<float>();
template HandOptions<double> typo_sigmoid<double>();
template HandGradients<float> hand_backprop(const nn::Mlp<float>&, const Tensor<float>&,
                                            const Tensor<float>&, nn::LossKind, Reduction,
                                            const HandOptions<float>&);
template HandGradients<double> hand_backprop(const nn::Mlp<double>&, const Tensor<double>&,
                                             const Tensor<double>&, nn::LossKind, Reduction,
                                             const HandOptions<double>&);

}  // namespace tapegrad::reference
