// CycloneDX 1.5 (JSON) inventory of the TLS components binscan found: one
// component per (name, version), with every place it was seen as evidence.
// Deterministic: no timestamp; the serial number is derived from the content.
#include <map>
#include <set>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "tlsfloor/findings/report.h"

namespace tlsfloor {

namespace {
std::string fill(std::string tmpl, const std::string &version) {
  size_t at = tmpl.find("{version}");
  if (at != std::string::npos)
    tmpl.replace(at, 9, version);
  return tmpl;
}

struct Seen {
  std::set<std::string> locations;
  std::set<std::string> how; // embeds / links
  bool withoutTls12 = false;
  bool legacyDefault = false;
};
} // namespace

void writeCycloneDx(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os) {
  std::map<std::pair<std::string, std::string>, Seen> components;
  for (const Finding &f : report.findings) {
    if (f.component.empty())
      continue;
    Seen &s = components[{f.component, f.version}];
    s.locations.insert(f.location.displayPath());
    s.how.insert(llvm::StringRef(f.value).split(',').first.str());
    s.withoutTls12 = s.withoutTls12 || f.ruleId == "binary/component-without-tls12";
    s.legacyDefault = s.legacyDefault || f.ruleId == "binary/component-legacy-default";
  }
  std::string digestInput;
  for (const auto &[key, seen] : components) {
    digestInput += key.first + '\0' + key.second + '\0';
    for (const std::string &l : seen.locations)
      digestInput += l + '\0';
  }
  auto digest = llvm::SHA256::hash(llvm::arrayRefFromStringRef(digestInput));
  std::string hex = llvm::toHex(llvm::ArrayRef<uint8_t>(digest).take_front(16), true);
  std::string uuid = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-4" + hex.substr(13, 3) + "-a" +
                     hex.substr(17, 3) + "-" + hex.substr(20, 12);
  llvm::json::OStream j(os, 2);
  j.object([&] {
    j.attribute("bomFormat", "CycloneDX");
    j.attribute("specVersion", "1.5");
    j.attribute("serialNumber", "urn:uuid:" + uuid);
    j.attribute("version", 1);
    j.attributeObject("metadata", [&] {
      j.attributeObject("tools", [&] {
        j.attributeArray("components", [&] {
          j.object([&] {
            j.attribute("type", "application");
            j.attribute("name", ctx.toolName);
            j.attribute("version", ctx.toolVersion);
          });
        });
      });
    });
    j.attributeArray("components", [&] {
      unsigned n = 0;
      for (const auto &[key, seen] : components) {
        const auto &[name, version] = key;
        j.object([&] {
          // A runtime (JDK, Go, Node.js, CPython, .NET) is a "framework" in
          // CycloneDX 1.5's component types; TLS libraries and SDKs are libraries.
          auto kind = ctx.componentKinds.find(name);
          j.attribute("type", kind != ctx.componentKinds.end() && kind->second == "runtime"
                                  ? "framework"
                                  : "library");
          j.attribute("bom-ref", "component-" + std::to_string(++n));
          j.attribute("name", name);
          if (!version.empty())
            j.attribute("version", version);
          auto ids = ctx.componentIds.find(name);
          if (ids != ctx.componentIds.end() && !version.empty()) {
            if (!ids->second.first.empty())
              j.attribute("purl", fill(ids->second.first, version));
            if (!ids->second.second.empty())
              j.attribute("cpe", fill(ids->second.second, version));
          }
          j.attributeObject("evidence", [&] {
            j.attributeArray("occurrences", [&] {
              for (const std::string &l : seen.locations)
                j.object([&] { j.attribute("location", l); });
            });
          });
          j.attributeArray("properties", [&] {
            std::string how;
            for (const std::string &h : seen.how)
              how += (how.empty() ? "" : ",") + h;
            j.object([&] {
              j.attribute("name", "tlsfloor:how");
              j.attribute("value", how);
            });
            j.object([&] {
              j.attribute("name", "tlsfloor:tls12");
              // supported | not-default (capable, off unless configured) | absent
              j.attribute("value", seen.withoutTls12   ? "absent"
                                   : seen.legacyDefault ? "not-default"
                                                        : "supported");
            });
          });
        });
      }
    });
  });
  os << '\n';
}

} // namespace tlsfloor
