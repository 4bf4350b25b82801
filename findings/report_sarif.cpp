// SARIF 2.1.0 with the fields GitHub code scanning reads: rules with short
// and full descriptions and help, repo-relative URIs under %SRCROOT%,
// regions, partial fingerprints, and tool execution notifications for inputs
// that could not be scanned.
#include <map>

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include "tlsfloor/findings/report.h"

namespace tlsfloor {

std::string uriEncodePath(const std::string &path) {
  std::string out;
  for (unsigned char c : path) {
    if (llvm::isAlnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(llvm::hexdigit(c >> 4));
      out.push_back(llvm::hexdigit(c & 15));
    }
  }
  return out;
}

namespace {
const char *sarifLevel(Severity s) { return severityName(s); } // same words

std::string directoryUri(const std::string &dir) {
  std::string uri = "file://" + uriEncodePath(dir);
  if (uri.empty() || uri.back() != '/')
    uri.push_back('/');
  return uri;
}

void writeArtifactLocation(llvm::json::OStream &j, const std::string &path) {
  j.attributeObject("artifactLocation", [&] {
    if (llvm::sys::path::is_absolute(path)) {
      j.attribute("uri", "file://" + uriEncodePath(path));
    } else {
      j.attribute("uri", uriEncodePath(path));
      j.attribute("uriBaseId", "%SRCROOT%");
    }
  });
}
} // namespace

void writeSarif(const ScanReport &report, const ReportContext &ctx, llvm::raw_ostream &os) {
  std::map<std::string, size_t> ruleIndex;
  std::vector<const RuleInfo *> rules;
  if (ctx.rules)
    for (const RuleInfo &r : *ctx.rules) {
      ruleIndex.emplace(r.id, rules.size());
      rules.push_back(&r);
    }

  llvm::json::OStream j(os, 2);
  j.object([&] {
    j.attribute("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    j.attribute("version", "2.1.0");
    j.attributeArray("runs", [&] {
      j.object([&] {
        j.attributeObject("tool", [&] {
          j.attributeObject("driver", [&] {
            j.attribute("name", ctx.toolName);
            j.attribute("version", ctx.toolVersion);
            j.attribute("semanticVersion", ctx.toolVersion);
            j.attributeArray("rules", [&] {
              for (const RuleInfo *r : rules) {
                j.object([&] {
                  j.attribute("id", r->id);
                  j.attribute("name", r->name);
                  j.attributeObject("shortDescription", [&] { j.attribute("text", r->summary); });
                  j.attributeObject("fullDescription",
                                    [&] { j.attribute("text", r->description); });
                  j.attributeObject("help", [&] {
                    j.attribute("text", r->help);
                    j.attribute("markdown", r->help);
                  });
                  j.attributeObject("defaultConfiguration",
                                    [&] { j.attribute("level", sarifLevel(r->severity)); });
                  j.attributeObject("properties", [&] {
                    j.attributeArray("tags", [&] {
                      j.value("security");
                      j.value("tls");
                      j.value(r->family);
                    });
                    j.attribute("precision", "high");
                    if (!r->securitySeverity.empty())
                      j.attribute("security-severity", r->securitySeverity);
                  });
                });
              }
            });
          });
        });
        if (!ctx.workingDirectory.empty()) {
          j.attributeObject("originalUriBaseIds", [&] {
            j.attributeObject("%SRCROOT%",
                              [&] { j.attribute("uri", directoryUri(ctx.workingDirectory)); });
          });
        }
        j.attributeArray("invocations", [&] {
          j.object([&] {
            j.attribute("executionSuccessful", !report.incomplete());
            // Sinks seen with a value that could not be resolved: "clean"
            // and "not understood" differ here as in the JSON report.
            if (!report.unresolved.empty())
              j.attributeObject("properties", [&] {
                j.attributeArray("unresolvedSinks", [&] {
                  for (const std::string &u : report.unresolved)
                    j.value(u);
                });
              });
            if (!ctx.workingDirectory.empty())
              j.attributeObject("workingDirectory",
                                [&] { j.attribute("uri", directoryUri(ctx.workingDirectory)); });
            j.attributeArray("toolExecutionNotifications", [&] {
              for (const Diagnostic &d : report.diagnostics) {
                j.object([&] {
                  j.attribute("level",
                              d.kind == Diagnostic::Kind::Incomplete ? "error" : "note");
                  j.attributeObject("message", [&] { j.attribute("text", d.message); });
                  j.attributeArray("locations", [&] {
                    j.object([&] {
                      j.attributeObject("physicalLocation",
                                        [&] { writeArtifactLocation(j, d.input); });
                    });
                  });
                });
              }
            });
          });
        });
        j.attributeArray("results", [&] {
          for (const Finding &f : report.findings) {
            j.object([&] {
              j.attribute("ruleId", f.ruleId);
              auto it = ruleIndex.find(f.ruleId);
              if (it != ruleIndex.end())
                j.attribute("ruleIndex", static_cast<int64_t>(it->second));
              j.attribute("level", sarifLevel(f.severity));
              j.attributeObject("message", [&] { j.attribute("text", f.message); });
              j.attributeArray("locations", [&] {
                j.object([&] {
                  j.attributeObject("physicalLocation", [&] {
                    writeArtifactLocation(j, f.location.file());
                    j.attributeObject("region", [&] {
                      if (f.location.line) {
                        j.attribute("startLine", static_cast<int64_t>(f.location.line));
                        if (f.location.column)
                          j.attribute("startColumn", static_cast<int64_t>(f.location.column));
                      } else {
                        // Binaries have no lines; GitHub still wants one.
                        j.attribute("startLine", 1);
                        if (f.location.offset && f.location.chain.size() == 1)
                          j.attribute("byteOffset", static_cast<int64_t>(*f.location.offset));
                      }
                    });
                  });
                  if (f.location.chain.size() > 1) {
                    j.attributeArray("logicalLocations", [&] {
                      j.object([&] {
                        j.attribute("fullyQualifiedName", f.location.displayPath());
                        j.attribute("kind", "member");
                      });
                    });
                  }
                });
              });
              j.attributeObject("partialFingerprints", [&] {
                j.attribute("tlsfloorFingerprint/v1", f.fingerprint);
                if (!f.location.line)
                  j.attribute("primaryLocationLineHash", f.fingerprint + ":1");
              });
              j.attributeObject("properties", [&] {
                if (!f.evidence.empty())
                  j.attribute("evidence", f.evidence);
                if (!f.value.empty())
                  j.attribute("value", f.value);
                if (!f.component.empty())
                  j.attribute("component", f.component);
                if (!f.version.empty())
                  j.attribute("version", f.version);
                if (f.location.offset)
                  j.attribute("offset", static_cast<int64_t>(*f.location.offset));
                if (!f.fixHint.empty())
                  j.attribute("fix", f.fixHint);
                if (!f.confidence.empty()) // "medium": seen through built-in declarations
                  j.attribute("confidence", f.confidence);
              });
            });
          }
        });
      });
    });
  });
  os << '\n';
}

} // namespace tlsfloor
