#include "tlsfloor/findings/transport.h"

namespace tlsfloor::transport {

using llvm::json::Array;
using llvm::json::Object;
using llvm::json::Value;

std::string utf8(const std::string &s) {
  return llvm::json::isUTF8(s) ? s : llvm::json::fixUTF8(s);
}

static Value strings(const std::vector<std::string> &v) {
  Array a;
  for (const std::string &s : v)
    a.push_back(utf8(s));
  return a;
}

Value encode(const Finding &f) {
  Object loc{{"chain", strings(f.location.chain)},
             {"line", static_cast<int64_t>(f.location.line)},
             {"column", static_cast<int64_t>(f.location.column)},
             {"record", utf8(f.location.record)}};
  if (f.location.offset)
    loc["offset"] = static_cast<int64_t>(*f.location.offset);
  return Object{{"rule", f.ruleId},
                {"severity", static_cast<int64_t>(f.severity)},
                {"message", utf8(f.message)},
                {"location", std::move(loc)},
                {"evidence", utf8(f.evidence)},
                {"value", utf8(f.value)},
                {"component", utf8(f.component)},
                {"version", utf8(f.version)},
                {"fix", utf8(f.fixHint)},
                {"confidence", utf8(f.confidence)},
                {"basis", utf8(f.fingerprintBasis)}};
}

Value encode(const Diagnostic &d) {
  return Object{{"kind", d.kind == Diagnostic::Kind::Incomplete ? "incomplete" : "info"},
                {"input", utf8(d.input)},
                {"message", utf8(d.message)}};
}

static bool get(const Object &o, llvm::StringRef key, std::string &out) {
  auto s = o.getString(key);
  if (!s)
    return false;
  out = s->str();
  return true;
}

template <typename Int> static bool get(const Object &o, llvm::StringRef key, Int &out) {
  auto i = o.getInteger(key);
  if (!i || *i < 0)
    return false;
  out = static_cast<Int>(*i);
  return true;
}

bool decode(const Value &v, Finding &f) {
  const Object *o = v.getAsObject();
  const Object *loc = o ? o->getObject("location") : nullptr;
  const Array *chain = loc ? loc->getArray("chain") : nullptr;
  int64_t severity = 0;
  if (!chain || !get(*o, "rule", f.ruleId) || !get(*o, "severity", severity) || severity > 2 ||
      !get(*o, "message", f.message) || !get(*o, "evidence", f.evidence) ||
      !get(*o, "value", f.value) || !get(*o, "component", f.component) ||
      !get(*o, "version", f.version) || !get(*o, "fix", f.fixHint) ||
      !get(*o, "confidence", f.confidence) || !get(*o, "basis", f.fingerprintBasis) ||
      !get(*loc, "line", f.location.line) || !get(*loc, "column", f.location.column) ||
      !get(*loc, "record", f.location.record))
    return false;
  f.severity = static_cast<Severity>(severity);
  f.location.chain.clear();
  for (const Value &c : *chain) {
    auto s = c.getAsString();
    if (!s)
      return false;
    f.location.chain.push_back(s->str());
  }
  uint64_t offset = 0;
  if (loc->get("offset")) {
    if (!get(*loc, "offset", offset))
      return false;
    f.location.offset = offset;
  }
  return true;
}

bool decode(const Value &v, Diagnostic &d) {
  const Object *o = v.getAsObject();
  std::string kind;
  if (!o || !get(*o, "kind", kind) || !get(*o, "input", d.input) ||
      !get(*o, "message", d.message))
    return false;
  d.kind = kind == "info" ? Diagnostic::Kind::Info : Diagnostic::Kind::Incomplete;
  return true;
}

} // namespace tlsfloor::transport
