#include "node_config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <set>
#include <sstream>

namespace tower::mesh::nats {
namespace {

using tower::sdk::Error;

constexpr int64_t kMaxPayloadLimit = 64LL * 1024 * 1024;  // nats-server max_pending default.
constexpr size_t kMaxNameLength = 64;

Error Invalid(std::string message) {
  return Error::Make(TOWER_E_INVALID_ARGUMENT, std::move(message));
}

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsHost(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '-' || s.front() == '.') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// "host:port", bracketing IPv6 literals.
std::string HostPort(std::string_view host, int port) {
  std::string h(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

// A host to dial for a listener bound to `host` (wildcards become loopback).
std::string DialHost(std::string_view host) {
  if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
  if (host == "::" || host == "[::]") return "::1";
  return std::string(host);
}

struct ParsedUrl {
  std::string scheme;
  std::string userinfo;
  std::string host;
  int port = 0;
};

// Parses scheme://[userinfo@]host[:port][/] strictly enough for nats-server.
bool ParseUrl(std::string_view url, ParsedUrl* out, std::string* why) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    *why = "missing scheme";
    return false;
  }
  out->scheme = std::string(url.substr(0, sep));
  std::string_view rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('?') != std::string_view::npos) {
    *why = "unexpected path";
    return false;
  }
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    out->userinfo = std::string(rest.substr(0, at));
    rest = rest.substr(at + 1);
  }
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      *why = "unterminated IPv6 literal";
      return false;
    }
    host = rest.substr(1, close - 1);
    std::string_view tail = rest.substr(close + 1);
    if (!tail.empty()) {
      if (tail.front() != ':') {
        *why = "garbage after IPv6 literal";
        return false;
      }
      port = tail.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
    }
  }
  if (!IsHost(host)) {
    *why = "bad host";
    return false;
  }
  out->host = std::string(host);
  out->port = 0;
  if (port.empty() && rest.find(':') != std::string_view::npos && rest.front() != '[') {
    *why = "empty port";
    return false;
  }
  for (char c : port) {
    if (c < '0' || c > '9' || out->port > kMaxPort) {
      *why = "bad port";
      return false;
    }
    out->port = out->port * 10 + (c - '0');
  }
  if (!port.empty() && (out->port < 1 || out->port > kMaxPort)) {
    *why = "port out of range";
    return false;
  }
  return true;
}

Error CheckUrl(std::string_view what, std::string_view url,
               std::initializer_list<std::string_view> schemes) {
  ParsedUrl parsed;
  std::string why;
  if (HasControl(url)) return Invalid(std::string(what) + ": URL has control characters");
  if (!ParseUrl(url, &parsed, &why)) {
    return Invalid(std::string(what) + ": malformed URL \"" + std::string(url) + "\" (" + why +
                   ")");
  }
  for (std::string_view s : schemes) {
    if (parsed.scheme == s) return Error::Ok();
  }
  std::string list;
  for (std::string_view s : schemes) list += (list.empty() ? "" : ", ") + std::string(s) + "://";
  return Invalid(std::string(what) + ": URL \"" + std::string(url) + "\" must use " + list);
}

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.' || c == '~';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Adds user:password@ to `url` unless it already carries credentials.
std::string WithCredentials(std::string_view url, std::string_view user,
                            std::string_view password) {
  size_t sep = url.find("://");
  if (user.empty() || sep == std::string_view::npos) return std::string(url);
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('@') != std::string_view::npos) return std::string(url);
  std::string creds = PercentEncode(user);
  if (!password.empty()) creds += ":" + PercentEncode(password);
  return std::string(url.substr(0, sep + 3)) + creds + "@" + std::string(rest);
}

Error CheckPort(std::string_view option, int port) {
  if (port < 0 || port > kMaxPort) {
    return Invalid(std::string(option) + ": port " + std::to_string(port) +
                   " is out of range 0..65535");
  }
  return Error::Ok();
}

Error CheckHost(std::string_view option, std::string_view host) {
  if (!IsHost(host)) {
    return Invalid(std::string(option) + ": bad host \"" + std::string(host) +
                   "\" (expected an IP address or host name)");
  }
  return Error::Ok();
}

