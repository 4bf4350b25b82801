#include "effects.h"

#include <algorithm>
#include <map>
#include <set>

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"

namespace tlsfloor::analyzer {

namespace {

using patterns::Scale;
using patterns::ScaleEntry;

std::string hex(uint64_t v) { return "0x" + llvm::utohexstr(v, /*LowerCase=*/true); }
std::string name(Protocol p) { return std::string(protocolName(p)); }

const Scale *scaleOf(const EffectInput &in, const std::string &id) { return in.kb.scale(id); }

// The scale entry a value names: by enumerator name (scales with `match:
// name`), by string (kind strings), or by integer.
const ScaleEntry *entryFor(const Scale &scale, const EvalValue &v) {
  if (scale.kind == "strings")
    return v.string ? scale.lookupName(*v.string)
                    : v.callee.empty() ? nullptr : scale.lookupName(v.callee);
  if (scale.match == "name")
    return v.enumerator.empty() ? nullptr : scale.lookupName(v.enumerator);
  if (const ScaleEntry *e = v.integer ? scale.lookup(*v.integer) : nullptr)
    return e;
  return v.enumerator.empty() ? nullptr : scale.lookupName(v.enumerator);
}

std::string describe(const EvalValue &v, const ScaleEntry &e) {
  if (v.integer)
    return hex(*v.integer) + " (" + e.name + ")";
  return "\"" + e.name + "\"";
}

Verdict verdict(const char *family, const std::string &protocol, const ScaleEntry *e,
                const EvalValue *v) {
  Verdict out{family, protocol, e ? e->name : std::string(), std::string()};
  if (e && v)
    out.valueText = describe(*v, *e);
  return out;
}

std::vector<Verdict> selects(const EffectInput &in) {
  if (!in.api.protocol || !belowFloor(*in.api.protocol, in.floor))
    return {};
  return {{"select", name(*in.api.protocol), "", ""}};
}

std::vector<Verdict> allows(const EffectInput &in) {
  if (!in.api.protocol || !belowFloor(*in.api.protocol, in.floor))
    return {};
  return {{"floor", name(*in.api.protocol), "", ""}};
}

// A minimum: below the floor (or 0 = "the lowest the library supports").
std::vector<Verdict> minimum(const EffectInput &in, const ScaleEntry *e, const EvalValue *v) {
  if (!e || e->all || e->mode == "any")
    return {};
  if (e->libraryDefault)
    return {verdict("floor", "the lowest version the library supports", e, v)};
  if (!belowFloor(*e->parsed, in.floor))
    return {};
  return {verdict("floor", name(*e->parsed), e, v)};
}

std::vector<Verdict> maximum(const EffectInput &in, const ScaleEntry *e, const EvalValue *v) {
  if (!e || e->libraryDefault || e->all || e->mode == "any" || !belowFloor(*e->parsed, in.floor))
    return {};
  return {verdict("cap", name(*e->parsed), e, v)};
}

std::vector<Verdict> setsMin(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  return s && in.value ? minimum(in, entryFor(*s, *in.value), in.value) : std::vector<Verdict>{};
}

std::vector<Verdict> setsMax(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  return s && in.value ? maximum(in, entryFor(*s, *in.value), in.value) : std::vector<Verdict>{};
}

std::vector<Verdict> protocolChoice(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  const ScaleEntry *e = s && in.value ? entryFor(*s, *in.value) : nullptr;
  if (!e || e->mode == "any" || e->libraryDefault || e->all)
    return {};
  if (e->mode == "min")
    return minimum(in, e, in.value);
  if (!belowFloor(*e->parsed, in.floor))
    return {};
  return {verdict("select", name(*e->parsed), e, in.value)};
}

// The entries of a bit scale whose bits are all set in `mask` and whose
// protocol satisfies `pick`.
template <typename Pick>
Verdict bits(const Scale &scale, uint64_t mask, const char *family, Pick pick) {
  Verdict out{family, "", "", ""};
  std::vector<Protocol> seen; // client and server bits name one protocol twice
  for (const ScaleEntry &e : scale.entries) {
    if (e.value == 0 || (mask & e.value) != e.value || !e.parsed || !pick(*e.parsed))
      continue;
    out.valueName += (out.valueName.empty() ? "" : " | ") + e.name;
    if (std::find(seen.begin(), seen.end(), *e.parsed) != seen.end())
      continue;
    seen.push_back(*e.parsed);
    out.protocol += (out.protocol.empty() ? "" : ", ") + name(*e.parsed);
  }
  if (!out.valueName.empty())
    out.valueText = hex(mask) + " (" + out.valueName + ")";
  return out;
}

std::vector<Verdict> clearsBits(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  if (!s || !in.value || !in.value->integer)
    return {};
  Verdict v = bits(*s, *in.value->integer, "enabler",
                   [&](Protocol p) { return belowFloor(p, in.floor); });
  return v.valueName.empty() ? std::vector<Verdict>{} : std::vector<Verdict>{v};
}

// Options that turn versions off. Every version at or above the floor off:
// a cap (nothing an endpoint with a TLS 1.2 floor accepts is left; turning
// TLS 1.2 off while TLS 1.3 stays on is a stricter choice, not a cap). SSLv3
// and TLS 1.0 off but TLS 1.1 on (an explicit floor of TLS 1.1): a floor
// finding, where the pack maps one; single hardening bits, typical of
// configuration-driven code, say nothing about a floor.
std::vector<Verdict> disablesBits(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  if (!s || !in.value || !in.value->integer)
    return {};
  uint64_t mask = *in.value->integer;
  bool anyModern = false, allModernOff = true;
  std::vector<const ScaleEntry *> legacy; // SSLv3 and up, below the floor
  for (const ScaleEntry &e : s->entries) {
    if (!e.parsed || e.value == 0)
      continue;
    bool off = (mask & e.value) == e.value;
    if (!belowFloor(*e.parsed, in.floor)) {
      anyModern = true;
      allModernOff = allModernOff && off;
    } else if (protocolRank(*e.parsed) >= protocolRank(Protocol::SSLv3)) {
      legacy.push_back(&e);
    }
  }
  if (anyModern && allModernOff)
    return {bits(*s, mask, "cap", [&](Protocol p) { return !belowFloor(p, in.floor); })};
  if (!in.api.rules.count("floor"))
    return {};
  // The lowest legacy version left on, with everything below it off.
  std::sort(legacy.begin(), legacy.end(), [](const ScaleEntry *a, const ScaleEntry *b) {
    return protocolRank(*a->parsed) < protocolRank(*b->parsed);
  });
  size_t firstOn = 0;
  while (firstOn < legacy.size() && (mask & legacy[firstOn]->value) == legacy[firstOn]->value)
    ++firstOn;
  if (firstOn == 0 || firstOn == legacy.size() ||
      protocolRank(*legacy[firstOn - 1]->parsed) < protocolRank(Protocol::TLS1_0))
    return {}; // nothing off, everything off, or only SSL versions off
  for (size_t i = firstOn; i < legacy.size(); ++i)
    if ((mask & legacy[i]->value) == legacy[i]->value)
      return {}; // a gap: not a floor
  Verdict v{"floor", name(*legacy[firstOn]->parsed), "", ""};
  for (size_t i = 0; i < firstOn; ++i)
    v.valueName += (v.valueName.empty() ? "" : " | ") + legacy[i]->name;
  v.valueText = hex(mask) + " (" + v.valueName + ")";
  return {v};
}

// A mask of enabled versions: legacy bits allow legacy protocols; a non-zero
// mask without any version at or above the floor caps the connection.
std::vector<Verdict> enablesBits(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  if (!s || !in.value || !in.value->integer || *in.value->integer == 0)
    return {}; // 0: the system's defaults
  uint64_t mask = *in.value->integer;
  std::vector<Verdict> out;
  Verdict legacy = bits(*s, mask, "floor", [&](Protocol p) { return belowFloor(p, in.floor); });
  Verdict modern = bits(*s, mask, "cap", [&](Protocol p) { return !belowFloor(p, in.floor); });
  if (!legacy.valueName.empty() && modern.valueName.empty() && !in.partial) {
    legacy.family = "cap";
    return {legacy};
  }
  if (!legacy.valueName.empty())
    out.push_back(legacy);
  return out;
}

// curl: CURL_SSLVERSION_* | CURL_SSLVERSION_MAX_* (a minimum in the low 16
// bits, a maximum in the high 16).
std::vector<Verdict> packedMinMax(const EffectInput &in) {
  const Scale *lo = scaleOf(in, in.api.scale), *hi = scaleOf(in, in.api.maxScale);
  if (!lo || !hi || !in.value || !in.value->integer)
    return {};
  uint64_t v = *in.value->integer;
  EvalValue low{v & 0xffff, std::nullopt, "", in.value->via};
  EvalValue high{v & ~uint64_t(0xffff), std::nullopt, "", in.value->via};
  std::vector<Verdict> out = minimum(in, lo->lookup(*low.integer), &low);
  if (*high.integer) {
    std::vector<Verdict> cap = maximum(in, hi->lookup(*high.integer), &high);
    out.insert(out.end(), cap.begin(), cap.end());
  }
  for (Verdict &verdict : out)
    verdict.valueText = hex(v) + " (" + verdict.valueName + ")";
  return out;
}

// "NORMAL:+VERS-TLS1.0", "NONE:+VERS-TLS1.1", "-ALL,TLSv1": tokens applied in
// order to the set of enabled versions. A legacy version turned on is a
// floor finding; no version at or above the floor left on is a cap.
std::vector<Verdict> versionList(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  if (!s || !in.value || !in.value->string)
    return {};
  // Tokens are separated by any of the model's separator characters.
  std::vector<llvm::StringRef> tokens;
  llvm::StringRef rest(*in.value->string);
  while (!rest.empty()) {
    size_t cut = rest.find_first_of(in.api.separators);
    llvm::StringRef tok = rest.take_front(cut);
    if (!tok.empty())
      tokens.push_back(tok);
    rest = cut == llvm::StringRef::npos ? llvm::StringRef() : rest.drop_front(cut + 1);
  }
  bool touched = false; // any version token at all
  // Versions at or above the floor that are on: the library default keeps
  // them on until a token says otherwise.
  std::set<int> modern, known;
  for (const ScaleEntry &e : s->entries)
    if (e.parsed && !belowFloor(*e.parsed, in.floor))
      known.insert(protocolRank(*e.parsed));
  modern = known;
  std::map<std::string, std::string> legacyOn; // protocol -> token
  // Legacy versions a keyword (mode: base) turns on without naming them, and
  // whether the string takes one of them off: a version decision, so what
  // it leaves on is a floor it chose.
  std::map<std::string, std::string> impliedOn;
  bool decided = false;
  for (llvm::StringRef raw : tokens) {
    llvm::StringRef tok = raw.trim();
    if (tok.equals_insensitive("NONE")) { // GnuTLS: start from nothing
      modern.clear();
      impliedOn.clear();
      continue;
    }
    bool off = tok.consume_front("-") || tok.consume_front("!");
    tok.consume_front("+");
    const ScaleEntry *e = s->lookupName(tok.str());
    if (!e || e->libraryDefault)
      continue;
    if (e->mode == "base") {
      if (off)
        continue;
      impliedOn.clear();
      modern.clear();
      for (const ScaleEntry &x : s->entries) {
        if (!x.parsed || x.mode == "base" || (!e->all && x.parsed != e->parsed))
          continue;
        if (!belowFloor(*x.parsed, in.floor))
          modern.insert(protocolRank(*x.parsed));
        else if (protocolRank(*x.parsed) >= protocolRank(Protocol::TLS1_0))
          impliedOn[name(*x.parsed)] = raw.trim().str();
      }
      continue;
    }
    touched = true;
    if (e->all) {
      modern = off ? std::set<int>() : known;
      legacyOn.clear();
      impliedOn.clear();
      if (!off) // every version the library has: the legacy ones too
        for (const ScaleEntry &x : s->entries)
          if (x.parsed && belowFloor(*x.parsed, in.floor) &&
              protocolRank(*x.parsed) >= protocolRank(Protocol::TLS1_0))
            legacyOn[name(*x.parsed)] = raw.trim().str();
      continue;
    }
    if (!e->parsed)
      continue;
    if (belowFloor(*e->parsed, in.floor)) {
      if (off) {
        legacyOn.erase(name(*e->parsed));
        decided = impliedOn.erase(name(*e->parsed)) > 0 || decided;
      } else {
        legacyOn[name(*e->parsed)] = raw.trim().str();
      }
    } else if (off) {
      modern.erase(protocolRank(*e->parsed));
    } else {
      modern.insert(protocolRank(*e->parsed));
    }
  }
  // A keyword's implied legacy versions, untouched (`"NORMAL"`,
  // `"NORMAL:-VERS-SSL3.0"`): the library's default range, kept on where the
  // pack says how to report it (a no-floor note).
  if (!decided && !impliedOn.empty() && legacyOn.empty() && !modern.empty() &&
      in.api.rules.count("default")) {
    std::string protocols;
    for (const auto &[p, t] : impliedOn)
      protocols += (protocols.empty() ? "" : ", ") + p;
    return {{"default", protocols, impliedOn.begin()->second,
             "\"" + *in.value->string + "\""}};
  }
  if (!touched)
    return {};
  if (decided)
    for (const auto &[p, t] : impliedOn)
      legacyOn.emplace(p, t);
  std::string protocols, names;
  for (const auto &[p, t] : legacyOn) {
    protocols += (protocols.empty() ? "" : ", ") + p;
    names += (names.empty() ? "" : " ") + t;
  }
  std::string text = "\"" + *in.value->string + "\"";
  if (!known.empty() && modern.empty()) // nothing at or above the floor is left on
    return {{"cap", name(in.floor), names, text}};
  if (!legacyOn.empty())
    return {{"floor", protocols, names, text}};
  return {};
}

// A listed token inside a string ("DEFAULT:@SECLEVEL=0").
std::vector<Verdict> containsToken(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  if (!s || !in.value || !in.value->string)
    return {};
  llvm::StringRef text(*in.value->string);
  for (const ScaleEntry &e : s->entries) {
    size_t at = text.find(e.name);
    while (at != llvm::StringRef::npos) {
      size_t end = at + e.name.size();
      bool bounded = end == text.size() || !llvm::isAlnum(text[end]);
      if (bounded && e.parsed && belowFloor(*e.parsed, in.floor))
        return {{"enabler", name(*e.parsed), e.name, "\"" + text.str() + "\""}};
      at = text.find(e.name, at + 1);
    }
  }
  return {};
}

// A version-flexible object (SSL_CTX_new(TLS_client_method()), an asio
// context built with `tls`): its floor is the library's and the system's
// unless code sets one; the analyzer decides that from the object's uses.
std::vector<Verdict> createsFlexible(const EffectInput &in) {
  const Scale *s = scaleOf(in, in.api.scale);
  const ScaleEntry *e = s && in.value ? entryFor(*s, *in.value) : nullptr;
  if (!e || e->mode != "any" || !e->parsed || !belowFloor(*e->parsed, in.floor))
    return {};
  return {{"nofloor", name(*e->parsed), e->name, ""}};
}

std::vector<Verdict> flagEnables(const EffectInput &in) {
  if (!in.value || !in.value->integer || *in.value->integer == 0 || !in.api.protocol ||
      !belowFloor(*in.api.protocol, in.floor))
    return {};
  return {{"enabler", name(*in.api.protocol), "", hex(*in.value->integer)}};
}

std::vector<Verdict> defined(const EffectInput &in) {
  if (!in.api.protocol || !belowFloor(*in.api.protocol, in.floor))
    return {};
  return {{"enabler", name(*in.api.protocol), "", ""}};
}

const std::map<std::string, EffectHandler> &registry() {
  static const std::map<std::string, EffectHandler> kHandlers = {
      {"selects", selects},
      {"allows", allows},
      {"protocol-choice", protocolChoice},
      {"sets-min", setsMin},
      {"sets-max", setsMax},
      {"clears-bits", clearsBits},
      {"disables-bits", disablesBits},
      {"enables-bits", enablesBits},
      {"packed-min-max", packedMinMax},
      {"version-list", versionList},
      {"contains-token", containsToken},
      {"flag-enables", flagEnables},
      {"returns-true", flagEnables},
      {"defined", defined},
      {"creates-flexible", createsFlexible},
  };
  return kHandlers;
}

} // namespace

bool valueKnown(const EffectInput &in) {
  const EvalValue *v = in.value;
  if (!v || v->integer || v->string || !v->enumerator.empty() || v->callee.empty())
    return true;
  for (const std::string &id : {in.api.scale, in.api.maxScale})
    if (const Scale *s = id.empty() ? nullptr : scaleOf(in, id))
      if (s->lookupName(v->callee))
        return true;
  return false;
}

EffectHandler findEffect(const std::string &effect) {
  auto it = registry().find(effect);
  return it == registry().end() ? nullptr : it->second;
}

} // namespace tlsfloor::analyzer
