// Expressions: an assignment of scalar code is recorded as one statement.
//
// `s + w * x` does not record two ops: the operators and elementwise functions
// return small expression objects (UnaryExpr, BinaryExpr) that hold their
// operands. When the expression becomes a Var (assigned, passed, used), it is
// recorded once: its value is computed bottom-up with each row's f, then its
// partial with respect to each leaf by the chain rule, each row's df times
// the partial above it, and one scalar statement holds them all
// (Tape::push_statement). So `s = s + w * x` is one record with two operands,
// as in Adept and CoDiPack.
//
// An expression behaves as a Var: `auto y = a * b + c;` can be read
// (`y.item()`, `y.grad()`), passed and used again; it is recorded the first
// time it is needed, and from then on it is that record. A named expression
// used inside another is recorded first, so `auto y = a * b; auto z = y * y;`
// records y once and z from it, and y.grad() holds dz/dy. Two things differ
// from a Var, as in every expression-template library: a `?:` of two
// different expressions, and a template of your own that deduces Var<T> from
// its argument, need a Var: write `Var<double>(a * b)`.
//
// Tensors, anomaly mode and handles that are not live take the per-op path:
// each op of the expression is recorded by itself (record_op), with its
// checks and messages.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "autograd/rules.hpp"
#include "autograd/tape.hpp"

// Scalar code is a long run of tiny statements: each operator and function
// inlines into its caller, so a statement is a few loads and stores.
#define TAPEGRAD_INLINE [[gnu::always_inline]] inline

