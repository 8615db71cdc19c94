// HTML view: one self-contained page that plays the reverse walk of a tape step by step.
//
//   tape.backward(L);
//   tapegrad::viz::ViewOptions options;
//   options.hand_gradients["z^[2]"] = my_hand_g_z2;   // optional: shown beside each step
//   tapegrad::viz::write_html_view(tape, L, "backprop.html", options);
//
// The page needs no network and no Graphviz: its script, style and data are
// inline, and it lays the graph out itself (one column per small layer), so it
// can show each value and gradient only once the step that computes it is
// reached. Its HTML, CSS and JS live in viz/page/, embedded at build time.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <type_traits>

#include "viz/graph_export.hpp"
#include "autograd/tape.hpp"
#include "autograd/tensor.hpp"

namespace tapegrad::viz {

struct ViewOptions {
  std::string title = "tapegrad: backpropagation step by step";
  /// Gradients from a hand derivation, by value name (`z^[2]`, `W^[1]`, `W_1,1^[1]`);
  /// each step shows the entry of the record it processes, for comparison.
  std::map<std::string, Tensor<double>> hand_gradients;
};

/// The steps of the last backward from `output`, as JSON: for each record in
/// reverse-walk order its gradient (the upstream gradient of its inputs), the
/// chain-rule formula in the derivation's notation, and for each input that needs a
/// gradient the local derivative, the contribution and the running sum where
/// the input fans out. Replays each record's backward rule in isolation to
/// measure its contribution; the tape's gradients are restored exactly.
/// Throws std::logic_error unless the last backward started at `output`.
template <class T>
std::string backward_steps_json(Tape<T>& tape, std::type_identity_t<Var<T>> output);

/// The gradient of every record the last backward reached, in reverse-walk
/// order, as JSON `{"steps": [{"step", "id", "name", "grad"}]}`, read straight
/// from the tape (what the page's steps must show; tests use it).
template <class T>
std::string engine_gradients_json(const Tape<T>& tape);

/// The forward pass as steps: each record `output` depends on (and each named
/// record computed beside it, such as y_hat) that an op computes, in tape
/// order, with its equation as parts `{"text", "id"}` (an id marks a name).
template <class T>
std::string forward_steps_json(const Tape<T>& tape, std::type_identity_t<Var<T>> output);

/// The whole page for the last backward from `output`: the forward steps, then
/// the backward steps (see forward_steps_json, backward_steps_json).
template <class T>
std::string to_html_view(Tape<T>& tape, std::type_identity_t<Var<T>> output, const ViewOptions& options = {});

/// Writes the page to `path`; throws std::runtime_error if it cannot.
template <class T>
void write_html_view(Tape<T>& tape, std::type_identity_t<Var<T>> output, const std::filesystem::path& path,
                     const ViewOptions& options = {});

}  // namespace tapegrad::viz
