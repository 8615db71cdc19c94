// Tape: the flat record of every operation, and backward as a reverse walk of it.
//
// Every record has an id, in creation order, which is a topological order, so
// backward is a plain reverse loop. Two kinds of record share the one id space:
//
// - Scalar records, for (1, 1) values of ops with at most two (1, 1) inputs:
//   the local partials are computed when the op is recorded and stored with the
//   inputs' slots, `{d0, d1, in0, in1}` (24 bytes in double). Values and
//   adjoints live in arrays of their own, indexed by slot = id + 1; slot 0 is a
//   sink that absorbs the unused half of a unary record. The reverse walk over a
//   run of scalar records is `adj[in] += d * adj[out]`, without a switch.
// - Tensor records, for everything else (any shape, any op, leaves on a
//   Parameter's storage): the op code, inputs, shape and storage offsets. Their
//   backward rule comes from the op registry (autograd/registry.hpp).
//
// A (1, 1) value made by a tensor op (a sum, a loss) keeps its value and
// adjoint in its slot too, so scalar code continues from it at full speed.
#pragma once

#include <algorithm>
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
#include "autograd/op.hpp"
#include "autograd/parameter.hpp"
#include "autograd/shape.hpp"
#include "autograd/tensor.hpp"

namespace tapegrad {

template <class T>
class Tape;
namespace testing {
template <class T>
struct TapeAccess;
}  // namespace testing

/// What a leaf stands for; drives colours and names in graph dumps.
enum class Role : std::uint8_t { intermediate, parameter, variable, input, constant };

constexpr std::string_view role_name(Role role) {
  switch (role) {
    case Role::intermediate: return "intermediate";
    case Role::parameter: return "parameter";
    case Role::variable: return "variable";
    case Role::input: return "input";
    case Role::constant: return "constant";
  }
  return "unknown";
}

/// A scalar record: local partials d0, d1 with respect to the values in slots
/// in0, in1. A unary record points in1 at the sink (slot 0) and keeps its
/// plain-number operand (add_scalar's c, pow's p) in d1, for the dumps.
template <class T>
struct ScalarRecord {
  T d[2];
  std::uint32_t in[2];
};
static_assert(sizeof(ScalarRecord<double>) == 24 && sizeof(ScalarRecord<float>) == 16);

/// A tensor record: its op, inputs, shape, and where its value, its gradient
/// and its inputs' values and gradients are (pointers into slots are moved
/// with the slot arrays when they grow). A null gradient: none needed.
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
  Role role;
  Reduction reduction;

  // Every field is set by Tape::push or Tape::push_tensor_slot: a zero-filled
  // start (a 150-byte memset) costs more than a small op's whole forward.
  struct Unset {};
  explicit TensorRecord(Unset) {}
};

/// A read-only description of one record, for dumps, tests and custom ops.
/// Its pointers are valid until the tape records more or is cleared.
template <class T>
struct Node {
  const T* value = nullptr;
  T* grad = nullptr;  // null when nothing upstream needs a gradient
  const T* aux = nullptr;
  std::uint32_t in[3] = {0, 0, 0};
  Shape shape;
  Attr attr;
  Op op{};  // leaf
  std::uint8_t inputs = 0;
  Role role = Role::intermediate;
  Reduction reduction = Reduction::mean;
  bool scalar_record = false;  // a compact scalar record, whose partials follow
  T partial[2] = {T(0), T(0)};

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
  TensorView<T> grad_checked() const;
  T item_checked() const;
  Shape shape_checked() const;
  bool requires_grad() const;
  Node<T> node() const;

