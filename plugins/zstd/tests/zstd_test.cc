// Tests of the "zstd" stacking backend through the installed kernel
// (tower::PluginManager, tower::Backend, tower::Db), beyond the conformance
// suite: that values really are stored compressed (read back through the
// plain inner backend), the stored format, corruption reports, option
// checking, the self-wrap refusal, an old host, properties, reads of
// compressed values through every path, and a Db configured from TOML.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tower/backend.hpp"
#include "tower/db.hpp"
#include "tower/plugin.hpp"
#include "tower/sdk/host.hpp"

namespace {

namespace fs = std::filesystem;
using tower::Backend;
using tower::Code;
using Extra = std::map<std::string, std::string>;

// This build's plugins (tower-zstd.so) first, then the installed ones.
std::vector<fs::path> PluginDirs() { return {ZSTD_TEST_PLUGIN_DIR, ZSTD_TEST_TOWER_PLUGIN_DIR}; }

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "key-%05d", i);
  return buf;
}

// `size` bytes of JSON-like records that differ only in numbers: compresses
// very well.
std::string Compressible(int i, size_t size = 4096) {
  std::string v;
  for (int n = 0; v.size() < size; ++n) {
    v += "{\"id\":" + std::to_string(i) + ",\"seq\":" + std::to_string(n) + ",\"name\":\"user-" +
         std::to_string(i) + "\",\"active\":true,\"tags\":[\"alpha\",\"beta\"]}\n";
  }
  v.resize(size);
  return v;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// The number on the line "zstd.<name>: N" of a zstd.stats text.
uint64_t Stat(const std::string& stats, const std::string& name) {
  std::string tag = "zstd." + name + ": ";
  size_t at = stats.find(tag);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << tag << " in:\n" << stats;
    return 0;
  }
  return std::stoull(stats.substr(at + tag.size()));
}

class ZstdTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tower-zstd-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    manager_ = std::make_unique<tower::PluginManager>(PluginDirs());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  tower::BackendOptions Options(const std::string& dir, const Extra& extra,
                                bool in_memory = false) const {
    tower::BackendOptions o;
    o.path = (root_ / dir).string();
    o.in_memory = in_memory;
    o.extra = extra;
    o.plugin_dirs = PluginDirs();
    return o;
  }

  tower::Result<std::shared_ptr<Backend>> Open(const std::string& plugin, const std::string& dir,
                                               const Extra& extra = {}, bool in_memory = false) {
    auto p = manager_->Load(plugin, tower::PluginKind::kBackend);
    if (!p.ok()) return p.status();
    return Backend::Open(*p, Options(dir, extra, in_memory));
  }

  std::shared_ptr<Backend> MustOpen(const std::string& plugin, const std::string& dir,
                                    const Extra& extra = {}, bool in_memory = false) {
    auto db = Open(plugin, dir, extra, in_memory);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? *db : nullptr;
  }

  // The raw stored bytes of `key` in the plain inner backend's store at dir.
  static std::string Stored(Backend& plain, const std::string& key) {
    std::string v;
    tower::Status s = plain.Get({}, key, &v);
    EXPECT_TRUE(s.ok()) << s;
    return v;
  }

  fs::path root_;
  std::unique_ptr<tower::PluginManager> manager_;
};

// ---- values really are compressed, over each inner backend ----

class CompressionTest : public ZstdTest, public testing::WithParamInterface<std::string> {};

