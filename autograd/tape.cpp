// Tape: recording, handle checks, and the reverse walk.
#include "autograd/tape.hpp"

#include <cassert>
#include <mutex>
#include <unordered_set>

#include "autograd/rules.hpp"
#include "autograd/tensor_ops.hpp"

namespace tapegrad {

std::string_view intern_name(std::string_view name) {
  static std::mutex mutex;
  static std::unordered_set<std::string> names;
  const std::lock_guard<std::mutex> lock(mutex);
  return *names.emplace(name).first;
}

// ---------------------------------------------------------------- handles

template <class T>
void Var<T>::empty_handle() {
  throw std::logic_error("var: empty handle (default-constructed Var)");
}

template <class T>
Node<T> Var<T>::node() const {
  tape().check(*this, "var");
  return tape_ptr()->node(id_);
}

template <class T>
Shape Var<T>::shape_checked() const {
  tape().check(*this, "var");
  return tape_ptr()->shape(id_);
}

template <class T>
TensorView<T> Var<T>::value() const {
  tape().check(*this, "var");
  return {tape_ptr()->value_ptr(id_), tape_ptr()->shape(id_)};
}

template <class T>
TensorView<T> Var<T>::grad_checked() const {
  tape().check(*this, "var");
  T* g = tape_ptr()->grad_ptr(id_);
  if (!g)
    throw std::logic_error(
        fmt::format("grad: record {} ({}) needs no gradient: it depends on no variable or parameter",
                    id_, op_name(tape_ptr()->op(id_))));
  return {g, tape_ptr()->shape(id_)};
}

template <class T>
T Var<T>::item_checked() const {
  tape().check(*this, "var");
  const Shape s = tape_ptr()->shape(id_);
  if (!s.is_scalar()) throw ShapeError(fmt::format("item: value is not a scalar; shape is {}", s));
  return tape_ptr()->value_ptr(id_)[0];
}

template <class T>
bool Var<T>::requires_grad() const {
  tape().check(*this, "var");
  return tape_ptr()->needs_grad(id_);
}

template <class T>
bool Tape<T>::kept_since(std::uint64_t generation, std::uint32_t size) const {
  if (generation == generation_) return true;
  auto it = std::upper_bound(rewinds_.begin(), rewinds_.end(), generation,
                             [](std::uint64_t g, const Rewind& r) { return g < r.generation; });
  return it != rewinds_.end() && size <= it->kept;
}

template <class T>
bool Tape<T>::is_live(Var<T> v) const {
  if (v.tape_ptr() != this) return false;
  if (is_current(v)) return true;
  // Made earlier: live if every rewind since kept its record.
  const std::uint64_t made = v.generation();
  return made < generation_ && v.id_ < count_ && kept_since(made, v.id_ + 1);
}

template <class T>
void Tape<T>::reject(Var<T> v, std::string_view op) const {
  if (v.tape_ptr() != this)
    throw std::logic_error(fmt::format("{}: {}", op, v.tape_ptr() ? "tape: handle belongs to another tape"
                                                             : "empty handle (default-constructed Var)"));
  throw std::logic_error(
      fmt::format("{}: tape: stale handle to record {}: the tape was cleared or rewound since it "
                  "was recorded",
                  op, v.id_));
}

template <class T>
Tape<T>::Tape() {
  next_generation();
  rewinds_.push_back({generation_, 0});
}

template <class T>
void Tape<T>::next_generation() {
  ++generation_;
  const auto address = static_cast<typename Var<T>::Word>(reinterpret_cast<std::uintptr_t>(this));
  if (address & ~Var<T>::kAddressMask)
    throw std::runtime_error("tape: its address does not fit in 48 bits (see Var::word)");
  word_ = address | ((generation_ >> 30) << Var<T>::kAddressBits);
  stamp_ = static_cast<std::uint32_t>(generation_) & Var<T>::kGenerationMask;
  anomaly_record_ = ~std::uint32_t{0};
}

// ---------------------------------------------------------------- recording

template <class T>
void Tape<T>::grow(std::uint32_t records, std::uint32_t operands) {
  static constexpr std::uint64_t most = std::uint64_t{1} << 31;
  auto bigger = [](std::uint64_t have, std::uint64_t need, std::uint64_t first) {
    std::uint64_t c = have ? have : first;
    while (c < need) c *= 2;
    return std::min(c, std::max(most, need));
  };
  if (std::uint64_t{count_} + records > most || std::uint64_t{operands_} + operands > 2 * most)
    throw std::length_error("tape: more than 2^31 records");
  if (count_ + records > capacity_) {
    const auto capacity = static_cast<std::uint32_t>(bigger(capacity_, std::uint64_t{count_} + records, 1024));
    const T* old_value = value_.data();
    const T* old_adjoint = adjoint_.data();
    const std::uint32_t old = capacity_;
    value_.grow(count_, capacity);
    adjoint_.grow(count_, capacity);  // past count_ all zero (see adjoint_)
    body_.grow(count_, capacity);
    meta_.grow(count_, capacity);
    capacity_ = capacity;
    // Tensor records point into the columns for (1, 1) values: move those pointers.
    auto rebase = [&](auto*& p) {
      using P = std::remove_reference_t<decltype(p)>;
      if (p >= old_value && p < old_value + old) p = const_cast<P>(value_.data() + (p - old_value));
      else if (p >= old_adjoint && p < old_adjoint + old) p = const_cast<P>(adjoint_.data() + (p - old_adjoint));
    };
    if (old && (old_value != value_.data() || old_adjoint != adjoint_.data()))
      for (TensorRecord<T>& r : tensors_) {
        rebase(r.value);
        rebase(r.grad);
        for (int k = 0; k < 3; ++k) {
          rebase(r.x[k]);
          rebase(r.gx[k]);
        }
      }
  }
  if (operands_ + operands > operand_capacity_) {
    const auto capacity = static_cast<std::uint32_t>(
        bigger(operand_capacity_, std::uint64_t{operands_} + operands, 2048));
    partial_.grow(operands_, capacity);
    input_.grow(operands_, capacity);
    operand_capacity_ = capacity;
  }
  limit_ = recording_ ? capacity_ : 0;
}

template <class T>
typename Tape<T>::Statement Tape<T>::push_statement_slow(Op op, T z, std::uint32_t n, bool needs) {
  if (!recording_) {
    // no_grad: the value alone, as a constant; the operands go nowhere.
    if (count_ >= capacity_) grow(1, 0);
    const std::uint32_t id = count_++;
    value_[id] = z;
    body_[id] = operands_;
    meta_[id] = meta_of(Op::leaf, Role::constant, false, false);
    return {Var<T>(word_, id, stamp_), scratch_partial_.data(), scratch_input_.data()};
  }
  grow(1, n);
  return push_statement(op, z, n, needs);
}

template <class T>
TensorRecord<T>& Tape<T>::push_tensor(Op op, Role role, bool needs) {
  if (count_ >= capacity_) grow(1, 0);
  const std::uint32_t id = count_++;
  value_[id] = adjoint_[id] = T(0);
  body_[id] = static_cast<std::uint32_t>(tensors_.size());
  meta_[id] = meta_of(op, role, needs, true);
  TensorRecord<T>& r = tensors_.emplace_back(typename TensorRecord<T>::Unset{});
  r.value = r.grad = r.aux = nullptr;
  for (int k = 0; k < 3; ++k) {
    r.x[k] = nullptr;
    r.gx[k] = nullptr;
    r.in[k] = 0;
  }
  r.source = nullptr;
  r.attr = {};
  r.id = id;
  r.op = op;
  r.inputs = 0;
  r.reduction = Reduction::mean;
  r.activation = Op::leaf;
  return r;
}

template <class T>
Var<T> Tape<T>::leaf(TensorView<T> value, Role role, bool needs_grad) {
  const std::size_t size = value.size();
  if (value.shape.is_scalar()) return scalar_leaf(value.data[0], role, needs_grad);
  T* v = arena_.allocate(size);
  std::copy_n(value.data, size, v);
  T* g = nullptr;
  if (needs_grad) {
    g = arena_.allocate(size);
    std::fill_n(g, size, T(0));
  }
  TensorRecord<T>& r = push_tensor(Op::leaf, role, needs_grad);
  r.shape = value.shape;
  r.value = v;
  r.grad = g;
  return handle(r.id);
}

template <class T>
Var<T> Tape<T>::parameter(Parameter<T>& p) {
  if (p.grad.shape() != p.value.shape()) p.grad = Tensor<T>::zeros(p.value.shape());
  parameters_.emplace_back(count_, &p);
  TensorRecord<T>& r = push_tensor(Op::leaf, Role::parameter, true);
  r.shape = p.value.shape();
  r.value = p.value.data();
  r.grad = p.grad.data();
  if (naming_) r.source = &p;  // its name, read when a dump asks
  // Its value is the Parameter's storage, never the scalar column.
  return Var<T>(word_, r.id, stamp_ | Var<T>::kTensor | Var<T>::kNeeds);
}

template <class T>
typename Tape<T>::Pushed Tape<T>::push(Op op, Shape shape, std::initializer_list<Var<T>> inputs,
                                       Attr attr, std::size_t aux_size) {
  if (anomaly_) [[unlikely]] check_inputs(op_name(op), count_, inputs);
  if (count_ >= capacity_) [[unlikely]] grow(1, 0);
  // Every field is written once, here: a small op's whole forward costs
  // little more than its record.
  const std::uint32_t id = count_++;
  TensorRecord<T>& r = tensors_.emplace_back(typename TensorRecord<T>::Unset{});
  // The op and its inputs are kept even when not recording: forward reads them.
  bool needs = false;
  int k = 0;
  for (const Var<T>& v : inputs) {
    const std::uint32_t in = v.id_;
    const std::uint16_t meta = meta_[in];
    const bool input_needs = meta & kNeedsGrad;
    if (meta & kTensorBody) {
      const TensorRecord<T>& t = tensors_[body_[in]];
      r.x[k] = t.value;
      r.gx[k] = input_needs ? t.grad : nullptr;
      r.sx[k] = t.shape;
    } else {
      r.x[k] = value_.data() + in;
      r.gx[k] = input_needs ? adjoint_.data() + in : nullptr;
      r.sx[k] = {1, 1};
    }
    r.in[k] = in;
    needs = needs || input_needs;
    ++k;
  }
  r.inputs = static_cast<std::uint8_t>(k);
  for (; k < 3; ++k) {
    r.x[k] = nullptr;
    r.gx[k] = nullptr;
    r.in[k] = 0;
  }
  needs = needs && recording_;
  value_[id] = adjoint_[id] = T(0);
  body_[id] = static_cast<std::uint32_t>(tensors_.size() - 1);
  meta_[id] = meta_of(recording_ ? op : Op::leaf, recording_ ? Role::intermediate : Role::constant, needs, true);
  const bool scalar = shape.is_scalar();
  const std::size_t size = shape.size();
  r.value = scalar ? value_.data() + id : arena_.allocate(size);
  r.grad = nullptr;
  if (needs) {
    if (scalar) {
      r.grad = adjoint_.data() + id;
    } else {
      r.grad = arena_.allocate(size);
      std::fill_n(r.grad, size, T(0));
    }
  }
  r.aux = aux_size ? arena_.allocate(aux_size) : nullptr;
  r.source = nullptr;
  r.attr = attr;
  r.id = id;
  r.shape = shape;
  r.op = op;
  r.reduction = Reduction::mean;
  r.activation = Op::leaf;
  // A (1, 1) value lives in the scalar column; see Var::word.
  return {Var<T>(word_, id, stamp_ | (scalar ? 0u : Var<T>::kTensor) | (needs ? Var<T>::kNeeds : 0u)), r};
}

template <class T>
Var<T> Tape<T>::custom(Shape shape, std::initializer_list<Var<T>> inputs,
                       CustomBackward backward) {
  for (const Var<T>& v : inputs) check(v, "custom");
  if (inputs.size() > 3) throw std::invalid_argument("custom: at most 3 inputs");
  Pushed r = push(Op::custom, shape, inputs);
  if (needs_grad(r.var.id())) custom_.emplace_back(r.var.id(), std::move(backward));
  return r.var;
}

template <class T>
const typename Tape<T>::CustomBackward& Tape<T>::custom_backward(std::uint32_t id) const {
  auto it = std::find_if(custom_.begin(), custom_.end(), [id](const auto& c) { return c.first == id; });
  assert(it != custom_.end());
  return it->second;
}

template <class T>
std::uint32_t Tape<T>::operand_end(std::uint32_t id) const {
  for (std::uint32_t next = id + 1; next < count_; ++next)
    if (!is_tensor(next)) return body_[next];
  return operands_;
}

template <class T>
Node<T> Tape<T>::node(std::uint32_t id) const {
  Node<T> n;
  n.op = op(id);
  n.role = role(id);
  n.value = value_ptr(id);
  n.grad = grad_ptr(id);
  if (is_tensor(id)) {
    const TensorRecord<T>& r = tensor_of(id);
    n.aux = r.aux;
    n.shape = r.shape;
    n.attr = r.attr;
    if (n.op == Op::leaf) return n;  // a leaf, or a value computed without history
    std::copy_n(r.in, 3, n.in.begin());
    n.inputs = r.inputs;
    n.reduction = r.reduction;
    n.activation = r.activation;
    return n;
  }
  n.scalar_record = n.op != Op::leaf;
  if (!n.scalar_record) return n;
  const std::uint32_t begin = body_[id], end = operand_end(id);
  n.inputs = static_cast<std::uint8_t>(end - begin);
  for (std::uint32_t k = 0; k < n.inputs; ++k) {
    n.in[k] = input_[begin + k];
    n.partial[k] = partial_[begin + k];
  }
  auto it = std::lower_bound(attrs_.begin(), attrs_.end(), id,
                             [](const AttrEntry& e, std::uint32_t i) { return e.id < i; });
  if (it != attrs_.end() && it->id == id) n.attr = it->attr;
  return n;
}

// ---------------------------------------------------------------- rewinding

template <class T>
void Tape<T>::rewind(Mark m) {
  if (m.tape != this)
    throw std::logic_error(m.tape ? "rewind: the mark was taken on another tape"
                                  : "rewind: the mark was not taken with mark()");
  if (m.size > count_ || m.operands > operands_ || !kept_since(m.generation, m.size))
    throw std::logic_error(
        "rewind: stale mark: the tape was cleared or rewound below it since it was taken");
  rewind_to(m);
}

template <class T>
void Tape<T>::rewind_to(Mark m) {
  if (capacity_) std::fill(adjoint_.data() + m.size, adjoint_.data() + count_, T(0));
  count_ = m.size;
  operands_ = m.operands;
  arena_.rewind(m.arena);
  next_generation();
  have_output_ = false;
  reached_ready_ = false;
  if (m.size == 0) {  // clear(): every training step's, so without the searches below
    walked_ = false;
    rewinds_.clear();
    tensors_.clear();
    attrs_.clear();
    parameters_.clear();
    labels_.clear();
    custom_.clear();
    names_.clear();
  } else {
    while (!rewinds_.empty() && rewinds_.back().kept >= m.size) rewinds_.pop_back();
    while (!tensors_.empty() && tensors_.back().id >= m.size) tensors_.pop_back();
    while (!attrs_.empty() && attrs_.back().id >= m.size) attrs_.pop_back();
    while (!parameters_.empty() && parameters_.back().first >= m.size) parameters_.pop_back();
    std::erase_if(labels_, [&](const Label& l) { return l.id >= m.size; });
    std::erase_if(custom_, [&](const auto& c) { return c.first >= m.size; });
    std::uint32_t end = 0;
    for (const Label& l : labels_)
      if (!l.text) end = std::max(end, l.offset + l.length);
    names_.resize(end);
  }
  rewinds_.push_back({generation_, m.size});
}

template <class T>
void Tape<T>::zero_grad() {
  for (std::uint32_t id = 0; id < count_; ++id) {
    if (role(id) != Role::variable || !needs_grad(id)) continue;
    T* g = grad_ptr(id);
    std::fill_n(g, shape(id).size(), T(0));
  }
}

// ---------------------------------------------------------------- names

template <class T>
void Tape<T>::set_name(Var<T> v, std::string_view name, int layer) {
  check(v, "set_name");
  const auto offset = static_cast<std::uint32_t>(names_.size());
  names_.append(name);
  labels_.push_back({v.id_, layer, nullptr, offset, static_cast<std::uint32_t>(name.size())});
}

template <class T>
std::string_view Tape<T>::name(std::uint32_t id) const {
  // Latest label wins, so a record can be renamed.
  for (auto it = labels_.rbegin(); it != labels_.rend(); ++it)
    if (it->id == id)
      return it->text ? std::string_view(it->text, it->length)
                      : std::string_view(names_).substr(it->offset, it->length);
  if (id < count_ && is_tensor(id))
    if (const Parameter<T>* p = tensor_of(id).source) return p->name;
  return {};
}

template <class T>
int Tape<T>::layer(std::uint32_t id) const {
  for (auto it = labels_.rbegin(); it != labels_.rend(); ++it)
    if (it->id == id) return it->layer;
  return -1;
}

// ---------------------------------------------------------------- backward

template <class T>
void Tape<T>::backward(Var<T> output) {
  check(output, "backward");
  if (!shape(output.id_).is_scalar())
    throw std::logic_error(fmt::format(
        "backward: output is {}, not a scalar; pass a starting gradient of the same shape",
        shape(output.id_)));
  const T one = 1;
  backward(output, TensorView<T>{&one, {1, 1}});
}

template <class T>
void Tape<T>::backward(Var<T> output, TensorView<T> gradient) {
  check(output, "backward");
  const std::uint32_t out = output.id_;
  const Shape out_shape = shape(out);
  if (gradient.shape != out_shape)
    fail_shapes("backward", "starting gradient shape differs from output shape", "output", out_shape,
                "gradient", gradient.shape);
  if (!needs_grad(out))
    throw std::logic_error(
        "backward: output depends on no variable or parameter, so there is nothing to "
        "differentiate");
  // Intermediate gradients restart at zero on every walk; leaves accumulate.
  // Records start zeroed, so only a repeated walk needs this pass.
  if (walked_) {
    for (std::uint32_t id = 0; id <= out; ++id) {
      if (op(id) == Op::leaf || !needs_grad(id)) continue;  // leaves keep theirs
      if (is_tensor(id)) std::fill_n(tensor_of(id).grad, tensor_of(id).shape.size(), T(0));
      else adjoint_[id] = T(0);
    }
  }
  // The tape writes into each parameter's storage as recorded: storage that
  // was reassigned since (`p.grad = ...`) would be written after being freed.
  for (const auto& [id, p] : parameters_) {
    const TensorRecord<T>& r = tensor_of(id);
    if (r.value != p->value.data() || r.grad != p->grad.data())
      throw std::logic_error(fmt::format(
          "backward: parameter{}{}'s value or grad was reassigned or resized after the tape "
          "recorded it; record again after changing a parameter (docs/engine-safety.md)",
          p->name.empty() ? "" : " ", p->name));
    p->backward_owner.tape.store(this, std::memory_order_relaxed);
  }
  walked_ = true;
  T* root = grad_ptr(out);
  for (std::size_t k = 0; k < gradient.size(); ++k) root[k] += gradient[k];
  last_output_ = out;
  have_output_ = true;
  reached_ready_ = false;
  if (anomaly_) [[unlikely]] {
    check_inputs("backward", -1, {output});
    walk<true>(out);
  } else {
    walk<false>(out);
  }
  check_parameters_after_backward();
}

template <class T>
void Tape<T>::check_parameters_after_backward() const {
  for (const auto& entry : parameters_) {
    const Parameter<T>* p = entry.second;
    if (p->backward_owner.tape.load(std::memory_order_relaxed) != this)
      throw std::logic_error(fmt::format(
          "backward: parameter{}{} received gradients from another backward pass at the same "
          "time (a tape on another thread), so its gradient is unreliable: give each thread its "
          "own parameters and sum their gradients (docs/engine-safety.md)",
          p->name.empty() ? "" : " ", p->name));
  }
}

template <class T>
void Tape<T>::run_tensor_rule(const TensorRecord<T>& r) {
  // A tensor whose gradient is all zero was not reached: nothing to hand back.
  const std::size_t size = r.shape.size();
  bool zero = true;
  for (std::size_t k = 0; k < size && zero; ++k) zero = math::is_zero(r.grad[k]);
  if (!zero) detail::run_rule(*this, r);
}

// The reverse walk, written once: from the output back, each record hands
// its gradient to its inputs. Creation order is a topological order, so every
// consumer of a record is walked before it. The records between two tensor
// records are scalar statements (and leaves, whose operands are none); each
// tensor record's rule is one call through the table of rules. In anomaly
// mode (`checked`) each record's hand-back is checked as soon as it is done.
template <class T>
template <bool checked>
void Tape<T>::walk(std::uint32_t out) {
  const std::uint32_t* body = body_.data();
  T* adjoint = adjoint_.data();
  const T* partial = partial_.data();
  const std::uint32_t* input = input_.data();
  // The tensor records at or below the output.
  std::size_t t = static_cast<std::size_t>(
      std::upper_bound(tensors_.begin(), tensors_.end(), out,
                       [](std::uint32_t id, const TensorRecord<T>& r) { return id < r.id; }) -
      tensors_.begin());
  std::uint32_t end = operand_end(out);  // of the scalar statement walked next
  std::uint32_t top = out + 1;           // the run of scalar records below `top`
  for (;;) {
    std::uint32_t bottom = t ? tensors_[t - 1].id + 1 : 0;
    // Leaves hand nothing back, and a tape often starts with many of them (W5:
    // 100,000 variables): the last run ends at the first record an op made.
    if (!t)
      while (bottom < top && (meta_[bottom] & kOpMask) == 0) ++bottom;
    for (std::uint32_t id = top; id-- > bottom;) {
      const std::uint32_t begin = body[id];
      hand_back(adjoint, partial, input, adjoint[id], begin, end);
      end = begin;
      if constexpr (checked) check_gradients_from(id);
    }
    if (!t) break;
    const TensorRecord<T>& r = tensors_[--t];
    if (op(r.id) != Op::leaf && needs_grad(r.id)) run_tensor_rule(r);
    if constexpr (checked) check_gradients_from(r.id);
    top = r.id;
  }
}

template <class T>
void Tape<T>::propagate(std::uint32_t id) {
  if (op(id) == Op::leaf || !needs_grad(id)) return;
  if (is_tensor(id)) detail::run_rule(*this, tensor_of(id));
  else hand_back(adjoint_.data(), partial_.data(), input_.data(), adjoint_[id], body_[id], operand_end(id));
}

template <class T>
bool Tape<T>::has_grad(std::uint32_t id) const {
  if (!reached_ready_) {
    // The records the last backward reached: the output, and each input that
    // needs a gradient of a reached record.
    reached_ready_ = true;
    reached_.assign(count_, false);
    if (have_output_ && last_output_ < count_) {
      reached_[last_output_] = true;
      for (std::uint32_t r = last_output_ + 1; r-- > 0;) {
        if (!reached_[r]) continue;
        const Node<T> n = node(r);
        for (int k = 0; k < n.inputs; ++k)
          if (needs_grad(n.in[k])) reached_[n.in[k]] = true;
      }
    }
  }
  return id < count_ && id < reached_.size() && needs_grad(id) && reached_[id];
}

// ---------------------------------------------------------------- anomaly mode

namespace {

// Index of the first element of p[0, n) that is not finite, or n.
template <class T>
std::size_t first_non_finite(const T* p, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k)
    if (!math::isfinite(p[k])) return k;
  return n;
}

}  // namespace