namespace tapegrad {

template <Op op, class A>
class UnaryExpr;
template <Op op, class A, class B>
class BinaryExpr;

namespace detail {

template <class X>
inline constexpr bool is_var = false;
template <class T>
inline constexpr bool is_var<Var<T>> = true;
template <class X>
inline constexpr bool is_expr = false;
template <Op op, class A>
inline constexpr bool is_expr<UnaryExpr<op, A>> = true;
template <Op op, class A, class B>
inline constexpr bool is_expr<BinaryExpr<op, A, B>> = true;

/// Records elementwise op `op` on a and (binary ops) b as one record of its
/// own: a tensor record with its forward computed, or the errors a stale or
/// foreign handle deserves (autograd/tensor_ops.cpp).
template <class T>
Var<T> record_op(Op op, Var<T> a, Var<T> b, Attr attr);
/// Throws, naming `op`, unless v is a live handle on the tape of `other`.
template <class T>
void check_operand_slow(Op op, Var<T> v, Var<T> other);

}  // namespace detail

/// A Var or an expression of Vars: what the elementwise functions take.
template <class X>
concept VarLike = detail::is_var<std::remove_cvref_t<X>> || detail::is_expr<std::remove_cvref_t<X>>;
/// The number type of a Var or an expression.
template <class X>
using value_type_t = typename std::remove_cvref_t<X>::value_type;
/// A plain number (any arithmetic type), which converts to a Var's number type.
template <class N>
concept Number = std::is_arithmetic_v<std::remove_cvref_t<N>>;

namespace detail {

// How an operand is held: an expression temporary by value (it becomes part
// of the statement), anything else as a Var (a named expression is recorded
// first: a named value is one record, however often it is used).
template <class X>
inline constexpr bool inlined = is_expr<std::remove_cvref_t<X>> && !std::is_lvalue_reference_v<X> &&
                                !std::is_const_v<std::remove_reference_t<X>>;
template <class X>
using operand_t = std::conditional_t<inlined<X>, std::remove_cvref_t<X>, Var<value_type_t<X>>>;

template <class X>
TAPEGRAD_INLINE operand_t<X&&> hold(X&& x) {
  if constexpr (inlined<X&&>) return std::move(x);
  else if constexpr (is_var<std::remove_cvref_t<X>>) return x;
  else return x.var();
}

// The leaf protocol, for Vars and expressions alike: how many leaves
// (operands of the statement), the first (its tape), whether all are scalars
// a statement may read, the value, the partials.
template <class X>
inline constexpr std::size_t leaf_count = 1;
template <Op op, class A>
inline constexpr std::size_t leaf_count<UnaryExpr<op, A>> = leaf_count<A>;
template <Op op, class A, class B>
inline constexpr std::size_t leaf_count<BinaryExpr<op, A, B>> = leaf_count<A> + leaf_count<B>;
// A number that orders expression types, so that of two different ones
// exactly one converts to the other (see ExpressionBase's converting
// constructor): `c ? a * b : a + b` then has a type.
template <class X>
inline constexpr std::uint64_t type_key = 1;
constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  return (h ^ v) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
}
template <Op op, class A>
inline constexpr std::uint64_t type_key<UnaryExpr<op, A>> = mix(mix(1000 + static_cast<std::uint64_t>(op), type_key<A>), leaf_count<A>);
template <Op op, class A, class B>
inline constexpr std::uint64_t type_key<BinaryExpr<op, A, B>> =
    mix(mix(mix(2000 + static_cast<std::uint64_t>(op), type_key<A>), type_key<B>), leaf_count<A>);
template <class From, class To>
concept converts_to = is_expr<From> && is_expr<To> && !std::is_same_v<From, To> &&
                      std::is_same_v<typename From::value_type, typename To::value_type> &&
                      (leaf_count<From> < leaf_count<To> ||
                       (leaf_count<From> == leaf_count<To> && type_key<From> < type_key<To>));

template <class T>
TAPEGRAD_INLINE Var<T> first_leaf(const Var<T>& v) {
  return v;
}
template <class E>
TAPEGRAD_INLINE auto first_leaf(const E& e) {
  return e.first_leaf();
}
// The leaves' gradient flags, ORed.
template <class T>
TAPEGRAD_INLINE std::uint32_t needs_of(const Var<T>& v) {
  return v.stamp() & Var<T>::kNeeds;
}
template <class E>
TAPEGRAD_INLINE std::uint32_t needs_of(const E& e) {
  return e.needs();
}
// Nonzero if some subexpression is a record already (then the statement is
// recorded op by op, each record read as one leaf).
template <class T>
TAPEGRAD_INLINE std::uint64_t recorded_parts(const Var<T>&) {
  return 0;
}
template <class E>
TAPEGRAD_INLINE std::uint64_t recorded_parts(const E& e) {
  return e.recorded_parts();
}
template <class T>
TAPEGRAD_INLINE T eval(const Var<T>& v, const Tape<T>& tape) {
  return tape.scalar_value(v.id());
}
template <class E, class T>
TAPEGRAD_INLINE T eval(const E& e, const Tape<T>& tape) {
  return e.eval(tape);
}
// Writes each leaf's partial, m times the chain of local derivatives above it.
template <class T>
TAPEGRAD_INLINE void partials(const Var<T>& v, T m, T*& partial, std::uint32_t*& input) {
  *partial++ = m;
  *input++ = v.id();
}
template <class E, class T>
TAPEGRAD_INLINE void partials(const E& e, T m, T*& partial, std::uint32_t*& input) {
  e.partials(m, partial, input);
}
template <class T>
TAPEGRAD_INLINE Var<T> as_var(const Var<T>& v) {
  return v;
}
template <class E>
TAPEGRAD_INLINE auto as_var(const E& e) {
  return e.var();
}
// A memberwise copy that records nothing (the copy constructor records the
// original first), for the slow path: the expression it copies stays in
// registers on the fast path.
struct Clone {};
template <class T>
TAPEGRAD_INLINE Var<T> clone_of(const Var<T>& v) {
  return v;
}
template <class E>
TAPEGRAD_INLINE E clone_of(const E& e) {
  return E(Clone{}, e);
}

// What an operand adds to the test an op makes where it is built: nonzero
// unless it is a current scalar of the tape whose key is given (a Var), or an
// expression built on that tape's scalars and not recorded yet. Every leaf is
// tested once, where its op is built; recording then tests only that the
// first leaf is still current, so nothing went stale in between.
template <class T>
TAPEGRAD_INLINE std::uint64_t operand_test(const Var<T>& v, std::uint64_t word, std::uint32_t stamp) {
  return (v.word() ^ word) | ((v.stamp() & ~Var<T>::kNeeds) ^ stamp);
}
template <class E>
TAPEGRAD_INLINE std::uint64_t operand_test(const E& e, std::uint64_t word, std::uint32_t) {
  return e.recorded_parts() | (e.first_leaf().word() ^ word);
}

template <class E>
Var<typename E::value_type> record_slow(E e);

/// Records expression e: one scalar statement when its leaves are still
/// the current scalars they were when it was built and anomaly mode is off,
/// else one record per op.
template <class E>
TAPEGRAD_INLINE Var<typename E::value_type> record(const E& e) {
  using T = typename E::value_type;
  if constexpr (E::leaves <= Node<T>::kMaxInputs) {
    const Var<T> lead = e.first_leaf();
    Tape<T>* tape = lead.tape_ptr();
    if (tape && tape->is_current_scalar(lead) && !(e.recorded_parts() | tape->detecting_anomaly())) [[likely]] {
      const T z = e.eval(*tape);
      auto s = tape->push_statement(E::code, z, E::leaves, e.needs());
      e.partials(T(1), s.partial, s.input);
      if constexpr (E::code != Op::expression && op_takes_numbers(E::code))
        tape->set_statement_attr(s.var, e.attr());
      return s.var;
    }
  }
  return record_slow(clone_of(e));
}

// Out of line: each operand recorded first (as a statement of its own, if
// it can be), then this op on their records: as a statement again, or by
// record_op when the operands are tensors, not live, or in anomaly mode.
template <class E>
[[gnu::noinline]] Var<typename E::value_type> record_slow(E e) {
  return e.record_operands_first();
}

}  // namespace detail