TEST_P(CompressionTest, ValuesAreStoredCompressed) {
  const std::string inner = GetParam();
  constexpr int kValues = 1000;
  constexpr size_t kSize = 4096;
  {
    auto db = MustOpen("zstd", "db", {{"inner", inner}});
    ASSERT_NE(db, nullptr);
    for (int batch = 0; batch < kValues / 100; ++batch) {
      tower::WriteBatch b;
      for (int i = batch * 100; i < (batch + 1) * 100; ++i) b.Put(Key(i), Compressible(i, kSize));
      ASSERT_TRUE(db->Write({}, b).ok());
    }
    auto stats = db->Property("zstd.stats");
    ASSERT_TRUE(stats.ok()) << stats.status();
    std::printf("zstd.stats over %s after %d values of %zu bytes:\n%s", inner.c_str(), kValues,
                kSize, stats->c_str());
    EXPECT_EQ(Stat(*stats, "values_compressed"), uint64_t{kValues});
    EXPECT_EQ(Stat(*stats, "values_raw"), 0u);
    EXPECT_EQ(Stat(*stats, "bytes_in"), uint64_t{kValues} * kSize);
    EXPECT_LT(Stat(*stats, "bytes_out"), uint64_t{kValues} * kSize / 10);
    for (int i : {0, 1, 499, 999}) {
      std::string v;
      ASSERT_TRUE(db->Get({}, Key(i), &v).ok());
      EXPECT_TRUE(v == Compressible(i, kSize)) << Key(i);
    }
  }
  // The same directory through the plain inner backend: every stored value
  // is a header byte 0x01 and a standard zstd frame of the original.
  auto plain = MustOpen(inner, "db/data");
  ASSERT_NE(plain, nullptr);
  auto it = plain->NewIterator({});
  ASSERT_TRUE(it.ok()) << it.status();
  int n = 0;
  size_t total = 0;
  for (bool v = (*it)->SeekToFirst(); v; v = (*it)->Next(), ++n) {
    ASSERT_LT(n, kValues);
    ASSERT_EQ((*it)->key(), Key(n));
    std::string_view stored = (*it)->value();
    ASSERT_GE(stored.size(), 2u);
    EXPECT_EQ(stored[0], '\x01') << Key(n);
    EXPECT_LT(stored.size(), kSize / 10) << Key(n);
    total += stored.size();
    std::string original(kSize, '\0');
    size_t got =
        ZSTD_decompress(original.data(), original.size(), stored.data() + 1, stored.size() - 1);
    ASSERT_FALSE(ZSTD_isError(got)) << ZSTD_getErrorName(got);
    EXPECT_EQ(got, kSize);
    EXPECT_TRUE(original == Compressible(n, kSize)) << Key(n);
  }
  EXPECT_TRUE((*it)->status().ok()) << (*it)->status();
  EXPECT_EQ(n, kValues);
  EXPECT_LT(total, size_t{kValues} * kSize / 10);
}

INSTANTIATE_TEST_SUITE_P(Inner, CompressionTest, testing::Values("rocksdb", "lmdb"),
                         [](const testing::TestParamInfo<std::string>& i) { return i.param; });

// ---- the stored format ----

TEST_F(ZstdTest, ValuesThatDoNotGainStayRaw) {
  const std::string random = RandomBytes(1000, 42);
  {
    auto db = MustOpen("zstd", "db", {{"inner", "rocksdb"}});
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put({}, "short", "hi").ok());  // below min_size (64)
    ASSERT_TRUE(db->Put({}, "empty", "").ok());
    ASSERT_TRUE(db->Put({}, "random", random).ok());  // incompressible
    ASSERT_TRUE(db->Put({}, "text", Compressible(1, 200)).ok());
    auto stats = db->Property("zstd.stats");
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(Stat(*stats, "values_raw"), 3u);
    EXPECT_EQ(Stat(*stats, "values_compressed"), 1u);
  }
  {
    auto plain = MustOpen("rocksdb", "db/data");
    ASSERT_NE(plain, nullptr);
    EXPECT_EQ(Stored(*plain, "short"), std::string("\x00hi", 3));
    EXPECT_EQ(Stored(*plain, "empty"), std::string("\x00", 1));
    EXPECT_TRUE(Stored(*plain, "random") == std::string(1, '\0') + random);
    std::string text = Stored(*plain, "text");
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text[0], '\x01');
    EXPECT_LT(text.size(), 200u);
  }
  // min_size moves the threshold both ways.
  {
    auto db = MustOpen("zstd", "db2", {{"inner", "rocksdb"}, {"min_size", "10000"}});
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put({}, "big-but-below", Compressible(2, 4096)).ok());
    auto tiny = MustOpen("zstd", "db3", {{"inner", "rocksdb"}, {"min_size", "0"}});
    ASSERT_NE(tiny, nullptr);
    ASSERT_TRUE(tiny->Put({}, "forty", std::string(40, 'a')).ok());
  }
  auto db2 = MustOpen("rocksdb", "db2/data");
  auto db3 = MustOpen("rocksdb", "db3/data");
  ASSERT_NE(db2, nullptr);
  ASSERT_NE(db3, nullptr);
  std::string raw = Stored(*db2, "big-but-below");
  EXPECT_EQ(raw.size(), 4097u);
  EXPECT_EQ(raw[0], '\0');
  std::string small = Stored(*db3, "forty");
  EXPECT_EQ(small[0], '\x01');
  EXPECT_LT(small.size(), 40u);
}

