// Explain: how one gradient of the lab's network arises from the chain rule, term by term.
#pragma once

#include "io/model_format.hpp"
#include "lab/explorer.hpp"

namespace tapegrad::lab {

/// The explanation of the gradient of element `e` (a weight, bias, z, a or
/// the loss) after the tape's backward pass `pass` of `spec`:
///  - `name` (`g^[1W]_1,2`), `of` (`W_1,2^[1]`), `value` (the tape's
///    gradient) and `hand` (the hand derivation's, where it has one);
///  - `intro`, a sentence, and `rule`, the chain rule in names;
///  - `terms`, one per path into the element (each sample for a parameter,
///    each unit of the next layer that a fans out to), each with the local
///    derivative in names and in numbers, the upstream gradient and its name,
///    the term's value and a `link` to the element the upstream gradient
///    belongs to, so the page can follow the chain to L;
///  - `sum`, the terms added up (all of them; at most `max_terms` are listed,
///    `more` counts the others).
/// Numbers come from the tape: values, gradients, and local derivatives as
/// the engine's rules compute them. Throws std::invalid_argument for an
/// element that is not in the network.
json explain(const io::ModelSpec& spec, const Pass& pass, const Element& e,
             std::size_t max_terms = 64);

}  // namespace tapegrad::lab
