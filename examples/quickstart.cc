// Quick start: what the Go README's Quick Start does, in C++.
// Opens an embedded database on the RocksDB backend at a local path, then an
// in-memory one, stores a value in each and reads it back.
//
//   quickstart [DATA_DIR]      (default: ./tower-quickstart-data)
#include <cstdio>
#include <string>

#include "tower/tower.hpp"

namespace {

int Run(const char* label, const tower::Options& options) {
  auto db = tower::Db::open(options);
  if (!db.ok()) {
    std::fprintf(stderr, "%s: cannot open: %s\n", label, db.status().ToString().c_str());
    return 1;
  }
  if (auto s = (*db)->set_string("greeting", "Hello, Tower!"); !s.ok()) {
    std::fprintf(stderr, "%s: set_string failed: %s\n", label, s.ToString().c_str());
    return 1;
  }
  auto value = (*db)->get_string("greeting");
  if (!value.ok()) {
    std::fprintf(stderr, "%s: get failed: %s\n", label, value.status().ToString().c_str());
    return 1;
  }
  std::printf("%-28s backend=%-8s greeting=%s\n", label, (*db)->manifest().backend.c_str(),
              value->c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "./tower-quickstart-data";

  tower::Options on_disk = tower::Options::OnDisk(dir, "rocksdb");
  on_disk.cache_size = tower::Size::FromMegabytes(10);
  on_disk.memtable_size = tower::Size::FromMegabytes(5);
  on_disk.bytes_per_sync = tower::Size::FromKilobytes(64);

  tower::Options in_memory = tower::Options::InMemory("rocksdb");  // the Go InMemory()
  in_memory.bytes_per_sync = tower::Size::FromKilobytes(1);
  in_memory.cache_size = tower::Size::FromMegabytes(10);
  in_memory.memtable_size = tower::Size::FromMegabytes(5);

  int rc = Run(("on disk (" + dir + ")").c_str(), on_disk);
  rc |= Run("in memory (rocksdb mem env)", in_memory);
  rc |= Run("in memory (memory backend)", tower::Options::InMemory("memory"));
  return rc;
}
