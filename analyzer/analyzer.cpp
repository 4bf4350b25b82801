#include "tlsfloor/analyzer/analyzer.h"

#include <clang-c/Index.h>

#include <cstring>

#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "ast_eval.h"
#include "effects.h"
#include "llvm/ADT/StringExtras.h"
#include <algorithm>
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

namespace tlsfloor::analyzer {

using patterns::ApiModel;

bool isCSourcePath(const std::string &path) {
  return llvm::sys::path::extension(path) == ".c";
}

bool isCxxSourcePath(const std::string &path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  return ext == ".cc" || ext == ".cpp" || ext == ".cxx" || ext == ".c++" || ext == ".C" ||
         ext == ".cp";
}

bool isHeaderPath(const std::string &path) {
  llvm::StringRef ext = llvm::sys::path::extension(path);
  return ext == ".h" || ext == ".hpp" || ext == ".hh" || ext == ".hxx" || ext == ".h++" ||
         ext == ".inl" || ext == ".ipp" || ext == ".tcc";
}

// The identifiers in a text (names of functions and macros a file uses).
static std::set<std::string> identifiersIn(llvm::StringRef text) {
  std::set<std::string> out;
  for (size_t i = 0; i < text.size();) {
    if (llvm::isAlpha(text[i]) || text[i] == '_') {
      size_t j = i;
      while (j < text.size() && (llvm::isAlnum(text[j]) || text[j] == '_'))
        ++j;
      out.insert(text.substr(i, j - i).str());
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

// Calls `fn` with each preprocessor directive of `text`, after its `#`
// (`include <windows.h>`, `if X < 2`).
template <typename Fn> static void forEachDirective(llvm::StringRef text, Fn fn) {
  while (!text.empty()) {
    auto [line, tail] = text.split('\n');
    text = tail;
    llvm::StringRef l = line.trim();
    if (l.consume_front("#"))
      fn(l.ltrim());
  }
}

// The namespaces a declaration text opens at its outermost level
// (`namespace boost { namespace asio {` gives boost), preprocessor lines aside.
static std::set<std::string> outermostNamespaces(llvm::StringRef text) {
  std::set<std::string> out;
  int depth = 0;
  llvm::StringRef rest = text;
  while (!rest.empty()) {
    auto [line, tail] = rest.split('\n');
    rest = tail;
    if (line.ltrim().starts_with("#"))
      continue;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == '{')
        ++depth;
      else if (c == '}')
        depth = depth > 0 ? depth - 1 : 0;
      else if (depth == 0 && line.substr(i).starts_with("namespace") &&
               (i == 0 || !(llvm::isAlnum(line[i - 1]) || line[i - 1] == '_'))) {
        llvm::StringRef name = line.substr(i + 9).ltrim().take_while(
            [](char ch) { return llvm::isAlnum(ch) || ch == '_'; });
        if (!name.empty())
          out.insert(name.str());
      }
    }
  }
  return out;
}

// Whether `text` spells the qualified name `q` as a whole (`asio::ssl` in
// `asio::ssl::context` but not in `boost::asio::ssl`).
static bool spellsQualified(llvm::StringRef text, llvm::StringRef q) {
  auto isName = [](char c) { return llvm::isAlnum(c) || c == '_'; };
  for (size_t at = text.find(q); at != llvm::StringRef::npos; at = text.find(q, at + 1)) {
    llvm::StringRef before = text.take_front(at).rtrim();
    if (before.ends_with("::") || (!before.empty() && at == before.size() && isName(before.back())))
      continue;
    size_t end = at + q.size();
    if (end < text.size() && isName(text[end]))
      continue;
    return true;
  }
  return false;
}

// Where the built-in declarations live: a directory that exists only in
// the parser's view (unsaved files), searched after every real one.
static const char kShimDir[] = "/tlsfloor-builtin-headers";

bool isKconfigPath(const std::string &path) {
  llvm::StringRef name = llvm::sys::path::filename(path);
  llvm::StringRef parent = llvm::sys::path::filename(llvm::sys::path::parent_path(path));
  return name.starts_with("sdkconfig") ||
         (name.ends_with(".conf") &&
          (name.starts_with("prj") || name.starts_with("overlay") || parent == "boards")) ||
         name.ends_with("defconfig");
}

Analyzer::Analyzer(const patterns::KnowledgeBase &kb, AnalyzerOptions options)
    : kb_(kb), options_(options) {
  // Which library a file uses, without its header: the sink names (plain C
  // functions and macros) each shim declares.
  std::set<std::string> sinkNames;
  for (const ApiModel &api : kb_.apis()) {
    for (const std::string &fn : api.functions)
      if (fn.find("::") == std::string::npos)
        sinkNames.insert(fn);
    sinkNames.insert(api.macros.begin(), api.macros.end());
    // The library's own constants a sink takes (CURL_SSLVERSION_TLSv1,
    // TLS1_VERSION): a file mapping its configuration to them uses the
    // library even where it calls the sink elsewhere. Macro-like names only
    // (`Upper_...`), not words such as asio's `tlsv1`.
    for (const std::string &id : {api.scale, api.maxScale})
      if (const patterns::Scale *scale = id.empty() ? nullptr : kb_.scale(id))
        for (const patterns::ScaleEntry &e : scale->entries)
          if (!e.name.empty() && llvm::isUpper(e.name[0]) &&
              e.name.find('_') != std::string::npos &&
              std::all_of(e.name.begin(), e.name.end(),
                          [](char c) { return llvm::isAlnum(c) || c == '_'; }))
            sinkNames.insert(e.name);
  }
  // C++ sinks are members of a class (`boost::asio::ssl::context::set_options`,
  // `Poco::Net::Context::Context`, `QSslSocket::setProtocol`): the file uses
  // the library when it spells the class or, for a class in a namespace,
  // that namespace (`boost::asio::ssl`, so `namespace ssl = boost::asio::ssl`
  // counts). Such a spelling belongs to the shim whose outermost namespace is
  // its first part (standalone `asio::ssl` is not Boost's), or for a class at
  // global scope to the shim that names it.
  std::set<std::string> classPaths;
  for (const ApiModel &api : kb_.apis())
    for (const std::string &fn : api.functions) {
      llvm::StringRef scope = llvm::StringRef(fn).rsplit("::").first;
      if (scope.size() < fn.size() && !scope.empty())
        classPaths.insert(scope.str());
    }
  for (const patterns::Shim &shim : kb_.shims()) {
    if (shim.headers.empty())
      continue;
    std::set<std::string> ids = identifiersIn(kb_.renderShim(shim));
    std::set<std::string> triggers;
    for (const std::string &id : ids)
      if (sinkNames.count(id))
        triggers.insert(id);
    std::set<std::string> outermost = outermostNamespaces(shim.text);
    for (const std::string &path : classPaths) {
      llvm::SmallVector<llvm::StringRef, 6> parts;
      llvm::StringRef(path).split(parts, "::");
      bool declared = std::all_of(parts.begin(), parts.end(), [&](llvm::StringRef p) {
        return ids.count(p.str()) > 0;
      });
      if (!declared)
        continue;
      if (parts.size() == 1) {
        if (!outermost.count(path))
          triggers.insert(path); // a class at global scope
        continue;
      }
      if (!outermost.count(parts.front().str()))
        continue;
      triggers.insert(path);
      std::string ns = llvm::StringRef(path).rsplit("::").first.str();
      if (ns.find("::") != std::string::npos)
        triggers.insert(ns);
    }
    if (triggers.empty())
      continue;
    // `#include <windows.h>` in the built-in text: a prerequisite when it is
    // another built-in header.
    std::vector<std::string> prerequisites;
    forEachDirective(shim.text, [&](llvm::StringRef l) {
      if (!l.consume_front("include"))
        return;
      l = l.ltrim();
      if (!l.consume_front("<"))
        return;
      std::string included = l.split('>').first.str();
      for (const patterns::Shim &other : kb_.shims())
        if (&other != &shim && std::find(other.headers.begin(), other.headers.end(), included) !=
                                   other.headers.end()) {
          prerequisites.push_back(included);
          break;
        }
    });
    libraryTriggers_.push_back({shim.headers.front(), std::move(triggers), std::move(prerequisites)});
  }
  // The libraries' version macros (OPENSSL_VERSION_NUMBER...), for project
  // aliases such as HA_OPENSSL_VERSION_NUMBER (see widening()).
  for (const patterns::Shim &shim : kb_.shims())
    for (const std::string &id : identifiersIn(shim.text)) {
      llvm::StringRef name(id);
      if (name.ends_with("VERSION_NUMBER") || name.ends_with("VERSION_HEX") ||
          name.ends_with("VERSION_NUM"))
        versionMacros_.insert(id);
    }
  // The built-in headers, rendered once per analyzer (not once per file).
  for (const patterns::Shim &shim : kb_.shims()) {
    std::string text = kb_.renderShim(shim);
    for (const std::string &header : shim.headers)
      shimFiles_.emplace_back(std::string(kShimDir) + "/" + header, text);
  }
  // A name two libraries declare (wolfSSL's OpenSSL compatibility layer)
  // belongs to the first pack that declares it (OpenSSL's, built in first).
  std::set<std::string> claimed;
  for (auto &[header, triggers, prerequisites] : libraryTriggers_)
    for (auto it = triggers.begin(); it != triggers.end();)
      it = claimed.insert(*it).second ? std::next(it) : triggers.erase(it);
  for (const ApiModel &api : kb_.apis()) {
    for (const std::string &fn : api.functions)
      sinks_.calls[fn].push_back(&api);
    for (const std::string &f : api.fields)
      sinks_.fields[f].push_back(&api);
    for (const std::string &o : api.overrides)
      sinks_.overrides[o].push_back(&api);
    for (const std::string &d : api.defines)
      sinks_.defines[d].push_back(&api);
  }
}

// The first 64 KiB of a file, to choose how to parse it (never a value).
static std::string head(const std::string &path) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  return buf ? (*buf)->getBuffer().take_front(1 << 16).str() : std::string();
}

// A `.h` file is C unless it shows C++ (a header is parsed on its own as
// pre-commit hooks pass it); the other header endings are C++.
static bool looksLikeCxx(llvm::StringRef text) {
  for (llvm::StringRef word : {"namespace ", "class ", "template <", "template<", "public:",
                               "private:", "std::", "constexpr "})
    if (text.contains(word))
      return true;
  return false;
}

// Windows TLS code (SChannel, WinHTTP) parses against the MinGW-w64 headers
// with a Windows target, chosen when the file includes a Windows header.
static bool includesWindowsHeaders(llvm::StringRef text) {
  std::string lower = text.lower();
  for (const char *h : {"<windows.h>", "<schannel.h>", "<winhttp.h>", "<sspi.h>", "<security.h>",
                        "<wincrypt.h>", "<winsock2.h>", "\"windows.h\""})
    if (llvm::StringRef(lower).contains(h))
      return true;
  return false;
}

static const char kMingwTarget[] = "x86_64-w64-mingw32";
static const char kMingwIncludes[] = "/usr/x86_64-w64-mingw32/include";

std::vector<std::string> Analyzer::defaultCommand(const std::string &path, bool systemHeaders) {
  std::string text = head(path);
  bool header = isHeaderPath(path);
  bool cxx = isCxxSourcePath(path) ||
             (header && (llvm::sys::path::extension(path) != ".h" || looksLikeCxx(text)));
  std::vector<std::string> cmd = cxx ? std::vector<std::string>{"clang++", "-xc++", "-std=gnu++17"}
                                     : std::vector<std::string>{"clang", "-xc", "-std=gnu17"};
  if (includesWindowsHeaders(text)) {
    cmd.push_back(std::string("--target=") + kMingwTarget);
    // libclang finds its own headers (x86intrin.h...) for the host target
    // only; the MinGW headers include them too.
    if (llvm::sys::fs::is_directory(TLSFLOOR_CLANG_RESOURCE_DIR)) {
      cmd.push_back("-resource-dir");
      cmd.push_back(TLSFLOOR_CLANG_RESOURCE_DIR);
    }
    if (systemHeaders && llvm::sys::fs::is_directory(kMingwIncludes)) {
      cmd.push_back("-isystem");
      cmd.push_back(kMingwIncludes);
    }
  }
  // Without a build the target is a guess: code written for Windows
  // compilers (`__declspec(dllexport)` in a project's export macro) parses
  // on any target with this, and means nothing to other code.
  cmd.push_back("-fdeclspec");
  if (!systemHeaders)
    cmd.push_back("-nostdlibinc");
  return cmd;
}

namespace {

struct MacroUse {
  std::string name;
  CXSourceRange range;
};

// Factories that forward their arguments to T's constructor (language and
// standard-library knowledge, not a TLS library's), with the number of
// leading arguments T does not receive (an allocator).
const std::pair<const char *, unsigned> kFactories[] = {
    {"std::make_shared", 0},   {"std::make_unique", 0},     {"boost::make_shared", 0},
    {"boost::make_unique", 0}, {"std::allocate_shared", 1}, {"boost::allocate_shared", 1}};

// The last name of a qualified name ("context" for "asio::ssl::context").
llvm::StringRef unqualified(llvm::StringRef name) {
  llvm::StringRef last = name.rsplit("::").second;
  return last.empty() ? name : last;
}

// "boost::asio::ssl::context::set_options": the cursor's name with its
// namespaces and classes; `extern "C"` blocks and anonymous scopes add nothing.
std::string qualifiedName(CXCursor decl) {
  std::string out = str(clang_getCursorSpelling(decl));
  for (CXCursor p = clang_getCursorSemanticParent(decl); !clang_Cursor_isNull(p);
       p = clang_getCursorSemanticParent(p)) {
    CXCursorKind k = clang_getCursorKind(p);
    if (k == CXCursor_TranslationUnit || clang_isInvalid(k))
      break;
    if (k == CXCursor_LinkageSpec)
      continue;
    if (k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod)
      return {}; // a local class: never a library's
    std::string name = str(clang_getCursorSpelling(p));
    if (name.empty() || name.front() == '(')
      continue; // anonymous namespace or record
    out = name + "::" + out;
  }
  // A constructor is named Class::Class.
  return out;
}

// One translation unit's visit: finds the sinks (calls, field writes,
// overrides, macro definitions), evaluates what reaches them and asks the
// effect handlers what it means.
class Visit {
public:
  Visit(CXTranslationUnit tu, const SourceJob &job, const patterns::KnowledgeBase &kb,
        const SinkIndex &sinks, Protocol floor, const std::string &projectRoot,
        AnalysisResult &out)
      : tu_(tu), job_(job), kb_(kb), sinks_(sinks), floor_(floor), projectRoot_(projectRoot),
        out_(out) {
    mainFile_ = clang_getFile(tu, job.absolutePath.c_str());
  }

