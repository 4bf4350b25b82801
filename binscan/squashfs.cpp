#include "squashfs.h"

#include <cstring>
#include <memory>

extern "C" {
#include <sqfs/compressor.h>
#include <sqfs/data_reader.h>
#include <sqfs/dir.h>
#include <sqfs/dir_reader.h>
#include <sqfs/error.h>
#include <sqfs/inode.h>
#include <sqfs/io.h>
#include <sqfs/super.h>
}

namespace tlsfloor::binscan {

namespace {

// A read-only sqfs_file_t over bytes in memory (the image is a member of a
// bundle, or a file the caller mapped).
struct MemoryFile {
  sqfs_file_t file;
  llvm::StringRef bytes;
};

int readAt(sqfs_file_t *f, sqfs_u64 offset, void *buffer, size_t size) {
  const auto *m = reinterpret_cast<const MemoryFile *>(f);
  if (offset > m->bytes.size() || size > m->bytes.size() - offset)
    return SQFS_ERROR_OUT_OF_BOUNDS;
  std::memcpy(buffer, m->bytes.data() + offset, size);
  return 0;
}
int writeAt(sqfs_file_t *, sqfs_u64, const void *, size_t) { return SQFS_ERROR_IO; }
sqfs_u64 getSize(const sqfs_file_t *f) {
  return reinterpret_cast<const MemoryFile *>(f)->bytes.size();
}
int truncateFile(sqfs_file_t *, sqfs_u64) { return SQFS_ERROR_IO; }
void destroyNothing(sqfs_object_t *) {}
sqfs_object_t *copyNothing(const sqfs_object_t *) { return nullptr; }

struct Destroy {
  void operator()(void *p) const { sqfs_destroy(p); }
};
struct Free {
  void operator()(void *p) const { sqfs_free(p); }
};
using Inode = std::unique_ptr<sqfs_inode_generic_t, Free>;

std::string why(int rc) {
  switch (rc) {
  case SQFS_ERROR_ALLOC: return "out of memory";
  case SQFS_ERROR_COMPRESSOR: return "decompression failed";
  case SQFS_ERROR_CORRUPTED: return "corrupted";
  case SQFS_ERROR_UNSUPPORTED: return "unsupported feature or compressor";
  case SQFS_ERROR_OVERFLOW: return "size overflow";
  case SQFS_ERROR_OUT_OF_BOUNDS: return "reference past the end of the image";
  case -9: return "bad superblock";                  // SFQS_ERROR_SUPER_MAGIC (sic)
  case -10: return "unsupported SquashFS version";    // SFQS_ERROR_SUPER_VERSION
  case SQFS_ERROR_SUPER_BLOCK_SIZE: return "bad block size";
  default: return "error " + std::to_string(rc);
  }
}

class Walker {
public:
  Walker(const std::vector<std::string> &chain, const ArchiveLimits &limits, uint64_t &totalBytes,
         uint64_t imageBytes, const MemberFn &member, const ProblemFn &problem,
         sqfs_dir_reader_t *dirs, sqfs_data_reader_t *data)
      : chain_(chain), limits_(limits), total_(totalBytes), image_(imageBytes), member_(member),
        problem_(problem), dirs_(dirs), data_(data) {}

  // false: stop the whole walk (a limit was reached).
  bool directory(const sqfs_inode_generic_t *dir, const std::string &path, unsigned depth) {
    if (depth > 64) {
      problem_(chain_, "directories nested deeper than 64 at " + path + "; not read");
      return true;
    }
    if (int rc = sqfs_dir_reader_open_dir(dirs_, dir, 0)) {
      problem_(chain_, "cannot open directory /" + path + ": " + why(rc));
      return true;
    }
    // The reader holds one directory at a time: list it, then descend.
    std::vector<std::pair<std::string, Inode>> entries;
    while (true) {
      sqfs_dir_entry_t *raw = nullptr;
      int rc = sqfs_dir_reader_read(dirs_, &raw);
      if (rc > 0)
        break;
      if (rc < 0) {
        problem_(chain_, "directory /" + path + " damaged: " + why(rc) + "; the rest not read");
        break;
      }
      std::unique_ptr<sqfs_dir_entry_t, Free> entry(raw);
      std::string name(reinterpret_cast<const char *>(entry->name), entry->size + 1u);
      sqfs_inode_generic_t *node = nullptr;
      if (int irc = sqfs_dir_reader_get_inode(dirs_, &node)) {
        problem_(chain_, "/" + path + name + ": cannot read inode: " + why(irc));
        continue;
      }
      if (++members_ > limits_.maxMembers) {
        sqfs_free(node);
        problem_(chain_, "more than " + std::to_string(limits_.maxMembers) +
                             " members; the rest not read");
        return false;
      }
      entries.emplace_back(std::move(name), Inode(node));
    }
    for (auto &[name, node] : entries) {
      uint16_t type = node->base.type;
      if (type == SQFS_INODE_DIR || type == SQFS_INODE_EXT_DIR) {
        if (!directory(node.get(), path + name + "/", depth + 1))
          return false;
      } else if (type == SQFS_INODE_FILE || type == SQFS_INODE_EXT_FILE) {
        if (!file(node.get(), path + name))
          return false;
      }
    }
    return true;
  }

private:
  bool file(const sqfs_inode_generic_t *node, const std::string &path) {
    std::vector<std::string> nested = chain_;
    nested.push_back(path);
    sqfs_u64 size = 0;
    if (sqfs_inode_get_file_size(node, &size) != 0 || size > limits_.maxMemberBytes) {
      problem_(nested, "member larger than " + std::to_string(limits_.maxMemberBytes >> 20) +
                           " MiB; not read");
      return true;
    }
    buffer_.resize(static_cast<size_t>(size));
    uint64_t done = 0;
    while (done < size) {
      sqfs_u32 want = static_cast<sqfs_u32>(std::min<uint64_t>(size - done, 1u << 20));
      sqfs_s32 n = sqfs_data_reader_read(data_, node, done, buffer_.data() + done, want);
      if (n <= 0) {
        problem_(nested, "cannot read member: " + (n < 0 ? why(n) : std::string("short read")));
        return true;
      }
      done += static_cast<uint64_t>(n);
      total_ += static_cast<uint64_t>(n);
      expanded_ += static_cast<uint64_t>(n);
      if (total_ > limits_.maxTotalBytes) {
        problem_(chain_, "more than " + std::to_string(limits_.maxTotalBytes >> 30) +
                             " GiB uncompressed in this input (an archive bomb?); the rest not read");
        return false;
      }
      if (expanded_ > (64u << 20) && image_ && expanded_ / image_ > limits_.maxRatio) {
        problem_(chain_, "expands more than " + std::to_string(limits_.maxRatio) +
                             " times (an archive bomb?); the rest not read");
        return false;
      }
    }
    member_(nested, llvm::MemoryBufferRef(llvm::StringRef(buffer_.data(), buffer_.size()),
                                          nested.back()));
    return true;
  }

