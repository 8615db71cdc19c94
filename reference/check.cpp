// The check: three gradients per parameter and their differences.
#include "reference/check.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "autograd/tape.hpp"
#include "nn/losses.hpp"
#include "io/model_io.hpp"

namespace tapegrad::reference {

Difference difference(TensorView<double> u, TensorView<double> v) {
  if (u.shape != v.shape) fail_shapes("difference", "shapes differ", "u", u.shape, "v", v.shape);
  Difference d;
  for (std::size_t k = 0; k < u.size(); ++k) {
    const double gap = std::abs(u[k] - v[k]);
    const double rel = gap / std::max({1.0, std::abs(u[k]), std::abs(v[k])});
    // NaN never compares greater, so it is carried over explicitly.
    if (gap > d.abs || std::isnan(gap)) d.abs = gap;
    if (rel > d.rel || std::isnan(rel)) d.rel = rel;
    if (std::isnan(d.abs)) break;
  }
  return d;
}

CheckReport check_gradients(nn::Mlp<double>& net, const Tensor<double>& x, const Tensor<double>& y,
                            nn::LossKind kind, Reduction reduction, const CheckOptions& options) {
  CheckReport report;
  report.options = options;

  // The hand derivation first: it validates shapes and targets with clear errors.
  const HandGradients<double> hand = hand_backprop(net, x, y, kind, reduction, options.hand);
  report.loss_hand = hand.loss;

  // Autodiff.
  Tape<double> tape;
  tape.set_naming(false);
  net.zero_grad();
  const Var<double> L = nn::loss(kind, net.forward(tape.input(x.view())), tape.input(y.view()), reduction);
  tape.backward(L);
  report.loss_autodiff = L.item();

  // Central finite differences of the tape's loss, one parameter element at a time.
  auto evaluate = [&] {
    tape.clear();
    const auto guard = tape.no_grad();
    return nn::loss(kind, net.forward(tape.input(x.view())), tape.input(y.view()), reduction).item();
  };
  for (std::size_t k = 1; k <= net.depth(); ++k) {
    nn::Linear<double>& layer = net.layer(k);
    for (Parameter<double>* p : {&layer.W, &layer.b}) {
      Tensor<double> numeric(p->shape(), 0.0);
      for (std::size_t e = 0; e < p->value.size(); ++e) {
        const double saved = p->value[e];
        p->value[e] = saved + options.eps;
        const double up = evaluate();
        p->value[e] = saved - options.eps;
        const double down = evaluate();
        p->value[e] = saved;
        numeric[e] = (up - down) / (2 * options.eps);
      }
      const Tensor<double>& by_hand = p == &layer.W ? hand.g_W[k] : hand.g_b[k];
      ParameterCheck c;
      c.name = p->name;
      c.shape = p->shape();
      c.autodiff_hand = difference(p->grad.view(), by_hand.view());
      c.autodiff_fd = difference(p->grad.view(), numeric.view());
      c.hand_fd = difference(by_hand.view(), numeric.view());
      c.passed = c.autodiff_hand.rel <= options.hand_tolerance &&
                 c.autodiff_fd.rel <= options.fd_tolerance && c.hand_fd.rel <= options.fd_tolerance;
      report.parameters.push_back(std::move(c));
    }
  }
  net.zero_grad();
  return report;
}

CheckReport check_gradients(const io::ModelSpec& spec, const CheckOptions& options) {
  if (!spec.x || !spec.y || !spec.loss)
    throw std::invalid_argument("check: the model needs x, y and a loss to be checked");
  nn::Mlp<double> net = io::to_mlp<double>(spec);
  // The hand derivation takes targets shaped as the output: class indices as one-hot rows.
  const Tensor<double> y =
      dense_targets(*spec.loss, spec.y->view(), Shape{spec.x->rows(), net.outputs()});
  return check_gradients(net, *spec.x, y, *spec.loss, spec.reduction, options);
}

}  // namespace tapegrad::reference

auto fmt::formatter<tapegrad::reference::CheckReport>::format(const tapegrad::reference::CheckReport& r,
                                                       format_context& ctx) const
    -> format_context::iterator {
  auto out = fmt::format_to(ctx.out(), "{:<10} {:<8}  {:>21}  {:>21}  {:>21}  {}\n", "parameter",
                            "shape", "autodiff vs hand", "autodiff vs FD", "hand vs FD", "ok");
  out = fmt::format_to(out, "{:<10} {:<8}  {:>10} {:>10}  {:>10} {:>10}  {:>10} {:>10}\n", "", "",
                       "max abs", "max rel", "max abs", "max rel", "max abs", "max rel");
  for (const auto& p : r.parameters)
    out = fmt::format_to(out, "{:<10} {:<8}  {:>10.2e} {:>10.2e}  {:>10.2e} {:>10.2e}  {:>10.2e} "
                              "{:>10.2e}  {}\n",
                         p.name, fmt::format("{}", p.shape), p.autodiff_hand.abs,
                         p.autodiff_hand.rel, p.autodiff_fd.abs, p.autodiff_fd.rel, p.hand_fd.abs,
                         p.hand_fd.rel, p.passed ? "yes" : "NO");
  return fmt::format_to(out,
                        "loss {:.12g} (tape), {:.12g} (hand); tolerances: autodiff vs hand {:.0e}, "
                        "vs finite differences {:.0e} (rel = |u - v| / max(1, |u|, |v|), eps "
                        "{:.0e}): {}\n",
                        r.loss_autodiff, r.loss_hand, r.options.hand_tolerance,
                        r.options.fd_tolerance, r.options.eps,
                        r.passed() ? "passed" : "MISMATCH");
}
