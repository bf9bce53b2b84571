// Core NATS operations: publish, publish_batch, request, respond, flush,
// subscribe and queue_subscribe, server_info.
#include <condition_variable>
#include <string>

#include "conn.hpp"

namespace tower::mesh::nats {

namespace {

// A natsMsg that destroys itself.
struct OwnedMsg {
  natsMsg* m = nullptr;
  ~OwnedMsg() { natsMsg_Destroy(m); }
};

// Builds a message for `subject` with `data` and, when `headers` is not
// empty, those headers.
Error MakeMsg(const MeshArgs& a, std::string_view subject, std::string_view reply,
              std::string_view data, std::string_view headers, OwnedMsg* out) {
  std::string subj(subject), rep(reply);
  natsStatus s = natsMsg_Create(&out->m, subj.c_str(), rep.empty() ? nullptr : rep.c_str(),
                                data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return FromNats(s, std::string(a.op()) + " " + subj);
  if (!headers.empty()) return SetHeaders(out->m, headers, a.op());
  return Error::Ok();
}

Error CheckPayload(const Conn& c, const MeshArgs& a, std::string_view subject, size_t size) {
  int64_t max = natsConnection_GetMaxPayload(c.nc);
  if (max > 0 && static_cast<int64_t>(size) > max) {
    return a.invalid("message of " + std::to_string(size) + " bytes for '" + std::string(subject) +
                     "' is over the server's max_payload of " + std::to_string(max));
  }
  return Error::Ok();
}

// publish SUBJECT DATA [HEADERS] -> null
Error Publish(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string_view subject, data, headers;
  if (Error e = SubjectDataHeaders(a, &subject, &data, &headers); !e.ok()) return e;
  if (Error e = CheckSubject(subject, false, "publish subject"); !e.ok()) return e;
  if (Error e = CheckPayload(c, a, subject, data.size()); !e.ok()) return e;
  natsStatus s;
  if (headers.empty()) {
    std::string subj(subject);
    s = natsConnection_Publish(c.nc, subj.c_str(), data.data(), static_cast<int>(data.size()));
  } else {
    OwnedMsg m;
    if (Error e = MakeMsg(a, subject, {}, data, headers, &m); !e.ok()) return e;
    s = natsConnection_PublishMsg(c.nc, m.m);
  }
  if (s != NATS_OK) return FromNats(s, "publish to " + std::string(subject));
  out.set_null();
  return Error::Ok();
}

// publish_batch SUBJECT DATA... -> int count, then one flush: all are on the
// server when it returns.
Error PublishBatch(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  std::string_view subject;
  if (Error e = a.count(2, SIZE_MAX, "SUBJECT DATA..."); !e.ok()) return e;
  if (Error e = a.text(0, "SUBJECT", &subject); !e.ok()) return e;
  if (Error e = CheckSubject(subject, false, "publish subject"); !e.ok()) return e;
  std::string subj(subject);
  for (size_t i = 1; i < a.size(); ++i) {
    std::string_view data;
    if (Error e = a.text(i, "DATA", &data); !e.ok()) return e;
    if (Error e = CheckPayload(c, a, subject, data.size()); !e.ok()) return e;
  }
  for (size_t i = 1; i < a.size(); ++i) {
    std::string_view data = sdk::view(a.arg(i).bytes);
    natsStatus s =
        natsConnection_Publish(c.nc, subj.c_str(), data.data(), static_cast<int>(data.size()));
    if (s != NATS_OK) return FromNats(s, "publish_batch to " + subj);
  }
  natsStatus s = natsConnection_FlushTimeout(c.nc, c.timeout_ms);
  if (s != NATS_OK) return FromNats(s, "publish_batch: flush");
  out.set_int(static_cast<int64_t>(a.size() - 1));
  return Error::Ok();
}

// request SUBJECT DATA [TIMEOUT] [HEADERS] -> binary reply data; the whole
// reply (headers included) also goes to the handler.
Error Request(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler* msgs) {
  std::string_view subject, data, headers;
  int64_t timeout_ns = c.timeout_ms * 1000000;
  if (Error e = a.count(2, 4, "SUBJECT DATA [TIMEOUT] [HEADERS]"); !e.ok()) return e;
  if (Error e = a.text(0, "SUBJECT", &subject); !e.ok()) return e;
  if (Error e = a.text(1, "DATA", &data); !e.ok()) return e;
  if (a.has(2)) {
    if (Error e = a.duration(2, "TIMEOUT", &timeout_ns); !e.ok()) return e;
    if (timeout_ns <= 0) return a.invalid("TIMEOUT must be positive");
  }
  if (a.has(3)) {
    if (Error e = a.text(3, "HEADERS", &headers); !e.ok()) return e;
  }
  if (Error e = CheckSubject(subject, false, "request subject"); !e.ok()) return e;
  if (Error e = CheckPayload(c, a, subject, data.size()); !e.ok()) return e;
  int64_t timeout_ms = std::max<int64_t>(1, timeout_ns / 1000000);
  OwnedMsg reply;
  natsStatus s;
  if (headers.empty()) {
    std::string subj(subject);
    s = natsConnection_Request(&reply.m, c.nc, subj.c_str(), data.data(),
                               static_cast<int>(data.size()), timeout_ms);
  } else {
    OwnedMsg m;
    if (Error e = MakeMsg(a, subject, {}, data, headers, &m); !e.ok()) return e;
    s = natsConnection_RequestMsg(&reply.m, c.nc, m.m, timeout_ms);
  }
  if (s == NATS_NO_RESPONDERS) {
    return Error::Make(TOWER_E_NOT_FOUND,
                       "request to " + std::string(subject) + ": no responders on that subject");
  }
  if (s == NATS_TIMEOUT) {
    return Error::Make(TOWER_E_TIMEOUT, "request to " + std::string(subject) + ": no reply in " +
                                            std::to_string(timeout_ms) + " ms");
  }
  if (s != NATS_OK) return FromNats(s, "request to " + std::string(subject));
  if (msgs != nullptr) {
    MsgView v(reply.m);
    sdk::deliver(msgs, v.msg());
  }
  out.set_binary({natsMsg_GetData(reply.m), static_cast<size_t>(natsMsg_GetDataLength(reply.m))});
  return Error::Ok();
}

// respond REPLY DATA [HEADERS] -> null: answers a request whose reply
// subject a handler received.
Error Respond(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler* msgs) {
  if (Error e = a.count(2, 3, "REPLY DATA [HEADERS]"); !e.ok()) return e;
  std::string_view reply;
  if (Error e = a.text(0, "REPLY", &reply); !e.ok()) return e;
  if (reply.empty()) return a.invalid("the message has no reply subject (nobody waits for one)");
  return Publish(c, a, out, msgs);
}

// flush [TIMEOUT] -> null: everything published so far reached the server.
Error Flush(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  int64_t timeout_ns = c.timeout_ms * 1000000;
  if (Error e = a.count(0, 1, "[TIMEOUT]"); !e.ok()) return e;
  if (a.has(0)) {
    if (Error e = a.duration(0, "TIMEOUT", &timeout_ns); !e.ok()) return e;
  }
  natsStatus s = natsConnection_FlushTimeout(c.nc, std::max<int64_t>(1, timeout_ns / 1000000));
  if (s != NATS_OK) return FromNats(s, "flush");
  out.set_null();
  return Error::Ok();
}

// server_info -> record: server_id, server_name, url, cluster, rtt (ns).
Error ServerInfo(Conn& c, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(0, 0, ""); !e.ok()) return e;
  char id[128] = {0}, url[512] = {0};
  natsConnection_GetConnectedServerId(c.nc, id, sizeof(id));
  natsConnection_GetConnectedUrl(c.nc, url, sizeof(url));
  int64_t rtt = 0;
  natsStatus s = natsConnection_GetRTT(c.nc, &rtt);
  if (s != NATS_OK) return FromNats(s, "server_info");
  out.begin_array();
  out.field("server_id", std::string_view(id));
  out.field("url", std::string_view(url));
  out.field_duration("rtt", rtt);
  out.field("status", natsConnection_Status(c.nc) == NATS_CONN_STATUS_CONNECTED
                          ? std::string_view("connected")
                          : std::string_view("reconnecting"));
  return Error::Ok();
}

// A core subscription delivering to a handler from NATS.c's thread.
// Destruction unsubscribes and then waits until no callback is running.
class CoreSub final : public Sub {
 public:
  explicit CoreSub(const tower_mesh_handler& h) : handler_(h) {}
  ~CoreSub() override {
    if (sub_ == nullptr) return;
    natsSubscription_Unsubscribe(sub_);
    std::unique_lock lock(mu_);
    closed_ = true;
    idle_.wait(lock, [&] { return running_ == 0; });
    lock.unlock();
    natsSubscription_Destroy(sub_);
  }
  static void OnMsg(natsConnection*, natsSubscription*, natsMsg* m, void* closure) {
    auto* self = static_cast<CoreSub*>(closure);
    {
      std::lock_guard lock(self->mu_);
      if (self->closed_) {
        natsMsg_Destroy(m);
        return;
      }
      ++self->running_;
    }
    {
      MsgView v(m);
      sdk::deliver(&self->handler_, v.msg());
    }
    natsMsg_Destroy(m);
    std::lock_guard lock(self->mu_);
    if (--self->running_ == 0) self->idle_.notify_all();
  }
  natsSubscription* sub_ = nullptr;

