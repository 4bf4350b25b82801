#include "tlsfloor/analyzer/analyzer.h"

#include <clang-c/Index.h>

#include <map>
#include <memory>

#include "ast_eval.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

namespace tlsfloor::analyzer {

using patterns::ApiModel;
using patterns::Effect;

bool isCSourcePath(const std::string &path) {
  return llvm::sys::path::extension(path) == ".c";
}

bool isCxxSourcePath(const std::string &path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  return ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".c++" || ext == ".C" ||
         ext == ".cp";
}

Analyzer::Analyzer(const patterns::KnowledgeBase &kb, AnalyzerOptions options)
    : kb_(kb), options_(options) {
  for (const ApiModel &api : kb_.apis())
    for (const std::string &fn : api.functions)
      byFunction_[fn].push_back(&api);
}

std::vector<std::string> Analyzer::defaultCommand(const std::string &path) {
  if (isCSourcePath(path))
    return {"clang", "-xc", "-std=gnu17"};
  return {"clang++", "-xc++", "-std=gnu++17"};
}

namespace {

struct MacroUse {
  std::string name;
  CXSourceRange range;
};

std::string hex(uint64_t v) { return "0x" + llvm::utohexstr(v, /*LowerCase=*/true); }

// One translation unit's visit. Holds what the callbacks need.
class Visit {
public:
  Visit(CXTranslationUnit tu, const SourceJob &job, const patterns::KnowledgeBase &kb,
        const std::unordered_map<std::string, std::vector<const ApiModel *>> &byFunction,
        Protocol floor, AnalysisResult &out)
      : tu_(tu), job_(job), kb_(kb), byFunction_(byFunction), floor_(floor), out_(out) {
    mainFile_ = clang_getFile(tu, job.absolutePath.c_str());
    size_t size = 0;
    const char *data = clang_getFileContents(tu, mainFile_, &size);
    if (data)
      contents_.assign(data, size);
  }

  void run() {
    CXCursor root = clang_getTranslationUnitCursor(tu_);
    // Pass 1: macro invocations written in the main file, by offset, so a
    // call that comes out of `SSL_CTX_set_min_proto_version(...)` is reported
    // under the name the user wrote.
    clang_visitChildren(
        root,
        [](CXCursor c, CXCursor, CXClientData d) {
          auto *self = static_cast<Visit *>(d);
          if (clang_getCursorKind(c) == CXCursor_MacroExpansion && self->inMainFile(c)) {
            unsigned offset = 0;
            clang_getExpansionLocation(clang_getCursorLocation(c), nullptr, nullptr, nullptr,
                                       &offset);
            self->macros_[offset] = {str(clang_getCursorSpelling(c)), clang_getCursorExtent(c)};
          }
          return CXChildVisit_Continue;
        },
        this);
    // Pass 2: declarations of the main file, recursively, for calls.
    clang_visitChildren(
        root,
        [](CXCursor c, CXCursor, CXClientData d) {
          auto *self = static_cast<Visit *>(d);
          CXCursorKind k = clang_getCursorKind(c);
          if (clang_isPreprocessing(k) || !self->inMainFile(c))
            return CXChildVisit_Continue;
          clang_visitChildren(c, &Visit::visitBody, d);
          return CXChildVisit_Continue;
        },
        this);
  }

private:
  bool inMainFile(CXCursor c) const {
    CXFile file = nullptr;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, nullptr, nullptr, nullptr);
    return file && clang_File_isEqual(file, mainFile_);
  }

  static CXChildVisitResult visitBody(CXCursor c, CXCursor, CXClientData d) {
    auto *self = static_cast<Visit *>(d);
    if (clang_getCursorKind(c) == CXCursor_CallExpr)
      self->onCall(c);
    return CXChildVisit_Recurse;
  }

  static bool atGlobalScope(CXCursor decl) {
    CXCursorKind parent = clang_getCursorKind(clang_getCursorSemanticParent(decl));
    return parent == CXCursor_TranslationUnit || parent == CXCursor_LinkageSpec;
  }

  std::optional<EvalValue> argValue(CXCursor call, int index) {
    if (index < 0 || index >= clang_Cursor_getNumArguments(call))
      return std::nullopt;
    return evaluateInteger(tu_, clang_Cursor_getArgument(call, static_cast<unsigned>(index)));
  }

  void onCall(CXCursor call) {
    CXCursor callee = clang_getCursorReferenced(call);
    if (clang_getCursorKind(callee) != CXCursor_FunctionDecl)
      return;
    std::string name = str(clang_getCursorSpelling(callee));
    auto it = byFunction_.find(name);
    if (it == byFunction_.end() || !atGlobalScope(callee) || !inMainFile(call))
      return;
    for (const ApiModel *api : it->second) {
      if (api->when) {
        auto cond = argValue(call, static_cast<int>(api->when->arg));
        if (!cond || cond->value != api->when->equals)
          continue;
      }
      check(call, name, *api);
    }
  }