// ---- corruption ----

// A zstd frame header claiming 4 GiB of content (and nothing after it).
std::string BombFrame() {
  std::string f = "\x28\xb5\x2f\xfd";  // magic, little-endian
  f += '\xe0';                         // 8-byte content size, single segment
  uint64_t size = uint64_t{4} << 30;
  for (int i = 0; i < 8; ++i) f += static_cast<char>((size >> (8 * i)) & 0xff);
  return f;
}

std::string Frame(const std::string& content, bool record_size = true) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, record_size ? 1 : 0);
  std::string out(ZSTD_compressBound(content.size()), '\0');
  size_t n = ZSTD_compress2(c, out.data(), out.size(), content.data(), content.size());
  ZSTD_freeCCtx(c);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

TEST_F(ZstdTest, DamagedValuesReadAsCorruptionNamingTheKey) {
  const std::string frame = Frame(Compressible(7));
  const std::map<std::string, std::string> bad = {
      {"bad-header", "\x07whatever"},
      {"empty", ""},
      {"not-zstd", "\x01 this is not a zstd frame"},
      {"bomb", "\x01" + BombFrame()},
      {"no-size", "\x01" + Frame(Compressible(8), false)},
      {"truncated", "\x01" + frame.substr(0, frame.size() - 5)},
      {"trailing", "\x01" + frame + "junk"},
  };
  const std::map<std::string, std::string> why = {
      {"bad-header", "unknown header byte 0x07"},
      {"empty", "no header byte"},
      {"not-zstd", "not a zstd frame"},
      {"bomb", "claims 4294967296 bytes"},
      {"no-size", "does not record its content size"},
      {"truncated", "bad zstd frame"},
      {"trailing", "4 unexpected bytes"},
  };
  // Create the zstd store, then damage its inner store directly.
  ASSERT_NE(MustOpen("zstd", "db", {{"inner", "rocksdb"}}), nullptr);
  {
    auto plain = MustOpen("rocksdb", "db/data");
    ASSERT_NE(plain, nullptr);
    tower::WriteBatch b;
    for (const auto& [k, v] : bad) b.Put(k, v);
    b.Put("good", "\x01" + frame);
    ASSERT_TRUE(plain->Write({}, b).ok());
  }
  auto db = MustOpen("zstd", "db", {{"inner", "rocksdb"}});
  ASSERT_NE(db, nullptr);
  std::string v;
  ASSERT_TRUE(db->Get({}, "good", &v).ok());
  EXPECT_TRUE(v == Compressible(7));
  for (const auto& [k, reason] : why) {
    tower::Status s = db->Get({}, k, &v);
    EXPECT_EQ(s.code(), Code::kCorruption) << k << ": " << s;
    EXPECT_NE(s.message().find("'" + k + "'"), std::string::npos) << s;
    EXPECT_NE(s.message().find(reason), std::string::npos) << s;
  }
  // multi_get: per-key statuses, the good key still read.
  std::vector<std::string> vals;
  std::vector<tower::Status> st;
  ASSERT_TRUE(db->MultiGet({}, {"good", "bomb", "missing", "trailing"}, &vals, &st).ok());
  EXPECT_TRUE(st[0].ok());
  EXPECT_TRUE(vals[0] == Compressible(7));
  EXPECT_EQ(st[1].code(), Code::kCorruption) << st[1];
  EXPECT_NE(st[1].message().find("'bomb'"), std::string::npos) << st[1];
  EXPECT_TRUE(st[2].IsNotFound()) << st[2];
  EXPECT_EQ(st[3].code(), Code::kCorruption) << st[3];
  // Iterators: an unknown header stops the movement; a bad frame stops the
  // iterator when value() is read. Either way status() names the key.
  auto it = db->NewIterator({});
  ASSERT_TRUE(it.ok());
  EXPECT_FALSE((*it)->Seek("bad-header"));
  EXPECT_EQ((*it)->status().code(), Code::kCorruption);
  EXPECT_NE((*it)->status().message().find("'bad-header'"), std::string::npos);
  ASSERT_TRUE((*it)->Seek("good"));  // a new seek starts afresh
  EXPECT_TRUE((*it)->status().ok());
  EXPECT_TRUE((*it)->value() == Compressible(7));
  ASSERT_TRUE((*it)->Next());
  EXPECT_EQ((*it)->key(), "no-size");
  EXPECT_EQ((*it)->value(), "");
  EXPECT_FALSE((*it)->Valid());
  EXPECT_FALSE((*it)->Next());
  EXPECT_EQ((*it)->status().code(), Code::kCorruption);
  EXPECT_NE((*it)->status().message().find("'no-size'"), std::string::npos);
  auto stats = db->Property("zstd.stats");
  ASSERT_TRUE(stats.ok());
  EXPECT_GE(Stat(*stats, "corrupt_reads"), 9u);
}