  const std::vector<std::string> &chain_;
  const ArchiveLimits &limits_;
  uint64_t &total_;
  uint64_t image_;
  const MemberFn &member_;
  const ProblemFn &problem_;
  sqfs_dir_reader_t *dirs_;
  sqfs_data_reader_t *data_;
  uint64_t members_ = 0, expanded_ = 0;
  std::string buffer_;
};

} // namespace

bool looksLikeSquashfs(llvm::StringRef head) { return head.starts_with("hsqs"); }

void walkSquashfs(const std::vector<std::string> &chain, llvm::StringRef image,
                  const ArchiveLimits &limits, uint64_t &totalBytes, const MemberFn &member,
                  const ProblemFn &problem) {
  MemoryFile mem{};
  mem.file.base.destroy = destroyNothing;
  mem.file.base.copy = copyNothing;
  mem.file.read_at = readAt;
  mem.file.write_at = writeAt;
  mem.file.get_size = getSize;
  mem.file.truncate = truncateFile;
  mem.bytes = image;
  sqfs_file_t *file = &mem.file;

  sqfs_super_t super;
  if (int rc = sqfs_super_read(&super, file)) {
    problem(chain, "cannot open as a SquashFS image: " + why(rc));
    return;
  }
  // libsquashfs sizes its tables from the superblock's counts before
  // reading them (a forged fragment count asked for 64 GiB, found by
  // fuzz/fuzz_squashfs): each table's index (one 8-byte pointer per 8 KiB
  // metadata block) must fit in the image first.
  auto tableFits = [&](uint64_t bytes, uint64_t start) {
    uint64_t index = (bytes + 8191) / 8192 * 8;
    return start <= image.size() && index <= image.size() - start;
  };
  if (super.fragment_entry_count &&
      !tableFits(uint64_t(super.fragment_entry_count) * 16, super.fragment_table_start)) {
    problem(chain, "SquashFS image: fragment table larger than the image (corrupted)");
    return;
  }
  if (!tableFits(uint64_t(super.id_count) * 4, super.id_table_start)) {
    problem(chain, "SquashFS image: id table larger than the image (corrupted)");
    return;
  }
  sqfs_compressor_config_t cfg;
  if (int rc = sqfs_compressor_config_init(
          &cfg, static_cast<SQFS_COMPRESSOR>(super.compression_id), super.block_size,
          SQFS_COMP_FLAG_UNCOMPRESS)) {
    problem(chain, "SquashFS image: " + why(rc));
    return;
  }
  sqfs_compressor_t *rawCmp = nullptr;
  if (int rc = sqfs_compressor_create(&cfg, &rawCmp)) {
    problem(chain, "SquashFS image: compressor " + std::to_string(super.compression_id) + ": " +
                       why(rc));
    return;
  }
  std::unique_ptr<sqfs_compressor_t, Destroy> cmp(rawCmp);
  std::unique_ptr<sqfs_dir_reader_t, Destroy> dirs(
      sqfs_dir_reader_create(&super, cmp.get(), file, 0));
  std::unique_ptr<sqfs_data_reader_t, Destroy> data(
      sqfs_data_reader_create(file, super.block_size, cmp.get(), 0));
  if (!dirs || !data) {
    problem(chain, "SquashFS image: out of memory");
    return;
  }
  if (int rc = sqfs_data_reader_load_fragment_table(data.get(), &super))
    problem(chain, "SquashFS fragment table: " + why(rc) + "; small files may not be read");
  sqfs_inode_generic_t *rawRoot = nullptr;
  if (int rc = sqfs_dir_reader_get_root_inode(dirs.get(), &rawRoot)) {
    problem(chain, "SquashFS root directory: " + why(rc));
    return;
  }
  Inode root(rawRoot);
  Walker walker(chain, limits, totalBytes, image.size(), member, problem, dirs.get(), data.get());
  walker.directory(root.get(), "", 0);
}

} // namespace tlsfloor::binscan
