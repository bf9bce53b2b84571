// The object store operations (obj.*) of the nats mesh plugin.
//
// NATS.c 3.4 has no object store, so this file implements the standard
// protocol of the official clients (nats.go 1.22 object.go) on plain
// JetStream calls, so that nats.go reads what Tower writes and the other way
// round:
//
//  - bucket B is the stream OBJ_B with the subjects $O.B.C.> (chunks) and
//    $O.B.M.> (metas), Discard=New, AllowRollup, AllowDirect;
//  - an object's content is a run of chunk messages on $O.B.C.<nuid> (a fresh
//    22-character NUID per version), its meta a JSON document on
//    $O.B.M.<base64url-with-padding(name)> published with Nats-Rollup: sub;
//  - the digest is "SHA-256=" + base64url-with-padding(sha256(content));
//  - a delete publishes a meta with deleted:true (size, chunks and digest
//    cleared) and purges the chunks.
#include <openssl/evp.h>
#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conn.hpp"
#include "tower/sdk/base64.hpp"

namespace tower::mesh::nats {

namespace {

constexpr int64_t kDefaultChunkSize = 128 * 1024;

// ---------------------------------------------------------------------------
// JSON: a small, strict encoder and decoder (enough for the meta object).

struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = kNull;
  bool b = false;
  std::string s;            // kString: the text; kNumber: the number's literal
  std::vector<Json> items;  // kArray
  std::vector<std::pair<std::string, Json>> members;  // kObject, in order

  const Json* Get(std::string_view key) const {
    if (type != kObject) return nullptr;
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
};

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : t_(text) {}

  // Parses one complete document; false (with why()) on any error.
  bool Parse(Json* out) {
    if (!Value(out, 0)) return false;
    Space();
    if (p_ != t_.size()) return Fail("trailing characters");
    return true;
  }
  const std::string& why() const { return why_; }

 private:
  bool Fail(const std::string& why) {
    if (why_.empty()) why_ = why + " at offset " + std::to_string(p_);
    return false;
  }
  void Space() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' || t_[p_] == '\n' || t_[p_] == '\r'))
      ++p_;
  }
  bool Literal(std::string_view word) {
    if (t_.substr(p_, word.size()) != word) return Fail("bad literal");
    p_ += word.size();
    return true;
  }
  bool Hex4(uint32_t* v) {
    if (p_ + 4 > t_.size()) return Fail("short \\u escape");
    *v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = t_[p_++];
      *v <<= 4;
      if (c >= '0' && c <= '9') {
        *v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        *v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        *v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("bad \\u escape");
      }
    }
    return true;
  }
  bool String(std::string* out) {
    if (p_ >= t_.size() || t_[p_] != '"') return Fail("expected a string");
    ++p_;
    while (true) {
      if (p_ >= t_.size()) return Fail("unterminated string");
      char c = t_[p_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return Fail("control character in string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (p_ >= t_.size()) return Fail("unterminated escape");
      char e = t_[p_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (t_.substr(p_, 2) == "\\u") {
              p_ += 2;
              if (!Hex4(&lo)) return false;
            }
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              cp = 0xFFFD;  // a lone surrogate, as Go decodes it
            }
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            cp = 0xFFFD;
          }
          AppendUtf8(out, cp);
          break;
        }
        default: return Fail("bad escape");
      }
    }
  }
  bool Number(std::string* out) {
    size_t start = p_;
    if (p_ < t_.size() && t_[p_] == '-') ++p_;
    size_t digits = p_;
    while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
    if (p_ == digits) return Fail("bad number");
    if (p_ < t_.size() && t_[p_] == '.') {
      ++p_;
      size_t frac = p_;
      while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
      if (p_ == frac) return Fail("bad number");
    }
    if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
      ++p_;
      if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
      size_t exp = p_;
      while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
      if (p_ == exp) return Fail("bad number");
    }
    out->assign(t_.substr(start, p_ - start));
    return true;
  }
  bool Value(Json* out, int depth) {
    if (depth > 32) return Fail("nested too deeply");
    Space();
    if (p_ >= t_.size()) return Fail("unexpected end");
    char c = t_[p_];
    switch (c) {
      case 'n': out->type = Json::kNull; return Literal("null");
      case 't':
        out->type = Json::kBool;
        out->b = true;
        return Literal("true");
      case 'f':
        out->type = Json::kBool;
        out->b = false;
        return Literal("false");
      case '"': out->type = Json::kString; return String(&out->s);
      case '[': {
        out->type = Json::kArray;
        ++p_;
        Space();
        if (p_ < t_.size() && t_[p_] == ']') {
          ++p_;
          return true;
        }
        while (true) {
          out->items.emplace_back();
          if (!Value(&out->items.back(), depth + 1)) return false;
          Space();
          if (p_ < t_.size() && t_[p_] == ',') {
            ++p_;
            continue;
          }
          if (p_ < t_.size() && t_[p_] == ']') {
            ++p_;
            return true;
          }
          return Fail("expected ',' or ']'");
        }
      }
      case '{': {
        out->type = Json::kObject;
        ++p_;
        Space();
        if (p_ < t_.size() && t_[p_] == '}') {
          ++p_;
          return true;
        }
        while (true) {
          Space();
          std::string key;
          if (!String(&key)) return false;
          Space();
          if (p_ >= t_.size() || t_[p_] != ':') return Fail("expected ':'");
          ++p_;
          Json v;
          if (!Value(&v, depth + 1)) return false;
          out->members.emplace_back(std::move(key), std::move(v));
          Space();
          if (p_ < t_.size() && t_[p_] == ',') {
            ++p_;
            continue;
          }
          if (p_ < t_.size() && t_[p_] == '}') {
            ++p_;
            return true;
          }
          return Fail("expected ',' or '}'");
        }
      }
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          out->type = Json::kNumber;
          return Number(&out->s);
        }
        return Fail("unexpected character");
    }
  }

  std::string_view t_;
  size_t p_ = 0;
  std::string why_;
};

void JsonString(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (u < 0x20 || c == '<' || c == '>' || c == '&') {  // Go escapes <>& too
          *out += "\\u00";
          out->push_back(kHex[u >> 4]);
          out->push_back(kHex[u & 15]);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void JsonEncode(std::string* out, const Json& v) {
  switch (v.type) {
    case Json::kNull: *out += "null"; break;
    case Json::kBool: *out += v.b ? "true" : "false"; break;
    case Json::kNumber: *out += v.s; break;
    case Json::kString: JsonString(out, v.s); break;
    case Json::kArray:
      out->push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out->push_back(',');
        JsonEncode(out, v.items[i]);
      }
      out->push_back(']');
      break;
    case Json::kObject:
      out->push_back('{');
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0) out->push_back(',');
        JsonString(out, v.members[i].first);
        out->push_back(':');
        JsonEncode(out, v.members[i].second);
      }
      out->push_back('}');
      break;
  }
}