  // The handle's word of epoch and flags: the epoch it was made in (low 30
  // bits), whether its record is not a scalar slot, and whether it needs a
  // gradient. Scalar ops decide their fast path from it and the tape word.
  static constexpr std::uint32_t kNotSlot = 1u << 31;
  static constexpr std::uint32_t kNeeds = 1u << 30;
  static constexpr std::uint32_t kEpochMask = kNeeds - 1;
  std::uint32_t stamp() const { return epoch_; }
  // The tape word: the tape's address in the low 48 bits (user-space
  // addresses fit in them on x86-64 and AArch64), the epoch's next 16 bits
  // above. With the stamp's 30, a handle carries 46 bits of its epoch, so no
  // number of clears met in practice (2^46 is 70 trillion) makes a stale
  // handle look live, while a handle stays two words. The word is 64 bits
  // on 32-bit targets too (WebAssembly, lab/), whose addresses fit as well.
  using Word = std::uint64_t;
  static constexpr int kEraShift = 48;
  static constexpr Word kAddressMask = (Word{1} << kEraShift) - 1;
  Word tape_word() const { return tape_; }
  Tape<T>* tape_ptr() const {
    return reinterpret_cast<Tape<T>*>(static_cast<std::uintptr_t>(tape_ & kAddressMask));
  }

