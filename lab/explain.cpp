// Explain: the chain rule for one gradient, each path into it a term with its numbers.
#include "lab/explain.hpp"

#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "autograd/tape.hpp"
#include "io/model_io.hpp"
#include "lab/json_util.hpp"
#include "nn/activation.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "reference/hand_backprop.hpp"
#include "viz/graph_export.hpp"

namespace tapegrad::lab {

namespace {

std::string num(double x) { return fmt::format("{:.6g}", x); }
// A number inside a product: negative numbers in parentheses.
std::string factor(double x) { return x < 0 ? fmt::format("({:.6g})", x) : num(x); }

// Names in the notation of docs/derivation.md; entries count from 1. With
// several samples, `(s)` names the sample.
struct Names {
  std::size_t depth;
  std::uint32_t samples;
  std::uint32_t outputs;

  std::string sample(std::uint32_t s) const { return samples > 1 ? fmt::format("({})", s + 1) : ""; }
  std::string a(std::size_t k, std::uint32_t j) const {
    if (k == depth) return outputs == 1 ? "y_hat" : fmt::format("y_hat_{}", j + 1);
    return fmt::format("a_{}^[{}]", j + 1, k);
  }
  std::string z(std::size_t k, std::uint32_t j) const { return fmt::format("z_{}^[{}]", j + 1, k); }
  std::string W(std::size_t k, std::uint32_t i, std::uint32_t j) const {
    return fmt::format("W_{},{}^[{}]", i + 1, j + 1, k);
  }
  std::string b(std::size_t k, std::uint32_t j) const { return fmt::format("b_{}^[{}]", j + 1, k); }
  std::string y(std::uint32_t j) const { return outputs == 1 ? "y" : fmt::format("y_{}", j + 1); }
  // g^[ka]_j: y_hat's gradient is layer L's a, as viz names it.
  std::string g(const std::string& value, std::size_t layer) const {
    return viz::gradient_name(value, static_cast<int>(layer));
  }
};

json link(std::string_view what, std::size_t layer, std::uint32_t row, std::uint32_t col) {
  return {{"what", what}, {"layer", layer}, {"row", row}, {"col", col}};
}

struct Term {
  std::string path, local_names, local_numbers, upstream_name;
  double local = 0, upstream = 0;
  json link;
};

// The activation's derivative g'(z) in names, and in numbers for z and a = g(z).
std::pair<std::string, std::string> activation_derivative_text(nn::Activation g, double z, double a) {
  const double d = nn::activation_derivative(g, z, a);
  switch (g) {
    case nn::Activation::sigmoid:
      return {"a (1 - a)", fmt::format("{} (1 - {}) = {}", num(a), num(a), num(d))};
    case nn::Activation::tanh: return {"1 - a^2", fmt::format("1 - {}^2 = {}", factor(a), num(d))};
    case nn::Activation::relu:
      return {"1 if z > 0, else 0", fmt::format("z = {}: {}", num(z), num(d))};
    case nn::Activation::leaky_relu:
      return {"1 if z > 0, else 0.01", fmt::format("z = {}: {}", num(z), num(d))};
    case nn::Activation::elu:
      return {"1 if z > 0, else a + 1", fmt::format("z = {}: {}", num(z), num(d))};
    case nn::Activation::gelu:
      return {"Phi(z) + z phi(z)", fmt::format("z = {}: {}", num(z), num(d))};
    case nn::Activation::softplus:
      return {"sigmoid(z)", fmt::format("sigmoid({}) = {}", num(z), num(d))};
    case nn::Activation::identity: return {"1 (identity: a = z)", "1"};
    default: break;  // an activation without words of its own here
  }
  return {fmt::format("{}'(z)", nn::activation_name(g)), fmt::format("z = {}: {}", num(z), num(d))};
}

// Which record of the output layer the loss reads: the logits z^[L] (bce after
// a sigmoid, computed with logits; or an identity output, where a^[L] is z^[L])
// or a^[L].
bool loss_reads_logits(nn::LossKind kind, nn::Activation output) {
  return output == nn::Activation::identity ||
         (kind == nn::LossKind::bce && output == nn::Activation::sigmoid);
}

// dL/dp_j for the record p the loss reads, in names and numbers, for sample s
// and output j; the value is the tape's gradient of p (its upstream is g(L) = 1).
Term loss_term(const io::ModelSpec& spec, const Pass& pass, const Names& n, std::uint32_t s,
               std::uint32_t j) {
  const std::size_t L = n.depth;
  const nn::LossKind kind = *spec.loss;
  const nn::Activation output = spec.layers.back().activation;
  const bool mean = spec.reduction == Reduction::mean;
  const std::string scale = mean ? " / m" : "";
  const std::string scale_numbers = mean ? fmt::format(" / {}", n.samples) : "";
  const double y = pass.y(s, j);
  const bool logits = loss_reads_logits(kind, output);
  const std::string p_name = (logits ? n.z(L, j) : n.a(L, j)) + n.sample(s);
  const double p = logits ? pass.z[L](s, j) : pass.a[L](s, j);
  Term t;
  t.local = logits ? pass.g_z[L](s, j) : pass.g_a[L](s, j);
  t.upstream = 1.0;
  t.upstream_name = "g(L) = dL/dL";
  t.link = link("L", 0, 0, 0);
  t.path = fmt::format("the loss reads {}", p_name);
  const std::string d = fmt::format("dL/d{} = ", p_name);
  switch (kind) {
    case nn::LossKind::bce:
      if (logits && output == nn::Activation::sigmoid) {
        t.local_names = d + fmt::format("(sigmoid({}) - {}){}", n.z(L, j), n.y(j), scale);
        t.local_numbers = fmt::format("({} - {}){} = {}", num(pass.a[L](s, j)), num(y), scale_numbers,
                                      num(t.local));
      } else {
        t.local_names = d + fmt::format("({0} - {1}) / ({0} (1 - {0})){2}", n.a(L, j), n.y(j), scale);
        t.local_numbers = fmt::format("({0} - {1}) / ({0} (1 - {0})){2} = {3}", num(p), num(y),
                                      scale_numbers, num(t.local));
      }
      break;
    case nn::LossKind::half_sse:
      t.local_names = d + fmt::format("({} - {}){}", n.a(L, j), n.y(j), scale);
      t.local_numbers = fmt::format("({} - {}){} = {}", num(p), num(y), scale_numbers, num(t.local));
      break;
    case nn::LossKind::mse:
      t.local_names = d + fmt::format("2 ({} - {}) / n{}", n.a(L, j), n.y(j), scale);
      t.local_numbers = fmt::format("2 ({} - {}) / {}{} = {}", num(p), num(y), n.outputs,
                                    scale_numbers, num(t.local));
      break;
    case nn::LossKind::softmax_ce: {
      // softmax of the row, for the numbers only; the value is the tape's
      double top = pass.z[L](s, 0), total = 0;
      for (std::uint32_t c = 0; c < n.outputs; ++c) top = std::max(top, pass.z[L](s, c));
      for (std::uint32_t c = 0; c < n.outputs; ++c) total += std::exp(pass.z[L](s, c) - top);
      const double softmax = std::exp(pass.z[L](s, j) - top) / total;
      t.local_names = d + fmt::format("(softmax(z^[{}])_{} - {}){}", L, j + 1, n.y(j), scale);
      t.local_numbers = fmt::format("({} - {}){} = {}", num(softmax), num(y), scale_numbers, num(t.local));
      break;
    }
  }
  return t;
}

// The loss of one sample, by the engine's own loss op on that row.
double sample_loss(const io::ModelSpec& spec, const Pass& pass, std::uint32_t s) {
  const std::size_t L = spec.layers.size();
  const auto row = [s](const Tensor<double>& t) {
    return Tensor<double>::from(t.span().subspan(std::size_t{s} * t.cols(), t.cols()),
                                Shape{1, t.cols()});
  };
  Tape<double> tape;
  nn::Output<double> output{tape.input(row(pass.z[L])), tape.input(row(pass.a[L])),
                            spec.layers.back().activation};
  return nn::loss(*spec.loss, output, tape.input(row(pass.y)), Reduction::sum).item();
}

std::string loss_formula(nn::LossKind kind, bool mean) {
  const std::string m = mean ? "(1/m) sum_s " : "sum_s ";
  switch (kind) {
    case nn::LossKind::bce: return "L = " + m + "-sum_j [y_j log y_hat_j + (1 - y_j) log(1 - y_hat_j)]";
    case nn::LossKind::half_sse: return "L = " + m + "1/2 sum_j (y_j - y_hat_j)^2";
    case nn::LossKind::mse: return "L = " + m + "(1/n) sum_j (y_hat_j - y_j)^2";
    case nn::LossKind::softmax_ce: return "L = " + m + "-sum_j y_j log softmax(z^[L])_j";
  }
  return "L";
}

void check_index(bool ok, const Element& e) {
  if (!ok)
    throw std::invalid_argument(fmt::format("explain: no {} at layer {}, ({}, {})", e.what, e.layer,
                                            e.row + 1, e.col + 1));
}

}  // namespace

json explain(const io::ModelSpec& spec, const Pass& pass, const Element& e, std::size_t max_terms) {
  const std::size_t L = spec.layers.size();
  const std::uint32_t m = spec.x->rows();
  const Names n{L, m, spec.layers.back().W.cols()};
  const std::size_t k = e.layer;
  const nn::Mlp<double> net = io::to_mlp<double>(spec);
  const auto hand = reference::hand_backprop(net, *spec.x, pass.y, *spec.loss, spec.reduction);

  json out;
  std::vector<Term> terms;
  double value = 0;
  std::optional<double> by_hand;
  std::string rule;
  const std::string s_ = "(s)";  // the sample index in a sum over samples
  const std::string over_samples = m > 1 ? "sum_s " : "";
  const std::string ms = m > 1 ? s_ : "";

  if (e.what == "W" || e.what == "b") {
    check_index(k >= 1 && k <= L, e);
    const Tensor<double>& P = e.what == "W" ? spec.layers[k - 1].W : spec.layers[k - 1].b;
    check_index(e.row < P.rows() && e.col < P.cols(), e);
    const std::uint32_t i = e.row, j = e.col;
    const bool weight = e.what == "W";
    const std::string of = weight ? n.W(k, i, j) : n.b(k, j);
    out["of"] = of;
    out["name"] = n.g(of, k);
    value = weight ? pass.g_W[k](i, j) : pass.g_b[k](0, j);
    by_hand = weight ? hand.g_W[k](i, j) : hand.g_b[k](0, j);
    const std::string input = k == 1 ? fmt::format("a_{}^[0] (x_{})", i + 1, i + 1) : n.a(k - 1, i);
    out["intro"] = weight ? fmt::format("{} multiplies {} into {}: z_{}^[{}] = ... + {} {} + ... "
                                        "Its gradient has one term per sample{}.",
                                        of, input, n.z(k, j), j + 1, k, n.a(k - 1, i), of,
                                        m > 1 ? fmt::format(" ({} samples)", m) : " (one sample here)")
                          : fmt::format("{} is added into {}, so dz/db = 1. Its gradient has one term "
                                        "per sample{}.",
                                        of, n.z(k, j), m > 1 ? fmt::format(" ({} samples)", m) : " (one sample here)");
    rule = weight ? fmt::format("{} = {}{}{} . {}{}", n.g(of, k), over_samples, n.a(k - 1, i), ms,
                                n.g(n.z(k, j), k), ms)
                  : fmt::format("{} = {}1 . {}{}", n.g(of, k), over_samples, n.g(n.z(k, j), k), ms);
    for (std::uint32_t s = 0; s < m; ++s) {
      Term t;
      t.path = m > 1 ? fmt::format("sample {}, through {}", s + 1, n.z(k, j)) : fmt::format("through {}", n.z(k, j));
      t.local = weight ? pass.a[k - 1](s, i) : 1.0;
      t.local_names = fmt::format("d{}/d{} = {}", n.z(k, j), of, weight ? n.a(k - 1, i) + n.sample(s) : "1");
      t.local_numbers = num(t.local);
      t.upstream = pass.g_z[k](s, j);
      t.upstream_name = n.g(n.z(k, j), k) + n.sample(s);
      t.link = link("z", k, s, j);
      terms.push_back(std::move(t));
    }
  } else if (e.what == "z") {
    check_index(k >= 1 && k <= L && e.row < m && e.col < spec.layers[k - 1].W.cols(), e);
    const std::uint32_t s = e.row, j = e.col;
    const nn::Activation g = spec.layers[k - 1].activation;
    const std::string of = n.z(k, j) + n.sample(s);
    out["of"] = of;
    out["name"] = n.g(n.z(k, j), k) + n.sample(s);
    value = pass.g_z[k](s, j);
    by_hand = hand.g_z[k](s, j);
    if (k == L && loss_reads_logits(*spec.loss, g)) {
      out["intro"] = g == nn::Activation::identity
                         ? fmt::format("The output layer has no activation, so {} is the prediction "
                                       "the loss reads.",
                                       n.z(k, j))
                         : fmt::format("The loss reads the logits {} directly (binary cross-entropy "
                                       "with logits, exact even when the sigmoid saturates).",
                                       n.z(k, j));
      Term t = loss_term(spec, pass, n, s, j);
      rule = fmt::format("{} = dL/d{} . g(L)", out["name"].get<std::string>(), n.z(k, j));
      terms.push_back(std::move(t));
    } else {
      const std::string a_name = n.a(k, j);
      out["intro"] = fmt::format("{} feeds only {} = {}({}), so one term: the activation's "
                                 "derivative times {}'s gradient.",
                                 n.z(k, j), a_name, nn::activation_name(g), n.z(k, j), a_name);
      Term t;
      const auto [names, numbers] = activation_derivative_text(g, pass.z[k](s, j), pass.a[k](s, j));
      t.path = fmt::format("through {}", a_name);
      t.local = nn::activation_derivative(g, pass.z[k](s, j), pass.a[k](s, j));
      t.local_names = fmt::format("d{}/d{} = g'(z) = {}", a_name, n.z(k, j), names);
      t.local_numbers = numbers;
      t.upstream = pass.g_a[k](s, j);
      t.upstream_name = n.g(a_name, k) + n.sample(s);
      t.link = link("a", k, s, j);
      rule = fmt::format("{} = g'({}) . {}", out["name"].get<std::string>(), n.z(k, j), t.upstream_name);
      terms.push_back(std::move(t));
    }
  } else if (e.what == "a") {
    check_index(k <= L && e.row < m && e.col < (k == 0 ? spec.x->cols() : spec.layers[k - 1].W.cols()), e);
    const std::uint32_t s = e.row, j = e.col;
    const std::string of = n.a(k, j) + n.sample(s);
    out["of"] = of;
    out["name"] = n.g(n.a(k, j), k) + n.sample(s);
    if (k == 0) {
      out["intro"] = fmt::format("{} is the input x_{}: data, recorded as an input, which needs no "
                                 "gradient. Click it to edit it; every value downstream changes.",
                                 n.a(0, j), j + 1);
      out["value"] = nullptr;
      out["terms"] = json::array();
      return out;
    }
    if (k == L) {
      if (!pass.a_has_grad[L]) {
        out["intro"] = fmt::format("{} = sigmoid({}) is computed beside the loss, which reads the "
                                   "logits {} instead: no gradient flows through {}. Follow {}.",
                                   n.a(L, j), n.z(L, j), n.z(L, j), n.a(L, j), n.z(L, j));
        out["value"] = nullptr;
        out["terms"] = json::array();
        out["see"] = link("z", L, s, j);
        return out;
      }
      value = pass.g_a[L](s, j);
      by_hand = hand.g_a[L](s, j);
      out["intro"] = fmt::format("{} is the prediction; the loss reads it.", n.a(L, j));
      rule = fmt::format("{} = dL/d{} . g(L)", out["name"].get<std::string>(), n.a(L, j));
      terms.push_back(loss_term(spec, pass, n, s, j));
    } else {
      value = pass.g_a[k](s, j);
      by_hand = hand.g_a[k](s, j);
      const std::uint32_t next = spec.layers[k].W.cols();
      out["intro"] = next == 1 ? fmt::format("{} feeds the one unit of layer {}: one path, one term.",
                                             n.a(k, j), k + 1)
                               : fmt::format("{} fans out to all {} units of layer {}: backward adds one "
                                             "term per path, the sum of the flows that meet in it.",
                                             n.a(k, j), next, k + 1);
      rule = fmt::format("{} = sum_q W_{},q^[{}] . g^[{}z]_q{}", out["name"].get<std::string>(), j + 1,
                         k + 1, k + 1, n.sample(s));
      for (std::uint32_t q = 0; q < next; ++q) {
        Term t;
        t.path = fmt::format("through {}", n.z(k + 1, q));
        t.local = spec.layers[k].W(j, q);
        t.local_names = fmt::format("d{}/d{} = {}", n.z(k + 1, q), n.a(k, j), n.W(k + 1, j, q));
        t.local_numbers = num(t.local);
        t.upstream = pass.g_z[k + 1](s, q);
        t.upstream_name = n.g(n.z(k + 1, q), k + 1) + n.sample(s);
        t.link = link("z", k + 1, s, q);
        terms.push_back(std::move(t));
      }
    }
  } else if (e.what == "L") {
    out["of"] = "L";
    out["name"] = "g(L)";
    out["intro"] = "Backward starts at the loss with g(L) = dL/dL = 1. Its value adds one term per "
                   "sample, each computed by the engine's loss op on that sample's row.";
    out["rule"] = loss_formula(*spec.loss, spec.reduction == Reduction::mean);
    out["value"] = 1.0;
    out["loss"] = number(pass.loss);
    json list = json::array();
    double sum = 0;
    for (std::uint32_t s = 0; s < m; ++s) {
      const double l = sample_loss(spec, pass, s) / (spec.reduction == Reduction::mean ? m : 1.0);
      sum += l;
      if (list.size() < max_terms)
        list.push_back({{"path", fmt::format("sample {}", s + 1)}, {"value", number(l)}});
    }
    out["loss_terms"] = std::move(list);
    out["loss_sum"] = number(sum);
    out["terms"] = json::array();
    return out;
  } else {
    throw std::invalid_argument(fmt::format("explain: {} is not W, b, z, a or L", e.what));
  }

  json list = json::array();
  double sum = 0, rest = 0;
  for (std::size_t t = 0; t < terms.size(); ++t) {
    const Term& term = terms[t];
    const double v = term.local * term.upstream;
    sum += v;
    if (t >= max_terms) {
      rest += v;
      continue;
    }
    list.push_back({{"path", term.path},
                    {"local_names", term.local_names},
                    {"local_numbers", term.local_numbers},
                    {"local", number(term.local)},
                    {"upstream_name", term.upstream_name},
                    {"upstream", number(term.upstream)},
                    {"value", number(v)},
                    {"link", term.link}});
  }
  out["rule"] = rule;
  out["terms"] = std::move(list);
  if (terms.size() > max_terms) out["more"] = {{"count", terms.size() - max_terms}, {"sum", number(rest)}};
  out["sum"] = number(sum);
  out["value"] = number(value);
  out["hand"] = by_hand ? number(*by_hand) : json(nullptr);
  return out;
}

}  // namespace tapegrad::lab