  void run() {
    CXCursor root = clang_getTranslationUnitCursor(tu_);
    // Pass 1: macro invocations written in the main file, by offset, so a
    // call that comes out of `SSL_CTX_set_min_proto_version(...)` is reported
    // under the name the user wrote; and macro definitions that are sinks.
    clang_visitChildren(
        root,
        [](CXCursor c, CXCursor, CXClientData d) {
          auto *self = static_cast<Visit *>(d);
          CXCursorKind k = clang_getCursorKind(c);
          if (!self->inScope(c))
            return CXChildVisit_Continue;
          if (k == CXCursor_MacroExpansion) {
            self->macros_[locationKey(clang_getCursorLocation(c))] = {
                str(clang_getCursorSpelling(c)), clang_getCursorExtent(c)};
          } else if (k == CXCursor_MacroDefinition) {
            self->onDefine(c);
          }
          return CXChildVisit_Continue;
        },
        this);
    // Pass 2: declarations of the main file, recursively.
    clang_visitChildren(
        root,
        [](CXCursor c, CXCursor, CXClientData d) {
          auto *self = static_cast<Visit *>(d);
          CXCursorKind k = clang_getCursorKind(c);
          if (clang_isPreprocessing(k) || !self->inScope(c))
            return CXChildVisit_Continue;
          visitNode(c, c, d);
          clang_visitChildren(c, &Visit::visitNode, d);
          return CXChildVisit_Continue;
        },
        this);
  }

  // Options turned off over several calls on one object: each call alone is
  // no cap (`NO_TLSv1_2`, then `NO_TLSv1_3`), together they are. Calls are
  // folded when one always runs after the other: statements of one block
  // with no jump between them (a `switch` falling through its cases counts;
  // a label before the later call does not stop the flow, but one before the
  // earlier call means it may be skipped). The cap is reported once, at the
  // call that turns off the lowest version at or above the floor.
  void foldOptionSequences() {
    if (optionCalls_.size() < 2)
      return;
    struct Step {
      const OptionCall *option = nullptr; // the statement is one of these calls
      bool labelled = false;              // a case/default/label precedes it
      bool barrier = false;               // a jump, or a statement holding one
    };
    auto holdsJump = [](CXCursor stmt) {
      bool found = false;
      auto k = clang_getCursorKind(stmt);
      if (k == CXCursor_BreakStmt || k == CXCursor_ReturnStmt || k == CXCursor_GotoStmt ||
          k == CXCursor_ContinueStmt || k == CXCursor_IndirectGotoStmt)
        return true;
      clang_visitChildren(
          stmt,
          [](CXCursor c, CXCursor, CXClientData d) {
            auto kind = clang_getCursorKind(c);
            if (kind == CXCursor_BreakStmt || kind == CXCursor_ReturnStmt ||
                kind == CXCursor_GotoStmt || kind == CXCursor_ContinueStmt ||
                kind == CXCursor_IndirectGotoStmt) {
              *static_cast<bool *>(d) = true;
              return CXChildVisit_Break;
            }
            return CXChildVisit_Recurse;
          },
          &found);
      return found;
    };
    std::map<std::pair<std::string, unsigned>, const OptionCall *> byPlace;
    for (const OptionCall &o : optionCalls_)
      byPlace[locationKey(clang_getCursorLocation(o.call))] = &o;
    for (CXCursor block : compounds_) {
      std::vector<Step> steps;
      for (CXCursor stmt : children(block)) {
        Step step;
        CXCursor s = stmt;
        for (;;) {
          auto k = clang_getCursorKind(s);
          if (k != CXCursor_CaseStmt && k != CXCursor_DefaultStmt && k != CXCursor_LabelStmt)
            break;
          step.labelled = true;
          std::vector<CXCursor> kids = children(s);
          if (kids.empty())
            break;
          s = kids.back();
        }
        // (Cursors reached by two walks differ: compare where they are.)
        CXCursor bare = stripExpr(s);
        if (clang_getCursorKind(bare) == CXCursor_CallExpr) {
          auto at = byPlace.find(locationKey(clang_getCursorLocation(bare)));
          if (at != byPlace.end())
            step.option = at->second;
        }
        step.barrier = !step.option && holdsJump(s);
        steps.push_back(step);
      }
      for (size_t k = 0; k < steps.size(); ++k) {
        const OptionCall *c = steps[k].option;
        if (!c)
          continue;
        const patterns::Scale *scale = kb_.scale(c->api->scale);
        if (!scale)
          continue;
        const patterns::ScaleEntry *lowest = nullptr; // lowest version at or above the floor
        for (const patterns::ScaleEntry &e : scale->entries)
          if (e.parsed && e.value != 0 && !belowFloor(*e.parsed, floor_) &&
              (!lowest || protocolRank(*e.parsed) < protocolRank(*lowest->parsed)))
            lowest = &e;
        if (!lowest || (c->mask & lowest->value) != lowest->value)
          continue;
        uint64_t folded = c->mask;
        std::vector<const OptionCall *> with;
        for (size_t j = k + 1; j < steps.size() && !steps[j].barrier; ++j)
          if (steps[j].option && steps[j].option->object == c->object &&
              steps[j].option->api == c->api) {
            folded |= steps[j].option->mask;
            with.push_back(steps[j].option);
          }
        for (size_t j = k; j > 0 && !steps[j].labelled;) {
          --j;
          if (steps[j].barrier)
            break;
          if (steps[j].option && steps[j].option->object == c->object &&
              steps[j].option->api == c->api) {
            folded |= steps[j].option->mask;
            with.push_back(steps[j].option);
          }
        }
        if (folded == c->mask)
          continue;
        EffectHandler handler = findEffect(c->api->effect);
        if (!handler)
          continue;
        auto isCap = [&](uint64_t mask) {
          EvalValue v;
          v.integer = mask;
          auto vs = handler(EffectInput{*c->api, kb_, floor_, &v, false});
          return std::any_of(vs.begin(), vs.end(), [](const Verdict &x) { return x.family == "cap"; });
        };
        // A call that is a cap on its own is reported on its own.
        if (isCap(c->mask) ||
            std::any_of(with.begin(), with.end(), [&](const OptionCall *o) { return isCap(o->mask); }))
          continue;
        EvalValue all;
        all.integer = folded;
        std::vector<Verdict> verdicts = handler(EffectInput{*c->api, kb_, floor_, &all, false});
        verdicts.erase(std::remove_if(verdicts.begin(), verdicts.end(),
                                      [](const Verdict &v) { return v.family != "cap"; }),
                       verdicts.end());
        if (verdicts.empty())
          continue;
        auto args = spelledArguments(tu_, clang_getCursorExtent(c->call));
        int index = c->api->arg;
        std::string evidence = index >= 0 && static_cast<size_t>(index) < args.size()
                                   ? args[static_cast<size_t>(index)]
                                   : c->callee + "()";
        std::string lines;
        for (const OptionCall *o : with) {
          unsigned line = 0;
          clang_getExpansionLocation(clang_getCursorLocation(o->call), nullptr, &line, nullptr,
                                     nullptr);
          lines += (lines.empty() ? "" : ", ") + std::to_string(line);
        }
        evidence += ", with the same object's options on line" +
                    std::string(with.size() > 1 ? "s " : " ") + lines;
        emitVerdicts(siteOf(c->call), *c->api, verdicts, c->callee, evidence, &all, "");
      }
    }
  }

  // `// tlsfloor-ignore: RULE-ID reason` on a finding's line or the line
  // before silences it; a directive naming an unknown rule or giving no
  // reason is itself reported.
  void applySuppressions() {
    std::map<std::string, std::map<unsigned, std::vector<std::string>>> directives;
    for (auto &[name, info] : files_) {
      if (!info.inScope)
        continue;
      llvm::StringRef text(info.contents);
      unsigned line = 0;
      while (!text.empty()) {
        ++line;
        auto [l, rest] = text.split('\n');
        text = rest;
        size_t at = l.find("tlsfloor-ignore:");
        if (at == llvm::StringRef::npos)
          continue;
        llvm::StringRef before = l.take_front(at);
        if (!before.contains("//") && !before.contains("/*"))
          continue; // not in a comment
        llvm::StringRef body = l.drop_front(at + strlen("tlsfloor-ignore:"));
        body = body.take_front(body.find("*/")).trim(); // a block comment ends there
        auto [id, reason] = body.trim().split(' ');
        std::string problem;
        if (id.empty())
          problem = "names no rule";
        else if (!kb_.rule(id.str()))
          problem = "names an unknown rule '" + id.str() + "'";
        else if (reason.trim().empty())
          problem = "gives no reason (write one after the rule id)";
        if (!problem.empty()) {
          Finding f;
          f.ruleId = "tlsfloor/invalid-suppression";
          const RuleInfo *rule = kb_.rule(f.ruleId);
          f.severity = rule ? rule->severity : Severity::Warning;
          f.message = "tlsfloor-ignore comment " + problem + "; it suppresses nothing";
          f.location.chain = {info.display};
          f.location.line = line;
          f.location.column = static_cast<unsigned>(at) + 1;
          f.evidence = l.drop_front(at).trim().str();
          f.fingerprintBasis = f.evidence;
          out_.findings.push_back(std::move(f));
          continue;
        }
        directives[info.display][line].push_back(id.str());
      }
    }
    std::vector<Finding> kept;
    for (Finding &f : out_.findings) {
      bool silenced = false;
      auto file = directives.find(f.location.file());
      if (file != directives.end() && f.ruleId != "tlsfloor/invalid-suppression")
        for (unsigned l : {f.location.line, f.location.line - 1}) {
          auto it = file->second.find(l);
          if (it != file->second.end() &&
              std::find(it->second.begin(), it->second.end(), f.ruleId) != it->second.end())
            silenced = true;
        }
      if (silenced)
        ++out_.suppressed;
      else
        kept.push_back(std::move(f));
    }
    out_.findings = std::move(kept);
  }

private:
  // (file, offset) of a location's expansion point.
  static std::pair<std::string, unsigned> locationKey(CXSourceLocation loc) {
    CXFile file = nullptr;
    unsigned offset = 0;
    clang_getExpansionLocation(loc, &file, nullptr, nullptr, &offset);
    return {file ? str(clang_getFileName(file)) : std::string(), offset};
  }

  // The file a cursor's code was written in (its expansion location), with
  // what we know of it: reported path, contents, whether it is ours to report.
  struct FileInfo {
    bool inScope = false;
    std::string display;
    std::string contents;
    std::map<size_t, std::string> lineBasis;
  };

  FileInfo &fileOf(CXCursor c, unsigned *offset = nullptr) {
    CXFile file = nullptr;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, nullptr, nullptr, offset);
    std::string name = file ? str(clang_getFileName(file)) : std::string();
    auto it = files_.find(name);
    if (it != files_.end())
      return it->second;
    FileInfo info;
    if (file && clang_File_isEqual(file, mainFile_)) {
      info.inScope = true;
      info.display = job_.displayPath;
    } else if (file && !projectRoot_.empty()) {
      // A header of the project (not a system or built-in one), reached
      // from the scanned file: its inline code and config macros count.
      llvm::SmallString<256> real;
      if (!llvm::sys::fs::real_path(name, real)) {
        llvm::StringRef rel(real);
        if (rel.consume_front(projectRoot_) && rel.consume_front("/") && !rel.empty()) {
          info.inScope = true;
          info.display = rel.str();
        }
      }
    }
    if (info.inScope) {
      size_t size = 0;
      const char *data = clang_getFileContents(tu_, file, &size);
      if (data)
        info.contents.assign(data, size);
    }
    return files_[name] = std::move(info);
  }

  bool inScope(CXCursor c) { return fileOf(c).inScope; }

