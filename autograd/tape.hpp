// Tape: the flat record of every operation, and backward as a reverse walk of it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/arena.hpp"
#include "autograd/op.hpp"
#include "autograd/parameter.hpp"
#include "autograd/shape.hpp"
#include "autograd/tensor.hpp"

namespace tapegrad {

template <class T>
class Tape;

/// What a leaf stands for; drives colours and names in graph dumps.
enum class Role : std::uint8_t { intermediate, parameter, variable, input, constant };

/// One tape record: the op, its inputs, and where its value and gradient live.
/// `grad` is null when nothing upstream needs a gradient.
template <class T>
struct Node {
  T* value = nullptr;
  T* grad = nullptr;
  T* aux = nullptr;  // values saved by forward for backward (e.g. softmax probabilities)
  std::uint32_t in[3] = {0, 0, 0};
  Shape shape;
  std::uint32_t epoch = 0;
  double attr = 0.0;  // scalar operand: pow's exponent, add_scalar's constant, ...
  Op op = Op::leaf;
  std::uint8_t inputs = 0;
  Role role = Role::intermediate;
  Reduction reduction = Reduction::mean;
  bool reached = false;  // set during backward once a consumer wrote this gradient

  bool needs_grad() const { return grad != nullptr; }
  TensorView<T> value_view() const { return {value, shape}; }
  TensorView<T> grad_view() const { return {grad, shape}; }
};

/// A small copyable handle to one tape record. Using a handle whose record was
/// cleared (`Tape::clear`, `Tape::rewind`) throws std::logic_error.
template <class T>
class Var {
 public:
  Var() = default;

  Tape<T>& tape() const {
    if (!tape_) [[unlikely]] empty_handle();
    return *tape_;
  }
  std::uint32_t id() const { return id_; }
  Shape shape() const;
  std::uint32_t rows() const { return shape().rows; }
  std::uint32_t cols() const { return shape().cols; }
  /// The forward value, valid until the record is cleared.
  TensorView<T> value() const;
  /// The gradient after backward; throws if this value needs no gradient.
  TensorView<T> grad() const;
  /// The value of a (1, 1) record.
  T item() const;
  bool requires_grad() const;
  const Node<T>& node() const;

 private:
  friend class Tape<T>;
  Var(Tape<T>* tape, std::uint32_t id, std::uint32_t epoch) : tape_(tape), id_(id), epoch_(epoch) {}
  [[noreturn]] static void empty_handle();
  Tape<T>* tape_ = nullptr;
  std::uint32_t id_ = 0;
  std::uint32_t epoch_ = 0;
};

/// Records operations in execution order; `backward` walks them in reverse.
/// One tape per thread: tapes share nothing, so threads never interfere.
template <class T>
class Tape {
 public:
  struct Mark {
    std::uint32_t size;
    typename Arena<T>::Mark arena;
  };
  struct Label {
    std::uint32_t id;
    std::uint32_t offset;
    std::uint32_t length;
    int layer;
  };

  Tape() = default;
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// A leaf that needs a gradient, stored on the tape (scalar mode's W11, gradcheck inputs).
  Var<T> variable(TensorView<T> value);
  Var<T> variable(T value) { return leaf(TensorView<T>{&value, {1, 1}}, Role::variable, true); }
  /// A leaf on a Parameter's own storage; backward accumulates into `p.grad`.
  Var<T> parameter(Parameter<T>& p);
  /// Leaves that need no gradient: data fed in (`input`) or fixed numbers (`constant`).
  Var<T> input(TensorView<T> value);
  Var<T> constant(TensorView<T> value);
  Var<T> constant(T value) { return leaf(TensorView<T>{&value, {1, 1}}, Role::constant, false); }

  /// Reverse walk from `output`, a (1, 1) value: its gradient is seeded with 1.
  void backward(Var<T> output);
  /// Reverse walk from any output, seeded with `seed` of the output's shape.
  void backward(Var<T> output, TensorView<T> seed);

