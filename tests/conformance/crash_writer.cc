// tower-crash-writer: the child side of the conformance crash test.
//
//   tower-crash-writer PLUGIN PATH [NAME=VALUE...] [PLUGIN_DIR...]
//
// NAME=VALUE arguments are backend options; the others plugin directories.
// Opens PATH with backend PLUGIN and writes keys "crash-00000000",
// "crash-00000001", ... each with a synced write, printing "ack N\n" on
// stdout after write N returned. It runs until it is killed.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tower/backend.hpp"
#include "tower/plugin.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PLUGIN PATH [NAME=VALUE...] [PLUGIN_DIR...]\n", argv[0]);
    return 2;
  }
  std::vector<std::filesystem::path> dirs;
  std::map<std::string, std::string> extra;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (auto eq = a.find('='); eq != std::string::npos) {
      extra[a.substr(0, eq)] = a.substr(eq + 1);
    } else {
      dirs.emplace_back(a);
    }
  }
  tower::PluginManager pm(dirs);
  auto plugin = pm.Load(argv[1], tower::PluginKind::kBackend);
  if (!plugin.ok()) {
    std::fprintf(stderr, "%s\n", plugin.status().ToString().c_str());
    return 1;
  }
  tower::BackendOptions bo;
  bo.path = argv[2];
  bo.extra = extra;
  bo.plugin_dirs = dirs;
  auto db = tower::Backend::Open(*plugin, bo);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  tower::WriteOptions sync;
  sync.sync = true;
  for (unsigned long i = 0;; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "crash-%08lu", i);
    tower::WriteBatch b;
    b.Put(key, std::string(100, 'v') + key);
    b.Put("crash-last", key);
    tower::Status s = (*db)->Write(sync, b);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("ack %lu\n", i);
    std::fflush(stdout);
  }
}