  static CXChildVisitResult visitNode(CXCursor c, CXCursor, CXClientData d) {
    auto *self = static_cast<Visit *>(d);
    switch (clang_getCursorKind(c)) {
    case CXCursor_MemberRefExpr:
    case CXCursor_MemberRef:
      self->keptMembers_.insert(locationKey(clang_getCursorLocation(c)));
      break;
    case CXCursor_CallExpr:
      self->allCalls_.insert(locationKey(clang_getCursorLocation(c)));
      self->onCall(c);
      break;
    case CXCursor_BinaryOperator:
    case CXCursor_CompoundAssignOperator:
      self->onAssign(c);
      break;
    case CXCursor_InitListExpr:
      self->onInitList(c);
      break;
    case CXCursor_CompoundStmt:
      if (self->inScope(c))
        self->compounds_.push_back(c);
      break;
    case CXCursor_CXXMethod:
      self->onMethod(c);
      break;
    case CXCursor_VarDecl: {
      CXCursor init = clang_Cursor_getVarDeclInitializer(c);
      if (!clang_Cursor_isNull(init))
        self->bind(stripExpr(init), c);
      break;
    }
    default:
      break;
    }
    return CXChildVisit_Recurse;
  }

  // --- objects and their floors (no-floor notes) -----------------------------

  // The variable (or parameter) an expression names, if any.
  static std::optional<CXCursor> objectDecl(CXCursor expr) {
    CXCursor bare = stripExpr(expr);
    if (clang_getCursorKind(bare) == CXCursor_UnaryOperator)
      if (auto kids = children(bare); !kids.empty())
        bare = stripExpr(kids[0]);
    if (clang_getCursorKind(bare) != CXCursor_DeclRefExpr)
      return std::nullopt;
    CXCursor ref = clang_getCursorReferenced(bare);
    CXCursorKind k = clang_getCursorKind(ref);
    if (k != CXCursor_VarDecl && k != CXCursor_ParmDecl)
      return std::nullopt;
    return ref;
  }

  static bool same(CXCursor a, CXCursor b) {
    return clang_equalCursors(clang_getCanonicalCursor(a), clang_getCanonicalCursor(b));
  }

  // `x = create(...)` / `T x = create(...)` / `T x(args)`: the object a call makes.
  void bind(CXCursor call, CXCursor var) {
    if (clang_getCursorKind(call) == CXCursor_CallExpr)
      bindings_[locationKey(clang_getCursorLocation(call))] = var;
  }

  // A call that gives its object a minimum (any value: a legacy one is
  // reported by its own rule), or options removing every legacy version.
  bool setsFloor(const ApiModel &api, const EvalValue *value) const {
    if (api.effect == "sets-min" || api.effect == "packed-min-max" ||
        api.effect == "version-list")
      return true;
    if (api.effect == "disables-bits" && value && value->integer) {
      const patterns::Scale *scale = kb_.scale(api.scale);
      if (!scale)
        return false;
      bool any = false;
      for (const patterns::ScaleEntry &e : scale->entries) {
        if (!e.parsed || !belowFloor(*e.parsed, floor_) ||
            protocolRank(*e.parsed) < protocolRank(Protocol::TLS1_0) || e.value == 0)
          continue;
        any = true;
        if ((*value->integer & e.value) != e.value)
          return false;
      }
      return any;
    }
    return false;
  }

  // The object a call acts on: `obj.method(...)` or its first argument.
  static std::optional<CXCursor> callObject(CXCursor call, const std::vector<CXCursor> &args) {
    std::vector<CXCursor> kids = children(call);
    if (!kids.empty() && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr) {
      std::vector<CXCursor> member = children(kids[0]);
      if (!member.empty())
        return objectDecl(member[0]);
    }
    return args.empty() ? std::nullopt : objectDecl(args[0]);
  }

  struct Creation {
    CXCursor call;
    const ApiModel *api;
    Verdict verdict;
    std::string shown, evidence;
  };

  // Whether `var` (a local of `fn`) gets a floor in `fn` or in a helper of
  // this file it is passed to; false also when it escapes to code we cannot
  // see (returned, stored, passed to a project function without a body here),
  // in which case `escapes` is set.
  bool hasFloor(CXCursor var, CXCursor fn, bool &escapes, int depth) {
    for (const auto &[object, call] : floorCalls_)
      if (same(object, var))
        return true;
    // Walk the function with parents, to see how the object is used.
    struct Frame {
      CXCursor node;
      std::vector<CXCursor> path;
    };
    std::vector<Frame> stack{{fn, {}}};
    while (!stack.empty()) {
      Frame f = std::move(stack.back());
      stack.pop_back();
      if (clang_getCursorKind(f.node) == CXCursor_DeclRefExpr &&
          same(clang_getCursorReferenced(f.node), var)) {
        // The nearest ancestor that is not a cast, parenthesis or `&`.
        CXCursor child = f.node, use = clang_getNullCursor();
        for (auto it = f.path.rbegin(); it != f.path.rend(); ++it) {
          CXCursorKind k = clang_getCursorKind(*it);
          if (k == CXCursor_UnexposedExpr || k == CXCursor_ParenExpr ||
              k == CXCursor_CStyleCastExpr || k == CXCursor_CXXStaticCastExpr ||
              k == CXCursor_CXXFunctionalCastExpr || k == CXCursor_CXXConstCastExpr ||
              k == CXCursor_CXXReinterpretCastExpr || k == CXCursor_UnaryOperator ||
              k == CXCursor_MemberRefExpr) {
            child = *it;
            continue;
          }
          use = *it;
          break;
        }
        CXCursorKind k = clang_getCursorKind(use);
        if (k == CXCursor_ReturnStmt || k == CXCursor_VarDecl || k == CXCursor_InitListExpr ||
            k == CXCursor_LambdaExpr) {
          escapes = true;
        } else if (k == CXCursor_BinaryOperator &&
                   clang_getCursorBinaryOperatorKind(use) == CXBinaryOperator_Assign) {
          std::vector<CXCursor> kids = children(use);
          if (kids.size() == 2 && !clang_equalRanges(clang_getCursorExtent(kids[0]),
                                                     clang_getCursorExtent(child)))
            escapes = true; // stored somewhere else
        } else if (k == CXCursor_CallExpr &&
                   (clang_getCursorKind(clang_getCursorReferenced(use)) == CXCursor_Constructor ||
                    str(clang_getCursorSpelling(clang_getCursorReferenced(use))) == "operator()" ||
                    clang_Cursor_isNull(clang_getCursorReferenced(use)))) {
          escapes = true; // copied or moved into another object, or given to a callback
        } else if (k == CXCursor_CallExpr) {
          CXCursor callee = clang_getCursorReferenced(use);
          CXCursor def = clang_getCursorDefinition(callee);
          bool library = clang_Location_isInSystemHeader(clang_getCursorLocation(callee)) ||
                         fileOf(callee).display.empty() ||
                         llvm::StringRef(str(clang_getFileName(fileOfCursor(callee))))
                             .starts_with(std::string(kShimDir) + "/");
          if (!clang_Cursor_isNull(def) && fileOf(def).inScope && depth < 2) {
            // A helper of this project: does it set the floor on the parameter?
            int n = clang_Cursor_getNumArguments(use);
            for (int i = 0; i < n; ++i) {
              auto arg = objectDecl(clang_Cursor_getArgument(use, static_cast<unsigned>(i)));
              if (!arg || !same(*arg, var))
                continue;
              CXCursor param = clang_Cursor_getArgument(def, static_cast<unsigned>(i));
              if (!clang_Cursor_isNull(param) && hasFloor(param, def, escapes, depth + 1))
                return true;
            }
          } else if (!library && !clang_Cursor_isNull(callee)) {
            escapes = true;
          }
        }
      }
      std::vector<CXCursor> kids = children(f.node);
      for (auto it = kids.rbegin(); it != kids.rend(); ++it) {
        Frame next{*it, f.path};
        next.path.push_back(f.node);
        stack.push_back(std::move(next));
      }
    }
    return false;
  }

  static CXFile fileOfCursor(CXCursor c) {
    CXFile file = nullptr;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, nullptr, nullptr, nullptr);
    return file;
  }

public:
  // Notes for version-flexible objects nothing visible gives a floor.
  void resolveNoFloor() {
    for (const Creation &c : creations_) {
      auto bound = bindings_.find(locationKey(clang_getCursorLocation(c.call)));
      if (bound == bindings_.end())
        continue; // not kept in a local: where it goes is not visible
      CXCursor var = bound->second;
      CXCursor fn = clang_getCursorSemanticParent(var);
      CXCursorKind fk = clang_getCursorKind(fn);
      if (fk != CXCursor_FunctionDecl && fk != CXCursor_CXXMethod && fk != CXCursor_Constructor)
        continue;
      bool escapes = false;
      if (hasFloor(var, fn, escapes, 0) || escapes)
        continue;
      Verdict v = c.verdict;
      emitVerdicts(siteOf(c.call), *c.api, {v}, c.shown, c.evidence, nullptr, "");
    }
  }

private:

  // --- sinks -----------------------------------------------------------------

  void onCall(CXCursor call) {
    if (!inScope(call))
      return;
    CXCursor callee = clang_getCursorReferenced(call);
    std::vector<CXCursor> args;
    bool recovered = false;
    CXCursorKind ck = clang_getCursorKind(callee);
    if (ck == CXCursor_OverloadedDeclRef || clang_Cursor_isNull(callee) ||
        clang_isInvalid(ck)) {
      // An argument the compiler could not type (a project header is
      // missing): the call is kept with its callee as an overload set.
      std::vector<CXCursor> kids = children(call);
      if (kids.empty())
        return;
      CXCursor ref = kids[0];
      while (clang_getCursorKind(ref) != CXCursor_OverloadedDeclRef && !children(ref).empty())
        ref = children(ref)[0];
      if (clang_getCursorKind(ref) != CXCursor_OverloadedDeclRef ||
          clang_getNumOverloadedDecls(ref) == 0)
        return;
      callee = clang_getOverloadedDecl(ref, 0);
      args.assign(kids.begin() + 1, kids.end());
      recovered = true;
    } else {
      ck = clang_getCursorKind(callee);
      if (ck != CXCursor_FunctionDecl && ck != CXCursor_CXXMethod && ck != CXCursor_Constructor &&
          ck != CXCursor_FunctionTemplate)
        return;
      // `params.cipherList = "..."` on a class-type field is a call of its
      // operator=: a field write all the same.
      if (ck == CXCursor_CXXMethod && str(clang_getCursorSpelling(callee)) == "operator=") {
        std::vector<CXCursor> kids = children(call);
        if (kids.size() >= 2) {
          CXCursor lhs = kids[kids.size() - 2];
          while (clang_getCursorKind(lhs) == CXCursor_UnexposedExpr && !children(lhs).empty())
            lhs = children(lhs)[0];
          if (clang_getCursorKind(lhs) == CXCursor_MemberRefExpr)
            fieldWrite(call, clang_getCursorReferenced(lhs), kids.back());
        }
        return;
      }
      int n = clang_Cursor_getNumArguments(call);
      for (int i = 0; i < n; ++i)
        args.push_back(clang_Cursor_getArgument(call, static_cast<unsigned>(i)));
    }
    std::string name = qualifiedName(callee);
    auto it = sinks_.calls.find(name);
    if (it == sinks_.calls.end()) {
      // std::make_shared<T>(args...) constructs a T from args: the call is
      // T's constructor for the sinks (`make_shared<ssl::context>(tlsv1)`).
      std::string made = constructorMadeBy(callee, name, args);
      if (made.empty() || (it = sinks_.calls.find(made)) == sinks_.calls.end())
        return;
      name = made;
    }
    // A call kept only as an overload set has dependent arguments the
    // compiler will not evaluate; if so, leave it to the token recovery
    // (lostCalls), which evaluates them apart.
    bool leftToRecovery = false;
    for (const ApiModel *api : it->second) {
      if (api->when) {
        if (api->when->arg >= args.size())
          continue;
        auto cond = evaluate(tu_, args[api->when->arg], call);
        if (!cond && recovered) {
          leftToRecovery = true;
          continue;
        }
        if (!cond || !matches(*api->when, *cond))
          continue;
      }
      std::optional<EvalValue> value;
      if (api->arg >= 0) {
        if (static_cast<size_t>(api->arg) >= args.size())
          continue;
        value = evaluate(tu_, args[static_cast<size_t>(api->arg)], call);
        if (!value && recovered) {
          // A local assigned on several paths is read here; anything else
          // is left to the probe, which evaluates the written argument.
          if (!reportPossible(call, shownName(call, *api, str(clang_getCursorSpelling(callee))),
                              *api, args[static_cast<size_t>(api->arg)]))
            leftToRecovery = true;
          continue;
        }
        if (!value) {
          if (setsFloor(*api, nullptr))
            if (auto object = callObject(call, args))
              floorCalls_.emplace_back(*object, call); // some minimum, from elsewhere
          if (!reportPossible(call, shownName(call, *api, str(clang_getCursorSpelling(callee))),
                              *api, args[static_cast<size_t>(api->arg)]))
            unresolved(call, *api);
          continue; // not a compile-time value: nothing more to claim
        }
      }
      if (setsFloor(*api, value ? &*value : nullptr))
        if (auto object = callObject(call, args))
          floorCalls_.emplace_back(*object, call);
      report(call, str(clang_getCursorSpelling(callee)), *api, value ? &*value : nullptr,
             recovered ? "medium" : "");
      if (api->effect == "disables-bits" && value && value->integer && !args.empty()) {
        std::vector<CXCursor> kids = children(call);
        CXCursor objectExpr = !kids.empty() && clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr &&
                                      !children(kids[0]).empty()
                                  ? children(kids[0])[0]
                                  : args[0];
        optionCalls_.push_back({call, api, *value->integer,
                                spell(tu_, clang_getCursorExtent(objectExpr)),
                                str(clang_getCursorSpelling(callee))});
      }
    }
    if (leftToRecovery)
      allCalls_.erase(locationKey(clang_getCursorLocation(call))); // the probe decides
  }

