// Runs scan jobs so that one pathological input cannot take the scan down:
// workers with large stacks (deep ASTs recurse deeply in libclang and in our
// visitor), and every job under llvm::CrashRecoveryContext with an alternate
// signal stack, so even a stack overflow becomes a per-input diagnostic.
#pragma once

#include <cstddef>
#include <functional>

namespace tlsfloor::driver {

// Calls job(i) for i in [0, count) on `threads` workers (0 = one per core).
// When job(i) crashes, calls crashed(i) instead, on the same worker. Returns
// after every job is done. Call from the main thread before other threads run
// libclang (it sets LIBCLANG_NOTHREADS so parsing happens on these workers).
void runIsolated(size_t count, unsigned threads, const std::function<void(size_t)> &job,
                 const std::function<void(size_t)> &crashed);

} // namespace tlsfloor::driver