Error CheckCredentials(std::string_view prefix, std::string_view user, std::string_view password) {
  if (user.empty() && !password.empty()) {
    return Invalid(std::string(prefix) + "_password is set but " + std::string(prefix) +
                   "_user is empty");
  }
  if (HasControl(user)) return Invalid(std::string(prefix) + "_user has control characters");
  if (HasControl(password)) {
    return Invalid(std::string(prefix) + "_password has control characters");
  }
  if (password.rfind("$2", 0) == 0) {
    return Invalid(std::string(prefix) +
                   "_password starts with \"$2\", which nats-server reads as a bcrypt hash");
  }
  return Error::Ok();
}

Error CheckName(std::string_view option, std::string_view name) {
  if (!IsName(name)) {
    return Invalid(std::string(option) + ": \"" + std::string(name) +
                   "\" must be 1..64 characters of [A-Za-z0-9_-]");
  }
  return Error::Ok();
}

#define TOWER_RETURN_IF_ERROR(expr) \
  do {                              \
    Error e_ = (expr);              \
    if (!e_.ok()) return e_;        \
  } while (0)

std::string Indent(int n) { return std::string(static_cast<size_t>(n) * 2, ' '); }

void RenderAuth(std::ostringstream& out, int indent, std::string_view user,
                std::string_view password, std::string_view account = {}) {
  if (user.empty()) return;
  out << Indent(indent) << "authorization {\n";
  out << Indent(indent + 1) << "user: " << QuoteConfigString(user) << "\n";
  out << Indent(indent + 1) << "password: " << QuoteConfigString(password) << "\n";
  if (!account.empty())
    out << Indent(indent + 1) << "account: " << QuoteConfigString(account) << "\n";
  out << Indent(indent) << "}\n";
}

void RenderUrlList(std::ostringstream& out, const std::vector<std::string>& urls) {
  out << "[";
  for (size_t i = 0; i < urls.size(); ++i) out << (i ? ", " : "") << QuoteConfigString(urls[i]);
  out << "]";
}

}  // namespace

bool NodeConfig::HasCluster() const {
  return kind == Kind::kGateway || !cluster_name.empty() || !routes.empty();
}

bool NodeConfig::UsesAccounts() const {
  return kind == Kind::kGateway || kind == Kind::kLeaf || accept_leafnodes;
}

std::string NodeConfig::EffectiveClusterName() const {
  return cluster_name.empty() ? gateway_name : cluster_name;
}

std::string NodeConfig::EffectiveDomain() const {
  if (!jetstream) return "";
  if (!js_domain.empty()) return js_domain;
  if (kind == Kind::kLeaf) return server_name + std::string(kDefaultLeafDomainSuffix);
  if (accept_leafnodes || kind == Kind::kGateway) return std::string(kDefaultHubDomain);
  return "";
}

std::string QuoteConfigString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += "\"";
  return out;
}