// ---- options ----

TEST_F(ZstdTest, BadOptionsAreRefusedNamingThem) {
  struct Case {
    Extra extra;
    Code code;
    std::vector<std::string> mentions;
  };
  const Case cases[] = {
      {{{"level", "0"}}, Code::kInvalidArgument, {"level", "'0'"}},
      {{{"level", "20"}}, Code::kInvalidArgument, {"level", "'20'", "1 to 19"}},
      {{{"level", "abc"}}, Code::kInvalidArgument, {"level", "'abc'"}},
      {{{"level", ""}}, Code::kInvalidArgument, {"level", "''"}},
      {{{"min_size", "abc"}}, Code::kInvalidArgument, {"min_size", "'abc'"}},
      {{{"min_size", "-1"}}, Code::kInvalidArgument, {"min_size", "'-1'"}},
      {{{"compression", "max"}}, Code::kInvalidArgument, {"unknown option", "'compression'"}},
      {{{"inner.", "x"}}, Code::kInvalidArgument, {"'inner.'"}},
      {{{"inner", ""}}, Code::kInvalidArgument, {"inner", "names no backend"}},
      {{{"inner", "no-such-backend"}}, Code::kNotFound, {"no-such-backend"}},
      {{{"inner", "scalars"}}, Code::kInvalidArgument, {"scalars"}},
      {{{"inner.no.such", "1"}}, Code::kInvalidArgument, {"'no.such'", "inner.no.such"}},
  };
  for (const auto& c : cases) {
    std::string label;
    for (const auto& [k, v] : c.extra) label += k + "=" + v + " ";
    auto db = Open("zstd", "db", c.extra);
    ASSERT_FALSE(db.ok()) << label;
    EXPECT_EQ(db.status().code(), c.code) << label << db.status();
    for (const auto& m : c.mentions)
      EXPECT_NE(db.status().message().find(m), std::string::npos) << label << db.status();
  }
  // Forwarded options reach the inner backend.
  EXPECT_TRUE(Open("zstd", "ok1", {{"inner.rocksdb.compression", "none"}}).ok());
  EXPECT_TRUE(Open("zstd", "ok2", {{"inner", "lmdb"}, {"inner.lmdb.map_size", "1048576"}}).ok());
  EXPECT_TRUE(Open("zstd", "ok3", {{"level", "19"}, {"min_size", "0"}}).ok());
}

