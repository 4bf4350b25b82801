// Small helpers over libclang's C API: strings, tokens, and evaluating an
// argument to an integer the way the compiler sees it.
#pragma once

#include <clang-c/Index.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tlsfloor::analyzer {

std::string str(CXString s); // takes ownership

// The value of an expression and how it was obtained.
struct EvalValue {
  uint64_t value = 0;
  // Non-empty when the value came through a variable: "v = TLS1_VERSION".
  std::string via;
};

// Evaluates `expr` to an integer: constant expressions (macros, enumerators,
// casts, arithmetic) through clang_Cursor_Evaluate, and variables that are
// initialised once from a constant and never written or have their address
// taken afterwards (locals), or are const-qualified (any scope).
std::optional<EvalValue> evaluateInteger(CXTranslationUnit tu, CXCursor expr);

// The tokens of `range`, joined as written (spaces only between words).
std::string spell(CXTranslationUnit tu, CXSourceRange range);

// Splits the tokens of a written call `name(a, b(c, d), e)` into argument
// spellings {"a", "b(c, d)", "e"}. Empty when the range is not a call.
std::vector<std::string> spelledArguments(CXTranslationUnit tu, CXSourceRange callRange);

} // namespace tlsfloor::analyzer