 private:
  tower_mesh_handler handler_;
  std::mutex mu_;
  std::condition_variable idle_;
  int running_ = 0;
  bool closed_ = false;
};

Error StartSub(Conn& c, const MeshArgs& a, const tower_mesh_handler* h, std::string_view subject,
               std::string_view queue, std::unique_ptr<Sub>* out) {
  if (Error e = CheckSubject(subject, true, "subscription subject"); !e.ok()) return e;
  if (h == nullptr || h->on_msg == nullptr) return a.invalid("a handler is required");
  auto sub = std::make_unique<CoreSub>(*h);
  std::string subj(subject), q(queue);
  natsStatus s = q.empty() ? natsConnection_Subscribe(&sub->sub_, c.nc, subj.c_str(),
                                                      &CoreSub::OnMsg, sub.get())
                           : natsConnection_QueueSubscribe(&sub->sub_, c.nc, subj.c_str(),
                                                           q.c_str(), &CoreSub::OnMsg, sub.get());
  if (s != NATS_OK) return FromNats(s, std::string(a.op()) + " " + subj);
  // Unlimited pending: a slow handler must not make NATS.c drop messages.
  natsSubscription_SetPendingLimits(sub->sub_, -1, -1);
  // The interest is on the server when subscribe returns.
  s = natsConnection_FlushTimeout(c.nc, c.timeout_ms);
  if (s != NATS_OK) return FromNats(s, std::string(a.op()) + " " + subj + ": flush");
  *out = std::move(sub);
  return Error::Ok();
}

// subscribe SUBJECT (wildcards allowed): every message to the handler.
Error Subscribe(Conn& c, const MeshArgs& a, const tower_mesh_handler* h,
                std::unique_ptr<Sub>* out) {
  std::string_view subject;
  if (Error e = a.count(1, 1, "SUBJECT"); !e.ok()) return e;
  if (Error e = a.text(0, "SUBJECT", &subject); !e.ok()) return e;
  return StartSub(c, a, h, subject, {}, out);
}

// queue_subscribe SUBJECT QUEUE: each message to one member of the group.
Error QueueSubscribe(Conn& c, const MeshArgs& a, const tower_mesh_handler* h,
                     std::unique_ptr<Sub>* out) {
  std::string_view subject, queue;
  if (Error e = a.count(2, 2, "SUBJECT QUEUE"); !e.ok()) return e;
  if (Error e = a.text(0, "SUBJECT", &subject); !e.ok()) return e;
  if (Error e = a.text(1, "QUEUE", &queue); !e.ok()) return e;
  if (Error e = CheckSubject(queue, false, "queue group"); !e.ok()) return e;
  return StartSub(c, a, h, subject, queue, out);
}

constexpr OpDef kOps[] = {
    {"publish", "SUBJECT DATA [HEADERS]", "publishes a message (fire and forget)", Publish},
    {"publish_batch", "SUBJECT DATA...", "publishes several messages, then flushes", PublishBatch},
    {"request", "SUBJECT DATA [TIMEOUT] [HEADERS]", "sends a request and waits for one reply",
     Request},
    {"respond", "REPLY DATA [HEADERS]", "answers a received request on its reply subject", Respond},
    {"flush", "[TIMEOUT]", "waits until the server has everything published so far", Flush},
    {"server_info", "", "the connected server: id, url, round trip time, status", ServerInfo},
    {"subscribe", "SUBJECT", "delivers every message on SUBJECT (wildcards allowed)", nullptr,
     Subscribe},
    {"queue_subscribe", "SUBJECT QUEUE", "delivers each message to one member of QUEUE", nullptr,
     QueueSubscribe},
};

}  // namespace

std::span<const OpDef> CoreOps() { return kOps; }

}  // namespace tower::mesh::nats