/// What every expression shares: the Var it becomes (recorded on first
/// need), and the Var's interface, which records it.
template <class Derived, class T>
class ExpressionBase {
 public:
  using value_type = T;

  /// The record of this expression: made now if it was not yet, or again if a
  /// rewind dropped it.
  TAPEGRAD_INLINE Var<T> var() const {
    if (!recorded()) done_ = detail::record(static_cast<const Derived&>(*this));
    return done_;
  }
  TAPEGRAD_INLINE operator Var<T>() const { return var(); }  // NOLINT: an expression is a Var when one is needed

  Tape<T>& tape() const { return var().tape(); }
  std::uint32_t id() const { return var().id(); }
  Shape shape() const { return var().shape(); }
  std::uint32_t rows() const { return var().rows(); }
  std::uint32_t cols() const { return var().cols(); }
  TensorView<T> value() const { return var().value(); }
  TensorView<T> grad() const { return var().grad(); }
  T item() const { return var().item(); }
  bool requires_grad() const { return var().requires_grad(); }
  Node<T> node() const { return var().node(); }
  /// Records it now, one record per op (operands that are tensors, not live,
  /// or of another tape: see unary()).
  void record_each_op() const { done_ = detail::record_slow(detail::clone_of(static_cast<const Derived&>(*this))); }

  // `y += b` with y an expression: y is from then on the record of y + b.
  template <class Y>
    requires VarLike<Y> || Number<Y>
  friend Derived& operator+=(Derived& y, Y&& b) {
    y.done_ = Var<T>(y.var() + std::forward<Y>(b));
    return y;
  }
  template <class Y>
    requires VarLike<Y> || Number<Y>
  friend Derived& operator-=(Derived& y, Y&& b) {
    y.done_ = Var<T>(y.var() - std::forward<Y>(b));
    return y;
  }
  template <class Y>
    requires VarLike<Y> || Number<Y>
  friend Derived& operator*=(Derived& y, Y&& b) {
    y.done_ = Var<T>(y.var() * std::forward<Y>(b));
    return y;
  }
  template <class Y>
    requires VarLike<Y> || Number<Y>
  friend Derived& operator/=(Derived& y, Y&& b) {
    y.done_ = Var<T>(y.var() / std::forward<Y>(b));
    return y;
  }

