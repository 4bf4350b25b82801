#include "tlsfloor/patterns/knowledge.h"

#include <cctype>
#include <cstdlib>
#include <set>

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
};
} // namespace

LLVM_YAML_IS_SEQUENCE_VECTOR(RawRule)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Scale)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::ScaleEntry)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::ApiModel)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::Component)
LLVM_YAML_IS_SEQUENCE_VECTOR(tlsfloor::patterns::VersionPattern)

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
    io.mapRequired("value", e.value);
    io.mapRequired("name", e.name);
    io.mapRequired("protocol", e.protocol);
  }
};
template <> struct MappingTraits<Scale> {
  static void mapping(IO &io, Scale &s) {
    io.mapRequired("id", s.id);
    io.mapOptional("kind", s.kind, std::string("enum"));
    io.mapRequired("entries", s.entries);
    io.mapRequired("sources", s.sources);
  }
};
template <> struct MappingTraits<ArgCondition> {
  static void mapping(IO &io, ArgCondition &c) {
    io.mapRequired("arg", c.arg);
    io.mapRequired("equals", c.equals);
  }
};
template <> struct MappingTraits<ApiModel> {
  static void mapping(IO &io, ApiModel &a) {
    io.mapRequired("rule", a.rule);
    io.mapRequired("api", a.api);
    io.mapRequired("functions", a.functions);
    io.mapOptional("macros", a.macros);
    io.mapOptional("when", a.when);
    io.mapRequired("effect", a.effectText);
    io.mapOptional("protocol", a.protocolText);
    io.mapOptional("arg", a.arg, -1);
    io.mapOptional("spelled_arg", a.spelledArg, -1);
    io.mapOptional("scale", a.scale);
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
template <> struct MappingTraits<Component> {
  static void mapping(IO &io, Component &c) {
    io.mapRequired("id", c.id);
    io.mapRequired("name", c.name);
    io.mapRequired("version_patterns", c.versionPatterns);
    io.mapOptional("symbols", c.symbols);
    io.mapOptional("min_symbols", c.minSymbols, 2u);
    io.mapOptional("symbol_versions", c.symbolVersions);
    io.mapRequired("tls12_since", c.tls12Since);
    io.mapRequired("tls12_source", c.tls12Source);
    io.mapRequired("fix", c.fix);
  }
};
template <> struct MappingTraits<Pack> {
  static void mapping(IO &io, Pack &p) {
    io.mapOptional("rules", p.rules);
    io.mapOptional("scales", p.scales);
    io.mapOptional("apis", p.apis);
    io.mapOptional("components", p.components);
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
    if (s.kind != "enum" && s.kind != "bits")
      return fail("scale " + s.id + ": kind must be enum or bits");
    for (ScaleEntry &e : s.entries) {
      if (e.protocol == "library-default") {
        e.libraryDefault = true;
        continue;
      }
      e.parsed = parseProtocol(e.protocol);
      if (!e.parsed)
        return fail("scale " + s.id + ": unknown protocol '" + e.protocol + "'");
    }
    scales_.push_back(std::move(s));
  }
  static const std::map<std::string, Effect> kEffects = {
      {"selects", Effect::Selects},
      {"sets-min", Effect::SetsMin},
      {"sets-max", Effect::SetsMax},
      {"clears-bits", Effect::ClearsBits}};
  for (ApiModel &a : pack.apis) {
    auto it = kEffects.find(a.effectText);
    if (it == kEffects.end())
      return fail("api " + a.api + ": unknown effect '" + a.effectText + "'");
    a.effect = it->second;
    if (a.effect == Effect::Selects) {
      a.protocol = parseProtocol(a.protocolText);
      if (!a.protocol)
        return fail("api " + a.api + ": effect selects needs a protocol");
    } else if (a.arg < 0 || a.scale.empty()) {
      return fail("api " + a.api + ": effect " + a.effectText + " needs arg and scale");
    }
    if (a.functions.empty())
      return fail("api " + a.api + ": no functions");
    apis_.push_back(std::move(a));
  }
  for (Component &c : pack.components) {
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
    if (!a.scale.empty() && !scale(a.scale)) {
      error = "api " + a.api + " refers to unknown scale " + a.scale;
      return false;
    }
  }
  for (const Component &c : components_) {
    for (const VersionPattern &v : c.versionPatterns) {
      RE2 re(v.regex, RE2::Latin1);
      if (!re.ok() || re.NumberOfCapturingGroups() < 1) {
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
  for (const char *needed : {"binary/component-without-tls12", "binary/component-inventory"})
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
