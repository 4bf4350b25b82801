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

// A mapping from values to protocols, e.g. OpenSSL's TLS1_VERSION = 0x0301
// -> TLS 1.0. `kind: enum` compares whole values (or, with `match: name`, the
// enumerator's name: Qt's values differ between versions); `kind: bits` reads
// a mask, each entry being one bit (SSL_OP_NO_TLSv1 = 1 << 26 -> TLS 1.0);
// `kind: strings` matches string values ("tlsv1", "VERS-TLS1.0").
struct ScaleEntry {
  uint64_t value = 0;
  std::string name;     // the constant's name (or the string, for `strings`)
  std::string protocol; // as written; "library-default" for 0 in min/max; "all"
  std::optional<Protocol> parsed;
  bool libraryDefault = false;
  bool all = false;     // every version the library has (GnuTLS VERS-ALL)
  // protocol-choice: "exact" pins the protocol, "min" allows it and above,
  // "any" is a version-flexible choice (no finding). version-list: "base"
  // is a keyword that sets the versions the string starts from (GnuTLS
  // NORMAL: every version the library has, `all`; SUITEB128: TLS 1.2).
  std::string mode = "exact";
};

struct Scale {
  std::string id;
  std::string kind = "enum"; // enum | bits | strings
  std::string match = "value"; // enum: value | name
  std::vector<ScaleEntry> entries;
  std::vector<std::string> sources;

  const ScaleEntry *lookup(uint64_t value) const;
  const ScaleEntry *lookupName(const std::string &name) const;
};

// The effects the analyzer knows (one registered handler each); packs name
// them in `apis[].effect`. analyzer/effects.cpp implements every one.
const std::vector<std::string> &knownEffects();

struct ArgCondition {
  unsigned arg = 0;
  std::optional<uint64_t> equals;   // the argument evaluates to this integer
  std::vector<std::string> strings; // or to one of these strings
};

// A place in code where TLS versions are decided (a "sink") and what the
// value written there means.
struct ApiModel {
  std::string rule;
  // Rule per verdict family when one sink can mean several things (curl's
  // packed min|max: a floor and a cap); keys: select floor cap enabler.
  std::map<std::string, std::string> rules;
  std::string api; // display name
  // Calls: free functions by name ("SSL_CTX_new"), C++ methods and
  // constructors by qualified name ("boost::asio::ssl::context::set_options",
  // "boost::asio::ssl::context::context").
  std::vector<std::string> functions;
  // Struct fields written by assignment or initialiser ("SCHANNEL_CRED::grbitEnabledProtocols").
  std::vector<std::string> fields;
  // Virtual methods whose override in user code is the sink ("Botan::TLS::Policy::allow_tls10").
  std::vector<std::string> overrides;
  // Macros whose #define is the sink (build-time switches: MBEDTLS_SSL_PROTO_TLS1).
  std::vector<std::string> defines;
  std::vector<std::string> macros; // macro spellings that expand to the call
  std::optional<ArgCondition> when;
  std::string effect;              // a name from knownEffects()
  std::string protocolText;
  std::optional<Protocol> protocol; // selects, flag-enables, defined, returns-true
  int arg = -1;                     // value argument (0-based) of the call
  int spelledArg = -1;              // argument of the macro the user wrote, when it differs
  std::string scale;
  std::string maxScale;             // packed-min-max: the scale of the high half
  std::string separators = ":";     // version-list: token separators
  std::string fix;
  std::vector<std::string> sources;

  const std::string &ruleFor(const std::string &family) const {
    auto it = rules.find(family);
    return it == rules.end() ? rule : it->second;
  }
};