  // A call of one of kFactories: the constructor's qualified name
  // ("ns::T::T"), with `args` trimmed to what T receives.
  std::string constructorMadeBy(CXCursor callee, const std::string &name,
                                std::vector<CXCursor> &args) {
    unsigned skip = 0;
    bool known = false;
    for (const auto &[factory, leading] : kFactories)
      if (name == factory) {
        known = true;
        skip = leading;
      }
    if (!known || clang_Cursor_getNumTemplateArguments(callee) < 1)
      return {};
    CXType t = clang_getCanonicalType(clang_Cursor_getTemplateArgumentType(callee, 0));
    CXCursor record = clang_getTypeDeclaration(t);
    if (clang_Cursor_isNull(record) || clang_getCursorKind(record) == CXCursor_NoDeclFound)
      return {};
    std::string cls = qualifiedName(record);
    if (cls.empty() || args.size() < skip)
      return {};
    args.erase(args.begin(), args.begin() + skip);
    return cls + "::" + str(clang_getCursorSpelling(record));
  }

  static bool matches(const patterns::ArgCondition &when, const EvalValue &v) {
    if (when.equals)
      return v.integer && *v.integer == *when.equals;
    for (const std::string &s : when.strings)
      if (v.string && *v.string == s)
        return true;
    return false;
  }

  // "Record::field" for a FieldDecl, by the record's name (a typedef's name
  // for an anonymous struct).
  std::string fieldName(CXCursor field) const {
    if (clang_getCursorKind(field) != CXCursor_FieldDecl)
      return {};
    return qualifiedName(field);
  }

  void fieldWrite(CXCursor where, CXCursor field, CXCursor valueExpr) {
    auto it = sinks_.fields.find(fieldName(field));
    if (it == sinks_.fields.end() || !inScope(where))
      return;
    for (const ApiModel *api : it->second)
      reportEvaluated(where, qualifiedName(field), *api, valueExpr, valueExpr,
                      clang_getCursorKind(where) == CXCursor_CompoundAssignOperator);
  }

  // Evaluates the value reaching a sink and reports what it means; a value
  // the compiler cannot know only lists the sink as unresolved.
  void reportEvaluated(CXCursor where, const std::string &name, const ApiModel &api,
                       CXCursor valueExpr, CXCursor spelled, bool partial) {
    auto value = evaluate(tu_, valueExpr, where);
    if (!value) {
      if (partial || !reportPossible(where, name, api, valueExpr))
        unresolved(where, api);
      return;
    }
    report(where, name, api, &*value, "", spelled, partial);
  }

  // `cred.grbitEnabledProtocols = X`, `p->field |= X`.
  void onAssign(CXCursor op) {
    CXBinaryOperatorKind kind = clang_getCursorBinaryOperatorKind(op);
    if (kind != CXBinaryOperator_Assign && kind != CXBinaryOperator_OrAssign)
      return;
    std::vector<CXCursor> kids = children(op);
    if (kids.size() != 2)
      return;
    if (kind == CXBinaryOperator_Assign)
      if (auto var = objectDecl(kids[0]))
        bind(stripExpr(kids[1]), *var);
    if (clang_getCursorKind(kids[0]) != CXCursor_MemberRefExpr)
      return;
    fieldWrite(op, clang_getCursorReferenced(kids[0]), kids[1]);
  }

  // `SCHANNEL_CRED c = { .grbitEnabledProtocols = X }` and positional
  // `SSLVersionRange r = { MIN, MAX }`.
  void onInitList(CXCursor list) {
    CXType type = clang_getCanonicalType(clang_getCursorType(list));
    if (type.kind != CXType_Record)
      return;
    std::vector<CXCursor> fields;
    clang_Type_visitFields(
        type,
        [](CXCursor f, CXClientData d) {
          static_cast<std::vector<CXCursor> *>(d)->push_back(f);
          return CXVisit_Continue;
        },
        &fields);
    size_t position = 0;
    for (CXCursor element : children(list)) {
      std::vector<CXCursor> parts = children(element);
      CXCursor designator = clang_getNullCursor();
      for (const CXCursor &p : parts)
        if (clang_getCursorKind(p) == CXCursor_MemberRef)
          designator = p;
      if (!clang_Cursor_isNull(designator)) { // .field = value
        CXCursor field = clang_getCursorReferenced(designator);
        fieldWrite(element, field, parts.back());
        for (size_t i = 0; i < fields.size(); ++i)
          if (clang_equalCursors(fields[i], field))
            position = i;
      } else if (position < fields.size()) {
        fieldWrite(element, fields[position], element);
      }
      ++position;
    }
  }

  // A policy class overriding `allow_tls10()` to return a constant.
  void onMethod(CXCursor method) {
    if (!inScope(method) || !clang_isCursorDefinition(method))
      return;
    CXCursor *overridden = nullptr;
    unsigned n = 0;
    clang_getOverriddenCursors(method, &overridden, &n);
    std::vector<std::string> names;
    for (unsigned i = 0; i < n; ++i)
      names.push_back(qualifiedName(overridden[i]));
    clang_disposeOverriddenCursors(overridden);
    for (const std::string &name : names) {
      auto it = sinks_.overrides.find(name);
      if (it == sinks_.overrides.end())
        continue;
      CXCursor ret = returnedValue(method);
      if (clang_Cursor_isNull(ret))
        continue;
      for (const ApiModel *api : it->second)
        reportEvaluated(method, str(clang_getCursorSpelling(method)), *api, ret,
                        clang_getNullCursor(), false);
    }
  }

  // The expression of a body that is a single `return X;`.
  static CXCursor returnedValue(CXCursor method) {
    for (CXCursor c : children(method)) {
      if (clang_getCursorKind(c) != CXCursor_CompoundStmt)
        continue;
      std::vector<CXCursor> stmts = children(c);
      if (stmts.size() == 1 && clang_getCursorKind(stmts[0]) == CXCursor_ReturnStmt) {
        std::vector<CXCursor> e = children(stmts[0]);
        if (!e.empty())
          return e[0];
      }
    }
    return clang_getNullCursor();
  }

  // `#define MBEDTLS_SSL_PROTO_TLS1` in a config header.
  void onDefine(CXCursor def) {
    auto it = sinks_.defines.find(str(clang_getCursorSpelling(def)));
    if (it == sinks_.defines.end())
      return;
    for (const ApiModel *api : it->second)
      report(def, str(clang_getCursorSpelling(def)), *api, nullptr, "");
  }

  // --- findings --------------------------------------------------------------

  void unresolved(CXCursor where, const ApiModel &api) {
    unsigned line = 0;
    clang_getExpansionLocation(clang_getCursorLocation(where), nullptr, &line, nullptr, nullptr);
    out_.unresolved.push_back(fileOf(where).display + ":" + std::to_string(line) + ": " + api.api);
  }

  // The macro the user wrote at the sink's expansion point, if any.
  const MacroUse *macroAt(CXCursor call) const {
    CXSourceLocation loc = clang_getCursorLocation(call);
    CXFile spellingFile = nullptr, expansionFile = nullptr;
    unsigned spellingOffset = 0, expansionOffset = 0;
    clang_getSpellingLocation(loc, &spellingFile, nullptr, nullptr, &spellingOffset);
    clang_getExpansionLocation(loc, &expansionFile, nullptr, nullptr, &expansionOffset);
    if (spellingFile && clang_File_isEqual(spellingFile, expansionFile) &&
        spellingOffset == expansionOffset)
      return nullptr; // written directly
    auto it = macros_.find(locationKey(loc));
    return it == macros_.end() ? nullptr : &it->second;
  }

  void report(CXCursor where, const std::string &callee, const ApiModel &api,
              const EvalValue *value, const std::string &confidence,
              CXCursor valueExpr = clang_getNullCursor(), bool partial = false) {
    EffectHandler handler = findEffect(api.effect);
    if (!handler)
      return;
    EffectInput input{api, kb_, floor_, value, partial};
    if (!valueKnown(input)) {
      unresolved(where, api);
      return;
    }
    std::vector<Verdict> verdicts = handler(input);
    if (verdicts.empty())
      return;
    bool isCall = clang_getCursorKind(where) == CXCursor_CallExpr;
    const MacroUse *macro = isCall ? macroAt(where) : nullptr;
    bool knownMacro = macro && std::find(api.macros.begin(), api.macros.end(), macro->name) !=
                                   api.macros.end();
    std::string shown = shownName(where, api, callee);

    std::string evidence;
    if (!value) {
      evidence = isCall ? callee + "()" : callee;
    } else {
      // The value as the user wrote it; inside a macro we do not model, the
      // written arguments are the macro's, so there is no spelling.
      if (isCall && (!macro || knownMacro)) {
        CXSourceRange written = knownMacro ? macro->range : clang_getCursorExtent(where);
        int spelledIndex = knownMacro && api.spelledArg >= 0 ? api.spelledArg : api.arg;
        auto args = spelledArguments(tu_, written);
        if (spelledIndex >= 0 && spelledIndex < static_cast<int>(args.size()))
          evidence = args[static_cast<size_t>(spelledIndex)];
      } else if (!clang_Cursor_isNull(valueExpr) && fileOf(valueExpr).inScope) {
        evidence = spell(tu_, clang_getCursorExtent(valueExpr));
      }
      if (!value->via.empty())
        evidence += evidence.empty() ? value->via : " (" + value->via + ")";
    }
    std::vector<Verdict> now;
    for (const Verdict &v : verdicts) {
      if (v.family == "nofloor")
        creations_.push_back({where, &api, v, shown, evidence});
      else
        now.push_back(v);
    }
    emitVerdicts(siteOf(where), api, now, shown, evidence, value, confidence);
  }

  // Where a finding goes: file, line, column, offset.
  struct Site {
    FileInfo *file;
    unsigned line = 0, column = 0, offset = 0;
  };

  Site siteOf(CXCursor c) {
    Site s{&fileOf(c)};
    clang_getExpansionLocation(clang_getCursorLocation(c), nullptr, &s.line, &s.column,
                               &s.offset);
    return s;
  }

  void emitVerdicts(const Site &site, const ApiModel &api, const std::vector<Verdict> &verdicts,
                    const std::string &shown, const std::string &evidence,
                    const EvalValue *value, const std::string &confidence,
                    const std::string &messageSuffix = "") {
    for (const Verdict &v : verdicts) {
      std::string ruleId = api.ruleFor(v.family);
      std::map<std::string, std::string> vars{{"api", shown},
                                              {"floor", std::string(protocolName(floor_))},
                                              {"protocol", v.protocol},
                                              {"value", v.valueName}};
      std::string ev = evidence.empty() ? v.valueName : evidence;
      // Say the constant's name only when the evidence does not already.
      std::string shownValue = v.valueText;
      if (value && value->integer && !v.valueName.empty() &&
          (ev == v.valueName || ev.find(" " + v.valueName) != std::string::npos ||
           ev.rfind(v.valueName + " ", 0) == 0))
        shownValue = "0x" + llvm::utohexstr(*value->integer, true);
      if (shownValue == ev)
        shownValue.clear();
      vars["spelling"] = ev;
      emit(site, ruleId, api,
           patterns::expandTemplate(kb_.messageTemplate(ruleId), vars) + messageSuffix, ev,
           shownValue, confidence);
    }
  }

  // The name the user wrote (a macro the pack knows), else the call's
  // model name when a condition picks it out of a generic call
  // ("SSL_CTX_ctrl(SSL_CTRL_SET_MIN_PROTO_VERSION)"), else the callee.
  std::string shownName(CXCursor where, const ApiModel &api, const std::string &callee) const {
    bool isCall = clang_getCursorKind(where) == CXCursor_CallExpr;
    const MacroUse *macro = isCall ? macroAt(where) : nullptr;
    bool knownMacro = macro && std::find(api.macros.begin(), api.macros.end(), macro->name) !=
                                   api.macros.end();
    std::string shown = knownMacro ? macro->name : api.when ? api.api : callee;
    if (macro && !knownMacro)
      shown += " (via macro " + macro->name + ")";
    return shown;
  }

  // A sink whose value is a local assigned constants on several paths (a
  // configuration mapped through a `switch`): each legacy one is a setting
  // the code makes on some path. One finding per rule at the sink, naming
  // the assignments; true when the sink is understood (a finding, or only
  // constants and none of them legacy).
  bool reportPossible(CXCursor where, const std::string &callee, const ApiModel &api,
                      CXCursor valueExpr) {
    bool complete = false;
    std::vector<PossibleValue> values = possibleValues(tu_, valueExpr, where, complete);
    return reportValues(siteOf(where), callee, api, values, complete, "medium");
  }

