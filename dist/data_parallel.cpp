// DataParallel: the broadcast at the start and the flat-buffer gradient sum of every step.
#include "dist/data_parallel.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <fmt/format.h>

namespace tapegrad::dist {

template <class T>
DataParallel<T>::DataParallel(Communicator& comm, nn::Optimizer<T>& optimizer)
    : comm_(comm), optimizer_(optimizer) {
  std::size_t total = 0;
  for (const Parameter<T>* p : optimizer_.parameters()) total += p->value.size();
  buffer_.resize(total + 1);
  if (comm_.size() == 1) return;
  // One broadcast of every value: rank 0's initial weights become everyone's.
  std::size_t at = 0;
  for (const Parameter<T>* p : optimizer_.parameters()) {
    std::copy_n(p->value.data(), p->value.size(), buffer_.data() + at);
    at += p->value.size();
  }
  comm_.broadcast(std::span<T>(buffer_.data(), total));
  at = 0;
  for (Parameter<T>* p : optimizer_.parameters()) {
    std::copy_n(buffer_.data() + at, p->value.size(), p->value.data());
    at += p->value.size();
  }
}

template <class T>
T DataParallel<T>::reduce_gradients(T local_loss, std::uint32_t local_rows,
                                    std::uint32_t global_rows) {
  if (global_rows == 0 || local_rows > global_rows)
    throw std::invalid_argument(fmt::format(
        "data parallel: a shard of {} rows in a global batch of {}", local_rows, global_rows));
  // One rank holding the whole batch: its gradient is already the batch's.
  if (comm_.size() == 1 && local_rows == global_rows) return local_loss;

  // A shard's loss is a mean over its rows, so the batch mean weights it by
  // rows_r / global_rows; an empty shard contributes exact zeros.
  const T weight = static_cast<T>(static_cast<double>(local_rows) / global_rows);
  std::size_t at = 0;
  for (const Parameter<T>* p : optimizer_.parameters()) {
    const T* g = p->grad.data();
    T* out = buffer_.data() + at;
    if (local_rows == 0)
      std::fill_n(out, p->grad.size(), T(0));
    else
      for (std::size_t k = 0; k < p->grad.size(); ++k) out[k] = weight * g[k];
    at += p->grad.size();
  }
  buffer_[at] = local_rows == 0 ? T(0) : weight * local_loss;

  const auto start = std::chrono::steady_clock::now();
  comm_.sum(buffer_);
  const auto end = std::chrono::steady_clock::now();
  reduce_seconds_ += std::chrono::duration<double>(end - start).count();

  at = 0;
  for (Parameter<T>* p : optimizer_.parameters()) {
    std::copy_n(buffer_.data() + at, p->grad.size(), p->grad.data());
    at += p->grad.size();
  }
  return buffer_[at];
}

template <class T>
T DataParallel<T>::step(T local_loss, std::uint32_t local_rows, std::uint32_t global_rows) {
  const T loss = reduce_gradients(local_loss, local_rows, global_rows);
  optimizer_.step();
  return loss;
}

template <class T>
bool DataParallel<T>::replicas_agree() {
  // FNV-1a over the values' bytes: equal replicas hash equally on every rank.
  std::uint64_t hash = 14695981039346656037ull;
  for (const Parameter<T>* p : optimizer_.parameters()) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(p->value.data());
    for (std::size_t k = 0; k < p->value.size() * sizeof(T); ++k)
      hash = (hash ^ bytes[k]) * 1099511628211ull;
  }
  return comm_.same(hash);
}

template <class T>
T train_step(DataParallel<T>& group, Tape<T>& tape, nn::Mlp<T>& net, nn::LossKind loss,
             const Tensor<T>& x_shard, const Tensor<T>& y_shard, std::uint32_t global_rows,
             T max_grad_norm) {
  group.optimizer().zero_grad();
  T local_loss = 0;
  if (x_shard.rows() > 0) {
    tape.clear();
    const auto L = nn::loss(loss, net.forward(tape.input(x_shard)), tape.input(y_shard));
    tape.backward(L);
    local_loss = L.item();
  }
  if (max_grad_norm <= T(0)) return group.step(local_loss, x_shard.rows(), global_rows);
  const T global_loss = group.reduce_gradients(local_loss, x_shard.rows(), global_rows);
  nn::clip_grad_norm(group.optimizer().parameters(), max_grad_norm);
  group.optimizer().step();
  return global_loss;
}

template class DataParallel<float>;
template class DataParallel<double>;
template float train_step(DataParallel<float>&, Tape<float>&, nn::Mlp<float>&, nn::LossKind,
                          const Tensor<float>&, const Tensor<float>&, std::uint32_t, float);
template double train_step(DataParallel<double>&, Tape<double>&, nn::Mlp<double>&, nn::LossKind,
                           const Tensor<double>&, const Tensor<double>&, std::uint32_t, double);

}  // namespace tapegrad::dist
