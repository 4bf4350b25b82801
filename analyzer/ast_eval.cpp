#include "ast_eval.h"

#include <algorithm>
#include <cctype>

namespace tlsfloor::analyzer {

std::string str(CXString s) {
  const char *c = clang_getCString(s);
  std::string out = c ? c : "";
  clang_disposeString(s);
  return out;
}

namespace {

bool sameDecl(CXCursor a, CXCursor b) {
  return clang_equalCursors(clang_getCanonicalCursor(a), clang_getCanonicalCursor(b));
}

std::optional<EvalValue> evaluateConstant(CXCursor expr) {
  CXEvalResult r = clang_Cursor_Evaluate(expr);
  if (!r)
    return std::nullopt;
  std::optional<EvalValue> out;
  CXEvalResultKind kind = clang_EvalResult_getKind(r);
  if (kind == CXEval_Int) {
    out = EvalValue{};
    out->integer = clang_EvalResult_isUnsignedInt(r)
                       ? static_cast<uint64_t>(clang_EvalResult_getAsUnsigned(r))
                       : static_cast<uint64_t>(clang_EvalResult_getAsLongLong(r));
  } else if (kind == CXEval_StrLiteral) {
    const char *text = clang_EvalResult_getAsStr(r);
    out = EvalValue{};
    out->string = text ? text : "";
  }
  clang_EvalResult_dispose(r);
  return out;
}

bool transparent(CXCursorKind k) {
  return k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr || k == CXCursor_CStyleCastExpr ||
         k == CXCursor_CXXStaticCastExpr || k == CXCursor_CXXFunctionalCastExpr ||
         k == CXCursor_CXXConstCastExpr || k == CXCursor_CXXReinterpretCastExpr;
}

// Descends through implicit casts, parentheses and explicit casts to the
// expression that carries the value.
CXCursor strip(CXCursor expr) {
  for (int depth = 0; depth < 16 && transparent(clang_getCursorKind(expr)); ++depth) {
    std::vector<CXCursor> kids = children(expr);
    // Casts may have a type reference first: the value is the last child.
    while (!kids.empty() && clang_getCursorKind(kids.back()) == CXCursor_TypeRef)
      kids.pop_back();
    if (kids.empty())
      break;
    expr = kids.back();
  }
  return expr;
}

// The declaration a (stripped) DeclRefExpr names.
std::optional<CXCursor> referenced(CXCursor expr, CXCursorKind kind) {
  expr = strip(expr);
  if (clang_getCursorKind(expr) != CXCursor_DeclRefExpr)
    return std::nullopt;
  CXCursor ref = clang_getCursorReferenced(expr);
  if (clang_getCursorKind(ref) != kind)
    return std::nullopt;
  return ref;
}

bool refersTo(CXCursor expr, CXCursor var) {
  auto ref = referenced(expr, CXCursor_VarDecl);
  return ref && sameDecl(*ref, var);
}

unsigned offsetOf(CXCursor c) {
  unsigned offset = 0;
  clang_getExpansionLocation(clang_getCursorLocation(c), nullptr, nullptr, nullptr, &offset);
  return offset;
}

// The same node, reached by two different walks (clang_equalCursors also
// compares how the cursor was reached).
bool sameNode(CXCursor a, CXCursor b) {
  return clang_getCursorKind(a) == clang_getCursorKind(b) &&
         clang_equalRanges(clang_getCursorExtent(a), clang_getCursorExtent(b));
}

// Whether `container`'s extent (expansion offsets) holds `offset`.
bool holdsOffset(CXCursor container, unsigned offset) {
  CXSourceRange r = clang_getCursorExtent(container);
  unsigned b = 0, e = 0;
  clang_getExpansionLocation(clang_getRangeStart(r), nullptr, nullptr, nullptr, &b);
  clang_getExpansionLocation(clang_getRangeEnd(r), nullptr, nullptr, nullptr, &e);
  return offset >= b && offset <= e;
}

bool inside(CXCursor c, CXCursor container) { return holdsOffset(container, offsetOf(c)); }

// A write to the variable: `v = x`, `v |= x`, `++v`, `&v`, `f(v)` with a
// non-const reference parameter.
struct Write {
  CXCursor where;
  CXBinaryOperatorKind op = CXBinaryOperator_Invalid; // Invalid: not a plain (compound) assignment
  CXCursor rhs = clang_getNullCursor();
};

struct WriteSearch {
  CXCursor var;
  CXCursor use;
  std::vector<Write> writes;
};

bool nonConstReference(CXType t) {
  return t.kind == CXType_LValueReference &&
         !clang_isConstQualifiedType(clang_getPointeeType(t));
}

CXChildVisitResult findWrites(CXCursor c, CXCursor, CXClientData data) {
  auto *search = static_cast<WriteSearch *>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_BinaryOperator || k == CXCursor_CompoundAssignOperator) {
    CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
    std::vector<CXCursor> kids = children(c);
    if (op >= CXBinaryOperator_Assign && op <= CXBinaryOperator_OrAssign && kids.size() == 2 &&
        refersTo(kids[0], search->var))
      search->writes.push_back({c, op, kids[1]});
  } else if (k == CXCursor_UnaryOperator) {
    CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
    std::vector<CXCursor> kids = children(c);
    bool ownAddress = op == CXUnaryOperator_AddrOf && !clang_Cursor_isNull(search->use) &&
                      inside(c, search->use);
    if ((op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec ||
         op == CXUnaryOperator_PreInc || op == CXUnaryOperator_PreDec ||
         op == CXUnaryOperator_AddrOf) &&
        !ownAddress && !kids.empty() && refersTo(kids[0], search->var))
      search->writes.push_back({c});
  } else if (k == CXCursor_CallExpr) {
    // Passed to a non-const reference parameter (`bump(v)`): written.
    CXCursor callee = clang_getCursorReferenced(c);
    int n = clang_Cursor_getNumArguments(c);
    for (int i = 0; i < n; ++i) {
      if (!refersTo(clang_Cursor_getArgument(c, static_cast<unsigned>(i)), search->var))
        continue;
      CXType fnType = clang_getCursorType(callee);
      int declared = clang_getNumArgTypes(fnType);
      if (declared >= 0 && i >= declared && clang_isFunctionTypeVariadic(fnType))
        continue; // passed through `...`: by value
      CXType param = clang_getArgType(fnType, static_cast<unsigned>(i));
      if (param.kind == CXType_Invalid || nonConstReference(param))
        search->writes.push_back({c});
    }
  }
  return CXChildVisitResult::CXChildVisit_Recurse;
}

bool isLocal(CXCursor var) {
  CXCursorKind parent = clang_getCursorKind(clang_getCursorSemanticParent(var));
  return parent == CXCursor_FunctionDecl || parent == CXCursor_CXXMethod ||
         parent == CXCursor_Constructor || parent == CXCursor_Destructor ||
         parent == CXCursor_FunctionTemplate || parent == CXCursor_LambdaExpr;
}

// The statement of the function body that holds `c` (its top-level statement).
bool topLevelStatement(CXCursor body, CXCursor c, CXCursor &stmt) {
  for (CXCursor s : children(body))
    if (inside(c, s)) {
      stmt = s;
      return true;
    }
  return false;
}

std::optional<uint64_t> fold(CXBinaryOperatorKind op, uint64_t a, uint64_t b) {
  switch (op) {
  case CXBinaryOperator_Assign:
    return b;
  case CXBinaryOperator_OrAssign:
    return a | b;
  case CXBinaryOperator_AndAssign:
    return a & b;
  case CXBinaryOperator_XorAssign:
    return a ^ b;
  default:
    return std::nullopt;
  }
}

std::optional<EvalValue> evaluateDepth(CXTranslationUnit tu, CXCursor expr, CXCursor use,
                                       int depth);

// A local's value where `use` reads it: its initialiser, then every write
// before `use`, each a plain statement of the function body (not inside a
// branch or loop) with a constant right-hand side.
std::optional<EvalValue> localValue(CXTranslationUnit tu, CXCursor var, CXCursor use, int depth) {
  CXCursor fn = clang_getCursorSemanticParent(var);
  CXCursor body = clang_getNullCursor();
  for (CXCursor c : children(fn))
    if (clang_getCursorKind(c) == CXCursor_CompoundStmt)
      body = c;
  if (clang_Cursor_isNull(body))
    return std::nullopt;
  WriteSearch search{var, use, {}};
  clang_visitChildren(fn, findWrites, &search);
  CXCursor init = clang_Cursor_getVarDeclInitializer(var);
  std::optional<EvalValue> value;
  if (!clang_Cursor_isNull(init))
    value = evaluateDepth(tu, init, use, depth + 1);
  unsigned useOffset = offsetOf(use);
  CXCursor useStmt;
  bool useTop = topLevelStatement(body, use, useStmt);
  unsigned written = 0;
  for (const Write &w : search.writes) {
    CXCursor stmt;
    bool plain = w.op != CXBinaryOperator_Invalid && topLevelStatement(body, w.where, stmt) &&
                 sameNode(stmt, w.where);
    if (!plain)
      return std::nullopt; // in a branch, a loop, through a pointer or reference
    if (offsetOf(w.where) > useOffset)
      continue; // straight line: later writes do not reach the use...
    if (useTop && sameNode(useStmt, w.where))
      continue;
    std::optional<EvalValue> rhs = evaluateDepth(tu, w.rhs, use, depth + 1);
    if (!rhs)
      return std::nullopt;
    if (w.op == CXBinaryOperator_Assign) {
      value = rhs;
    } else {
      if (!value || !value->integer || !rhs->integer)
        return std::nullopt;
      auto folded = fold(w.op, *value->integer, *rhs->integer);
      if (!folded)
        return std::nullopt;
      value->integer = folded;
      value->enumerator.clear();
    }
    ++written;
  }
  if (!useTop && !search.writes.empty()) {
    // ...unless the use sits in a loop that a later write could reach again.
    for (const Write &w : search.writes)
      if (offsetOf(w.where) > useOffset)
        return std::nullopt;
  }
  if (value && written)
    value->via.clear(); // several writes: name the variable only
  return value;
}

std::optional<EvalValue> evaluateDepth(CXTranslationUnit tu, CXCursor expr, CXCursor use,
                                       int depth) {
  if (depth > 6)
    return std::nullopt;
  CXCursor bare = strip(expr);
  std::optional<EvalValue> v = evaluateConstant(expr);
  if (!v && !clang_equalCursors(bare, expr))
    v = evaluateConstant(bare); // ("text") and decayed literals: the literal itself
  if (auto e = referenced(bare, CXCursor_EnumConstantDecl)) {
    if (!v) {
      v = EvalValue{};
      v->integer = static_cast<uint64_t>(clang_getEnumConstantDeclValue(*e));
    }
    v->enumerator = str(clang_getCursorSpelling(*e));
    return v;
  }
  if (v && !referenced(bare, CXCursor_VarDecl))
    return v;
  if (v) {
    // A constant variable: its initialiser says which enumerator it holds
    // (`const QSsl::SslProtocol p = QSsl::TlsV1_1OrLater;`).
    auto var = referenced(bare, CXCursor_VarDecl);
    CXCursor init = clang_Cursor_getVarDeclInitializer(*var);
    if (!clang_Cursor_isNull(init))
      if (auto inner = evaluateDepth(tu, init, use, depth + 1))
        if (!inner->enumerator.empty() && inner->integer == v->integer)
          v->enumerator = inner->enumerator;
    return v;
  }
  if (clang_getCursorKind(bare) == CXCursor_CallExpr) {
    // Not a constant, but which function it calls is a fact (a method
    // returned by TLS_client_method()).
    CXCursor callee = clang_getCursorReferenced(bare);
    if (clang_Cursor_isNull(callee) || clang_isInvalid(clang_getCursorKind(callee)))
      return std::nullopt;
    EvalValue out;
    out.callee = str(clang_getCursorSpelling(callee));
    return out;
  }
  if (clang_getCursorKind(bare) == CXCursor_UnaryOperator &&
      clang_getCursorUnaryOperatorKind(bare) == CXUnaryOperator_AddrOf) {
    std::vector<CXCursor> kids = children(bare);
    return kids.empty() ? std::nullopt : evaluateDepth(tu, kids[0], use, depth + 1);
  }
  auto var = referenced(bare, CXCursor_VarDecl);
  if (!var)
    return std::nullopt;
  CXType varType = clang_getCursorType(*var);
  bool isConst = clang_isConstQualifiedType(varType) ||
                 (clang_getArrayElementType(varType).kind != CXType_Invalid &&
                  clang_isConstQualifiedType(clang_getArrayElementType(varType)));
  std::optional<EvalValue> inner;
  if (isConst) {
    CXCursor init = clang_Cursor_getVarDeclInitializer(*var);
    if (clang_Cursor_isNull(init))
      return std::nullopt;
    inner = evaluateDepth(tu, init, use, depth + 1);
  } else {
    if (!isLocal(*var))
      return std::nullopt; // other translation units may write it
    inner = localValue(tu, *var, use, depth);
  }
  if (!inner)
    return std::nullopt;
  std::string name = str(clang_getCursorSpelling(*var));
  if (inner->via.empty()) {
    // The declaration as written ("int v = TLS1_VERSION"), only from the
    // scanned file, never from a file it includes.
    bool inMain = clang_Location_isFromMainFile(clang_getCursorLocation(*var));
    std::string decl = inMain ? spell(tu, clang_getCursorExtent(*var)) : std::string();
    size_t eq = decl.find('=');
    std::string initText = eq == std::string::npos ? std::string() : decl.substr(eq + 1);
    while (!initText.empty() && initText.front() == ' ')
      initText.erase(0, 1);
    inner->via = name + " = " + (initText.empty() ? "..." : initText);
  } else {
    inner->via = name + " = " + inner->via;
  }
  return inner;
}

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

} // namespace