// An unsigned integer JSON number (Go writes uint64/uint32 fields so).
bool JsonUint(const Json* v, uint64_t* out) {
  if (v == nullptr || v->type != Json::kNumber || v->s.empty()) return false;
  uint64_t x = 0;
  for (char c : v->s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (x > (UINT64_MAX - d) / 10) return false;
    x = x * 10 + d;
  }
  *out = x;
  return true;
}

// ---------------------------------------------------------------------------
// Encodings, NUID, digest.

// base64url with padding (Go's base64.URLEncoding).
std::string Base64Url(std::string_view in) { return tower::sdk::Base64Encode(in, /*url=*/true); }
using tower::sdk::Base64Decode;

// 22 base62 characters from the kernel's CSPRNG (like a NUID: unique, not
// sequential).
std::string NewNuid() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  while (out.size() < 22) {
    unsigned char buf[32];
    ssize_t n = getrandom(buf, sizeof buf, 0);
    if (n <= 0) continue;  // EINTR; getrandom does not fail otherwise
    for (ssize_t i = 0; i < n && out.size() < 22; ++i) {
      if (buf[i] < 248) out.push_back(kAlphabet[buf[i] % 62]);  // 248 = 4 * 62: no bias
    }
  }
  return out;
}

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ != nullptr) EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr);
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data) {
    if (ctx_ != nullptr && !data.empty()) EVP_DigestUpdate(ctx_, data.data(), data.size());
  }
  // The raw 32 bytes (empty if OpenSSL failed).
  std::string Final() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (ctx_ == nullptr || EVP_DigestFinal_ex(ctx_, md, &len) != 1) return {};
    return std::string(reinterpret_cast<char*>(md), len);
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string DigestText(const std::string& raw) { return "SHA-256=" + Base64Url(raw); }

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

// ---------------------------------------------------------------------------
// The meta object.

using HeaderMap = std::map<std::string, std::vector<std::string>>;

struct ObjInfo {
  std::string name, description;
  HeaderMap headers;
  bool has_options = false;
  uint64_t max_chunk_size = 0;
  std::optional<Json> link;  // options.link, kept as it is
  std::string bucket, nuid;
  uint64_t size = 0;
  uint64_t chunks = 0;
  std::string digest;
  bool deleted = false;
  int64_t mtime_ns = 0;  // from the meta message's stream timestamp
};

