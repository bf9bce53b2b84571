// The nats plugin's connection and the helpers its operations share.
#include "conn.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>

namespace tower::mesh::nats {

namespace {

using Options = OptionMap;

Error Bad(const std::string& why) { return Error::Make(TOWER_E_INVALID_ARGUMENT, why); }

bool IsNameChar(char c, std::string_view extra) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         extra.find(c) != std::string_view::npos;
}

Error CheckChars(std::string_view value, std::string_view extra, std::string_view kind,
                 std::string_view allowed) {
  if (value.empty()) return Bad(std::string(kind) + " is empty");
  for (char c : value) {
    if (!IsNameChar(c, extra)) {
      return Bad(std::string(kind) + " '" + std::string(value) + "' has a character outside " +
                 std::string(allowed));
    }
  }
  return Error::Ok();
}

}  // namespace

namespace {

Error BadOption(std::string_view option, std::string_view text, std::string_view want) {
  return Error::Make(TOWER_E_INVALID_ARGUMENT, "mesh option '" + std::string(option) + "': '" +
                                                   std::string(text) + "' is not " +
                                                   std::string(want));
}

// Digits then a suffix; false when there are no digits or they overflow.
bool SplitNumber(std::string_view text, int64_t* n, std::string_view* suffix) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *n);
  if (ec != std::errc() || end == text.data() || *n < 0) return false;
  *suffix = text.substr(static_cast<size_t>(end - text.data()));
  return true;
}

bool MulFits(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }

}  // namespace

std::vector<std::string> SplitList(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(sep, start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    start = end + 1;
  }
  return out;
}

Error ParseMs(std::string_view option, std::string_view text, int64_t* ms) {
  int64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit))
    return BadOption(option, text, "a duration (500ms, 5s, 2m, 1h)");
  int64_t scale = unit.empty() || unit == "ms" ? 1
                  : unit == "s"                ? 1000
                  : unit == "m"                ? 60000
                  : unit == "h"                ? 3600000
                                               : 0;
  if (scale == 0 || !MulFits(n, scale, ms))
    return BadOption(option, text, "a duration (500ms, 5s, 2m, 1h)");
  return Error::Ok();
}

Error ParseBytes(std::string_view option, std::string_view text, int64_t* bytes) {
  int64_t n = 0;
  std::string_view unit;
  if (!SplitNumber(text, &n, &unit))
    return BadOption(option, text, "a size (1048576, 64K, 512M, 2G)");
  if (unit.ends_with("iB")) {
    unit.remove_suffix(2);
  } else if (unit.ends_with("B")) {
    unit.remove_suffix(1);
  }
  int64_t scale = unit.empty()  ? 1
                  : unit == "K" ? int64_t{1} << 10
                  : unit == "M" ? int64_t{1} << 20
                  : unit == "G" ? int64_t{1} << 30
                  : unit == "T" ? int64_t{1} << 40
                                : 0;
  if (scale == 0 || !MulFits(n, scale, bytes))
    return BadOption(option, text, "a size (1048576, 64K, 512M, 2G)");
  return Error::Ok();
}

Error ParseBool(std::string_view option, std::string_view text, bool* out) {
  if (text == "true") {
    *out = true;
  } else if (text == "false") {
    *out = false;
  } else {
    return BadOption(option, text, "true or false");
  }
  return Error::Ok();
}

Error ParseHostPort(std::string_view option, std::string_view text, std::string* host, int* port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return BadOption(option, text, "host:port");
  std::string_view h = text.substr(0, colon), p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int n = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), n);
  if (ec != std::errc() || end != p.data() + p.size() || n < 0 || n > 65535)
    return BadOption(option, text, "host:port with a port in 0..65535");
  *host = h.empty() ? std::string("127.0.0.1") : std::string(h);
  *port = n;
  return Error::Ok();
}

int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

Conn::~Conn() {
  {
    std::lock_guard lock(state_mu_);
    state_.clear();  // cached subscriptions and stores go before the connection
  }
  if (js != nullptr) jsCtx_Destroy(js);
  if (nc != nullptr) {
    natsConnection_FlushTimeout(nc, 1000);
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
  }
}

std::string Conn::ApiPrefix() const {
  return domain.empty() ? std::string("$JS.API") : "$JS." + domain + ".API";
}

