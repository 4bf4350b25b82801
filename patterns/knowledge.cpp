#include "tlsfloor/patterns/knowledge.h"

#include <cctype>
#include <cstdlib>
#include <algorithm>
#include <set>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/YAMLTraits.h"
#include "llvm/Support/raw_ostream.h"
#include "re2/re2.h"
#include "tlsfloor/patterns/embedded.h"

using namespace tlsfloor;
using namespace tlsfloor::patterns;

namespace {
// The on-disk shape of a pack, before conversion.
struct RawRule {
  RuleInfo info;
  std::string severity;
  std::string message;
};
struct Pack {
  std::vector<RawRule> rules;
  std::vector<Scale> scales;
  std::vector<ApiModel> apis;
  std::vector<Component> components;
  std::vector<Shim> shims;
};
} // namespace

LLVM_YAML_IS_SEQUENCE_VECTOR(RawRule)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Scale)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::ScaleEntry)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::ApiModel)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Component)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::VersionPattern)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Shim)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Component::LegacySymbol)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Component::FilePattern)
LLVM_YAML_IS_STRING_MAP(std::string)

namespace llvm::yaml {
template <> struct MappingTraits<RawRule> {
  static void mapping(IO &io, RawRule &r) {
    io.mapRequired("id", r.info.id);
    io.mapRequired("name", r.info.name);
    io.mapRequired("severity", r.severity);
    io.mapRequired("family", r.info.family);
    io.mapRequired("summary", r.info.summary);
    io.mapRequired("description", r.info.description);
    io.mapRequired("help", r.info.help);
    io.mapRequired("message", r.message);
    io.mapOptional("security_severity", r.info.securitySeverity);
    io.mapOptional("sources", r.info.sources);
  }
};
template <> struct MappingTraits<ScaleEntry> {
  static void mapping(IO &io, ScaleEntry &e) {
    io.mapOptional("value", e.value, uint64_t(0));
    io.mapRequired("name", e.name);
    io.mapRequired("protocol", e.protocol);
    io.mapOptional("mode", e.mode, std::string("exact"));
  }
};
template <> struct MappingTraits<Scale> {
  static void mapping(IO &io, Scale &s) {
    io.mapRequired("id", s.id);
    io.mapOptional("kind", s.kind, std::string("enum"));
    io.mapOptional("match", s.match, std::string("value"));
    io.mapRequired("entries", s.entries);
    io.mapRequired("sources", s.sources);
  }
};
template <> struct MappingTraits<ArgCondition> {
  static void mapping(IO &io, ArgCondition &c) {
    io.mapRequired("arg", c.arg);
    io.mapOptional("equals", c.equals);
    io.mapOptional("strings", c.strings);
  }
};
template <> struct MappingTraits<ApiModel> {
  static void mapping(IO &io, ApiModel &a) {
    io.mapRequired("rule", a.rule);
    io.mapOptional("rules", a.rules);
    io.mapRequired("api", a.api);
    io.mapOptional("functions", a.functions);
    io.mapOptional("fields", a.fields);
    io.mapOptional("overrides", a.overrides);
    io.mapOptional("defines", a.defines);
    io.mapOptional("macros", a.macros);
    io.mapOptional("when", a.when);
    io.mapRequired("effect", a.effect);
    io.mapOptional("protocol", a.protocolText);
    io.mapOptional("arg", a.arg, -1);
    io.mapOptional("spelled_arg", a.spelledArg, -1);
    io.mapOptional("scale", a.scale);
    io.mapOptional("max_scale", a.maxScale);
    io.mapOptional("separators", a.separators, std::string(":"));
    io.mapRequired("fix", a.fix);
    io.mapRequired("sources", a.sources);
  }
};
template <> struct MappingTraits<VersionPattern> {
  static void mapping(IO &io, VersionPattern &v) {
    io.mapRequired("regex", v.regex);
    io.mapOptional("strength", v.strength, std::string("mention"));
  }
};
template <> struct MappingTraits<Component::LegacySymbol> {
  static void mapping(IO &io, Component::LegacySymbol &l) {
    io.mapRequired("name", l.name);
    io.mapRequired("protocol", l.protocol);
  }
};
template <> struct MappingTraits<Component::FilePattern> {
  static void mapping(IO &io, Component::FilePattern &f) {
    io.mapRequired("path", f.path);
    io.mapRequired("regex", f.regex);
  }
};
template <> struct MappingTraits<Component> {
  static void mapping(IO &io, Component &c) {
    io.mapRequired("id", c.id);
    io.mapRequired("name", c.name);
    io.mapOptional("kind", c.kind, std::string("library"));
    io.mapOptional("version_patterns", c.versionPatterns);
    io.mapOptional("files", c.files);
    io.mapOptional("symbols", c.symbols);
    io.mapOptional("min_symbols", c.minSymbols, 2u);
    io.mapOptional("symbol_versions", c.symbolVersions);
    io.mapOptional("purl", c.purl);
    io.mapOptional("cpe", c.cpe);
    io.mapRequired("tls12_since", c.tls12Since);
    io.mapRequired("tls12_source", c.tls12Source);
    io.mapOptional("tls12_default_since", c.tls12DefaultSince);
    io.mapOptional("tls12_default_source", c.tls12DefaultSource);
    io.mapOptional("tls13_since", c.tls13Since);
    io.mapOptional("tls13_source", c.tls13Source);
    io.mapOptional("excludes", c.excludes);
    io.mapOptional("tls_from", c.tlsFrom);
    io.mapOptional("link_symbols", c.linkSymbols);
    io.mapOptional("requires", c.requires);
    io.mapOptional("opt_in", c.optIn);
    io.mapRequired("fix", c.fix);
    io.mapOptional("legacy_symbols", c.legacySymbols);
  }
};
template <> struct MappingTraits<Shim> {
  static void mapping(IO &io, Shim &s) {
    io.mapRequired("headers", s.headers);
    io.mapRequired("text", s.text);
    io.mapOptional("defines", s.defines);
  }
};
template <> struct MappingTraits<Pack> {
  static void mapping(IO &io, Pack &p) {
    io.mapOptional("rules", p.rules);
    io.mapOptional("scales", p.scales);
    io.mapOptional("apis", p.apis);
    io.mapOptional("components", p.components);
    io.mapOptional("shims", p.shims);
  }
};
} // namespace llvm::yaml

