// Tower backend plugin "zstd": a stacking backend that compresses values
// with zstd and keeps them in another backend (an example of ABI 1.3's
// tower_backend_resolver, built out of tree against the installed SDK).
//
// Design choices:
//  - The wrapped ("inner") backend is chosen by name (option inner, default
//    "rocksdb"), found with the host's resolver and driven through its C
//    table (inner_backend.hpp). Everything in tower_backend_options except
//    `extra` is handed on unchanged: flags (in-memory, sync writes,
//    read-only, ...), path, cache/memtable/sync sizes, and the resolver, so
//    that stacks nest. Options named inner.<name> reach it as <name>.
//  - Values: one header byte, then raw bytes (0x00) or one zstd frame (0x01),
//    see value_codec.hpp. Keys are stored as they are, so order, bounds,
//    seeks and delete ranges mean exactly what they mean in the inner
//    backend and pass straight through.
//  - Every operation maps onto one inner operation: a write batch becomes one
//    inner write with the same operations in the same order (PUT values
//    encoded), so atomicity, ordering and durability are the inner backend's.
//    A snapshot wraps an inner snapshot; an iterator wraps an inner iterator
//    and decompresses value() into a buffer it owns (valid until it moves).
//  - Operation types other than PUT, DELETE and DELETE_RANGE are refused by
//    zstd itself (TOWER_E_INVALID_ARGUMENT, nothing written) rather than
//    handed on: a value-carrying type from a newer ABI would otherwise reach
//    the inner store without a header and read back as garbage.
//  - Capabilities are the union zstd can offer (persistent, in-memory,
//    checkpoint, native delete-range); what an instance really provides is
//    its inner backend's. lmdb, for one, refuses in-memory stores, and a
//    checkpoint is the inner backend's checkpoint (open it with zstd and the
//    same inner options). The real durability is the inner backend's.
//  - Needs a host with ABI >= 1.3 (the resolver); an older host loads the
//    plugin, and open() fails with TOWER_E_NOT_SUPPORTED saying so.
//  - Counters in "zstd.stats" (and "tower.stats") count since open, in this
//    process.
#include <zstd.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "inner_backend.hpp"
#include "tower/sdk/plugin.hpp"
#include "tower/sdk/text.hpp"
#include "value_codec.hpp"

namespace tower::zstd_plugin {
namespace {

namespace fs = std::filesystem;
using sdk::Error;
using stacking::InnerBackend;
using stacking::InnerIterator;
using stacking::InnerSnapshot;

constexpr const char* kVersion = "1.0.0";
constexpr uint32_t kCapabilities =
    TOWER_CAP_PERSISTENT | TOWER_CAP_IN_MEMORY | TOWER_CAP_CHECKPOINT | TOWER_CAP_DELETE_RANGE;
constexpr std::string_view kInnerPrefix = "inner.";

Error invalid(std::string msg) { return Error::Make(TOWER_E_INVALID_ARGUMENT, std::move(msg)); }

// The options of one store (tower_backend_options.extra).
struct Config {
  std::string inner = "rocksdb";
  bool inner_given = false;  // the option was set (else: the recorded or default one)
  int level = 3;
  uint64_t min_size = 64;
  // inner.<name>=<value>, as (<name>, <value>), in the order given.
  std::vector<std::pair<std::string, std::string>> forward;
};

Error ParseOptions(const std::vector<std::pair<std::string, std::string>>& extra, Config* c) {
  for (const auto& [name, value] : extra) {
    if (name == "inner") {
      if (value.empty()) return invalid("zstd: option inner='' names no backend");
      c->inner = value;
      c->inner_given = true;
    } else if (name == "level") {
      int v = 0;
      if (!sdk::parse_integer(value, &v) || v < kMinLevel || v > kMaxLevel)
        return invalid("zstd: option level=" + sdk::quote(value) + " is not an integer from " +
                       std::to_string(kMinLevel) + " to " + std::to_string(kMaxLevel));
      c->level = v;
    } else if (name == "min_size") {
      uint64_t v = 0;
      if (!sdk::parse_integer(value, &v))
        return invalid("zstd: option min_size=" + sdk::quote(value) +
                       " is not a byte count (a non-negative integer)");
      c->min_size = v;
    } else if (name.starts_with(kInnerPrefix) && name.size() > kInnerPrefix.size()) {
      c->forward.emplace_back(name.substr(kInnerPrefix.size()), value);
    } else {
      return invalid("zstd: unknown option " + sdk::quote(name) +
                     " (zstd knows inner, level, min_size, and inner.<option> for the inner "
                     "backend)");
    }
  }
  return Error::Ok();
}

class ZstdSnapshot final : public sdk::SnapshotBase {
 public:
  explicit ZstdSnapshot(std::unique_ptr<InnerSnapshot> inner) : inner_(std::move(inner)) {}
  const tower_snapshot* inner() const { return inner_->get(); }