Error Conn::Open(const Options& options, std::unique_ptr<Conn>* out) {
  static constexpr std::string_view kKnown[] = {
      "servers", "user",   "password",       "token",          "name",
      "timeout", "domain", "max_reconnects", "reconnect_wait", "send_asap"};
  for (const auto& [name, value] : options) {
    bool known = false;
    for (auto k : kKnown) known = known || k == name;
    if (!known) {
      return Bad("unknown mesh client option '" + name +
                 "' (known: servers, user, password, token, name, timeout, domain, "
                 "max_reconnects, reconnect_wait, send_asap)");
    }
  }
  auto get = [&](std::string_view name) -> std::string {
    auto it = options.find(name);
    return it == options.end() ? std::string() : it->second;
  };
  std::vector<std::string> servers = SplitList(get("servers"));
  if (servers.empty()) servers.push_back("nats://127.0.0.1:4222");
  for (const auto& s : servers) {
    if (s.rfind("nats://", 0) != 0 && s.rfind("tls://", 0) != 0) {
      return Bad("mesh option 'servers': '" + s + "' is not a nats:// or tls:// URL");
    }
    if (s.find(':', s.find("//") + 2) == std::string::npos) {
      return Bad("mesh option 'servers': '" + s + "' has no port");
    }
  }
  auto conn = std::make_unique<Conn>();
  int64_t connect_ms = 2000, reconnect_wait_ms = 250, max_reconnects = 60;
  if (auto t = get("timeout"); !t.empty()) {
    if (Error e = ParseMs("timeout", t, &conn->timeout_ms); !e.ok()) return e;
    connect_ms = conn->timeout_ms;
  }
  if (auto t = get("reconnect_wait"); !t.empty()) {
    if (Error e = ParseMs("reconnect_wait", t, &reconnect_wait_ms); !e.ok()) return e;
  }
  if (auto t = get("max_reconnects"); !t.empty()) {
    char* end = nullptr;
    max_reconnects = std::strtoll(t.c_str(), &end, 10);
    if (end == t.c_str() || *end != '\0' || max_reconnects < -1) {
      return Bad("mesh option 'max_reconnects': '" + t + "' is not a count (-1 = forever)");
    }
  }
  std::string user = get("user"), password = get("password"), token = get("token");
  if (!user.empty() && !token.empty())
    return Bad("mesh options 'user' and 'token' exclude each other");
  conn->domain = get("domain");
  if (!conn->domain.empty()) {
    if (Error e = CheckChars(conn->domain, "-_", "JetStream domain", "[A-Za-z0-9_-]"); !e.ok())
      return e;
  }

  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  std::vector<const char*> urls;
  for (const auto& u : servers) urls.push_back(u.c_str());
  if (s == NATS_OK) s = natsOptions_SetServers(opts, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, connect_ms);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, static_cast<int>(max_reconnects));
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, reconnect_wait_ms);
  if (s == NATS_OK && !user.empty())
    s = natsOptions_SetUserInfo(opts, user.c_str(), password.c_str());
  if (s == NATS_OK && !token.empty()) s = natsOptions_SetToken(opts, token.c_str());
  if (s == NATS_OK && !get("name").empty()) s = natsOptions_SetName(opts, get("name").c_str());
  if (s == NATS_OK && get("send_asap") == "true") s = natsOptions_SetSendAsap(opts, true);
  if (s == NATS_OK) s = natsConnection_Connect(&conn->nc, opts);
  natsOptions_Destroy(opts);
  std::string joined;
  for (const auto& u : servers) joined += (joined.empty() ? "" : ",") + u;
  if (s != NATS_OK) return FromNats(s, "connect to " + joined);

  jsOptions jo;
  jsOptions_Init(&jo);
  if (!conn->domain.empty()) jo.Domain = conn->domain.c_str();
  jo.Wait = conn->timeout_ms;
  jo.PublishAsync.StallWait = 2000;  // the 200 ms default times out under load
  jo.PublishAsync.ErrHandler = [](jsCtx*, jsPubAckErr* pae, void* closure) {
    auto* c = static_cast<Conn*>(closure);
    std::lock_guard lock(c->async_mu);
    if (c->async_failed++ == 0) {
      c->async_first_error = std::string(natsStatus_GetText(pae->Err)) +
                             (pae->ErrText ? std::string(": ") + pae->ErrText : std::string());
    }
  };
  jo.PublishAsync.ErrHandlerClosure = conn.get();
  s = natsConnection_JetStream(&conn->js, conn->nc, &jo);
  if (s != NATS_OK) return FromNats(s, "JetStream context on " + joined);
  *out = std::move(conn);
  return Error::Ok();
}