template <class T>
std::string Tape<T>::describe_range(std::uint32_t id, const T* values) const {
  // `name (rows, cols) in [min, max]`, NaN noted apart (it has no order).
  const Shape s = shape(id);
  const std::string_view label = name(id);
  std::string out = label.empty() ? fmt::format("t{}", id) : std::string(label);
  out += fmt::format(" {}", s);
  bool any = false, nan = false;
  double lo = 0, hi = 0;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const auto x = static_cast<double>(values[k]);
    if (std::isnan(x)) {
      nan = true;
      continue;
    }
    lo = any ? std::min(lo, x) : x;
    hi = any ? std::max(hi, x) : x;
    any = true;
  }
  if (any) out += fmt::format(" in [{:.6g}, {:.6g}]", lo, hi);
  if (nan) out += any ? " and nan" : " all nan";
  return out;
}

template <class T>
void Tape<T>::check_inputs(std::string_view consumer, std::int64_t consumer_id,
                           std::initializer_list<Var<T>> inputs) {
  for (const Var<T>& v : inputs) {
    check(v, consumer);
    if (first_non_finite(value_ptr(v.id_), shape(v.id_).size()) < shape(v.id_).size())
      report_forward(v.id_, consumer, consumer_id);
  }
}

template <class T>
void Tape<T>::report_forward(std::uint32_t bad, std::string_view consumer,
                             std::int64_t consumer_id) {
  // Up the graph to the record that made a non-finite value from finite inputs.
  std::string consumer_text =
      consumer_id >= 0 ? fmt::format("{} (record {})", consumer, consumer_id) : std::string(consumer);
  for (;;) {
    const Node<T> n = node(bad);
    int k = 0;
    while (k < n.inputs &&
           first_non_finite(value_ptr(n.in[k]), shape(n.in[k]).size()) == shape(n.in[k]).size())
      ++k;
    if (k == n.inputs) break;
    consumer_text = fmt::format("{} (record {})", op_name(n.op), bad);
    bad = n.in[k];
  }
  anomaly_record_ = bad;
  anomaly_backward_ = false;
  const Node<T> n = node(bad);
  const std::size_t at = first_non_finite(n.value, n.shape.size());
  const std::string_view label = name(bad);
  const std::string record = label.empty() ? fmt::format("t{} (record {})", bad, bad)
                                           : fmt::format("{} (record {})", label, bad);
  std::string what;
  if (n.op == Op::leaf) {
    what = fmt::format("{} {} holds {} at ({}, {})", role_name(n.role), record, n.value[at],
                       at / n.shape.cols, at % n.shape.cols);
  } else {
    what = fmt::format("{} made {} at ({}, {}) of {} from finite inputs", op_name(n.op),
                       n.value[at], at / n.shape.cols, at % n.shape.cols, record);
    for (int k = 0; k < n.inputs; ++k)
      what += fmt::format("{} {}", k ? "," : "", describe_range(n.in[k], value_ptr(n.in[k])));
  }
  throw AnomalyError(fmt::format("anomaly: forward: {}; consumed by {}", what, consumer_text), bad,
                     false);
}