  /// Zeroes the gradients of the tape's own variables (Parameters zero themselves).
  void zero_grad();

  /// Forgets every record, keeping capacity; all handles become stale.
  void clear() { rewind(Mark{0, {}}); }
  /// The current end of the tape: records made later can be dropped with rewind.
  Mark mark() const { return {static_cast<std::uint32_t>(nodes_.size()), arena_.mark()}; }
  /// Drops every record made after `m`, keeping capacity; their handles become stale.
  void rewind(Mark m);

  /// RAII scope in which operations compute values but record no op: results
  /// are constants, and nothing flows back through them.
  class NoGradGuard {
   public:
    explicit NoGradGuard(Tape& tape) : tape_(tape), previous_(tape.recording_) {
      tape.recording_ = false;
    }
    ~NoGradGuard() { tape_.recording_ = previous_; }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

   private:
    Tape& tape_;
    bool previous_;
  };
  [[nodiscard]] NoGradGuard no_grad() { return NoGradGuard(*this); }
  bool recording() const { return recording_; }

  /// Names and layer numbers for graph dumps (`z^[1]`, layer 1). Names are copied.
  void set_name(Var<T> v, std::string_view name, int layer = -1);
  /// Whether code that records (nn layers) should name what it records; on by
  /// default, off for the fastest training loops (benchmarks).
  bool naming() const { return naming_; }
  void set_naming(bool on) { naming_ = on; }
  std::string_view name(std::uint32_t id) const;
  int layer(std::uint32_t id) const;

  std::size_t size() const { return nodes_.size(); }
  std::span<const Node<T>> nodes() const { return nodes_; }
  const Node<T>& node(std::uint32_t id) const { return nodes_[id]; }
  /// Ids in the order the last backward visited them (its reverse walk).
  std::span<const std::uint32_t> reverse_order() const { return reverse_order_; }
  /// Whether the last backward reached this record (its gradient is meaningful).
  bool has_grad(std::uint32_t id) const {
    return id < nodes_.size() && nodes_[id].needs_grad() && nodes_[id].reached;
  }
  std::size_t capacity_bytes() const {
    return arena_.capacity() * sizeof(T) + nodes_.capacity() * sizeof(Node<T>);
  }

  // For op implementations: check a handle, append a record, reach a node.
  const Node<T>& checked(Var<T> v, std::string_view op) const {
    if (v.tape_ != this || v.id_ >= nodes_.size() || nodes_[v.id_].epoch != v.epoch_) [[unlikely]]
      reject(v, op);
    return nodes_[v.id_];
  }
  const Node<T>& checked(Var<T> v, Op op) const {
    if (v.tape_ != this || v.id_ >= nodes_.size() || nodes_[v.id_].epoch != v.epoch_) [[unlikely]]
      reject(v, op_name(op));
    return nodes_[v.id_];
  }
  struct Pushed {
    Var<T> var;
    Node<T>& node;
  };
  /// Appends a record of `op` on `inputs` (already checked) with a value of
  /// `shape` (uninitialised) and, if requested, `aux_size` saved values.
  Pushed push(Op op, Shape shape, std::initializer_list<Var<T>> inputs, double attr = 0.0,
              std::size_t aux_size = 0) {
    bool needs_grad = false;
    for (const Var<T>& v : inputs) needs_grad |= nodes_[v.id_].grad != nullptr;
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    Node<T>& n = nodes_.emplace_back();
    n.shape = shape;
    n.epoch = epoch_;
    n.attr = attr;
    n.value = arena_.allocate(shape.size());
    if (aux_size) n.aux = arena_.allocate(aux_size);
    if (recording_) [[likely]] {
      n.op = op;
      n.inputs = static_cast<std::uint8_t>(inputs.size());
      int k = 0;
      for (const Var<T>& v : inputs) n.in[k++] = v.id_;
      if (needs_grad) {
        n.grad = arena_.allocate(shape.size());
        std::fill_n(n.grad, shape.size(), T(0));
      }
    } else {
      n.role = Role::constant;  // a no-grad result: a value with no history
    }
    return {Var<T>(this, id, epoch_), n};
  }
  /// Scalar mode's fast path: a (1, 1) record of `op` on one or two (1, 1)
  /// inputs (already checked), whose value the caller computed. Value and
  /// gradient sit side by side in the arena.
  Var<T> push_scalar(Op op, T value, Var<T> a, double attr = 0.0) {
    return push_scalar(op, value, a.id_, a.id_, 1, attr);
  }
  Var<T> push_scalar(Op op, T value, Var<T> a, Var<T> b) {
    return push_scalar(op, value, a.id_, b.id_, 2, 0.0);
  }
  Node<T>& mutable_node(std::uint32_t id) { return nodes_[id]; }
  /// The gradient buffer of input `k` of `n`, or null if it needs none; marks it reached.
  T* input_grad(const Node<T>& n, int k) {
    Node<T>& in = nodes_[n.in[k]];
    if (in.grad) in.reached = true;
    return in.grad;
  }
  const T* input_value(const Node<T>& n, int k) const { return nodes_[n.in[k]].value; }
  Shape input_shape(const Node<T>& n, int k) const { return nodes_[n.in[k]].shape; }

