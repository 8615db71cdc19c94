// Tape: recording, handle checks, and the reverse walk.
#include "autograd/tape.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "autograd/backward_rules.hpp"

namespace tapegrad {

template <class T>
void Var<T>::empty_handle() {
  throw std::logic_error("var: empty handle (default-constructed Var)");
}

template <class T>
const Node<T>& Var<T>::node() const {
  return tape().checked(*this, "var");
}

template <class T>
Shape Var<T>::shape() const {
  return node().shape;
}

template <class T>
TensorView<T> Var<T>::value() const {
  return node().value_view();
}

template <class T>
TensorView<T> Var<T>::grad() const {
  const Node<T>& n = node();
  if (!n.grad)
    throw std::logic_error(
        fmt::format("grad: record {} ({}) needs no gradient: it depends on no variable or parameter",
                    id_, op_name(n.op)));
  return n.grad_view();
}

template <class T>
T Var<T>::item() const {
  const Node<T>& n = node();
  if (!n.shape.is_scalar())
    throw ShapeError(fmt::format("item: value is not a scalar; shape is {}", n.shape));
  return n.value[0];
}

template <class T>
bool Var<T>::requires_grad() const {
  return node().grad != nullptr;
}

template <class T>
void Tape<T>::reject(Var<T> v, std::string_view op) const {
  if (v.tape_ != this)
    throw std::logic_error(fmt::format("{}: {}", op, v.tape_ ? "tape: handle belongs to another tape"
                                                             : "empty handle (default-constructed Var)"));
  throw std::logic_error(
      fmt::format("{}: tape: stale handle to record {}: the tape was cleared or rewound since it "
                  "was recorded",
                  op, v.id_));
}

template <class T>
Var<T> Tape<T>::variable(TensorView<T> value) {
  return leaf(value, Role::variable, true);
}
template <class T>
Var<T> Tape<T>::input(TensorView<T> value) {
  return leaf(value, Role::input, false);
}
template <class T>
Var<T> Tape<T>::constant(TensorView<T> value) {
  return leaf(value, Role::constant, false);
}

template <class T>
Var<T> Tape<T>::parameter(Parameter<T>& p) {
  if (p.grad.shape() != p.value.shape()) p.grad = Tensor<T>::zeros(p.value.shape());
  const auto id = static_cast<std::uint32_t>(nodes_.size());
  Node<T>& n = nodes_.emplace_back();
  n.shape = p.value.shape();
  n.epoch = epoch_;
  n.role = Role::parameter;
  n.value = p.value.data();
  n.grad = p.grad.data();
  const Var<T> v(this, id, epoch_);
  if (naming_ && !p.name.empty()) set_name(v, p.name);
  return v;
}

template <class T>
Var<T> Tape<T>::custom(Shape shape, std::initializer_list<Var<T>> inputs,
                       CustomBackward backward) {
  for (const Var<T>& v : inputs) checked(v, "custom");
  if (inputs.size() > 3) throw std::invalid_argument("custom: at most 3 inputs");
  Pushed r = push(Op::custom, shape, inputs);
  if (r.node.grad) custom_.emplace_back(r.var.id(), std::move(backward));
  return r.var;
}

template <class T>
void Tape<T>::rewind(Mark m) {
  if (m.size > nodes_.size()) throw std::logic_error("rewind: mark is past the end of the tape");
  nodes_.resize(m.size);
  arena_.rewind(m.arena);
  if (m.size == 0) walked_ = false;
  ++epoch_;
  std::erase_if(labels_, [&](const Label& l) { return l.id >= m.size; });
  std::erase_if(custom_, [&](const auto& c) { return c.first >= m.size; });
  std::uint32_t end = 0;
  for (const Label& l : labels_) end = std::max(end, l.offset + l.length);
  names_.resize(end);
  reverse_order_.clear();
}

template <class T>
void Tape<T>::zero_grad() {
  for (Node<T>& n : nodes_)
    if (n.grad && n.role == Role::variable) std::fill_n(n.grad, n.shape.size(), T(0));
}

template <class T>
void Tape<T>::set_name(Var<T> v, std::string_view name, int layer) {
  checked(v, "set_name");
  const auto offset = static_cast<std::uint32_t>(names_.size());
  names_.append(name);
  labels_.push_back({v.id_, offset, static_cast<std::uint32_t>(name.size()), layer});
}

template <class T>
std::string_view Tape<T>::name(std::uint32_t id) const {
  // Latest label wins, so a record can be renamed.
  for (auto it = labels_.rbegin(); it != labels_.rend(); ++it)
    if (it->id == id) return std::string_view(names_).substr(it->offset, it->length);
  return {};
}

template <class T>
int Tape<T>::layer(std::uint32_t id) const {
  for (auto it = labels_.rbegin(); it != labels_.rend(); ++it)
    if (it->id == id) return it->layer;
  return -1;
}

template <class T>
void Tape<T>::backward(Var<T> output) {
  const Node<T>& out = checked(output, "backward");
  if (!out.shape.is_scalar())
    throw std::logic_error(fmt::format(
        "backward: output is {}, not a scalar; pass a seed gradient of the same shape",
        out.shape));
  const T one = 1;
  backward(output, TensorView<T>{&one, {1, 1}});
}

template <class T>
void Tape<T>::backward(Var<T> output, TensorView<T> seed) {
  const Node<T>& out = checked(output, "backward");
  if (seed.shape != out.shape) fail_shapes("backward", "seed shape differs from output shape",
                                           "output", out.shape, "seed", seed.shape);
  if (!out.grad)
    throw std::logic_error(
        "backward: output depends on no variable or parameter, so there is nothing to "
        "differentiate");
  // Intermediate gradients restart at zero on every walk; leaves accumulate.
  // Records start zeroed, so only a repeated walk needs this pass.
  if (walked_) {
    for (std::uint32_t id = 0; id <= output.id_; ++id) {
      Node<T>& n = nodes_[id];
      n.reached = false;
      if (n.grad && n.op != Op::leaf) {
        if (n.shape.is_scalar()) n.grad[0] = T(0);
        else std::fill_n(n.grad, n.shape.size(), T(0));
      }
    }
  }
  walked_ = true;
  Node<T>& root = nodes_[output.id_];
  for (std::size_t k = 0; k < seed.size(); ++k) root.grad[k] += seed[k];
  root.reached = true;
  run_backward(output.id_);
}

namespace {

// Scalar mode's hot path: (1, 1) records of elementwise ops and activations,
// handled inline. Such a record's inputs are (1, 1) too (broadcasting never
// shrinks a shape), so each rule is a line of scalar arithmetic.
template <class T>
bool scalar_backward(std::vector<Node<T>>& nodes, const Node<T>& n) {
  const T g = n.grad[0];
  const T z = n.value[0];
  Node<T>& A = nodes[n.in[0]];
  auto give = [](Node<T>& in, T d) {
    if (in.grad) {
      in.grad[0] += d;
      in.reached = true;
    }
  };
  const T a = A.value[0];
  switch (n.op) {
    case Op::add: give(A, g); give(nodes[n.in[1]], g); return true;
    case Op::sub: give(A, g); give(nodes[n.in[1]], -g); return true;
    case Op::mul: {
      Node<T>& B = nodes[n.in[1]];
      const T b = B.value[0];
      give(A, g * b);
      give(B, g * a);
      return true;
    }
    case Op::div: {
      Node<T>& B = nodes[n.in[1]];
      const T b = B.value[0];
      give(A, g / b);
      give(B, -g * z / b);
      return true;
    }
    case Op::neg: case Op::rsub_scalar: give(A, -g); return true;
    case Op::add_scalar: give(A, g); return true;
    case Op::mul_scalar: give(A, g * static_cast<T>(n.attr)); return true;
    case Op::rdiv_scalar: give(A, -g * z / a); return true;
    case Op::exp: give(A, g * z); return true;
    case Op::log: give(A, g / a); return true;
    case Op::sigmoid: give(A, g * z * (T(1) - z)); return true;
    case Op::tanh: give(A, g * (T(1) - z * z)); return true;
    case Op::relu: give(A, a > T(0) ? g : T(0)); return true;
    default: return false;
  }
}

}  // namespace

template <class T>
void Tape<T>::run_backward(std::uint32_t out) {
  reverse_order_.resize(std::size_t{out} + 1);
  std::uint32_t visited = 0;
  // Creation order is a topological order, so a plain reverse loop suffices:
  // every consumer of a record comes after it on the tape.
  for (std::uint32_t id = out + 1; id-- > 0;) {
    const Node<T>& n = nodes_[id];
    if (!n.reached) continue;
    reverse_order_[visited++] = id;
    if (n.op != Op::leaf && n.shape.is_scalar() && scalar_backward(nodes_, n)) continue;
    switch (n.op) {
      case Op::leaf:
        break;
      case Op::add: case Op::sub: case Op::mul: case Op::div: case Op::neg:
      case Op::add_scalar: case Op::mul_scalar: case Op::rsub_scalar: case Op::rdiv_scalar:
      case Op::exp: case Op::log: case Op::pow: case Op::sqrt: case Op::abs:
        detail::backward_elementwise(*this, n);
        break;
      case Op::sigmoid: case Op::tanh: case Op::relu: case Op::softmax: case Op::log_softmax:
        detail::backward_activation(*this, n);
        break;
      case Op::matmul: case Op::transpose: case Op::affine:
        detail::backward_linalg(*this, n);
        break;
      case Op::sum: case Op::sum_rows: case Op::sum_cols: case Op::mean:
        detail::backward_reduce(*this, n);
        break;
      case Op::binary_cross_entropy: case Op::binary_cross_entropy_with_logits: case Op::mse:
      case Op::half_sse: case Op::cross_entropy:
        detail::backward_loss(*this, n);
        break;
      case Op::custom: {
        auto it = std::find_if(custom_.begin(), custom_.end(),
                               [id](const auto& c) { return c.first == id; });
        assert(it != custom_.end());
        for (int k = 0; k < n.inputs; ++k) input_grad(n, k);  // mark reached
        it->second(*this, n);
        break;
      }
    }
  }
  reverse_order_.resize(visited);
}

template class Tape<float>;
template class Tape<double>;
template class Var<float>;
template class Var<double>;

}  // namespace tapegrad