  bool reportValues(const Site &site, const std::string &callee, const ApiModel &api,
                    const std::vector<PossibleValue> &values, bool complete,
                    const std::string &confidence) {
    EffectHandler handler = findEffect(api.effect);
    if (values.empty() || !handler)
      return false;
    struct Found {
      Verdict verdict;
      EvalValue value;
      std::vector<const PossibleValue *> from;
    };
    std::vector<Found> found; // in the order of the families first seen
    for (const PossibleValue &pv : values) {
      EffectInput in{api, kb_, floor_, &pv.value, false};
      if (!valueKnown(in))
        continue;
      for (const Verdict &v : handler(in)) {
        if (v.family == "nofloor")
          continue;
        auto it = std::find_if(found.begin(), found.end(),
                               [&](const Found &f) { return f.verdict.family == v.family; });
        if (it == found.end())
          found.push_back({v, pv.value, {&pv}});
        else
          it->from.push_back(&pv);
      }
    }
    if (found.empty())
      return complete;
    for (const Found &f : found) {
      std::string evidence;
      for (const PossibleValue *pv : f.from)
        evidence += (evidence.empty() ? "" : "; ") + pv->written + " (line " +
                    std::to_string(pv->line) + ")";
      emitVerdicts(site, api, {f.verdict}, callee, evidence, &f.value, confidence,
                   " (on some paths: the value depends on what reaches it)");
    }
    return true;
  }

public:
  // A call of a sink that the AST lost (an argument of unknown type made the
  // compiler drop the whole expression), found in the tokens of the file.
  struct LostCall {
    std::string name; // function or macro name as written
    unsigned line = 0, column = 0, offset = 0;
    std::vector<std::string> args; // argument token text
    const ApiModel *api = nullptr;
    bool viaMacro = false;
    bool partial = false; // `field |= value`: bits added to what is there
  };

  std::vector<LostCall> lostCalls() {
    std::vector<LostCall> out;
    FileInfo &main = mainInfo();
    if (main.contents.empty())
      return out;
    // Functions this translation unit declares: a lost call is recovered
    // only for a model whose function is declared (so a name that is a
    // macro for something else, SSLv23_method in OpenSSL 3, or another
    // library's spelling of the same macro, never is).
    std::set<std::string> declared;
    clang_visitChildren(
        clang_getTranslationUnitCursor(tu_),
        [](CXCursor c, CXCursor, CXClientData d) {
          CXCursorKind k = clang_getCursorKind(c);
          if (k == CXCursor_LinkageSpec || k == CXCursor_Namespace)
            return CXChildVisit_Recurse;
          if (k == CXCursor_FunctionDecl)
            static_cast<std::set<std::string> *>(d)->insert(str(clang_getCursorSpelling(c)));
          return CXChildVisit_Continue;
        },
        &declared);
    // Classes this translation unit declares, by qualified name: a lost
    // member or constructor call is recovered only for a declared class.
    struct ClassWalk {
      std::set<std::string> classes;
      std::string prefix;
      static CXChildVisitResult visit(CXCursor c, CXCursor, CXClientData d) {
        auto *w = static_cast<ClassWalk *>(d);
        CXCursorKind k = clang_getCursorKind(c);
        if (k == CXCursor_LinkageSpec)
          return CXChildVisit_Recurse;
        if (k == CXCursor_Namespace || k == CXCursor_ClassDecl || k == CXCursor_StructDecl ||
            k == CXCursor_ClassTemplate) {
          std::string name = str(clang_getCursorSpelling(c));
          std::string saved = w->prefix;
          w->prefix += (w->prefix.empty() ? "" : "::") + name;
          if (k != CXCursor_Namespace)
            w->classes.insert(w->prefix);
          if (k == CXCursor_Namespace)
            clang_visitChildren(c, visit, d);
          w->prefix = saved;
        }
        return CXChildVisit_Continue;
      }
    } classWalk;
    clang_visitChildren(clang_getTranslationUnitCursor(tu_), ClassWalk::visit, &classWalk);
    auto isDeclared = [&](const ApiModel *api) {
      return std::any_of(api->functions.begin(), api->functions.end(), [&](const std::string &f) {
        llvm::StringRef scope = llvm::StringRef(f).rsplit("::").first;
        return declared.count(f) > 0 ||
               (scope.size() < f.size() && classWalk.classes.count(scope.str()) > 0);
      });
    };
    std::map<std::string, std::vector<const ApiModel *>> byMacro;
    for (const auto &[name, apis] : sinks_.calls)
      for (const ApiModel *api : apis)
        for (const std::string &m : api->macros)
          byMacro[m].push_back(api);
    CXSourceRange whole =
        clang_getRange(clang_getLocationForOffset(tu_, mainFile_, 0),
                       clang_getLocationForOffset(tu_, mainFile_,
                                                  static_cast<unsigned>(main.contents.size())));
    CXSourceRangeList *skipped = clang_getSkippedRanges(tu_, mainFile_);
    auto isSkipped = [&](unsigned offset) {
      for (unsigned i = 0; skipped && i < skipped->count; ++i) {
        unsigned b = 0, e = 0;
        clang_getSpellingLocation(clang_getRangeStart(skipped->ranges[i]), nullptr, nullptr,
                                  nullptr, &b);
        clang_getSpellingLocation(clang_getRangeEnd(skipped->ranges[i]), nullptr, nullptr,
                                  nullptr, &e);
        if (offset >= b && offset <= e)
          return true;
      }
      return false;
    };
    CXToken *toks = nullptr;
    unsigned n = 0;
    clang_tokenize(tu_, whole, &toks, &n);
    std::vector<std::string> text(n);
    std::vector<CXTokenKind> kinds(n);
    for (unsigned i = 0; i < n; ++i) {
      text[i] = str(clang_getTokenSpelling(tu_, toks[i]));
      kinds[i] = clang_getTokenKind(toks[i]);
    }
    // Lines of preprocessor directives (with their continuations): a sink
    // named inside a macro body is found where the macro is used.
    std::set<unsigned> directiveLines;
    std::map<unsigned, unsigned> directiveStart; // line -> first line of its directive
    {
      llvm::StringRef rest(main.contents);
      bool continued = false;
      unsigned start = 0;
      for (unsigned line = 1; !rest.empty(); ++line) {
        auto [l, tail] = rest.split('\n');
        rest = tail;
        bool directive = continued || l.ltrim().starts_with("#");
        if (directive && !continued)
          start = line;
        if (directive) {
          directiveLines.insert(line);
          directiveStart[line] = start;
        }
        continued = directive && l.rtrim().ends_with("\\");
      }
    }
    // The arguments of the call whose "(" is at `open` in `t`, each as its
    // tokens; nullopt when the call is not closed.
    auto argumentsAt = [](const std::vector<std::string> &t, size_t open)
        -> std::optional<std::vector<std::vector<std::string>>> {
      std::vector<std::vector<std::string>> args;
      std::vector<std::string> current;
      int depth = 0;
      for (size_t j = open; j < t.size(); ++j) {
        const std::string &tok = t[j];
        if (tok == "(" || tok == "[" || tok == "{") {
          if (depth++ == 0)
            continue;
        } else if (tok == ")" || tok == "]" || tok == "}") {
          if (--depth == 0) {
            args.push_back(std::move(current));
            return args;
          }
        } else if (tok == "," && depth == 1) {
          args.push_back(std::move(current));
          current.clear();
          continue;
        }
        current.push_back(tok);
      }
      return std::nullopt;
    };
    auto joined = [](const std::vector<std::string> &t) {
      std::string s;
      for (const std::string &tok : t)
        s += (s.empty() ? "" : " ") + tok;
      return s;
    };
    // A sink call at `i` of the token text `t` (kinds may be empty: a macro
    // body after substitution, where a previous identifier is checked by
    // spelling).
    auto sinkCallAt = [&](const std::vector<std::string> &t, size_t i,
                          bool previousIsName) -> std::vector<std::pair<const ApiModel *, bool>> {
      std::vector<std::pair<const ApiModel *, bool>> apis;
      if (i + 1 >= t.size() || t[i + 1] != "(")
        return apis;
      auto fn = sinks_.calls.find(t[i]);
      auto mac = byMacro.find(t[i]);
      if (fn == sinks_.calls.end() && mac == byMacro.end())
        return apis;
      // A declaration or definition (`int name(`, `#define name(`) is no call.
      if (i > 0 && (previousIsName || t[i - 1] == "define" || t[i - 1] == "*" ||
                    t[i - 1] == "::" || t[i - 1] == "." || t[i - 1] == "->"))
        return apis;
      bool viaMacro = mac != byMacro.end();
      for (const ApiModel *api : viaMacro ? mac->second : fn->second)
        if (isDeclared(api))
          apis.emplace_back(api, viaMacro);
      return apis;
    };
    // The project's function-like macros defined in this file whose body
    // calls a sink (`#define SET_MIN(ctx, v) if (!SSL_CTX_set_min_proto_version
    // (ctx, v)) return E_UNKNOWN`): where the AST lost a use, the body is
    // substituted and read as the call it makes, at the use.
    struct BodyMacro {
      std::vector<std::string> params, body;
    };
    std::map<std::string, BodyMacro> bodyMacros;
    for (unsigned i = 0; i + 3 < n; ++i) {
      if (text[i] != "#" || text[i + 1] != "define" || kinds[i + 2] != CXToken_Identifier ||
          text[i + 3] != "(")
        continue;
      unsigned defLine = 0, nameEnd = 0, parenAt = 0;
      clang_getSpellingLocation(clang_getTokenLocation(tu_, toks[i + 1]), nullptr, &defLine,
                                nullptr, nullptr);
      CXSourceRange nameRange = clang_getTokenExtent(tu_, toks[i + 2]);
      clang_getSpellingLocation(clang_getRangeEnd(nameRange), nullptr, nullptr, nullptr,
                                &nameEnd);
      clang_getSpellingLocation(clang_getTokenLocation(tu_, toks[i + 3]), nullptr, nullptr,
                                nullptr, &parenAt);
      if (parenAt != nameEnd)
        continue; // `#define X (a)` is an object-like macro
      BodyMacro m;
      unsigned j = i + 4;
      for (; j < n && text[j] != ")"; ++j)
        if (text[j] != ",")
          m.params.push_back(text[j]);
      bool callsSink = false;
      for (++j; j < n; ++j) {
        unsigned line = 0;
        clang_getSpellingLocation(clang_getTokenLocation(tu_, toks[j]), nullptr, &line, nullptr,
                                  nullptr);
        if (line != defLine && !(directiveLines.count(line) && directiveStart[line] == defLine))
          break;
        m.body.push_back(text[j]);
        callsSink = callsSink || sinks_.calls.count(text[j]) || byMacro.count(text[j]);
      }
      if (callsSink && m.body.size() < 512)
        bodyMacros[text[i + 2]] = std::move(m);
    }
    // C++ constructions spelled with the class's qualified name, lost with
    // the code around them (`new boost::asio::ssl::context(...)` inside an
    // unknown smart-pointer type, `lib::make_shared<asio::ssl::context>(...)`
    // through a project alias of make_shared): the constructor is the sink.
    // The file's namespace aliases and using-directives, to read `ssl::context`
    // after `namespace ssl = boost::asio::ssl;` or `using namespace boost::asio;`.
    std::map<std::string, std::string> aliases;
    std::vector<std::string> usings;
    for (unsigned i = 0; i + 3 < n; ++i) {
      bool alias = text[i] == "namespace" && kinds[i + 1] == CXToken_Identifier &&
                   text[i + 2] == "=";
      bool directive = text[i] == "using" && text[i + 1] == "namespace";
      if (!alias && !directive)
        continue;
      std::string path;
      for (unsigned j = i + (alias ? 3 : 2);
           j < n && (kinds[j] == CXToken_Identifier || text[j] == "::"); ++j)
        path += text[j];
      if (llvm::StringRef(path).starts_with("::"))
        path = path.substr(2);
      if (path.empty())
        continue;
      if (alias)
        aliases[text[i + 1]] = path;
      else
        usings.push_back(path);
    }
    auto spellings = [&](const std::string &cls) {
      std::vector<std::string> out{cls};
      auto [first, rest] = llvm::StringRef(cls).split("::");
      auto alias = aliases.find(first.str());
      if (alias != aliases.end())
        out.push_back(alias->second + (rest.empty() ? "" : "::" + rest.str()));
      for (const std::string &u : usings)
        out.push_back(u + "::" + cls);
      return out;
    };
    auto constructorsOf = [&](const std::string &written) {
      std::vector<std::pair<const ApiModel *, bool>> apis;
      for (const std::string &cls : spellings(written)) {
        auto it = sinks_.calls.find(cls + "::" + unqualified(cls).str());
        if (it != sinks_.calls.end())
          for (const ApiModel *api : it->second)
            if (isDeclared(api))
              apis.emplace_back(api, false);
        if (!apis.empty())
          break;
      }
      return apis;
    };
    auto qualifiedStart = [&](unsigned i) {
      unsigned start = i;
      while (start >= 2 && text[start - 1] == "::" && kinds[start - 2] == CXToken_Identifier)
        start -= 2;
      return start;
    };
    // kFactories by their last name: a project alias of std::make_shared
    // (`lib::make_shared`) forwards the same way.
    auto factoryLeading = [](const std::string &name) -> std::optional<unsigned> {
      for (const auto &[factory, leading] : kFactories)
        if (unqualified(factory) == name)
          return leading;
      return std::nullopt;
    };
    for (unsigned i = 0; i + 1 < n; ++i) {
      if (kinds[i] != CXToken_Identifier || (text[i + 1] != "(" && text[i + 1] != "<"))
        continue;
      auto body = bodyMacros.end();
      std::vector<std::pair<const ApiModel *, bool>> apis;
      unsigned start = i, open = i + 1;
      unsigned leading = 0; // arguments the constructor does not receive
      std::string spelled = text[i];
      if (text[i + 1] == "<") {
        std::optional<unsigned> factory = factoryLeading(text[i]);
        if (!factory)
          continue;
        leading = *factory;
        std::string cls;
        unsigned j = i + 2;
        for (; j < n && (kinds[j] == CXToken_Identifier || text[j] == "::"); ++j)
          cls += text[j];
        if (j + 1 >= n || text[j] != ">" || text[j + 1] != "(")
          continue;
        if (llvm::StringRef(cls).starts_with("::"))
          cls = cls.substr(2);
        apis = constructorsOf(cls);
        spelled = unqualified(cls).str();
        open = j + 1;
        start = qualifiedStart(i);
      } else if (i >= 2 && text[i - 1] == "::" && kinds[i - 2] == CXToken_Identifier) {
        start = qualifiedStart(i);
        std::string cls;
        for (unsigned k = start; k <= i; ++k)
          cls += text[k];
        apis = constructorsOf(cls);
      } else {
        body = bodyMacros.find(text[i]);
        if (body == bodyMacros.end()) {
          bool previousIsName =
              i > 0 && (kinds[i - 1] == CXToken_Identifier ||
                        (kinds[i - 1] == CXToken_Keyword && text[i - 1] != "return"));
          apis = sinkCallAt(text, i, previousIsName);
        }
      }
      if (apis.empty() && body == bodyMacros.end())
        continue;
      unsigned line = 0, column = 0, offset = 0;
      clang_getSpellingLocation(clang_getTokenLocation(tu_, toks[start]), nullptr, &line, &column,
                                &offset);
      bool kept = false;
      for (unsigned k = start; k <= i && !kept; ++k) {
        unsigned at = 0;
        clang_getSpellingLocation(clang_getTokenLocation(tu_, toks[k]), nullptr, nullptr, nullptr,
                                  &at);
        kept = allCalls_.count({str(clang_getFileName(mainFile_)), at}) > 0;
      }
      if (isSkipped(offset) || directiveLines.count(line) || kept)
        continue; // the compiler kept this call: not lost
      // A macro the compiler expanded into something that is no sink.
      if (body == bodyMacros.end() && macros_.count({str(clang_getFileName(mainFile_)), offset}) &&
          !(apis.front().second))
        continue;
      auto args = argumentsAt(text, open);
      if (!args)
        continue;
      args->erase(args->begin(), args->begin() + std::min<size_t>(leading, args->size()));
      if (body == bodyMacros.end()) {
        std::vector<std::string> argText;
        for (const auto &a : *args)
          argText.push_back(joined(a));
        for (const auto &[api, viaMacro] : apis)
          out.push_back({spelled, line, column, offset, argText, api, viaMacro});
        continue;
      }
      // Substitute the use's arguments into the body, then read the sink
      // calls it makes.
      const BodyMacro &m = body->second;
      if (args->size() != m.params.size() && !(m.params.empty() && args->size() == 1))
        continue;
      std::vector<std::string> expanded;
      for (const std::string &tok : m.body) {
        auto param = std::find(m.params.begin(), m.params.end(), tok);
        if (param == m.params.end()) {
          expanded.push_back(tok);
          continue;
        }
        const auto &arg = (*args)[static_cast<size_t>(param - m.params.begin())];
        expanded.insert(expanded.end(), arg.begin(), arg.end());
      }
      auto isName = [](const std::string &s) {
        return !s.empty() && (llvm::isAlpha(s[0]) || s[0] == '_');
      };
      static const std::set<std::string> keepsCall = {"return", "if", "while", "sizeof"};
      for (size_t k = 0; k + 1 < expanded.size(); ++k) {
        bool previousIsName = k > 0 && isName(expanded[k - 1]) && !keepsCall.count(expanded[k - 1]);
        auto inner = sinkCallAt(expanded, k, previousIsName);
        if (inner.empty())
          continue;
        auto innerArgs = argumentsAt(expanded, k + 1);
        if (!innerArgs)
          continue;
        std::vector<std::string> argText;
        for (const auto &a : *innerArgs)
          argText.push_back(joined(a));
        for (const auto &[api, viaMacro] : inner)
          out.push_back({expanded[k], line, column, offset, argText, api, viaMacro});
      }
    }
    // Field writes lost with an object of unknown type (`ctx->cred.
    // grbitEnabledProtocols = SP_PROT_TLS1_0_CLIENT;` where `ctx` is a
    // project struct from a missing header), and designated initialisers in
    // a lost initialiser: by the field's name, when its record is declared
    // and the value names an entry of the field's own scale (a field called
    // `min` or `sslVersion` elsewhere is not the library's).
    std::map<std::string, std::vector<const ApiModel *>> byField;
    for (const auto &[qualified, apis] : sinks_.fields) {
      llvm::StringRef record = llvm::StringRef(qualified).rsplit("::").first;
      if (!classWalk.classes.count(record.str()))
        continue;
      std::string field = llvm::StringRef(qualified).rsplit("::").second.str();
      byField[field].insert(byField[field].end(), apis.begin(), apis.end());
    }
    for (unsigned i = 1; !byField.empty() && i + 2 < n; ++i) {
      if (kinds[i] != CXToken_Identifier || (text[i - 1] != "." && text[i - 1] != "->") ||
          (text[i + 1] != "=" && text[i + 1] != "|="))
        continue;
      auto field = byField.find(text[i]);
      if (field == byField.end())
        continue;
      unsigned line = 0, column = 0, offset = 0;
      clang_getSpellingLocation(clang_getTokenLocation(tu_, toks[i]), nullptr, &line, &column,
                                &offset);
      if (isSkipped(offset) || directiveLines.count(line) ||
          keptMembers_.count({str(clang_getFileName(mainFile_)), offset}))
        continue;
      std::vector<std::string> value;
      int depth = 0;
      for (unsigned j = i + 2; j < n; ++j) {
        const std::string &t = text[j];
        if (depth == 0 && (t == ";" || t == "," || t == "}" || t == ")"))
          break;
        if (t == "(" || t == "[" || t == "{")
          ++depth;
        else if (t == ")" || t == "]" || t == "}")
          --depth;
        value.push_back(t);
      }
      for (const ApiModel *api : field->second) {
        const patterns::Scale *scale = kb_.scale(api->scale);
        bool named = scale && std::any_of(value.begin(), value.end(), [&](const std::string &t) {
          return std::any_of(scale->entries.begin(), scale->entries.end(),
                             [&](const patterns::ScaleEntry &e) { return e.name == t; });
        });
        if (!named)
          continue;
        LostCall lost{text[i], line, column, offset, {joined(value)}, api, false};
        lost.partial = text[i + 1] == "|=";
        out.push_back(std::move(lost));
      }
    }
    if (toks)
      clang_disposeTokens(tu_, toks, n);
    clang_disposeSourceRangeList(skipped);
    return out;
  }

