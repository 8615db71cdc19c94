// Rules: each elementwise op's row (autograd/op.hpp) as a Rule<op>, whose
// f and df (da, db for binary ops) every path of the engine calls.
#pragma once

#include <array>
#include <string_view>

#include "autograd/dual.hpp"
#include "autograd/math.hpp"
#include "autograd/op.hpp"

namespace tapegrad {

/// An elementwise rule's formulas as written in its row (C++ source text),
/// for the pictures and the page: unary {f, df}, binary {f, da, db}.
struct RuleSource {
  std::string_view f;
  std::array<std::string_view, 2> partials{};
};
/// The row of elementwise op `op`; empty for other ops.
RuleSource rule_source(Op op);

// The rules, one specialisation per row. `using namespace math` lets a row
// say exp(x) for math::exp(x); numbers and arguments a row does not use are
// [[maybe_unused]].
#define TAPEGRAD_UNARY_RULE(name, numbers, f_, df_)                                     \
  template <>                                                                           \
  struct Rule<Op::name> {                                                               \
    template <class T>                                                                  \
    static T f(T x, [[maybe_unused]] T p, [[maybe_unused]] T q) {             \
      using namespace math;                                                             \
      return f_;                                                                        \
    }                                                                                   \
    template <class T>                                                                  \
    static T df([[maybe_unused]] T x, [[maybe_unused]] T y,                   \
                          [[maybe_unused]] T p, [[maybe_unused]] T q) {                 \
      using namespace math;                                                             \
      return df_;                                                                       \
    }                                                                                   \
  };
#define TAPEGRAD_BINARY_RULE(name, function, f_, da_, db_)                              \
  template <>                                                                           \
  struct Rule<Op::name> {                                                               \
    template <class T>                                                                  \
    static T f(T a, T b) {                                                    \
      using namespace math;                                                             \
      return f_;                                                                        \
    }                                                                                   \
    template <class T>                                                                  \
    static T da([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T z) { \
      using namespace math;                                                             \
      return da_;                                                                       \
    }                                                                                   \
    template <class T>                                                                  \
    static T db([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T z) { \
      using namespace math;                                                             \
      return db_;                                                                       \
    }                                                                                   \
  };
TAPEGRAD_UNARY_RULES(TAPEGRAD_UNARY_RULE)
TAPEGRAD_BINARY_RULES(TAPEGRAD_BINARY_RULE)
#undef TAPEGRAD_UNARY_RULE
#undef TAPEGRAD_BINARY_RULE

}  // namespace tapegrad