// The meta as nats.go marshals ObjectInfo (field order and omitempty
// included); mtime is the zero time, the stream timestamp is the real one.
std::string EncodeMeta(const ObjInfo& i) {
  std::string out = "{\"name\":";
  JsonString(&out, i.name);
  if (!i.description.empty()) {
    out += ",\"description\":";
    JsonString(&out, i.description);
  }
  if (!i.headers.empty()) {
    out += ",\"headers\":{";
    bool first = true;
    for (const auto& [k, vs] : i.headers) {
      if (!first) out.push_back(',');
      first = false;
      JsonString(&out, k);
      out += ":[";
      for (size_t n = 0; n < vs.size(); ++n) {
        if (n > 0) out.push_back(',');
        JsonString(&out, vs[n]);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  if (i.has_options) {
    out += ",\"options\":{";
    bool any = false;
    if (i.link.has_value()) {
      out += "\"link\":";
      JsonEncode(&out, *i.link);
      any = true;
    }
    if (i.max_chunk_size != 0) {
      if (any) out.push_back(',');
      out += "\"max_chunk_size\":" + std::to_string(i.max_chunk_size);
    }
    out.push_back('}');
  }
  out += ",\"bucket\":";
  JsonString(&out, i.bucket);
  out += ",\"nuid\":";
  JsonString(&out, i.nuid);
  out += ",\"size\":" + std::to_string(i.size);
  out += ",\"mtime\":\"0001-01-01T00:00:00Z\"";
  out += ",\"chunks\":" + std::to_string(i.chunks);
  if (!i.digest.empty()) {
    out += ",\"digest\":";
    JsonString(&out, i.digest);
  }
  if (i.deleted) out += ",\"deleted\":true";
  out.push_back('}');
  return out;
}

// Parses a meta document; false with `why` when it is not one.
bool DecodeMeta(std::string_view text, ObjInfo* i, std::string* why) {
  Json doc;
  JsonParser p(text);
  if (!p.Parse(&doc)) {
    *why = p.why();
    return false;
  }
  if (doc.type != Json::kObject) {
    *why = "not a JSON object";
    return false;
  }
  auto str = [&](const char* key, std::string* out) {
    const Json* v = doc.Get(key);
    if (v == nullptr || v->type == Json::kNull) return true;
    if (v->type != Json::kString) {
      *why = std::string("'") + key + "' is not a string";
      return false;
    }
    *out = v->s;
    return true;
  };
  auto num = [&](const char* key, uint64_t* out) {
    const Json* v = doc.Get(key);
    if (v == nullptr || v->type == Json::kNull) return true;
    if (!JsonUint(v, out)) {
      *why = std::string("'") + key + "' is not an unsigned integer";
      return false;
    }
    return true;
  };
  if (!str("name", &i->name) || !str("description", &i->description) ||
      !str("bucket", &i->bucket) || !str("nuid", &i->nuid) || !str("digest", &i->digest) ||
      !num("size", &i->size) || !num("chunks", &i->chunks)) {
    return false;
  }
  if (const Json* d = doc.Get("deleted"); d != nullptr && d->type != Json::kNull) {
    if (d->type != Json::kBool) {
      *why = "'deleted' is not a bool";
      return false;
    }
    i->deleted = d->b;
  }
  if (const Json* h = doc.Get("headers"); h != nullptr && h->type != Json::kNull) {
    if (h->type != Json::kObject) {
      *why = "'headers' is not an object";
      return false;
    }
    for (const auto& [k, vs] : h->members) {
      if (vs.type == Json::kNull) continue;
      if (vs.type != Json::kArray) {
        *why = "header '" + k + "' is not an array";
        return false;
      }
      for (const auto& v : vs.items) {
        if (v.type != Json::kString) {
          *why = "header '" + k + "' has a value that is not a string";
          return false;
        }
        i->headers[k].push_back(v.s);
      }
    }
  }
  if (const Json* o = doc.Get("options"); o != nullptr && o->type != Json::kNull) {
    if (o->type != Json::kObject) {
      *why = "'options' is not an object";
      return false;
    }
    i->has_options = true;
    if (const Json* l = o->Get("link"); l != nullptr && l->type != Json::kNull) i->link = *l;
    if (const Json* c = o->Get("max_chunk_size"); c != nullptr && c->type != Json::kNull) {
      if (!JsonUint(c, &i->max_chunk_size)) {
        *why = "'options.max_chunk_size' is not an unsigned integer";
        return false;
      }
    }
  }
  return true;
}

std::string HeadersText(const HeaderMap& h) {
  std::string out;
  for (const auto& [k, vs] : h)
    for (const auto& v : vs) out += k + ": " + v + "\n";
  return out;
}

// Parses header text ("Name: value" lines) into a map, with the same rules
// as SetHeaders.
Error ParseHeaders(std::string_view text, std::string_view op, HeaderMap* out) {
  return ForEachHeader(text, op, [&](const std::string& name, std::string_view value) {
    if (!ValidUtf8(value)) {
      return Error::Make(TOWER_E_INVALID_ARGUMENT,
                         std::string(op) + ": header '" + name + "' is not valid UTF-8");
    }
    (*out)[name].emplace_back(value);
    return Error::Ok();
  });
}

void SetInfo(const MeshResult& out, const ObjInfo& i) {
  out.begin_array();
  out.field("name", i.name);
  out.field("description", i.description);
  out.field("bucket", i.bucket);
  out.field("nuid", i.nuid);
  out.field("size", static_cast<int64_t>(i.size));
  out.field("chunks", static_cast<int64_t>(i.chunks));
  out.field("digest", i.digest);
  out.field_timestamp("mtime", i.mtime_ns);
  out.field_bool("deleted", i.deleted);
  out.field("headers", HeadersText(i.headers));
}

// Turns `i` into its object's deletion marker: deleted, with no size,
// chunks or digest.
void MarkDeleted(ObjInfo* i) {
  i->deleted = true;
  i->size = 0;
  i->chunks = 0;
  i->digest.clear();
}

int64_t WallNowNs() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------------------
// Names, subjects and the JetStream calls shared by the operations.

std::string StreamOf(std::string_view bucket) { return "OBJ_" + std::string(bucket); }
std::string MetaSubject(std::string_view bucket, std::string_view name) {
  return "$O." + std::string(bucket) + ".M." + Base64Url(name);
}
std::string ChunkSubject(std::string_view bucket, std::string_view nuid) {
  return "$O." + std::string(bucket) + ".C." + std::string(nuid);
}

// "obj.get: bucket 'b' object 'n'" and the like, for messages.
std::string Where(const MeshArgs& a, std::string_view bucket, std::string_view name = {}) {
  std::string s = std::string(a.op()) + ": bucket '" + std::string(bucket) + "'";
  if (!name.empty()) s += " object '" + std::string(name) + "'";
  return s;
}

Error Prefixed(const MeshArgs& a, const Error& e) {
  return Error::Make(e.code, std::string(a.op()) + ": " + e.message);
}

// A failed store (publish): a full bucket (max_bytes, or the account's
// storage) is BUSY, the rest as FromJs maps it.
Error StoreError(natsStatus s, jsErrCode jerr, const std::string& what) {
  Error e = FromJs(s, jerr, what);
  if (jerr == JSStreamStoreFailedErr || jerr == JSStorageResourcesExceededErr) {
    e.code = TOWER_E_BUSY;
    e.message += " (the bucket is full)";
  }
  return e;
}

Error CheckBucket(const MeshArgs& a, std::string_view bucket) {
  if (Error e = CheckObjBucket(bucket); !e.ok()) return Prefixed(a, e);
  return Error::Ok();
}

Error CheckName(const MeshArgs& a, std::string_view name, const char* what = "object name") {
  if (name.empty()) return a.invalid(std::string(what) + " is empty");
  if (!ValidUtf8(name)) return a.invalid(std::string(what) + " is not valid UTF-8");
  return Error::Ok();
}

// Arguments 0 and 1: BUCKET and object NAME, both checked.
Error BucketAndName(const MeshArgs& a, std::string_view* bucket, std::string_view* name) {
  if (Error e = a.text(0, "bucket", bucket); !e.ok()) return e;
  if (Error e = a.text(1, "object name", name); !e.ok()) return e;
  if (Error e = CheckBucket(a, *bucket); !e.ok()) return e;
  return CheckName(a, *name);
}

// jsOptions carrying the connection's domain and timeout.
jsOptions JsOpts(const Conn& conn) {
  jsOptions jo;
  jsOptions_Init(&jo);
  if (!conn.domain.empty()) jo.Domain = conn.domain.c_str();
  jo.Wait = conn.timeout_ms;
  return jo;
}

Error BucketMissing(const MeshArgs& a, std::string_view bucket) {
  return Error::Make(TOWER_E_NOT_FOUND, Where(a, bucket) + ": no such object store bucket");
}

// Checks that the bucket's stream exists (NOT_FOUND naming the bucket).
Error EnsureBucket(Conn& conn, const MeshArgs& a, std::string_view bucket) {
  std::string stream = StreamOf(bucket);
  jsOptions jo = JsOpts(conn);
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, conn.js, stream.c_str(), &jo, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) return BucketMissing(a, bucket);
  return FromJs(s, jerr, Where(a, bucket) + ": stream info");
}

// Reads the latest meta of `name`. *found is false when the object has no
// meta (a deleted one is found, with deleted set). NOT_FOUND when the bucket
// does not exist.
Error ReadMeta(Conn& conn, const MeshArgs& a, std::string_view bucket, std::string_view name,
               ObjInfo* info, bool* found) {
  *found = false;
  std::string stream = StreamOf(bucket), subject = MetaSubject(bucket, name);
  jsOptions jo = JsOpts(conn);
  natsMsg* m = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(&m, conn.js, stream.c_str(), subject.c_str(), &jo, &jerr);
  if (s != NATS_OK) {
    if (jerr == JSStreamNotFoundErr) return BucketMissing(a, bucket);
    if (jerr == JSNoMessageFoundErr) return Error::Ok();
    if (s == NATS_NOT_FOUND) {
      // The library does not always say which one is missing.
      if (Error e = EnsureBucket(conn, a, bucket); !e.ok()) return e;
      return Error::Ok();
    }
    return FromJs(s, jerr, Where(a, bucket, name) + ": read meta");
  }
  std::string why;
  ObjInfo i;
  bool ok = DecodeMeta(std::string_view(natsMsg_GetData(m), natsMsg_GetDataLength(m)), &i, &why);
  i.mtime_ns = natsMsg_GetTime(m);
  natsMsg_Destroy(m);
  if (!ok) {
    return Error::Make(TOWER_E_CORRUPTION, Where(a, bucket, name) + ": bad meta (" + why + ")");
  }
  *info = std::move(i);
  *found = true;
  return Error::Ok();
}

// The latest meta of a live (not deleted) object; NOT_FOUND otherwise.
Error ReadLive(Conn& conn, const MeshArgs& a, std::string_view bucket, std::string_view name,
               ObjInfo* info) {
  bool found = false;
  if (Error e = ReadMeta(conn, a, bucket, name, info, &found); !e.ok()) return e;
  if (!found || info->deleted) {
    return Error::Make(TOWER_E_NOT_FOUND, Where(a, bucket, name) + ": no such object");
  }
  return Error::Ok();
}

Error Purge(Conn& conn, const MeshArgs& a, std::string_view bucket, const std::string& subject) {
  std::string stream = StreamOf(bucket);
  jsOptions jo = JsOpts(conn);
  jo.Stream.Purge.Subject = subject.c_str();
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(conn.js, stream.c_str(), &jo, &jerr);
  return FromJs(s, jerr, Where(a, bucket) + ": purge " + subject);
}

// Publishes a meta (mtime sent as the zero time) with Nats-Rollup: sub and
// waits for the ack.
Error PublishMeta(Conn& conn, const MeshArgs& a, const ObjInfo& info) {
  std::string subject = MetaSubject(info.bucket, info.name);
  std::string body = EncodeMeta(info);
  natsMsg* m = nullptr;
  natsStatus s =
      natsMsg_Create(&m, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size()));
  if (s == NATS_OK) s = natsMsgHeader_Set(m, "Nats-Rollup", "sub");
  if (s != NATS_OK) {
    natsMsg_Destroy(m);
    return FromNats(s, Where(a, info.bucket, info.name) + ": meta message");
  }
  jsPubAck* pa = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&pa, conn.js, m, nullptr, &jerr);
  natsMsg_Destroy(m);
  if (pa != nullptr) jsPubAck_Destroy(pa);
  if (s == NATS_NO_RESPONDERS) return BucketMissing(a, info.bucket);
  return StoreError(s, jerr, Where(a, info.bucket, info.name) + ": publish meta");
}

