// Configuration of one nats-server process for the Tower `nats` mesh plugin.
//
// NodeConfig describes a server; Validate() checks it, ResolvePorts() turns
// every "0 = pick a free port" into a real port, and RenderConfig() writes the
// nats-server configuration text. RenderConfig() applies the rules checked on
// nats-server 2.9.10 (see /work/shared/design/nats-notes.md):
//
//  * Gateways or leaf nodes in play (kind kGateway or kLeaf, or a node that
//    accepts leaf nodes) => an `accounts` block with the account kAccountName
//    (`jetstream: enabled`) and the system account kSystemAccountName,
//    `system_account`, and `no_auth_user` so local clients need no password
//    (unless client auth is configured).
//  * A gateway node with no routes gets a route to itself.
//  * The gateway name is the cluster name.
//  * A leaf running JetStream gets its own JetStream domain
//    (default "<server_name>" + kDefaultLeafDomainSuffix) and a node accepting
//    leaf nodes with JetStream gets kDefaultHubDomain.
#ifndef TOWER_MESH_NATS_NODE_CONFIG_HPP_
#define TOWER_MESH_NATS_NODE_CONFIG_HPP_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/plugin.hpp"

namespace tower::mesh::nats {

/// The account that Tower clients use when accounts are rendered.
inline constexpr std::string_view kAccountName = "TOWER";
/// The system account rendered when accounts are rendered.
inline constexpr std::string_view kSystemAccountName = "SYS";
/// The passwordless local user of kAccountName (target of `no_auth_user`).
inline constexpr std::string_view kLocalUser = "tower-local";
/// The user of the system account.
inline constexpr std::string_view kSystemUser = "tower-sys";
/// JetStream domain of a node that accepts leaf nodes, when none is given.
inline constexpr std::string_view kDefaultHubDomain = "hub";
/// Suffix appended to server_name for the JetStream domain of a leaf.
inline constexpr std::string_view kDefaultLeafDomainSuffix = "-leaf";
/// Largest TCP port.
inline constexpr int kMaxPort = 65535;

/// A remote gateway (another cluster of the super-cluster).
struct GatewayRemote {
  /// The remote cluster's (= gateway's) name.
  std::string name;
  /// Its gateway URLs, e.g. "nats://127.0.0.1:7222". Credentials from
  /// NodeConfig::gateway_user/gateway_password are added when absent.
  std::vector<std::string> urls;
};

/// A hub this leaf node connects to.
struct LeafRemote {
  /// The hub's leaf-node URLs ("nats://host:port" or "tls://host:port").
  std::vector<std::string> urls;
  /// Credentials for the hub (added to each URL that has none); empty = none.
  std::string user;
  /// Password for `user`.
  std::string password;
  /// The local account bound to this remote; empty = kAccountName.
  std::string account;
};

/// One nats-server. Ports are ints; 0 means "pick a free ephemeral port"
/// (ResolvePorts) wherever the listener is wanted.
struct NodeConfig {
  /// The role of the server.
  enum class Kind {
    kCluster,  ///< A plain server, clustered when cluster_name or routes are set.
    kGateway,  ///< A cluster member that also runs a gateway to other clusters.
    kLeaf,     ///< A leaf node connecting to hubs through leaf_remotes.
  };

  /// The role of the server.
  Kind kind = Kind::kCluster;
  /// server_name; required for JetStream clusters. [A-Za-z0-9_-]+.
  std::string server_name;

  /// Client listener host.
  std::string host = "127.0.0.1";
  /// Client listener port (0 = pick a free one).
  int port = 0;
  /// Client credentials; empty user = no client authentication.
  std::string client_user;
  /// Password of client_user.
  std::string client_password;
  /// Largest message payload in bytes (0 = server default, 1 MiB).
  int64_t max_payload = 0;

  /// Monitoring listener host (always enabled; used for readiness).
  std::string http_host = "127.0.0.1";
  /// Monitoring port (0 = pick a free one).
  int http_port = 0;