std::optional<EvalValue> evaluate(CXTranslationUnit tu, CXCursor expr, CXCursor use) {
  return evaluateDepth(tu, expr, use, 0);
}

CXCursor stripExpr(CXCursor expr) { return strip(expr); }

std::vector<CXCursor> children(CXCursor c) {
  std::vector<CXCursor> out;
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        static_cast<std::vector<CXCursor> *>(data)->push_back(child);
        return CXChildVisit_Continue;
      },
      &out);
  return out;
}

static std::vector<std::string> tokens(CXTranslationUnit tu, CXSourceRange range) {
  CXToken *toks = nullptr;
  unsigned n = 0;
  clang_tokenize(tu, range, &toks, &n);
  std::vector<std::string> out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i)
    if (clang_getTokenKind(toks[i]) != CXToken_Comment)
      out.push_back(str(clang_getTokenSpelling(tu, toks[i])));
  if (toks)
    clang_disposeTokens(tu, toks, n);
  return out;
}

static std::string joinTokens(const std::vector<std::string> &toks, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    const std::string &t = toks[i];
    if (!out.empty() && isWordChar(out.back()) && !t.empty() && isWordChar(t.front()))
      out += ' ';
    else if (!out.empty() && (t == "|" || t == "&" || t == "+" || t == "-" || t == "?" ||
                              t == ":" || t == "<<" || t == ">>" || out.back() == ',' ||
                              out.back() == '|' || out.back() == '&'))
      out += ' ';
    out += t;
  }
  return out;
}

