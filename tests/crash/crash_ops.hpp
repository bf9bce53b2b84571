// The collection crash test's workload, shared by the child that runs it
// and the parent that checks what survived: a deterministic stream of
// list / map / set / time-series operations (from a seed) together with the
// model state each one produces.
#ifndef TOWER_TESTS_CRASH_CRASH_OPS_HPP_
#define TOWER_TESTS_CRASH_CRASH_OPS_HPP_

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tower/value.hpp"

namespace tower::crash {

// What the four collections should hold.
struct Model {
  std::deque<int64_t> list;
  std::map<std::string, int64_t> map;
  std::set<std::string> set;
  std::map<int64_t, int64_t> series;  // timestamp -> value
  bool operator==(const Model&) const = default;
};

struct Op {
  std::string command;
  std::vector<Value> args;
};

// The keys, created before the first operation.
inline constexpr const char* kList = "crash:list";
inline constexpr const char* kMap = "crash:map";
inline constexpr const char* kSet = "crash:set";
inline constexpr const char* kSeries = "crash:series";

// Produces operation i+1 from the model after operation i, and applies it to
// the model. Small key domains make updates, deletes and re-adds common.
class Workload {
 public:
  explicit Workload(uint64_t seed) : rng_(seed) {}
  Op Next(Model* m) {
    const int64_t x = static_cast<int64_t>(rng_() % 1000);
    const std::string f = "f" + std::to_string(rng_() % 40);
    switch (rng_() % 8) {
      case 0: m->list.push_back(x); return {"list.push_right", {kList, x}};
      case 1: m->list.push_front(x); return {"list.push_left", {kList, x}};
      case 2:
        if (m->list.empty()) return Next(m);
        if (rng_() % 2) {
          m->list.pop_front();
          return {"list.pop_left", {kList}};
        }
        m->list.pop_back();
        return {"list.pop_right", {kList}};
      case 3: m->map[f] = x; return {"map.set", {kMap, f, x}};
      case 4: m->map.erase(f); return {"map.delete_field", {kMap, f}};
      case 5: m->set.insert(f); return {"set.add", {kSet, f}};
      case 6: m->set.erase(f); return {"set.remove", {kSet, f}};
      default: {
        int64_t t = 1000000 + ++ts_;
        m->series[t] = x;
        return {"ts.add", {kSeries, Timestamp{t}, x}};
      }
    }
  }

 private:
  std::mt19937_64 rng_;
  int64_t ts_ = 0;
};

}  // namespace tower::crash

#endif  // TOWER_TESTS_CRASH_CRASH_OPS_HPP_