Error Validate(const NodeConfig& c) {
  using Kind = NodeConfig::Kind;
  TOWER_RETURN_IF_ERROR(CheckName("server_name", c.server_name));
  TOWER_RETURN_IF_ERROR(CheckHost("host", c.host));
  TOWER_RETURN_IF_ERROR(CheckPort("port", c.port));
  TOWER_RETURN_IF_ERROR(CheckHost("http_host", c.http_host));
  TOWER_RETURN_IF_ERROR(CheckPort("http_port", c.http_port));
  TOWER_RETURN_IF_ERROR(CheckCredentials("client", c.client_user, c.client_password));
  if (c.client_user == kLocalUser || c.client_user == kSystemUser) {
    return Invalid("client_user: \"" + c.client_user + "\" is reserved by Tower");
  }
  if (c.max_payload < 0 || c.max_payload > kMaxPayloadLimit) {
    return Invalid("max_payload: " + std::to_string(c.max_payload) + " is out of range 0..64 MiB");
  }
  if (HasControl(c.log_file)) return Invalid("log_file has control characters");
  if (HasControl(c.system_password)) return Invalid("system_password has control characters");

  // JetStream.
  if (c.jetstream && c.store_dir.empty()) {
    return Invalid("store_dir: required when jetstream is enabled");
  }
  if (HasControl(c.store_dir)) return Invalid("store_dir has control characters");
  if (c.js_max_memory < 0) return Invalid("js_max_memory: must not be negative");
  if (c.js_max_store < 0) return Invalid("js_max_store: must not be negative");
  if (c.sync_interval.count() < 0) return Invalid("sync_interval: must not be negative");
  if (c.sync_interval.count() != 0) {
    return Invalid(
        "sync_interval: not supported by nats-server 2.9 (\"unknown field\"); leave it 0");
  }
  if (!c.js_domain.empty()) TOWER_RETURN_IF_ERROR(CheckName("js_domain", c.js_domain));
  if (c.kind == Kind::kLeaf && c.jetstream && c.js_domain == kDefaultHubDomain) {
    return Invalid("js_domain: a leaf running JetStream needs a domain other than the hub's \"" +
                   std::string(kDefaultHubDomain) + "\"");
  }

  // Cluster.
  if (!c.cluster_name.empty()) TOWER_RETURN_IF_ERROR(CheckName("cluster_name", c.cluster_name));
  TOWER_RETURN_IF_ERROR(CheckHost("cluster_host", c.cluster_host));
  TOWER_RETURN_IF_ERROR(CheckPort("cluster_port", c.cluster_port));
  TOWER_RETURN_IF_ERROR(CheckCredentials("cluster", c.cluster_user, c.cluster_password));
  for (const std::string& r : c.routes) TOWER_RETURN_IF_ERROR(CheckUrl("routes", r, {"nats"}));

  // Gateway.
  if (c.kind == Kind::kGateway) {
    if (c.gateway_name.empty() && c.cluster_name.empty()) {
      return Invalid("gateway_name: required for a gateway node (or set cluster_name)");
    }
    if (!c.gateway_name.empty()) TOWER_RETURN_IF_ERROR(CheckName("gateway_name", c.gateway_name));
    if (!c.gateway_name.empty() && !c.cluster_name.empty() && c.gateway_name != c.cluster_name) {
      return Invalid("gateway_name: \"" + c.gateway_name + "\" must equal cluster_name \"" +
                     c.cluster_name + "\" (nats-server: cluster name conflicts)");
    }
    TOWER_RETURN_IF_ERROR(CheckHost("gateway_host", c.gateway_host));
    TOWER_RETURN_IF_ERROR(CheckPort("gateway_port", c.gateway_port));
    TOWER_RETURN_IF_ERROR(CheckCredentials("gateway", c.gateway_user, c.gateway_password));
    std::set<std::string> seen;
    for (const GatewayRemote& g : c.gateway_remotes) {
      TOWER_RETURN_IF_ERROR(CheckName("gateway_remotes.name", g.name));
      if (g.name == c.EffectiveClusterName()) {
        return Invalid("gateway_remotes: \"" + g.name + "\" is this node's own gateway name");
      }
      if (!seen.insert(g.name).second) {
        return Invalid("gateway_remotes: \"" + g.name + "\" is listed twice");
      }
      if (g.urls.empty()) return Invalid("gateway_remotes: \"" + g.name + "\" has no urls");
      for (const std::string& u : g.urls) {
        TOWER_RETURN_IF_ERROR(CheckUrl("gateway_remotes." + g.name, u, {"nats"}));
      }
    }
  } else {
    if (!c.gateway_name.empty() || !c.gateway_remotes.empty() || c.gateway_port != 0) {
      return Invalid("gateway_name/gateway_remotes/gateway_port: only for kind kGateway");
    }
  }

  if (c.HasCluster() && c.EffectiveClusterName().empty()) {
    return Invalid("cluster_name: required when routes are set");
  }

  // Leaf nodes.
  if (c.accept_leafnodes) {
    TOWER_RETURN_IF_ERROR(CheckHost("leaf_host", c.leaf_host));
    TOWER_RETURN_IF_ERROR(CheckPort("leaf_port", c.leaf_port));
    TOWER_RETURN_IF_ERROR(CheckCredentials("leaf", c.leaf_user, c.leaf_password));
  } else if (c.leaf_port != 0 || !c.leaf_user.empty()) {
    return Invalid("leaf_port/leaf_user: only when accept_leafnodes is set");
  }
  if (c.kind == Kind::kLeaf) {
    if (c.leaf_remotes.empty()) return Invalid("leaf_remotes: a leaf node needs at least one");
    for (const LeafRemote& r : c.leaf_remotes) {
      if (r.urls.empty()) return Invalid("leaf_remotes: a remote has no urls");
      for (const std::string& u : r.urls) {
        TOWER_RETURN_IF_ERROR(CheckUrl("leaf_remotes", u, {"nats", "tls", "ws", "wss"}));
      }
      TOWER_RETURN_IF_ERROR(CheckCredentials("leaf_remotes", r.user, r.password));
      if (!r.account.empty() && r.account != kAccountName && r.account != kSystemAccountName) {
        return Invalid("leaf_remotes.account: \"" + r.account + "\" is not a rendered account (" +
                       std::string(kAccountName) + " or " + std::string(kSystemAccountName) + ")");
      }
    }
  } else if (!c.leaf_remotes.empty()) {
    return Invalid("leaf_remotes: only for kind kLeaf");
  }

  // Distinct listener ports.
  std::vector<std::pair<std::string_view, int>> ports = {{"port", c.port},
                                                         {"http_port", c.http_port}};
  if (c.HasCluster()) ports.emplace_back("cluster_port", c.cluster_port);
  if (c.kind == Kind::kGateway) ports.emplace_back("gateway_port", c.gateway_port);
  if (c.accept_leafnodes) ports.emplace_back("leaf_port", c.leaf_port);
  for (size_t i = 0; i < ports.size(); ++i) {
    for (size_t j = i + 1; j < ports.size(); ++j) {
      if (ports[i].second != 0 && ports[i].second == ports[j].second) {
        return Invalid(std::string(ports[i].first) + " and " + std::string(ports[j].first) +
                       " both use port " + std::to_string(ports[i].second));
      }
    }
  }
  return Error::Ok();
}

