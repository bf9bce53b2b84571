// tower-backend-conformance: runs the backend conformance suite against
// backend plugins chosen on the command line.
//
//   tower-backend-conformance [--plugin-dir DIR]... [--crash-writer PROGRAM]
//                             BACKEND[:mem][,opt=value...]... [gtest flags]
// Example: tower-backend-conformance --plugin-dir ./build mystore rocksdb:mem
// With no BACKEND it tests the built-in ones: memory rocksdb rocksdb:mem lmdb.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "conformance.hpp"

int main(int argc, char** argv) {
  using tower::conformance::BackendUnderTest;
  std::vector<BackendUnderTest> backends;
  std::vector<std::filesystem::path> dirs;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--plugin-dir" && i + 1 < argc) {
      dirs.emplace_back(argv[++i]);
    } else if (a == "--crash-writer" && i + 1 < argc) {
      tower::conformance::SetCrashWriter(argv[++i]);
    } else if (a.rfind("--", 0) == 0) {
      rest.push_back(argv[i]);  // for gtest
    } else {
      BackendUnderTest b;
      std::string spec = a, opts;
      if (auto comma = spec.find(','); comma != std::string::npos) {
        opts = spec.substr(comma + 1);
        spec = spec.substr(0, comma);
      }
      if (spec.size() > 4 && spec.compare(spec.size() - 4, 4, ":mem") == 0) {
        b.in_memory = true;
        spec.resize(spec.size() - 4);
      }
      b.plugin = spec;
      while (!opts.empty()) {
        auto comma = opts.find(',');
        std::string kv = opts.substr(0, comma);
        opts = comma == std::string::npos ? "" : opts.substr(comma + 1);
        auto eq = kv.find('=');
        if (eq == std::string::npos) {
          std::fprintf(stderr, "bad backend option '%s' (want name=value)\n", kv.c_str());
          return 2;
        }
        b.extra[kv.substr(0, eq)] = kv.substr(eq + 1);
      }
      backends.push_back(b);
    }
  }
  if (backends.empty()) {
    backends = {
        {"memory", false, {}}, {"rocksdb", false, {}}, {"rocksdb", true, {}}, {"lmdb", false, {}}};
  }
  tower::conformance::SetBackends(backends);
  tower::conformance::SetPluginDirs(dirs);
  int n = static_cast<int>(rest.size());
  testing::InitGoogleTest(&n, rest.data());
  return RUN_ALL_TESTS();
}
