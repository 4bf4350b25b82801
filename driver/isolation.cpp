#include "isolation.h"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <vector>

#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/thread.h"

namespace tlsfloor::driver {

namespace {

// 256 MiB of (lazily committed) stack per worker; LLVM's thread pool cannot
// choose a stack size, hence these few lines of our own.
constexpr unsigned kWorkerStack = 256u << 20;
constexpr size_t kAltStack = 256u << 10;

void enableRecovery() {
  // libclang would otherwise parse on its own 8 MiB thread, where an overflow
  // cannot be caught; on our workers it can.
  setenv("LIBCLANG_NOTHREADS", "1", /*overwrite=*/1);
  llvm::CrashRecoveryContext::Enable();
  // CrashRecoveryContext's handlers run on the faulting stack; after an
  // overflow there is none left. Let them run on each worker's altstack.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP}) {
    struct sigaction sa;
    if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_DFL &&
        sa.sa_handler != SIG_IGN) {
      sa.sa_flags |= SA_ONSTACK;
      sigaction(sig, &sa, nullptr);
    }
  }
}

void worker(std::atomic<size_t> &next, size_t count, const std::function<void(size_t)> &job,
            const std::function<void(size_t)> &crashed) {
  std::unique_ptr<char[]> alt(new char[kAltStack]);
  stack_t ss{};
  ss.ss_sp = alt.get();
  ss.ss_size = kAltStack;
  sigaltstack(&ss, nullptr);
  for (size_t i = next++; i < count; i = next++) {
    llvm::CrashRecoveryContext crc;
    if (!crc.RunSafely([&] { job(i); }))
      crashed(i);
  }
  stack_t off{};
  off.ss_flags = SS_DISABLE;
  sigaltstack(&off, nullptr);
}

} // namespace

void runIsolated(size_t count, unsigned threads, const std::function<void(size_t)> &job,
                 const std::function<void(size_t)> &crashed) {
  enableRecovery();
  unsigned n = llvm::hardware_concurrency(threads).compute_thread_count();
  if (n == 0)
    n = 1;
  if (n > count)
    n = static_cast<unsigned>(count ? count : 1);
  std::atomic<size_t> next{0};
  std::vector<llvm::thread> workers;
  for (unsigned t = 0; t < n; ++t)
    workers.emplace_back(std::optional<unsigned>(kWorkerStack),
                         [&] { worker(next, count, job, crashed); });
  for (llvm::thread &w : workers)
    w.join();
}

} // namespace tlsfloor::driver