  // Reports a lost call whose value the compiler evaluated in a probe.
  void reportLost(const LostCall &call, const std::optional<EvalValue> &condition,
                  const std::optional<EvalValue> &value) {
    const ApiModel &api = *call.api;
    bool impliedByMacro = call.viaMacro && api.spelledArg >= 0;
    if (api.when && !impliedByMacro && (!condition || !matches(*api.when, *condition)))
      return;
    if (api.arg >= 0 && !value) {
      // A local of the enclosing function assigned on several paths.
      int index = call.viaMacro && api.spelledArg >= 0 ? api.spelledArg : api.arg;
      if (index >= 0 && static_cast<size_t>(index) < call.args.size())
        if (auto var = localNamed(call.args[static_cast<size_t>(index)], call.offset)) {
          bool complete = false;
          auto values = possibleValuesAt(tu_, *var, call.offset, complete);
          Site site{&mainInfo(), call.line, call.column, call.offset};
          if (reportValues(site, call.name, api, values, complete, "medium"))
            return;
        }
      out_.unresolved.push_back(mainInfo().display + ":" + std::to_string(call.line) + ": " +
                                api.api);
      return;
    }
    EffectHandler handler = findEffect(api.effect);
    if (!handler)
      return;
    std::vector<Verdict> verdicts =
        handler(EffectInput{api, kb_, floor_, value ? &*value : nullptr, call.partial});
    // A version-flexible object made by a lost call: where it goes and what
    // floor it gets are not visible, so no no-floor note.
    verdicts.erase(std::remove_if(verdicts.begin(), verdicts.end(),
                                  [](const Verdict &v) { return v.family == "nofloor"; }),
                   verdicts.end());
    if (verdicts.empty())
      return;
    int index = call.viaMacro && api.spelledArg >= 0 ? api.spelledArg : api.arg;
    std::string evidence = api.arg < 0 ? call.name + "()"
                           : index >= 0 && static_cast<size_t>(index) < call.args.size()
                               ? call.args[static_cast<size_t>(index)]
                               : std::string();
    Site site{&mainInfo(), call.line, call.column, call.offset};
    emitVerdicts(site, api, verdicts, call.name, evidence, value ? &*value : nullptr, "medium");
  }

  // Whether `c` is written in the file `main` and its extent holds `at`.
  static bool holdsMainOffset(CXCursor c, unsigned at, CXFile main) {
    CXSourceRange r = clang_getCursorExtent(c);
    CXFile f = nullptr;
    unsigned b = 0, e = 0;
    clang_getExpansionLocation(clang_getRangeStart(r), &f, nullptr, nullptr, &b);
    clang_getExpansionLocation(clang_getRangeEnd(r), nullptr, nullptr, nullptr, &e);
    return f && main && clang_File_isEqual(f, main) && at >= b && at <= e;
  }

  // The local variable `text` names at `offset` of the main file: declared
  // in the function definition holding that offset, before it (the last
  // such declaration). `text` may carry parentheses and casts' tokens around
  // one identifier only as `( name )`.
  std::optional<CXCursor> localNamed(const std::string &text, unsigned offset) {
    llvm::StringRef name = llvm::StringRef(text).trim();
    while (name.consume_front("(") && name.consume_back(")"))
      name = name.trim();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return llvm::isAlnum(c) || c == '_';
        }))
      return std::nullopt;
    struct Search {
      std::string name;
      unsigned offset;
      CXFile main;
      std::optional<CXCursor> found;
      unsigned foundAt = 0;
    } search{name.str(), offset, mainFile_, std::nullopt, 0};
    clang_visitChildren(
        clang_getTranslationUnitCursor(tu_),
        [](CXCursor c, CXCursor, CXClientData d) {
          auto *s = static_cast<Search *>(d);
          CXCursorKind k = clang_getCursorKind(c);
          if (k == CXCursor_VarDecl) {
            unsigned at = 0;
            clang_getExpansionLocation(clang_getCursorLocation(c), nullptr, nullptr, nullptr, &at);
            if (str(clang_getCursorSpelling(c)) == s->name && at < s->offset &&
                (!s->found || at >= s->foundAt)) {
              s->found = c;
              s->foundAt = at;
            }
            return CXChildVisit_Continue;
          }
          // Only into what holds the offset (namespaces, classes, the
          // function, its blocks).
          return k == CXCursor_DeclStmt || holdsMainOffset(c, s->offset, s->main)
                     ? CXChildVisit_Recurse
                     : CXChildVisit_Continue;
        },
        &search);
    return search.found;
  }

  // The scanned file's text as the compiler read it.
  const std::string &mainContents() { return mainInfo().contents; }

  // The argument index a lost call's model reads, for the value and the
  // `when` condition (a macro implies its condition).
  static int valueIndex(const LostCall &c) {
    return c.viaMacro && c.api->spelledArg >= 0 ? c.api->spelledArg : c.api->arg;
  }
  static int conditionIndex(const LostCall &c) {
    bool implied = c.viaMacro && c.api->spelledArg >= 0; // SSL_CTX_set_min_proto_version
    return implied || !c.api->when ? -1 : static_cast<int>(c.api->when->arg);
  }