// `use` may be null (a call the AST lost): then only `useOffset` places it.
static std::vector<PossibleValue> possibleValuesOf(CXTranslationUnit tu, std::optional<CXCursor> var,
                                                   CXCursor use, unsigned useOffset,
                                                   bool &complete) {
  complete = false;
  std::vector<PossibleValue> out;
  if (!var || !isLocal(*var) || clang_isConstQualifiedType(clang_getCursorType(*var)))
    return out;
  CXCursor fn = clang_getCursorSemanticParent(*var);
  CXCursor body = clang_getNullCursor();
  for (CXCursor c : children(fn))
    if (clang_getCursorKind(c) == CXCursor_CompoundStmt)
      body = c;
  if (clang_Cursor_isNull(body))
    return out;
  WriteSearch search{*var, use, {}};
  clang_visitChildren(fn, findWrites, &search);
  // Unconditional writes (statements of the body itself) kill what came before.
  std::vector<unsigned> kills;
  for (const Write &w : search.writes) {
    if (w.op != CXBinaryOperator_Assign)
      return out; // `|=`, `++`, `&v`, a reference: not a set of constants
    CXCursor stmt;
    if (topLevelStatement(body, w.where, stmt) && sameNode(stmt, w.where))
      kills.push_back(offsetOf(w.where));
  }
  auto killed = [&](unsigned at) {
    return std::any_of(kills.begin(), kills.end(),
                       [&](unsigned k) { return k > at && k < useOffset; });
  };
  auto lineOf = [](CXCursor c) {
    unsigned line = 0;
    clang_getExpansionLocation(clang_getCursorLocation(c), nullptr, &line, nullptr, nullptr);
    return line;
  };
  std::string name = str(clang_getCursorSpelling(*var));
  bool all = true;
  // If statements holding the use: a write in one branch does not reach a
  // use in the other.
  struct Ifs {
    unsigned use;
    std::vector<CXCursor> found;
  } ifs{useOffset, {}};
  clang_visitChildren(
      body,
      [](CXCursor c, CXCursor, CXClientData d) {
        auto *f = static_cast<Ifs *>(d);
        if (clang_getCursorKind(c) == CXCursor_IfStmt && holdsOffset(c, f->use))
          f->found.push_back(c);
        return CXChildVisit_Recurse;
      },
      &ifs);
  auto otherBranch = [&](CXCursor write) {
    for (CXCursor stmt : ifs.found) {
      std::vector<CXCursor> parts = children(stmt);
      if (parts.size() < 3)
        continue;
      CXCursor thenPart = parts[parts.size() - 2], elsePart = parts.back();
      if ((inside(write, thenPart) && holdsOffset(elsePart, useOffset)) ||
          (inside(write, elsePart) && holdsOffset(thenPart, useOffset)))
        return true;
    }
    return false;
  };
  for (const Write &w : search.writes) {
    unsigned at = offsetOf(w.where);
    if (at > useOffset || killed(at) || otherBranch(w.where))
      continue;
    if (auto v = evaluateDepth(tu, w.rhs, clang_Cursor_isNull(use) ? w.where : use, 1))
      out.push_back({*v, lineOf(w.where), spell(tu, clang_getCursorExtent(w.where))});
    else
      all = false;
  }
  // The initialiser, unless it is a zero placeholder that the writes replace
  // (`int v = 0; switch (cfg) { case A: v = ...`).
  CXCursor init = clang_Cursor_getVarDeclInitializer(*var);
  if (!clang_Cursor_isNull(init) && !killed(offsetOf(*var))) {
    auto v = evaluateDepth(tu, init, clang_Cursor_isNull(use) ? *var : use, 1);
    bool placeholder = v && ((v->integer && *v->integer == 0) || (v->string && v->string->empty())) &&
                       (!out.empty() || !all);
    if (v && !placeholder)
      out.insert(out.begin(), {*v, lineOf(*var), spell(tu, clang_getCursorExtent(*var))});
    else if (!v)
      all = false;
  }
  complete = all && !out.empty();
  return out;
}