// Publishes the chunks of `data` on `subject` (asynchronously, on a private
// JetStream context so the connection's own async publishes and counters are
// untouched) and waits for every ack.
struct AsyncState {
  std::mutex mu;
  uint64_t failed = 0;
  natsStatus status = NATS_OK;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  std::string first_error;
};

Error PublishChunks(Conn& conn, const MeshArgs& a, std::string_view bucket, std::string_view name,
                    const std::string& subject, std::string_view data, int64_t chunk_size,
                    uint64_t* chunks) {
  *chunks = 0;
  if (data.empty()) return Error::Ok();
  AsyncState st;
  jsOptions jo = JsOpts(conn);
  jo.PublishAsync.MaxPending = 64;
  jo.PublishAsync.StallWait = conn.timeout_ms;
  jo.PublishAsync.AckHandlerClosure = &st;
  jo.PublishAsync.AckHandler = [](jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* pae,
                                  void* closure) {
    if (pae != nullptr) {
      auto* st = static_cast<AsyncState*>(closure);
      std::lock_guard lock(st->mu);
      if (st->failed++ == 0) {
        st->status = pae->Err;
        st->jerr = pae->ErrCode;
        st->first_error =
            (pae->ErrText != nullptr && *pae->ErrText != '\0' ? std::string(pae->ErrText)
                                                              : natsStatus_GetText(pae->Err)) +
            (pae->ErrCode != 0 ? " [JetStream error " + std::to_string(pae->ErrCode) + "]"
                               : std::string());
      }
    }
    natsMsg_Destroy(msg);
  };
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, conn.nc, &jo);
  if (s != NATS_OK) return FromNats(s, Where(a, bucket, name) + ": JetStream context");
  Error err;
  for (size_t off = 0; off < data.size(); off += static_cast<size_t>(chunk_size)) {
    size_t n = std::min(data.size() - off, static_cast<size_t>(chunk_size));
    natsMsg* m = nullptr;
    s = natsMsg_Create(&m, subject.c_str(), nullptr, data.data() + off, static_cast<int>(n));
    if (s == NATS_OK) s = js_PublishMsgAsync(js, &m, nullptr);
    if (m != nullptr) natsMsg_Destroy(m);  // not taken over: the publish failed
    if (s != NATS_OK) {
      err = FromNats(s, Where(a, bucket, name) + ": publish chunk " + std::to_string(*chunks + 1));
      break;
    }
    ++*chunks;
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = conn.timeout_ms;
  natsStatus cs = js_PublishAsyncComplete(js, &po);
  jsCtx_Destroy(js);
  if (!err.ok()) return err;
  if (cs != NATS_OK) return FromNats(cs, Where(a, bucket, name) + ": wait for chunk acks");
  std::lock_guard lock(st.mu);
  if (st.failed != 0) {
    bool full = st.jerr == JSStreamStoreFailedErr || st.jerr == JSStorageResourcesExceededErr;
    return Error::Make(full ? TOWER_E_BUSY : FromJs(st.status, st.jerr, "").code,
                       Where(a, bucket, name) + ": " + std::to_string(st.failed) + " of " +
                           std::to_string(*chunks) + " chunks not stored: " + st.first_error +
                           (full ? " (the bucket is full)" : ""));
  }
  return Error::Ok();
}

// Reads and verifies the content of a live object.
Error ReadContent(Conn& conn, const MeshArgs& a, const ObjInfo& info, std::string* out) {
  out->clear();
  const std::string& bucket = info.bucket;
  auto corrupt = [&](const std::string& why) {
    return Error::Make(TOWER_E_CORRUPTION, Where(a, bucket, info.name) + ": " + why);
  };
  if (info.link.has_value()) {
    return Error::Make(TOWER_E_NOT_SUPPORTED,
                       Where(a, bucket, info.name) + ": the object is a link (not supported)");
  }
  if (info.nuid.empty()) return corrupt("the meta has no nuid");
  // ABORTED when the object was replaced or deleted since `info` was read
  // (a concurrent put purges the chunks being read); OK when it was not.
  auto changed = [&]() -> Error {
    ObjInfo now;
    bool found = false;
    if (Error e = ReadMeta(conn, a, bucket, info.name, &now, &found); !e.ok()) return e;
    if (!found || now.deleted || now.nuid != info.nuid) {
      return Error::Make(TOWER_E_ABORTED,
                         Where(a, bucket, info.name) + ": the object changed while being read");
    }
    return Error::Ok();
  };
  std::string stream = StreamOf(bucket), subject = ChunkSubject(bucket, info.nuid);
  // How many chunks the stream holds for this version.
  uint64_t stored = 0;
  {
    jsOptions jo = JsOpts(conn);
    jo.Stream.Info.SubjectsFilter = subject.c_str();
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, conn.js, stream.c_str(), &jo, &jerr);
    if (s != NATS_OK) {
      if (si != nullptr) jsStreamInfo_Destroy(si);
      if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) return BucketMissing(a, bucket);
      return FromJs(s, jerr, Where(a, bucket, info.name) + ": count chunks");
    }
    if (si->State.Subjects != nullptr) {
      for (int k = 0; k < si->State.Subjects->Count; ++k) {
        if (subject == si->State.Subjects->List[k].Subject)
          stored = si->State.Subjects->List[k].Msgs;
      }
    }
    jsStreamInfo_Destroy(si);
  }
  if (stored != info.chunks) {
    if (Error e = changed(); !e.ok()) return e;
    return corrupt("the meta says " + std::to_string(info.chunks) + " chunk(s), the stream has " +
                   std::to_string(stored));
  }
  Sha256 sha;
  if (stored > 0) {
    out->reserve(info.size);
    jsOptions jo = JsOpts(conn);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Ordered = true;
    natsSubscription* sub = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_SubscribeSync(&sub, conn.js, subject.c_str(), &jo, &so, &jerr);
    if (s != NATS_OK) return FromJs(s, jerr, Where(a, bucket, info.name) + ": read chunks");
    natsSubscription_SetPendingLimits(sub, -1, -1);
    Error err;
    // Waits in growing slices (20 ms up to 320 ms): when a chunk is late,
    // the object may have been replaced (its chunks purged) rather than the
    // server being slow.
    int64_t slice = 20;
    int64_t last = NowMs();
    uint64_t n = 0;
    while (n < stored) {
      natsMsg* m = nullptr;
      s = natsSubscription_NextMsg(&m, sub, std::min(slice, conn.timeout_ms));
      if (s == NATS_TIMEOUT && NowMs() - last < conn.timeout_ms) {
        if (err = changed(); !err.ok()) break;
        slice = std::min<int64_t>(slice * 2, 320);
        continue;
      }
      if (s != NATS_OK) {
        err = FromNats(s, Where(a, bucket, info.name) + ": read chunk " + std::to_string(n + 1) +
                              " of " + std::to_string(stored));
        break;
      }
      last = NowMs();
      slice = 20;
      std::string_view d(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
      if (out->size() + d.size() > info.size) {
        natsMsg_Destroy(m);
        err = corrupt("the chunks hold more than the meta's size " + std::to_string(info.size));
        break;
      }
      out->append(d);
      sha.Update(d);
      natsMsg_Destroy(m);
      ++n;
    }
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    if (!err.ok()) {
      out->clear();
      return err;
    }
  }
  if (out->size() != info.size) {
    out->clear();
    return corrupt("the chunks hold " + std::to_string(out->size()) + " bytes, the meta says " +
                   std::to_string(info.size));
  }
  if (!info.digest.empty()) {
    std::string raw = sha.Final(), want;
    size_t eq = info.digest.find('=');
    if (eq == std::string::npos || info.digest.compare(0, eq + 1, "SHA-256=") != 0 ||
        !Base64Decode(std::string_view(info.digest).substr(eq + 1), &want)) {
      out->clear();
      return corrupt("unsupported digest '" + info.digest + "'");
    }
    if (raw != want) {
      out->clear();
      return corrupt("digest mismatch (the meta says " + info.digest + ", the content has " +
                     DigestText(raw) + ")");
    }
  }
  return Error::Ok();
}

