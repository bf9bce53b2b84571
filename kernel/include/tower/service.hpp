// Serving a database over the mesh (what towerd runs), and the client side
// (what `tower --server` and remote applications use). The subjects and the
// payload encoding are in tower/wire.hpp and docs/towerd.md.
//
//   auto svc = tower::Service::Start(*db, *client, {.database = "main"});
//   ...
//   tower::RemoteDb remote(*client, "main");
//   auto v = remote.call("int.add", {tower::Value("n"), tower::Value(int64_t{5})});
//
// Every registered command is served, including those of plugins this code
// has never heard of; errors come back with the same Status code and
// message as in process.
#ifndef TOWER_SERVICE_HPP_
#define TOWER_SERVICE_HPP_

#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tower/db.hpp"
#include "tower/mesh.hpp"

namespace tower {

struct ServiceOptions {
  // The database name in the subjects ([a-z0-9_-]+).
  std::string database = "default";
  // Queue subscriptions taking commands; each has its own delivery thread,
  // so this is how many commands run at once.
  int workers = 4;
  // An export or import whose client sends nothing for this long is
  // abandoned (what it imported stays).
  std::chrono::milliseconds transfer_idle = std::chrono::seconds(60);
};

struct ServiceStats {
  uint64_t requests = 0;  // commands answered
  uint64_t errors = 0;    // of which failed (any Status but OK)
  uint64_t in_flight = 0;
  int64_t uptime_ms = 0;
};

class Service {
 public:
  // Subscribes to the database's subjects on `client` (which must outlive
  // the service) and serves `db` (likewise).
  static Result<std::unique_ptr<Service>> Start(Db& db, const mesh::Client& client,
                                                ServiceOptions options);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Stops taking requests and returns once those in flight are answered.
  // Idempotent.
  void Stop();

  ServiceStats stats() const;
  // One line a person can read: "tower main ok: backend rocksdb, up 12s,
  // 1042 requests, 3 errors, 0 in flight".
  std::string HealthLine() const;
  // The statistics as a JSON object.
  std::string StatsJson() const;
  // The reply to tower.<database>.commands (tower/wire.hpp).
  std::string CommandsReply() const;

 private:
  Service(Db& db, const mesh::Client& client, ServiceOptions options);
  void HandleCommand(const mesh::Message& m);
  // Exports and imports (service_transfer.cc): one thread each, fed or
  // drained through a pipe by the requests on the transfer subjects.
  struct Transfers;
  Status StartTransfers();
  void StopTransfers();
  void OpenTransfer(const mesh::Message& m, bool is_export);
  void HandleTransfer(const mesh::Message& m);
  Db& db_;
  const mesh::Client& client_;
  ServiceOptions options_;
  std::string prefix_;  // "tower.<db>.cmd."
  std::chrono::steady_clock::time_point started_;
  std::atomic<uint64_t> requests_{0}, errors_{0}, in_flight_{0};
  std::vector<std::unique_ptr<mesh::Subscription>> subs_;
  std::unique_ptr<Transfers> transfers_;
};

// A database served by a towerd, reached over the mesh.
class RemoteDb {
 public:
  RemoteDb(const mesh::Client& client, std::string database,
           std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : client_(client), database_(std::move(database)), timeout_(timeout) {}

  // Runs command `name` remotely. A service that does not answer in time
  // is Timeout; no service at all is NotFound ("no towerd serves ...").
  Result<Value> call(std::string_view name, std::span<const Value> args) const;
  Result<Value> call(std::string_view name, std::initializer_list<Value> args) const {
    return call(name, std::span<const Value>(args.begin(), args.size()));
  }
  Result<std::string> health() const;
  Result<std::string> stats() const;
  // The commands the service's database has (for usage and typing).
  Result<std::vector<CommandInfo>> commands() const;
  // Db::export_jsonl and Db::import_jsonl, run by the towerd and streamed
  // in chunks (progress: bytes so far; the total for import is
  // ImportOptions::total_bytes, for export unknown, 0).
  Result<Db::TransferStats> export_jsonl(std::ostream& out,
                                         const Db::ProgressFn& progress = {}) const;
  Result<Db::TransferStats> import_jsonl(std::istream& in, const Db::ImportOptions& options) const;
  const std::string& database() const { return database_; }

 private:
  Result<std::string> Ask(const std::string& subject, std::string_view payload,
                          std::string_view what) const;
  Result<std::string> Ask(const std::string& subject, std::string_view payload,
                          std::string_view what, std::chrono::milliseconds timeout) const;
  // Sends `args` to `subject` and decodes the reply.
  Result<Value> Exchange(const std::string& subject, std::span<const Value> args,
                         std::string_view what, std::chrono::milliseconds timeout) const;
  const mesh::Client& client_;
  std::string database_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tower

#endif  // TOWER_SERVICE_HPP_
