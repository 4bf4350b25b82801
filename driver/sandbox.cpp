#include "sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

namespace tlsfloor::driver {

namespace {

// Every file-system right a Landlock ABI knows; what is not granted below is
// denied. (Values from <linux/landlock.h>; newer rights are added by ABI.)
uint64_t handledFsRights(int abi) {
  uint64_t rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
                    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
                    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
                    LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2)
    rights |= 1ULL << 13; // LANDLOCK_ACCESS_FS_REFER
  if (abi >= 3)
    rights |= 1ULL << 14; // LANDLOCK_ACCESS_FS_TRUNCATE
  if (abi >= 5)
    rights |= 1ULL << 15; // LANDLOCK_ACCESS_FS_IOCTL_DEV
  return rights;
}

struct RulesetAttr { // struct landlock_ruleset_attr, as of ABI 4
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
};

std::string applyLandlock() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 1)
    return "no Landlock in this kernel (file writes limited by rlimits only)";
  RulesetAttr attr{handledFsRights(static_cast<int>(abi)), 0};
  size_t attrSize = sizeof(uint64_t);
  if (abi >= 4) {
    attr.handled_access_net = 3; // LANDLOCK_ACCESS_NET_BIND_TCP | _CONNECT_TCP
    attrSize = sizeof(attr);
  }
  int ruleset = static_cast<int>(syscall(SYS_landlock_create_ruleset, &attr, attrSize, 0));
  if (ruleset < 0)
    return "Landlock ruleset refused (file writes limited by rlimits only)";
  // Read anything below every top-level directory (system headers, the
  // inputs) except /dev, so `#include "/dev/zero"` or "/dev/urandom" fails at
  // once instead of filling memory; write, create or run nothing.
  bool ok = true;
  if (DIR *top = opendir("/")) {
    while (struct dirent *e = readdir(top)) {
      std::string name = e->d_name;
      if (name == "." || name == ".." || name == "dev")
        continue;
      int fd = open(("/" + name).c_str(), O_PATH | O_CLOEXEC);
      if (fd < 0)
        continue;
      struct stat st;
      bool isDir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
      struct {
        uint64_t allowed_access;
        int32_t parent_fd;
      } __attribute__((packed)) beneath{
          LANDLOCK_ACCESS_FS_READ_FILE | (isDir ? LANDLOCK_ACCESS_FS_READ_DIR : 0ULL), fd};
      if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) != 0)
        ok = false;
      close(fd);
    }
    closedir(top);
  } else {
    ok = false;
  }
  ok = ok && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
       syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
  close(ruleset);
  if (!ok)
    return "Landlock could not be applied (file writes limited by rlimits only)";
  return "Landlock ABI " + std::to_string(abi) + ": read-only file system except /dev (none), no exec" +
         (abi >= 4 ? ", no TCP" : "");
}

} // namespace

std::string enterSandbox() {
  struct rlimit zero{0, 0};
  setrlimit(RLIMIT_CORE, &zero);  // a crashing worker leaves no core file behind
  setrlimit(RLIMIT_FSIZE, &zero); // and cannot grow any file it might open
  return applyLandlock();
}

void limitAddressSpace(uint64_t extraBytes) {
  // Only the soft limit moves, so each job can get its own budget.
  struct rlimit lim{};
  getrlimit(RLIMIT_AS, &lim);
  if (extraBytes == 0) {
    lim.rlim_cur = lim.rlim_max;
  } else {
    std::ifstream statm("/proc/self/statm"); // VmSize in pages, first field
    uint64_t pages = 0;
    statm >> pages;
    uint64_t cap = pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) + extraBytes;
    lim.rlim_cur = lim.rlim_max == RLIM_INFINITY || cap < lim.rlim_max ? cap : lim.rlim_max;
  }
  setrlimit(RLIMIT_AS, &lim);
}

} // namespace tlsfloor::driver