 private:
  std::unique_ptr<InnerSnapshot> inner_;
};

// The inner snapshot standing for the caller's, or nullptr.
const tower_snapshot* InnerSnapshotOf(const sdk::ReadOptions& ro) {
  auto* s = static_cast<const ZstdSnapshot*>(ro.snapshot());
  return s != nullptr ? s->inner() : nullptr;
}

// Movement lands on an entry only if its header byte is known (a cheap
// check); value() decompresses on first use at each position. A frame that
// fails to decode makes the iterator invalid, and status() reports the
// corruption with the key; the next seek starts afresh.
class ZstdIterator final : public sdk::IteratorBase {
 public:
  // Keeps its own copies of the bounds, for the inner iterator to use.
  ZstdIterator(const Codec* codec, const sdk::ReadOptions& ro) : codec_(codec) {
    if (auto lo = ro.lower_bound()) lower_.emplace(*lo);
    if (auto hi = ro.upper_bound()) upper_.emplace(*hi);
  }

  // The options for the inner iterator: `ro` with bounds pointing at this
  // iterator's copies.
  tower_read_options inner_options(const sdk::ReadOptions& ro) const {
    tower_read_options r = stacking::read_options(ro, InnerSnapshotOf(ro));
    if (lower_) r.lower_bound = sdk::slice(*lower_);
    if (upper_) r.upper_bound = sdk::slice(*upper_);
    return r;
  }
  void attach(std::unique_ptr<InnerIterator> it) { it_ = std::move(it); }

  bool seek(std::string_view target) override { return land(it_->seek(target)); }
  bool seek_for_prev(std::string_view target) override { return land(it_->seek_for_prev(target)); }
  bool seek_to_first() override { return land(it_->seek_to_first()); }
  bool seek_to_last() override { return land(it_->seek_to_last()); }
  bool next() override { return valid() && land(it_->next()); }
  bool prev() override { return valid() && land(it_->prev()); }
  bool valid() const override { return error_.ok() && it_->valid(); }
  std::string_view key() const override { return it_->key(); }
  std::string_view value() const override {
    if (!valid()) return {};
    if (!decoded_) {
      decoded_ = true;
      Error e = codec_->decode(it_->key(), it_->value(), &buf_, &value_);
      if (!e.ok()) {
        error_ = std::move(e);
        value_ = {};
      }
    }
    return value_;
  }
  Error status() const override { return error_.ok() ? it_->status() : error_; }

 private:
  bool land(bool positioned) {
    error_ = Error::Ok();
    decoded_ = false;
    if (!positioned) return false;
    error_ = codec_->check_header(it_->key(), it_->value());
    return error_.ok();
  }

