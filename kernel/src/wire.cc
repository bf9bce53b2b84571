#include "tower/wire.hpp"

#include "tower/sdk/value_codec.hpp"

namespace tower::wire {

namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads bytes front to back; every read checks the bounds.
class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool Varint(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (b_.empty()) return false;
      auto c = static_cast<uint8_t>(b_[0]);
      b_.remove_prefix(1);
      *v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if ((c & 0x80) == 0) return true;
    }
    return false;
  }
  bool Byte(uint8_t* c) {
    if (b_.empty()) return false;
    *c = static_cast<uint8_t>(b_[0]);
    b_.remove_prefix(1);
    return true;
  }
  bool Bytes(uint64_t n, std::string_view* out) {
    if (n > b_.size()) return false;
    *out = b_.substr(0, n);
    b_.remove_prefix(n);
    return true;
  }
  std::string_view rest() const { return b_; }
  bool done() const { return b_.empty(); }

 private:
  std::string_view b_;
};

Status Truncated(const char* what) {
  return Status::Corruption(std::string("towerd wire: truncated or malformed ") + what);
}

Status CheckVersion(Reader* r, const char* what) {
  uint8_t v = 0;
  if (!r->Byte(&v)) return Truncated(what);
  if (v != kVersion) {
    return Status::Incompatible("towerd wire: " + std::string(what) + " of version " +
                                std::to_string(v) + "; this side speaks version " +
                                std::to_string(kVersion));
  }
  return Status::OK();
}

// Appends one length-prefixed value; InvalidArgument for what the value
// codec cannot carry (a nested array).
Status PutValue(std::string* out, const Value& v) {
  std::string scratch, enc;
  sdk::Error e = sdk::encode_value(ToAbiValue(v, &scratch), &enc);
  if (!e.ok()) return Status::InvalidArgument("towerd wire: " + e.message);
  PutVarint(out, enc.size());
  out->append(enc);
  return Status::OK();
}

Result<Value> GetValue(Reader* r, const char* what) {
  uint64_t n = 0;
  std::string_view bytes;
  if (!r->Varint(&n) || !r->Bytes(n, &bytes)) return Truncated(what);
  tower_value v{};
  sdk::Error e = sdk::decode_value(bytes, &v);
  if (!e.ok()) return Status::Corruption("towerd wire: " + std::string(what) + ": " + e.message);
  return FromAbiValue(v);
}

}  // namespace

std::string CommandSubject(std::string_view database, std::string_view command) {
  return "tower." + std::string(database) + ".cmd." + std::string(command);
}
std::string HealthSubject(std::string_view database) {
  return "tower." + std::string(database) + ".health";
}
std::string StatsSubject(std::string_view database) {
  return "tower." + std::string(database) + ".stats";
}

std::string CommandsSubject(std::string_view database) {
  return "tower." + std::string(database) + ".commands";
}

std::string ExportSubject(std::string_view database) {
  return "tower." + std::string(database) + ".export";
}
std::string ImportSubject(std::string_view database) {
  return "tower." + std::string(database) + ".import";
}
std::string TransferPrefix(std::string_view database, std::string_view instance) {
  return "tower." + std::string(database) + ".xfer." + std::string(instance);
}

Status CheckDatabaseName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (ok) return Status::OK();
  return Status::InvalidArgument("database name '" + std::string(name) +
                                 "' must be [a-z0-9_-]+ and at most 64 bytes (it is part of the "
                                 "subjects)");
}

Result<std::string> EncodeRequest(std::span<const Value> args) {
  std::string out(1, static_cast<char>(kVersion));
  PutVarint(&out, args.size());
  for (const Value& a : args) TOWER_RETURN_IF_ERROR(PutValue(&out, a));
  return out;
}

Result<std::vector<Value>> DecodeRequest(std::string_view bytes) {
  Reader r(bytes);
  TOWER_RETURN_IF_ERROR(CheckVersion(&r, "request"));
  uint64_t n = 0;
  if (!r.Varint(&n) || n > bytes.size()) return Truncated("request");
  std::vector<Value> args;
  args.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto v = GetValue(&r, "request argument");
    if (!v.ok()) return v.status();
    args.push_back(std::move(*v));
  }
  if (!r.done()) return Truncated("request (trailing bytes)");
  return args;
}

std::string EncodeReply(const Result<Value>& result) {
  std::string out(1, static_cast<char>(kVersion));
  Status s = result.ok() ? Status::OK() : result.status();
  if (s.ok()) {
    out.push_back(0);
    const Value& v = *result;
    if (v.type() == Value::Type::kArray) {
      out.push_back(1);
      PutVarint(&out, v.as_array().size());
      for (const Value& e : v.as_array()) {
        s = PutValue(&out, e);
        if (!s.ok()) break;
      }
    } else {
      out.push_back(0);
      s = PutValue(&out, v);
    }
    if (s.ok()) return out;
    out.resize(1);
  }
  out.push_back(static_cast<char>(s.code()));
  out.append(s.message());
  return out;
}

Result<Value> DecodeReply(std::string_view bytes) {
  Reader r(bytes);
  TOWER_RETURN_IF_ERROR(CheckVersion(&r, "reply"));
  uint8_t code = 0, kind = 0;
  if (!r.Byte(&code)) return Truncated("reply");
  if (code != 0) return Status::FromAbi(code, std::string(r.rest()));
  if (!r.Byte(&kind) || kind > 1) return Truncated("reply");
  if (kind == 0) {
    auto v = GetValue(&r, "reply value");
    if (v.ok() && !r.done()) return Truncated("reply (trailing bytes)");
    return v;
  }
  uint64_t n = 0;
  if (!r.Varint(&n) || n > bytes.size()) return Truncated("reply");
  std::vector<Value> items;
  items.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    auto v = GetValue(&r, "reply element");
    if (!v.ok()) return v.status();
    items.push_back(std::move(*v));
  }
  if (!r.done()) return Truncated("reply (trailing bytes)");
  return Value(std::move(items));
}

}  // namespace tower::wire