  // The macro the user wrote at the call's expansion point, if any.
  const MacroUse *macroAt(CXCursor call) const {
    CXSourceLocation loc = clang_getCursorLocation(call);
    CXFile spellingFile = nullptr, expansionFile = nullptr;
    unsigned spellingOffset = 0, expansionOffset = 0;
    clang_getSpellingLocation(loc, &spellingFile, nullptr, nullptr, &spellingOffset);
    clang_getExpansionLocation(loc, &expansionFile, nullptr, nullptr, &expansionOffset);
    if (spellingFile && clang_File_isEqual(spellingFile, expansionFile) &&
        spellingOffset == expansionOffset)
      return nullptr; // written directly
    auto it = macros_.find(expansionOffset);
    return it == macros_.end() ? nullptr : &it->second;
  }

  void check(CXCursor call, const std::string &callee, const ApiModel &api) {
    const MacroUse *macro = macroAt(call);
    bool knownMacro = macro && std::find(api.macros.begin(), api.macros.end(), macro->name) !=
                                   api.macros.end();
    std::string shown = knownMacro ? macro->name : callee;
    if (macro && !knownMacro)
      shown += " (via macro " + macro->name + ")";
    else if (!knownMacro && api.when)
      shown += " with command " + std::to_string(api.when->equals);

    std::map<std::string, std::string> vars{{"api", shown},
                                            {"floor", std::string(protocolName(floor_))}};
    std::string evidence, value;
    if (api.effect == Effect::Selects) {
      if (!belowFloor(*api.protocol, floor_))
        return;
      vars["protocol"] = std::string(protocolName(*api.protocol));
      evidence = callee + "()";
    } else {
      auto v = argValue(call, api.arg);
      if (!v)
        return; // not a compile-time value: nothing to claim
      const patterns::Scale *scale = kb_.scale(api.scale);
      if (!interpret(api.effect, *scale, v->value, vars, value))
        return;
      // The argument as the user wrote it; inside a macro we do not model,
      // the written arguments are the macro's, so there is no spelling.
      if (!macro || knownMacro) {
        CXSourceRange written = knownMacro ? macro->range : clang_getCursorExtent(call);
        int spelledIndex = knownMacro && api.spelledArg >= 0 ? api.spelledArg : api.arg;
        auto args = spelledArguments(tu_, written);
        if (spelledIndex < static_cast<int>(args.size()))
          evidence = args[static_cast<size_t>(spelledIndex)];
      }
      if (!v->via.empty())
        evidence += evidence.empty() ? v->via : " (" + v->via + ")";
      // Say the constant's name only when the source did not already.
      const std::string &constant = vars["value"];
      if (evidence.empty())
        evidence = constant;
      if (evidence == constant || evidence.find(" " + constant) != std::string::npos)
        value = hex(v->value);
    }
    vars.emplace("value", value); // kept when interpret() named the constant(s)
    vars["spelling"] = evidence;
    emit(call, api, kb_.messageTemplate(api.rule), vars, evidence, value);
  }

  // Decides whether `raw` on `scale` crosses the floor for `effect`; fills
  // {protocol}/{value} and a readable value string.
  bool interpret(Effect effect, const patterns::Scale &scale, uint64_t raw,
                 std::map<std::string, std::string> &vars, std::string &value) {
    if (effect == Effect::ClearsBits) {
      std::string names, protocols;
      for (const patterns::ScaleEntry &e : scale.entries) {
        if (e.value == 0 || (raw & e.value) != e.value || !e.parsed || !belowFloor(*e.parsed, floor_))
          continue;
        names += (names.empty() ? "" : " | ") + e.name;
        protocols += (protocols.empty() ? "" : ", ") + std::string(protocolName(*e.parsed));
      }
      if (names.empty())
        return false;
      vars["value"] = names;
      vars["protocol"] = protocols;
      value = hex(raw) + " (" + names + ")";
      return true;
    }
    const patterns::ScaleEntry *e = scale.lookup(raw);
    if (!e)
      return false;
    value = hex(raw) + " (" + e->name + ")";
    vars["value"] = e->name;
    if (e->libraryDefault) {
      if (effect != Effect::SetsMin)
        return false; // max 0 = highest supported: fine
      vars["protocol"] = "the lowest version the library supports";
      return true;
    }
    if (!belowFloor(*e->parsed, floor_))
      return false;
    vars["protocol"] = std::string(protocolName(*e->parsed));
    return true;
  }

  // The fingerprint basis of the line holding `offset`: a hash of its text
  // without blanks, computed once per line (thousands of calls on one long
  // line must not copy it once per finding).
  const std::string &lineBasis(unsigned offset) {
    if (offset > contents_.size())
      offset = static_cast<unsigned>(contents_.size());
    size_t begin = contents_.rfind('\n', offset == 0 ? 0 : offset - 1);
    begin = begin == std::string::npos || offset == 0 ? 0 : begin + 1;
    auto cached = lineBasis_.find(begin);
    if (cached != lineBasis_.end())
      return cached->second;
    size_t end = contents_.find('\n', begin);
    if (end == std::string::npos)
      end = contents_.size();
    llvm::SHA256 hash;
    for (size_t i = begin; i < end; ++i) {
      char c = contents_[i];
      if (c != ' ' && c != '\t' && c != '\r')
        hash.update(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(&c), 1));
    }
    auto digest = hash.final();
    return lineBasis_[begin] = llvm::toHex(digest, true);
  }