  const Codec* codec_;  // the backend's; the backend outlives its iterators
  std::optional<std::string> lower_, upper_;
  std::unique_ptr<InnerIterator> it_;
  mutable Error error_;
  mutable bool decoded_ = false;
  mutable std::string_view value_;
  mutable Buffer buf_;
};

// On disk, a zstd store is a directory holding the name of its inner
// backend (kMarkerFile) and the inner store (kInnerDir). Recording the name
// means a reopen without the `inner` option finds the right backend, and a
// wrong one is refused instead of creating an empty store of another kind
// in the same directory.
constexpr const char* kMarkerFile = "ZSTD-INNER";
constexpr const char* kInnerDir = "data";

Error io_error(const std::string& what, const fs::path& p, const std::error_code& ec) {
  return Error::Make(TOWER_E_IO_ERROR,
                     "zstd: cannot " + what + " " + sdk::quote(p.string()) + ": " + ec.message());
}

// Reads the recorded inner backend name; nullopt when there is none.
std::optional<std::string> ReadMarker(const fs::path& dir) {
  std::ifstream f(dir / kMarkerFile);
  if (!f) return std::nullopt;
  std::string name;
  std::getline(f, name);
  return name;
}

// Writes the marker durably (temp file, fsync, rename).
Error WriteMarker(const fs::path& dir, const std::string& inner) {
  const fs::path tmp = dir / (std::string(kMarkerFile) + ".tmp"), final_path = dir / kMarkerFile;
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return io_error("write", tmp, std::error_code(errno, std::generic_category()));
  bool ok =
      std::fprintf(f, "%s\n", inner.c_str()) > 0 && std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = std::fclose(f) == 0 && ok;
  std::error_code ec;
  if (ok) fs::rename(tmp, final_path, ec);
  if (!ok || ec)
    return io_error("write", final_path, ec ? ec : std::error_code(errno, std::generic_category()));
  return Error::Ok();
}

// Settles the inner backend of the on-disk store at `dir`; for a new store
// (*fresh: the marker is written once the inner store opened) creates the
// directory if needed (*made_dir). Sets *inner_path to where the inner store
// lives.
Error PrepareDirectory(const sdk::OpenOptions& o, Config* c, std::string* inner_path, bool* fresh,
                       bool* made_dir) {
  const fs::path dir = o.path();
  if (dir.empty()) return invalid("zstd: no path given for an on-disk store");
  std::optional<std::string> recorded = ReadMarker(dir);
  if (recorded) {
    if (o.error_if_exists())
      return Error::Make(TOWER_E_ALREADY_EXISTS,
                         "zstd: a store already exists at " + sdk::quote(dir.string()));
    if (c->inner_given && *recorded != c->inner)
      return invalid("zstd: the store at " + sdk::quote(dir.string()) +
                     " was created over backend " + sdk::quote(*recorded) + ", not " +
                     sdk::quote(c->inner) + " (option inner)");
    c->inner = *recorded;
  } else {
    std::error_code ec;
    if (!o.create_if_missing() || o.read_only())
      return Error::Make(TOWER_E_NOT_FOUND, "zstd: no zstd store at " + sdk::quote(dir.string()) +
                                                " (" + kMarkerFile + " is missing)");
    if (fs::exists(dir / kInnerDir, ec))
      return Error::Make(TOWER_E_CORRUPTION, "zstd: " + sdk::quote(dir.string()) +
                                                 " holds a store but no " + kMarkerFile +
                                                 " naming its inner backend");
    *fresh = true;
    *made_dir = fs::create_directories(dir, ec);
    if (ec) return io_error("create", dir, ec);
  }
  *inner_path = (dir / kInnerDir).string();
  return Error::Ok();
}

class ZstdBackend final : public sdk::BackendBase {
 public:
  static Error Open(const sdk::OpenOptions& o, std::unique_ptr<ZstdBackend>* out) {
    Config c;
    Error e = ParseOptions(o.extra(), &c);
    if (!e.ok()) return e;
    const tower_backend_resolver* resolver = o.resolver();
    if (resolver == nullptr)
      return Error::Make(TOWER_E_NOT_SUPPORTED,
                         "zstd: the host passed no backend resolver, so zstd cannot open its "
                         "inner backend '" +
                             c.inner + "' (the resolver arrived in ABI 1.3: upgrade Tower)");
    std::string inner_path;
    bool fresh = false, made_dir = false;
    if (!o.in_memory()) {
      e = PrepareDirectory(o, &c, &inner_path, &fresh, &made_dir);
      if (!e.ok()) return e;
    }

    // The caller's options, with the forwarded extras and the resolver.
    std::vector<tower_option> forward;
    forward.reserve(c.forward.size());
    for (const auto& [name, value] : c.forward) forward.push_back({name.c_str(), value.c_str()});
    const tower_backend_options* raw = o.raw();
    tower_backend_options inner_options{};
    inner_options.struct_size = sizeof(tower_backend_options);
    inner_options.flags = raw->flags;
    inner_options.path = o.in_memory() ? raw->path : inner_path.c_str();
    inner_options.cache_size = raw->cache_size;
    inner_options.memtable_size = raw->memtable_size;
    inner_options.bytes_per_sync = raw->bytes_per_sync;
    inner_options.extra = forward.empty() ? nullptr : forward.data();
    inner_options.extra_count = forward.size();
    inner_options.resolver = resolver;

    std::unique_ptr<InnerBackend> inner;
    e = InnerBackend::Open(*resolver, c.inner, inner_options, &inner);
    if (e.ok() && fresh) e = WriteMarker(o.path(), c.inner);
    if (!e.ok()) {
      inner.reset();
      std::error_code ec;
      if (made_dir) {
        fs::remove_all(o.path(), ec);  // leave nothing behind
      } else if (fresh) {
        fs::remove_all(fs::path(o.path()) / kInnerDir, ec);
      }
      std::string msg = "zstd: inner backend '" + c.inner + "': " + e.message;
      if (e.code == TOWER_E_INVALID_ARGUMENT && !c.forward.empty()) {
        msg += " (zstd forwarded";
        for (size_t i = 0; i < c.forward.size(); ++i)
          msg += (i == 0 ? " " : ", ") + std::string(kInnerPrefix) + c.forward[i].first + " as " +
                 sdk::quote(c.forward[i].first);
        msg += ")";
      }
      return Error::Make(e.code, std::move(msg));
    }
    out->reset(new ZstdBackend(std::move(c), std::move(inner)));
    return Error::Ok();
  }