  /// Enables JetStream (needs store_dir).
  bool jetstream = false;
  /// JetStream storage directory (the server appends "/jetstream"); required
  /// when `jetstream` is set.
  std::string store_dir;
  /// JetStream memory limit in bytes (0 = server default).
  int64_t js_max_memory = 0;
  /// JetStream file storage limit in bytes (0 = server default).
  int64_t js_max_store = 0;
  /// JetStream fsync interval (0 = server default, 2 min).
  std::chrono::milliseconds sync_interval{0};
  /// JetStream domain; empty = automatic (see the file comment).
  std::string js_domain;

  /// Cluster name; required for kGateway unless gateway_name is set (then
  /// the gateway name is used). [A-Za-z0-9_-]+.
  std::string cluster_name;
  /// Cluster (route) listener host.
  std::string cluster_host = "127.0.0.1";
  /// Cluster listener port (0 = pick a free one when a cluster block is rendered).
  int cluster_port = 0;
  /// Route URLs to other members, "nats://host:port". Credentials from
  /// cluster_user/cluster_password are added when absent.
  std::vector<std::string> routes;
  /// Route credentials; empty = no route authentication.
  std::string cluster_user;
  /// Password of cluster_user.
  std::string cluster_password;

  /// This node's gateway name; must equal the cluster name (empty = the cluster name).
  std::string gateway_name;
  /// Gateway listener host.
  std::string gateway_host = "127.0.0.1";
  /// Gateway listener port (0 = pick a free one for kGateway).
  int gateway_port = 0;
  /// Gateway credentials (shared by all gateways); empty = none.
  std::string gateway_user;
  /// Password of gateway_user.
  std::string gateway_password;
  /// The other clusters' gateways.
  std::vector<GatewayRemote> gateway_remotes;

  /// Accept leaf node connections (a hub).
  bool accept_leafnodes = false;
  /// Leaf-node listener host.
  std::string leaf_host = "127.0.0.1";
  /// Leaf-node listener port (0 = pick a free one when accept_leafnodes).
  int leaf_port = 0;
  /// Credentials that leaf nodes must present; empty = none. They bind to kAccountName.
  std::string leaf_user;
  /// Password of leaf_user.
  std::string leaf_password;
  /// Hubs this leaf connects to (kLeaf only, at least one).
  std::vector<LeafRemote> leaf_remotes;

  /// Password of kSystemUser; empty = the system account gets no user.
  /// The Supervisor fills a random one when empty.
  std::string system_password;

  /// Server log file; empty = stderr (captured by the Supervisor).
  std::string log_file;

  /// True when a `cluster` block is rendered (kGateway, or a cluster name or routes).
  bool HasCluster() const;
  /// True when the accounts/system_account rules apply.
  bool UsesAccounts() const;
  /// The effective cluster name (cluster_name, else gateway_name).
  std::string EffectiveClusterName() const;
  /// The effective JetStream domain ("" = none).
  std::string EffectiveDomain() const;
};

/// Checks `config`; an INVALID_ARGUMENT error names the offending option.
tower::sdk::Error Validate(const NodeConfig& config);

/// The nats-server configuration text for `config`. Call ResolvePorts() and
/// Validate() first: a port left at 0 is rendered as 0 (the server picks one
/// and nobody learns it), and strings are quoted but invalid names are not
/// repaired.
std::string RenderConfig(const NodeConfig& config);

/// Returns a free TCP port on 127.0.0.1 (bind to port 0, read it, close), or
/// 0 with *error set. Never returns the same port twice within a process
/// (as long as the kernel offers others).
int PickFreePort(tower::sdk::Error* error);

/// Replaces every wanted port that is 0 (client, http, cluster, gateway,
/// leaf) by a free one.
tower::sdk::Error ResolvePorts(NodeConfig& config);

/// Quotes `s` as a nats-server configuration string ("..." with escapes).
std::string QuoteConfigString(std::string_view s);

}  // namespace tower::mesh::nats

#endif  // TOWER_MESH_NATS_NODE_CONFIG_HPP_
