// The backend conformance suite: one set of GoogleTest cases that every
// backend plugin must pass, in-tree or out of tree.
//
// A runner chooses the backends before gtest registers the tests:
//   tower::conformance::SetBackends({{"memory"}, {"rocksdb"}, ...});
//   testing::InitGoogleTest(&argc, argv);
//   return RUN_ALL_TESTS();
// tower-backend-conformance (runner_main.cc) does this from its command line.
#ifndef TOWER_TESTS_CONFORMANCE_HPP_
#define TOWER_TESTS_CONFORMANCE_HPP_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tower::conformance {

struct BackendUnderTest {
  std::string plugin;                        // plugin name, e.g. "rocksdb"
  bool in_memory = false;                    // open with TOWER_OPEN_IN_MEMORY
  std::map<std::string, std::string> extra;  // backend-specific options
  // A printable, gtest-safe label ("rocksdb_mem").
  std::string label() const;
};

void SetBackends(std::vector<BackendUnderTest> backends);
const std::vector<BackendUnderTest>& Backends();

// Extra plugin directories, searched before the defaults.
void SetPluginDirs(std::vector<std::filesystem::path> dirs);
const std::vector<std::filesystem::path>& PluginDirs();

// The crash-test child program (tower-crash-writer).
void SetCrashWriter(std::filesystem::path program);
const std::filesystem::path& CrashWriter();

}  // namespace tower::conformance

#endif  // TOWER_TESTS_CONFORMANCE_HPP_
