// The decision about one identified component, apart from how it was seen:
// which rule its version earns against the floor, from the facts in its
// pack entry (tls12_since, tls12_default_since, tls13_since). Unit-tested on
// made-up components and versions (tests/verdict_test.cpp).
#pragma once

#include <string>

#include "tlsfloor/findings/protocol.h"
#include "tlsfloor/patterns/knowledge.h"

namespace tlsfloor::binscan {

struct ComponentVerdict {
  std::string ruleId;    // binary/component-{without-tls12,without-tls13,legacy-default,inventory}
  std::string since;     // the version the message compares with
  std::string source;    // the public source of that fact ("" for inventory)
  bool actionable = false; // anything but inventory
};

// `version` empty: identified, version unknown. `lowerBound`: the version is
// only known to be at least this (an ELF version node), so nothing older
// than it can be claimed.
ComponentVerdict judgeComponent(const patterns::Component &c, const std::string &version,
                                bool lowerBound, Protocol floor);

} // namespace tlsfloor::binscan
