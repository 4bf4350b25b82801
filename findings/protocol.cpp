#include "tlsfloor/findings/protocol.h"

#include <array>
#include <cctype>

namespace tlsfloor {

namespace {
struct Entry {
  Protocol protocol;
  int rank;
  std::string_view name;
  std::array<std::string_view, 3> spellings;
};

constexpr std::array<Entry, 9> kProtocols = {{
    {Protocol::SSLv2, 0, "SSL 2.0", {"sslv2", "ssl2", "ssl2.0"}},
    {Protocol::SSLv3, 1, "SSL 3.0", {"sslv3", "ssl3", "ssl3.0"}},
    {Protocol::TLS1_0, 2, "TLS 1.0", {"tls1.0", "tlsv1.0", "1.0"}},
    {Protocol::TLS1_1, 3, "TLS 1.1", {"tls1.1", "tlsv1.1", "1.1"}},
    {Protocol::TLS1_2, 4, "TLS 1.2", {"tls1.2", "tlsv1.2", "1.2"}},
    {Protocol::TLS1_3, 5, "TLS 1.3", {"tls1.3", "tlsv1.3", "1.3"}},
    {Protocol::DTLS1_0, 3, "DTLS 1.0", {"dtls1.0", "dtlsv1.0", "dtlsv1"}},
    {Protocol::DTLS1_2, 4, "DTLS 1.2", {"dtls1.2", "dtlsv1.2", ""}},
    {Protocol::DTLS1_3, 5, "DTLS 1.3", {"dtls1.3", "dtlsv1.3", ""}},
}};

const Entry &entryFor(Protocol p) {
  for (const Entry &e : kProtocols)
    if (e.protocol == p)
      return e;
  return kProtocols[0];
}
} // namespace

int protocolRank(Protocol p) { return entryFor(p).rank; }

std::string_view protocolName(Protocol p) { return entryFor(p).name; }

std::optional<Protocol> parseProtocol(std::string_view text) {
  std::string key;
  for (char c : text)
    if (c != ' ' && c != '_')
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (key == "tls1" || key == "tlsv1")
    return Protocol::TLS1_0;
  for (const Entry &e : kProtocols)
    for (std::string_view s : e.spellings)
      if (!s.empty() && key == s)
        return e.protocol;
  return std::nullopt;
}

} // namespace tlsfloor