template <class T>
void Tape<T>::report_backward(std::uint32_t input, std::uint32_t consumer) {
  anomaly_record_ = input;
  anomaly_backward_ = true;
  const Shape s = shape(input);
  const T* g = grad_ptr(input);
  const std::size_t at = first_non_finite(g, s.size());
  const Node<T> n = node(consumer);
  std::string inputs;
  for (int k = 0; k < n.inputs; ++k)
    inputs += fmt::format("{}{}", k ? ", " : "", describe_range(n.in[k], value_ptr(n.in[k])));
  const std::string_view input_name = name(input), consumer_name = name(consumer);
  throw AnomalyError(
      fmt::format("anomaly: backward: the gradient of {} (record {}) became {} at ({}, {}) in the "
                  "backward rule of {} (record {}{}{}), which consumed it; {}'s inputs: {}; the "
                  "gradient of {}",
                  input_name.empty() ? fmt::format("t{}", input) : std::string(input_name), input,
                  g[at], at / s.cols, at % s.cols, op_name(n.op), consumer,
                  consumer_name.empty() ? "" : ", ", consumer_name, op_name(n.op), inputs,
                  describe_range(consumer, grad_ptr(consumer))),
      input, true);
}

template <class T>
void Tape<T>::check_gradients_from(std::uint32_t id) {
  const Node<T> n = node(id);
  for (int k = 0; k < n.inputs; ++k)
    if (const T* g = grad_ptr(n.in[k]))
      if (first_non_finite(g, shape(n.in[k]).size()) < shape(n.in[k]).size())
        report_backward(n.in[k], id);
}

template class Tape<float>;
template class Tape<double>;
template class Var<float>;
template class Var<double>;
// Forward mode and second derivatives (autograd/forward_mode.hpp).
template class Tape<Dual<float>>;
template class Tape<Dual<double>>;
template class Var<Dual<float>>;
template class Var<Dual<double>>;

}  // namespace tapegrad
