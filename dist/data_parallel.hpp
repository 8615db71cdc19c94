// DataParallel: one model replicated on every rank, trained on shards of each global mini-batch.
#pragma once

#include <cstdint>
#include <vector>

#include "autograd/parameter.hpp"
#include "autograd/tape.hpp"
#include "dist/communicator.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"

namespace tapegrad::dist {

/// Synchronous data-parallel training: every rank holds the same parameters and
/// the same optimizer, computes the gradient of its own shard of a global
/// mini-batch on its own tape, and `step` makes every rank's gradient that of the
/// whole batch before the (identical) optimizer update. The replicas therefore
/// stay equal, and the trained values do not depend on the number of ranks
/// beyond the summation order.
template <class T>
class DataParallel {
 public:
  /// Joins the optimizer's parameters to the ranks of `comm` and copies rank 0's
  /// values to every rank (a collective), so that all replicas start equal.
  DataParallel(Communicator& comm, nn::Optimizer<T>& optimizer);

  /// Turns each rank's shard gradient into the global batch's gradient. On entry
  /// every parameter's `grad` is the gradient of this rank's shard loss, a mean
  /// over `local_rows` rows whose value is `local_loss` (ignored, as the
  /// gradient, when `local_rows` is 0). On return every rank holds
  /// sum_r (rows_r / global_rows) grad_r, the gradient of the mean loss over all
  /// `global_rows` rows, and the result is that mean loss. One sum collective
  /// over a flat buffer of every gradient and the loss.
  T reduce_gradients(T local_loss, std::uint32_t local_rows, std::uint32_t global_rows);

  /// `reduce_gradients`, then the optimizer's step on every rank.
  T step(T local_loss, std::uint32_t local_rows, std::uint32_t global_rows);

  /// Whether every rank holds bit-identical parameter values (a collective).
  bool replicas_agree();

  Communicator& communicator() const { return comm_; }
  nn::Optimizer<T>& optimizer() const { return optimizer_; }
  /// Seconds spent in the sum collective so far, waiting for slower ranks included.
  double reduce_seconds() const { return reduce_seconds_; }

 private:
  Communicator& comm_;
  nn::Optimizer<T>& optimizer_;
  std::vector<T> buffer_;  // every gradient, then the loss
  double reduce_seconds_ = 0;
};

/// One data-parallel step of `net` with loss `loss`: this rank's shard
/// `x_shard` (rows, inputs) and `y_shard` (rows, outputs), possibly 0 rows, of
/// a global mini-batch of `global_rows` rows. Records the shard's mean loss on
/// `tape`, back-propagates it and calls `group.step`. Returns the global
/// batch's mean loss. With `max_grad_norm` > 0 the global batch's gradient is
/// clipped to that norm (nn::clip_grad_norm) between the all-reduce and the
/// step, so every rank clips the same gradient, as one process would.
template <class T>
T train_step(DataParallel<T>& group, Tape<T>& tape, nn::Mlp<T>& net, nn::LossKind loss,
             const Tensor<T>& x_shard, const Tensor<T>& y_shard, std::uint32_t global_rows,
             T max_grad_norm = T(0));

extern template class DataParallel<float>;
extern template class DataParallel<double>;

}  // namespace tapegrad::dist
