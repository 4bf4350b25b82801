// Effect handlers: what the value written at a sink means for the protocol
// range. One small function per effect, registered by the name packs use
// (patterns::knownEffects()); a new library is a pack plus, at most, one new
// handler here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tlsfloor/patterns/knowledge.h"

namespace tlsfloor::analyzer {

// A value the compiler gave us for an argument or an initialiser.
struct EvalValue {
  std::optional<uint64_t> integer;
  std::optional<std::string> string;
  std::string enumerator; // the enumerator's name when the value is one (QSsl::TlsV1_0 -> TlsV1_0)
  std::string callee;     // the function called when the value is a call (TLS_client_method())
  std::string via;        // how a variable got it: "v = TLS1_VERSION"
};

// One conclusion about a sink.
struct Verdict {
  // select | floor | cap | enabler: picks the rule (ApiModel::ruleFor);
  // nofloor: the call creates a version-flexible object (reported only when
  // nothing visible gives that object a minimum).
  std::string family;
  std::string protocol;  // {protocol} in the message
  std::string valueName; // {value}: the constant's name(s)
  std::string valueText; // the finding's value: "0x301 (TLS1_VERSION)"
};

struct EffectInput {
  const patterns::ApiModel &api;
  const patterns::KnowledgeBase &kb;
  Protocol floor;
  const EvalValue *value; // null for effects without an argument (selects, defined)
  // The value is added to what is already there (`mask |= X`), not the whole of it.
  bool partial = false;
};

using EffectHandler = std::vector<Verdict> (*)(const EffectInput &);

// False when a value reaching a sink is only the result of a call to a
// function the sink's scale does not name (`set_min(ctx, pick())`): the
// program decides at run time, so the sink is listed as unresolved.
bool valueKnown(const EffectInput &in);

// The handler registered under `name`, or null.
EffectHandler findEffect(const std::string &name);

} // namespace tlsfloor::analyzer