// Reads a live object's meta and verified content, again when a concurrent
// put or delete replaced it meanwhile.
Error ReadObject(Conn& conn, const MeshArgs& a, std::string_view bucket, std::string_view name,
                 ObjInfo* info, std::string* data) {
  Error err;
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (Error e = ReadLive(conn, a, bucket, name, info); !e.ok()) return e;
    info->bucket = std::string(bucket);  // the chunks are in the bucket the meta came from
    err = ReadContent(conn, a, *info, data);
    if (err.code != TOWER_E_ABORTED) return err;
  }
  return err;
}

// Stores `data` as object `info.name` of bucket `info.bucket` (description,
// headers and options taken from `info`): chunks, meta, then the previous
// version's chunks are purged. On return `info` describes the new version.
Error Store(Conn& conn, const MeshArgs& a, ObjInfo* info, std::string_view data,
            int64_t chunk_size) {
  const std::string bucket = info->bucket, name = info->name;
  ObjInfo old;
  bool had_old = false;
  if (Error e = ReadMeta(conn, a, bucket, name, &old, &had_old); !e.ok()) return e;
  info->nuid = NewNuid();
  std::string subject = ChunkSubject(bucket, info->nuid);
  uint64_t chunks = 0;
  Error err = PublishChunks(conn, a, bucket, name, subject, data, chunk_size, &chunks);
  if (err.ok()) {
    Sha256 sha;
    sha.Update(data);
    std::string raw = sha.Final();
    if (raw.empty()) {
      err = Error::Make(TOWER_E_INTERNAL, Where(a, bucket, name) + ": SHA-256 failed");
    } else {
      info->size = data.size();
      info->chunks = chunks;
      info->digest = DigestText(raw);
      info->deleted = false;
      info->has_options = true;
      info->link.reset();
      info->max_chunk_size = static_cast<uint64_t>(chunk_size);
      err = PublishMeta(conn, a, *info);
    }
  }
  if (!err.ok()) {
    if (chunks > 0) (void)Purge(conn, a, bucket, subject);  // best effort
    return err;
  }
  info->mtime_ns = WallNowNs();
  if (had_old && !old.deleted && !old.nuid.empty() && old.nuid != info->nuid) {
    if (Error e = Purge(conn, a, bucket, ChunkSubject(bucket, old.nuid)); !e.ok()) {
      return Error::Make(e.code, e.message + " (the new version is stored; the old chunks remain)");
    }
  }
  return Error::Ok();
}

// Trailing NAME VALUE options from argument `first` on (OptionPairs), their
// values read as each spec's kind.
struct OptSpec {
  const char* name;
  enum Kind { kInt, kDuration, kText, kBool } kind;
};

struct OptValues {
  std::map<std::string, int64_t, std::less<>> ints;
  std::map<std::string, std::string, std::less<>> texts;
};

Error ParseOpts(const MeshArgs& a, size_t first, std::initializer_list<OptSpec> specs,
                OptValues* out) {
  std::vector<std::string_view> known;
  for (const auto& s : specs) known.emplace_back(s.name);
  OptionPairs pairs;
  if (Error e = pairs.Parse(a, first, known); !e.ok()) return e;
  for (const auto& [name, i] : pairs.pairs()) {
    const OptSpec* spec = nullptr;
    for (const auto& s : specs)
      if (name == s.name) spec = &s;
    std::string what = "value of option " + name;
    switch (spec->kind) {
      case OptSpec::kInt: {
        int64_t v = 0;
        if (Error e = a.integer(i, what.c_str(), &v); !e.ok()) return e;
        out->ints[name] = v;
        break;
      }
      case OptSpec::kDuration: {
        int64_t v = 0;
        if (Error e = a.duration(i, what.c_str(), &v); !e.ok()) return e;
        out->ints[name] = v;
        break;
      }
      case OptSpec::kBool: {
        bool v = false;
        if (Error e = a.boolean(i, what.c_str(), &v); !e.ok()) return e;
        out->ints[name] = v ? 1 : 0;
        break;
      }
      case OptSpec::kText: {
        std::string_view v;
        if (Error e = a.text(i, what.c_str(), &v); !e.ok()) return e;
        out->texts[name] = std::string(v);
        break;
      }
    }
  }
  return Error::Ok();
}

// Applies the description / headers options to `info`.
Error ApplyMetaOpts(const MeshArgs& a, const OptValues& o, ObjInfo* info) {
  if (auto it = o.texts.find("description"); it != o.texts.end()) {
    if (!ValidUtf8(it->second)) return a.invalid("description is not valid UTF-8");
    info->description = it->second;
  }
  if (auto it = o.texts.find("headers"); it != o.texts.end()) {
    HeaderMap h;
    if (Error e = ParseHeaders(it->second, a.op(), &h); !e.ok()) return e;
    info->headers = std::move(h);
  }
  return Error::Ok();
}

// ---------------------------------------------------------------------------
// The operations.