Error FromNats(natsStatus s, std::string_view what) {
  int32_t code = TOWER_E_IO_ERROR;
  switch (s) {
    case NATS_OK: return Error::Ok();
    case NATS_TIMEOUT: code = TOWER_E_TIMEOUT; break;
    case NATS_NOT_FOUND:
    case NATS_NO_RESPONDERS: code = TOWER_E_NOT_FOUND; break;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_QUEUE_NAME:
    case NATS_MAX_PAYLOAD: code = TOWER_E_INVALID_ARGUMENT; break;
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED: code = TOWER_E_AUTH_FAILED; break;
    case NATS_SLOW_CONSUMER:
    case NATS_MAX_DELIVERED_MSGS: code = TOWER_E_BUSY; break;
    case NATS_NO_MEMORY: code = TOWER_E_INTERNAL; break;
    default: break;
  }
  std::string msg = std::string(what) + ": " + natsStatus_GetText(s);
  natsStatus last = NATS_OK;
  const char* detail = nats_GetLastError(&last);
  if (detail != nullptr && *detail != '\0' && last == s &&
      std::strcmp(detail, natsStatus_GetText(s)) != 0) {
    msg += std::string(" (") + detail + ")";
  }
  return Error::Make(code, std::move(msg));
}

Error FromJs(natsStatus s, jsErrCode jerr, std::string_view what) {
  if (s == NATS_OK) return Error::Ok();
  Error e = FromNats(s, what);
  switch (static_cast<int>(jerr)) {
    case JSStreamNotFoundErr:
    case JSConsumerNotFoundErr:
    case JSNoMessageFoundErr: e.code = TOWER_E_NOT_FOUND; break;
    case JSStreamNameExistErr:
    case JSConsumerNameExistErr: e.code = TOWER_E_ALREADY_EXISTS; break;
    case JSStreamWrongLastSequenceErr: e.code = TOWER_E_ABORTED; break;
    case JSClusterNoPeersErr:
    case JSClusterNotAvailErr:
    case JSInsufficientResourcesErr: e.code = TOWER_E_BUSY; break;
    case JSStreamMessageExceedsMaximumErr: e.code = TOWER_E_INVALID_ARGUMENT; break;
    case JSNotEnabledForAccountErr:
    case JSNotEnabledErr: e.code = TOWER_E_NOT_SUPPORTED; break;
    default: break;
  }
  if (jerr != 0) e.message += " [JetStream error " + std::to_string(jerr) + "]";
  return e;
}

Error CheckSubject(std::string_view subject, bool wildcards, std::string_view what) {
  auto bad = [&](const char* why) {
    return Bad(std::string(what) + " '" + std::string(subject) +
               "' is not a valid subject: " + why);
  };
  if (subject.empty()) return Bad(std::string(what) + " is empty");
  size_t start = 0;
  while (true) {
    size_t end = subject.find('.', start);
    std::string_view token =
        subject.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (token.empty()) return bad("empty token");
    for (char c : token) {
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0')
        return bad("white space or NUL");
    }
    bool star = token == "*", gt = token == ">";
    if ((star || gt) && !wildcards) return bad("wildcards are not allowed here");
    if (gt && end != std::string_view::npos) return bad("'>' must be the last token");
    if (!star && !gt && token.find_first_of("*>") != std::string_view::npos)
      return bad("a wildcard must be a whole token");
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return Error::Ok();
}

Error CheckStreamName(std::string_view name, std::string_view what) {
  if (name.size() > 255) return Bad(std::string(what) + " is longer than 255 bytes");
  if (name.empty()) return Bad(std::string(what) + " is empty");
  for (char c : name) {
    if (c == '.' || c == '*' || c == '>' || c == ' ' || c == '/' || c == '\\' || c < 0x21 ||
        c == 0x7f) {
      return Bad(std::string(what) + " '" + std::string(name) +
                 "' may not contain '.', '*', '>', '/', '\\', spaces or control characters");
    }
  }
  return Error::Ok();
}

Error CheckKvBucket(std::string_view bucket) {
  return CheckChars(bucket, "-_", "KV bucket name", "[A-Za-z0-9_-]");
}

Error CheckKvKey(std::string_view key, bool wildcards) {
  std::string_view extra = wildcards ? "-/_=.*>" : "-/_=.";
  if (Error e =
          CheckChars(key, extra, "KV key", wildcards ? "[-/_=.a-zA-Z0-9*>]" : "[-/_=.a-zA-Z0-9]");
      !e.ok()) {
    return e;
  }
  if (key.front() == '.' || key.back() == '.')
    return Bad("KV key '" + std::string(key) + "' may not start or end with '.'");
  if (key.find("..") != std::string_view::npos)
    return Bad("KV key '" + std::string(key) + "' has an empty token ('..')");
  if (wildcards) return CheckSubject(key, true, "KV key filter");
  return Error::Ok();
}

Error CheckObjBucket(std::string_view bucket) {
  return CheckChars(bucket, "-_", "object store bucket name", "[A-Za-z0-9_-]");
}

Error ForEachHeader(
    std::string_view text, std::string_view op,
    const std::function<Error(const std::string& name, std::string_view value)>& fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    start = end + 1;
    if (line.empty()) continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Bad(std::string(op) + ": header line '" + std::string(line) +
                 "' is not 'Name: value'");
    }
    std::string name(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    for (char c : name) {
      if (c <= ' ' || c == 0x7f)
        return Bad(std::string(op) + ": header name '" + name + "' is invalid");
    }
    if (Error e = fn(name, value); !e.ok()) return e;
  }
  return Error::Ok();
}

