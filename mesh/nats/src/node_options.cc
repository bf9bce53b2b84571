#include "node_options.hpp"

#include <functional>

namespace tower::mesh::nats {

using tower::sdk::Error;

namespace {

Error Bad(std::string_view option, std::string_view text, std::string_view want) {
  return Error::Make(TOWER_E_INVALID_ARGUMENT, "mesh option '" + std::string(option) + "': '" +
                                                   std::string(text) + "' is not " +
                                                   std::string(want));
}

}  // namespace

Error ParseNodeOptions(const OptionMap& options, NodeConfig* c, SupervisorOptions* so) {
  using Setter = std::function<Error(std::string_view name, const std::string& v)>;
  auto text = [](std::string* field) {
    return [field](std::string_view, const std::string& v) {
      *field = v;
      return Error::Ok();
    };
  };
  auto bytes = [](int64_t* field) {
    return [field](std::string_view n, const std::string& v) { return ParseBytes(n, v, field); };
  };
  auto ms = [](std::chrono::milliseconds* field) {
    return [field](std::string_view n, const std::string& v) {
      int64_t x = 0;
      Error e = ParseMs(n, v, &x);
      *field = std::chrono::milliseconds(x);
      return e;
    };
  };
  auto listen = [](std::string* host, int* port) {
    return [host, port](std::string_view n, const std::string& v) {
      return ParseHostPort(n, v, host, port);
    };
  };
  auto flag = [](bool* field) {
    return [field](std::string_view n, const std::string& v) { return ParseBool(n, v, field); };
  };
  bool explicit_wait = false, wait = false;
  LeafRemote leaf;
  const std::map<std::string_view, Setter> setters = {
      {"kind",
       [c](std::string_view n, const std::string& v) {
         if (v == "cluster") {
           c->kind = NodeConfig::Kind::kCluster;
         } else if (v == "gateway") {
           c->kind = NodeConfig::Kind::kGateway;
         } else if (v == "leaf") {
           c->kind = NodeConfig::Kind::kLeaf;
         } else {
           return Bad(n, v, "cluster, gateway or leaf");
         }
         return Error::Ok();
       }},
      {"server_name", text(&c->server_name)},
      {"listen", listen(&c->host, &c->port)},
      {"client_user", text(&c->client_user)},
      {"client_password", text(&c->client_password)},
      {"max_payload", bytes(&c->max_payload)},
      {"http_port",
       [c](std::string_view n, const std::string& v) {
         std::string host = c->http_host;
         return ParseHostPort(n, ":" + v, &host, &c->http_port);
       }},
      {"store_dir",
       [c](std::string_view, const std::string& v) {
         c->store_dir = v;
         c->jetstream = !v.empty();
         return Error::Ok();
       }},
      {"jetstream_max_memory", bytes(&c->js_max_memory)},
      {"jetstream_max_store", bytes(&c->js_max_store)},
      {"jetstream_sync_interval", ms(&c->sync_interval)},
      {"domain", text(&c->js_domain)},
      {"cluster_name", text(&c->cluster_name)},
      {"cluster_listen", listen(&c->cluster_host, &c->cluster_port)},
      {"routes",
       [c](std::string_view, const std::string& v) {
         c->routes = SplitList(v);
         return Error::Ok();
       }},
      {"cluster_user", text(&c->cluster_user)},
      {"cluster_password", text(&c->cluster_password)},
      {"gateway_name", text(&c->gateway_name)},
      {"gateway_listen", listen(&c->gateway_host, &c->gateway_port)},
      {"gateway_user", text(&c->gateway_user)},
      {"gateway_password", text(&c->gateway_password)},
      {"gateway_remotes",  // "B=nats://h:p|nats://h:q; C=nats://h:r"
       [c](std::string_view n, const std::string& v) {
         for (const auto& item : SplitList(v, ';')) {
           size_t eq = item.find('=');
           if (eq == std::string::npos || eq == 0)
             return Bad(n, item, "NAME=url|url (remotes separated by ';')");
           c->gateway_remotes.push_back({item.substr(0, eq), SplitList(item.substr(eq + 1), '|')});
         }
         return Error::Ok();
       }},
      {"leaf_listen",
       [c](std::string_view n, const std::string& v) {
         c->accept_leafnodes = true;
         return ParseHostPort(n, v, &c->leaf_host, &c->leaf_port);
       }},
      {"leaf_user", text(&c->leaf_user)},
      {"leaf_password", text(&c->leaf_password)},
      {"leaf_remotes",
       [&leaf](std::string_view, const std::string& v) {
         leaf.urls = SplitList(v);
         return Error::Ok();
       }},
      {"leaf_remote_user", text(&leaf.user)},
      {"leaf_remote_password", text(&leaf.password)},
      {"leaf_remote_account", text(&leaf.account)},
      {"log_file", text(&c->log_file)},
      {"binary", text(&so->binary)},
      {"work_dir", text(&so->work_dir)},
      {"ready_timeout", ms(&so->ready_timeout)},
      {"stop_timeout", ms(&so->stop_timeout)},
      {"auto_restart", flag(&so->auto_restart)},
      {"wait_for_meta_leader",
       [&](std::string_view n, const std::string& v) {
         explicit_wait = true;
         return ParseBool(n, v, &wait);
       }},
  };
  for (const auto& [name, value] : options) {
    auto it = setters.find(name);
    if (it == setters.end()) {
      std::string known;
      for (const auto& [k, unused] : setters) known += (known.empty() ? "" : ", ") + std::string(k);
      return Error::Make(TOWER_E_INVALID_ARGUMENT,
                         "unknown mesh node option '" + name + "' (known: " + known + ")");
    }
    if (Error e = it->second(name, value); !e.ok()) return e;
  }
  if (c->server_name.empty()) c->server_name = "tower";
  if (!leaf.urls.empty()) c->leaf_remotes.push_back(std::move(leaf));
  // A JetStream cluster is ready once it has a meta leader.
  so->wait_for_meta_leader = explicit_wait ? wait : c->jetstream && !c->routes.empty();
  return Validate(*c);
}

}  // namespace tower::mesh::nats
