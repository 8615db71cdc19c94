// Tape: the flat record of every operation, and backward as one reverse loop over it.
//
// Every record has an id, in creation order, which is a topological order, so
// backward is a plain reverse loop. Each record has a value and an adjoint (a
// (1, 1) value's own; a tensor's are in its tensor record), an op code and a
// body. Two kinds of body share the one id space:
//
// - A scalar statement: one assignment of scalar code, `s = s + w * x`, however
//   many elementwise ops it holds (autograd/expression.hpp records it). Its body
//   is a range of operands, (partial, input record) pairs: the statement's
//   local partial derivative with respect to each value it read, computed when
//   it was recorded. Leaves are statements without operands.
// - A tensor record (any shape, any op; leaves on a Parameter's storage): the op
//   code, inputs, shapes and storage. Its backward is its op's rule
//   (autograd/tensor_ops.cpp), reached through one table indexed by op code.
//
// Backward is then, for each record from the output back:
//   tensor record:    its rule adds into its inputs' gradients;
//   scalar statement: for each operand, adjoint[input] += partial * adjoint[id].
// A (1, 1) value made by a tensor op (a sum, a loss) keeps its value and
// adjoint in the columns too, so scalar code continues from it at full speed.
//
// Memory per scalar statement: value and adjoint (2 T), its body's start (4
// bytes), op and flags (2 bytes), and per operand a T and 4 bytes; a binary
// statement in double takes 46 bytes. Columns grow without a copy peak (large
// ones are page mappings that move, autograd/storage.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/arena.hpp"
#include "autograd/math.hpp"
#include "autograd/op.hpp"
#include "autograd/parameter.hpp"
#include "autograd/shape.hpp"
#include "autograd/storage.hpp"
#include "autograd/tensor.hpp"

namespace tapegrad {

template <class T>
class Tape;
namespace testing {
template <class T>
struct TapeAccess;
}  // namespace testing

/// A tensor record: its op, inputs, shape, and where its value, its gradient
/// and its inputs' values and gradients are (pointers into the scalar columns
/// are moved with them when they grow). A null gradient: none needed.
template <class T>
struct TensorRecord {
  T* value;
  T* grad;
  const T* x[3];
  T* gx[3];
  Shape sx[3];
  T* aux;  // values saved by forward for backward (softmax probabilities, ...)
  const Parameter<T>* source;  // the Parameter of a parameter leaf, for its name
  Attr attr;
  std::uint32_t id;
  std::uint32_t in[3];
  Shape shape;
  Op op;
  std::uint8_t inputs;
  Reduction reduction;
  Op activation;  // dense: the elementwise op applied to a W + b

  // Every field is set by Tape::push or Tape::push_tensor: a zero-filled start
  // costs more than a small op's whole forward.
  struct Unset {};
  explicit TensorRecord(Unset) {}
};

/// A read-only description of one record, for dumps, tests and custom ops.
/// Its pointers are valid until the tape records more or is cleared.
template <class T>
struct Node {
  /// The most operands a scalar statement has (longer expressions are split).
  static constexpr int kMaxInputs = 8;
  const T* value = nullptr;
  T* grad = nullptr;  // null when nothing upstream needs a gradient
  const T* aux = nullptr;
  std::array<std::uint32_t, kMaxInputs> in{};
  Shape shape;
  Attr attr;
  Op op{};  // leaf
  std::uint8_t inputs = 0;
  Role role = Role::intermediate;
  Reduction reduction = Reduction::mean;
  Op activation{};  // dense: the elementwise op applied to a W + b (leaf otherwise)
  bool scalar_record = false;  // a scalar statement, whose partials follow
  std::array<T, kMaxInputs> partial{};

  bool needs_grad() const { return grad != nullptr; }
  TensorView<T> value_view() const { return {value, shape}; }
  TensorView<T> grad_view() const { return {grad, shape}; }
};

/// A small copyable handle to one tape record. Using a handle whose record was
/// cleared (`Tape::clear`, `Tape::rewind`) throws std::logic_error.
template <class T>
class Var {
 public:
  using value_type = T;