Error SetHeaders(natsMsg* msg, std::string_view text, std::string_view op) {
  return ForEachHeader(text, op, [&](const std::string& name, std::string_view value) {
    natsStatus s = natsMsgHeader_Add(msg, name.c_str(), std::string(value).c_str());
    if (s != NATS_OK) return FromNats(s, std::string(op) + ": header " + name);
    return Error::Ok();
  });
}

Error SubjectDataHeaders(const MeshArgs& a, std::string_view* subject, std::string_view* data,
                         std::string_view* headers) {
  if (Error e = a.count(2, 3, "SUBJECT DATA [HEADERS]"); !e.ok()) return e;
  if (Error e = a.text(0, "SUBJECT", subject); !e.ok()) return e;
  if (Error e = a.text(1, "DATA", data); !e.ok()) return e;
  if (a.has(2)) {
    if (Error e = a.text(2, "HEADERS", headers); !e.ok()) return e;
  }
  return Error::Ok();
}

Error OptionPairs::Parse(const MeshArgs& a, size_t first, std::span<const std::string_view> known) {
  std::string list;
  for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  for (size_t i = first; i < a.size(); i += 2) {
    std::string_view name;
    if (Error e = a.text(i, "option name", &name); !e.ok()) return e;
    std::string quoted = "'" + std::string(name) + "'";
    if (std::find(known.begin(), known.end(), name) == known.end())
      return a.invalid("unknown option " + quoted + " (known: " + list + ")");
    if (i + 1 >= a.size()) {
      return a.invalid("option " + quoted +
                       " has no value (options are NAME VALUE pairs; known: " + list + ")");
    }
    if (Find(name) != 0) return a.invalid("option " + quoted + " is given twice");
    pairs_.push_back({std::string(name), i + 1});
  }
  return Error::Ok();
}

size_t OptionPairs::Find(std::string_view name) const {
  for (const auto& p : pairs_)
    if (p.name == name) return p.index;
  return 0;
}

Error TakeAsyncFailures(Conn& conn, std::string_view op, int32_t code) {
  uint64_t failed = 0;
  std::string first;
  {
    std::lock_guard lock(conn.async_mu);
    failed = conn.async_failed;
    first = std::move(conn.async_first_error);
    conn.async_failed = 0;
    conn.async_first_error.clear();
  }
  if (failed == 0) return Error::Ok();
  return Error::Make(code, std::string(op) + ": " + std::to_string(failed) +
                               " asynchronous publish(es) failed; the first: " + first);
}

MsgView::MsgView(natsMsg* m) {
  v_.struct_size = sizeof(tower_mesh_msg);
  const char* subj = natsMsg_GetSubject(m);
  const char* reply = natsMsg_GetReply(m);
  v_.subject = sdk::slice(subj ? subj : "");
  v_.reply = sdk::slice(reply ? reply : "");
  v_.data = {natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m))};
  const char** keys = nullptr;
  int nkeys = 0;
  if (natsMsgHeader_Keys(m, &keys, &nkeys) == NATS_OK) {
    for (int i = 0; i < nkeys; ++i) {
      const char** values = nullptr;
      int nvalues = 0;
      if (natsMsgHeader_Values(m, keys[i], &values, &nvalues) != NATS_OK) continue;
      for (int j = 0; j < nvalues; ++j)
        headers_.push_back({sdk::slice(keys[i]), sdk::slice(values[j])});
      free(static_cast<void*>(values));
    }
    free(static_cast<void*>(keys));
  }
  v_.headers = headers_.data();
  v_.header_count = headers_.size();
  // JetStream metadata, from the reply subject of a JetStream delivery.
  if (reply != nullptr && std::strncmp(reply, "$JS.ACK.", 8) == 0) {
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
      v_.flags |= TOWER_MESH_MSG_JETSTREAM;
      v_.sequence = meta->Sequence.Stream;
      v_.consumer_sequence = meta->Sequence.Consumer;
      v_.delivered = meta->NumDelivered;
      v_.pending = meta->NumPending;
      v_.timestamp_ns = meta->Timestamp;
      stream_ = meta->Stream ? meta->Stream : "";
      jsMsgMetaData_Destroy(meta);
    }
  } else {
    uint64_t seq = natsMsg_GetSequence(m);
    int64_t ts = natsMsg_GetTime(m);
    if (seq != 0) {
      v_.sequence = seq;
      v_.timestamp_ns = ts;
    }
  }
  v_.stream = sdk::slice(stream_);
}

}  // namespace tower::mesh::nats
