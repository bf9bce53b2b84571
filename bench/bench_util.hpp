// The benchmark programs' small helpers, without any library baseline:
// dying with a message, medians, unwrapping results (NATS.c checks are in
// nats_util.hpp).
#ifndef TOWER_BENCH_UTIL_HPP_
#define TOWER_BENCH_UTIL_HPP_

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tower/status.hpp"

namespace bench {

[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "bench: %s\n", what.c_str());
  std::exit(1);
}

inline double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The value of `r`, or exit naming `what`.
template <class T>
T Must(tower::Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(*r);
}

inline void Must(const tower::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

}  // namespace bench

#endif  // TOWER_BENCH_UTIL_HPP_