 protected:
  ExpressionBase() = default;
  ExpressionBase(detail::Clone, const ExpressionBase& other) : done_(other.done_) {}
  // A copy is the same record: the original is recorded first.
  ExpressionBase(const ExpressionBase& other) : done_(other.var()) {}
  ExpressionBase& operator=(const ExpressionBase& other) {
    done_ = other.var();
    return *this;
  }
  ExpressionBase(ExpressionBase&&) = default;
  ExpressionBase& operator=(ExpressionBase&&) = default;
  ~ExpressionBase() = default;

  // Whether it is a live record already (an expression inside another that
  // was recorded, converted or assigned to is read as its record).
  TAPEGRAD_INLINE bool recorded() const {
    const Tape<T>* tape = done_.tape_ptr();
    return tape && (tape->is_current(done_) || tape->is_live(done_));
  }
  mutable Var<T> done_;
};

/// y = f(x) of a unary row, on a Var or an expression.
template <Op op, class A>
class UnaryExpr : public ExpressionBase<UnaryExpr<op, A>, value_type_t<A>> {
 public:
  using T = value_type_t<A>;
  static constexpr std::size_t leaves = detail::leaf_count<A>;
  static constexpr Op code = detail::is_var<A> ? op : Op::expression;

  TAPEGRAD_INLINE UnaryExpr(A a, Attr attr) : a_(std::move(a)), attr_(attr) {}
  const A& operand() const { return a_; }
  TAPEGRAD_INLINE UnaryExpr(detail::Clone c, const UnaryExpr& o)
      : ExpressionBase<UnaryExpr, T>(c, o), a_(detail::clone_of(o.a_)), attr_(o.attr_) {}
  UnaryExpr() = default;
  /// Another expression, recorded: `c ? exp(x) * y : -x` has this type.
  template <class Other>
    requires detail::converts_to<Other, UnaryExpr>
  UnaryExpr(const Other& other) {  // NOLINT: implicit, for ?:
    this->done_ = other.var();
  }

  Attr attr() const { return attr_; }
  TAPEGRAD_INLINE Var<T> first_leaf() const { return detail::first_leaf(a_); }
  TAPEGRAD_INLINE std::uint32_t needs() const { return detail::needs_of(a_); }
  TAPEGRAD_INLINE std::uint64_t recorded_parts() const {
    return this->done_.word() | detail::recorded_parts(a_);
  }
  TAPEGRAD_INLINE T eval(const Tape<T>& tape) const {
    x_ = detail::eval(a_, tape);
    return y_ = Rule<op>::f(x_, static_cast<T>(attr_.p), static_cast<T>(attr_.q));
  }
  TAPEGRAD_INLINE void partials(T m, T*& partial, std::uint32_t*& input) const {
    detail::partials(a_, m * Rule<op>::df(x_, y_, static_cast<T>(attr_.p), static_cast<T>(attr_.q)),
                     partial, input);
  }
  Var<T> record_operands_first() const {
    if (this->recorded()) return this->done_;
    const Var<T> a = detail::as_var(a_);
    if constexpr (detail::is_var<A>) return detail::record_op(op, a, a, attr_);
    else return detail::record(UnaryExpr<op, Var<T>>(a, attr_));
  }

 private:
  A a_{};
  Attr attr_{};
  mutable T x_, y_;
};

/// z = f(a, b) of a binary row, on Vars or expressions.
template <Op op, class A, class B>
class BinaryExpr : public ExpressionBase<BinaryExpr<op, A, B>, value_type_t<A>> {
 public:
  using T = value_type_t<A>;
  static_assert(std::is_same_v<T, value_type_t<B>>, "both operands have one number type");
  static constexpr std::size_t leaves = detail::leaf_count<A> + detail::leaf_count<B>;
  static constexpr Op code = detail::is_var<A> && detail::is_var<B> ? op : Op::expression;

