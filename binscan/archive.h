// Release bundles: tar (gz/xz/bz2/zstd), zip/jar/war/apk/whl, deb, rpm, cpio,
// 7z, iso, read with libarchive from disk or memory, never extracted. Each
// member is handed to a callback as an input of its own, named by the chain
// of containers (`bundle.tgz!node.tar.gz!bin/node`); nested archives are
// walked the same way, to a depth limit. Sizes, ratios and counts are
// bounded (archive bombs), and every part that cannot be read is said.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBufferRef.h"

namespace tlsfloor::binscan {

struct ArchiveLimits {
  unsigned maxDepth = 4;                  // archives inside archives
  uint64_t maxMemberBytes = 1ull << 30;   // one member, uncompressed
  uint64_t maxTotalBytes = 16ull << 30;   // everything in one input, uncompressed
  uint64_t maxRatio = 200;                // uncompressed / compressed, past 64 MiB
  uint64_t maxMembers = 200000;
};

// True when the first bytes are an archive or compressed stream libarchive
// should open (not a static library `.a`: LLVM reads those member by member).
bool looksLikeArchive(llvm::StringRef head);

// Called for each regular member with its chain and bytes (valid during the
// call only).
using MemberFn = std::function<void(const std::vector<std::string> &chain, llvm::MemoryBufferRef)>;
// Called with a chain and a message for each part that could not be read.
using ProblemFn = std::function<void(const std::vector<std::string> &chain, const std::string &)>;

// Walks the archive at `path` (or in `data` when non-empty), calling `member`
// for every member that is not itself an archive, and `problem` for every
// part that could not be read or was over a limit.
void walkArchive(const std::vector<std::string> &chain, const std::string &path,
                 llvm::StringRef data, unsigned depth, const ArchiveLimits &limits,
                 uint64_t &totalBytes, const MemberFn &member, const ProblemFn &problem);

} // namespace tlsfloor::binscan