  Var() = default;

  Tape<T>& tape() const {
    Tape<T>* t = tape_ptr();
    if (!t) [[unlikely]] empty_handle();
    return *t;
  }
  std::uint32_t id() const { return id_; }
  Shape shape() const;
  std::uint32_t rows() const { return shape().rows; }
  std::uint32_t cols() const { return shape().cols; }
  /// The forward value. A tensor's stays valid until its record is cleared; a
  /// (1, 1) value's until the tape records more (read it with `item()`).
  TensorView<T> value() const;
  /// The gradient after backward; throws if this value needs no gradient.
  /// Valid as `value()` is.
  TensorView<T> grad() const;
  /// The value of a (1, 1) record.
  T item() const;
  bool requires_grad() const;
  Node<T> node() const;

  // What a handle carries besides its id: the tape's address and the
  // generation (autograd/tape.hpp, Tape::generation_) it was made in, and
  // two flags. The tape word holds the address in its low 48 bits (user-space
  // addresses fit in them on x86-64 and AArch64) and generation bits 30..45
  // above them; the stamp holds generation bits 0..29, whether the record is a
  // tensor (its value is not in the scalar column) and whether it needs a
  // gradient. So a handle stays two words and still carries 46 bits of its
  // generation: no number of clears met in practice (2^46 is 70 trillion)
  // makes a stale handle look live. The word is 64 bits on 32-bit targets
  // too (WebAssembly, lab/), whose addresses fit as well.
  using Word = std::uint64_t;
  static constexpr std::uint32_t kTensor = 1u << 31;  // value outside the scalar column
  static constexpr std::uint32_t kNeeds = 1u << 30;
  static constexpr std::uint32_t kGenerationMask = kNeeds - 1;
  static constexpr int kAddressBits = 48;
  static constexpr Word kAddressMask = (Word{1} << kAddressBits) - 1;
  Word word() const { return word_; }
  std::uint32_t stamp() const { return stamp_; }
  Tape<T>* tape_ptr() const { return reinterpret_cast<Tape<T>*>(static_cast<std::uintptr_t>(word_ & kAddressMask)); }
  /// The generation this handle was made in, as far as it carries it (46 bits).
  std::uint64_t generation() const {
    return (std::uint64_t{word_ >> kAddressBits} << 30) | (stamp_ & kGenerationMask);
  }

 private:
  friend class Tape<T>;
  Var(Word word, std::uint32_t id, std::uint32_t stamp) : word_(word), id_(id), stamp_(stamp) {}
  [[noreturn]] static void empty_handle();
  TensorView<T> grad_checked() const;
  T item_checked() const;
  Shape shape_checked() const;
  Word word_ = 0;
  std::uint32_t id_ = 0;
  std::uint32_t stamp_ = 0;
};

/// Thrown in anomaly mode (`Tape::detect_anomaly`) at the first non-finite
/// value, forward or backward. The message is one line naming the op, the
/// record, its inputs' ranges and the op that consumed it.
class AnomalyError : public std::runtime_error {
 public:
  AnomalyError(const std::string& what, std::uint32_t record, bool backward)
      : std::runtime_error(what), record_(record), backward_(backward) {}
  /// The record whose value (forward) or gradient (backward) is not finite.
  std::uint32_t record() const { return record_; }
  bool in_backward() const { return backward_; }

