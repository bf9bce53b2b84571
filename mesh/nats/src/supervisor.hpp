// Supervisor of one nats-server child process.
//
//   NodeConfig config;  config.server_name = "n1"; ...
//   Supervisor sv(config, {.work_dir = "/var/lib/tower/nats"});
//   if (auto e = sv.Start(); !e.ok()) ...;   // validated, spawned, ready
//   ... sv.client_url() ...
//   sv.Stop();                                // SIGTERM, then SIGKILL
//
// Start() writes <work_dir>/<server_name>.conf (mode 0600), spawns
// `nats-server -c <conf>` in its own process group with stdout/stderr
// appended to <work_dir>/<server_name>.log, and returns once the server is
// ready: the monitoring endpoint answers `GET /healthz?js-enabled-only=true`
// with 200, the client port greets with an INFO naming this server_name (so a
// port held by someone else is never mistaken for ours), and, with
// wait_for_meta_leader, `/jsz` names a `meta_cluster.leader` and the full
// `GET /healthz` answers 200. Start() does not wait for gateway or leaf-node
// connections to remote servers. A monitor thread restarts the server if it
// dies (auto_restart), with the same configuration and ports.
//
// The child runs in its own process group (a terminal Ctrl-C reaches only
// the owner, whose Stop() ends the server). It is not tied to the owner's
// lifetime: if the owner is SIGKILLed, the server keeps running.
//
// Thread safety: all public methods may be called from any thread.
#ifndef TOWER_MESH_NATS_SUPERVISOR_HPP_
#define TOWER_MESH_NATS_SUPERVISOR_HPP_

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "node_config.hpp"
#include "tower/sdk/plugin.hpp"

namespace tower::mesh::nats {

/// Log levels passed to Supervisor::LogFn.
enum SupervisorLogLevel : int { kLogDebug = 0, kLogInfo = 1, kLogWarning = 2, kLogError = 3 };

/// How a Supervisor runs its server.
struct SupervisorOptions {
  /// nats-server binary; empty = search PATH for "nats-server", then
  /// kDefaultBinary.
  std::string binary;
  /// Directory for the generated configuration and the log; empty = a fresh
  /// temporary directory that the destructor removes.
  std::string work_dir;
  /// How long Start() (and each automatic restart) waits for readiness.
  std::chrono::milliseconds ready_timeout{10000};
  /// Also wait for a JetStream meta leader (JetStream clusters).
  bool wait_for_meta_leader = false;
  /// How long Stop() waits after SIGTERM before SIGKILL.
  std::chrono::milliseconds stop_timeout{5000};
  /// Restart the server when it dies unexpectedly.
  bool auto_restart = true;
  /// First delay before an automatic restart; doubled after each failed or
  /// short-lived (< 10 s) run, up to max_restart_backoff.
  std::chrono::milliseconds restart_backoff{100};
  /// Upper bound of the restart delay.
  std::chrono::milliseconds max_restart_backoff{5000};
};

/// Supervises one nats-server child process.
class Supervisor {
 public:
  /// The binary used when none is given and PATH has no "nats-server".
  static constexpr std::string_view kDefaultBinary = "/usr/sbin/nats-server";

  /// Receives the supervisor's own log lines (level, text).
  using LogFn = std::function<void(int level, std::string_view message)>;

  /// Keeps `config` and `options`; nothing runs until Start().
  explicit Supervisor(NodeConfig config, SupervisorOptions options = {});
  /// Calls Stop() and removes a temporary work dir.
  ~Supervisor();

  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Sets the log callback (call before Start(); default: none).
  void set_log(LogFn log);

  /// Validates the configuration and resolves its ports (first call only),
  /// writes the config file, spawns the server and waits until it is ready.
  /// After Kill() or a failed start it starts the server again with the same
  /// configuration and ports. OK when already running. On failure the child
  /// is killed and the error carries the tail of the log.
  tower::sdk::Error Start();

  /// SIGTERM, then SIGKILL after stop_timeout; joins the monitor thread.
  /// Idempotent.
  tower::sdk::Error Stop();

  /// For tests: SIGKILL the server and wait until it is reaped; no automatic
  /// restart until the next Start().
  void Kill();

  /// The resolved configuration (ports are filled after the first Start()).
  NodeConfig config() const;
  /// "nats://127.0.0.1:<port>" for clients (wildcard hosts become loopback).
  std::string client_url() const;
  /// The route URL of this node ("" without a cluster block).
  std::string cluster_url() const;
  /// The gateway URL of this node ("" unless kind kGateway).
  std::string gateway_url() const;
  /// The leaf-node URL of this node ("" unless it accepts leaf nodes).
  std::string leaf_url() const;
  /// The monitoring port (0 before the first Start()).
  int http_port() const;
  /// The child's pid, or -1 when none runs.
  pid_t pid() const;
  /// True while a child process exists (it may still be starting).
  bool running() const;
  /// Number of successful automatic restarts.
  int restart_count() const;
  /// The file receiving the server's stdout and stderr.
  std::string log_path() const;
  /// The generated configuration file.
  std::string config_path() const;
  /// The last `lines` lines of log_path() (and of NodeConfig::log_file if set).
  std::string LogTail(size_t lines) const;

 private:
  tower::sdk::Error Prepare();
  tower::sdk::Error SpawnLocked(pid_t* pid);
  tower::sdk::Error SpawnAndWait();
  tower::sdk::Error WaitReady(pid_t pid);
  bool StopRequested() const;
  void MonitorLoop();
  void Log(int level, const std::string& message) const;
  void JoinMonitor();

  NodeConfig config_;
  SupervisorOptions options_;
  LogFn log_;
  std::string binary_path_;
  std::string work_dir_;
  bool owns_work_dir_ = false;
  bool prepared_ = false;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  pid_t pid_ = -1;                  // Guarded by mu_; -1 once reaped.
  bool stopping_ = false;           // Guarded by mu_; Stop() or Kill() in progress.
  bool restart_suspended_ = false;  // Guarded by mu_; set by Kill().
  int last_status_ = 0;             // Guarded by mu_; wait status of the last exit.
  std::atomic<int> restart_count_{0};
  std::thread monitor_;
  std::mutex lifecycle_mu_;  // Serialises Start/Stop/Kill.
};

}  // namespace tower::mesh::nats

#endif  // TOWER_MESH_NATS_SUPERVISOR_HPP_