private:
  FileInfo &mainInfo() {
    for (auto &[name, info] : files_)
      if (info.display == job_.displayPath && info.inScope)
        return info;
    std::string name = str(clang_getFileName(mainFile_));
    FileInfo info;
    info.inScope = true;
    info.display = job_.displayPath;
    size_t size = 0;
    const char *data = clang_getFileContents(tu_, mainFile_, &size);
    if (data)
      info.contents.assign(data, size);
    return files_[name] = std::move(info);
  }

  // The fingerprint basis of the line holding `offset`: a hash of its text
  // without blanks, computed once per line (thousands of calls on one long
  // line must not copy it once per finding).
  const std::string &lineBasis(FileInfo &file, unsigned offset) {
    const std::string &contents = file.contents;
    if (offset > contents.size())
      offset = static_cast<unsigned>(contents.size());
    size_t begin = contents.rfind('\n', offset == 0 ? 0 : offset - 1);
    begin = begin == std::string::npos || offset == 0 ? 0 : begin + 1;
    auto cached = file.lineBasis.find(begin);
    if (cached != file.lineBasis.end())
      return cached->second;
    size_t end = contents.find('\n', begin);
    if (end == std::string::npos)
      end = contents.size();
    llvm::SHA256 hash;
    for (size_t i = begin; i < end; ++i) {
      char c = contents[i];
      if (c != ' ' && c != '\t' && c != '\r')
        hash.update(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(&c), 1));
    }
    auto digest = hash.final();
    return file.lineBasis[begin] = llvm::toHex(digest, true);
  }

  void emit(const Site &site, const std::string &ruleId, const ApiModel &api,
            const std::string &message, const std::string &evidence, const std::string &value,
            const std::string &confidence) {
    unsigned line = site.line, column = site.column, offset = site.offset;
    FileInfo &file = *site.file;
    // Two models of one call (a macro and the function it stands for, in
    // different library versions) may both be read: one finding per place.
    if (!emitted_.insert({file.display, line, column, ruleId}).second)
      return;
    const RuleInfo *rule = kb_.rule(ruleId);
    Finding f;
    f.ruleId = ruleId;
    f.severity = rule ? rule->severity : Severity::Warning;
    f.message = message;
    f.location.chain = {file.display};
    f.location.line = line;
    f.location.column = column;
    f.evidence = evidence;
    f.value = value;
    f.fixHint = api.fix;
    f.confidence = confidence;
    f.fingerprintBasis = lineBasis(file, offset);
    out_.findings.push_back(std::move(f));
  }

  CXTranslationUnit tu_;
  const SourceJob &job_;
  const patterns::KnowledgeBase &kb_;
  const SinkIndex &sinks_;
  Protocol floor_;
  std::string projectRoot_;
  AnalysisResult &out_;
  CXFile mainFile_ = nullptr;
  std::map<std::string, FileInfo> files_;
  std::map<std::pair<std::string, unsigned>, MacroUse> macros_;
  std::map<std::pair<std::string, unsigned>, CXCursor> bindings_; // creating call -> variable
  std::vector<std::pair<CXCursor, CXCursor>> floorCalls_;         // (object, call)
  std::vector<Creation> creations_;
  // Calls that turn options off (set_options), for folding sequences.
  struct OptionCall {
    CXCursor call;
    const ApiModel *api;
    uint64_t mask;
    std::string object; // the object as written (`s->ssl_ctx`)
    std::string callee;
  };
  std::vector<OptionCall> optionCalls_;
  std::vector<CXCursor> compounds_;
  std::set<std::pair<std::string, unsigned>> allCalls_; // every call the AST kept
  std::set<std::pair<std::string, unsigned>> keptMembers_; // every member the AST resolved
  std::set<std::tuple<std::string, unsigned, unsigned, std::string>> emitted_;
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

// Calls the AST lost to errors (an argument of a type from a missing
// header): found in the file's tokens, their arguments evaluated by the
// compiler in a probe -- the file again, with one constant per argument
// appended (`static const __auto_type __tlsfloor_probe_0 = (TLS1_VERSION);`).
static void recoverLostCalls(Visit &visit, const SourceJob &job,
                             const std::vector<const char *> &argv,
                             const std::vector<CXUnsavedFile> &unsaved,
                             const std::vector<std::string> &command) {
  std::vector<Visit::LostCall> lost = visit.lostCalls();
  if (lost.empty())
    return;
  bool cxx = false;
  for (size_t i = 0; i < command.size(); ++i)
    cxx = cxx || command[i] == "clang++" || llvm::StringRef(command[i]).starts_with("-xc++") ||
          (command[i] == "-x" && i + 1 < command.size() &&
           llvm::StringRef(command[i + 1]).starts_with("c++"));
  std::string probe = visit.mainContents() + "\n";
  std::map<std::pair<size_t, int>, unsigned> slot; // (lost call, arg) -> probe number
  unsigned count = 0;
  for (size_t c = 0; c < lost.size(); ++c)
    for (int index : {Visit::valueIndex(lost[c]), Visit::conditionIndex(lost[c])}) {
      if (index < 0 || static_cast<size_t>(index) >= lost[c].args.size())
        continue;
      slot[{c, index}] = count;
      probe += std::string(cxx ? "static const auto" : "static const __auto_type") +
               " __tlsfloor_probe_" + std::to_string(count++) + " = " +
               lost[c].args[static_cast<size_t>(index)] + ";\n";
    }
  std::vector<CXUnsavedFile> files = unsaved;
  files.push_back({job.absolutePath.c_str(), probe.c_str(), static_cast<unsigned long>(probe.size())});
  std::unique_ptr<void, IndexDeleter> index(clang_createIndex(0, 0));
  CXTranslationUnit raw = nullptr;
  if (clang_parseTranslationUnit2FullArgv(index.get(), nullptr, argv.data(),
                                          static_cast<int>(argv.size()), files.data(),
                                          static_cast<unsigned>(files.size()),
                                          CXTranslationUnit_KeepGoing, &raw) != CXError_Success ||
      !raw)
    return;
  std::unique_ptr<CXTranslationUnitImpl, TuDeleter> tu(raw);
  struct Collect {
    CXTranslationUnit tu;
    std::map<unsigned, EvalValue> values;
  } collect{raw, {}};
  clang_visitChildren(
      clang_getTranslationUnitCursor(raw),
      [](CXCursor c, CXCursor, CXClientData d) {
        auto *col = static_cast<Collect *>(d);
        if (clang_getCursorKind(c) != CXCursor_VarDecl)
          return CXChildVisit_Continue;
        std::string spelled = str(clang_getCursorSpelling(c));
        llvm::StringRef name(spelled);
        unsigned number = 0;
        if (!name.consume_front("__tlsfloor_probe_") || name.getAsInteger(10, number))
          return CXChildVisit_Continue;
        CXCursor init = clang_Cursor_getVarDeclInitializer(c);
        if (clang_Cursor_isNull(init))
          return CXChildVisit_Continue;
        if (auto v = evaluate(col->tu, init, c)) {
          v->via.clear();
          col->values[number] = *v;
        }
        return CXChildVisit_Continue;
      },
      &collect);
  auto valueOf = [&](size_t c, int index) -> std::optional<EvalValue> {
    auto it = slot.find({c, index});
    if (it == slot.end())
      return std::nullopt;
    auto v = collect.values.find(it->second);
    return v == collect.values.end() ? std::nullopt : std::optional<EvalValue>(v->second);
  };
  for (size_t c = 0; c < lost.size(); ++c)
    visit.reportLost(lost[c], valueOf(c, Visit::conditionIndex(lost[c])),
                     valueOf(c, Visit::valueIndex(lost[c])));
}

// Whether code the preprocessor skipped in the main file names a library's
// sink or constant (a backend wrapped in `#ifdef USE_<backend>`).
// The text of `path` as the translation unit read it (empty if it did not).
static llvm::StringRef fileText(CXTranslationUnit tu, const std::string &path, CXFile &file) {
  file = clang_getFile(tu, path.c_str());
  size_t size = 0;
  const char *data = file ? clang_getFileContents(tu, file, &size) : nullptr;
  return data ? llvm::StringRef(data, size) : llvm::StringRef();
}

static bool skippedCodeUsesLibrary(CXTranslationUnit tu, const std::string &path,
                                   const std::vector<Analyzer::LibraryTrigger> &libraries) {
  CXFile file = nullptr;
  llvm::StringRef text = fileText(tu, path, file);
  if (text.empty())
    return false;
  CXSourceRangeList *skipped = clang_getSkippedRanges(tu, file);
  bool uses = false;
  for (unsigned i = 0; skipped && i < skipped->count && !uses; ++i) {
    unsigned b = 0, e = 0;
    clang_getSpellingLocation(clang_getRangeStart(skipped->ranges[i]), nullptr, nullptr, nullptr,
                              &b);
    clang_getSpellingLocation(clang_getRangeEnd(skipped->ranges[i]), nullptr, nullptr, nullptr,
                              &e);
    if (b >= e || e > text.size())
      continue;
    std::set<std::string> ids = identifiersIn(text.slice(b, e));
    uses = std::any_of(libraries.begin(), libraries.end(), [&](const auto &library) {
      return std::any_of(library.triggers.begin(), library.triggers.end(),
                         [&](const std::string &t) {
                           return t.find("::") == std::string::npos && ids.count(t) > 0;
                         });
    });
  }
  clang_disposeSourceRangeList(skipped);
  return uses;
}

// Without a build, a file whose project headers are missing loses more
// than those headers: code behind the project's configuration macros
// (`#ifdef USE_OPENSSL`, `#if defined(WITH_TLS)`) is inactive, and a TLS
// library reached only through a missing project header is never included.
// This returns the -D and -include arguments of a second, widened parse:
// each undefined feature macro tested by `defined`/`#ifdef` around a skipped
// branch (never version comparisons, negative or platform switches, or the
// TLS libraries' own configuration, so "library older than X" branches stay
// inactive), and the header of each library whose sink names the file uses
// but whose header it did not include.
static std::vector<std::string> widening(CXTranslationUnit tu, const std::string &path,
                                         const std::vector<Analyzer::LibraryTrigger>
                                             &libraryTriggers,
                                         const std::set<std::string> &versionMacros,
                                         std::vector<std::string> &macrosOut) {
  std::vector<std::string> args;
  CXFile file = nullptr;
  llvm::StringRef text = fileText(tu, path, file);
  if (text.empty())
    return args;
  // Every macro defined anywhere in the translation unit.
  std::set<std::string> defined;
  clang_visitChildren(
      clang_getTranslationUnitCursor(tu),
      [](CXCursor c, CXCursor, CXClientData d) {
        if (clang_getCursorKind(c) == CXCursor_MacroDefinition)
          static_cast<std::set<std::string> *>(d)->insert(str(clang_getCursorSpelling(c)));
        return CXChildVisit_Continue;
      },
      &defined);
  auto acceptable = [&](llvm::StringRef name) {
    if (name.empty() || name.starts_with("_") || defined.count(name.str()))
      return false;
    std::string upper = name.upper();
    llvm::StringRef u(upper);
    // The TLS libraries' own switches (OPENSSL_NO_TLS1, OPENSSL_IS_BORINGSSL,
    // MBEDTLS_SSL_PROTO_TLS1...) stay as the library defines them.
    for (const char *library : {"OPENSSL_", "LIBRESSL_", "BORINGSSL", "WOLFSSL_", "CYASSL_",
                                "MBEDTLS_", "POLARSSL_", "GNUTLS_", "NSS_", "SSL_", "TLS_"})
      if (u.starts_with(library))
        return false;
    // Negative switches, platforms and anything about old or legacy versions.
    for (const char *no : {"DISABLE", "WITHOUT", "SKIP", "TLS1", "TLSV1", "SSL3", "SSLV",
                           "WIN32", "WIN64", "WINDOWS", "APPLE", "MACOS", "ANDROID", "LEGACY",
                           "OLD", "DEPRECATED", "VERSION", "INSECURE", "WEAK"})
      if (u.contains(no))
        return false;
    if (u.starts_with("NO_") || u.contains("_NO_"))
      return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return llvm::isAlnum(c) || c == '_'; });
  };
  std::set<std::string> chosen;
  CXSourceRangeList *skipped = clang_getSkippedRanges(tu, file);
  for (unsigned i = 0; skipped && i < skipped->count; ++i) {
    unsigned begin = 0;
    clang_getSpellingLocation(clang_getRangeStart(skipped->ranges[i]), nullptr, nullptr,
                              nullptr, &begin);
    if (begin >= text.size())
      continue;
    llvm::StringRef line = text.drop_front(begin).split('\n').first.trim();
    if (!line.consume_front("#"))
      continue;
    line = line.ltrim();
    if (line.consume_front("ifdef")) {
      llvm::StringRef name = line.trim().split(' ').first.split('/').first.trim();
      if (acceptable(name))
        chosen.insert(name.str());
      continue;
    }
    if (!line.consume_front("if") && !line.consume_front("elif"))
      continue;
    // Only `defined(X)` tests, none negated, and no comparisons.
    if (line.contains_insensitive("<") || line.contains(">") || line.contains("==") ||
        line.contains("!="))
      continue;
    llvm::StringRef rest = line;
    size_t at;
    while ((at = rest.find("defined")) != llvm::StringRef::npos) {
      bool negated = at > 0 && rest.take_front(at).rtrim().ends_with("!");
      rest = rest.drop_front(at + 7).ltrim();
      bool paren = rest.consume_front("(");
      llvm::StringRef name = rest.ltrim().take_while(
          [](char c) { return llvm::isAlnum(c) || c == '_'; });
      rest = rest.ltrim().drop_front(name.size());
      if (paren)
        rest.consume_front(")");
      if (!negated && acceptable(name))
        chosen.insert(name.str());
    }
    llvm::StringRef single = line.trim();
    if (!single.contains(' ') && !single.contains('(') && acceptable(single))
      chosen.insert(single.str()); // `#if USE_TLS`
  }
  clang_disposeSourceRangeList(skipped);
  // A project's alias of a library's version macro (HA_OPENSSL_VERSION_NUMBER,
  // defined in a header that is missing) compares as 0 and turns on every
  // "older than" branch; it stands for the library's own macro, which the
  // library's header (real or built in) defines.
  std::set<std::string> aliases;
  forEachDirective(text, [&](llvm::StringRef l) {
    if (!l.starts_with("if") && !l.starts_with("elif"))
      return;
    for (const std::string &id : identifiersIn(l)) {
      if (defined.count(id) || versionMacros.count(id) || aliases.count(id))
        continue;
      for (const std::string &v : versionMacros)
        if (llvm::StringRef(id).ends_with("_" + v)) {
          aliases.insert(id);
          args.push_back("-D" + id + "=" + v);
          macrosOut.push_back(id + "=" + v);
          break;
        }
    }
  });
  for (const std::string &m : chosen) {
    if (args.size() >= 128)
      break;
    args.push_back("-D" + m);
    macrosOut.push_back(m);
  }
  // Libraries the file uses but whose header it never reached.
  std::set<std::string> included;
  clang_getInclusions(
      tu,
      [](CXFile f, CXSourceLocation *, unsigned, CXClientData d) {
        static_cast<std::set<std::string> *>(d)->insert(str(clang_getFileName(f)));
      },
      &included);
  std::set<std::string> identifiers = identifiersIn(text);
  std::set<std::string> preincluded;
  for (const auto &[header, triggers, prerequisites] : libraryTriggers) {
    bool reached = std::any_of(included.begin(), included.end(), [&](const std::string &f) {
      return llvm::StringRef(f).ends_with("/" + header);
    });
    if (reached)
      continue;
    bool used = std::any_of(triggers.begin(), triggers.end(), [&](const std::string &t) {
      return t.find("::") == std::string::npos ? identifiers.count(t) > 0
                                               : spellsQualified(text, t);
    });
    if (!used)
      continue;
    for (const std::string &first : prerequisites)
      if (preincluded.insert(first).second) {
        args.push_back("-include");
        args.push_back(first);
      }
    if (preincluded.insert(header).second) {
      args.push_back("-include");
      args.push_back(header);
    }
  }
  return args;
}


