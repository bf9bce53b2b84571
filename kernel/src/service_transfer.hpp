// Service's exports and imports in flight (service_transfer.cc).
#ifndef TOWER_KERNEL_SERVICE_TRANSFER_HPP_
#define TOWER_KERNEL_SERVICE_TRANSFER_HPP_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "byte_pipe.hpp"
#include "tower/service.hpp"

namespace tower {

// One export or import: its thread runs Db::export_jsonl / import_jsonl on
// a stream over `pipe`.
struct Transfer {
  explicit Transfer(bool exporting) : is_export(exporting), pipe(kPipeBytes) {}
  static constexpr size_t kPipeBytes = 1 << 20;
  const bool is_export;
  BytePipe pipe;
  std::thread worker;
  // Written by the worker before it ends.
  Status status;
  Db::TransferStats stats;
  std::atomic<bool> finished{false};
  std::atomic<int64_t> last_touch_ms{0};  // steady clock: the client's last request

  // Waits for the worker; safe from any thread, any number of times.
  void Join() {
    std::call_once(joined_, [this] { worker.join(); });
  }

 private:
  std::once_flag joined_;
};

struct Service::Transfers {
  std::string instance;  // random: this service's part of the subjects
  std::string prefix;    // wire::TransferPrefix(database, instance)
  std::atomic<uint64_t> next_id{1};
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Transfer>> open;  // by "<n>"
};

}  // namespace tower

#endif  // TOWER_KERNEL_SERVICE_TRANSFER_HPP_