  TAPEGRAD_INLINE BinaryExpr(A a, B b) : a_(std::move(a)), b_(std::move(b)) {}
  const A& left() const { return a_; }
  const B& right() const { return b_; }
  TAPEGRAD_INLINE BinaryExpr(detail::Clone c, const BinaryExpr& o)
      : ExpressionBase<BinaryExpr, T>(c, o), a_(detail::clone_of(o.a_)), b_(detail::clone_of(o.b_)) {}
  BinaryExpr() = default;
  /// Another expression, recorded: `c ? x * y : x + y + z` has this type.
  template <class Other>
    requires detail::converts_to<Other, BinaryExpr>
  BinaryExpr(const Other& other) {  // NOLINT: implicit, for ?:
    this->done_ = other.var();
  }

  Attr attr() const { return {}; }
  TAPEGRAD_INLINE Var<T> first_leaf() const { return detail::first_leaf(a_); }
  TAPEGRAD_INLINE std::uint32_t needs() const { return detail::needs_of(a_) | detail::needs_of(b_); }
  TAPEGRAD_INLINE std::uint64_t recorded_parts() const {
    return this->done_.word() | detail::recorded_parts(a_) | detail::recorded_parts(b_);
  }
  TAPEGRAD_INLINE T eval(const Tape<T>& tape) const {
    x_ = detail::eval(a_, tape);
    y_ = detail::eval(b_, tape);
    return z_ = Rule<op>::f(x_, y_);
  }
  TAPEGRAD_INLINE void partials(T m, T*& partial, std::uint32_t*& input) const {
    detail::partials(a_, m * Rule<op>::da(x_, y_, z_), partial, input);
    detail::partials(b_, m * Rule<op>::db(x_, y_, z_), partial, input);
  }
  Var<T> record_operands_first() const {
    if (this->recorded()) return this->done_;
    const Var<T> a = detail::as_var(a_);
    const Var<T> b = detail::as_var(b_);
    if constexpr (detail::is_var<A> && detail::is_var<B>) return detail::record_op(op, a, b, Attr{});
    else return detail::record(BinaryExpr<op, Var<T>, Var<T>>(a, b));
  }

 private:
  A a_{};
  B b_{};
  mutable T x_, y_, z_;
};

/// Builds y = op(x) (with numbers `attr`). An operand that is not a current
/// scalar (a tensor, a stale or foreign handle) has the op recorded at once,
/// on its own, with the checks and messages of one record per op.
template <Op op, class X>
TAPEGRAD_INLINE auto unary(X&& x, Attr attr = {}) {
  using A = detail::operand_t<X&&>;
  UnaryExpr<op, A> e(detail::hold(std::forward<X>(x)), attr);
  const Var<value_type_t<X>> lead = e.first_leaf();
  const auto* tape = lead.tape_ptr();
  if (!tape || detail::operand_test(e.operand(), tape->current_word(), tape->current_stamp())) [[unlikely]]
    e.record_each_op();
  return e;
}

/// Builds z = op(a, b) on the tape of a's first leaf (b's must be the same).
template <Op op, class X, class Y>
TAPEGRAD_INLINE auto binary(X&& x, Y&& y) {
  using A = detail::operand_t<X&&>;
  using B = detail::operand_t<Y&&>;
  BinaryExpr<op, A, B> e(detail::hold(std::forward<X>(x)), detail::hold(std::forward<Y>(y)));
  const Var<value_type_t<X>> lead = e.first_leaf();
  const auto* tape = lead.tape_ptr();
  if (!tape || (detail::operand_test(e.left(), tape->current_word(), tape->current_stamp()) |
                detail::operand_test(e.right(), tape->current_word(), tape->current_stamp()))) [[unlikely]]
    e.record_each_op();
  return e;
}

}  // namespace tapegrad

/// An expression formats as the Var it becomes.
template <class E>
  requires tapegrad::detail::is_expr<E>
struct fmt::formatter<E> : fmt::formatter<tapegrad::Var<typename E::value_type>> {
  auto format(const E& e, format_context& ctx) const -> format_context::iterator {
    return fmt::formatter<tapegrad::Var<typename E::value_type>>::format(e.var(), ctx);
  }
};