TEST_F(ZstdTest, WrappingItselfIsRefused) {
  auto db = Open("zstd", "db", {{"inner", "zstd"}});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), Code::kInvalidArgument) << db.status();
  EXPECT_NE(db.status().message().find("inner backend 'zstd'"), std::string::npos) << db.status();
  EXPECT_NE(db.status().message().find("cannot wrap itself"), std::string::npos) << db.status();
}

TEST_F(ZstdTest, TheStoreRemembersItsInnerBackend) {
  {
    auto db = MustOpen("zstd", "db", {{"inner", "lmdb"}});
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->Put({}, "k", std::string(1000, 'z')).ok());
  }
  {
    // Reopened without the option: the recorded inner backend (lmdb) is used.
    auto db = MustOpen("zstd", "db");
    ASSERT_NE(db, nullptr);
    std::string v;
    ASSERT_TRUE(db->Get({}, "k", &v).ok());
    EXPECT_EQ(v, std::string(1000, 'z'));
    auto stats = db->Property("tower.stats");
    ASSERT_TRUE(stats.ok());
    EXPECT_NE(stats->find("inner: lmdb"), std::string::npos) << *stats;
  }
  // Another inner backend is refused, naming both, and creates nothing.
  auto wrong = Open("zstd", "db", {{"inner", "rocksdb"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), tower::Code::kInvalidArgument) << wrong.status();
  EXPECT_NE(wrong.status().message().find("'lmdb'"), std::string::npos) << wrong.status();
  EXPECT_NE(wrong.status().message().find("'rocksdb'"), std::string::npos) << wrong.status();
  // Opening a missing store without create_if_missing is NotFound.
  tower::BackendOptions o = Options("nothing-here", {});
  o.create_if_missing = false;
  auto p = manager_->Load("zstd", tower::PluginKind::kBackend);
  ASSERT_TRUE(p.ok());
  auto missing = Backend::Open(*p, o);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), tower::Code::kNotFound) << missing.status();
  EXPECT_FALSE(fs::exists(root_ / "nothing-here"));
}

TEST_F(ZstdTest, InMemoryNeedsAnInnerThatCanDoIt) {
  auto mem = Open("zstd", "m1", {{"inner", "rocksdb"}}, /*in_memory=*/true);
  ASSERT_TRUE(mem.ok()) << mem.status();
  auto lmdb = Open("zstd", "m2", {{"inner", "lmdb"}}, /*in_memory=*/true);
  ASSERT_FALSE(lmdb.ok());
  EXPECT_EQ(lmdb.status().code(), Code::kNotSupported) << lmdb.status();
  EXPECT_NE(lmdb.status().message().find("inner backend 'lmdb'"), std::string::npos);
}

// A host older than ABI 1.3 (a shorter options struct) or one that passes no
// resolver: open() explains instead of failing obscurely.
TEST_F(ZstdTest, HostWithoutAResolverIsToldWhy) {
  auto p = manager_->Load("zstd", tower::PluginKind::kBackend);
  ASSERT_TRUE(p.ok()) << p.status();
  const tower_backend_api* api = (*p)->backend_api();
  std::string path = (root_ / "db").string();
  tower_backend_options o{};
  o.struct_size = offsetof(tower_backend_options, resolver);  // an ABI 1.2 host
  o.flags = TOWER_OPEN_CREATE_IF_MISSING;
  o.path = path.c_str();
  tower_backend* db = nullptr;
  {
    tower::sdk::ErrorSink err;
    EXPECT_EQ(api->open(&o, &db, &err.sink), TOWER_E_NOT_SUPPORTED) << err.message;
    EXPECT_NE(err.message.find("ABI 1.3"), std::string::npos) << err.message;
  }
  o.struct_size = sizeof(tower_backend_options);
  o.resolver = nullptr;
  {
    tower::sdk::ErrorSink err;
    EXPECT_EQ(api->open(&o, &db, &err.sink), TOWER_E_NOT_SUPPORTED) << err.message;
    EXPECT_NE(err.message.find("no backend resolver"), std::string::npos) << err.message;
  }
  EXPECT_EQ(db, nullptr);
  EXPECT_FALSE(fs::exists(path));  // nothing was created
}

