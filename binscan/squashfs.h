// SquashFS images (firmware root filesystems, snaps), read with
// libsquashfs from memory, never extracted: every regular file is handed to
// the same member callback as an archive member, named by the chain
// (`firmware.img!usr/lib/libssl.so.1.0.0`). Sizes, counts and directory depth
// are bounded like archives; each part that cannot be read is said.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "archive.h"

namespace tlsfloor::binscan {

// True when the bytes start with a SquashFS 4 superblock ("hsqs").
bool looksLikeSquashfs(llvm::StringRef head);

void walkSquashfs(const std::vector<std::string> &chain, llvm::StringRef data,
                  const ArchiveLimits &limits, uint64_t &totalBytes, const MemberFn &member,
                  const ProblemFn &problem);

} // namespace tlsfloor::binscan