namespace tlsfloor::patterns {

const ScaleEntry *Scale::lookup(uint64_t value) const {
  for (const ScaleEntry &e : entries)
    if (e.value == value)
      return &e;
  return nullptr;
}

const ScaleEntry *Scale::lookupName(const std::string &name) const {
  for (const ScaleEntry &e : entries)
    if (kind == "strings" ? llvm::StringRef(e.name).equals_insensitive(name) : e.name == name)
      return &e;
  return nullptr;
}

const std::vector<std::string> &knownEffects() {
  // Each is a handler in analyzer/effects.cpp (a test checks both agree).
  static const std::vector<std::string> kEffects = {
      "selects",        // the call itself pins `protocol` (TLSv1_method)
      "allows",         // the call itself allows `protocol` and above (old SSLv23_method)
      "protocol-choice", // the argument names a protocol: exact, "or later", or flexible
      "sets-min",       // the argument is a minimum version
      "sets-max",       // the argument is a maximum version
      "clears-bits",    // the argument clears "disable version" bits
      "disables-bits",  // the argument sets "disable version" bits (TLS 1.2 off: a cap)
      "enables-bits",   // the argument is a mask of enabled versions (SChannel)
      "packed-min-max", // low 16 bits a minimum, high 16 bits a maximum (curl)
      "version-list",   // a string of +/- version tokens (GnuTLS priorities, SSL_CONF Protocol)
      "contains-token", // a string containing a listed token (@SECLEVEL=0)
      "flag-enables",   // a non-zero argument turns `protocol` on (NSS SSL_ENABLE_SSL3)
      "returns-true",   // an override returning true turns `protocol` on (Botan allow_tls10)
      "defined",        // defining the macro turns `protocol` on (MBEDTLS_SSL_PROTO_TLS1)
      "creates-flexible", // creates an object whose floor code must set (no-floor note)
  };
  return kEffects;
}

static void collectYamlError(const llvm::SMDiagnostic &diag, void *ctx) {
  auto *out = static_cast<std::string *>(ctx);
  if (!out->empty())
    return; // keep the first, most relevant message
  *out = std::to_string(diag.getLineNo()) + ":" + std::to_string(diag.getColumnNo() + 1) + ": " +
         diag.getMessage().str();
}

namespace {
// LLVM's YAML parser recurses once per nesting level: a pack of 50,000 '['
// would overflow the stack. Real packs nest a handful of levels.
constexpr size_t kMaxPackDepth = 64;
constexpr size_t kMaxIndent = 256;

// Returns the 1-based line that nests too deeply, or 0.
size_t tooDeep(std::string_view text) {
  size_t line = 1, flow = 0, column = 0, compact = 0;
  bool indenting = true, quoted = false, comment = false;
  char quote = 0;
  for (char c : text) {
    if (c == '\n') {
      ++line;
      column = compact = 0;
      indenting = true;
      comment = quoted = false;
      continue;
    }
    if (indenting && c == ' ') {
      if (++column > kMaxIndent)
        return line;
      continue;
    }
    indenting = false;
    if (comment)
      continue;
    if (quoted) {
      if (c == quote)
        quoted = false;
      continue;
    }
    if (c == '"' || c == '\'') {
      quoted = true;
      quote = c;
    } else if (c == '#') {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++flow > kMaxPackDepth)
        return line;
    } else if ((c == ']' || c == '}') && flow > 0) {
      --flow;
    } else if (c == '-' || c == '?' || c == ':') {
      if (++compact > kMaxIndent) // "- - - - x": one level each
        return line;
    }
  }
  return 0;
}

// The line where `key: id` is written, for duplicate errors; 0 if unknown.
size_t lineOf(std::string_view text, const std::string &key, const std::string &id) {
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      continue;
    }
    if (text.compare(i, key.size() + 1, key + ":") != 0 ||
        (i > 0 && text[i - 1] != ' ' && text[i - 1] != '{' && text[i - 1] != '\n'))
      continue;
    size_t v = i + key.size() + 1;
    while (v < text.size() && (text[v] == ' ' || text[v] == '"' || text[v] == '\''))
      ++v;
    if (text.compare(v, id.size(), id) == 0)
      return line;
  }
  return 0;
}
} // namespace

