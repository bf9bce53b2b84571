// tower-collections-crash-child: the child side of the collection crash
// test (tests/collections/crash_test.cc).
//
//   tower-collections-crash-child BACKEND PATH SEED
//
// Opens PATH with BACKEND and synced writes, creates the four collections
// and runs the seed's workload (crash_ops.hpp), printing "ack N" after
// operation N returned OK. Runs until it is killed.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crash_ops.hpp"
#include "tower/db.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s BACKEND PATH SEED\n", argv[0]);
    return 2;
  }
  tower::Options o = tower::Options::OnDisk(argv[2], argv[1]);
  o.sync_writes = true;
  auto db = tower::Db::open(o);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return 1;
  }
  for (const char* c : {"list.create", "map.create", "set.create", "ts.create"}) {
    const char* key = c[0] == 'l'   ? tower::crash::kList
                      : c[0] == 'm' ? tower::crash::kMap
                      : c[0] == 's' ? tower::crash::kSet
                                    : tower::crash::kSeries;
    auto r = (*db)->call(c, key);
    if (!r.ok()) {
      std::fprintf(stderr, "%s: %s\n", c, r.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  tower::crash::Model model;
  tower::crash::Workload w(std::strtoull(argv[3], nullptr, 10));
  for (unsigned long n = 1;; ++n) {
    tower::crash::Op op = w.Next(&model);
    auto r = (*db)->call(op.command, op.args);
    if (!r.ok()) {
      std::fprintf(stderr, "op %lu %s: %s\n", n, op.command.c_str(), r.status().ToString().c_str());
      return 1;
    }
    std::printf("ack %lu\n", n);
    std::fflush(stdout);
  }
}