 private:
  std::uint32_t record_;
  bool backward_;
};

/// Names that live as long as the program (nn layers' `z^[1]`, `a^[1]`):
/// a tape can label records with them without copying.
std::string_view intern_name(std::string_view name);

/// Records operations in execution order; `backward` walks them in reverse.
/// One tape per thread: tapes share nothing, so threads never interfere.
template <class T>
class Tape {
 public:
  /// A point on one tape (from `mark()`); `rewind` checks it is this tape's
  /// and that no rewind since went below it.
  struct Mark {
    std::uint32_t size = 0;
    std::uint32_t operands = 0;
    typename Arena<T>::Mark arena{};
    const Tape* tape = nullptr;   // the tape it was taken on
    std::uint64_t generation = 0;  // the tape's generation when it was taken
  };

  Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// A leaf that needs a gradient, stored on the tape (scalar mode, gradcheck inputs).
  Var<T> variable(TensorView<T> value) { return leaf(value, Role::variable, true); }
  Var<T> variable(T value) { return scalar_leaf(value, Role::variable, true); }
  /// A leaf on a Parameter's own storage; backward accumulates into `p.grad`.
  Var<T> parameter(Parameter<T>& p);
  /// Leaves that need no gradient: data fed in (`input`) or fixed numbers (`constant`).
  Var<T> input(TensorView<T> value) { return leaf(value, Role::input, false); }
  Var<T> constant(TensorView<T> value) { return leaf(value, Role::constant, false); }
  Var<T> constant(T value) { return scalar_leaf(value, Role::constant, false); }

  /// Reverse walk from `output`, a (1, 1) value: its gradient starts at dL/dL = 1.
  void backward(Var<T> output);
  /// Reverse walk from any output, starting from `gradient` (dL/d output) of the output's shape.
  void backward(Var<T> output, TensorView<T> gradient);

  /// Zeroes the gradients of the tape's own variables (Parameters zero themselves).
  void zero_grad();

  /// Forgets every record, keeping capacity; all handles become stale.
  void clear() { rewind_to(Mark{0, 0, {}, this, generation_}); }
  /// The current end of the tape: records made later can be dropped with rewind.
  Mark mark() const { return {count_, operands_, arena_.mark(), this, generation_}; }
  /// Drops every record made after `m`, keeping capacity; their handles become
  /// stale. Throws std::logic_error for a mark of another tape, or a stale one
  /// (a clear or rewind since it was taken went below it).
  void rewind(Mark m);