bool KnowledgeBase::addPack(std::string_view yamlText, const std::string &packName,
                            std::string &error) {
  if (size_t line = tooDeep(yamlText)) {
    error = packName + ":" + std::to_string(line) + ": nested more deeply than a pack may be";
    return false;
  }
  Pack pack;
  std::string yamlError;
  llvm::yaml::Input in(llvm::StringRef(yamlText.data(), yamlText.size()), nullptr,
                       collectYamlError, &yamlError);
  in >> pack;
  if (in.error()) {
    error = packName + ":" + (yamlError.empty() ? " invalid YAML" : yamlError);
    return false;
  }
  auto fail = [&](const std::string &what) {
    error = packName + ": " + what;
    return false;
  };
  auto duplicate = [&](const char *kind, const char *key, const std::string &id) {
    size_t line = lineOf(yamlText, key, id);
    error = packName + (line ? ":" + std::to_string(line) : std::string()) + ": " + kind + " '" +
            id + "' is already defined (ids must be unique across all packs)";
    return false;
  };
  for (RawRule &r : pack.rules) {
    auto sev = parseSeverity(r.severity);
    if (!sev)
      return fail("rule " + r.info.id + ": severity must be note, warning or error");
    if (rule(r.info.id))
      return duplicate("rule", "id", r.info.id);
    r.info.severity = *sev;
    messages_[r.info.id] = r.message;
    rules_.push_back(r.info);
  }
  for (Scale &s : pack.scales) {
    if (scale(s.id))
      return duplicate("scale", "id", s.id);
    if (s.kind != "enum" && s.kind != "bits" && s.kind != "strings")
      return fail("scale " + s.id + ": kind must be enum, bits or strings");
    if (s.match != "value" && s.match != "name")
      return fail("scale " + s.id + ": match must be value or name");
    for (ScaleEntry &e : s.entries) {
      if (e.mode != "exact" && e.mode != "min" && e.mode != "any" && e.mode != "base")
        return fail("scale " + s.id + ": mode must be exact, min, any or base");
      if (e.protocol == "library-default") {
        e.libraryDefault = true;
        continue;
      }
      if (e.protocol == "all") {
        e.all = true;
        continue;
      }
      e.parsed = parseProtocol(e.protocol);
      if (!e.parsed)
        return fail("scale " + s.id + ": unknown protocol '" + e.protocol + "'");
    }
    scales_.push_back(std::move(s));
  }
  const std::vector<std::string> &effects = knownEffects();
  for (ApiModel &a : pack.apis) {
    if (std::find(effects.begin(), effects.end(), a.effect) == effects.end())
      return fail("api " + a.api + ": unknown effect '" + a.effect + "'");
    bool needsProtocol = a.effect == "selects" || a.effect == "allows" ||
                         a.effect == "flag-enables" ||
                         a.effect == "returns-true" || a.effect == "defined";
    if (needsProtocol) {
      a.protocol = parseProtocol(a.protocolText);
      if (!a.protocol)
        return fail("api " + a.api + ": effect " + a.effect + " needs a protocol");
    }
    if (a.effect != "selects" && a.effect != "allows" && a.effect != "returns-true" &&
        a.effect != "defined" &&
        (a.arg < 0 || (a.scale.empty() && a.effect != "flag-enables")))
      return fail("api " + a.api + ": effect " + a.effect + " needs arg and scale");
    if (a.effect == "packed-min-max" && a.maxScale.empty())
      return fail("api " + a.api + ": effect packed-min-max needs max_scale");
    if (a.functions.empty() && a.fields.empty() && a.overrides.empty() && a.defines.empty())
      return fail("api " + a.api + ": no functions, fields, overrides or defines");
    if (a.when && !a.when->equals && a.when->strings.empty())
      return fail("api " + a.api + ": when needs equals or strings");
    apis_.push_back(std::move(a));
  }
  for (Shim &sh : pack.shims)
    shims_.push_back(std::move(sh));
  for (Component &c : pack.components) {
    for (Component::LegacySymbol &l : c.legacySymbols) {
      l.parsed = parseProtocol(l.protocol);
      if (!l.parsed)
        return fail("component " + c.id + ": legacy symbol " + l.name + " has unknown protocol '" +
                    l.protocol + "'");
    }
    for (const Component &known : components_)
      if (known.id == c.id)
        return duplicate("component", "id", c.id);
    components_.push_back(std::move(c));
  }
  return true;
}