/// obj.create BUCKET [NAME VALUE]...
/// Creates the object store bucket BUCKET (stream OBJ_<BUCKET>, as nats.go
/// does). Options: replicas int 1..5, ttl duration (max age of the
/// objects), max_bytes int (-1 = unlimited), storage "file"|"memory",
/// description string. Result: bool, true when created, false when the
/// bucket already existed (its configuration is left as it is). Errors:
/// INVALID_ARGUMENT for a bad bucket name or option; NOT_SUPPORTED without
/// JetStream.
Error ObjCreate(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (a.size() < 1) return a.count(1, 1, "BUCKET [NAME VALUE]...");
  std::string_view bucket;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  OptValues o;
  if (Error e = ParseOpts(a, 1,
                          {{"replicas", OptSpec::kInt},
                           {"ttl", OptSpec::kDuration},
                           {"max_bytes", OptSpec::kInt},
                           {"storage", OptSpec::kText},
                           {"description", OptSpec::kText}},
                          &o);
      !e.ok()) {
    return e;
  }
  int64_t replicas = o.ints.count("replicas") ? o.ints["replicas"] : 1;
  if (replicas < 1 || replicas > 5) return a.invalid("option replicas must be 1..5");
  int64_t ttl = o.ints.count("ttl") ? o.ints["ttl"] : 0;
  if (ttl < 0) return a.invalid("option ttl must not be negative");
  int64_t max_bytes = o.ints.count("max_bytes") ? o.ints["max_bytes"] : -1;
  if (max_bytes == 0 || max_bytes < -1)
    return a.invalid("option max_bytes must be positive (or -1 for no limit)");
  jsStorageType storage = js_FileStorage;
  if (o.texts.count("storage")) {
    const std::string& st = o.texts["storage"];
    if (st == "memory") {
      storage = js_MemoryStorage;
    } else if (st != "file") {
      return a.invalid("option storage must be 'file' or 'memory', got '" + st + "'");
    }
  }
  std::string description = o.texts.count("description") ? o.texts["description"] : "";

  std::string stream = StreamOf(bucket);
  {
    jsOptions jo = JsOpts(conn);
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, conn.js, stream.c_str(), &jo, &jerr);
    if (si != nullptr) jsStreamInfo_Destroy(si);
    if (s == NATS_OK) {
      out.set_bool(false);
      return Error::Ok();
    }
    if (s != NATS_NOT_FOUND && jerr != JSStreamNotFoundErr)
      return FromJs(s, jerr, Where(a, bucket) + ": stream info");
  }
  std::string chunks = "$O." + std::string(bucket) + ".C.>";
  std::string metas = "$O." + std::string(bucket) + ".M.>";
  const char* subjects[] = {chunks.c_str(), metas.c_str()};
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.c_str();
  if (!description.empty()) cfg.Description = description.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 2;
  cfg.MaxAge = ttl;
  cfg.MaxBytes = max_bytes;
  cfg.Storage = storage;
  cfg.Replicas = replicas;
  cfg.Discard = js_DiscardNew;
  cfg.AllowRollup = true;
  cfg.AllowDirect = true;
  jsOptions jo = JsOpts(conn);
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_AddStream(&si, conn.js, &cfg, &jo, &jerr);
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {
    out.set_bool(false);  // created by someone else meanwhile
    return Error::Ok();
  }
  if (Error e = FromJs(s, jerr, Where(a, bucket) + ": create stream " + stream); !e.ok()) return e;
  out.set_bool(true);
  return Error::Ok();
}

/// obj.delete_bucket BUCKET
/// Deletes the bucket and every object in it. Result: null. Errors:
/// NOT_FOUND when the bucket does not exist; INVALID_ARGUMENT for a bad name.
Error ObjDeleteBucket(Conn& conn, const MeshArgs& a, const MeshResult& out,
                      const tower_mesh_handler*) {
  if (Error e = a.count(1, 1, "BUCKET"); !e.ok()) return e;
  std::string_view bucket;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  std::string stream = StreamOf(bucket);
  jsOptions jo = JsOpts(conn);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_DeleteStream(conn.js, stream.c_str(), &jo, &jerr);
  if (s != NATS_OK && (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr))
    return BucketMissing(a, bucket);
  if (Error e = FromJs(s, jerr, Where(a, bucket) + ": delete stream " + stream); !e.ok()) return e;
  out.set_null();
  return Error::Ok();
}

/// obj.buckets
/// Result: the sorted array of object store bucket names (streams named
/// OBJ_<bucket>).
Error ObjBuckets(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(0, 0, ""); !e.ok()) return e;
  jsOptions jo = JsOpts(conn);
  jsStreamNamesList* list = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_StreamNames(&list, conn.js, &jo, &jerr);
  std::vector<std::string> names;
  if (s == NATS_OK && list != nullptr) {
    for (int i = 0; i < list->Count; ++i) {
      std::string_view n = list->List[i];
      if (n.size() > 4 && n.substr(0, 4) == "OBJ_") names.emplace_back(n.substr(4));
    }
  }
  if (list != nullptr) jsStreamNamesList_Destroy(list);
  if (s != NATS_OK && s != NATS_NOT_FOUND) return FromJs(s, jerr, "obj.buckets: list streams");
  std::sort(names.begin(), names.end());
  out.begin_array();
  for (const auto& n : names) out.push_string(n);
  return Error::Ok();
}

/// obj.put BUCKET NAME DATA [NAME VALUE]...
/// Stores DATA (string or binary) as object NAME, replacing any previous
/// version (whose chunks are purged once the new meta is stored). Options:
/// description string, headers text ("Name: value" lines), chunk_size int
/// (bytes per chunk, default 131072, at most the server's max payload).
/// Result: the info record (see obj.info; mtime is the local time of the
/// put). Errors: NOT_FOUND when the bucket does not exist; INVALID_ARGUMENT
/// for bad names or options; BUSY when the bucket is full.
Error ObjPut(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (a.size() < 3) return a.count(3, 3, "BUCKET NAME DATA [NAME VALUE]...");
  std::string_view bucket, name, data;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = a.text(1, "object name", &name); !e.ok()) return e;
  if (Error e = a.text(2, "data", &data); !e.ok()) return e;
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  if (Error e = CheckName(a, name); !e.ok()) return e;
  OptValues o;
  if (Error e = ParseOpts(a, 3,
                          {{"description", OptSpec::kText},
                           {"headers", OptSpec::kText},
                           {"chunk_size", OptSpec::kInt}},
                          &o);
      !e.ok()) {
    return e;
  }
  ObjInfo info;
  info.bucket = std::string(bucket);
  info.name = std::string(name);
  if (Error e = ApplyMetaOpts(a, o, &info); !e.ok()) return e;
  int64_t chunk_size = o.ints.count("chunk_size") ? o.ints["chunk_size"] : kDefaultChunkSize;
  int64_t max_payload = natsConnection_GetMaxPayload(conn.nc);
  int64_t limit = max_payload > 4096 ? max_payload - 1024 : 1024 * 1024 - 1024;
  if (chunk_size < 1 || chunk_size > limit || chunk_size > UINT32_MAX) {
    return a.invalid("option chunk_size must be 1.." + std::to_string(limit) + " (got " +
                     std::to_string(chunk_size) + ")");
  }
  if (Error e = Store(conn, a, &info, data, chunk_size); !e.ok()) return e;
  SetInfo(out, info);
  return Error::Ok();
}