 private:
  friend class Tape<T>;
  Var(Word tape_word, std::uint32_t id, std::uint32_t stamp)
      : tape_(tape_word), id_(id), epoch_(stamp) {}
  [[noreturn]] static void empty_handle();
  Word tape_ = 0;
  std::uint32_t id_ = 0;
  std::uint32_t epoch_ = 0;
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
    typename Arena<T>::Mark arena{};
    const Tape* tape = nullptr;  // the tape it was taken on
    std::uint64_t epoch = 0;     // the tape's epoch when it was taken
  };

  Tape();
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// A leaf that needs a gradient, stored on the tape (scalar mode, gradcheck inputs).
  Var<T> variable(TensorView<T> value) { return leaf(value, Role::variable, true); }
  Var<T> variable(T value) { return scalar_leaf(value, Role::variable, kNeedsGrad); }
  /// A leaf on a Parameter's own storage; backward accumulates into `p.grad`.
  Var<T> parameter(Parameter<T>& p);
  /// Leaves that need no gradient: data fed in (`input`) or fixed numbers (`constant`).
  Var<T> input(TensorView<T> value) { return leaf(value, Role::input, false); }
  Var<T> constant(TensorView<T> value) { return leaf(value, Role::constant, false); }
  Var<T> constant(T value) { return scalar_leaf(value, Role::constant, 0); }

  /// Reverse walk from `output`, a (1, 1) value: its gradient starts at dL/dL = 1.
  void backward(Var<T> output);
  /// Reverse walk from any output, starting from `gradient` (dL/d output) of the output's shape.
  void backward(Var<T> output, TensorView<T> gradient);

  /// Zeroes the gradients of the tape's own variables (Parameters zero themselves).
  void zero_grad();

  /// Forgets every record, keeping capacity; all handles become stale.
  void clear() { rewind_to(Mark{0, {}, this, epoch64_}); }
  /// The current end of the tape: records made later can be dropped with rewind.
  Mark mark() const { return {count_, arena_.mark(), this, epoch64_}; }
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
  /// its inputs' ranges, its consumer). Scalar ops then leave their inline
  /// path, so anomaly mode is slow; off (the default), it costs nothing.
  void detect_anomaly(bool on) {
    anomaly_ = on;
    scalar_epoch_ = epoch_ | (on ? Var<T>::kNeeds : 0u);
  }
  bool detecting_anomaly() const { return anomaly_; }
  /// The record the last AnomalyError named (graph dumps mark it), or none.
  std::optional<std::uint32_t> anomaly_record() const {
    return anomaly_record_ < count_ ? std::optional<std::uint32_t>(anomaly_record_) : std::nullopt;
  }
  /// Whether that record's gradient (rather than its value) was the non-finite one.
  bool anomaly_in_backward() const { return anomaly_backward_; }

  /// Names and layer numbers for graph dumps (`z^[1]`, layer 1). Names are copied.
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
  Shape shape(std::uint32_t id) const {
    const std::uint32_t m = meta_[id + 1];
    return m & kTensor ? tensor_of(id).shape : Shape{1, 1};
  }
  Op op(std::uint32_t id) const { return static_cast<Op>(meta_[id + 1] & kOpMask); }
  Role role(std::uint32_t id) const {
    return static_cast<Role>((meta_[id + 1] >> kRoleShift) & 7u);
  }
  bool needs_grad(std::uint32_t id) const { return meta_[id + 1] & kNeedsGrad; }
  /// Where a record's value and gradient are now (null gradient: none needed).
  const T* value_ptr(std::uint32_t id) const {
    const std::uint32_t m = meta_[id + 1];
    return m & kSlot ? val_.get() + id + 1 : tensor_of(id).value;
  }
  T* grad_ptr(std::uint32_t id) const {
    const std::uint32_t m = meta_[id + 1];
    if (!(m & kNeedsGrad)) return nullptr;
    return m & kSlot ? adj_.get() + id + 1 : tensor_of(id).grad;
  }
  /// Ids in the order the last backward visited them (its reverse walk): the
  /// records the output depends on that need a gradient.
  std::span<const std::uint32_t> reverse_order() const;
  /// Whether the last backward reached this record (its gradient is meaningful).
  bool has_grad(std::uint32_t id) const;
  std::size_t capacity_bytes() const {
    return arena_.capacity() * sizeof(T) +
           capacity_ * (sizeof(ScalarRecord<T>) + 2 * sizeof(T) + sizeof(std::uint32_t)) +
           tensors_.capacity() * sizeof(TensorRecord<T>);
  }

  /// Throws std::logic_error unless `v` is a live handle on this tape.
  void check(Var<T> v, std::string_view op) const {
    if (v.tape_ != word_ || (v.epoch_ & Var<T>::kEpochMask) != epoch_) [[unlikely]]
      check_old(v, op);
  }
  /// The current epoch, as a live handle's stamp carries it, for the inline
  /// scalar path. In anomaly mode it carries the kNeeds bit, which a stamp
  /// compared without that bit never matches: every op takes the checked path.
  std::uint32_t epoch() const { return scalar_epoch_; }
  /// The tape word a live handle carries (see Var::tape_word).
  typename Var<T>::Word word() const { return word_; }

  // For op implementations (autograd/registry.hpp): append records.

  /// A scalar record of `op` with value z and local partials d0, d1 with
  /// respect to slots s0, s1 (slot = id + 1; slot 0 for none). `needs` is
  /// kNeedsGrad if an input needs a gradient.
  [[gnu::always_inline]] Var<T> push_scalar(Op op, T z, T d0, std::uint32_t s0, T d1,
                                            std::uint32_t s1, std::uint32_t needs) {
    // One test covers a full tape and a no_grad scope (limit_ is then 0).
    if (count_ + 1 >= limit_) [[unlikely]]
      if (!make_room()) return push_constant(z);
    const std::uint32_t s = ++count_;
    val_[s] = z;  // its adjoint is already 0 (see adj_)
    rec_[s] = {{d0, d1}, {s0, s1}};
    meta_[s] = static_cast<std::uint32_t>(op) | needs | kSlot;
    return Var<T>(word_, s - 1, epoch_ | (needs ? Var<T>::kNeeds : 0u));
  }
  T slot_value(Var<T> v) const { return val_[v.id_ + 1]; }
  static constexpr std::uint32_t kNeedsGrad = 1u << 11;
  static constexpr std::uint32_t kSlot = 1u << 12;
  static constexpr std::uint32_t kTensor = 1u << 13;

  /// A tensor record of `op` on `inputs` (already checked) with a value of
  /// `shape` (uninitialised) and `aux_size` saved values. Its pointers are
  /// valid until the next record is made.
  struct Pushed {
    Var<T> var;
    TensorRecord<T>& record;
  };
  Pushed push(Op op, Shape shape, std::initializer_list<Var<T>> inputs, Attr attr = {},
              std::size_t aux_size = 0);
  const TensorRecord<T>& tensor_of(std::uint32_t id) const {
    return tensors_[rec_[id + 1].in[0]];
  }
  /// Value, gradient (null: none needed) and shape of a record in one lookup.
  void resolve(std::uint32_t id, const T*& value, T*& grad, Shape& shape) const {
    const std::uint32_t s = id + 1;
    const std::uint32_t m = meta_[s];
    if (m & kTensor) {
      const TensorRecord<T>& r = tensors_[rec_[s].in[0]];
      shape = r.shape;
      value = r.value;
      grad = r.grad;
      return;
    }
    shape = {1, 1};
    value = val_.get() + s;
    grad = m & kNeedsGrad ? adj_.get() + s : nullptr;
  }
  /// A record's value or gradient where tensor kernels write them (resolves
  /// slot storage); valid until the next record is made.
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
  /// Runs one record's backward rule alone (the step-through page replays each).
  void apply_rule(std::uint32_t id);
  /// The custom backward of record `id` (the registry's custom entry calls it).
  const CustomBackward& custom_backward(std::uint32_t id) const;

 private:
  friend class Var<T>;
  friend struct testing::TapeAccess<T>;  // tests jump the epoch ahead (2^32 clears in no time)
  static constexpr std::uint32_t kOpMask = 0xffu;
  static constexpr std::uint32_t kRoleShift = 8;
  static constexpr std::uint32_t kConstantLeaf =
      static_cast<std::uint32_t>(Role::constant) << kRoleShift;

  Var<T> scalar_leaf(T value, Role role, std::uint32_t needs) {
    if (count_ + 1 >= capacity_) [[unlikely]] grow();
    const std::uint32_t s = ++count_;
    val_[s] = value;
    rec_[s] = {{T(0), T(0)}, {0, 0}};
    meta_[s] = (static_cast<std::uint32_t>(role) << kRoleShift) | needs | kSlot;
    return Var<T>(word_, s - 1, epoch_ | (needs ? Var<T>::kNeeds : 0u));
  }
  Var<T> leaf(TensorView<T> value, Role role, bool needs_grad);
  // The handle of record id, stamped with its slot and gradient flags.
  Var<T> handle(std::uint32_t id) const {
    const std::uint32_t m = meta_[id + 1];
    return Var<T>(word_, id,
                  epoch_ | (m & kSlot ? 0u : Var<T>::kNotSlot) | (m & kNeedsGrad ? Var<T>::kNeeds : 0u));
  }
  // Appends a tensor record's slot; returns its id.
  // A tensor record's slot: no value of its own, the record's index, its flags.
  void set_tensor_slot(std::uint32_t s, std::uint32_t index, std::uint32_t flags) {
    val_[s] = adj_[s] = T(0);
    rec_[s] = {{T(0), T(0)}, {index, 0}};
    meta_[s] = flags | kTensor;
  }
  // Appends a tensor record and its slot; the caller fills the record in.
  // Without history its slot says leaf, whatever op computed it.
  TensorRecord<T>& push_tensor_slot(Op op, Role role, std::uint32_t flags, bool history = true);
  void grow();
  // push_scalar's cold path: grows a full tape; false in a no_grad scope, where
  // push_constant records the value alone.
  bool make_room();
  Var<T> push_constant(T z);
  void set_recording(bool on) {
    recording_ = on;
    limit_ = on ? capacity_ : 0;
  }
  void next_epoch();
  // Throws if another tape's backward wrote a recorded parameter's owner
  // while this backward ran (see detail::BackwardOwner).
  void check_parameters_after_backward() const;
  void rewind_to(Mark m);
  // The epoch a handle of this tape was made in, from its tape word and stamp.
  static std::uint64_t epoch_of(Var<T> v) {
    return (std::uint64_t{v.tape_ >> Var<T>::kEraShift} << 30) | (v.epoch_ & Var<T>::kEpochMask);
  }
  // Whether every rewind after `epoch` kept at least `size` records.
  bool kept_since(std::uint64_t epoch, std::uint32_t size) const;
  void run_backward(std::uint32_t out);
  void run_tensor_rule(const TensorRecord<T>& r);
  // Anomaly mode: the checks, and the messages that name what went wrong.
  void check_inputs(std::string_view consumer, std::int64_t consumer_id,
                    std::initializer_list<Var<T>> inputs);
  void run_backward_checked(std::uint32_t out);
  [[noreturn]] void report_forward(std::uint32_t bad, std::string_view consumer,
                                   std::int64_t consumer_id);
  [[noreturn]] void report_backward(std::uint32_t input, std::uint32_t consumer);
  std::string describe_range(std::uint32_t id, const T* values) const;
  [[noreturn]] void reject(Var<T> v, std::string_view op) const;
  void check_old(Var<T> v, std::string_view op) const;

  // Slot arrays, all of capacity_ entries; slot 0 is the sink. Adjoints past
  // count_ are kept at 0 (grow and rewind zero them, a block at a time), so a
  // new record does not store its own.
  std::unique_ptr<ScalarRecord<T>[]> rec_;
  std::unique_ptr<T[]> val_;
  std::unique_ptr<T[]> adj_;
  std::unique_ptr<std::uint32_t[]> meta_;
  std::uint32_t count_ = 0;
  std::uint32_t capacity_ = 0;
  std::uint32_t limit_ = 0;  // capacity_ while recording, else 0 (see push_scalar)

  std::vector<TensorRecord<T>> tensors_;  // ascending ids
  Arena<T> arena_;

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

  // Each rewind starts a new epoch, counted in 64 bits (epoch64_); handles
  // carry its low 46 bits (epoch_ and word_'s top), marks all of it. floors_ holds (first
  // epoch after a rewind, its size), both increasing: an older handle or mark
  // is live while it is below every later rewind's size.
  std::uint32_t epoch_ = 0;
  std::uint32_t scalar_epoch_ = 0;  // epoch_, with kNeeds in anomaly mode (see epoch())
  std::uint64_t epoch64_ = 0;
  typename Var<T>::Word word_ = 0;  // this tape's address, and epoch64_'s bits 30..45 above it
  std::vector<std::pair<std::uint64_t, std::uint32_t>> floors_;
  // The parameters recorded (id, Parameter), for backward's checks that their
  // storage is as recorded and that no other thread's backward overlapped.
  std::vector<std::pair<std::uint32_t, Parameter<T>*>> parameters_;

  // The last backward's output, and the records it reached (computed on request).
  std::uint32_t last_output_ = 0;
  bool have_output_ = false;
  mutable bool order_ready_ = false;
  mutable std::vector<std::uint32_t> reverse_order_;
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

