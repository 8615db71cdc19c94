// Forward mode on dual numbers: jvp, and with it Hessian-vector products
// (hvp), Hessians and Jacobians, all exact (no finite differences).
//
// The engine runs on Dual<T> numbers (autograd/dual.hpp): value + tangent eps.
//  - jvp: record f on a Tape<Dual<T>> with inputs x + v eps; the output's
//    tangent is the directional derivative J v. One forward pass, no backward.
//  - hvp: forward-over-reverse. Record f the same way and run backward: each
//    gradient comes out as grad f(x) + (H v) eps, because every backward rule
//    is itself computed in dual arithmetic. One forward and one backward pass,
//    each on duals (about 3-4 times a gradient's arithmetic).
//  - hessian: n hvps with the unit vectors; jacobian: n jvps, one per column.
//
// f is any callable that records with tapegrad ops; write it generic in the
// number type (a generic lambda), since it is called on Var<Dual<T>>:
//
//   auto f = [](auto x) { return tapegrad::sum(tapegrad::tanh(x) * x); };
//   tapegrad::Tensor<double> x{{0.5, -1.0}}, v{{1.0, 0.0}};
//   auto [value, tangent] = tapegrad::jvp(f, x, v);   // f(x) and J v
//   auto h = tapegrad::hvp(f, x, v);                  // h.gradient, h.hvp = H v
//   auto H = tapegrad::hessian(f, x);                 // (2, 2)
//
// Functions of several inputs take a span of Vars, `f(std::span<const Var<N>> xs)`,
// and spans of input tensors; the Hessian and Jacobian then index the inputs'
// elements one after another (input 0 row-major, then input 1, ...).
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "autograd/dual.hpp"
#include "autograd/activation.hpp"
#include "autograd/linalg.hpp"
#include "autograd/loss.hpp"
#include "autograd/reduce.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"

namespace tapegrad {

/// f(x) and its directional derivative J v, both of the output's shape.
template <class T>
struct JvpResult {
  Tensor<T> value;
  Tensor<T> tangent;
};

/// f(x), the gradient of f and H v, one tensor per input.
template <class T>
struct HvpResult {
  T value{};
  std::vector<Tensor<T>> gradient;
  std::vector<Tensor<T>> hvp;
};

namespace detail {

template <class T>
void check_directions(std::string_view op, std::span<const Tensor<T>> x,
                      std::span<const Tensor<T>> v) {
  if (x.size() != v.size())
    throw std::invalid_argument(
        fmt::format("{}: {} inputs but {} directions; give one direction per input", op, x.size(),
                    v.size()));
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i].shape() != v[i].shape())
      fail_shapes(op, fmt::format("direction {} differs in shape from input {}", i, i), "x",
                  x[i].shape(), "v", v[i].shape());
}

/// x + v eps (v null: a zero tangent).
template <class T>
Tensor<Dual<T>> dual_of(const Tensor<T>& x, const T* v) {
  Tensor<Dual<T>> d(x.shape(), Dual<T>{});
  for (std::size_t k = 0; k < x.size(); ++k) d[k] = {x[k], v ? v[k] : T(0)};
  return d;
}

/// f of one handle as a function of a span of one handle.
template <class T, class F>
auto on_one_input(F& f) {
  return [&f](std::span<const Var<Dual<T>>> xs) { return f(xs[0]); };
}

/// Records f on `tape` (cleared first) with inputs x + v eps; `leaf` makes the inputs.
template <class T, class F, class Leaf>
Var<Dual<T>> record_dual(Tape<Dual<T>>& tape, F& f, std::span<const Tensor<T>> x,
                         std::span<const Tensor<T>> v, std::vector<Var<Dual<T>>>& vars,
                         Leaf leaf) {
  tape.clear();
  vars.clear();
  for (std::size_t i = 0; i < x.size(); ++i)
    vars.push_back(leaf(tape, dual_of(x[i], v.empty() ? nullptr : v[i].data())));
  return f(std::span<const Var<Dual<T>>>(vars));
}

template <class T, class F>
JvpResult<T> jvp_on(Tape<Dual<T>>& tape, F& f, std::span<const Tensor<T>> x,
                    std::span<const Tensor<T>> v, std::vector<Var<Dual<T>>>& vars) {
  // Inputs need no gradient: nothing is kept for a backward pass.
  const Var<Dual<T>> out = record_dual(tape, f, x, v, vars, [](Tape<Dual<T>>& t, const Tensor<Dual<T>>& d) {
    return t.input(d.view());
  });
  const TensorView<Dual<T>> y = out.value();
  JvpResult<T> r{Tensor<T>(y.shape, T(0)), Tensor<T>(y.shape, T(0))};
  for (std::size_t k = 0; k < y.size(); ++k) {
    r.value[k] = y[k].value;
    r.tangent[k] = y[k].tangent;
  }
  return r;
}