  void emit(CXCursor call, const ApiModel &api, const std::string &tmpl,
            const std::map<std::string, std::string> &vars, const std::string &evidence,
            const std::string &value) {
    unsigned line = 0, column = 0, offset = 0;
    clang_getExpansionLocation(clang_getCursorLocation(call), nullptr, &line, &column, &offset);
    const RuleInfo *rule = kb_.rule(api.rule);
    Finding f;
    f.ruleId = api.rule;
    f.severity = rule ? rule->severity : Severity::Warning;
    f.message = patterns::expandTemplate(tmpl, vars);
    f.location.chain = {job_.displayPath};
    f.location.line = line;
    f.location.column = column;
    f.evidence = evidence;
    f.value = value;
    f.fixHint = api.fix;
    f.fingerprintBasis = lineBasis(offset);
    out_.findings.push_back(std::move(f));
  }

  CXTranslationUnit tu_;
  const SourceJob &job_;
  const patterns::KnowledgeBase &kb_;
  const std::unordered_map<std::string, std::vector<const ApiModel *>> &byFunction_;
  Protocol floor_;
  AnalysisResult &out_;
  CXFile mainFile_ = nullptr;
  std::string contents_;
  std::map<unsigned, MacroUse> macros_;
  std::map<size_t, std::string> lineBasis_;
};

struct IndexDeleter {
  void operator()(void *index) const { clang_disposeIndex(index); }
};
struct TuDeleter {
  void operator()(CXTranslationUnitImpl *tu) const { clang_disposeTranslationUnit(tu); }
};

std::string describeError(CXErrorCode code) {
  switch (code) {
  case CXError_Failure:
    return "libclang failed to parse the file";
  case CXError_Crashed:
    return "libclang crashed while parsing the file (input skipped)";
  case CXError_InvalidArguments:
    return "invalid compiler arguments";
  case CXError_ASTReadError:
    return "could not read the AST";
  default:
    return "unknown libclang error";
  }
}

} // namespace

AnalysisResult Analyzer::analyze(const SourceJob &job) const {
  AnalysisResult result;
  std::vector<std::string> command = job.command.empty() ? defaultCommand(job.absolutePath)
                                                         : job.command;
  // Warnings are not ours to report and -Werror must not turn a deprecation
  // into a "parse failure".
  command.push_back("-w");
  command.push_back("-Wno-error");
  command.push_back("-ferror-limit=0");
  // Never a configuration file the scanned tree could have planted.
  command.push_back("--no-default-config");
  if (!job.workingDirectory.empty())
    command.push_back("-working-directory=" + job.workingDirectory);
  command.push_back(job.absolutePath);
  std::vector<const char *> argv;
  for (const std::string &a : command)
    argv.push_back(a.c_str());

  std::unique_ptr<void, IndexDeleter> index(clang_createIndex(0, /*displayDiagnostics=*/0));
  CXTranslationUnit rawTu = nullptr;
  unsigned flags = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing |
                   CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
  CXErrorCode err = clang_parseTranslationUnit2FullArgv(index.get(), nullptr, argv.data(),
                                                        static_cast<int>(argv.size()), nullptr,
                                                        0, flags, &rawTu);
  if (err != CXError_Success || !rawTu) {
    result.diagnostics.push_back({Diagnostic::Kind::Incomplete, job.displayPath,
                                  describeError(err)});
    return result;
  }
  std::unique_ptr<CXTranslationUnitImpl, TuDeleter> tu(rawTu);

  unsigned errors = 0;
  std::string first;
  CXFile mainFile = clang_getFile(rawTu, job.absolutePath.c_str());
  for (unsigned i = 0, n = clang_getNumDiagnostics(rawTu); i < n; ++i) {
    CXDiagnostic d = clang_getDiagnostic(rawTu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error && errors++ == 0) {
      // Quote the compiler only about the scanned file itself: the text of an
      // error inside another file (an included /etc/passwd, a CI secret)
      // would carry that file's contents into the report.
      CXFile file = nullptr;
      unsigned line = 0, column = 0;
      clang_getSpellingLocation(clang_getDiagnosticLocation(d), &file, &line, &column, nullptr);
      if (!file || (mainFile && clang_File_isEqual(file, mainFile)))
        first = str(clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation |
                                                  CXDiagnostic_DisplayColumn));
      else
        first = "in an included file, " + str(clang_getFileName(file)) + ":" +
                std::to_string(line) + ":" + std::to_string(column) +
                " (text not reported: it may quote that file)";
    }
    clang_disposeDiagnostic(d);
  }
  if (errors) {
    result.diagnostics.push_back(
        {Diagnostic::Kind::Incomplete, job.displayPath,
         "source did not compile cleanly (" + std::to_string(errors) +
             " error(s)); findings may be incomplete; first: " + first});
  }

  Visit visit(rawTu, job, kb_, byFunction_, options_.floor, result);
  visit.run();
  return result;
}

} // namespace tlsfloor::analyzer