  Error get(const sdk::ReadOptions& ro, std::string_view key, const sdk::Sink& value) override {
    Error decoded;
    Error e = inner_->get(stacking::read_options(ro, InnerSnapshotOf(ro)), key,
                          [&](std::string_view stored) {
                            Buffer buf;
                            std::string_view v;
                            decoded = codec_.decode(key, stored, &buf, &v);
                            if (decoded.ok()) value.set(v);
                          });
    return e.ok() ? decoded : e;
  }

  Error multi_get(const sdk::ReadOptions& ro, size_t n, const tower_slice* keys,
                  tower_multi_sink* out) override {
    Buffer buf;  // reused across the keys
    return inner_->multi_get(stacking::read_options(ro, InnerSnapshotOf(ro)), n, keys,
                             [&](size_t i, int32_t code, std::string_view data) {
                               if (i >= n) return;  // not a key we asked for
                               if (code != TOWER_OK) {
                                 out->item(out->ctx, i, code, data.data(), data.size());
                                 return;
                               }
                               std::string_view v;
                               Error e = codec_.decode(sdk::view(keys[i]), data, &buf, &v);
                               if (e.ok()) {
                                 out->item(out->ctx, i, TOWER_OK, v.data(), v.size());
                               } else {
                                 out->item(out->ctx, i, e.code, e.message.data(), e.message.size());
                               }
                             });
  }

  Error write(bool sync, const tower_batch_op* ops, size_t n) override {
    // Encode every PUT value into one arena first (it may reallocate), then
    // point the operations at it.
    size_t arena_size = 0;
    for (size_t i = 0; i < n; ++i) {
      switch (ops[i].type) {
        case TOWER_OP_PUT: arena_size += 1 + ops[i].value.size; break;
        case TOWER_OP_DELETE:
        case TOWER_OP_DELETE_RANGE: break;
        default:
          return invalid("zstd: write op " + std::to_string(i) + " has unknown type " +
                         std::to_string(ops[i].type) + "; nothing was written");
      }
    }
    std::string arena;
    arena.reserve(arena_size);
    std::vector<tower_batch_op> encoded(ops, ops + n);
    std::vector<std::pair<size_t, size_t>> spans;  // (offset, size) of each PUT's stored value
    CodecCounters counted;
    for (size_t i = 0; i < n; ++i) {
      if (ops[i].type != TOWER_OP_PUT) continue;
      size_t start = arena.size();
      codec_.encode(sdk::view(ops[i].value), &arena, &counted);
      spans.emplace_back(start, arena.size() - start);
    }
    size_t next = 0;
    for (auto& op : encoded) {
      if (op.type != TOWER_OP_PUT) continue;
      op.value = {arena.data() + spans[next].first, spans[next].second};
      ++next;
    }
    Error e = inner_->write(sync, encoded);
    if (!e.ok()) return e;
    std::lock_guard lock(counters_mu_);
    written_.add(counted);
    return Error::Ok();
  }

  Error new_snapshot(std::unique_ptr<sdk::SnapshotBase>* out) override {
    std::unique_ptr<InnerSnapshot> inner;
    Error e = inner_->snapshot(&inner);
    if (!e.ok()) return e;
    *out = std::make_unique<ZstdSnapshot>(std::move(inner));
    return Error::Ok();
  }