template <class T>
inline Shape Var<T>::shape() const {
  const Tape<T>* t = tape_ptr();
  if (t && tape_ == t->word() && (epoch_ & kEpochMask) == t->epoch()) [[likely]]
    return epoch_ & kNotSlot ? t->shape(id_) : Shape{1, 1};
  return shape_checked();
}

// Scalar mode reads many gradients and values: a live (1, 1) record's are one load.
template <class T>
inline TensorView<T> Var<T>::grad() const {
  // a live scalar slot that needs a gradient
  const Tape<T>* t = tape_ptr();
  if (t && tape_ == t->word() && epoch_ == (t->epoch() | kNeeds)) [[likely]]
    return {t->grad_ptr(id_), {1, 1}};
  return grad_checked();
}

template <class T>
inline T Var<T>::item() const {
  const Tape<T>* t = tape_ptr();
  if (t && tape_ == t->word() && (epoch_ & ~kNeeds) == t->epoch()) [[likely]]  // a live scalar slot
    return t->slot_value(*this);
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
template <class T>
struct fmt::formatter<tapegrad::Var<T>> : fmt::formatter<tapegrad::TensorView<T>> {
  template <class Context>
  auto format(const tapegrad::Var<T>& v, Context& ctx) const {
    if (!v.tape_ptr()) return fmt::format_to(ctx.out(), "Var()");
    return fmt::formatter<tapegrad::TensorView<T>>::format(v.value(), ctx);
  }
};