/// obj.get BUCKET NAME
/// Result: binary, the whole object, after checking the chunk count, the
/// size and the SHA-256 digest against the meta. Errors: NOT_FOUND when the
/// bucket or the object does not exist (or was deleted); CORRUPTION naming
/// the bucket and object when the content does not match its meta;
/// NOT_SUPPORTED for a link object.
Error ObjGet(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(2, 2, "BUCKET NAME"); !e.ok()) return e;
  std::string_view bucket, name;
  if (Error e = BucketAndName(a, &bucket, &name); !e.ok()) return e;
  ObjInfo info;
  std::string data;
  if (Error e = ReadObject(conn, a, bucket, name, &info, &data); !e.ok()) return e;
  out.set_binary(data);
  return Error::Ok();
}

/// obj.info BUCKET NAME [SHOW_DELETED]
/// Result: record name, description, bucket, nuid, size int, chunks int,
/// digest ("SHA-256=<base64url>"), mtime timestamp (the meta's stream time),
/// deleted bool, headers (text, "Name: value" lines). SHOW_DELETED (bool,
/// default false) also returns a deleted object's meta. Errors: NOT_FOUND
/// when the bucket or object does not exist.
Error ObjInfoOp(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(2, 3, "BUCKET NAME [SHOW_DELETED]"); !e.ok()) return e;
  std::string_view bucket, name;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = a.text(1, "object name", &name); !e.ok()) return e;
  bool show_deleted = false;
  if (a.has(2)) {
    if (Error e = a.boolean(2, "show deleted", &show_deleted); !e.ok()) return e;
  }
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  if (Error e = CheckName(a, name); !e.ok()) return e;
  ObjInfo info;
  bool found = false;
  if (Error e = ReadMeta(conn, a, bucket, name, &info, &found); !e.ok()) return e;
  if (!found || (info.deleted && !show_deleted))
    return Error::Make(TOWER_E_NOT_FOUND, Where(a, bucket, name) + ": no such object");
  SetInfo(out, info);
  return Error::Ok();
}

/// obj.list BUCKET
/// Result: the sorted array of the names of the objects that are not
/// deleted (the last meta of each subject under $O.<bucket>.M.>). Errors:
/// NOT_FOUND when the bucket does not exist.
Error ObjList(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(1, 1, "BUCKET"); !e.ok()) return e;
  std::string_view bucket;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  std::string stream = StreamOf(bucket);
  std::string filter = "$O." + std::string(bucket) + ".M.>";
  // How many meta subjects there are (and whether the bucket exists).
  int64_t subjects = 0;
  {
    jsOptions jo = JsOpts(conn);
    jo.Stream.Info.SubjectsFilter = filter.c_str();
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&si, conn.js, stream.c_str(), &jo, &jerr);
    if (s != NATS_OK) {
      if (si != nullptr) jsStreamInfo_Destroy(si);
      if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) return BucketMissing(a, bucket);
      return FromJs(s, jerr, Where(a, bucket) + ": stream info");
    }
    if (si->State.Subjects != nullptr) subjects = si->State.Subjects->Count;
    jsStreamInfo_Destroy(si);
  }
  std::vector<std::string> names;
  if (subjects > 0) {
    jsOptions jo = JsOpts(conn);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream.c_str();
    so.Ordered = true;
    so.Config.DeliverPolicy = js_DeliverLastPerSubject;
    natsSubscription* sub = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_SubscribeSync(&sub, conn.js, filter.c_str(), &jo, &so, &jerr);
    if (s != NATS_OK) return FromJs(s, jerr, Where(a, bucket) + ": read metas");
    natsSubscription_SetPendingLimits(sub, -1, -1);
    Error err;
    while (true) {
      natsMsg* m = nullptr;
      s = natsSubscription_NextMsg(&m, sub, conn.timeout_ms);
      if (s != NATS_OK) {
        err = FromNats(s, Where(a, bucket) + ": read metas");
        break;
      }
      ObjInfo info;
      std::string why;
      if (DecodeMeta(
              std::string_view(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m))),
              &info, &why) &&
          !info.deleted && !info.name.empty()) {
        names.push_back(info.name);
      }
      uint64_t pending = 1;
      jsMsgMetaData* md = nullptr;
      if (natsMsg_GetMetaData(&md, m) == NATS_OK) {
        pending = md->NumPending;
        jsMsgMetaData_Destroy(md);
      }
      natsMsg_Destroy(m);
      if (pending == 0) break;
    }
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    if (!err.ok()) return err;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  out.begin_array();
  for (const auto& n : names) out.push_string(n);
  return Error::Ok();
}

/// obj.exists BUCKET NAME
/// Result: bool, true when the object exists and is not deleted. Errors:
/// NOT_FOUND when the bucket does not exist.
Error ObjExists(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(2, 2, "BUCKET NAME"); !e.ok()) return e;
  std::string_view bucket, name;
  if (Error e = BucketAndName(a, &bucket, &name); !e.ok()) return e;
  ObjInfo info;
  bool found = false;
  if (Error e = ReadMeta(conn, a, bucket, name, &info, &found); !e.ok()) return e;
  out.set_bool(found && !info.deleted);
  return Error::Ok();
}

/// obj.delete BUCKET NAME
/// Marks the object deleted (a meta with deleted:true and size, chunks and
/// digest cleared, rolled up) and purges its chunks. Result: null. Errors:
/// NOT_FOUND when the bucket or object does not exist (or is deleted).
Error ObjDelete(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(2, 2, "BUCKET NAME"); !e.ok()) return e;
  std::string_view bucket, name;
  if (Error e = BucketAndName(a, &bucket, &name); !e.ok()) return e;
  ObjInfo info;
  if (Error e = ReadLive(conn, a, bucket, name, &info); !e.ok()) return e;
  info.bucket = std::string(bucket);
  info.name = std::string(name);
  MarkDeleted(&info);
  if (Error e = PublishMeta(conn, a, info); !e.ok()) return e;
  if (!info.nuid.empty() && !info.link.has_value()) {
    if (Error e = Purge(conn, a, bucket, ChunkSubject(bucket, info.nuid)); !e.ok()) return e;
  }
  out.set_null();
  return Error::Ok();
}

