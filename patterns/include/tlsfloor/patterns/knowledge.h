// The knowledge both engines use, loaded from YAML packs (docs/rules.md has
// the schema). Engines interpret a handful of generic effects; which
// functions, constants, versions and fingerprints exist is all data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tlsfloor/findings/model.h"

namespace tlsfloor::patterns {

// A mapping from integer values to protocols, e.g. OpenSSL's TLS1_VERSION =
// 0x0301 -> TLS 1.0. `kind: enum` compares whole values; `kind: bits` reads a
// mask, each entry being one bit (SSL_OP_NO_TLSv1 = 1 << 26 -> TLS 1.0).
struct ScaleEntry {
  uint64_t value = 0;
  std::string name;     // the constant's name, for messages
  std::string protocol; // as written; "library-default" for 0 in min/max
  std::optional<Protocol> parsed;
  bool libraryDefault = false;
};

struct Scale {
  std::string id;
  std::string kind = "enum"; // enum | bits
  std::vector<ScaleEntry> entries;
  std::vector<std::string> sources;

  const ScaleEntry *lookup(uint64_t value) const;
};

// How a matched call affects the protocol range.
enum class Effect {
  Selects,    // the call itself selects `protocol` (a version-specific method)
  SetsMin,    // argument `arg` is a minimum version on `scale`
  SetsMax,    // argument `arg` is a maximum version on `scale`
  ClearsBits, // argument `arg` clears "disable version" bits on `scale`
};

struct ArgCondition {
  unsigned arg = 0;
  uint64_t equals = 0;
};

struct ApiModel {
  std::string rule;
  std::string api;                    // display name
  std::vector<std::string> functions; // callee names, matched at global scope
  std::vector<std::string> macros;    // macro spellings that expand to the call
  std::optional<ArgCondition> when;
  Effect effect = Effect::Selects;
  std::string effectText;
  std::string protocolText;
  std::optional<Protocol> protocol; // Selects
  int arg = -1;                     // value argument (0-based) of the call
  int spelledArg = -1;              // argument of the macro the user wrote, when it differs
  std::string scale;
  std::string fix;
  std::vector<std::string> sources;
};

struct VersionPattern {
  std::string regex; // RE2 syntax, capture group 1 = version
  // "implementation": text found only inside the library itself;
  // "mention": text any consumer may carry (e.g. OPENSSL_VERSION_TEXT).
  std::string strength = "mention";
};

struct Component {
  std::string id;
  std::string name;
  std::vector<VersionPattern> versionPatterns;
  // Defined (exported or local) symbols that only the implementation has.
  std::vector<std::string> symbols;
  unsigned minSymbols = 2;
  // ELF symbol-version node names, capture group 1.. = version parts.
  std::vector<std::string> symbolVersions;
  std::string tls12Since;  // first version with TLS 1.2
  std::string tls12Source; // public source for that fact
  std::string fix;
};

class KnowledgeBase {
public:
  // Parses one pack; appends to this base. Returns false and fills `error`
  // (with the pack name) on a schema or consistency error.
  bool addPack(std::string_view yamlText, const std::string &packName, std::string &error);
  // Checks references between packs (rules, scales, regexes).
  bool validate(std::string &error) const;

  // Loads the embedded packs; aborts only on a build defect (tested).
  static KnowledgeBase builtin();

  const std::vector<RuleInfo> &rules() const { return rules_; }
  const RuleInfo *rule(const std::string &id) const;
  const Scale *scale(const std::string &id) const;
  const std::vector<ApiModel> &apis() const { return apis_; }
  const std::vector<Component> &components() const { return components_; }
  // Message template for a rule ({api} {protocol} {floor} {value} {component} {version}).
  const std::string &messageTemplate(const std::string &ruleId) const;

private:
  std::vector<RuleInfo> rules_;
  std::map<std::string, std::string> messages_;
  std::vector<Scale> scales_;
  std::vector<ApiModel> apis_;
  std::vector<Component> components_;
};

// Fills {placeholders} in a message template.
std::string expandTemplate(const std::string &tmpl, const std::map<std::string, std::string> &vars);

// Compares dotted versions with letter suffixes: 1.0.1 < 1.0.1a < 1.0.2 < 1.0.10,
// 0.9.8zh < 1.0.0. Returns <0, 0, >0.
int compareVersions(const std::string &a, const std::string &b);

} // namespace tlsfloor::patterns
