#include "ast_eval.h"

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

std::optional<uint64_t> evaluateConstant(CXCursor expr) {
  CXEvalResult r = clang_Cursor_Evaluate(expr);
  if (!r)
    return std::nullopt;
  std::optional<uint64_t> out;
  if (clang_EvalResult_getKind(r) == CXEval_Int) {
    out = clang_EvalResult_isUnsignedInt(r)
              ? static_cast<uint64_t>(clang_EvalResult_getAsUnsigned(r))
              : static_cast<uint64_t>(clang_EvalResult_getAsLongLong(r));
  }
  clang_EvalResult_dispose(r);
  return out;
}

// Descends through implicit casts, parentheses and explicit casts to a
// DeclRefExpr naming a variable.
std::optional<CXCursor> referencedVariable(CXCursor expr) {
  for (int depth = 0; depth < 8; ++depth) {
    CXCursorKind k = clang_getCursorKind(expr);
    if (k == CXCursor_DeclRefExpr) {
      CXCursor ref = clang_getCursorReferenced(expr);
      if (clang_getCursorKind(ref) == CXCursor_VarDecl)
        return ref;
      return std::nullopt;
    }
    if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr && k != CXCursor_CStyleCastExpr &&
        k != CXCursor_CXXStaticCastExpr && k != CXCursor_CXXFunctionalCastExpr)
      return std::nullopt;
    // Take the last child: for casts the first child may be a type reference.
    std::optional<CXCursor> child;
    clang_visitChildren(
        expr,
        [](CXCursor c, CXCursor, CXClientData data) {
          *static_cast<std::optional<CXCursor> *>(data) = c;
          return CXChildVisit_Continue;
        },
        &child);
    if (!child)
      return std::nullopt;
    expr = *child;
  }
  return std::nullopt;
}

struct WriteSearch {
  CXCursor var;
  bool written = false;
};

bool refersTo(CXCursor expr, CXCursor var) {
  auto ref = referencedVariable(expr);
  return ref && sameDecl(*ref, var);
}

CXCursor firstChild(CXCursor c) {
  CXCursor out = clang_getNullCursor();
  clang_visitChildren(
      c,
      [](CXCursor child, CXCursor, CXClientData data) {
        *static_cast<CXCursor *>(data) = child;
        return CXChildVisit_Break;
      },
      &out);
  return out;
}

CXChildVisitResult findWrites(CXCursor c, CXCursor, CXClientData data) {
  auto *search = static_cast<WriteSearch *>(data);
  CXCursorKind k = clang_getCursorKind(c);
  if (k == CXCursor_BinaryOperator || k == CXCursor_CompoundAssignOperator) {
    CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);
    if (op >= CXBinaryOperator_Assign && op <= CXBinaryOperator_OrAssign &&
        refersTo(firstChild(c), search->var)) {
      search->written = true;
      return CXChildVisit_Break;
    }
  } else if (k == CXCursor_UnaryOperator) {
    CXUnaryOperatorKind op = clang_getCursorUnaryOperatorKind(c);
    if ((op == CXUnaryOperator_PostInc || op == CXUnaryOperator_PostDec ||
         op == CXUnaryOperator_PreInc || op == CXUnaryOperator_PreDec ||
         op == CXUnaryOperator_AddrOf) &&
        refersTo(firstChild(c), search->var)) {
      search->written = true;
      return CXChildVisit_Break;
    }
  }
  return CXChildVisit_Recurse;
}

bool isLocal(CXCursor var) {
  CXCursorKind parent = clang_getCursorKind(clang_getCursorSemanticParent(var));
  return parent == CXCursor_FunctionDecl || parent == CXCursor_CXXMethod ||
         parent == CXCursor_Constructor || parent == CXCursor_Destructor ||
         parent == CXCursor_FunctionTemplate || parent == CXCursor_LambdaExpr;
}

std::optional<EvalValue> evaluateDepth(CXTranslationUnit tu, CXCursor expr, int depth) {
  if (auto v = evaluateConstant(expr))
    return EvalValue{*v, {}};
  if (depth > 4)
    return std::nullopt;
  auto var = referencedVariable(expr);
  if (!var)
    return std::nullopt;
  CXCursor init = clang_Cursor_getVarDeclInitializer(*var);
  if (clang_Cursor_isNull(init))
    return std::nullopt;
  bool isConst = clang_isConstQualifiedType(clang_getCursorType(*var));
  if (!isConst) {
    if (!isLocal(*var))
      return std::nullopt; // other translation units may write it
    if (clang_getCursorKind(*var) != CXCursor_VarDecl)
      return std::nullopt;
    WriteSearch search{*var};
    clang_visitChildren(clang_getCursorSemanticParent(*var), findWrites, &search);
    if (search.written)
      return std::nullopt;
  }
  auto inner = evaluateDepth(tu, init, depth + 1);
  if (!inner)
    return std::nullopt;
  std::string name = str(clang_getCursorSpelling(*var));
  if (inner->via.empty()) {
    // The declaration as written ("int v = TLS1_VERSION"): the initialiser
    // itself may come out of a macro, which has no tokens of its own here.
    // Only text of the scanned file is quoted, never of a file it includes.
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

std::optional<EvalValue> evaluateInteger(CXTranslationUnit tu, CXCursor expr) {
  return evaluateDepth(tu, expr, 0);
}

static std::vector<std::string> tokens(CXTranslationUnit tu, CXSourceRange range) {
  CXToken *toks = nullptr;
  unsigned n = 0;
  clang_tokenize(tu, range, &toks, &n);
  std::vector<std::string> out;
  out.reserve(n);
  for (unsigned i = 0; i < n; ++i)
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