/// obj.copy BUCKET SRC DST [DST_BUCKET]
/// Copies object SRC to DST (in DST_BUCKET, default BUCKET): the content is
/// read, verified and written again under a new nuid, with SRC's
/// description and headers. Result: the info record of the copy. Errors:
/// NOT_FOUND when a bucket or SRC does not exist; CORRUPTION when SRC's
/// content does not match its meta.
Error ObjCopy(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(3, 4, "BUCKET SRC DST [DST_BUCKET]"); !e.ok()) return e;
  std::string_view bucket, src, dst, dst_bucket;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = a.text(1, "source object name", &src); !e.ok()) return e;
  if (Error e = a.text(2, "destination object name", &dst); !e.ok()) return e;
  dst_bucket = bucket;
  if (a.has(3)) {
    if (Error e = a.text(3, "destination bucket", &dst_bucket); !e.ok()) return e;
  }
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  if (Error e = CheckBucket(a, dst_bucket); !e.ok()) return e;
  if (Error e = CheckName(a, src, "source object name"); !e.ok()) return e;
  if (Error e = CheckName(a, dst, "destination object name"); !e.ok()) return e;
  if (bucket == dst_bucket && src == dst)
    return a.invalid("source and destination are the same object '" + std::string(src) + "'");
  if (dst_bucket != bucket) {
    if (Error e = EnsureBucket(conn, a, dst_bucket); !e.ok()) return e;
  }
  ObjInfo info;
  std::string data;
  if (Error e = ReadObject(conn, a, bucket, src, &info, &data); !e.ok()) return e;
  ObjInfo copy;
  copy.bucket = std::string(dst_bucket);
  copy.name = std::string(dst);
  copy.description = info.description;
  copy.headers = info.headers;
  int64_t chunk_size =
      info.max_chunk_size != 0 ? static_cast<int64_t>(info.max_chunk_size) : kDefaultChunkSize;
  int64_t max_payload = natsConnection_GetMaxPayload(conn.nc);
  if (max_payload > 4096 && chunk_size > max_payload - 1024) chunk_size = kDefaultChunkSize;
  if (Error e = Store(conn, a, &copy, data, chunk_size); !e.ok()) return e;
  SetInfo(out, copy);
  return Error::Ok();
}

/// obj.move BUCKET SRC DST
/// Renames SRC to DST in O(1): DST's meta is published pointing at SRC's
/// chunks (same nuid), then SRC is marked deleted without purging them. A
/// previous DST's chunks are purged (unless they are the same). Result: the
/// info record of DST. Errors: NOT_FOUND when the bucket or SRC does not
/// exist; INVALID_ARGUMENT when SRC and DST are the same.
Error ObjMove(Conn& conn, const MeshArgs& a, const MeshResult& out, const tower_mesh_handler*) {
  if (Error e = a.count(3, 3, "BUCKET SRC DST"); !e.ok()) return e;
  std::string_view bucket, src, dst;
  if (Error e = a.text(0, "bucket", &bucket); !e.ok()) return e;
  if (Error e = a.text(1, "source object name", &src); !e.ok()) return e;
  if (Error e = a.text(2, "destination object name", &dst); !e.ok()) return e;
  if (Error e = CheckBucket(a, bucket); !e.ok()) return e;
  if (Error e = CheckName(a, src, "source object name"); !e.ok()) return e;
  if (Error e = CheckName(a, dst, "destination object name"); !e.ok()) return e;
  if (src == dst)
    return a.invalid("source and destination are the same object '" + std::string(src) + "'");
  ObjInfo info;
  if (Error e = ReadLive(conn, a, bucket, src, &info); !e.ok()) return e;
  ObjInfo old;
  bool had_old = false;
  if (Error e = ReadMeta(conn, a, bucket, dst, &old, &had_old); !e.ok()) return e;
  ObjInfo moved = info;
  moved.bucket = std::string(bucket);
  moved.name = std::string(dst);
  if (Error e = PublishMeta(conn, a, moved); !e.ok()) return e;
  moved.mtime_ns = WallNowNs();
  ObjInfo gone = info;
  gone.bucket = std::string(bucket);
  gone.name = std::string(src);
  MarkDeleted(&gone);
  if (Error e = PublishMeta(conn, a, gone); !e.ok()) {
    return Error::Make(e.code, e.message + " (" + std::string(dst) +
                                   " is written; the source is not marked deleted)");
  }
  if (had_old && !old.deleted && !old.nuid.empty() && old.nuid != info.nuid &&
      !old.link.has_value()) {
    if (Error e = Purge(conn, a, bucket, ChunkSubject(bucket, old.nuid)); !e.ok()) return e;
  }
  SetInfo(out, moved);
  return Error::Ok();
}

/// obj.update_meta BUCKET NAME [NAME VALUE]...
/// Rewrites the object's meta with a new description and/or headers (text,
/// "Name: value" lines; replaces all headers); the chunks are untouched.
/// Result: the info record. Errors: NOT_FOUND when the bucket or object does
/// not exist.
Error ObjUpdateMeta(Conn& conn, const MeshArgs& a, const MeshResult& out,
                    const tower_mesh_handler*) {
  if (a.size() < 2) return a.count(2, 2, "BUCKET NAME [NAME VALUE]...");
  std::string_view bucket, name;
  if (Error e = BucketAndName(a, &bucket, &name); !e.ok()) return e;
  OptValues o;
  if (Error e = ParseOpts(a, 2, {{"description", OptSpec::kText}, {"headers", OptSpec::kText}}, &o);
      !e.ok()) {
    return e;
  }
  ObjInfo probe;
  if (Error e = ApplyMetaOpts(a, o, &probe); !e.ok()) return e;  // validate before sending
  ObjInfo info;
  if (Error e = ReadLive(conn, a, bucket, name, &info); !e.ok()) return e;
  info.bucket = std::string(bucket);
  info.name = std::string(name);
  if (Error e = ApplyMetaOpts(a, o, &info); !e.ok()) return e;
  if (Error e = PublishMeta(conn, a, info); !e.ok()) return e;
  info.mtime_ns = WallNowNs();
  SetInfo(out, info);
  return Error::Ok();
}

constexpr OpDef kObjOps[] = {
    {"obj.create", "BUCKET [NAME VALUE]...",
     "create an object store bucket (options replicas, ttl, max_bytes, storage, description)",
     ObjCreate},
    {"obj.delete_bucket", "BUCKET", "delete an object store bucket and its objects",
     ObjDeleteBucket},
    {"obj.buckets", "", "list the object store buckets", ObjBuckets},
    {"obj.put", "BUCKET NAME DATA [NAME VALUE]...",
     "store an object (options description, headers, chunk_size)", ObjPut},
    {"obj.get", "BUCKET NAME", "read a whole object (digest verified)", ObjGet},
    {"obj.info", "BUCKET NAME [SHOW_DELETED]", "an object's meta", ObjInfoOp},
    {"obj.list", "BUCKET", "the names of the objects in a bucket", ObjList},
    {"obj.exists", "BUCKET NAME", "whether an object exists", ObjExists},
    {"obj.delete", "BUCKET NAME", "delete an object", ObjDelete},
    {"obj.copy", "BUCKET SRC DST [DST_BUCKET]", "copy an object (new chunks)", ObjCopy},
    {"obj.move", "BUCKET SRC DST", "rename an object (its chunks stay)", ObjMove},
    {"obj.update_meta", "BUCKET NAME [NAME VALUE]...", "change an object's description or headers",
     ObjUpdateMeta},
};

}  // namespace

std::span<const OpDef> ObjOps() { return kObjOps; }

}  // namespace tower::mesh::nats
