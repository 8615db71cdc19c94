// Scalar network: an MLP recorded neuron by neuron, one `*` or `+` per term, as docs/derivation.md writes it.
//
// In scalar mode every weight is its own tape variable and every neuron is
//   z_j^[k] = W_1,j^[k] a_1^[k-1] + ... + W_n,j^[k] a_n^[k-1] + b_j^[k],   a_j^[k] = g(z_j^[k]),
// so a dump of the tape shows exactly the fan-out docs/derivation.md discusses:
// a_1^[1] feeds both z_1^[2] and z_2^[2], and two gradient flows meet in it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"
#include "io/model_format.hpp"

namespace tapegrad::reference {

/// The handles of a network recorded neuron by neuron; index k is the derivation's
/// layer k, indices i and j start at 0 for the derivation's 1.
template <class T>
struct ScalarNetwork {
  std::vector<std::vector<Var<T>>> a;  ///< a[k][j] = a_{j+1}^[k], k = 0..L (a[L] is y_hat)
  std::vector<std::vector<Var<T>>> z;  ///< z[k][j] = z_{j+1}^[k], k = 1..L; z[0] is empty
  std::vector<std::vector<Var<T>>> W;  ///< W[k][i * n_k + j] = W_{i+1,j+1}^[k]; W[0] is empty
  std::vector<std::vector<Var<T>>> b;  ///< b[k][j] = b_{j+1}^[k]; b[0] is empty
  std::vector<Var<T>> y;               ///< the targets, constants
  Var<T> loss;                         ///< L, a (1, 1) record

  std::size_t depth() const { return z.empty() ? 0 : z.size() - 1; }
  /// W_{i,j}^[k] with the derivation's 1-based i and j.
  Var<T> weight(std::size_t k, std::size_t i, std::size_t j) const {
    return W.at(k).at((i - 1) * z.at(k).size() + (j - 1));
  }
};

/// Records the forward pass of one sample x (1, n_0) with targets y (1, n_L)
/// through `layers` on `tape`, one scalar op per term, and the loss `kind`
/// summed over the outputs (bce from y_hat: -[y log y_hat + (1 - y) log(1 - y_hat)];
/// half_sse: 1/2 (y - y_hat)^2; mse: their mean (y_hat - y)^2; softmax_ce:
/// sum_j y_j (log sum_i e^{y_hat_i} - y_hat_j), for an identity output).
/// Weights and biases become tape variables; names follow docs/derivation.md (`a_1^[0]`,
/// `W_1,1^[1]`, `b_1^[1]`, `z_1^[1]`, `a_1^[1]`, ..., `y_hat` (or `y_hat_j`), `L`),
/// with layer numbers set. Throws ShapeError for shapes that do not chain.
template <class T>
ScalarNetwork<T> record_scalar_network(Tape<T>& tape, std::span<const io::LayerSpec> layers,
                                       TensorView<double> x, TensorView<double> y,
                                       nn::LossKind kind = nn::LossKind::bce);

}  // namespace tapegrad::reference
