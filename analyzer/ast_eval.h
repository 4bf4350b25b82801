// Small helpers over libclang's C API: strings, tokens, and evaluating an
// expression the way the compiler sees it.
#pragma once

#include <clang-c/Index.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "effects.h"

namespace tlsfloor::analyzer {

std::string str(CXString s); // takes ownership

// Evaluates `expr`: integer constant expressions (macros, enumerators, casts,
// arithmetic, OR-ed flags), string literals after concatenation, the
// enumerator an expression names, `&var`, and variables: const ones from their
// initialiser; locals from their initialiser and the straight-line writes
// before `use` (`opts = A; opts |= B;`). A local written in a branch or a
// loop, through a pointer or a non-const reference is not a constant: no
// value. `use` is the sink the value reaches (its own `&var` is no write).
std::optional<EvalValue> evaluate(CXTranslationUnit tu, CXCursor expr, CXCursor use);

// The values a local may hold where `use` reads it, when `evaluate` finds
// no single one: a local assigned constants on several paths (`switch
// (cfg) { case A: v = TLS1_VERSION; break; ... }`). Every write must be a
// plain `=`; a write that is not a constant makes the answer incomplete
// (`complete` false) but the constant ones are still returned. Writes after
// `use`, and writes overwritten by a later unconditional write before it,
// do not reach it. Each value comes with the line it is written on.
struct PossibleValue {
  EvalValue value;
  unsigned line = 0;
  std::string written; // `v = TLS1_VERSION`
};
std::vector<PossibleValue> possibleValues(CXTranslationUnit tu, CXCursor expr, CXCursor use,
                                          bool &complete);
// The same for a local read at `useOffset` of the main file by code the AST
// lost (a call recovered from tokens).
std::vector<PossibleValue> possibleValuesAt(CXTranslationUnit tu, CXCursor var,
                                            unsigned useOffset, bool &complete);

// The tokens of `range`, joined as written (spaces only between words).
std::string spell(CXTranslationUnit tu, CXSourceRange range);

// Splits the tokens of a written call `name(a, b(c, d), e)` into argument
// spellings {"a", "b(c, d)", "e"}. Empty when the range is not a call.
std::vector<std::string> spelledArguments(CXTranslationUnit tu, CXSourceRange callRange);

// Through implicit casts, parentheses and explicit casts to the expression
// that carries the value.
CXCursor stripExpr(CXCursor expr);

// A cursor's children, in order.
std::vector<CXCursor> children(CXCursor c);

} // namespace tlsfloor::analyzer