  /// A custom op's backward: given the tape and its record, add into input grads.
  using CustomBackward = std::function<void(Tape&, const Node<T>&)>;
  /// Records a custom op whose forward the caller computes into `value` of the
  /// result; `backward` must add the inputs' gradients (escape hatch for new ops).
  Var<T> custom(Shape shape, std::initializer_list<Var<T>> inputs, CustomBackward backward);

 private:
  friend class Var<T>;
  Var<T> leaf(TensorView<T> value, Role role, bool needs_grad) {
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    Node<T>& n = nodes_.emplace_back();
    n.shape = value.shape;
    n.epoch = epoch_;
    n.role = role;
    const std::size_t size = value.size();
    n.value = arena_.allocate(size);
    std::copy_n(value.data, size, n.value);
    if (needs_grad) {
      n.grad = arena_.allocate(size);
      std::fill_n(n.grad, size, T(0));
    }
    return Var<T>(this, id, epoch_);
  }
  [[gnu::always_inline]] Var<T> push_scalar(Op op, T value, std::uint32_t a, std::uint32_t b, std::uint8_t inputs,
                     double attr) {
    const bool needs_grad = recording_ && (nodes_[a].grad || nodes_[b].grad);
    const auto id = static_cast<std::uint32_t>(nodes_.size());
    Node<T>& n = nodes_.emplace_back();
    n.epoch = epoch_;
    n.attr = attr;
    n.value = arena_.allocate(needs_grad ? 2 : 1);
    n.value[0] = value;
    if (recording_) [[likely]] {
      n.op = op;
      n.inputs = inputs;
      n.in[0] = a;
      n.in[1] = b;
      if (needs_grad) {
        n.grad = n.value + 1;
        n.grad[0] = T(0);
      }
    } else {
      n.role = Role::constant;
    }
    return Var<T>(this, id, epoch_);
  }
  void run_backward(std::uint32_t out);
  [[noreturn]] void reject(Var<T> v, std::string_view op) const;

  std::vector<Node<T>> nodes_;
  Arena<T> arena_;
  std::vector<std::uint32_t> reverse_order_;
  std::vector<Label> labels_;
  std::string names_;
  std::vector<std::pair<std::uint32_t, CustomBackward>> custom_;
  std::uint32_t epoch_ = 0;
  bool recording_ = true;
  bool naming_ = true;
  // Gradients are zeroed when records are made; only after a walk must the
  // next one zero them again.
  bool walked_ = false;
};

extern template class Tape<float>;
extern template class Tape<double>;
extern template class Var<float>;
extern template class Var<double>;

}  // namespace tapegrad
