#include "hex_image.h"

#include "llvm/ADT/StringExtras.h"

namespace tlsfloor::binscan {

namespace {

// One record's bytes after its start code, hex-decoded; false if any
// character is not a hex digit or the count is odd.
bool hexBytes(llvm::StringRef digits, std::string &out) {
  if (digits.size() % 2)
    return false;
  out.clear();
  for (size_t i = 0; i < digits.size(); i += 2) {
    unsigned hi = llvm::hexDigitValue(digits[i]), lo = llvm::hexDigitValue(digits[i + 1]);
    if (hi > 15 || lo > 15)
      return false;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

enum class Kind { None, IntelHex, SRecord };

// The record's bytes summed modulo 256 (both formats' checksums are on it).
uint8_t byteSum(const std::string &bytes) {
  uint8_t sum = 0;
  for (char c : bytes)
    sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
  return sum;
}

// Checks one record; on success appends its data bytes to `data` (if set).
bool record(llvm::StringRef line, Kind kind, std::string *data, bool &end) {
  std::string b;
  end = false;
  if (kind == Kind::IntelHex) {
    // :LL AAAA TT data CC, checksum: the two's complement of the byte sum.
    if (!line.consume_front(":") || !hexBytes(line, b) || b.size() < 5)
      return false;
    size_t len = static_cast<uint8_t>(b[0]);
    if (b.size() != len + 5)
      return false;
    if (byteSum(b) != 0)
      return false;
    uint8_t type = static_cast<uint8_t>(b[3]);
    if (type > 5)
      return false;
    if (type == 0 && data)
      data->append(b, 4, len);
    end = type == 1;
    return true;
  }
  // Sn LL address data CC; checksum: ones' complement of the byte sum.
  if (line.size() < 4 || line[0] != 'S' || line[1] < '0' || line[1] > '9' || line[1] == '4')
    return false;
  char type = line[1];
  if (!hexBytes(line.drop_front(2), b) || b.empty())
    return false;
  size_t count = static_cast<uint8_t>(b[0]);
  if (b.size() != count + 1)
    return false;
  if (byteSum(b) != 0xff)
    return false;
  size_t addr = type == '1' ? 2 : type == '2' ? 3 : type == '3' ? 4 : 0;
  if (addr && data) {
    if (count < addr + 1)
      return false;
    data->append(b, 1 + addr, count - addr - 1);
  }
  end = type >= '7';
  return true;
}

Kind kindOf(llvm::StringRef text) {
  text = text.ltrim(" \t\r\n");
  if (text.starts_with(":"))
    return Kind::IntelHex;
  if (text.size() > 2 && text[0] == 'S' && text[1] >= '0' && text[1] <= '9')
    return Kind::SRecord;
  return Kind::None;
}

} // namespace

bool looksLikeHexImage(llvm::StringRef head) {
  Kind kind = kindOf(head);
  if (kind == Kind::None)
    return false;
  // Three well-formed records (or fewer ending in an end record), and the
  // last line of `head` may be cut short.
  unsigned good = 0;
  while (!head.empty() && good < 3) {
    auto [line, rest] = head.split('\n');
    line = line.trim();
    head = rest;
    if (line.empty())
      continue;
    bool end = false;
    if (!record(line, kind, nullptr, end))
      return false;
    ++good;
    if (end)
      return true;
  }
  return good >= 3;
}

std::string decodeHexImage(llvm::StringRef text, uint64_t maxBytes, std::string &problem) {
  std::string out;
  problem.clear();
  Kind kind = kindOf(text);
  if (kind == Kind::None) {
    problem = "not an Intel HEX or S-record file";
    return out;
  }
  uint64_t lineNo = 0;
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    text = rest;
    ++lineNo;
    line = line.trim();
    if (line.empty())
      continue;
    bool end = false;
    if (!record(line, kind, &out, end)) {
      problem = "malformed record at line " + std::to_string(lineNo) + "; the rest not decoded";
      break;
    }
    if (out.size() > maxBytes) {
      out.resize(maxBytes);
      problem = "more than " + std::to_string(maxBytes >> 20) + " MiB of data; the rest not decoded";
      break;
    }
    if (end)
      break;
  }
  return out;
}

} // namespace tlsfloor::binscan
