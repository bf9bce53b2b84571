// The per-key lock table: a fixed array of reader-writer locks, each key
// mapped to one by hash (Kvrocks' LockManager does the same). A command
// locks all its keys' stripes in ascending order, so two commands can never
// deadlock; two keys sharing a stripe only means a little false sharing.
#ifndef TOWER_KERNEL_LOCK_TABLE_HPP_
#define TOWER_KERNEL_LOCK_TABLE_HPP_

#include <algorithm>
#include <array>
#include <functional>
#include <shared_mutex>
#include <span>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

namespace tower {

class LockTable {
 public:
  static constexpr size_t kStripes = 2048;

  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& o) noexcept
        : table_(o.table_), shared_(o.shared_), stripes_(std::move(o.stripes_)) {
      o.table_ = nullptr;
    }
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (table_ == nullptr) return;
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
        if (shared_) {
          table_->locks_[*it].unlock_shared();
        } else {
          table_->locks_[*it].unlock();
        }
      }
    }

   private:
    friend class LockTable;
    LockTable* table_ = nullptr;
    bool shared_ = false;
    boost::container::small_vector<uint16_t, 8> stripes_;  // sorted, unique
  };

  // Locks every key's stripe (shared or exclusive) until the Guard dies.
  Guard Lock(std::span<const std::string_view> keys, bool shared) {
    Guard g;
    LockInto(&g, keys, shared);
    return g;
  }
  // The same into an empty guard held by the caller (no move).
  void LockInto(Guard* g, std::span<const std::string_view> keys, bool shared) {
    g->table_ = this;
    g->shared_ = shared;
    g->stripes_.reserve(keys.size());
    for (std::string_view k : keys)
      g->stripes_.push_back(static_cast<uint16_t>(std::hash<std::string_view>{}(k) % kStripes));
    std::sort(g->stripes_.begin(), g->stripes_.end());
    g->stripes_.erase(std::unique(g->stripes_.begin(), g->stripes_.end()), g->stripes_.end());
    for (uint16_t s : g->stripes_) {
      if (shared) {
        locks_[s].lock_shared();
      } else {
        locks_[s].lock();
      }
    }
  }

 private:
  std::array<std::shared_mutex, kStripes> locks_;
};

}  // namespace tower

#endif  // TOWER_KERNEL_LOCK_TABLE_HPP_