template <class T, class F>
HvpResult<T> hvp_on(Tape<Dual<T>>& tape, F& f, std::span<const Tensor<T>> x,
                    std::span<const Tensor<T>> v, std::vector<Var<Dual<T>>>& vars) {
  const Var<Dual<T>> out = record_dual(tape, f, x, v, vars, [](Tape<Dual<T>>& t, const Tensor<Dual<T>>& d) {
    return t.variable(d.view());
  });
  if (!out.shape().is_scalar())
    throw ShapeError(fmt::format(
        "hvp: the function must return a scalar (1, 1); it returned {} (use jacobian for a "
        "vector function)",
        out.shape()));
  HvpResult<T> r;
  r.value = out.item().value;
  // A function of no input has zero gradient and Hessian (the leaves start at zero).
  if (out.requires_grad()) tape.backward(out);
  for (const Var<Dual<T>>& in : vars) {
    const TensorView<Dual<T>> g = in.grad();
    Tensor<T> gradient(g.shape, T(0)), hv(g.shape, T(0));
    for (std::size_t k = 0; k < g.size(); ++k) {
      gradient[k] = g[k].value;
      hv[k] = g[k].tangent;
    }
    r.gradient.push_back(std::move(gradient));
    r.hvp.push_back(std::move(hv));
  }
  return r;
}

template <class T>
std::size_t total_size(std::span<const Tensor<T>> x) {
  std::size_t n = 0;
  for (const auto& t : x) n += t.size();
  return n;
}

/// The unit directions e_j over all inputs' elements, one at a time.
template <class T>
class UnitDirections {
 public:
  explicit UnitDirections(std::span<const Tensor<T>> x) {
    for (const auto& t : x) v_.push_back(Tensor<T>::zeros(t.shape()));
  }
  /// Sets the direction to e_j (j over all elements, input by input).
  std::span<const Tensor<T>> at(std::size_t j) {
    for (auto& t : v_) t.fill(T(0));
    for (auto& t : v_) {
      if (j < t.size()) {
        t[j] = T(1);
        break;
      }
      j -= t.size();
    }
    return v_;
  }

 private:
  std::vector<Tensor<T>> v_;
};

}  // namespace detail

/// f(x) and J v, the derivative of f at x in direction v (one per input, each
/// of its input's shape): one forward pass on dual numbers.
template <class T, class F>
JvpResult<T> jvp(F f, std::span<const Tensor<T>> x, std::span<const Tensor<T>> v) {
  detail::check_directions("jvp", x, v);
  Tape<Dual<T>> tape;
  std::vector<Var<Dual<T>>> vars;
  return detail::jvp_on(tape, f, x, v, vars);
}
template <class T, class F>
JvpResult<T> jvp(F f, const Tensor<T>& x, const Tensor<T>& v) {
  return jvp(detail::on_one_input<T>(f), std::span<const Tensor<T>>(&x, 1),
             std::span<const Tensor<T>>(&v, 1));
}

/// For a scalar f: f(x), its gradient and the Hessian-vector product H v, by
/// forward-over-reverse (one forward and one backward pass on dual numbers).
template <class T, class F>
HvpResult<T> hvp(F f, std::span<const Tensor<T>> x, std::span<const Tensor<T>> v) {
  detail::check_directions("hvp", x, v);
  Tape<Dual<T>> tape;
  std::vector<Var<Dual<T>>> vars;
  return detail::hvp_on(tape, f, x, v, vars);
}
template <class T, class F>
HvpResult<T> hvp(F f, const Tensor<T>& x, const Tensor<T>& v) {
  return hvp(detail::on_one_input<T>(f), std::span<const Tensor<T>>(&x, 1),
             std::span<const Tensor<T>>(&v, 1));
}

/// The (n, n) Hessian of a scalar f, n the inputs' element count: column j is
/// H e_j, one hvp each (the tape's storage is reused between them). Computed
/// columns are not symmetrised, so H - H^T shows the rounding.
template <class T, class F>
Tensor<T> hessian(F f, std::span<const Tensor<T>> x) {
  const std::size_t n = detail::total_size(x);
  Tensor<T> H(Shape{static_cast<std::uint32_t>(n), static_cast<std::uint32_t>(n)}, T(0));
  Tape<Dual<T>> tape;
  std::vector<Var<Dual<T>>> vars;
  detail::UnitDirections<T> e(x);
  for (std::size_t j = 0; j < n; ++j) {
    const HvpResult<T> r = detail::hvp_on(tape, f, x, e.at(j), vars);
    std::size_t i = 0;
    for (const auto& column : r.hvp)
      for (std::size_t k = 0; k < column.size(); ++k) H(i++, j) = column[k];
  }
  return H;
}
template <class T, class F>
Tensor<T> hessian(F f, const Tensor<T>& x) {
  return hessian(detail::on_one_input<T>(f), std::span<const Tensor<T>>(&x, 1));
}

/// The (m, n) Jacobian of f, m its output's element count (row-major), n the
/// inputs': column j is the jvp in direction e_j.
template <class T, class F>
Tensor<T> jacobian(F f, std::span<const Tensor<T>> x) {
  const std::size_t n = detail::total_size(x);
  Tape<Dual<T>> tape;
  std::vector<Var<Dual<T>>> vars;
  detail::UnitDirections<T> e(x);
  Tensor<T> J;
  for (std::size_t j = 0; j < n; ++j) {
    const JvpResult<T> r = detail::jvp_on(tape, f, x, e.at(j), vars);
    if (j == 0)
      J = Tensor<T>(Shape{static_cast<std::uint32_t>(r.tangent.size()), static_cast<std::uint32_t>(n)}, T(0));
    for (std::size_t i = 0; i < r.tangent.size(); ++i) J(i, j) = r.tangent[i];
  }
  return J;
}
template <class T, class F>
Tensor<T> jacobian(F f, const Tensor<T>& x) {
  return jacobian(detail::on_one_input<T>(f), std::span<const Tensor<T>>(&x, 1));
}

}  // namespace tapegrad