bool KnowledgeBase::validate(std::string &error) const {
  for (const ApiModel &a : apis_) {
    if (!rule(a.rule)) {
      error = "api " + a.api + " refers to unknown rule " + a.rule;
      return false;
    }
    for (const std::string *id : {&a.scale, &a.maxScale})
      if (!id->empty() && !scale(*id)) {
        error = "api " + a.api + " refers to unknown scale " + *id;
        return false;
      }
    for (const auto &[family, id] : a.rules)
      if (!rule(id)) {
        error = "api " + a.api + " refers to unknown rule " + id + " (" + family + ")";
        return false;
      }
  }
  for (const Shim &sh : shims_)
    for (const std::string &id : sh.defines)
      if (!scale(id)) {
        error = "shim for " + (sh.headers.empty() ? std::string("?") : sh.headers[0]) +
                " refers to unknown scale " + id;
        return false;
      }
  auto componentKnown = [&](const std::string &id) {
    return std::any_of(components_.begin(), components_.end(),
                       [&](const Component &k) { return k.id == id; });
  };
  for (const Component &c : components_) {
    auto bad = [&](const std::string &what) {
      error = "component " + c.id + ": " + what;
      return false;
    };
    if (c.kind != "library" && c.kind != "runtime" && c.kind != "sdk")
      return bad("kind must be library, runtime or sdk");
    if (c.versionPatterns.empty() && c.files.empty() && c.symbols.empty())
      return bad("needs version_patterns, files or symbols");
    // A fact without its source is not accepted.
    if (!c.tls12DefaultSince.empty() && c.tls12DefaultSource.empty())
      return bad("tls12_default_since needs tls12_default_source");
    if (!c.tls13Since.empty() && c.tls13Source.empty())
      return bad("tls13_since needs tls13_source");
    for (const std::vector<std::string> *ids : {&c.excludes, &c.tlsFrom})
      for (const std::string &id : *ids)
        if (!componentKnown(id) || id == c.id)
          return bad("refers to unknown component " + id);
    for (const std::vector<std::string> *list : {&c.requires, &c.optIn})
      for (const std::string &r : *list)
        if (!RE2(r, RE2::Latin1).ok())
          return bad("bad regex '" + r + "'");
    for (const std::string &l : c.linkSymbols)
      if (std::find(c.symbols.begin(), c.symbols.end(), l) == c.symbols.end())
        return bad("link symbol " + l + " is not one of its symbols");
    for (const Component::FilePattern &f : c.files) {
      RE2 path(f.path, RE2::Latin1), re(f.regex, RE2::Latin1);
      if (!path.ok())
        return bad("bad file path regex '" + f.path + "'");
      if (!re.ok() || re.NumberOfCapturingGroups() < 1)
        return bad("bad file regex '" + f.regex + "' (needs a version group)");
    }
    for (const VersionPattern &v : c.versionPatterns) {
      RE2 re(v.regex, RE2::Latin1);
      // An implementation pattern may identify without a version (Go's
      // build-info magic); a mention is only worth its version.
      if (!re.ok() || (re.NumberOfCapturingGroups() < 1 && v.strength != "implementation")) {
        error = "component " + c.id + ": bad version regex '" + v.regex + "'";
        return false;
      }
      if (v.strength != "mention" && v.strength != "implementation") {
        error = "component " + c.id + ": strength must be mention or implementation";
        return false;
      }
    }
    for (const std::string &sv : c.symbolVersions) {
      RE2 re(sv, RE2::Latin1);
      if (!re.ok() || re.NumberOfCapturingGroups() < 1) {
        error = "component " + c.id + ": bad symbol_versions regex '" + sv + "'";
        return false;
      }
    }
  }
  for (const char *needed : {"binary/component-without-tls12", "binary/component-inventory",
                             "binary/imports-legacy-method", "binary/component-legacy-default",
                             "binary/component-without-tls13"})
    if (!rule(needed)) {
      error = std::string("missing rule ") + needed;
      return false;
    }
  return true;
}

