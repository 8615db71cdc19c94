// Tape: recording, handle checks, and the reverse walk.
#include "autograd/tape.hpp"

#include <cassert>
#include <mutex>
#include <unordered_set>

#include "autograd/registry.hpp"

namespace tapegrad {

std::string_view intern_name(std::string_view name) {
  static std::mutex mutex;
  static std::unordered_set<std::string> names;
  const std::lock_guard<std::mutex> lock(mutex);
  return *names.emplace(name).first;
}

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
bool Tape<T>::kept_since(std::uint64_t epoch, std::uint32_t size) const {
  if (epoch == epoch64_) return true;
  auto it = std::upper_bound(floors_.begin(), floors_.end(), epoch,
                             [](std::uint64_t e, const auto& f) { return e < f.first; });
  return it != floors_.end() && size <= it->second;
}

template <class T>
void Tape<T>::check_old(Var<T> v, std::string_view op) const {
  // Live if every rewind since the handle was made kept its record.
  const std::uint64_t made = epoch_of(v);
  if (v.tape_ptr() == this && made < epoch64_ && v.id_ < count_ && kept_since(made, v.id_ + 1))
    return;
  reject(v, op);
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
void Tape<T>::grow() {
  const std::uint32_t old = capacity_;
  constexpr std::uint32_t most = std::uint32_t{1} << 31;
  if (old >= most) throw std::length_error("tape: more than 2^31 records");
  const std::uint32_t capacity = old == 0 ? 1024 : old >= most / 2 ? most : old * 2;
  auto move = [&](auto& array) {
    using U = std::remove_reference_t<decltype(array[0])>;
    std::unique_ptr<U[]> bigger(new U[capacity]);
    if (old) std::memcpy(bigger.get(), array.get(), std::size_t{count_ + 1} * sizeof(U));
    array = std::move(bigger);
  };
  const T* old_val = val_.get();
  const T* old_adj = adj_.get();
  move(rec_);
  move(val_);
  move(adj_);
  move(meta_);
  // Tensor records point into the slots of (1, 1) values: move those pointers.
  auto rebase = [&](auto*& p) {
    using P = std::remove_reference_t<decltype(p)>;
    if (p >= old_val && p < old_val + old) p = const_cast<P>(val_.get() + (p - old_val));
    else if (p >= old_adj && p < old_adj + old) p = const_cast<P>(adj_.get() + (p - old_adj));
  };
  if (old)
    for (TensorRecord<T>& r : tensors_) {
      rebase(r.value);
      rebase(r.grad);
      for (int k = 0; k < 3; ++k) {
        rebase(r.x[k]);
        rebase(r.gx[k]);
      }
    }
  if (old == 0) {  // the sink
    rec_[0] = {{T(0), T(0)}, {0, 0}};
    val_[0] = adj_[0] = T(0);
    meta_[0] = kConstantLeaf | kSlot;
  }
  std::fill(adj_.get() + count_ + 1, adj_.get() + capacity, T(0));
  capacity_ = capacity;
  limit_ = recording_ ? capacity_ : 0;
}

template <class T>
bool Tape<T>::make_room() {
  if (count_ + 1 >= capacity_) grow();
  return recording_;
}

template <class T>
Var<T> Tape<T>::push_constant(T z) {
  const std::uint32_t s = ++count_;
  val_[s] = z;
  rec_[s] = {{T(0), T(0)}, {0, 0}};
  meta_[s] = kConstantLeaf | kSlot;
  return Var<T>(word_, s - 1, epoch_);
}

template <class T>
TensorRecord<T>& Tape<T>::push_tensor_slot(Op op, Role role, std::uint32_t flags, bool history) {
  if (count_ + 1 >= capacity_) grow();
  const std::uint32_t s = ++count_;
  set_tensor_slot(s, static_cast<std::uint32_t>(tensors_.size()),
                  (history ? static_cast<std::uint32_t>(op) : 0u) |
                      (static_cast<std::uint32_t>(role) << kRoleShift) | flags);
  TensorRecord<T>& r = tensors_.emplace_back(typename TensorRecord<T>::Unset{});
  r.value = r.grad = r.aux = nullptr;
  for (int k = 0; k < 3; ++k) {
    r.x[k] = nullptr;
    r.gx[k] = nullptr;
    r.in[k] = 0;
  }
  r.source = nullptr;
  r.attr = {};
  r.id = s - 1;
  r.op = op;
  r.inputs = 0;
  r.role = role;
  r.reduction = Reduction::mean;
  return r;
}

template <class T>
Var<T> Tape<T>::leaf(TensorView<T> value, Role role, bool needs_grad) {
  const std::size_t size = value.size();
  if (value.shape.is_scalar()) {
    const T x = value.data[0];
    return scalar_leaf(x, role, needs_grad ? kNeedsGrad : 0);
  }
  T* v = arena_.allocate(size);
  std::copy_n(value.data, size, v);
  T* g = nullptr;
  if (needs_grad) {
    g = arena_.allocate(size);
    std::fill_n(g, size, T(0));
  }
  TensorRecord<T>& r = push_tensor_slot(Op::leaf, role, needs_grad ? kNeedsGrad : 0);
  r.shape = value.shape;
  r.value = v;
  r.grad = g;
  return handle(r.id);
}

template <class T>
Var<T> Tape<T>::parameter(Parameter<T>& p) {
  if (p.grad.shape() != p.value.shape()) p.grad = Tensor<T>::zeros(p.value.shape());
  parameters_.emplace_back(count_, &p);
  TensorRecord<T>& r = push_tensor_slot(Op::leaf, Role::parameter, kNeedsGrad);
  r.shape = p.value.shape();
  r.value = p.value.data();
  r.grad = p.grad.data();
  if (naming_) r.source = &p;  // its name, read when a dump asks
  return handle(r.id);
}

template <class T>
typename Tape<T>::Pushed Tape<T>::push(Op op, Shape shape, std::initializer_list<Var<T>> inputs,
                                       Attr attr, std::size_t aux_size) {
  if (anomaly_) [[unlikely]] check_inputs(op_name(op), count_, inputs);
  // Every field written once: this is most of a small tensor op's cost.
  if (count_ + 1 >= capacity_) grow();
  const std::uint32_t s = ++count_;
  const auto index = static_cast<std::uint32_t>(tensors_.size());
  TensorRecord<T>& r = tensors_.emplace_back(typename TensorRecord<T>::Unset{});
  std::uint32_t needs = 0;
  int k = 0;
  for (const Var<T>& v : inputs) {
    r.in[k] = v.id_;
    resolve(v.id_, r.x[k], r.gx[k], r.sx[k]);
    if (r.gx[k]) needs = kNeedsGrad;
    ++k;
  }
  r.inputs = static_cast<std::uint8_t>(k);
  for (; k < 3; ++k) {
    r.in[k] = 0;
    r.x[k] = nullptr;
    r.gx[k] = nullptr;
  }
  // The op and its inputs are kept even when not recording: forward reads them.
  if (!recording_) [[unlikely]] needs = 0;
  const bool slot = shape.is_scalar();
  const std::size_t size = shape.size();
  r.value = slot ? val_.get() + s : arena_.allocate(size);
  r.grad = nullptr;
  if (needs) {
    if (slot) {
      r.grad = adj_.get() + s;
    } else {
      r.grad = arena_.allocate(size);
      std::fill_n(r.grad, size, T(0));
    }
  }
  r.aux = aux_size ? arena_.allocate(aux_size) : nullptr;
  r.source = nullptr;
  r.attr = attr;
  r.id = s - 1;
  r.shape = shape;
  r.op = op;
  r.role = recording_ ? Role::intermediate : Role::constant;
  r.reduction = Reduction::mean;
  set_tensor_slot(s, index,
                  (recording_ ? static_cast<std::uint32_t>(op) : 0u) |
                      (static_cast<std::uint32_t>(r.role) << kRoleShift) | needs | (slot ? kSlot : 0u));
  return {Var<T>(word_, s - 1, epoch_ | (slot ? 0u : Var<T>::kNotSlot) | (needs ? Var<T>::kNeeds : 0u)),
          r};
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
Node<T> Tape<T>::node(std::uint32_t id) const {
  Node<T> n;
  const std::uint32_t m = meta_[id + 1];
  n.op = op(id);
  n.role = role(id);
  n.value = value_ptr(id);
  n.grad = grad_ptr(id);
  if (m & kTensor) {
    const TensorRecord<T>& r = tensor_of(id);
    n.aux = r.aux;
    n.shape = r.shape;
    n.attr = r.attr;
    if (n.op == Op::leaf) return n;  // a leaf, or a value computed without history
    std::copy_n(r.in, 3, n.in);
    n.inputs = r.inputs;
    n.reduction = r.reduction;
    return n;
  }
  const ScalarRecord<T>& r = rec_[id + 1];
  n.scalar_record = n.op != Op::leaf;
  if (!n.scalar_record) return n;
  n.partial[0] = r.d[0];
  n.in[0] = r.in[0] - 1;
  n.inputs = 1;
  if (r.in[1] != 0) {
    n.partial[1] = r.d[1];
    n.in[1] = r.in[1] - 1;
    n.inputs = 2;
  } else {
    n.attr.p = static_cast<double>(r.d[1]);
  }
  return n;
}

template <class T>
Tape<T>::Tape() : word_(reinterpret_cast<std::uintptr_t>(this)) {
  if (word_ & ~Var<T>::kAddressMask)
    throw std::runtime_error("tape: its address does not fit in 48 bits (see Var::tape_word)");
}

template <class T>
void Tape<T>::next_epoch() {
  ++epoch64_;
  epoch_ = static_cast<std::uint32_t>(epoch64_) & Var<T>::kEpochMask;
  word_ = (reinterpret_cast<std::uintptr_t>(this) & Var<T>::kAddressMask) |
          ((epoch64_ >> 30) << Var<T>::kEraShift);
  scalar_epoch_ = epoch_ | (anomaly_ ? Var<T>::kNeeds : 0u);
  anomaly_record_ = ~std::uint32_t{0};
}

template <class T>
void Tape<T>::rewind(Mark m) {
  if (m.tape != this)
    throw std::logic_error(m.tape ? "rewind: the mark was taken on another tape"
                                  : "rewind: the mark was not taken with mark()");
  if (m.size > count_ || !kept_since(m.epoch, m.size))
    throw std::logic_error(
        "rewind: stale mark: the tape was cleared or rewound below it since it was taken");
  rewind_to(m);
}

template <class T>
void Tape<T>::rewind_to(Mark m) {
  if (capacity_) std::fill(adj_.get() + m.size + 1, adj_.get() + count_ + 1, T(0));
  if (m.size == 0) {  // clear(): every training step's, so without the searches below
    count_ = 0;
    arena_.rewind(m.arena);
    walked_ = false;
    next_epoch();
    floors_.clear();
    floors_.emplace_back(epoch64_, 0);
    tensors_.clear();
    parameters_.clear();
    labels_.clear();
    custom_.clear();
    names_.clear();
    have_output_ = false;
    order_ready_ = false;
    reverse_order_.clear();
    if (capacity_) adj_[0] = T(0);
    return;
  }
  count_ = m.size;
  arena_.rewind(m.arena);
  if (m.size == 0) walked_ = false;
  next_epoch();
  while (!floors_.empty() && floors_.back().second >= m.size) floors_.pop_back();
  floors_.emplace_back(epoch64_, m.size);
  while (!tensors_.empty() && tensors_.back().id >= m.size) tensors_.pop_back();
  while (!parameters_.empty() && parameters_.back().first >= m.size) parameters_.pop_back();
  std::erase_if(labels_, [&](const Label& l) { return l.id >= m.size; });
  std::erase_if(custom_, [&](const auto& c) { return c.first >= m.size; });
  std::uint32_t end = 0;
  for (const Label& l : labels_)
    if (!l.text) end = std::max(end, l.offset + l.length);
  names_.resize(end);
  have_output_ = false;
  order_ready_ = false;
  reverse_order_.clear();
  if (capacity_) adj_[0] = T(0);
}

template <class T>
void Tape<T>::zero_grad() {
  for (std::uint32_t id = 0; id < count_; ++id) {
    if (role(id) != Role::variable || !needs_grad(id)) continue;
    T* g = grad_ptr(id);
    std::fill_n(g, shape(id).size(), T(0));
  }
}

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
  if (id < count_ && (meta_[id + 1] & kTensor))
    if (const Parameter<T>* p = tensor_of(id).source) return p->name;
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
    for (std::uint32_t s = 1; s <= out + 1; ++s) {
      const std::uint32_t m = meta_[s];
      if ((m & kOpMask) == 0 || !(m & kNeedsGrad)) continue;  // leaves keep theirs
      if (m & kSlot) {
        adj_[s] = T(0);
      } else {
        const TensorRecord<T>& r = tensors_[rec_[s].in[0]];
        std::fill_n(r.grad, r.shape.size(), T(0));
      }
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
  order_ready_ = false;
  if (anomaly_) [[unlikely]] {
    check_inputs("backward", -1, {output});
    run_backward_checked(out);
  } else {
    run_backward(out);
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
  const T* g = grad_ptr(r.id);
  const std::size_t size = r.shape.size();
  bool zero = true;
  for (std::size_t k = 0; k < size && zero; ++k) zero = math::is_zero(g[k]);
  if (zero) return;
  detail::run_rule(*this, r);
}

template <class T>
void Tape<T>::run_backward(std::uint32_t out) {
  // Creation order is a topological order, so a plain reverse loop suffices:
  // every consumer of a record comes after it on the tape. Runs of scalar
  // records between tensor records are walked by the tight loop below.
  const ScalarRecord<T>* rec = rec_.get();
  T* adj = adj_.get();
  std::size_t k = static_cast<std::size_t>(
      std::upper_bound(tensors_.begin(), tensors_.end(), out,
                       [](std::uint32_t id, const TensorRecord<T>& r) { return id < r.id; }) -
      tensors_.begin());
  std::uint32_t hi = out + 1;  // slots (lo, hi] are scalar records
  for (;;) {
    const std::uint32_t lo = k ? tensors_[k - 1].id + 1 : 0;
    // Leaves hand nothing back, and a run usually starts with its variables
    // (W5: 100,000 of them): skip them here rather than add 0 into the sink
    // for each, one dependent update after another.
    std::uint32_t bottom = lo;
    while (bottom < hi && (meta_[bottom + 1] & kOpMask) == 0) ++bottom;
    for (std::uint32_t s = hi; s > bottom; --s) {
      const T g = adj[s];
      // Unreached records (and zero gradients) hand nothing back; skipping them
      // also keeps 0 * inf from turning into NaN.
      if (math::is_zero(g)) continue;
      const ScalarRecord<T>& r = rec[s];
      adj[r.in[0]] += r.d[0] * g;
      // A unary record's second slot is the sink; skipping it keeps the sink
      // from chaining every unary record into one dependency.
      if (r.in[1]) adj[r.in[1]] += r.d[1] * g;
    }
    if (!k) break;
    const TensorRecord<T>& r = tensors_[--k];
    if ((meta_[lo] & kOpMask) != 0 && (meta_[lo] & kNeedsGrad)) run_tensor_rule(r);
    hi = lo - 1;
  }
}

template <class T>
void Tape<T>::apply_rule(std::uint32_t id) {
  const std::uint32_t s = id + 1;
  const std::uint32_t m = meta_[s];
  if ((m & kOpMask) == 0 || !(m & kNeedsGrad)) return;
  if (m & kTensor) {
    detail::run_rule(*this, tensors_[rec_[s].in[0]]);
    return;
  }
  const ScalarRecord<T>& r = rec_[s];
  const T g = adj_[s];
  if (r.in[0] && (meta_[r.in[0]] & kNeedsGrad)) adj_[r.in[0]] += r.d[0] * g;
  if (r.in[1] && (meta_[r.in[1]] & kNeedsGrad)) adj_[r.in[1]] += r.d[1] * g;
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
void Tape<T>::run_backward_checked(std::uint32_t out) {
  // The reverse walk of run_backward one record at a time, each rule's
  // gradients checked as soon as it has run.
  for (std::uint32_t id = out + 1; id-- > 0;) {
    const std::uint32_t s = id + 1;
    const std::uint32_t m = meta_[s];
    if ((m & kOpMask) == 0 || !(m & kNeedsGrad)) continue;
    if (m & kTensor) {
      run_tensor_rule(tensors_[rec_[s].in[0]]);
    } else {
      const T g = adj_[s];
      if (math::is_zero(g)) continue;
      const ScalarRecord<T>& r = rec_[s];
      adj_[r.in[0]] += r.d[0] * g;
      if (r.in[1]) adj_[r.in[1]] += r.d[1] * g;
    }
    const Node<T> n = node(id);
    for (int k = 0; k < n.inputs; ++k)
      if (const T* g = grad_ptr(n.in[k]))
        if (first_non_finite(g, shape(n.in[k]).size()) < shape(n.in[k]).size())
          report_backward(n.in[k], id);
  }
}

template <class T>
std::span<const std::uint32_t> Tape<T>::reverse_order() const {
  if (order_ready_) return reverse_order_;
  order_ready_ = true;
  reverse_order_.clear();
  reached_.assign(count_, false);
  if (!have_output_ || last_output_ >= count_) return reverse_order_;
  reached_[last_output_] = true;
  for (std::uint32_t id = last_output_ + 1; id-- > 0;) {
    if (!reached_[id]) continue;
    reverse_order_.push_back(id);
    const Node<T> n = node(id);
    if (n.op == Op::leaf) continue;
    for (int k = 0; k < n.inputs; ++k)
      if (needs_grad(n.in[k])) reached_[n.in[k]] = true;
  }
  return reverse_order_;
}

template <class T>
bool Tape<T>::has_grad(std::uint32_t id) const {
  reverse_order();
  return id < count_ && id < reached_.size() && needs_grad(id) && reached_[id];
}

template class Tape<float>;
template class Tape<double>;
template class Var<float>;
template class Var<double>;
// Forward mode and second derivatives (autograd/derivatives.hpp).
template class Tape<Dual<float>>;
template class Tape<Dual<double>>;
template class Var<Dual<float>>;
template class Var<Dual<double>>;

}  // namespace tapegrad
