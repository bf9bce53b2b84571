// Kernel unit tests: sizes, configuration, key layout, frames, status.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>

#include "tower/frame.hpp"
#include "tower/keys.hpp"
#include "tower/options.hpp"
#include "tower/size.hpp"
#include "tower/status.hpp"

namespace tower {
namespace {

TEST(Size, ParsesTheGoSpellingsAndIec) {
  EXPECT_EQ(Size::Parse("64MiB")->bytes(), 64 * Size::kMB);
  EXPECT_EQ(Size::Parse("1GB")->bytes(), Size::kGB);
  EXPECT_EQ(Size::Parse("512KB")->bytes(), 512 * Size::kKB);
  EXPECT_EQ(Size::Parse("1.00 GB")->bytes(), Size::kGB);
  EXPECT_EQ(Size::Parse("1.5 kb")->bytes(), 1536);
  EXPECT_EQ(Size::Parse("100")->bytes(), 100);
  EXPECT_EQ(Size::Parse("100 B")->bytes(), 100);
  EXPECT_EQ(Size::Parse("2TiB")->bytes(), 2 * Size::kTB);
  EXPECT_EQ(Size::Parse("7EB")->bytes(), 7 * Size::kEB);
  EXPECT_EQ(Size::Parse("0")->bytes(), 0);
}

TEST(Size, RejectsBadText) {
  for (const char* bad :
       {"", " ", "MB", "-1MB", "12XB", "1.2.3MB", "9EB", "99999999999999999999", "1 M B", "0x10"}) {
    auto s = Size::Parse(bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    EXPECT_NE(s.status().message().find(std::string("'") + bad + "'"), std::string::npos)
        << s.status();
  }
}

TEST(Size, PrintsLikeTheGoOriginal) {
  EXPECT_EQ(Size::FromGigabytes(1).ToString(), "1.00 GB");
  EXPECT_EQ(Size::FromKilobytes(512).ToString(), "512.00 KB");
  EXPECT_EQ(Size(100).ToString(), "100 B");
  EXPECT_EQ(Size::FromMegabytes(1.5).ToString(), "1.50 MB");
  EXPECT_EQ(Size(3 * Size::kTB).ToString(), "3.00 TB");
  // Round trip through the printed form.
  for (int64_t v : {int64_t{1024}, 64 * Size::kMB, 5 * Size::kGB}) {
    EXPECT_EQ(Size::Parse(Size(v).ToString())->bytes(), v);
  }
  EXPECT_DOUBLE_EQ(Size::FromMegabytes(10).megabytes(), 10.0);
  EXPECT_DOUBLE_EQ(Size(Size::kGB).kilobytes(), 1024.0 * 1024.0);
}

TEST(Config, ReadsEveryStorageOption) {
  auto o = Options::FromTomlString(R"(
[storage]
backend = "lmdb"
path = "/var/lib/tower"
in_memory = false
cache_size = "128MiB"
memtable_size = "32MB"
bytes_per_sync = 65536
sync_writes = true
create_if_missing = false
read_only = true

[storage.options]
"lmdb.map_size" = 1073741824

[plugins]
paths = ["/opt/tower/plugins", "./more"]
)");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->backend, "lmdb");
  EXPECT_EQ(o->path, "/var/lib/tower");
  EXPECT_EQ(o->cache_size.bytes(), 128 * Size::kMB);
  EXPECT_EQ(o->memtable_size.bytes(), 32 * Size::kMB);
  EXPECT_EQ(o->bytes_per_sync.bytes(), 65536);
  EXPECT_TRUE(o->sync_writes);
  EXPECT_FALSE(o->create_if_missing);
  EXPECT_TRUE(o->read_only);
  EXPECT_EQ(o->backend_options.at("lmdb.map_size"), "1073741824");
  ASSERT_EQ(o->plugin_paths.size(), 2u);
}

TEST(Config, UnknownKeyNamesTheLine) {
  auto o = Options::FromTomlString("[storage]\nbackend = \"rocksdb\"\ncache = \"1GB\"\n", "t.toml");
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), Code::kInvalidArgument);
  EXPECT_NE(o.status().message().find("t.toml:3"), std::string::npos) << o.status();
  EXPECT_NE(o.status().message().find("storage.cache"), std::string::npos) << o.status();

  auto top = Options::FromTomlString("\n[stroage]\npath = \"x\"\n", "t.toml");
  ASSERT_FALSE(top.ok());
  EXPECT_NE(top.status().message().find("t.toml:2"), std::string::npos) << top.status();
}

TEST(Config, BadSizeNamesTheLineAndValue) {
  auto o = Options::FromTomlString("[storage]\n\ncache_size = \"64XB\"\n", "t.toml");
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("t.toml:3"), std::string::npos) << o.status();
  EXPECT_NE(o.status().message().find("64XB"), std::string::npos) << o.status();
  EXPECT_NE(o.status().message().find("storage.cache_size"), std::string::npos) << o.status();
}

TEST(Config, WrongTypesAndSyntaxErrorsAreReported) {
  auto a = Options::FromTomlString("[storage]\nsync_writes = \"yes\"\n", "t.toml");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("t.toml:2"), std::string::npos) << a.status();
  auto b = Options::FromTomlString("[storage\nx=1\n", "t.toml");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("t.toml:1"), std::string::npos) << b.status();
  auto c = Options::FromTomlString("[storage]\ncache_size = -5\n", "t.toml");
  ASSERT_FALSE(c.ok());
  auto missing = Options::FromTomlFile("/nonexistent/tower.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kIOError);
  EXPECT_NE(missing.status().message().find("/nonexistent/tower.toml"), std::string::npos);
}