std::vector<PossibleValue> possibleValues(CXTranslationUnit tu, CXCursor expr, CXCursor use,
                                          bool &complete) {
  return possibleValuesOf(tu, referenced(strip(expr), CXCursor_VarDecl), use, offsetOf(use),
                          complete);
}

std::vector<PossibleValue> possibleValuesAt(CXTranslationUnit tu, CXCursor var,
                                            unsigned useOffset, bool &complete) {
  return possibleValuesOf(tu, var, clang_getNullCursor(), useOffset, complete);
}

std::string spell(CXTranslationUnit tu, CXSourceRange range) {
  auto toks = tokens(tu, range);
  return joinTokens(toks, 0, toks.size());
}

std::vector<std::string> spelledArguments(CXTranslationUnit tu, CXSourceRange callRange) {
  auto toks = tokens(tu, callRange);
  std::vector<std::string> args;
  size_t open = 0;
  while (open < toks.size() && toks[open] != "(")
    ++open;
  if (open == toks.size())
    return args;
  int depth = 0;
  size_t start = open + 1;
  for (size_t i = open; i < toks.size(); ++i) {
    const std::string &t = toks[i];
    if (t == "(" || t == "[" || t == "{") {
      ++depth;
    } else if (t == ")" || t == "]" || t == "}") {
      if (--depth == 0) {
        if (i > start || !args.empty())
          args.push_back(joinTokens(toks, start, i));
        break;
      }
    } else if (t == "," && depth == 1) {
      args.push_back(joinTokens(toks, start, i));
      start = i + 1;
    }
  }
  return args;
}

} // namespace tlsfloor::analyzer
