#include "tlsfloor/binscan/verdict.h"

namespace tlsfloor::binscan {

ComponentVerdict judgeComponent(const patterns::Component &c, const std::string &version,
                                bool lowerBound, Protocol floor) {
  ComponentVerdict inventory{"binary/component-inventory", c.tls12Since, "", false};
  if (version.empty() || lowerBound)
    return inventory;
  auto older = [&](const std::string &since) {
    return !since.empty() && patterns::compareVersions(version, since) < 0;
  };
  if (older(c.tls12Since))
    return {"binary/component-without-tls12", c.tls12Since, c.tls12Source, true};
  if (protocolRank(floor) > protocolRank(Protocol::TLS1_2)) {
    // A TLS 1.3 floor: only a cited first TLS 1.3 release decides.
    if (older(c.tls13Since))
      return {"binary/component-without-tls13", c.tls13Since, c.tls13Source, true};
    return inventory;
  }
  if (older(c.tls12DefaultSince))
    return {"binary/component-legacy-default", c.tls12DefaultSince, c.tls12DefaultSource, true};
  return inventory;
}

} // namespace tlsfloor::binscan