std::string RenderConfig(const NodeConfig& c) {
  using Kind = NodeConfig::Kind;
  std::ostringstream out;
  out << "# nats-server configuration generated by Tower (mesh/nats); do not edit.\n";
  out << "server_name: " << QuoteConfigString(c.server_name) << "\n";
  out << "listen: " << QuoteConfigString(HostPort(c.host, c.port)) << "\n";
  out << "http: " << QuoteConfigString(HostPort(c.http_host, c.http_port)) << "\n";
  if (c.max_payload > 0) out << "max_payload: " << c.max_payload << "\n";
  if (!c.log_file.empty()) out << "log_file: " << QuoteConfigString(c.log_file) << "\n";

  const bool accounts = c.UsesAccounts();
  if (!accounts && !c.client_user.empty()) {
    out << "authorization {\n";
    out << "  user: " << QuoteConfigString(c.client_user) << "\n";
    out << "  password: " << QuoteConfigString(c.client_password) << "\n";
    out << "}\n";
  }

  if (c.jetstream) {
    out << "jetstream {\n";
    out << "  store_dir: " << QuoteConfigString(c.store_dir) << "\n";
    if (c.js_max_memory > 0) out << "  max_memory_store: " << c.js_max_memory << "\n";
    if (c.js_max_store > 0) out << "  max_file_store: " << c.js_max_store << "\n";
    if (c.sync_interval.count() > 0) {
      out << "  sync_interval: \"" << c.sync_interval.count() << "ms\"\n";
    }
    std::string domain = c.EffectiveDomain();
    if (!domain.empty()) out << "  domain: " << QuoteConfigString(domain) << "\n";
    out << "}\n";
  }

  if (accounts) {
    out << "accounts {\n";
    out << "  " << kAccountName << " {\n";
    if (c.jetstream) out << "    jetstream: enabled\n";
    out << "    users: [\n";
    if (c.client_user.empty()) {
      out << "      {user: " << QuoteConfigString(kLocalUser) << ", password: \"\"}\n";
    } else {
      out << "      {user: " << QuoteConfigString(c.client_user)
          << ", password: " << QuoteConfigString(c.client_password) << "}\n";
    }
    out << "    ]\n";
    out << "  }\n";
    out << "  " << kSystemAccountName << " {\n";
    if (!c.system_password.empty()) {
      out << "    users: [{user: " << QuoteConfigString(kSystemUser)
          << ", password: " << QuoteConfigString(c.system_password) << "}]\n";
    }
    out << "  }\n";
    out << "}\n";
    out << "system_account: " << kSystemAccountName << "\n";
    if (c.client_user.empty()) out << "no_auth_user: " << QuoteConfigString(kLocalUser) << "\n";
  }

  if (c.HasCluster()) {
    out << "cluster {\n";
    out << "  name: " << QuoteConfigString(c.EffectiveClusterName()) << "\n";
    out << "  listen: " << QuoteConfigString(HostPort(c.cluster_host, c.cluster_port)) << "\n";
    RenderAuth(out, 1, c.cluster_user, c.cluster_password);
    std::vector<std::string> routes;
    for (const std::string& r : c.routes) {
      routes.push_back(WithCredentials(r, c.cluster_user, c.cluster_password));
    }
    if (routes.empty() && c.kind == Kind::kGateway) {
      // A single-node cluster with gateways needs a route to itself.
      routes.push_back(
          WithCredentials("nats://" + HostPort(DialHost(c.cluster_host), c.cluster_port),
                          c.cluster_user, c.cluster_password));
    }
    if (!routes.empty()) {
      out << "  routes: ";
      RenderUrlList(out, routes);
      out << "\n";
    }
    out << "}\n";
  }

  if (c.kind == Kind::kGateway) {
    out << "gateway {\n";
    out << "  name: " << QuoteConfigString(c.EffectiveClusterName()) << "\n";
    out << "  listen: " << QuoteConfigString(HostPort(c.gateway_host, c.gateway_port)) << "\n";
    RenderAuth(out, 1, c.gateway_user, c.gateway_password);
    if (!c.gateway_remotes.empty()) {
      out << "  gateways: [\n";
      for (const GatewayRemote& g : c.gateway_remotes) {
        std::vector<std::string> urls;
        for (const std::string& u : g.urls) {
          urls.push_back(WithCredentials(u, c.gateway_user, c.gateway_password));
        }
        out << "    {name: " << QuoteConfigString(g.name) << ", urls: ";
        RenderUrlList(out, urls);
        out << "}\n";
      }
      out << "  ]\n";
    }
    out << "}\n";
  }

  if (c.accept_leafnodes || c.kind == Kind::kLeaf) {
    out << "leafnodes {\n";
    if (c.accept_leafnodes) {
      out << "  listen: " << QuoteConfigString(HostPort(c.leaf_host, c.leaf_port)) << "\n";
      RenderAuth(out, 1, c.leaf_user, c.leaf_password, kAccountName);
    }
    if (c.kind == Kind::kLeaf) {
      out << "  remotes: [\n";
      for (const LeafRemote& r : c.leaf_remotes) {
        std::vector<std::string> urls;
        for (const std::string& u : r.urls) urls.push_back(WithCredentials(u, r.user, r.password));
        out << "    {urls: ";
        RenderUrlList(out, urls);
        out << ", account: "
            << QuoteConfigString(r.account.empty() ? std::string(kAccountName) : r.account)
            << "}\n";
      }
      out << "  ]\n";
    }
    out << "}\n";
  }
  return out.str();
}

