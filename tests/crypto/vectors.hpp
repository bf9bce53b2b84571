// Test-vector access for the crypto tests: where the official vectors live
// and a reader for the Botan ".vec" and NIST LWC KAT text formats.
//
// The vectors are not copied into the repository. They are read from
// $TOWER_VECTORS_DIR, else from ../shared/vectors beside the source tree;
// when neither exists the tests that need them report themselves skipped
// (GTEST_SKIP) with that reason.
#ifndef TOWER_TESTS_CRYPTO_VECTORS_HPP_
#define TOWER_TESTS_CRYPTO_VECTORS_HPP_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tower::test {

// The vectors folder, or nullopt (with *why saying what was looked for).
inline std::optional<std::filesystem::path> VectorsDir(std::string* why) {
  namespace fs = std::filesystem;
  fs::path dir;
  if (const char* env = std::getenv("TOWER_VECTORS_DIR"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = fs::path(TOWER_SOURCE_DIR) / ".." / "shared" / "vectors";
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    *why = "test vectors not found at " + dir.string() +
           " (set TOWER_VECTORS_DIR to the folder holding aead/, ascon/, blake3/, password/)";
    return std::nullopt;
  }
  return fs::canonical(dir, ec);
}

// Resolves `relative` inside the vectors folder or skips the current test.
#define TOWER_VECTOR_FILE_OR_SKIP(var, relative)                                      \
  std::filesystem::path var;                                                          \
  do {                                                                                \
    std::string why_;                                                                 \
    auto dir_ = ::tower::test::VectorsDir(&why_);                                     \
    if (!dir_) GTEST_SKIP() << why_;                                                  \
    var = *dir_ / (relative);                                                         \
    if (!std::filesystem::exists(var)) GTEST_SKIP() << "missing vector file " << var; \
  } while (0)

// One test record: the section it sits in ("[AES-128/GCM]" -> "AES-128/GCM",
// "" before any) and its "Name = value" fields, names as written.
struct VecRecord {
  std::string section;
  std::map<std::string, std::string> fields;
  int line = 0;  // first line of the record, for messages
  bool has(const std::string& k) const { return fields.count(k) != 0; }
  const std::string& at(const std::string& k) const { return fields.at(k); }
};

// Reads a Botan .vec file or a NIST LWC KAT file: records are runs of
// "Name = value" lines separated by blank lines, comment lines ('#') or
// section headers.
inline std::vector<VecRecord> ReadVec(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<VecRecord> out;
  std::string section, line;
  VecRecord cur;
  int n = 0;
  auto flush = [&] {
    if (!cur.fields.empty()) out.push_back(std::move(cur));
    cur = VecRecord{};
  };
  auto trim = [](std::string s) {
    size_t a = s.find_first_not_of(" \t\r");
    size_t b = s.find_last_not_of(" \t\r");
    return a == std::string::npos ? std::string() : s.substr(a, b - a + 1);
  };
  while (std::getline(in, line)) {
    ++n;
    line = trim(line);
    if (line.empty() || line[0] == '#') {
      flush();
      continue;
    }
    if (line.front() == '[' && line.back() == ']') {
      flush();
      section = line.substr(1, line.size() - 2);
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    if (cur.fields.empty()) {
      cur.section = section;
      cur.line = n;
    }
    cur.fields[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  flush();
  return out;
}

// Hex text (either case) to bytes; aborts the test on bad input.
inline std::vector<uint8_t> Hex(const std::string& hex) {
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<uint8_t> out;
  if (hex.size() % 2 != 0) {
    ADD_FAILURE() << "odd-length hex: " << hex;
    return out;
  }
  for (size_t i = 0; i < hex.size(); i += 2) {
    int a = nib(hex[i]), b = nib(hex[i + 1]);
    if (a < 0 || b < 0) {
      ADD_FAILURE() << "bad hex: " << hex;
      return {};
    }
    out.push_back(static_cast<uint8_t>(a * 16 + b));
  }
  return out;
}

}  // namespace tower::test

#endif  // TOWER_TESTS_CRYPTO_VECTORS_HPP_