KnowledgeBase KnowledgeBase::builtin() {
  KnowledgeBase kb;
  std::string error;
  for (const EmbeddedFile &f : builtinPacks()) {
    if (!kb.addPack(f.data, std::string("<builtin>/") + std::string(f.name), error)) {
      llvm::errs() << "tlsfloor: internal error in built-in patterns: " << error << '\n';
      std::abort();
    }
  }
  if (!kb.validate(error)) {
    llvm::errs() << "tlsfloor: internal error in built-in patterns: " << error << '\n';
    std::abort();
  }
  return kb;
}

std::string KnowledgeBase::renderShim(const Shim &shim) const {
  std::string out = "/* tlsfloor built-in declarations (the real header was not found) */\n";
  for (const std::string &id : shim.defines) {
    const Scale *s = scale(id);
    if (!s)
      continue;
    for (const ScaleEntry &e : s->entries) {
      bool identifier = !e.name.empty() && (std::isalpha(static_cast<unsigned char>(e.name[0])) ||
                                            e.name[0] == '_');
      for (char c : e.name)
        identifier = identifier && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
      if (!identifier)
        continue;
      out += "#ifndef " + e.name + "\n#define " + e.name + " 0x" +
             llvm::utohexstr(e.value, true) + (e.value > 0x7fffffff ? "UL" : "") + "\n#endif\n";
    }
  }
  return out + shim.text + "\n";
}

const RuleInfo *KnowledgeBase::rule(const std::string &id) const {
  for (const RuleInfo &r : rules_)
    if (r.id == id)
      return &r;
  return nullptr;
}

const Scale *KnowledgeBase::scale(const std::string &id) const {
  for (const Scale &s : scales_)
    if (s.id == id)
      return &s;
  return nullptr;
}

const std::string &KnowledgeBase::messageTemplate(const std::string &ruleId) const {
  static const std::string kFallback = "{api}";
  auto it = messages_.find(ruleId);
  return it == messages_.end() ? kFallback : it->second;
}

std::string expandTemplate(const std::string &tmpl,
                           const std::map<std::string, std::string> &vars) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{') {
      size_t close = tmpl.find('}', i);
      if (close != std::string::npos) {
        auto it = vars.find(tmpl.substr(i + 1, close - i - 1));
        if (it != vars.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out.push_back(tmpl[i]);
  }
  return out;
}

namespace {
// Splits "1.0.2zh-fips" into numeric parts and letter suffixes:
// {1, 0, 2, "zh"}; anything after '-' or '+' is ignored for ordering.
struct VersionKey {
  std::vector<unsigned long> numbers;
  std::string letters; // suffix after the last number (OpenSSL letter releases)
};

VersionKey versionKey(const std::string &v) {
  VersionKey key;
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (c == '-' || c == '+' || c == ' ')
      break;
    if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < v.size() && std::isdigit(static_cast<unsigned char>(v[j])))
        ++j;
      key.numbers.push_back(std::strtoul(v.substr(i, j - i).c_str(), nullptr, 10));
      key.letters.clear();
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      key.letters.push_back(c);
      ++i;
    } else {
      ++i;
    }
  }
  return key;
}
} // namespace

int compareVersions(const std::string &a, const std::string &b) {
  VersionKey ka = versionKey(a), kb = versionKey(b);
  size_t n = std::max(ka.numbers.size(), kb.numbers.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned long x = i < ka.numbers.size() ? ka.numbers[i] : 0;
    unsigned long y = i < kb.numbers.size() ? kb.numbers[i] : 0;
    if (x != y)
      return x < y ? -1 : 1;
  }
  // OpenSSL letters: "" < "a" < ... < "z" < "za" < "zb"; length first.
  if (ka.letters.size() != kb.letters.size())
    return ka.letters.size() < kb.letters.size() ? -1 : 1;
  return ka.letters.compare(kb.letters) < 0 ? -1 : (ka.letters == kb.letters ? 0 : 1);
}

} // namespace tlsfloor::patterns
