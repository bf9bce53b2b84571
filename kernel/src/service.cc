#include "tower/service.hpp"

#include "service_transfer.hpp"
#include "tower/log.hpp"
#include "tower/wire.hpp"

namespace tower {

Service::Service(Db& db, const mesh::Client& client, ServiceOptions options)
    : db_(db),
      client_(client),
      options_(std::move(options)),
      prefix_(wire::CommandSubject(options_.database, "")),
      started_(std::chrono::steady_clock::now()) {}

Result<std::unique_ptr<Service>> Service::Start(Db& db, const mesh::Client& client,
                                                ServiceOptions options) {
  TOWER_RETURN_IF_ERROR(wire::CheckDatabaseName(options.database));
  if (options.workers < 1 || options.workers > 256) {
    return Status::InvalidArgument("service workers must be in 1..256, got " +
                                   std::to_string(options.workers));
  }
  std::unique_ptr<Service> s(new Service(db, client, std::move(options)));
  const std::string group = "towerd." + s->options_.database;
  Service* self = s.get();
  for (int i = 0; i < s->options_.workers; ++i) {
    auto sub = client.queue_subscribe(s->prefix_ + ">", group,
                                      [self](const mesh::Message& m) { self->HandleCommand(m); });
    if (!sub.ok()) return sub.status().WithContext("towerd: serve " + s->prefix_ + ">");
    s->subs_.push_back(std::move(*sub));
  }
  auto reply_text = [self](std::string (Service::*text)() const) {
    return [self, text](const mesh::Message& m) {
      if (!m.reply.empty()) (void)self->client_.respond(m, (self->*text)());
    };
  };
  for (auto [subject, text] :
       {std::pair{wire::HealthSubject(s->options_.database), &Service::HealthLine},
        std::pair{wire::StatsSubject(s->options_.database), &Service::StatsJson},
        std::pair{wire::CommandsSubject(s->options_.database), &Service::CommandsReply}}) {
    auto sub = client.queue_subscribe(subject, group, reply_text(text));
    if (!sub.ok()) return sub.status().WithContext("towerd: serve " + subject);
    s->subs_.push_back(std::move(*sub));
  }
  TOWER_RETURN_IF_ERROR(s->StartTransfers());
  TOWER_RETURN_IF_ERROR(client.flush());
  Log(LogLevel::kInfo, "service",
      "serving database '" + s->options_.database + "' on " + s->prefix_ + "> with " +
          std::to_string(s->options_.workers) + " workers");
  return s;
}

Service::~Service() { Stop(); }

void Service::Stop() {
  // Cancelling a subscription returns once its handler is not running, so
  // after this loop every request taken has been answered.
  for (auto& sub : subs_) sub->cancel();
  subs_.clear();
  StopTransfers();
}

void Service::HandleCommand(const mesh::Message& m) {
  ++in_flight_;
  std::string_view command = std::string_view(m.subject).substr(prefix_.size());
  Result<Value> result = Status::OK();
  auto args = wire::DecodeRequest(m.data);
  if (!args.ok()) {
    result = args.status();
  } else {
    result = db_.call(command, *args);
  }
  ++requests_;
  if (!result.ok()) ++errors_;
  if (!m.reply.empty()) {
    Status s = client_.respond(m, wire::EncodeReply(result));
    if (!s.ok()) Log(LogLevel::kWarn, "service", "reply to " + m.subject + ": " + s.ToString());
  }
  --in_flight_;
}

ServiceStats Service::stats() const {
  ServiceStats s;
  s.requests = requests_.load();
  s.errors = errors_.load();
  s.in_flight = in_flight_.load();
  s.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started_)
                    .count();
  return s;
}

std::string Service::HealthLine() const {
  ServiceStats s = stats();
  return "tower " + options_.database + " ok: backend " + db_.options().backend + ", up " +
         std::to_string(s.uptime_ms / 1000) + "s, " + std::to_string(s.requests) + " requests, " +
         std::to_string(s.errors) + " errors, " + std::to_string(s.in_flight) + " in flight";
}

std::string Service::StatsJson() const {
  ServiceStats s = stats();
  return "{\"database\":\"" + options_.database + "\",\"backend\":\"" + db_.options().backend +
         "\",\"uptime_ms\":" + std::to_string(s.uptime_ms) +
         ",\"requests\":" + std::to_string(s.requests) + ",\"errors\":" + std::to_string(s.errors) +
         ",\"in_flight\":" + std::to_string(s.in_flight) +
         ",\"workers\":" + std::to_string(options_.workers) + "}";
}

std::string Service::CommandsReply() const {
  std::vector<Value> out;
  for (const CommandInfo& c : db_.commands()) {
    out.emplace_back(c.name);
    out.emplace_back(c.usage);
    out.emplace_back(c.summary);
    out.emplace_back(c.plugin);
    out.emplace_back(c.read_only);
    out.emplace_back(int64_t{c.min_args});
    out.emplace_back(int64_t{c.max_args});
  }
  return wire::EncodeReply(Value(std::move(out)));
}

Result<std::string> RemoteDb::Ask(const std::string& subject, std::string_view payload,
                                  std::string_view what) const {
  return Ask(subject, payload, what, timeout_);
}

Result<std::string> RemoteDb::Ask(const std::string& subject, std::string_view payload,
                                  std::string_view what, std::chrono::milliseconds timeout) const {
  auto reply = client_.request(subject, payload, timeout);
  if (reply.ok()) return std::move(reply->data);
  if (reply.status().IsNotFound()) {
    return Status::NotFound("no towerd serves database '" + database_ + "' (" + std::string(what) +
                            " on " + subject + " had no responders)");
  }
  return reply.status().WithContext(std::string(what) + " on database '" + database_ + "'");
}

Result<Value> RemoteDb::call(std::string_view name, std::span<const Value> args) const {
  return Exchange(wire::CommandSubject(database_, name), args, name, timeout_);
}

Result<std::string> RemoteDb::health() const {
  return Ask(wire::HealthSubject(database_), "", "health");
}

Result<std::string> RemoteDb::stats() const {
  return Ask(wire::StatsSubject(database_), "", "stats");
}

}  // namespace tower

namespace tower {

Result<std::vector<CommandInfo>> RemoteDb::commands() const {
  auto reply = Ask(wire::CommandsSubject(database_), "", "commands");
  if (!reply.ok()) return reply.status();
  auto v = wire::DecodeReply(*reply);
  if (!v.ok()) return v.status();
  constexpr size_t kFields = 7;
  if (v->type() != Value::Type::kArray || v->as_array().size() % kFields != 0)
    return Status::Corruption("towerd: malformed command list from database '" + database_ + "'");
  const auto& a = v->as_array();
  auto text = [](const Value& x) {
    return x.type() == Value::Type::kString ? x.as_string() : std::string();
  };
  std::vector<CommandInfo> out;
  for (size_t i = 0; i < a.size(); i += kFields) {
    if (a[i].type() != Value::Type::kString || a[i + 4].type() != Value::Type::kBool ||
        a[i + 5].type() != Value::Type::kInt || a[i + 6].type() != Value::Type::kInt) {
      return Status::Corruption("towerd: malformed command list from database '" + database_ + "'");
    }
    CommandInfo c;
    c.name = a[i].as_string();
    c.usage = text(a[i + 1]);
    c.summary = text(a[i + 2]);
    c.plugin = text(a[i + 3]);
    c.read_only = a[i + 4].as_bool();
    c.min_args = static_cast<int32_t>(a[i + 5].as_int());
    c.max_args = static_cast<int32_t>(a[i + 6].as_int());
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace tower
