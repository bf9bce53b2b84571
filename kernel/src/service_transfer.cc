// Exports and imports through a towerd (the subjects are in tower/wire.hpp).
//
// The service runs Db::export_jsonl / import_jsonl in a thread of their own
// on a stream over a bounded pipe; the client pulls an export's chunks with
// T.next and pushes an import's with T.data, so neither side holds more
// than the pipe (1 MiB) and a chunk (256 KiB) at a time. The transfer
// subjects name this service's instance, so a transfer's requests reach
// the towerd that opened it even when several serve the database.
#include <sys/random.h>
#include <unistd.h>

#include <chrono>
#include <istream>
#include <ostream>

#include "service_transfer.hpp"
#include "tower/log.hpp"
#include "tower/wire.hpp"

namespace tower {

namespace {

using namespace std::chrono_literals;

// How long a T.next waits for the export to produce something.
constexpr auto kNextWait = 1s;

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
    // No random source: the clock and the process id are unique enough to
    // tell instances apart.
    uint64_t x =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
        (static_cast<uint64_t>(getpid()) << 40);
    for (size_t i = 0; i < bytes; ++i) raw[i] = static_cast<char>(x >> (8 * (i % 8)));
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Value Int(uint64_t v) { return Value(static_cast<int64_t>(v)); }

}  // namespace

Status Service::StartTransfers() {
  transfers_ = std::make_unique<Transfers>();
  transfers_->instance = RandomHex(8);
  transfers_->prefix = wire::TransferPrefix(options_.database, transfers_->instance);
  const std::string group = "towerd." + options_.database;
  for (bool exporting : {true, false}) {
    std::string subject =
        exporting ? wire::ExportSubject(options_.database) : wire::ImportSubject(options_.database);
    auto sub = client_.queue_subscribe(
        subject, group, [this, exporting](const mesh::Message& m) { OpenTransfer(m, exporting); });
    if (!sub.ok()) return sub.status().WithContext("towerd: serve " + subject);
    subs_.push_back(std::move(*sub));
  }
  auto sub = client_.subscribe(transfers_->prefix + ".>",
                               [this](const mesh::Message& m) { HandleTransfer(m); });
  if (!sub.ok()) return sub.status().WithContext("towerd: serve " + transfers_->prefix + ".>");
  subs_.push_back(std::move(*sub));
  return Status::OK();
}

void Service::StopTransfers() {
  if (!transfers_) return;
  std::map<std::string, std::shared_ptr<Transfer>> open;
  {
    std::lock_guard lock(transfers_->mu);
    open.swap(transfers_->open);
  }
  for (auto& [id, t] : open) {
    t->pipe.Abort();
    t->Join();
    Log(LogLevel::kWarn, "service",
        std::string(t->is_export ? "export " : "import ") + id + " stopped by shutdown" +
            (t->status.ok() ? "" : ": " + t->status.ToString()));
  }
}

void Service::OpenTransfer(const mesh::Message& m, bool is_export) {
  if (m.reply.empty()) return;
  auto reply = [&](const Result<Value>& r) { (void)client_.respond(m, wire::EncodeReply(r)); };
  Db::ImportOptions io;
  if (!is_export) {
    auto args = wire::DecodeRequest(m.data);
    if (!args.ok()) return reply(args.status());
    if (args->size() > 1 || (args->size() == 1 && (*args)[0].type() != Value::Type::kBool))
      return reply(Status::InvalidArgument("import takes one optional argument: replace (bool)"));
    io.replace = args->size() == 1 && (*args)[0].as_bool();
  }
  const auto idle = options_.transfer_idle;
  // Transfers whose client went away: finished, and untouched for `idle`.
  {
    std::lock_guard lock(transfers_->mu);
    std::erase_if(transfers_->open, [&](auto& e) {
      Transfer& t = *e.second;
      if (!t.finished || NowMs() - t.last_touch_ms < idle.count()) return false;
      t.Join();
      Log(LogLevel::kWarn, "service",
          std::string(t.is_export ? "export " : "import ") + e.first + " abandoned by its client");
      return true;
    });
  }
  auto t = std::make_shared<Transfer>(is_export);
  t->last_touch_ms = NowMs();
  Db& db = db_;
  t->worker = std::thread([t, &db, idle, io] {
    Result<Db::TransferStats> r = Db::TransferStats();
    if (t->is_export) {
      PipeWriteBuf buf(t->pipe, idle);
      std::ostream out(&buf);
      r = db.export_jsonl(out);
      if (r.ok() && !out.flush()) r = Status::Aborted("export: the client stopped reading");
    } else {
      PipeReadBuf buf(t->pipe, idle);
      std::istream in(&buf);
      r = db.import_jsonl(in, io);
    }
    if (r.ok()) {
      t->stats = *r;
    } else if (t->pipe.timed_out()) {
      t->status = Status::Aborted(std::string(t->is_export ? "export" : "import") +
                                  " abandoned: the client " + (t->is_export ? "read" : "sent") +
                                  " nothing for " + std::to_string(idle.count()) + " ms (" +
                                  r.status().ToString() + ")");
    } else {
      t->status = r.status();
    }
    // An export's reader sees the end after the last chunk; an import's
    // writer, waiting for room, learns that nobody reads any more.
    if (t->is_export && r.ok()) {
      t->pipe.CloseWrite();
    } else {
      t->pipe.Abort();
    }
    t->finished = true;
  });
  std::string id = std::to_string(transfers_->next_id++);
  {
    std::lock_guard lock(transfers_->mu);
    transfers_->open[id] = t;
  }
  Log(LogLevel::kInfo, "service", std::string(is_export ? "export " : "import ") + id + " opened");
  reply(Value(transfers_->prefix + "." + id));
}

void Service::HandleTransfer(const mesh::Message& m) {
  if (m.reply.empty()) return;
  auto reply = [&](const Result<Value>& r) { (void)client_.respond(m, wire::EncodeReply(r)); };
  std::string_view rest = std::string_view(m.subject).substr(transfers_->prefix.size() + 1);
  size_t dot = rest.find('.');
  if (dot == std::string_view::npos) return reply(Status::InvalidArgument("no transfer operation"));
  const std::string id(rest.substr(0, dot));
  const std::string_view op = rest.substr(dot + 1);
  std::shared_ptr<Transfer> t;
  {
    std::lock_guard lock(transfers_->mu);
    if (auto it = transfers_->open.find(id); it != transfers_->open.end()) t = it->second;
  }
  if (!t) {
    return reply(Status::NotFound("transfer " + id +
                                  " is not open (finished, or abandoned after being idle)"));
  }
  t->last_touch_ms = NowMs();
  const char* kind = t->is_export ? "export" : "import";
  // Ends the transfer: waits for its thread and forgets it.
  auto finish = [&] {
    t->pipe.Abort();
    t->Join();
    std::lock_guard lock(transfers_->mu);
    transfers_->open.erase(id);
  };
  auto failed = [&](const char* what) {
    return t->status.ok() ? Status::Aborted(std::string(kind) + " " + what) : t->status;
  };

  if (op == "abort") {
    finish();
    return reply(Value());
  }
  if (t->is_export && op == "next") {
    std::string chunk;
    switch (t->pipe.Take(wire::kTransferChunk, kNextWait, &chunk)) {
      case BytePipe::Read::kData:
      case BytePipe::Read::kNothingYet:
        return reply(Value(
            std::vector<Value>{Value(Binary{std::move(chunk)}), Value(false), Int(0), Int(0)}));
      case BytePipe::Read::kEnd:
        finish();
        return reply(Value(std::vector<Value>{Value(Binary{}), Value(true), Int(t->stats.keys),
                                              Int(t->stats.items)}));
      case BytePipe::Read::kAborted: finish(); return reply(failed("was abandoned"));
    }
  }
  if (!t->is_export && op == "data") {
    auto args = wire::DecodeRequest(m.data);
    if (!args.ok()) return reply(args.status());
    if (args->size() != 1 || (*args)[0].type() != Value::Type::kBinary)
      return reply(Status::InvalidArgument("import data takes one binary chunk"));
    if (!t->pipe.Write((*args)[0].as_binary().bytes, options_.transfer_idle)) {
      finish();  // the import ended early: its error says why
      return reply(failed("stopped reading"));
    }
    return reply(Value());
  }
  if (!t->is_export && op == "end") {
    t->pipe.CloseWrite();
    t->Join();
    finish();
    if (!t->status.ok()) return reply(t->status);
    return reply(
        Value(std::vector<Value>{Int(t->stats.keys), Int(t->stats.items), Int(t->stats.expired)}));
  }
  return reply(Status::InvalidArgument("an " + std::string(kind) + " has no operation '" +
                                       std::string(op) + "'"));
}

// --- the client side

Result<Value> RemoteDb::Exchange(const std::string& subject, std::span<const Value> args,
                                 std::string_view what, std::chrono::milliseconds timeout) const {
  auto payload = wire::EncodeRequest(args);
  if (!payload.ok()) return payload.status();
  auto reply = Ask(subject, *payload, what, timeout);
  if (!reply.ok()) return reply.status();
  return wire::DecodeReply(*reply);
}

namespace {

// True when `v` is an array of exactly these value types.
bool Shaped(const Value& v, std::initializer_list<Value::Type> types) {
  if (v.type() != Value::Type::kArray || v.as_array().size() != types.size()) return false;
  size_t i = 0;
  for (Value::Type t : types) {
    if (v.as_array()[i++].type() != t) return false;
  }
  return true;
}

}  // namespace

Result<Db::TransferStats> RemoteDb::export_jsonl(std::ostream& out,
                                                 const Db::ProgressFn& progress) const {
  auto opened = Exchange(wire::ExportSubject(database_), {}, "export", timeout_);
  if (!opened.ok()) return opened.status();
  if (opened->type() != Value::Type::kString)
    return Status::Corruption("export: malformed reply from database '" + database_ + "'");
  const std::string subject = opened->as_string();
  uint64_t bytes = 0;
  for (;;) {
    auto r = Exchange(subject + ".next", {}, "export", timeout_);
    if (!r.ok()) return r.status();
    using T = Value::Type;
    if (!Shaped(*r, {T::kBinary, T::kBool, T::kInt, T::kInt}))
      return Status::Corruption("export: malformed chunk from database '" + database_ + "'");
    const auto& a = r->as_array();
    const std::string& chunk = a[0].as_binary().bytes;
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!out) {
      (void)Exchange(subject + ".abort", {}, "export", timeout_);
      return Status::IOError("export: writing the output failed");
    }
    bytes += chunk.size();
    if (progress && !chunk.empty()) progress(bytes, 0);
    if (a[1].as_bool()) {
      Db::TransferStats stats;
      stats.keys = static_cast<uint64_t>(a[2].as_int());
      stats.items = static_cast<uint64_t>(a[3].as_int());
      return stats;
    }
  }
}