  Error new_iterator(const sdk::ReadOptions& ro, std::unique_ptr<sdk::IteratorBase>* out) override {
    auto it = std::make_unique<ZstdIterator>(&codec_, ro);
    std::unique_ptr<InnerIterator> inner;
    Error e = inner_->iterator(it->inner_options(ro), &inner);
    if (!e.ok()) return e;
    it->attach(std::move(inner));
    *out = std::move(it);
    return Error::Ok();
  }

  Error flush(bool sync) override { return inner_->flush(sync ? TOWER_WRITE_SYNC : 0u); }

  // A zstd directory whose inner store is the inner backend's checkpoint: the
  // copy opens with zstd (the marker names the inner backend). An inner
  // backend without checkpoints answers for itself.
  Error checkpoint(const std::string& dir) override {
    std::error_code ec;
    if (fs::exists(dir, ec))
      return Error::Make(TOWER_E_ALREADY_EXISTS,
                         "zstd: checkpoint directory " + sdk::quote(dir) + " already exists");
    fs::create_directories(dir, ec);
    if (ec) return io_error("create", dir, ec);
    Error e = WriteMarker(dir, inner_->name());
    if (!e.ok()) return e;
    return inner_->checkpoint((fs::path(dir) / kInnerDir).string());
  }

  Error property(const std::string& name, std::string* value) override {
    if (name == "zstd.stats") {
      *value = stats();
      return Error::Ok();
    }
    if (name == "tower.stats") {
      std::string inner;
      Error e = inner_->property(name, &inner);
      if (!e.ok()) return e;
      *value = stats() + "inner: " + inner_->name() + "\n" + inner;
      return Error::Ok();
    }
    if (name == "tower.properties") {
      std::string inner;
      Error e = inner_->property(name, &inner);
      if (!e.ok()) return e;
      if (!inner.empty() && inner.back() != '\n') inner += '\n';
      *value = inner + "zstd.stats\n";
      return Error::Ok();
    }
    // tower.max-key-size (keys are stored as they are) and the inner
    // backend's own properties.
    return inner_->property(name, value);
  }

 private:
  ZstdBackend(Config c, std::unique_ptr<InnerBackend> inner)
      : config_(std::move(c)), codec_(config_.level, config_.min_size), inner_(std::move(inner)) {}

  std::string stats() const {
    CodecCounters c;
    {
      std::lock_guard lock(counters_mu_);
      c = written_;
    }
    char ratio[32] = "-";
    if (c.bytes_out > 0)
      std::snprintf(ratio, sizeof ratio, "%.2f",
                    static_cast<double>(c.bytes_in) / static_cast<double>(c.bytes_out));
    return std::string("backend: zstd ") + kVersion + " (libzstd " + ZSTD_versionString() +
           ") over " + inner_->name() + "\nzstd.level: " + std::to_string(codec_.level()) +
           "\nzstd.min_size: " + std::to_string(codec_.min_size()) +
           "\nzstd.values_raw: " + std::to_string(c.raw) +
           "\nzstd.values_compressed: " + std::to_string(c.compressed) +
           "\nzstd.bytes_in: " + std::to_string(c.bytes_in) +
           "\nzstd.bytes_out: " + std::to_string(c.bytes_out) + "\nzstd.ratio: " + ratio +
           "\nzstd.values_decompressed: " + std::to_string(codec_.decompressed()) +
           "\nzstd.corrupt_reads: " + std::to_string(codec_.corrupt_reads()) + "\n";
  }

  const Config config_;
  Codec codec_;
  std::unique_ptr<InnerBackend> inner_;
  mutable std::mutex counters_mu_;
  CodecCounters written_;  // guarded by counters_mu_
};

}  // namespace
}  // namespace tower::zstd_plugin

// On a host older than ABI 1.3 the plugin still loads; open() says that the
// host has no backend resolver (ZstdBackend::Open).
TOWER_BACKEND_PLUGIN(tower::zstd_plugin::ZstdBackend, "zstd", tower::zstd_plugin::kVersion,
                     "zstd value compression over another backend (option inner, default rocksdb)",
                     tower::zstd_plugin::kCapabilities)