// Declarations the analyzer offers when a library's real header cannot be
// found (no build, SDK not installed): found last on the include path, so a
// real header always wins. Written per pack, with the version macros of a
// current release, so legacy branches such as `#if OPENSSL_VERSION_NUMBER <
// 0x10100000L` stay inactive as they would in any supported build.
struct Shim {
  std::vector<std::string> headers; // include names this text answers ("openssl/ssl.h")
  std::string text;                 // declarations, version macros
  // Scales whose entries become `#define NAME VALUE` (values stated once).
  std::vector<std::string> defines;
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
  // SBOM identities, {version} filled in: "pkg:generic/openssl@{version}",
  // "cpe:2.3:a:openssl:openssl:{version}:*:*:*:*:*:*:*". Optional.
  std::string purl;
  std::string cpe;
  // library (a TLS implementation) | runtime (JDK, Go, Node, CPython,
  // .NET target) | sdk (its TLS comes from what it runs on: tls_from).
  std::string kind = "library";
  std::string tls12Since;  // first version with TLS 1.2 ("0": every version)
  std::string tls12Source; // public source for that fact
  // First version whose default (no configuration) offers TLS 1.2; older
  // ones can, but only when the application or the system opts in. Optional.
  std::string tls12DefaultSince;
  std::string tls12DefaultSource;
  std::string tls13Since; // first version with TLS 1.3; optional (unknown)
  std::string tls13Source;
  // Components this one rules out in the same file: a fork that shares its
  // parent's symbols (BoringSSL, LibreSSL, AWS-LC exclude openssl).
  std::vector<std::string> excludes;
  // Components that decide the protocol for this one (an AWS SDK's runtime
  // or TLS library): named in its finding when the same input holds them.
  std::vector<std::string> tlsFrom;
  // Files recognised by name and read as text or bytes (a JDK's `release`,
  // a jar's pom.properties, botocore/__init__.py): `path` is an RE2 regex on
  // the file's path inside its container, `regex` finds the version
  // (group 1) in the first bytes of the file.
  struct FilePattern {
    std::string path;
    std::string regex;
  };
  std::vector<FilePattern> files;
  // Imports of these (a subset of `symbols`) make a program "link" the
  // component; empty: any of `symbols`. OpenSSL: the libssl API, so a
  // program using only libcrypto is not a TLS user.
  std::vector<std::string> linkSymbols;
  // RE2 regexes that must all occur in a file for the component to count
  // there (a Go program without crypto/tls has no TLS to judge).
  std::vector<std::string> requires;
  // RE2 regexes any of which shows the program choosing its protocols
  // itself (.NET: set_SecurityProtocol): a legacy-default verdict then
  // becomes inventory, and the finding says so.
  std::vector<std::string> optIn;
  std::string fix;
  // Functions that select one legacy protocol (TLSv1_method): a binary that
  // imports one gets a finding of its own, the twin of the source rule.
  struct LegacySymbol {
    std::string name;
    std::string protocol;
    std::optional<Protocol> parsed;
  };
  std::vector<LegacySymbol> legacySymbols;
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
  const std::vector<Shim> &shims() const { return shims_; }
  // A shim's header text: its declarations plus a #define for every entry of
  // its `defines` scales whose name is an identifier.
  std::string renderShim(const Shim &shim) const;
  // Message template for a rule ({api} {protocol} {floor} {value} {component} {version}).
  const std::string &messageTemplate(const std::string &ruleId) const;

private:
  std::vector<RuleInfo> rules_;
  std::map<std::string, std::string> messages_;
  std::vector<Scale> scales_;
  std::vector<ApiModel> apis_;
  std::vector<Component> components_;
  std::vector<Shim> shims_;
};

// Fills {placeholders} in a message template.
std::string expandTemplate(const std::string &tmpl, const std::map<std::string, std::string> &vars);

// Compares dotted versions with letter suffixes: 1.0.1 < 1.0.1a < 1.0.2 < 1.0.10,
// 0.9.8zh < 1.0.0. Returns <0, 0, >0.
int compareVersions(const std::string &a, const std::string &b);

} // namespace tlsfloor::patterns