TEST(Config, RelativePathsAreRelativeToTheFile) {
  char tmpl[] = "/tmp/tower-config-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string file = std::string(tmpl) + "/tower.toml";
  std::ofstream(file) << "[storage]\npath = \"data\"\n[plugins]\npaths = [\"plugins\"]\n";
  auto o = Options::FromTomlFile(file);
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->path, std::string(tmpl) + "/data");
  EXPECT_EQ(o->plugin_paths[0].string(), std::string(tmpl) + "/plugins");
  std::filesystem::remove_all(tmpl);
}

TEST(Keys, NamespacesNeverCollide) {
  // Adversarial user keys: every prefix byte, 0x00/0xFF, and encodings of
  // other namespaces' keys.
  std::vector<std::string> users = {"m",
                                    "s",
                                    "x",
                                    "S",
                                    std::string("\x00", 1),
                                    "\xff",
                                    keys::Meta("a"),
                                    keys::Sub("a", 1, "f"),
                                    keys::Expiry(5, "a"),
                                    keys::System("type/x"),
                                    std::string("a\x00\x00\x00", 4)};
  std::set<std::string> seen;
  for (const auto& u : users) {
    for (const std::string& k :
         {keys::Meta(u), keys::Sub(u, 1, "f"), keys::Sub(u, 1, ""), keys::Expiry(9, u)}) {
      EXPECT_TRUE(seen.insert(k).second) << keys::Quote(k);
    }
    std::string_view parsed;
    const std::string meta = keys::Meta(u), subkey = keys::Sub(u, 77, "field");
    ASSERT_TRUE(keys::ParseMeta(meta, &parsed));
    EXPECT_EQ(parsed, u);
    uint64_t version;
    std::string_view sub;
    ASSERT_TRUE(keys::ParseSub(subkey, &parsed, &version, &sub));
    EXPECT_EQ(parsed, u);
    EXPECT_EQ(version, 77u);
    EXPECT_EQ(sub, "field");
  }
  // A system key is never a metadata key of any user key.
  std::string_view dummy;
  EXPECT_FALSE(keys::ParseMeta(keys::System("type/x"), &dummy));
}

TEST(Keys, OrderedEncodingsSortLikeTheirValues) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> ints = {INT64_MIN, -1, 0, 1, INT64_MAX};
  for (int i = 0; i < 200; ++i) ints.push_back(static_cast<int64_t>(rng()));
  for (int64_t a : ints) {
    std::string ea;
    keys::PutOrderedInt64(&ea, a);
    EXPECT_EQ(keys::GetOrderedInt64(ea.data()), a);
    for (int64_t b : ints) {
      std::string eb;
      keys::PutOrderedInt64(&eb, b);
      EXPECT_EQ(a < b, ea < eb);
    }
  }
  std::vector<double> ds = {-INFINITY, -1e300, -1.5, -0.0, 0.0, 1e-300, 2.5, 1e300, INFINITY};
  for (size_t i = 0; i + 1 < ds.size(); ++i) {
    std::string a, b;
    keys::PutOrderedDouble(&a, ds[i]);
    keys::PutOrderedDouble(&b, ds[i + 1]);
    EXPECT_LT(a, b) << ds[i] << " vs " << ds[i + 1];
    EXPECT_EQ(keys::GetOrderedDouble(a.data()), ds[i]);
  }
  EXPECT_EQ(keys::PrefixEnd("ab"), "ac");
  EXPECT_EQ(keys::PrefixEnd("a\xff"), "b");
  EXPECT_EQ(keys::PrefixEnd("\xff\xff"), "");
}

TEST(Frame, RoundTripsAndDetectsCorruption) {
  std::string f;
  EncodeFrame(&f, 7, 2, 123456789u, "payload");
  auto v = DecodeFrame("k", f);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->type, 7);
  EXPECT_EQ(v->encoding, 2);
  EXPECT_EQ(v->expiry_ms, 123456789u);
  EXPECT_EQ(v->payload, "payload");
  std::string g;
  EncodeFrame(&g, 1, 1, std::nullopt, "");
  EXPECT_FALSE(DecodeFrame("k", g)->expiry_ms.has_value());
  for (size_t cut = 0; cut < 11; ++cut) {
    auto bad = DecodeFrame("key1", std::string_view(f).substr(0, cut));
    ASSERT_FALSE(bad.ok()) << cut;
    EXPECT_EQ(bad.status().code(), Code::kCorruption);
    EXPECT_NE(bad.status().message().find("key1"), std::string::npos);
  }
  std::string flags = g;
  flags[2] = '\x80';
  EXPECT_EQ(DecodeFrame("k", flags).status().code(), Code::kCorruption);
}

TEST(Status, CodesMatchTheAbiAndPrint) {
  EXPECT_EQ(static_cast<int>(Code::kNotFound), TOWER_E_NOT_FOUND);
  EXPECT_EQ(Status::NotFound("key 'a'").ToString(), "NotFound: key 'a'");
  EXPECT_EQ(Status::OK().ToString(), "OK");
  EXPECT_EQ(Status::FromAbi(999, "x").code(), Code::kInternal);
  EXPECT_EQ(Status::IOError("disk").WithContext("open").message(), "open: disk");
  Result<int> r = Status::OK();  // misuse is caught, not UB
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace tower
