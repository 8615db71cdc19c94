// Bindings: the lab's C interface for the page. One call takes a JSON request and returns a
// JSON answer; every user mistake comes back as {"error": "<one line>"}, never as a crash.
//
//   const answer = JSON.parse(Module.UTF8ToString(Module._lab_call(request)));
//
// where `request` is the JSON text, UTF-8, in memory from Module._malloc (lab/page/app.js,
// engineText): not through ccall's "string", which copies it onto the 5 MB stack.
//
// Requests ("op"): example, open (text, name), build (sizes, hidden, output, loss, seed),
// state, set (element, value), explain (element), check, grad, save, steps (scalar, sample),
// and the training ops of lab/training.hpp. The decision boundary's grid is returned through
// lab_grid as raw doubles, to draw every frame without JSON.
#include <emscripten/emscripten.h>

#include <exception>
#include <new>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "io/text.hpp"
#include "lab/explorer.hpp"
#include "lab/json_util.hpp"
#include "lab/training.hpp"
#include "nn/activation.hpp"
#include "nn/losses.hpp"

namespace tapegrad::lab {
namespace {

std::optional<Explorer> explorer;
std::optional<Training> training;
std::string answer;  // the last answer; the page copies it before the next call

nn::Activation activation_of(const json& j, const char* key, nn::Activation fallback) {
  if (!j.contains(key)) return fallback;
  const auto name = j.at(key).get<std::string>();
  const auto g = nn::parse_activation(name);
  if (!g) throw std::invalid_argument(fmt::format("{} is {}; expected {}", key, io::quoted(name),
                                                  nn::activation_names));
  return *g;
}

nn::LossKind loss_of(const std::string& name) {
  const auto kind = nn::parse_loss(name);
  if (!kind)
    throw std::invalid_argument(fmt::format("loss is {}; expected bce, half_sse, softmax_ce or mse",
                                            io::quoted(name)));
  return *kind;
}

Explorer& current() {
  if (!explorer) explorer = Explorer::example();
  return *explorer;
}

Training& run() {
  if (!training) throw std::invalid_argument("train: no data set chosen yet");
  return *training;
}

json dispatch(const json& request) {
  const std::string op = request.at("op").get<std::string>();
  if (op == "example") {
    explorer = Explorer::example();
    return current().state();
  }
  if (op == "open") {
    explorer = Explorer::from_text(request.at("text").get<std::string>(),
                                   io::printable(request.value("name", std::string("model.json"))));
    return current().state();
  }
  if (op == "build") {
    const auto sizes = request.at("sizes").get<std::vector<std::uint32_t>>();
    const nn::LossKind loss = loss_of(request.value("loss", std::string("bce")));
    explorer = Explorer::build(sizes, activation_of(request, "hidden", nn::Activation::sigmoid),
                               activation_of(request, "output", nn::Activation::sigmoid), loss,
                               seed_of(request, "seed", 42, "new network: seed"));
    return current().state();
  }
  if (op == "state") return current().state();
  if (op == "set") {
    current().set(element_of(request.at("element")), request.at("value").get<double>());
    return current().state();
  }
  if (op == "explain") return current().explain(element_of(request.at("element")));
  if (op == "check") return current().check();
  if (op == "grad") return {{"text", current().grad_json()}};
  if (op == "save") return {{"text", current().model_text()}};
  if (op == "steps")
    return {{"html", current().step_page(request.value("scalar", false), request.value("sample", 0u))}};
  if (op.starts_with("train_")) {
    if (op == "train_setup") {
      training.reset();  // the old run's references go first
      training.emplace(request);
      return training->info();
    }
    if (op == "train_probe")
      return probe_csv(request.at("csv").get<std::string>(),
                       io::printable(request.value("name", std::string("data.csv"))));
    if (op == "train_run") return run().run(request.value("epochs", 1u), request.value("steps", 0u));
    if (op == "train_rewind") {
      run().rewind();
      return run().info();
    }
    if (op == "train_info") return run().info();
    if (op == "train_points") return run().points();
    if (op == "train_save") return {{"text", run().model_text()}};
    if (op == "train_csv") return {{"text", run().csv_text()}};
    if (op == "train_inspect") {
      explorer = run().inspect(request.value("rows", 8u));
      return current().state();
    }
  }
  throw std::invalid_argument("lab: unknown request " + io::quoted(op));
}

}  // namespace
}  // namespace tapegrad::lab

extern "C" {

/// Answers one JSON request (see the top of this file); the text stays valid until the next call.
EMSCRIPTEN_KEEPALIVE const char* lab_call(const char* request) {
  using tapegrad::lab::answer;
  try {
    answer = tapegrad::lab::dispatch(nlohmann::json::parse(request))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } catch (const std::bad_alloc&) {
    answer = R"({"error":"out of memory"})";
  } catch (const std::exception& e) {
    answer = nlohmann::json{{"error", tapegrad::io::one_line(e.what(), 400)}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return answer.c_str();
}

/// The decision boundary: the network's output for a grid of nx x ny points of the
/// data's plane, row by row from (x0, y0) to (x1, y1); null without a 2-D training run.
EMSCRIPTEN_KEEPALIVE const double* lab_grid(int nx, int ny, double x0, double x1, double y0, double y1) {
  try {
    if (!tapegrad::lab::training) return nullptr;
    return tapegrad::lab::training->grid(nx, ny, x0, x1, y0, y1);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}
