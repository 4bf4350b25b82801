// Protocol versions on one ladder, so every rule compares against one floor.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tlsfloor {

enum class Protocol {
  SSLv2,
  SSLv3,
  TLS1_0,
  TLS1_1,
  TLS1_2,
  TLS1_3,
  DTLS1_0, // built on TLS 1.1: ranks with it
  DTLS1_2, // built on TLS 1.2
  DTLS1_3, // built on TLS 1.3
};

// Position on the security ladder; DTLS versions share the rank of the TLS
// version they are built on, so `rank(p) < rank(floor)` works for both.
int protocolRank(Protocol p);

// "TLS 1.0", "DTLS 1.2", ...
std::string_view protocolName(Protocol p);

// Accepts the spellings used in patterns/ and on the command line:
// "SSLv3", "TLS1.0", "TLSv1.0", "1.0", "DTLS1.2", ...
std::optional<Protocol> parseProtocol(std::string_view text);

// True when `p` is below the floor (a TLS version: 1.0, 1.1, 1.2 or 1.3).
inline bool belowFloor(Protocol p, Protocol floor) {
  return protocolRank(p) < protocolRank(floor);
}

} // namespace tlsfloor
