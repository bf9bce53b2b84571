// NATS.c helpers shared by the benchmarks that drive a raw NATS.c side
// (mesh_bench, towerd_bench).
#ifndef TOWER_BENCH_NATS_UTIL_HPP_
#define TOWER_BENCH_NATS_UTIL_HPP_

#include <nats/nats.h>

#include <string>

#include "bench_util.hpp"

namespace bench {

// Exits naming `what` unless `s` is NATS_OK.
inline void Check(natsStatus s, const char* what) {
  if (s != NATS_OK) Die(std::string(what) + ": " + natsStatus_GetText(s));
}

}  // namespace bench

#endif  // TOWER_BENCH_NATS_UTIL_HPP_
