// Explorer: the engine's forward and backward pass on the lab's network, and what the page shows of it.
#include "lab/explorer.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "autograd/random.hpp"
#include "autograd/tape.hpp"
#include "io/model_io.hpp"
#include "lab/explain.hpp"
#include "lab/json_util.hpp"
#include "nn/losses.hpp"
#include "nn/mlp.hpp"
#include "reference/check.hpp"
#include "reference/example_4321.hpp"
#include "reference/hand_backprop.hpp"
#include "viz/backprop_view.hpp"

namespace tapegrad::lab {


Element element_of(const json& j) {
  Element e;
  e.what = j.at("what").get<std::string>();
  e.layer = j.value("layer", 0u);
  e.row = j.value("row", 0u);
  e.col = j.value("col", 0u);
  return e;
}

namespace {

// The loss a model file without one gets: the one its output layer is made for.
nn::LossKind usual_loss(nn::Activation output, std::uint32_t outputs) {
  if (output == nn::Activation::sigmoid) return nn::LossKind::bce;
  if (output == nn::Activation::identity && outputs >= 2) return nn::LossKind::softmax_ce;
  return nn::LossKind::mse;
}

// One sample for a network without data: inputs in [-1, 1] to one decimal, a valid target.
void make_up_sample(io::ModelSpec& spec) {
  const std::uint32_t inputs = spec.layers.front().W.rows(), outputs = spec.layers.back().W.cols();
  Generator generator(1);
  Tensor<double> x({1, inputs}, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::round(generator.uniform(-1.0, 1.0) * 10.0) / 10.0;
  Tensor<double> y({1, outputs}, 0.0);
  if (*spec.loss == nn::LossKind::softmax_ce || *spec.loss == nn::LossKind::bce) y[0] = 1.0;
  spec.x = std::move(x);
  spec.y = std::move(y);
}

}  // namespace

Explorer::Explorer(io::ModelSpec spec, std::string source, std::vector<std::string> notes)
    : spec_(std::move(spec)), source_(std::move(source)), notes_(std::move(notes)) {
  refresh();
}

Explorer Explorer::example() {
  return Explorer(reference::example_4321_model(), "the 4-3-2-1 example", {});
}

Explorer Explorer::from_text(std::string_view text, std::string_view source) {
  io::ModelSpec spec = io::parse_model(text, source);
  std::vector<std::string> notes;
  if (!spec.loss) {
    spec.loss = usual_loss(spec.layers.back().activation, spec.layers.back().W.cols());
    notes.push_back(fmt::format("{} names no loss: the lab uses {}, the usual one for a {} output",
                                source, nn::loss_name(*spec.loss),
                                nn::activation_name(spec.layers.back().activation)));
  }
  if (!spec.x) {
    make_up_sample(spec);
    notes.push_back(fmt::format("{} holds no data: the lab made up one sample x and its target y; "
                                "click them to edit",
                                source));
  }
  return Explorer(std::move(spec), std::string(source), std::move(notes));
}

Explorer Explorer::build(const std::vector<std::uint32_t>& sizes, nn::Activation hidden,
                         nn::Activation output, nn::LossKind loss, std::uint64_t seed) {
  if (sizes.size() < 2) throw std::invalid_argument("network: needs at least two sizes, inputs and outputs");
  for (const std::uint32_t n : sizes)
    if (n < 1 || n > 4096) throw std::invalid_argument("network: each size must be from 1 to 4096");
  nn::check_loss_activation(loss, output, "the output activation");
  if (loss == nn::LossKind::softmax_ce && sizes.back() < 2)
    throw std::invalid_argument("network: softmax_ce needs at least 2 outputs (one per class)");
  std::vector<nn::Activation> activations(sizes.size() - 1, hidden);
  activations.back() = output;
  const nn::Mlp<double> net(sizes, activations, seed);
  io::ModelSpec spec = io::to_spec(net);
  spec.loss = loss;
  make_up_sample(spec);
  return Explorer(std::move(spec), fmt::format("a new network (seed {})", seed), {});
}

Explorer Explorer::of(io::ModelSpec spec, std::string source, std::vector<std::string> notes) {
  return Explorer(std::move(spec), std::move(source), std::move(notes));
}

void Explorer::refresh() {
  nn::Mlp<double> net = io::to_mlp<double>(spec_);
  Tape<double> tape;
  std::vector<nn::LayerVars<double>> trace;
  const auto output = net.forward(tape.input(*spec_.x), trace);
  const auto y = tape.input(*spec_.y);
  tape.set_name(y, "y");
  const Var<double> L = nn::loss(*spec_.loss, output, y, spec_.reduction);
  tape.backward(L);
  // Values too large for doubles: say where, as `tapegrad grad` does, rather than show NaN.
  for (std::uint32_t id = 0; id < tape.size(); ++id) {
    const Shape shape = tape.shape(id);
    const double* values = tape.value_ptr(id);
    for (std::size_t k = 0; k < shape.size(); ++k)
      if (!std::isfinite(values[k]))
        throw std::invalid_argument(fmt::format(
            "{}: the forward pass overflows: {} is {}; the weights or data are too large for doubles",
            source_, tape.name(id).empty() ? fmt::format("record {}", id) : std::string(tape.name(id)),
            values[k]));
  }

  Pass p;
  p.loss = L.item();
  const std::size_t depth = net.depth();
  const auto grad_of = [&](Var<double> v) {
    return tape.has_grad(v.id()) ? Tensor<double>(v.grad()) : Tensor<double>(v.shape(), 0.0);
  };
  for (std::size_t k = 0; k <= depth; ++k) {
    p.z.emplace_back(k == 0 ? Tensor<double>() : Tensor<double>(trace[k].z.value()));
    p.a.emplace_back(trace[k].a.value());
    p.g_z.push_back(k == 0 ? Tensor<double>() : grad_of(trace[k].z));
    p.g_a.push_back(k == 0 ? Tensor<double>() : grad_of(trace[k].a));
    p.a_has_grad.push_back(k > 0 && tape.has_grad(trace[k].a.id()));
    p.g_W.push_back(k == 0 ? Tensor<double>() : net.layer(k).W.grad);
    p.g_b.push_back(k == 0 ? Tensor<double>() : net.layer(k).b.grad);
  }
  p.y = nn::dense_targets(*spec_.loss, spec_.y->view(), Shape{spec_.x->rows(), net.outputs()});
  pass_ = std::move(p);
}

void Explorer::set(const Element& e, double value) {
  if (!std::isfinite(value)) throw std::invalid_argument("edit: expected a finite number");
  const std::size_t depth = spec_.layers.size();
  Tensor<double>* target = nullptr;
  if (e.what == "W" || e.what == "b") {
    if (e.layer < 1 || e.layer > depth)
      throw std::invalid_argument(fmt::format("edit: no layer {}", e.layer));
    target = e.what == "W" ? &spec_.layers[e.layer - 1].W : &spec_.layers[e.layer - 1].b;
  } else if (e.what == "x") {
    target = &*spec_.x;
  } else if (e.what == "y") {
    target = &*spec_.y;
  } else {
    throw std::invalid_argument(fmt::format("edit: {} is computed, not set; edit a weight, bias, "
                                            "input or target",
                                            e.what));
  }
  if (e.row >= target->rows() || e.col >= target->cols())
    throw std::invalid_argument(fmt::format("edit: ({}, {}) is outside {} {}", e.row + 1, e.col + 1,
                                            e.what, target->shape()));
  const io::ModelSpec saved = spec_;
  // A one-hot target row stays a distribution: setting class j makes the row one-hot at j.
  const bool one_hot = e.what == "y" && *spec_.loss == nn::LossKind::softmax_ce &&
                       !nn::is_class_index(*spec_.loss, target->shape(),
                                           Shape{target->rows(), spec_.layers.back().W.cols()});
  if (one_hot) {
    if (value != 1.0)
      throw std::invalid_argument(
          "edit: a softmax_ce target row is one-hot; set 1 on the class the sample belongs to");
    for (std::uint32_t j = 0; j < target->cols(); ++j) (*target)(e.row, j) = j == e.col ? 1.0 : 0.0;
  } else {
    (*target)(e.row, e.col) = value;
  }
  try {
    refresh();
  } catch (...) {
    spec_ = saved;
    refresh();
    throw;
  }
}

json Explorer::state() const {
  const std::size_t depth = spec_.layers.size();
  json layers = json::array();
  for (std::size_t k = 0; k <= depth; ++k) {
    json layer = {{"a", rows(pass_.a[k])}};
    if (k > 0) {
      const io::LayerSpec& l = spec_.layers[k - 1];
      layer["activation"] = nn::activation_name(l.activation);
      layer["W"] = rows(l.W);
      layer["b"] = rows(l.b);
      layer["z"] = rows(pass_.z[k]);
      layer["gW"] = rows(pass_.g_W[k]);
      layer["gb"] = rows(pass_.g_b[k]);
      layer["gz"] = rows(pass_.g_z[k]);
      layer["ga"] = pass_.a_has_grad[k] ? rows(pass_.g_a[k]) : json(nullptr);
    }
    layers.push_back(std::move(layer));
  }
  std::vector<std::uint32_t> sizes{spec_.layers.front().W.rows()};
  for (const auto& l : spec_.layers) sizes.push_back(l.W.cols());

  const nn::Mlp<double> net = io::to_mlp<double>(spec_);
  const auto hand = reference::hand_backprop(net, *spec_.x, pass_.y, *spec_.loss, spec_.reduction);
  json hand_json = {{"loss", number(hand.loss)}, {"gW", json::array()}, {"gb", json::array()},
                    {"gz", json::array()}, {"ga", json::array()}};
  for (std::size_t k = 0; k <= depth; ++k) {
    hand_json["gW"].push_back(k ? rows(hand.g_W[k]) : json(nullptr));
    hand_json["gb"].push_back(k ? rows(hand.g_b[k]) : json(nullptr));
    hand_json["gz"].push_back(k ? rows(hand.g_z[k]) : json(nullptr));
    hand_json["ga"].push_back(rows(hand.g_a[k]));
  }
  const bool class_index =
      nn::is_class_index(*spec_.loss, spec_.y->shape(), Shape{spec_.x->rows(), sizes.back()});
  return {{"source", source_},
          {"notes", notes_},
          {"sizes", sizes},
          {"loss_kind", nn::loss_name(*spec_.loss)},
          {"reduction", spec_.reduction == Reduction::mean ? "mean" : "sum"},
          {"m", spec_.x->rows()},
          {"layers", std::move(layers)},
          {"x", rows(*spec_.x)},
          {"y", rows(*spec_.y)},
          {"y_dense", rows(pass_.y)},
          {"y_class_index", class_index},
          {"L", number(pass_.loss)},
          {"hand", std::move(hand_json)},
          {"parameters", net.parameter_count()},
          {"scalar_records", scalar_records()}};
}

json Explorer::check() const {
  nn::Mlp<double> net = io::to_mlp<double>(spec_);
  const reference::CheckReport report =
      reference::check_gradients(net, *spec_.x, pass_.y, *spec_.loss, spec_.reduction);
  json parameters = json::array();
  const auto difference = [](const reference::Difference& d) {
    return json{{"abs", number(d.abs)}, {"rel", number(d.rel)}};
  };
  for (const auto& p : report.parameters)
    parameters.push_back({{"name", p.name},
                          {"shape", {p.shape.rows, p.shape.cols}},
                          {"tape_hand", difference(p.autodiff_hand)},
                          {"tape_fd", difference(p.autodiff_fd)},
                          {"hand_fd", difference(p.hand_fd)},
                          {"passed", p.passed}});
  return {{"parameters", std::move(parameters)},
          {"loss_tape", number(report.loss_autodiff)},
          {"loss_hand", number(report.loss_hand)},
          {"hand_tolerance", report.options.hand_tolerance},
          {"fd_tolerance", report.options.fd_tolerance},
          {"eps", report.options.eps},
          {"passed", report.passed()},
          {"text", fmt::format("{}", report)}};
}

json Explorer::explain(const Element& e) const { return lab::explain(spec_, pass_, e); }

std::string Explorer::grad_json() const {
  nn::Mlp<double> net = io::to_mlp<double>(spec_);
  auto layers = net.layers();
  for (std::size_t k = 0; k < layers.size(); ++k) {
    layers[k].W.grad = pass_.g_W[k + 1];
    layers[k].b.grad = pass_.g_b[k + 1];
  }
  return io::format_gradients(pass_.loss, net);
}

std::string Explorer::model_text() const { return io::format_model(spec_); }

std::string Explorer::step_page(bool scalar, std::uint32_t sample) const {
  if (sample >= spec_.x->rows())
    throw std::invalid_argument(fmt::format("step through: no sample {}; x has {} rows", sample + 1,
                                            spec_.x->rows()));
  viz::BackpropViewOptions options;
  options.scalar = scalar;
  options.sample = sample;
  options.title = scalar ? fmt::format("{}: the scalar view of sample {}", source_, sample + 1)
                         : fmt::format("{}: the tensor view", source_);
  return viz::backprop_view_html(spec_, options);
}

std::size_t Explorer::scalar_records() const {
  // Per layer: a leaf per weight and bias, a product and a sum per weight, a
  // sum for the bias and the activation per neuron; then the loss's few records.
  std::size_t records = spec_.layers.front().W.rows();
  for (const auto& l : spec_.layers) records += 3 * l.W.size() + 3 * l.b.size();
  return records + 6 * spec_.layers.back().W.cols() + 2;
}

}  // namespace tapegrad::lab