  /// RAII scope in which operations compute values but record no op: results
  /// are constants, and nothing flows back through them.
  class NoGradGuard {
   public:
    explicit NoGradGuard(Tape& tape) : tape_(tape), previous_(tape.recording_) {
      tape.set_recording(false);
    }
    ~NoGradGuard() { tape_.set_recording(previous_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

   private:
    Tape& tape_;
    bool previous_;
  };
  [[nodiscard]] NoGradGuard no_grad() { return NoGradGuard(*this); }
  bool recording() const { return recording_; }

  /// Anomaly mode: every op recorded checks its inputs' values and backward
  /// checks every gradient a rule hands back; the first non-finite one throws
  /// AnomalyError, naming the op that made it from finite inputs (the record,
  /// its inputs' ranges, its consumer). Scalar code then records one op per
  /// record, each checked, so anomaly mode is slow; off (the default), it
  /// costs nothing.
  void detect_anomaly(bool on) { anomaly_ = on; }
  bool detecting_anomaly() const { return anomaly_; }
  /// The record the last AnomalyError named (graph dumps mark it), or none.
  std::optional<std::uint32_t> anomaly_record() const {
    return anomaly_record_ < count_ ? std::optional<std::uint32_t>(anomaly_record_) : std::nullopt;
  }
  /// Whether that record's gradient (rather than its value) was the non-finite one.
  bool anomaly_in_backward() const { return anomaly_backward_; }

  /// Names records (`z^[1]`) and the layer they belong to, for messages and
  /// dumps; the name is copied. The engine keeps both and reads neither.
  void set_name(Var<T> v, std::string_view name, int layer = -1);
  /// As set_name, for a name from `intern_name` (or a literal): not copied.
  void set_static_name(Var<T> v, std::string_view name, int layer = -1) {
    check(v, "set_name");
    labels_.push_back({v.id_, layer, name.data(), 0, static_cast<std::uint32_t>(name.size())});
  }
  /// Whether code that records (nn layers) should name what it records; on by
  /// default. Names live in a side table, off the records.
  bool naming() const { return naming_; }
  void set_naming(bool on) { naming_ = on; }
  std::string_view name(std::uint32_t id) const;
  int layer(std::uint32_t id) const;

  /// Records on the tape.
  std::size_t size() const { return count_; }
  Node<T> node(std::uint32_t id) const;
  Shape shape(std::uint32_t id) const { return is_tensor(id) ? tensor_of(id).shape : Shape{1, 1}; }
  Op op(std::uint32_t id) const { return static_cast<Op>(meta_[id] & kOpMask); }
  Role role(std::uint32_t id) const { return static_cast<Role>((meta_[id] >> kRoleShift) & 7u); }
  bool needs_grad(std::uint32_t id) const { return meta_[id] & kNeedsGrad; }
  /// Where a record's value and gradient are now (null gradient: none needed).
  const T* value_ptr(std::uint32_t id) const {
    return is_tensor(id) ? tensor_of(id).value : value_.data() + id;
  }
  T* grad_ptr(std::uint32_t id) const {
    if (!needs_grad(id)) return nullptr;
    return is_tensor(id) ? tensor_of(id).grad : adjoint_.data() + id;
  }
  /// Whether the last backward reached this record (its gradient is meaningful).
  bool has_grad(std::uint32_t id) const;
  std::size_t capacity_bytes() const {
    return arena_.capacity() * sizeof(T) + capacity_ * (2 * sizeof(T) + sizeof(std::uint32_t) + sizeof(std::uint16_t)) +
           operand_capacity_ * (sizeof(T) + sizeof(std::uint32_t)) +
           tensors_.capacity() * sizeof(TensorRecord<T>) + attrs_.capacity() * sizeof(AttrEntry);
  }

  // Handles. A handle is live on this tape if it was made in its current
  // generation, or in an earlier one whose rewinds all kept its record.

  /// Whether v was made on this tape in its current generation (one compare).
  bool is_current(Var<T> v) const {
    return v.word_ == word_ && (v.stamp_ & Var<T>::kGenerationMask) == stamp_;
  }
  /// Whether v is current and its value is in the scalar column: a statement may read it.
  bool is_current_scalar(Var<T> v) const {
    return v.word_ == word_ && (v.stamp_ & ~Var<T>::kNeeds) == stamp_;
  }
  /// Whether v is a live handle on this tape.
  bool is_live(Var<T> v) const;
  /// Throws std::logic_error naming `op` unless `v` is a live handle on this tape.
  void check(Var<T> v, std::string_view op) const {
    if (!is_current(v)) [[unlikely]]
      if (!is_live(v)) reject(v, op);
  }
  /// The tape word and stamp a handle made now carries (see Var::word).
  typename Var<T>::Word current_word() const { return word_; }
  std::uint32_t current_stamp() const { return stamp_; }

  // For op implementations (autograd/expression.hpp, autograd/tensor_ops.cpp): append records.

  /// A scalar statement about to be written: its handle, and where the caller
  /// writes its operands' partials and input ids.
  struct Statement {
    Var<T> var;
    T* partial;
    std::uint32_t* input;
  };
  /// Appends a scalar statement of `op` with value z and n operands (at most
  /// Node::kMaxInputs), which the caller writes next. Outside recording
  /// (no_grad) the value is recorded as a constant and the operands go to scratch.
  [[gnu::always_inline]] Statement push_statement(Op op, T z, std::uint32_t n, bool needs) {
    // One test covers a full tape and a no_grad scope (limit_ is then 0).
    if ((count_ >= limit_) | (operands_ + n > operand_capacity_)) [[unlikely]]
      return push_statement_slow(op, z, n, needs);
    const std::uint32_t id = count_++;
    value_[id] = z;  // its adjoint is already 0 (see adjoint_)
    body_[id] = operands_;
    meta_[id] = static_cast<std::uint16_t>(static_cast<std::uint32_t>(op) | (needs ? kNeedsGrad : 0u));
    Statement s{Var<T>(word_, id, stamp_ | (needs ? Var<T>::kNeeds : 0u)), partial_.data() + operands_,
                input_.data() + operands_};
    operands_ += n;
    return s;
  }
  /// The plain numbers of the last statement, when it is one op that takes them.
  void set_statement_attr(Var<T> v, Attr attr) {
    if (v.id_ + 1 == count_ && !is_tensor(v.id_) && op(v.id_) != Op::leaf) attrs_.push_back({v.id_, attr});
  }
  /// The value of a scalar record, by id.
  T scalar_value(std::uint32_t id) const { return value_[id]; }

  /// A tensor record of `op` on `inputs` (already checked) with a value of
  /// `shape` (uninitialised) and `aux_size` saved values. Its pointers are
  /// valid until the next record is made.
  struct Pushed {
    Var<T> var;
    TensorRecord<T>& record;
  };
  Pushed push(Op op, Shape shape, std::initializer_list<Var<T>> inputs, Attr attr = {},
              std::size_t aux_size = 0);
  const TensorRecord<T>& tensor_of(std::uint32_t id) const { return tensors_[body_[id]]; }
  /// A record's value or gradient where tensor kernels write them (resolves
  /// scalar columns); valid until the next record is made.
  T* mutable_value(Var<T> v) {
    check(v, "mutable_value");
    return const_cast<T*>(value_ptr(v.id_));
  }

  /// A custom op's backward: given the tape and its record, add into input grads.
  using CustomBackward = std::function<void(Tape&, const Node<T>&)>;
  /// Records a custom op whose forward the caller computes into
  /// `tape.mutable_value(result)`; `backward` must add the inputs' gradients
  /// (`input_grad`), given the record's own (`node.grad`).
  Var<T> custom(Shape shape, std::initializer_list<Var<T>> inputs, CustomBackward backward);
  /// The gradient buffer of input `k` of `n`, or null if it needs none.
  T* input_grad(const Node<T>& n, int k) const { return grad_ptr(n.in[k]); }
  const T* input_value(const Node<T>& n, int k) const { return value_ptr(n.in[k]); }
  Shape input_shape(const Node<T>& n, int k) const { return shape(n.in[k]); }
  /// One step of the reverse walk alone: hands record `id`'s gradient to its
  /// inputs (scalar statement or tensor rule), as backward does.
  void propagate(std::uint32_t id);
  /// The custom backward of record `id` (the custom op's rule calls it).
  const CustomBackward& custom_backward(std::uint32_t id) const;

 private:
  friend class Var<T>;
  friend struct testing::TapeAccess<T>;  // tests jump the generation ahead (2^32 clears in no time)
  // A record's meta: its op code, role, whether it needs a gradient, and
  // whether its body is a tensor record.
  static constexpr std::uint32_t kOpMask = 0xffu;
  static constexpr std::uint32_t kRoleShift = 8;
  static constexpr std::uint32_t kNeedsGrad = 1u << 11;
  static constexpr std::uint32_t kTensorBody = 1u << 12;
  static std::uint16_t meta_of(Op op, Role role, bool needs, bool tensor) {
    return static_cast<std::uint16_t>(static_cast<std::uint32_t>(op) |
                                      (static_cast<std::uint32_t>(role) << kRoleShift) |
                                      (needs ? kNeedsGrad : 0u) | (tensor ? kTensorBody : 0u));
  }
  bool is_tensor(std::uint32_t id) const { return meta_[id] & kTensorBody; }

  Var<T> scalar_leaf(T value, Role role, bool needs) {
    if (count_ >= capacity_) [[unlikely]] grow(1, 0);
    const std::uint32_t id = count_++;
    value_[id] = value;
    body_[id] = operands_;
    meta_[id] = meta_of(Op::leaf, role, needs, false);
    return Var<T>(word_, id, stamp_ | (needs ? Var<T>::kNeeds : 0u));
  }
  Var<T> leaf(TensorView<T> value, Role role, bool needs_grad);
  // The handle of record id, stamped with its gradient flag and whether its
  // value is outside the scalar column (a tensor, or a Parameter's storage).
  Var<T> handle(std::uint32_t id) const {
    const bool column = !is_tensor(id) || tensor_of(id).value == value_.data() + id;
    return Var<T>(word_, id, stamp_ | (column ? 0u : Var<T>::kTensor) | (needs_grad(id) ? Var<T>::kNeeds : 0u));
  }
  // Appends a tensor record and its slot; the caller fills the record in.
  TensorRecord<T>& push_tensor(Op op, Role role, bool needs);
  // Room for `records` more records and `operands` more operands.
  void grow(std::uint32_t records, std::uint32_t operands);
  Statement push_statement_slow(Op op, T z, std::uint32_t n, bool needs);
  void set_recording(bool on) {
    recording_ = on;
    limit_ = on ? capacity_ : 0;
  }
  void next_generation();
  // Throws if another tape's backward wrote a recorded parameter's owner
  // while this backward ran (see detail::BackwardOwner).
  void check_parameters_after_backward() const;
  void rewind_to(Mark m);
  // Whether every rewind after `generation` kept at least `size` records.
  bool kept_since(std::uint64_t generation, std::uint32_t size) const;
  // The end of scalar statement id's operands: the start of the next
  // statement's, or the end of all.
  std::uint32_t operand_end(std::uint32_t id) const;
  template <bool checked>
  void walk(std::uint32_t out);
  // A scalar statement's step of the reverse walk: its gradient g times each
  // partial, added to that operand's input. An unreached statement (g = 0)
  // hands nothing back; skipping it also keeps 0 * inf from turning into NaN.
  [[gnu::always_inline]] static void hand_back(T* adjoint, const T* partial, const std::uint32_t* input,
                                               T g, std::uint32_t begin, std::uint32_t end) {
    if (math::is_zero(g)) return;
    for (std::uint32_t k = begin; k < end; ++k) adjoint[input[k]] += partial[k] * g;
  }
  void run_tensor_rule(const TensorRecord<T>& r);
  // Anomaly mode: the checks, and the messages that name what went wrong.
  void check_inputs(std::string_view consumer, std::int64_t consumer_id,
                    std::initializer_list<Var<T>> inputs);
  void check_gradients_from(std::uint32_t id);
  [[noreturn]] void report_forward(std::uint32_t bad, std::string_view consumer,
                                   std::int64_t consumer_id);
  [[noreturn]] void report_backward(std::uint32_t input, std::uint32_t consumer);
  std::string describe_range(std::uint32_t id, const T* values) const;
  [[noreturn]] void reject(Var<T> v, std::string_view op) const;

  // The columns, one entry per record: value, adjoint, body (a scalar
  // statement's first operand, or a tensor record's index in tensors_), meta.
  // Adjoints past count_ are kept at 0 (growth gives zeros, rewind zeroes what
  // it drops), so a new record does not store its own.
  detail::Storage<T> value_;
  detail::Storage<T> adjoint_;
  detail::Storage<std::uint32_t> body_;
  detail::Storage<std::uint16_t> meta_;
  std::uint32_t count_ = 0;
  std::uint32_t capacity_ = 0;
  std::uint32_t limit_ = 0;  // capacity_ while recording, else 0 (see push_statement)
  // The operands of scalar statements, in record order.
  detail::Storage<T> partial_;
  detail::Storage<std::uint32_t> input_;
  std::uint32_t operands_ = 0;
  std::uint32_t operand_capacity_ = 0;
  // Where a no_grad statement writes the operands nobody reads.
  std::array<T, Node<T>::kMaxInputs> scratch_partial_{};
  std::array<std::uint32_t, Node<T>::kMaxInputs> scratch_input_{};

  std::vector<TensorRecord<T>> tensors_;  // ascending ids
  Arena<T> arena_;
  // The numbers of scalar statements that are one op taking them (x * 2, pow(x, 3)).
  struct AttrEntry {
    std::uint32_t id;
    Attr attr;
  };
  std::vector<AttrEntry> attrs_;  // ascending ids

  struct Label {
    std::uint32_t id;
    int layer;
    const char* text;  // a static name, or null: the name is names_[offset, offset + length)
    std::uint32_t offset;
    std::uint32_t length;
  };
  std::vector<Label> labels_;
  std::string names_;
  std::vector<std::pair<std::uint32_t, CustomBackward>> custom_;

  // The generation: each clear or rewind starts a new one. word_ and stamp_
  // are what a handle made now carries (see Var::word): this tape's address
  // with generation bits 30..45, and generation bits 0..29. rewinds_ holds,
  // for each rewind still relevant, (the generation it started, the records it
  // kept), both increasing: an older handle or mark is live while it is below
  // every later rewind's size.
  std::uint64_t generation_ = 0;
  typename Var<T>::Word word_ = 0;
  std::uint32_t stamp_ = 0;
  struct Rewind {
    std::uint64_t generation;
    std::uint32_t kept;
  };
  std::vector<Rewind> rewinds_;
  // The parameters recorded (id, Parameter), for backward's checks that their
  // storage is as recorded and that no other thread's backward overlapped.
  std::vector<std::pair<std::uint32_t, Parameter<T>*>> parameters_;

  // The last backward's output, and the records it reached (computed on request).
  std::uint32_t last_output_ = 0;
  bool have_output_ = false;
  mutable bool reached_ready_ = false;
  mutable std::vector<bool> reached_;

  bool recording_ = true;
  bool naming_ = true;
  bool anomaly_ = false;
  std::uint32_t anomaly_record_ = ~std::uint32_t{0};
  bool anomaly_backward_ = false;
  // Gradients are zeroed when records are made; only after a walk must the
  // next one zero them again.
  bool walked_ = false;
};

// Scalar mode reads many values and gradients: a live (1, 1) record's are one load.
template <class T>
inline Shape Var<T>::shape() const {
  const Tape<T>* t = tape_ptr();
  if (t && t->is_current(*this)) [[likely]]
    return stamp_ & kTensor ? t->shape(id_) : Shape{1, 1};
  return shape_checked();
}

template <class T>
inline TensorView<T> Var<T>::grad() const {
  const Tape<T>* t = tape_ptr();
  if (t && t->is_current_scalar(*this) && (stamp_ & kNeeds)) [[likely]]
    return {t->adjoint_.data() + id_, {1, 1}};
  return grad_checked();
}

template <class T>
inline T Var<T>::item() const {
  const Tape<T>* t = tape_ptr();
  if (t && t->is_current_scalar(*this)) [[likely]] return t->scalar_value(id_);
  return item_checked();
}

extern template class Tape<float>;
extern template class Tape<double>;
extern template class Var<float>;
extern template class Var<double>;
extern template class Tape<Dual<float>>;
extern template class Tape<Dual<double>>;
extern template class Var<Dual<float>>;
extern template class Var<Dual<double>>;

}  // namespace tapegrad

/// Formats a Var as its value, nested lists like a Tensor (an element spec such
/// as `{:.4f}` applies to each number); an empty handle prints `Var()`.
/// Compiled in the library (autograd/format.cpp) for float, double and their duals.
template <class T>
struct fmt::formatter<tapegrad::Var<T>> : fmt::formatter<tapegrad::TensorView<T>> {
  auto format(const tapegrad::Var<T>& v, format_context& ctx) const -> format_context::iterator;
};