// ---- properties ----

TEST_F(ZstdTest, PropertiesCombineZstdAndTheInnerBackend) {
  auto db = MustOpen("zstd", "db", {{"inner", "lmdb"}, {"level", "7"}});
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->Put({}, "k", Compressible(1)).ok());
  EXPECT_EQ(db->max_key_size(), 511u);  // lmdb's
  auto names = db->Property("tower.properties");
  ASSERT_TRUE(names.ok());
  EXPECT_NE(names->find("tower.max-key-size\n"), std::string::npos) << *names;
  EXPECT_NE(names->find("zstd.stats\n"), std::string::npos) << *names;
  auto stats = db->Property("tower.stats");
  ASSERT_TRUE(stats.ok());
  EXPECT_NE(stats->find("zstd.level: 7\n"), std::string::npos) << *stats;
  EXPECT_EQ(Stat(*stats, "values_compressed"), 1u);
  EXPECT_NE(stats->find("inner: lmdb\n"), std::string::npos) << *stats;
  auto bad = db->Property("no.such.property");
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
  EXPECT_NE(bad.status().message().find("no.such.property"), std::string::npos);

  auto rocks = MustOpen("zstd", "rocks", {{"inner", "rocksdb"}});
  ASSERT_NE(rocks, nullptr);
  auto keys = rocks->Property("rocksdb.estimate-num-keys");  // the inner's own
  EXPECT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(rocks->max_key_size(), 0u);
}

// ---- compressed values through every read path ----

TEST_F(ZstdTest, CompressedValuesThroughIteratorsSnapshotsAndMultiGet) {
  auto db = MustOpen("zstd", "db", {{"inner", "rocksdb"}, {"min_size", "16"}}, true);
  ASSERT_NE(db, nullptr);
  std::map<std::string, std::string> model;
  tower::WriteBatch b;
  for (int i = 0; i < 300; ++i) {
    std::string v = i % 3 == 0 ? "v" + std::to_string(i) : Compressible(i, 100 + 37 * i);
    b.Put(Key(i), v);
    model[Key(i)] = v;
  }
  ASSERT_TRUE(db->Write({}, b).ok());
  auto snap = db->GetSnapshot();
  ASSERT_TRUE(snap.ok());
  const auto before = model;
  tower::WriteBatch change;
  for (int i = 0; i < 300; i += 2) {
    change.Put(Key(i), Compressible(-i, 500));
    model[Key(i)] = Compressible(-i, 500);
  }
  change.DeleteRange(Key(100), Key(150));
  for (int i = 100; i < 150; ++i) model.erase(Key(i));
  ASSERT_TRUE(db->Write({}, change).ok());

  auto scan = [&](const tower::ReadOptions& ro, bool reverse) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = db->NewIterator(ro);
    EXPECT_TRUE(it.ok());
    for (bool v = reverse ? (*it)->SeekToLast() : (*it)->SeekToFirst(); v;
         v = reverse ? (*it)->Prev() : (*it)->Next())
      out.emplace_back((*it)->key(), (*it)->value());
    EXPECT_TRUE((*it)->status().ok()) << (*it)->status();
    return out;
  };
  auto expect = [](const std::map<std::string, std::string>& m, const std::string& lo,
                   const std::string& hi, bool reverse) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto i = m.lower_bound(lo); i != m.end() && i->first < hi; ++i) out.push_back(*i);
    if (reverse) std::reverse(out.begin(), out.end());
    return out;
  };
  tower::ReadOptions all;
  EXPECT_TRUE(scan(all, false) == expect(model, "", "\xff", false));
  EXPECT_TRUE(scan(all, true) == expect(model, "", "\xff", true));
  tower::ReadOptions bounded;
  std::string lo = Key(90), hi = Key(210);
  bounded.lower_bound = lo;
  bounded.upper_bound = hi;
  EXPECT_TRUE(scan(bounded, false) == expect(model, lo, hi, false));
  EXPECT_TRUE(scan(bounded, true) == expect(model, lo, hi, true));
  tower::ReadOptions old;
  old.snapshot = snap->get();
  EXPECT_TRUE(scan(old, false) == expect(before, "", "\xff", false));
  old.lower_bound = lo;
  old.upper_bound = hi;
  EXPECT_TRUE(scan(old, true) == expect(before, lo, hi, true));

  std::vector<std::string_view> keys = {"key-00001", "key-00002", "key-00120", "nope"};
  std::vector<std::string> vals;
  std::vector<tower::Status> st;
  ASSERT_TRUE(db->MultiGet({}, keys, &vals, &st).ok());
  EXPECT_TRUE(vals[0] == model["key-00001"]);
  EXPECT_TRUE(vals[1] == model["key-00002"]);
  EXPECT_TRUE(st[2].IsNotFound());
  EXPECT_TRUE(st[3].IsNotFound());
  tower::ReadOptions at_snap;
  at_snap.snapshot = snap->get();
  ASSERT_TRUE(db->MultiGet(at_snap, keys, &vals, &st).ok());
  EXPECT_TRUE(vals[1] == before.at("key-00002"));
  EXPECT_TRUE(vals[2] == before.at("key-00120"));
  std::string v;
  ASSERT_TRUE(db->Get(at_snap, Key(120), &v).ok());
  EXPECT_TRUE(v == before.at(Key(120)));
}