int PickFreePort(Error* error) {
  static std::mutex mu;
  static std::set<int> handed_out;
  for (int attempt = 0; attempt < 64; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      if (error)
        *error = Error::Make(TOWER_E_IO_ERROR,
                             std::string("PickFreePort: socket: ") + std::strerror(errno));
      return 0;
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      int err = errno;
      ::close(fd);
      if (error) {
        *error = Error::Make(TOWER_E_IO_ERROR,
                             std::string("PickFreePort: bind 127.0.0.1:0: ") + std::strerror(err));
      }
      return 0;
    }
    ::close(fd);
    int port = ntohs(addr.sin_port);
    std::lock_guard<std::mutex> lock(mu);
    if (handed_out.insert(port).second) {
      if (error) *error = Error::Ok();
      return port;
    }
  }
  if (error) {
    *error = Error::Make(TOWER_E_BUSY, "PickFreePort: no fresh ephemeral port on 127.0.0.1");
  }
  return 0;
}

Error ResolvePorts(NodeConfig& c) {
  auto resolve = [](int& port) {
    Error e;
    if (port == 0) port = PickFreePort(&e);
    return e;
  };
  TOWER_RETURN_IF_ERROR(resolve(c.port));
  TOWER_RETURN_IF_ERROR(resolve(c.http_port));
  if (c.HasCluster()) TOWER_RETURN_IF_ERROR(resolve(c.cluster_port));
  if (c.kind == NodeConfig::Kind::kGateway) TOWER_RETURN_IF_ERROR(resolve(c.gateway_port));
  if (c.accept_leafnodes) TOWER_RETURN_IF_ERROR(resolve(c.leaf_port));
  return Error::Ok();
}

}  // namespace tower::mesh::nats
