// JetStream operations: streams (stream.*), consumers (consumer.*),
// publishing with acknowledgement (js.publish, js.publish_async*), pull
// fetch, message acknowledgement (js.ack, js.nak, ...), push subscriptions
// (js.subscribe), direct reads (js.get_msg, js.get_last_msg) and account
// facts (js.account_info).
//
// Options are trailing NAME VALUE pairs. A value may be given typed (int,
// bool, duration, timestamp) or as text: integers in decimal, booleans as
// true/false, durations with a unit (ns, us, ms, s, m, h; e.g. "500ms"),
// timestamps as RFC 3339 UTC ("2026-01-02T03:04:05.5Z").
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "conn.hpp"

namespace tower::mesh::nats {

namespace {

// ---------------------------------------------------------------------------
// Small RAII holders for NATS.c objects.

struct OwnedMsg {
  natsMsg* m = nullptr;
  ~OwnedMsg() { natsMsg_Destroy(m); }
};
struct OwnedStreamInfo {
  jsStreamInfo* p = nullptr;
  ~OwnedStreamInfo() { jsStreamInfo_Destroy(p); }
};
struct OwnedConsumerInfo {
  jsConsumerInfo* p = nullptr;
  ~OwnedConsumerInfo() { jsConsumerInfo_Destroy(p); }
};

std::string Str(std::string_view s) { return std::string(s); }

// "<op> <what>" for error messages.
std::string What(const MeshArgs& a, std::string_view what) {
  return std::string(a.op()) + " " + std::string(what);
}

// A JetStream failure; expectation failures of a publish are ABORTED.
Error JsError(natsStatus s, jsErrCode jerr, const std::string& what) {
  Error e = FromJs(s, jerr, what);
  switch (static_cast<int>(jerr)) {
    case JSStreamWrongLastSequenceErr:
    case JSStreamWrongLastMsgIDErr:
    case JSStreamNotMatchErr:
    case JSStreamSequenceNotMatchErr: e.code = TOWER_E_ABORTED; break;
    case JSStreamInvalidConfig:
    case JSStreamReplicasNotSupportedErr: e.code = TOWER_E_INVALID_ARGUMENT; break;
    case JSStreamSubjectOverlapErr: e.code = TOWER_E_ALREADY_EXISTS; break;
    default: break;
  }
  // A plainer text than NATS.c's "Error ((jsm.c:1033): <server text>)".
  std::string text;
  switch (static_cast<int>(jerr)) {
    case JSStreamNotFoundErr: text = "stream not found"; break;
    case JSConsumerNotFoundErr: text = "consumer not found"; break;
    case JSNoMessageFoundErr: text = "no message found"; break;
    default: {
      size_t open = e.message.find("((");
      size_t colon = open == std::string::npos ? open : e.message.find("): ", open);
      size_t close = e.message.rfind(')');
      if (colon != std::string::npos && close != std::string::npos && close > colon + 3)
        text = e.message.substr(colon + 3, close - colon - 3);
      break;
    }
  }
  if (!text.empty()) {
    e.message =
        what + ": " + text + (jerr != 0 ? " [JetStream error " + std::to_string(jerr) + "]" : "");
  }
  return e;
}

// ---------------------------------------------------------------------------
// Argument values: typed, or text.

Error Mistyped(const MeshArgs& a, std::string_view name, const tower_value& v, const char* want) {
  return a.invalid("option '" + Str(name) + "' must be " + want + ", got " +
                   sdk::value_type_name(v.type));
}

bool ParseInt(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

Error ValInt(const MeshArgs& a, size_t i, std::string_view name, int64_t* out) {
  const tower_value& v = a.arg(i);
  if (v.type == TOWER_VALUE_INT) {
    *out = v.i;
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_STRING && ParseInt(sdk::view(v.bytes), out)) return Error::Ok();
  return Mistyped(a, name, v, "an int");
}

Error ValBool(const MeshArgs& a, size_t i, std::string_view name, bool* out) {
  const tower_value& v = a.arg(i);
  if (v.type == TOWER_VALUE_BOOL) {
    *out = v.i != 0;
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_STRING) {
    std::string_view t = sdk::view(v.bytes);
    if (t == "true" || t == "1") {
      *out = true;
      return Error::Ok();
    }
    if (t == "false" || t == "0") {
      *out = false;
      return Error::Ok();
    }
  }
  return Mistyped(a, name, v, "a bool (true/false)");
}

// A duration in ns: typed (duration, or int of ns) or text with a unit.
Error ValDuration(const MeshArgs& a, size_t i, std::string_view name, int64_t* ns) {
  const tower_value& v = a.arg(i);
  if (v.type == TOWER_VALUE_DURATION || v.type == TOWER_VALUE_INT) {
    *ns = v.i;
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_STRING) {
    std::string_view t = sdk::view(v.bytes);
    size_t digits = 0;
    while (digits < t.size() && t[digits] >= '0' && t[digits] <= '9') ++digits;
    std::string_view unit = t.substr(digits);
    int64_t scale = unit == "ns"   ? 1
                    : unit == "us" ? 1000
                    : unit == "ms" ? 1000000
                    : unit == "s"  ? 1000000000LL
                    : unit == "m"  ? 60000000000LL
                    : unit == "h"  ? 3600000000000LL
                                   : 0;
    int64_t n = 0;
    if (digits > 0 && digits <= 12 && scale != 0 && ParseInt(t.substr(0, digits), &n)) {
      *ns = n * scale;
      return Error::Ok();
    }
    return a.invalid("option '" + Str(name) + "': '" + Str(t) +
                     "' is not a duration (e.g. 500ms, 5s, 2m, 1h)");
  }
  return Mistyped(a, name, v, "a duration");
}

// A timestamp in ns since the epoch: typed (timestamp, or int of ns) or
// RFC 3339 text in UTC.
Error ValTimestamp(const MeshArgs& a, size_t i, std::string_view name, int64_t* ns) {
  const tower_value& v = a.arg(i);
  if (v.type == TOWER_VALUE_TIMESTAMP || v.type == TOWER_VALUE_INT) {
    *ns = v.i;
    return Error::Ok();
  }
  if (v.type == TOWER_VALUE_STRING) {
    std::string t(sdk::view(v.bytes));
    struct tm tm {};
    int consumed = 0;
    if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) == 6) {
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      int64_t frac = 0;
      size_t p = static_cast<size_t>(consumed);
      if (p < t.size() && t[p] == '.') {
        int64_t scale = 100000000;
        for (++p; p < t.size() && t[p] >= '0' && t[p] <= '9'; ++p) {
          frac += (t[p] - '0') * scale;
          scale /= 10;
        }
      }
      if (p + 1 == t.size() && (t[p] == 'Z' || t[p] == 'z')) {
        *ns = static_cast<int64_t>(timegm(&tm)) * 1000000000LL + frac;
        return Error::Ok();
      }
    }
    return a.invalid("option '" + Str(name) + "': '" + t +
                     "' is not an RFC 3339 UTC timestamp (e.g. 2026-01-02T03:04:05Z)");
  }
  return Mistyped(a, name, v, "a timestamp");
}

Error ValText(const MeshArgs& a, size_t i, std::string_view name, std::string* out) {
  const tower_value& v = a.arg(i);
  if (v.type != TOWER_VALUE_STRING && v.type != TOWER_VALUE_BINARY)
    return Mistyped(a, name, v, "text");
  *out = Str(sdk::view(v.bytes));
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// Records.

std::string JoinSubjects(const jsStreamConfig* c) {
  std::string out;
  if (c == nullptr) return out;
  for (int i = 0; i < c->SubjectsLen; ++i) out += (i == 0 ? "" : ",") + Str(c->Subjects[i]);
  return out;
}

void StreamRecord(const MeshResult& out, const jsStreamInfo* si) {
  out.begin_array();
  out.field("name", si->Config && si->Config->Name ? si->Config->Name : "");
  out.field("subjects", JoinSubjects(si->Config));
  out.field("messages", static_cast<int64_t>(si->State.Msgs));
  out.field("bytes", static_cast<int64_t>(si->State.Bytes));
  out.field("first_seq", static_cast<int64_t>(si->State.FirstSeq));
  out.field("last_seq", static_cast<int64_t>(si->State.LastSeq));
  out.field("consumers", static_cast<int64_t>(si->State.Consumers));
  out.field("replicas", static_cast<int64_t>(si->Config ? si->Config->Replicas : 0));
  out.field("leader", si->Cluster && si->Cluster->Leader ? si->Cluster->Leader : "");
  out.field_timestamp("created", si->Created);
}

void ConsumerRecord(const MeshResult& out, const jsConsumerInfo* ci) {
  out.begin_array();
  out.field("stream", ci->Stream ? ci->Stream : "");
  out.field("name", ci->Name ? ci->Name : "");
  out.field("pending", static_cast<int64_t>(ci->NumPending));
  out.field("ack_pending", ci->NumAckPending);
  out.field("delivered", static_cast<int64_t>(ci->Delivered.Consumer));
  out.field("redelivered", ci->NumRedelivered);
}

// Message headers as text: "Name: value\n" per value.
std::string HeaderText(natsMsg* m) {
  std::string out;
  const char** keys = nullptr;
  int nkeys = 0;
  if (natsMsgHeader_Keys(m, &keys, &nkeys) != NATS_OK) return out;
  for (int i = 0; i < nkeys; ++i) {
    const char** values = nullptr;
    int nvalues = 0;
    if (natsMsgHeader_Values(m, keys[i], &values, &nvalues) != NATS_OK) continue;
    for (int j = 0; j < nvalues; ++j) out += Str(keys[i]) + ": " + values[j] + "\n";
    free(static_cast<void*>(values));
  }
  free(static_cast<void*>(keys));
  return out;
}

// The tiny JSON reading the raw API replies need: the text after `"key":`.
std::string_view JsonRaw(std::string_view json, std::string_view key) {
  std::string needle = "\"" + Str(key) + "\":";
  size_t p = json.find(needle);
  if (p == std::string_view::npos) return {};
  p += needle.size();
  while (p < json.size() && json[p] == ' ') ++p;
  return json.substr(p);
}
int64_t JsonInt(std::string_view json, std::string_view key, int64_t dflt) {
  std::string_view raw = JsonRaw(json, key);
  size_t n = 0;
  while (n < raw.size() && ((raw[n] >= '0' && raw[n] <= '9') || raw[n] == '-')) ++n;
  int64_t v = 0;
  return n > 0 && ParseInt(raw.substr(0, n), &v) ? v : dflt;
}
std::string JsonString(std::string_view json, std::string_view key) {
  std::string_view raw = JsonRaw(json, key);
  if (raw.empty() || raw[0] != '"') return {};
  std::string out;
  for (size_t i = 1; i < raw.size() && raw[i] != '"'; ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
    out += raw[i];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Streams.

// stream.create NAME [NAME VALUE]...
//   Creates stream NAME, or updates it when it exists (the options given
//   are its whole new configuration; absent ones take their defaults).
//   Options: subjects (comma-separated; default NAME), storage file|memory,
//   replicas 1..5, retention limits|interest|workqueue, max_msgs,
//   max_bytes, max_age (duration), max_msg_size, max_msgs_per_subject,
//   discard old|new, duplicate_window (duration), allow_rollup,
//   deny_delete, deny_purge, allow_direct (bools), description.
//   Result: the stream.info record. Errors: InvalidArgument (names,
//   options; before anything is sent), the server's refusal (e.g.
//   subjects overlapping another stream), TIMEOUT, IO_ERROR.
Error StreamCreate(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string_view name;
  if (a.size() < 1) return a.count(1, 1, "NAME [NAME VALUE]...");
  if (Error e = a.text(0, "NAME", &name); !e.ok()) return e;
  if (Error e = CheckStreamName(name, "stream name"); !e.ok()) return a.invalid(e.message);
  OptionPairs o;
  if (Error e =
          o.Parse(a, 1,
                  {"subjects", "storage", "replicas", "retention", "max_msgs", "max_bytes",
                   "max_age", "max_msg_size", "max_msgs_per_subject", "discard", "duplicate_window",
                   "allow_rollup", "deny_delete", "deny_purge", "allow_direct", "description"});
      !e.ok()) {
    return e;
  }
  std::string sname(name), description, text;
  std::vector<std::string> subjects;
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  if (size_t i = o.Find("subjects")) {
    if (Error e = ValText(a, i, "subjects", &text); !e.ok()) return e;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find(',', start);
      if (end == std::string::npos) end = text.size();
      std::string item = text.substr(start, end - start);
      while (!item.empty() && item.front() == ' ') item.erase(0, 1);
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (Error e = CheckSubject(item, true, "stream subject"); !e.ok())
        return a.invalid(e.message + " (stream " + sname + ")");
      subjects.push_back(item);
      start = end + 1;
    }
  } else {
    subjects.push_back(sname);
  }
  std::vector<const char*> subject_ptrs;
  for (const auto& s : subjects) subject_ptrs.push_back(s.c_str());
  cfg.Name = sname.c_str();
  cfg.Subjects = subject_ptrs.data();
  cfg.SubjectsLen = static_cast<int>(subject_ptrs.size());
  if (size_t i = o.Find("storage")) {
    if (Error e = ValText(a, i, "storage", &text); !e.ok()) return e;
    if (text == "file") {
      cfg.Storage = js_FileStorage;
    } else if (text == "memory") {
      cfg.Storage = js_MemoryStorage;
    } else {
      return a.invalid("option 'storage': '" + text + "' is not file or memory");
    }
  }
  if (size_t i = o.Find("replicas")) {
    int64_t n = 0;
    if (Error e = ValInt(a, i, "replicas", &n); !e.ok()) return e;
    if (n < 1 || n > 5)
      return a.invalid("option 'replicas': " + std::to_string(n) + " is not 1..5");
    cfg.Replicas = n;
  }
  if (size_t i = o.Find("retention")) {
    if (Error e = ValText(a, i, "retention", &text); !e.ok()) return e;
    if (text == "limits") {
      cfg.Retention = js_LimitsPolicy;
    } else if (text == "interest") {
      cfg.Retention = js_InterestPolicy;
    } else if (text == "workqueue") {
      cfg.Retention = js_WorkQueuePolicy;
    } else {
      return a.invalid("option 'retention': '" + text + "' is not limits, interest or workqueue");
    }
  }
  struct IntOpt {
    const char* name;
    int64_t* field;
  };
  for (IntOpt io : {IntOpt{"max_msgs", &cfg.MaxMsgs}, IntOpt{"max_bytes", &cfg.MaxBytes},
                    IntOpt{"max_msgs_per_subject", &cfg.MaxMsgsPerSubject}}) {
    if (size_t i = o.Find(io.name)) {
      if (Error e = ValInt(a, i, io.name, io.field); !e.ok()) return e;
    }
  }
  if (size_t i = o.Find("max_msg_size")) {
    int64_t n = 0;
    if (Error e = ValInt(a, i, "max_msg_size", &n); !e.ok()) return e;
    if (n < -1 || n > INT32_MAX) return a.invalid("option 'max_msg_size' is out of range");
    cfg.MaxMsgSize = static_cast<int32_t>(n);
  }
  if (size_t i = o.Find("max_age")) {
    if (Error e = ValDuration(a, i, "max_age", &cfg.MaxAge); !e.ok()) return e;
  }
  if (size_t i = o.Find("duplicate_window")) {
    if (Error e = ValDuration(a, i, "duplicate_window", &cfg.Duplicates); !e.ok()) return e;
  }
  if (size_t i = o.Find("discard")) {
    if (Error e = ValText(a, i, "discard", &text); !e.ok()) return e;
    if (text == "old") {
      cfg.Discard = js_DiscardOld;
    } else if (text == "new") {
      cfg.Discard = js_DiscardNew;
    } else {
      return a.invalid("option 'discard': '" + text + "' is not old or new");
    }
  }
  struct BoolOpt {
    const char* name;
    bool* field;
  };
  for (BoolOpt bo :
       {BoolOpt{"allow_rollup", &cfg.AllowRollup}, BoolOpt{"deny_delete", &cfg.DenyDelete},
        BoolOpt{"deny_purge", &cfg.DenyPurge}, BoolOpt{"allow_direct", &cfg.AllowDirect}}) {
    if (size_t i = o.Find(bo.name)) {
      if (Error e = ValBool(a, i, bo.name, bo.field); !e.ok()) return e;
    }
  }
  if (size_t i = o.Find("description")) {
    if (Error e = ValText(a, i, "description", &description); !e.ok()) return e;
    cfg.Description = description.c_str();
  }

  OwnedStreamInfo si;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si.p, c.js, &cfg, nullptr, &jerr);
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {
    jerr = static_cast<jsErrCode>(0);
    s = js_UpdateStream(&si.p, c.js, &cfg, nullptr, &jerr);
  }
  if (s != NATS_OK) return JsError(s, jerr, What(a, sname));
  StreamRecord(out, si.p);
  return Error::Ok();
}

Error StreamArg(const MeshArgs& a, size_t i, std::string* out) {
  std::string_view name;
  if (Error e = a.text(i, "STREAM", &name); !e.ok()) return e;
  if (Error e = CheckStreamName(name, "stream name"); !e.ok()) return a.invalid(e.message);
  *out = Str(name);
  return Error::Ok();
}

// stream.delete NAME -> null. Errors: NOT_FOUND when there is no such
// stream.
Error StreamDelete(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string name;
  if (Error e = a.count(1, 1, "NAME"); !e.ok()) return e;
  if (Error e = StreamArg(a, 0, &name); !e.ok()) return e;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteStream(c.js, name.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return JsError(s, jerr, What(a, name));
  out.set_null();
  return Error::Ok();
}

// stream.info NAME -> record name, subjects (comma-joined), messages,
// bytes, first_seq, last_seq, consumers, replicas, leader (server name, ""
// outside a cluster), created (timestamp). Errors: NOT_FOUND.
Error StreamInfo(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string name;
  if (Error e = a.count(1, 1, "NAME"); !e.ok()) return e;
  if (Error e = StreamArg(a, 0, &name); !e.ok()) return e;
  OwnedStreamInfo si;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si.p, c.js, name.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return JsError(s, jerr, What(a, name));
  StreamRecord(out, si.p);
  return Error::Ok();
}

// stream.list -> the stream names, sorted.
Error StreamList(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(0, 0, ""); !e.ok()) return e;
  jsStreamNamesList* list = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_StreamNames(&list, c.js, nullptr, &jerr);
  std::vector<std::string> names;
  if (s == NATS_OK && list != nullptr) {
    for (int i = 0; i < list->Count; ++i) names.emplace_back(list->List[i]);
  }
  jsStreamNamesList_Destroy(list);
  // NATS.c reports an account without streams as NOT_FOUND.
  if (s != NATS_OK && s != NATS_NOT_FOUND) return JsError(s, jerr, "stream.list");
  std::sort(names.begin(), names.end());
  out.begin_array();
  for (const auto& n : names) out.push_string(n);
  return Error::Ok();
}

// Sends a raw JetStream API request "<prefix>.<api>" and returns the reply
// body; a JetStream error reply becomes an Error (code from its err_code).
Error ApiRequest(Conn& c, const std::string& api, const std::string& body, const std::string& what,
                 std::string* reply) {
  natsMsg* m = nullptr;
  std::string subject = c.ApiPrefix() + "." + api;
  natsStatus s = natsConnection_Request(&m, c.nc, subject.c_str(), body.data(),
                                        static_cast<int>(body.size()), c.timeout_ms);
  if (s != NATS_OK) return FromNats(s, what);
  reply->assign(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
  natsMsg_Destroy(m);
  if (reply->find("\"error\"") != std::string::npos) {
    int64_t code = JsonInt(*reply, "err_code", 0);
    Error e = JsError(NATS_ERR, static_cast<jsErrCode>(code), what);
    e.message = what + ": " + JsonString(*reply, "description") +
                (code != 0 ? " [JetStream error " + std::to_string(code) + "]" : "");
    return e;
  }
  return Error::Ok();
}

// stream.purge NAME [SUBJECT] -> int: the number of messages removed (of
// SUBJECT only when given; wildcards allowed). NATS.c's js_PurgeStream does
// not return the count, so this sends the STREAM.PURGE API request itself
// and reads `purged` from the server's reply. Errors: NOT_FOUND, the
// server's refusal (deny_purge).
Error StreamPurge(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string name;
  std::string_view subject;
  if (Error e = a.count(1, 2, "NAME [SUBJECT]"); !e.ok()) return e;
  if (Error e = StreamArg(a, 0, &name); !e.ok()) return e;
  if (a.has(1)) {
    if (Error e = a.text(1, "SUBJECT", &subject); !e.ok()) return e;
    if (Error e = CheckSubject(subject, true, "purge subject"); !e.ok())
      return a.invalid(e.message);
  }
  std::string body;
  if (!subject.empty()) {
    body = "{\"filter\":\"";
    for (char ch : subject) {
      if (ch == '"' || ch == '\\') body += '\\';
      body += ch;
    }
    body += "\"}";
  }
  std::string reply;
  std::string what = What(a, name) + (subject.empty() ? "" : " " + Str(subject));
  if (Error e = ApiRequest(c, "STREAM.PURGE." + name, body, what, &reply); !e.ok()) return e;
  out.set_int(JsonInt(reply, "purged", 0));
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// Publishing.

Error PubOptions(const MeshArgs& a, const OptionPairs& o, jsPubOptions* po, std::string* msg_id,
                 std::string* expect_stream) {
  if (size_t i = o.Find("msg_id")) {
    if (Error e = ValText(a, i, "msg_id", msg_id); !e.ok()) return e;
    po->MsgId = msg_id->c_str();
  }
  if (size_t i = o.Find("expect_stream")) {
    if (Error e = ValText(a, i, "expect_stream", expect_stream); !e.ok()) return e;
    if (Error e = CheckStreamName(*expect_stream, "expect_stream"); !e.ok())
      return a.invalid(e.message);
    po->ExpectStream = expect_stream->c_str();
  }
  int64_t n = 0;
  if (size_t i = o.Find("expect_last_seq")) {
    if (Error e = ValInt(a, i, "expect_last_seq", &n); !e.ok()) return e;
    if (n <= 0) return a.invalid("option 'expect_last_seq' must be > 0 (use expect_no_message)");
    po->ExpectLastSeq = static_cast<uint64_t>(n);
  }
  if (size_t i = o.Find("expect_last_subject_seq")) {
    if (Error e = ValInt(a, i, "expect_last_subject_seq", &n); !e.ok()) return e;
    if (n <= 0) {
      return a.invalid("option 'expect_last_subject_seq' must be > 0 (use expect_no_message)");
    }
    po->ExpectLastSubjectSeq = static_cast<uint64_t>(n);
  }
  if (size_t i = o.Find("expect_no_message")) {
    if (Error e = ValBool(a, i, "expect_no_message", &po->ExpectNoMessage); !e.ok()) return e;
  }
  if (size_t i = o.Find("timeout")) {
    int64_t ns = 0;
    if (Error e = ValDuration(a, i, "timeout", &ns); !e.ok()) return e;
    if (ns <= 0) return a.invalid("option 'timeout' must be positive");
    po->MaxWait = std::max<int64_t>(1, ns / 1000000);
  }
  return Error::Ok();
}

// js.publish SUBJECT DATA [NAME VALUE]... -> record stream, sequence,
//   duplicate (bool), domain.
//   Options: headers (text "Name: value" lines), msg_id, expect_stream,
//   expect_last_seq, expect_last_subject_seq (ints > 0), expect_no_message
//   (bool), timeout (duration; default the connection's).
//   Errors: InvalidArgument (subject with wildcards or spaces, options),
//   NOT_FOUND (no stream takes SUBJECT), ABORTED (an expectation failed; the
//   server's text), TIMEOUT.
Error JsPublish(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string_view subject, data;
  if (a.size() < 2) return a.count(2, 2, "SUBJECT DATA [NAME VALUE]...");
  if (Error e = a.text(0, "SUBJECT", &subject); !e.ok()) return e;
  if (Error e = a.text(1, "DATA", &data); !e.ok()) return e;
  if (Error e = CheckSubject(subject, false, "js.publish subject"); !e.ok()) return e;
  OptionPairs o;
  if (Error e = o.Parse(a, 2,
                        {"headers", "msg_id", "expect_stream", "expect_last_seq",
                         "expect_last_subject_seq", "expect_no_message", "timeout"});
      !e.ok()) {
    return e;
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  std::string msg_id, expect_stream, headers;
  if (Error e = PubOptions(a, o, &po, &msg_id, &expect_stream); !e.ok()) return e;
  if (size_t i = o.Find("headers")) {
    if (Error e = ValText(a, i, "headers", &headers); !e.ok()) return e;
  }
  std::string subj(subject);
  OwnedMsg m;
  natsStatus s =
      natsMsg_Create(&m.m, subj.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return FromNats(s, What(a, subj));
  if (!headers.empty()) {
    if (Error e = SetHeaders(m.m, headers, a.op()); !e.ok()) return e;
  }
  jsPubAck* pa = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&pa, c.js, m.m, &po, &jerr);
  if (s != NATS_OK) {
    jsPubAck_Destroy(pa);
    if (s == NATS_NO_RESPONDERS) {
      // NATS.c reads "no responders" as "JetStream not enabled"; far more
      // often no stream takes the subject.
      return Error::Make(TOWER_E_NOT_FOUND, What(a, subj) +
                                                ": no stream takes this subject (no responders; "
                                                "or JetStream is not enabled)");
    }
    return JsError(s, jerr, What(a, subj));
  }
  out.begin_array();
  out.field("stream", pa->Stream ? pa->Stream : "");
  out.field("sequence", static_cast<int64_t>(pa->Sequence));
  out.field_bool("duplicate", pa->Duplicate);
  out.field("domain", pa->Domain ? pa->Domain : "");
  jsPubAck_Destroy(pa);
  return Error::Ok();
}

// Counts the js.publish_async calls since the last js.publish_async_complete.
struct AsyncState {
  std::mutex mu;
  uint64_t queued = 0;
};
std::shared_ptr<AsyncState> Async(Conn& c) {
  return c.State<AsyncState>("js:async", [] { return std::make_shared<AsyncState>(); });
}

// js.publish_async SUBJECT DATA [HEADERS] -> null: queued; the outcome is
//   known at js.publish_async_complete. Errors: InvalidArgument, TIMEOUT
//   (too many acknowledgements pending for longer than the stall wait).
Error JsPublishAsync(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string_view subject, data, headers;
  if (Error e = SubjectDataHeaders(a, &subject, &data, &headers); !e.ok()) return e;
  if (Error e = CheckSubject(subject, false, "js.publish_async subject"); !e.ok()) return e;
  std::string subj(subject);
  natsStatus s;
  if (headers.empty()) {
    s = js_PublishAsync(c.js, subj.c_str(), data.data(), static_cast<int>(data.size()), nullptr);
  } else {
    OwnedMsg m;
    s = natsMsg_Create(&m.m, subj.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
    if (s != NATS_OK) return FromNats(s, What(a, subj));
    if (Error e = SetHeaders(m.m, headers, a.op()); !e.ok()) return e;
    s = js_PublishMsgAsync(c.js, &m.m, nullptr);  // takes the message on success
  }
  if (s != NATS_OK) return FromNats(s, What(a, subj));
  auto st = Async(c);
  {
    std::lock_guard lock(st->mu);
    ++st->queued;
  }
  out.set_null();
  return Error::Ok();
}

// js.publish_async_complete [TIMEOUT] -> int: how many of the messages
//   queued by js.publish_async since the last complete were acknowledged
//   (queued minus failed; asynchronous publishes by other operations on the
//   connection are waited for but not counted). TIMEOUT defaults to 30 s.
//   Errors: TIMEOUT (acknowledgements still pending), ABORTED naming how
//   many publishes failed and the first reason (the failure count is reset).
Error JsPublishAsyncComplete(Conn& c, const MeshArgs& a, const MeshResult& out,
                             const tower_mesh_handler*) {
  if (Error e = a.count(0, 1, "[TIMEOUT]"); !e.ok()) return e;
  int64_t ns = 30000000000LL;
  if (a.has(0)) {
    if (Error e = a.duration(0, "TIMEOUT", &ns); !e.ok()) return e;
    if (ns <= 0) return a.invalid("TIMEOUT must be positive");
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = std::max<int64_t>(1, ns / 1000000);
  natsStatus s = js_PublishAsyncComplete(c.js, &po);
  if (s != NATS_OK) return FromNats(s, "js.publish_async_complete: waiting for acknowledgements");
  auto st = Async(c);
  uint64_t queued = 0;
  {
    std::lock_guard lock(st->mu);
    queued = st->queued;
    st->queued = 0;
  }
  if (Error e = TakeAsyncFailures(c, a.op(), TOWER_E_ABORTED); !e.ok()) return e;
  out.set_int(static_cast<int64_t>(queued));
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// Consumers.

Error DeliverPolicy(const MeshArgs& a, size_t i, jsDeliverPolicy* out) {
  std::string text;
  if (Error e = ValText(a, i, "deliver", &text); !e.ok()) return e;
  if (text == "all") {
    *out = js_DeliverAll;
  } else if (text == "last") {
    *out = js_DeliverLast;
  } else if (text == "new") {
    *out = js_DeliverNew;
  } else if (text == "last_per_subject") {
    *out = js_DeliverLastPerSubject;
  } else if (text == "by_start_sequence") {
    *out = js_DeliverByStartSequence;
  } else if (text == "by_start_time") {
    *out = js_DeliverByStartTime;
  } else {
    return a.invalid("option 'deliver': '" + text +
                     "' is not all, last, new, last_per_subject, by_start_sequence or "
                     "by_start_time");
  }
  return Error::Ok();
}

Error ConsumerName(const MeshArgs& a, std::string_view name, std::string_view what) {
  if (Error e = CheckStreamName(name, what); !e.ok()) return a.invalid(e.message);
  return Error::Ok();
}

// consumer.create STREAM [NAME VALUE]... -> record stream, name, pending,
//   ack_pending, delivered (consumer sequence), redelivered.
//   Options: durable (name; absent = ephemeral), filter_subject, deliver
//   all|last|new|last_per_subject|by_start_sequence|by_start_time,
//   start_sequence, start_time (timestamp), ack_policy explicit|none|all,
//   ack_wait (duration), max_deliver, max_ack_pending, deliver_subject (a
//   push consumer), deliver_group, inactive_threshold (duration),
//   description. A durable that exists with the same configuration is
//   returned as it is. Errors: InvalidArgument, NOT_FOUND (stream), the
//   server's refusal.
Error ConsumerCreate(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string stream;
  if (a.size() < 1) return a.count(1, 1, "STREAM [NAME VALUE]...");
  if (Error e = StreamArg(a, 0, &stream); !e.ok()) return e;
  OptionPairs o;
  if (Error e = o.Parse(a, 1,
                        {"durable", "filter_subject", "deliver", "start_sequence", "start_time",
                         "ack_policy", "ack_wait", "max_deliver", "max_ack_pending",
                         "deliver_subject", "deliver_group", "inactive_threshold", "description"});
      !e.ok()) {
    return e;
  }
  jsConsumerConfig cfg;
  jsConsumerConfig_Init(&cfg);
  std::string durable, filter, deliver_subject, deliver_group, description, text;
  if (size_t i = o.Find("durable")) {
    if (Error e = ValText(a, i, "durable", &durable); !e.ok()) return e;
    if (Error e = ConsumerName(a, durable, "consumer name"); !e.ok()) return e;
    cfg.Durable = durable.c_str();
  }
  if (size_t i = o.Find("filter_subject")) {
    if (Error e = ValText(a, i, "filter_subject", &filter); !e.ok()) return e;
    if (Error e = CheckSubject(filter, true, "filter_subject"); !e.ok())
      return a.invalid(e.message);
    cfg.FilterSubject = filter.c_str();
  }
  if (size_t i = o.Find("deliver")) {
    if (Error e = DeliverPolicy(a, i, &cfg.DeliverPolicy); !e.ok()) return e;
  }
  if (size_t i = o.Find("start_sequence")) {
    int64_t n = 0;
    if (Error e = ValInt(a, i, "start_sequence", &n); !e.ok()) return e;
    if (n <= 0) return a.invalid("option 'start_sequence' must be > 0");
    cfg.OptStartSeq = static_cast<uint64_t>(n);
    if (!o.Find("deliver")) cfg.DeliverPolicy = js_DeliverByStartSequence;
  }
  if (size_t i = o.Find("start_time")) {
    if (Error e = ValTimestamp(a, i, "start_time", &cfg.OptStartTime); !e.ok()) return e;
    if (!o.Find("deliver")) cfg.DeliverPolicy = js_DeliverByStartTime;
  }
  if (size_t i = o.Find("ack_policy")) {
    if (Error e = ValText(a, i, "ack_policy", &text); !e.ok()) return e;
    if (text == "explicit") {
      cfg.AckPolicy = js_AckExplicit;
    } else if (text == "none") {
      cfg.AckPolicy = js_AckNone;
    } else if (text == "all") {
      cfg.AckPolicy = js_AckAll;
    } else {
      return a.invalid("option 'ack_policy': '" + text + "' is not explicit, none or all");
    }
  }
  if (size_t i = o.Find("ack_wait")) {
    if (Error e = ValDuration(a, i, "ack_wait", &cfg.AckWait); !e.ok()) return e;
  }
  if (size_t i = o.Find("max_deliver")) {
    if (Error e = ValInt(a, i, "max_deliver", &cfg.MaxDeliver); !e.ok()) return e;
  }
  if (size_t i = o.Find("max_ack_pending")) {
    if (Error e = ValInt(a, i, "max_ack_pending", &cfg.MaxAckPending); !e.ok()) return e;
  }
  if (size_t i = o.Find("deliver_subject")) {
    if (Error e = ValText(a, i, "deliver_subject", &deliver_subject); !e.ok()) return e;
    if (Error e = CheckSubject(deliver_subject, false, "deliver_subject"); !e.ok())
      return a.invalid(e.message);
    cfg.DeliverSubject = deliver_subject.c_str();
  }
  if (size_t i = o.Find("deliver_group")) {
    if (Error e = ValText(a, i, "deliver_group", &deliver_group); !e.ok()) return e;
    if (Error e = ConsumerName(a, deliver_group, "deliver_group"); !e.ok()) return e;
    cfg.DeliverGroup = deliver_group.c_str();
  }
  if (size_t i = o.Find("inactive_threshold")) {
    if (Error e = ValDuration(a, i, "inactive_threshold", &cfg.InactiveThreshold); !e.ok())
      return e;
  }
  if (size_t i = o.Find("description")) {
    if (Error e = ValText(a, i, "description", &description); !e.ok()) return e;
    cfg.Description = description.c_str();
  }
  OwnedConsumerInfo ci;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddConsumer(&ci.p, c.js, stream.c_str(), &cfg, nullptr, &jerr);
  if (s != NATS_OK) {
    return JsError(s, jerr, What(a, stream + (durable.empty() ? "" : "/" + durable)));
  }
  ConsumerRecord(out, ci.p);
  return Error::Ok();
}

Error StreamAndConsumer(const MeshArgs& a, std::string* stream, std::string* name) {
  std::string_view n;
  if (Error e = StreamArg(a, 0, stream); !e.ok()) return e;
  if (Error e = a.text(1, "NAME", &n); !e.ok()) return e;
  if (Error e = ConsumerName(a, n, "consumer name"); !e.ok()) return e;
  *name = Str(n);
  return Error::Ok();
}

std::string PullKey(const std::string& stream, const std::string& durable) {
  return "pull:" + stream + "/" + durable;
}

// consumer.delete STREAM NAME -> null. Errors: NOT_FOUND (stream or
// consumer).
Error ConsumerDelete(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string stream, name;
  if (Error e = a.count(2, 2, "STREAM NAME"); !e.ok()) return e;
  if (Error e = StreamAndConsumer(a, &stream, &name); !e.ok()) return e;
  c.DropState(PullKey(stream, name));
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteConsumer(c.js, stream.c_str(), name.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return JsError(s, jerr, What(a, stream + "/" + name));
  out.set_null();
  return Error::Ok();
}

// consumer.info STREAM NAME -> the consumer.create record. Errors:
// NOT_FOUND (stream or consumer).
Error ConsumerInfo(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string stream, name;
  if (Error e = a.count(2, 2, "STREAM NAME"); !e.ok()) return e;
  if (Error e = StreamAndConsumer(a, &stream, &name); !e.ok()) return e;
  OwnedConsumerInfo ci;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&ci.p, c.js, stream.c_str(), name.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return JsError(s, jerr, What(a, stream + "/" + name));
  ConsumerRecord(out, ci.p);
  return Error::Ok();
}

// consumer.list STREAM -> the consumer names of STREAM, sorted. Errors:
// NOT_FOUND (stream).
Error ConsumerList(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string stream;
  if (Error e = a.count(1, 1, "STREAM"); !e.ok()) return e;
  if (Error e = StreamArg(a, 0, &stream); !e.ok()) return e;
  // The CONSUMER.NAMES reply of a missing stream is an error; NATS.c folds
  // "stream not found" and "no consumers" into NATS_NOT_FOUND, so ask the
  // stream first to tell them apart.
  {
    OwnedStreamInfo si;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si.p, c.js, stream.c_str(), nullptr, &jerr);
    if (s != NATS_OK) return JsError(s, jerr, What(a, stream));
  }
  jsConsumerNamesList* list = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_ConsumerNames(&list, c.js, stream.c_str(), nullptr, &jerr);
  std::vector<std::string> names;
  if (s == NATS_OK && list != nullptr) {
    for (int i = 0; i < list->Count; ++i) names.emplace_back(list->List[i]);
  }
  jsConsumerNamesList_Destroy(list);
  if (s != NATS_OK && s != NATS_NOT_FOUND) return JsError(s, jerr, What(a, stream));
  std::sort(names.begin(), names.end());
  out.begin_array();
  for (const auto& n : names) out.push_string(n);
  return Error::Ok();
}

// A pull subscription bound to an existing durable, cached per connection.
struct PullState {
  std::mutex mu;  // one fetch at a time
  natsSubscription* sub = nullptr;
  ~PullState() {
    // Destroy (not Unsubscribe): a bound subscription never deletes the
    // consumer.
    if (sub != nullptr) natsSubscription_Destroy(sub);
  }
};

// consumer.fetch STREAM DURABLE BATCH [TIMEOUT] -> int: the number of
//   messages delivered to the handler (up to BATCH; 0 when none came within
//   TIMEOUT, default the connection's timeout). Each message carries its
//   JetStream metadata; its reply is the ack subject for js.ack and
//   friends. A handler that asks to stop leaves the rest of the batch
//   unacknowledged (redelivered after ack_wait). Errors: NOT_FOUND naming
//   the consumer (or stream) when it does not exist, InvalidArgument.
Error ConsumerFetch(Conn& c, const MeshArgs& a, const MeshResult& out,
                    const tower_mesh_handler* msgs) {
  std::string stream, durable;
  int64_t batch = 0, timeout_ns = c.timeout_ms * 1000000;
  if (Error e = a.count(3, 4, "STREAM DURABLE BATCH [TIMEOUT]"); !e.ok()) return e;
  if (Error e = StreamAndConsumer(a, &stream, &durable); !e.ok()) return e;
  if (Error e = a.integer(2, "BATCH", &batch); !e.ok()) return e;
  if (batch < 1 || batch > 1000000) return a.invalid("BATCH must be 1..1000000");
  if (a.has(3)) {
    if (Error e = a.duration(3, "TIMEOUT", &timeout_ns); !e.ok()) return e;
    if (timeout_ns <= 0) return a.invalid("TIMEOUT must be positive");
  }
  std::string what = What(a, stream + "/" + durable);
  std::string key = PullKey(stream, durable);
  auto st = c.State<PullState>(key, [] { return std::make_shared<PullState>(); });
  std::lock_guard lock(st->mu);
  if (st->sub == nullptr) {
    OwnedConsumerInfo ci;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetConsumerInfo(&ci.p, c.js, stream.c_str(), durable.c_str(), nullptr, &jerr);
    if (s != NATS_OK) {
      c.DropState(key);
      return JsError(s, jerr, what);
    }
    if (ci.p->Config != nullptr && ci.p->Config->DeliverSubject != nullptr &&
        ci.p->Config->DeliverSubject[0] != '\0') {
      c.DropState(key);
      return a.invalid(what + " is a push consumer (deliver_subject set); fetch needs a pull one");
    }
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Consumer = durable.c_str();
    const char* filter = ci.p->Config ? ci.p->Config->FilterSubject : nullptr;
    s = js_PullSubscribe(&st->sub, c.js, filter != nullptr && *filter ? filter : nullptr,
                         durable.c_str(), nullptr, &so, &jerr);
    if (s != NATS_OK) {
      st->sub = nullptr;
      c.DropState(key);
      return JsError(s, jerr, what);
    }
  }
  natsMsgList list{nullptr, 0};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  int64_t timeout_ms = std::max<int64_t>(1, timeout_ns / 1000000);
  natsStatus s = natsSubscription_Fetch(&list, st->sub, static_cast<int>(batch), timeout_ms, &jerr);
  if (s == NATS_TIMEOUT && list.Count == 0) {
    out.set_int(0);
    return Error::Ok();
  }
  if (s != NATS_OK && list.Count == 0) {
    c.DropState(key);  // the consumer may be gone; bind afresh next time
    Error e = JsError(s, jerr, what);
    if (s == NATS_NO_RESPONDERS || jerr == JSConsumerNotFoundErr) e.code = TOWER_E_NOT_FOUND;
    return e;
  }
  int64_t delivered = 0;
  for (int i = 0; i < list.Count; ++i) {
    MsgView v(list.Msgs[i]);
    ++delivered;
    if (!sdk::deliver(msgs, v.msg())) break;
  }
  natsMsgList_Destroy(&list);
  out.set_int(delivered);
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// Acknowledgements.

Error AckReply(const MeshArgs& a, std::string* reply) {
  std::string_view r;
  if (Error e = a.text(0, "REPLY", &r); !e.ok()) return e;
  if (r.rfind("$JS.ACK.", 0) != 0) {
    return a.invalid("REPLY '" + Str(r) +
                     "' is not a JetStream ack subject (it must start with \"$JS.ACK.\")");
  }
  if (Error e = CheckSubject(r, false, "REPLY"); !e.ok()) return a.invalid(e.message);
  *reply = Str(r);
  return Error::Ok();
}

Error SendAck(Conn& c, const MeshArgs& a, const std::string& reply, const std::string& body,
              const MeshResult& out) {
  natsStatus s =
      natsConnection_Publish(c.nc, reply.c_str(), body.data(), static_cast<int>(body.size()));
  if (s != NATS_OK) return FromNats(s, What(a, reply));
  out.set_null();
  return Error::Ok();
}

// js.ack REPLY -> null: acknowledges the message whose reply subject
// ($JS.ACK...) is REPLY. Errors: InvalidArgument (not an ack subject).
Error JsAck(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string reply;
  if (Error e = a.count(1, 1, "REPLY"); !e.ok()) return e;
  if (Error e = AckReply(a, &reply); !e.ok()) return e;
  return SendAck(c, a, reply, "+ACK", out);
}

// js.nak REPLY [DELAY] -> null: negative acknowledgement; the server
// redelivers the message (after DELAY when given). Errors: InvalidArgument.
Error JsNak(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string reply;
  if (Error e = a.count(1, 2, "REPLY [DELAY]"); !e.ok()) return e;
  if (Error e = AckReply(a, &reply); !e.ok()) return e;
  std::string body = "-NAK";
  if (a.has(1)) {
    int64_t ns = 0;
    if (Error e = a.duration(1, "DELAY", &ns); !e.ok()) return e;
    if (ns < 0) return a.invalid("DELAY must not be negative");
    body += " {\"delay\": " + std::to_string(ns) + "}";
  }
  return SendAck(c, a, reply, body, out);
}

// js.term REPLY -> null: the message is never delivered again. Errors:
// InvalidArgument.
Error JsTerm(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string reply;
  if (Error e = a.count(1, 1, "REPLY"); !e.ok()) return e;
  if (Error e = AckReply(a, &reply); !e.ok()) return e;
  return SendAck(c, a, reply, "+TERM", out);
}

// js.in_progress REPLY -> null: work in progress; resets the message's
// ack_wait timer. Errors: InvalidArgument.
Error JsInProgress(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string reply;
  if (Error e = a.count(1, 1, "REPLY"); !e.ok()) return e;
  if (Error e = AckReply(a, &reply); !e.ok()) return e;
  return SendAck(c, a, reply, "+WPI", out);
}

// js.ack_sync REPLY [TIMEOUT] -> null: acknowledges and waits for the
// server's confirmation (TIMEOUT defaults to the connection's). Errors:
// InvalidArgument, TIMEOUT (no confirmation, e.g. the consumer is gone).
Error JsAckSync(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string reply;
  int64_t ns = c.timeout_ms * 1000000;
  if (Error e = a.count(1, 2, "REPLY [TIMEOUT]"); !e.ok()) return e;
  if (Error e = AckReply(a, &reply); !e.ok()) return e;
  if (a.has(1)) {
    if (Error e = a.duration(1, "TIMEOUT", &ns); !e.ok()) return e;
    if (ns <= 0) return a.invalid("TIMEOUT must be positive");
  }
  natsMsg* m = nullptr;
  natsStatus s = natsConnection_RequestString(&m, c.nc, reply.c_str(), "+ACK",
                                              std::max<int64_t>(1, ns / 1000000));
  natsMsg_Destroy(m);
  if (s != NATS_OK) return FromNats(s, What(a, reply));
  out.set_null();
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// Push subscriptions.

// A js_Subscribe subscription. Destruction: natsSubscription_Destroy (which
// unsubscribes but, unlike natsSubscription_Unsubscribe, never deletes a
// consumer the library created, so durables survive), then a wait for the
// subscription's on-complete callback, which NATS.c runs on the delivery
// thread after the last message callback has returned.
class JsSub : public Sub {
 public:
  explicit JsSub(const tower_mesh_handler* h) : handler_(*h) {}
  ~JsSub() override {
    if (sub_ == nullptr) return;
    // An ephemeral consumer goes with its subscription (Unsubscribe deletes
    // a consumer the library created); a durable one stays.
    if (ephemeral_) natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
    if (wait_complete_) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return complete_; });
    }
  }

  static void OnMsg(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    auto* self = static_cast<JsSub*>(closure);
    {
      MsgView v(m);
      sdk::deliver(&self->handler_, v.msg());
    }
    natsMsg_Destroy(m);  // a no-op while NATS.c still needs it for auto-ack
  }
  static void OnComplete(void* closure) {
    auto* self = static_cast<JsSub*>(closure);
    std::lock_guard lock(self->mu_);
    self->complete_ = true;
    self->cv_.notify_all();
  }

  natsSubscription* sub_ = nullptr;
  bool wait_complete_ = false;
  bool ephemeral_ = false;

 private:
  tower_mesh_handler handler_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool complete_ = false;
};

// js.subscribe SUBJECT [NAME VALUE]... (subscribe op): a push consumer on
//   SUBJECT (wildcards allowed) delivering messages with JetStream metadata
//   until the subscription is stopped. Options: durable (name; absent =
//   ephemeral, deleted when the subscription stops), queue (deliver group;
//   subscribers of one queue share the messages; without durable the queue
//   name is the durable name, as in NATS.c), deliver (as consumer.create),
//   manual_ack (bool; default false: acknowledged after the handler
//   returns), stream (bind to this stream instead of looking it up by
//   subject). Errors: InvalidArgument, NOT_FOUND (no stream for SUBJECT),
//   the server's refusal (e.g. a durable already bound elsewhere).
Error JsSubscribe(Conn& c, const MeshArgs& a, const tower_mesh_handler* handler,
                  std::unique_ptr<Sub>* out) {
  std::string_view subject;
  if (a.size() < 1) return a.count(1, 1, "SUBJECT [NAME VALUE]...");
  if (Error e = a.text(0, "SUBJECT", &subject); !e.ok()) return e;
  if (Error e = CheckSubject(subject, true, "js.subscribe subject"); !e.ok()) return e;
  if (handler == nullptr || handler->on_msg == nullptr) return a.invalid("no message handler");
  OptionPairs o;
  if (Error e = o.Parse(a, 1, {"durable", "queue", "deliver", "manual_ack", "stream"}); !e.ok())
    return e;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  std::string durable, queue, stream;
  if (size_t i = o.Find("durable")) {
    if (Error e = ValText(a, i, "durable", &durable); !e.ok()) return e;
    if (Error e = ConsumerName(a, durable, "durable name"); !e.ok()) return e;
    so.Config.Durable = durable.c_str();
  }
  if (size_t i = o.Find("queue")) {
    if (Error e = ValText(a, i, "queue", &queue); !e.ok()) return e;
    if (Error e = ConsumerName(a, queue, "queue name"); !e.ok()) return e;
    so.Queue = queue.c_str();
  }
  if (size_t i = o.Find("deliver")) {
    if (Error e = DeliverPolicy(a, i, &so.Config.DeliverPolicy); !e.ok()) return e;
  }
  if (size_t i = o.Find("manual_ack")) {
    if (Error e = ValBool(a, i, "manual_ack", &so.ManualAck); !e.ok()) return e;
  }
  if (size_t i = o.Find("stream")) {
    if (Error e = ValText(a, i, "stream", &stream); !e.ok()) return e;
    if (Error e = CheckStreamName(stream, "stream name"); !e.ok()) return a.invalid(e.message);
    so.Stream = stream.c_str();
  }
  std::string subj(subject);
  auto sub = std::make_unique<JsSub>(handler);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s =
      js_Subscribe(&sub->sub_, c.js, subj.c_str(), &JsSub::OnMsg, sub.get(), nullptr, &so, &jerr);
  if (s != NATS_OK) {
    sub->sub_ = nullptr;
    Error e = JsError(s, jerr, What(a, subj));
    if (e.message.find("no stream matches subject") != std::string::npos)
      e.code = TOWER_E_NOT_FOUND;
    return e;
  }
  s = natsSubscription_SetOnCompleteCB(sub->sub_, &JsSub::OnComplete, sub.get());
  // Only fails when the subscription is already closed (connection gone);
  // then there is nothing to wait for.
  sub->wait_complete_ = s == NATS_OK;
  sub->ephemeral_ = durable.empty() && queue.empty();
  *out = std::move(sub);
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// Direct reads and account.

void MsgRecord(const MeshResult& out, natsMsg* m) {
  out.begin_array();
  const char* subject = natsMsg_GetSubject(m);
  out.field("subject", subject ? subject : "");
  out.push_string("data");
  out.push_binary(
      std::string_view(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m))));
  out.field("sequence", static_cast<int64_t>(natsMsg_GetSequence(m)));
  out.field_timestamp("time", natsMsg_GetTime(m));
  out.field("headers", HeaderText(m));
}

// js.get_msg STREAM SEQ -> record subject, data (binary), sequence, time
// (timestamp), headers (text). Errors: NOT_FOUND (stream, or no message at
// SEQ), InvalidArgument (SEQ < 1).
Error JsGetMsg(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string stream;
  int64_t seq = 0;
  if (Error e = a.count(2, 2, "STREAM SEQ"); !e.ok()) return e;
  if (Error e = StreamArg(a, 0, &stream); !e.ok()) return e;
  if (Error e = a.integer(1, "SEQ", &seq); !e.ok()) return e;
  if (seq < 1) return a.invalid("SEQ must be >= 1");
  OwnedMsg m;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(&m.m, c.js, stream.c_str(), static_cast<uint64_t>(seq), nullptr, &jerr);
  if (s != NATS_OK) return JsError(s, jerr, What(a, stream + " #" + std::to_string(seq)));
  MsgRecord(out, m.m);
  return Error::Ok();
}

// js.get_last_msg STREAM SUBJECT -> the js.get_msg record of the last
// message on SUBJECT. Errors: NOT_FOUND (stream, or no message).
Error JsGetLastMsg(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string stream;
  std::string_view subject;
  if (Error e = a.count(2, 2, "STREAM SUBJECT"); !e.ok()) return e;
  if (Error e = StreamArg(a, 0, &stream); !e.ok()) return e;
  if (Error e = a.text(1, "SUBJECT", &subject); !e.ok()) return e;
  if (Error e = CheckSubject(subject, false, "subject"); !e.ok()) return a.invalid(e.message);
  std::string subj(subject);
  OwnedMsg m;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&m.m, c.js, stream.c_str(), subj.c_str(), nullptr, &jerr);
  if (s != NATS_OK) return JsError(s, jerr, What(a, stream + " " + subj));
  MsgRecord(out, m.m);
  return Error::Ok();
}

// js.account_info -> record memory, storage (bytes used), streams,
// consumers, domain. Errors: NOT_SUPPORTED (JetStream not enabled).
Error JsAccountInfo(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(0, 0, ""); !e.ok()) return e;
  jsAccountInfo* ai = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetAccountInfo(&ai, c.js, nullptr, &jerr);
  if (s != NATS_OK) {
    jsAccountInfo_Destroy(ai);
    return JsError(s, jerr, "js.account_info");
  }
  out.begin_array();
  out.field("memory", static_cast<int64_t>(ai->Memory));
  out.field("storage", static_cast<int64_t>(ai->Store));
  out.field("streams", ai->Streams);
  out.field("consumers", ai->Consumers);
  out.field("domain", ai->Domain ? ai->Domain : "");
  jsAccountInfo_Destroy(ai);
  return Error::Ok();
}

constexpr OpDef kJsOps[] = {
    {"stream.create", "NAME [NAME VALUE]...", "create or update a stream", &StreamCreate},
    {"stream.delete", "NAME", "delete a stream", &StreamDelete},
    {"stream.info", "NAME", "a stream's state and placement", &StreamInfo},
    {"stream.list", "", "the stream names, sorted", &StreamList},
    {"stream.purge", "NAME [SUBJECT]", "remove a stream's messages; the count", &StreamPurge},
    {"js.publish", "SUBJECT DATA [NAME VALUE]...", "publish to a stream and wait for the ack",
     &JsPublish},
    {"js.publish_async", "SUBJECT DATA [HEADERS]", "publish to a stream without waiting",
     &JsPublishAsync},
    {"js.publish_async_complete", "[TIMEOUT]", "wait for the async publishes' acks",
     &JsPublishAsyncComplete},
    {"consumer.create", "STREAM [NAME VALUE]...", "create a consumer", &ConsumerCreate},
    {"consumer.delete", "STREAM NAME", "delete a consumer", &ConsumerDelete},
    {"consumer.info", "STREAM NAME", "a consumer's state", &ConsumerInfo},
    {"consumer.list", "STREAM", "the consumer names of a stream, sorted", &ConsumerList},
    {"consumer.fetch", "STREAM DURABLE BATCH [TIMEOUT]", "fetch messages from a pull consumer",
     &ConsumerFetch},
    {"js.ack", "REPLY", "acknowledge a JetStream message", &JsAck},
    {"js.nak", "REPLY [DELAY]", "ask for redelivery of a JetStream message", &JsNak},
    {"js.term", "REPLY", "never deliver a JetStream message again", &JsTerm},
    {"js.in_progress", "REPLY", "reset a JetStream message's ack timer", &JsInProgress},
    {"js.ack_sync", "REPLY [TIMEOUT]", "acknowledge and wait for the server's confirmation",
     &JsAckSync},
    {"js.subscribe", "SUBJECT [NAME VALUE]...", "push-consume a stream's messages", nullptr,
     &JsSubscribe},
    {"js.get_msg", "STREAM SEQ", "a stream's message by sequence", &JsGetMsg},
    {"js.get_last_msg", "STREAM SUBJECT", "the last message on a subject", &JsGetLastMsg},
    {"js.account_info", "", "the account's JetStream usage", &JsAccountInfo},
};

}  // namespace

std::span<const OpDef> JsOps() { return kJsOps; }

}  // namespace tower::mesh::nats