TEST_F(ZstdTest, ConcurrentWritersAndReadersShareTheContexts) {
  auto db = MustOpen("zstd", "db", {{"inner", "rocksdb"}}, true);
  ASSERT_NE(db, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        int id = t * 1000 + i;
        if (!db->Put({}, Key(id), Compressible(id, 1000 + i)).ok()) ++errors;
        std::string v;
        if (!db->Get({}, Key(id), &v).ok() || v != Compressible(id, 1000 + i)) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  auto stats = db->Property("zstd.stats");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(Stat(*stats, "values_compressed"), 800u);
}

// ---- a Db configured from TOML ----

TEST_F(ZstdTest, DbFromATomlConfig) {
  std::string plugin_paths;
  for (const auto& d : PluginDirs())
    plugin_paths += (plugin_paths.empty() ? "\"" : ", \"") + d.string() + "\"";
  fs::path config = root_ / "tower.toml";
  {
    std::ofstream f(config);
    f << "[storage]\n"
         "backend = \"zstd\"\n"
         "path = \"data\"\n"
         "options = { inner = \"rocksdb\", level = 3 }\n"
         "\n"
         "[plugins]\n"
         "paths = ["
      << plugin_paths
      << "]\n"
         "datatypes = [\"scalars\"]\n";
  }
  const std::string text = Compressible(3, 20000);
  {
    auto db = tower::Db::open_config(config);
    ASSERT_TRUE(db.ok()) << db.status();
    auto set = (*db)->call("string.set", "greeting", text);
    ASSERT_TRUE(set.ok()) << set.status();
    auto got = (*db)->call("string.get", "greeting");
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(got->as_string() == text);
    auto stats = (*db)->stats();
    ASSERT_TRUE(stats.ok()) << stats.status();
    EXPECT_NE(stats->find("over rocksdb"), std::string::npos) << *stats;
    EXPECT_GE(Stat(*stats, "values_compressed"), 1u);
    EXPECT_LT(Stat(*stats, "bytes_out"), Stat(*stats, "bytes_in") / 5);
  }
  // Reopened from the same file: the data is still there.
  auto db = tower::Db::open_config(config);
  ASSERT_TRUE(db.ok()) << db.status();
  auto got = (*db)->call("string.get", "greeting");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->as_string() == text);
}

}  // namespace