Result<Db::TransferStats> RemoteDb::import_jsonl(std::istream& in,
                                                 const Db::ImportOptions& options) const {
  const Value replace(options.replace);
  auto opened = Exchange(wire::ImportSubject(database_), std::span<const Value>(&replace, 1),
                         "import", timeout_);
  if (!opened.ok()) return opened.status();
  if (opened->type() != Value::Type::kString)
    return Status::Corruption("import: malformed reply from database '" + database_ + "'");
  const std::string subject = opened->as_string();
  // A chunk may wait while the service imports what it holds.
  const auto slow = std::max<std::chrono::milliseconds>(timeout_, 60s);
  std::string buf(wire::kTransferChunk, '\0');
  uint64_t bytes = 0;
  for (;;) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    size_t n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    const Value chunk(Binary{buf.substr(0, n)});
    auto r = Exchange(subject + ".data", std::span<const Value>(&chunk, 1), "import", slow);
    if (!r.ok()) {
      if (r.status().code() == Code::kTimeout)
        (void)Exchange(subject + ".abort", {}, "import", timeout_);
      return r.status();
    }
    bytes += n;
    if (options.progress) options.progress(bytes, options.total_bytes);
  }
  if (in.bad()) {
    (void)Exchange(subject + ".abort", {}, "import", timeout_);
    return Status::IOError("import: reading the input failed");
  }
  auto r = Exchange(subject + ".end", {}, "import", slow);
  if (!r.ok()) return r.status();
  using T = Value::Type;
  if (!Shaped(*r, {T::kInt, T::kInt, T::kInt}))
    return Status::Corruption("import: malformed reply from database '" + database_ + "'");
  Db::TransferStats stats;
  stats.keys = static_cast<uint64_t>(r->as_array()[0].as_int());
  stats.items = static_cast<uint64_t>(r->as_array()[1].as_int());
  stats.expired = static_cast<uint64_t>(r->as_array()[2].as_int());
  return stats;
}

}  // namespace tower
