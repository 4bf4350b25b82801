// Firmware images written as text: Intel HEX (":LLAAAATT<data>CC" records)
// and Motorola S-records ("S1/S2/S3" data records). Decoded to the bytes they
// carry, in record order, so the version text and symbols of a firmware
// image are searched as in a raw blob. Bounded: at most `maxBytes` of output;
// a malformed record ends the decode with a problem, the bytes so far kept.
#pragma once

#include <cstdint>
#include <string>

#include "llvm/ADT/StringRef.h"

namespace tlsfloor::binscan {

// True when `head` starts like an Intel HEX or S-record file (its first
// records are well formed).
bool looksLikeHexImage(llvm::StringRef head);

// Decodes `text`; `problem` is set ("" when the whole file decoded).
std::string decodeHexImage(llvm::StringRef text, uint64_t maxBytes, std::string &problem);

} // namespace tlsfloor::binscan