// "a, b, c, d, e, ..." for a diagnostic.
static std::string firstFive(const std::vector<std::string> &items) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < 5; ++i)
    out += (i ? ", " : "") + items[i];
  if (items.size() > 5)
    out += ", ...";
  return out;
}

AnalysisResult Analyzer::analyze(const SourceJob &job) const {
  AnalysisResult result;
  bool noBuild = job.command.empty();
  std::vector<std::string> command =
      noBuild ? defaultCommand(job.absolutePath, !options_.noSystemHeaders) : job.command;
  // Warnings are not ours to report and -Werror must not turn a deprecation
  // into a "parse failure".
  command.push_back("-w");
  command.push_back("-Wno-error");
  command.push_back("-ferror-limit=0");
  // Never a configuration file the scanned tree could have planted.
  command.push_back("--no-default-config");
  command.push_back("-idirafter");
  command.push_back(kShimDir);
  if (!job.workingDirectory.empty())
    command.push_back("-working-directory=" + job.workingDirectory);
  command.push_back(job.absolutePath);
  std::vector<const char *> argv;
  for (const std::string &a : command)
    argv.push_back(a.c_str());

  // Built-in declarations for libraries whose headers are not installed.
  const std::vector<std::pair<std::string, std::string>> &shimFiles = shimFiles_;
  std::vector<CXUnsavedFile> unsaved;
  for (const auto &[path, text] : shimFiles)
    unsaved.push_back({path.c_str(), text.c_str(), static_cast<unsigned long>(text.size())});

  std::unique_ptr<void, IndexDeleter> index(clang_createIndex(0, /*displayDiagnostics=*/0));
  CXTranslationUnit rawTu = nullptr;
  unsigned flags = CXTranslationUnit_DetailedPreprocessingRecord | CXTranslationUnit_KeepGoing |
                   CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
  CXErrorCode err = clang_parseTranslationUnit2FullArgv(
      index.get(), nullptr, argv.data(), static_cast<int>(argv.size()), unsaved.data(),
      static_cast<unsigned>(unsaved.size()), flags, &rawTu);
  if (err != CXError_Success || !rawTu) {
    result.diagnostics.push_back({Diagnostic::Kind::Incomplete, job.displayPath,
                                  describeError(err)});
    return result;
  }
  std::unique_ptr<CXTranslationUnitImpl, TuDeleter> tu(rawTu);

  // Without a build and with project headers missing, parse again with the
  // project's feature macros on and the TLS libraries it uses included.
  std::vector<std::string> widenedMacros;
  if (noBuild) {
    bool headersMissing = false;
    for (unsigned i = 0, n = clang_getNumDiagnostics(rawTu); i < n && !headersMissing; ++i) {
      CXDiagnostic d = clang_getDiagnostic(rawTu, i);
      std::string sp = str(clang_getDiagnosticSpelling(d));
      headersMissing = llvm::StringRef(sp).ends_with("' file not found") &&
                       !llvm::StringRef(sp).starts_with("'/");
      clang_disposeDiagnostic(d);
    }
    // With every header found (real or built in), code behind a feature
    // macro that only the build defines (`#ifdef USE_S2N` around a whole
    // backend) is still skipped: widen when skipped code uses a library.
    bool skippedUse = !headersMissing && skippedCodeUsesLibrary(rawTu, job.absolutePath,
                                                                  libraryTriggers_);
    std::vector<std::string> extra =
        headersMissing || skippedUse ? widening(rawTu, job.absolutePath, libraryTriggers_, versionMacros_,
                                  widenedMacros)
                       : std::vector<std::string>();
    if (!extra.empty()) {
      command.insert(command.end() - 1, extra.begin(), extra.end());
      argv.clear();
      for (const std::string &a : command)
        argv.push_back(a.c_str());
      CXTranslationUnit wider = nullptr;
      if (clang_parseTranslationUnit2FullArgv(
              index.get(), nullptr, argv.data(), static_cast<int>(argv.size()), unsaved.data(),
              static_cast<unsigned>(unsaved.size()), flags, &wider) == CXError_Success &&
          wider) {
        tu.reset(wider);
        rawTu = wider;
      } else {
        widenedMacros.clear();
      }
    }
  }

  unsigned errors = 0;
  std::string first;
  std::vector<std::string> missing; // headers that were not found
  bool absoluteProblem = false;     // an absolute include that could not be read
  unsigned mainFileErrors = 0;      // errors located in the scanned file itself
  CXFile mainFile = clang_getFile(rawTu, job.absolutePath.c_str());
  for (unsigned i = 0, n = clang_getNumDiagnostics(rawTu); i < n; ++i) {
    CXDiagnostic d = clang_getDiagnostic(rawTu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
      std::string spelling = str(clang_getDiagnosticSpelling(d));
      llvm::StringRef sp(spelling);
      // A project or SDK header that is not on this machine; an absolute
      // path (a device, another user's file) is no such thing.
      if (sp.starts_with("'") && sp.ends_with("' file not found") && !sp.starts_with("'/"))
        missing.push_back(sp.drop_front().drop_back(strlen("' file not found")).str());
      else if (sp.starts_with("'/") || sp.starts_with("cannot open file"))
        absoluteProblem = true;
      CXFile where = nullptr;
      clang_getSpellingLocation(clang_getDiagnosticLocation(d), &where, nullptr, nullptr, nullptr);
      if (!where || (mainFile && clang_File_isEqual(where, mainFile)))
        ++mainFileErrors;
      if (errors++ == 0) {
        // Quote the compiler only about the scanned file itself: the text of
        // an error inside another file (an included /etc/passwd, a CI secret)
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
    }
    clang_disposeDiagnostic(d);
  }
  // Without a build, a file whose project headers are missing is still
  // understood: its errors follow from what was not found. With a build, or
  // with errors of its own, it is not.
  // Libraries known only from built-in declarations: the shim files this
  // translation unit actually included.
  std::vector<std::string> shimmed;
  clang_getInclusions(
      rawTu,
      [](CXFile included, CXSourceLocation *, unsigned, CXClientData data) {
        std::string name = str(clang_getFileName(included));
        if (llvm::StringRef(name).starts_with(std::string(kShimDir) + "/"))
          static_cast<std::vector<std::string> *>(data)->push_back(
              name.substr(sizeof(kShimDir)));
      },
      &shimmed);
  // Understood despite errors: headers the project generates or an SDK
  // provides are not on this machine (with a build too: the build may not
  // have run), or, without a build, the errors are all inside headers of the
  // project that need the build's defines. An absolute include that could
  // not be read, or errors in the file itself with nothing missing, are not.
  bool tolerated = !absoluteProblem &&
                   (!missing.empty() || (noBuild && (!shimmed.empty() || mainFileErrors == 0)));
  bool usedShims = !shimmed.empty();
  if (errors && tolerated && missing.empty() && shimmed.empty()) {
    result.diagnostics.push_back(
        {Diagnostic::Kind::Info, job.displayPath,
         "analysed although headers it includes do not compile without the build's settings "
         "(first error " + first + "); findings have medium confidence (a compile database "
         "gives full accuracy)"});
  } else if (errors && tolerated && missing.empty()) {
    std::string list;
    for (size_t i = 0; i < shimmed.size() && i < 5; ++i)
      list += (i ? ", " : "") + shimmed[i];
    result.diagnostics.push_back(
        {Diagnostic::Kind::Info, job.displayPath,
         "analysed with tlsfloor's built-in declarations for " + list +
             " (the real headers were not found); findings have medium confidence"});
  } else if (errors && tolerated) {
    std::string list = firstFive(missing);
    std::string widened = firstFive(widenedMacros);
    result.diagnostics.push_back(
        {Diagnostic::Kind::Info, job.displayPath,
         "analysed without " + std::to_string(missing.size()) +
             " header(s) that were not found (" + list + ")" +
             (widened.empty() ? std::string()
                              : "; code behind configuration macros " + widened +
                                    " analysed as if they were defined") +
             "; findings have medium confidence (a compile database gives full accuracy)"});
  } else if (errors) {
    result.diagnostics.push_back(
        {Diagnostic::Kind::Incomplete, job.displayPath,
         "source did not compile cleanly (" + std::to_string(errors) +
             " error(s)); findings may be incomplete; first: " + first});
  }
  // Clean, but only because feature macros were assumed (`#ifdef USE_S2N`
  // around the backend, all headers found): say which.
  bool widenedClean = !errors && !widenedMacros.empty();
  if (widenedClean) {
    std::string widened = firstFive(widenedMacros);
    result.diagnostics.push_back(
        {Diagnostic::Kind::Info, job.displayPath,
         "code behind configuration macros " + widened +
             " analysed as if they were defined (no build says which are); findings have "
             "medium confidence (a compile database gives full accuracy)"});
  }

  Visit visit(rawTu, job, kb_, sinks_, options_.floor, options_.projectRoot, result);
  visit.run();
  visit.foldOptionSequences();
  if (errors)
    recoverLostCalls(visit, job, argv, unsaved, command);
  visit.resolveNoFloor();
  visit.applySuppressions();
  if (tolerated || usedShims || widenedClean)
    for (Finding &f : result.findings)
      if (f.confidence.empty())
        f.confidence = "medium";
  return result;
}

AnalysisResult Analyzer::analyzeConfig(const SourceJob &job) const {
  AnalysisResult result;
  llvm::sys::fs::file_status st;
  if (std::error_code ec = llvm::sys::fs::status(job.absolutePath, st)) {
    result.diagnostics.push_back({Diagnostic::Kind::Incomplete, job.displayPath,
                                  "cannot read: " + ec.message()});
    return result;
  }
  if (st.getSize() > (16u << 20)) {
    result.diagnostics.push_back({Diagnostic::Kind::Incomplete, job.displayPath,
                                  "configuration file larger than 16 MiB; not read"});
    return result;
  }
  auto buf = llvm::MemoryBuffer::getFile(job.absolutePath, /*IsText=*/true);
  if (!buf) {
    result.diagnostics.push_back({Diagnostic::Kind::Incomplete, job.displayPath,
                                  "cannot read: " + buf.getError().message()});
    return result;
  }
  llvm::StringRef rest = (*buf)->getBuffer();
  for (unsigned line = 1; !rest.empty(); ++line) {
    auto [raw, tail] = rest.split('\n');
    rest = tail;
    llvm::StringRef l = raw.trim();
    if (l.starts_with("#")) // "# CONFIG_X is not set": off
      continue;
    auto [name, value] = l.split('=');
    value = value.split('#').first.trim().trim('"'); // a trailing comment is not the value
    if (!name.starts_with("CONFIG_") || !(value == "y" || value == "1"))
      continue;
    auto it = sinks_.defines.find(name.trim().str());
    if (it == sinks_.defines.end())
      continue;
    for (const ApiModel *api : it->second) {
      EffectHandler handler = findEffect(api->effect);
      if (!handler)
        continue;
      for (const Verdict &v : handler(EffectInput{*api, kb_, options_.floor, nullptr, false})) {
        std::string ruleId = api->ruleFor(v.family);
        const RuleInfo *rule = kb_.rule(ruleId);
        Finding f;
        f.ruleId = ruleId;
        f.severity = rule ? rule->severity : Severity::Warning;
        f.message = patterns::expandTemplate(
            kb_.messageTemplate(ruleId), {{"api", name.trim().str()},
                                          {"floor", std::string(protocolName(options_.floor))},
                                          {"protocol", v.protocol},
                                          {"value", v.valueName},
                                          {"spelling", l.str()}});
        f.location.chain = {job.displayPath};
        f.location.line = line;
        f.location.column = static_cast<unsigned>(raw.find(name.front())) + 1;
        f.evidence = (name.trim() + "=" + value).str();
        f.fixHint = api->fix;
        f.fingerprintBasis = f.evidence;
        result.findings.push_back(std::move(f));
      }
    }
  }
  return result;
}

} // namespace tlsfloor::analyzer
