#include "archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <memory>

namespace tlsfloor::binscan {

namespace {

bool startsWith(llvm::StringRef head, llvm::StringRef magic, size_t at = 0) {
  return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
}

struct ReadDeleter {
  void operator()(struct archive *a) const { archive_read_free(a); }
};

} // namespace

bool looksLikeArchive(llvm::StringRef head) {
  if (startsWith(head, "!<arch>\n"))
    return startsWith(head, "debian-binary", 8); // a .deb; other ar files are static libraries
  return startsWith(head, "\x1f\x8b") ||                         // gzip
         startsWith(head, llvm::StringRef("\xfd" "7zXZ\0", 6)) || // xz
         startsWith(head, "BZh") ||                               // bzip2
         startsWith(head, "\x28\xb5\x2f\xfd") ||                  // zstd
         startsWith(head, "PK\x03\x04") || startsWith(head, "PK\x05\x06") || // zip, jar, apk
         startsWith(head, "ustar", 257) ||                        // tar
         startsWith(head, "\xed\xab\xee\xdb") ||                  // rpm
         startsWith(head, "070701") || startsWith(head, "070702") || startsWith(head, "070707") ||
         startsWith(head, "\xc7\x71") || startsWith(head, "\x71\xc7") || // binary cpio
         startsWith(head, "7z\xbc\xaf\x27\x1c") ||                 // 7z
         startsWith(head, "CD001", 0x8001) ||                      // iso9660
         startsWith(head, "\x5d\x00\x00");                         // lzma
}

void walkArchive(const std::vector<std::string> &chain, const std::string &path,
                 llvm::StringRef data, unsigned depth, const ArchiveLimits &limits,
                 uint64_t &totalBytes, const MemberFn &member, const ProblemFn &problem) {
  std::unique_ptr<struct archive, ReadDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  // A stream that is only compressed (file.gz): one member, the contents.
  archive_read_support_format_raw(a.get());
  int rc = data.empty() ? archive_read_open_filename(a.get(), path.c_str(), 1 << 16)
                        : archive_read_open_memory(a.get(), data.data(), data.size());
  if (rc != ARCHIVE_OK) {
    problem(chain, std::string("cannot open as an archive: ") +
                       (archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
    return;
  }
  uint64_t compressed = data.empty() ? 0 : data.size();
  // What this stream expanded to: its ratio is judged on its own bytes, not
  // on everything the outer archives read before it (a small .gz changelog
  // after 64 MiB of other members is no bomb).
  uint64_t expanded = 0;
  uint64_t members = 0;
  std::string buffer;
  while (true) {
    struct archive_entry *entry = nullptr;
    rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF)
      break;
    if (rc == ARCHIVE_WARN) // e.g. unknown pax keys: tolerated
      rc = ARCHIVE_OK;
    if (rc != ARCHIVE_OK) {
      problem(chain, std::string("archive damaged; members after this point not read: ") +
                         (archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
      return;
    }
    if (++members > limits.maxMembers) {
      problem(chain, "more than " + std::to_string(limits.maxMembers) +
                         " members; the rest not read");
      return;
    }
    const char *rawName = archive_entry_pathname(entry);
    std::string name = rawName ? rawName : "(unnamed)";
    if (archive_format(a.get()) == ARCHIVE_FORMAT_RAW) {
      // Only compressed (libssl.so.gz): the member is the file itself.
      llvm::StringRef outer = llvm::StringRef(chain.back()).rsplit('/').second;
      if (outer.empty())
        outer = chain.back();
      for (llvm::StringRef ext : {".gz", ".xz", ".bz2", ".zst", ".lzma", ".Z"})
        if (outer.consume_back(ext))
          break;
      name = outer.str() + " (decompressed)";
    }
    std::vector<std::string> nested = chain;
    nested.push_back(name);
    if (archive_entry_filetype(entry) != AE_IFREG)
      continue; // directories, links, devices: nothing to read
    int64_t declared = archive_entry_size_is_set(entry) ? archive_entry_size(entry) : -1;
    if (declared > 0 && static_cast<uint64_t>(declared) > limits.maxMemberBytes) {
      problem(nested, "member larger than " + std::to_string(limits.maxMemberBytes >> 20) +
                          " MiB; not read");
      continue;
    }
    buffer.clear();
    char chunk[1 << 16];
    bool tooBig = false;
    while (true) {
      la_ssize_t n = archive_read_data(a.get(), chunk, sizeof chunk);
      if (n == 0)
        break;
      if (n < 0) {
        problem(nested, std::string("cannot read member: ") +
                            (archive_error_string(a.get()) ? archive_error_string(a.get()) : "?"));
        buffer.clear();
        break;
      }
      totalBytes += static_cast<uint64_t>(n);
      expanded += static_cast<uint64_t>(n);
      if (buffer.size() + static_cast<size_t>(n) > limits.maxMemberBytes) {
        tooBig = true;
        break;
      }
      if (totalBytes > limits.maxTotalBytes) {
        problem(chain, "more than " + std::to_string(limits.maxTotalBytes >> 30) +
                           " GiB uncompressed in this input (an archive bomb?); the rest not read");
        return;
      }
      uint64_t base = compressed ? compressed : static_cast<uint64_t>(archive_filter_bytes(a.get(), -1));
      if (expanded > (64u << 20) && base && expanded / base > limits.maxRatio) {
        problem(chain, "expands more than " + std::to_string(limits.maxRatio) +
                           " times (an archive bomb?); the rest not read");
        return;
      }
      buffer.append(chunk, static_cast<size_t>(n));
    }
    if (tooBig) {
      problem(nested, "member larger than " + std::to_string(limits.maxMemberBytes >> 20) +
                          " MiB; not read");
      continue;
    }
    llvm::StringRef bytes(buffer);
    if (looksLikeArchive(bytes.take_front(1 << 16))) {
      if (depth + 1 >= limits.maxDepth) {
        problem(nested, "archive nested deeper than " + std::to_string(limits.maxDepth) +
                            "; not opened");
        continue;
      }
      std::string inner = std::move(buffer);
      walkArchive(nested, "", inner, depth + 1, limits, totalBytes, member, problem);
      buffer.clear();
      continue;
    }
    member(nested, llvm::MemoryBufferRef(bytes, name));
  }
}

} // namespace tlsfloor::binscan
