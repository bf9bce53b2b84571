// Db::export_jsonl / Db::import_jsonl: every type round-trips exactly (into
// a database on another backend whose type ids are numbered differently),
// and bad or damaged input is a clear error that leaves no half-written key.
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "fixture.hpp"
#include "tower/keys.hpp"

namespace tower::testing_support {
namespace {

using namespace std::string_literals;

constexpr int64_t kSecond = 1000000000;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string Join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

class ExportTest : public CommandTest {
 protected:
  // A key of every type, with the edge cases of each.
  void Populate(Db& db) {
    auto ok = [](const Status& s) { ASSERT_TRUE(s.ok()) << s; };
    auto call = [&](std::string_view name, std::vector<Value> args) {
      auto r = db.call(name, std::move(args));
      ASSERT_TRUE(r.ok()) << name << ": " << r.status();
    };
    ok(db.put("raw", "bytes\0\xff"s));
    ok(db.set_string("str", "héllo, \"world\"\n"));
    ok(db.set_string("\x00k\xff"s, "a key that is not UTF-8"));
    ok(db.set_int("int", std::numeric_limits<int64_t>::min()));
    ok(db.set_float("negzero", -0.0));
    ok(db.set_float("nan", std::nan("")));
    ok(db.set_float("inf", -std::numeric_limits<double>::infinity()));
    ok(db.set_bool("bool", true));
    ok(db.set_timestamp("ts", Timestamp{-1}));
    ok(db.set_time("time", *Time::Parse("2026-11-26T06:30:00.123456789+09:00")));
    ok(db.set_duration("dur", Duration{-90 * kSecond}));
    ASSERT_TRUE(db.generate_uuid("uuid", 7).ok());
    ok(db.set_binary("bin", "\x00\x01\xfe\xff"s));
    ok(db.set_bigint("big", BigInt(1) << 300));
    ok(db.set_decimal("dec", *Decimal::Parse("-19.99")));
    ok(db.upsert_password("pw", "correct horse", "argon2id", 16, PasswordParams::Argon2(1, 64, 1)));
    ok(db.upsert_safe_box("box", "the plaintext", "key material", "xchacha20-poly1305"));
    call("list.create", {"list"});
    call("list.push_right", {"list", "a", int64_t{2}, 1.5, Binary{"\0"s}, Value()});
    call("list.create", {"emptylist"});
    call("map.create", {"map"});
    call("map.set", {"map", int64_t{42}, "int field"});
    call("map.set", {"map", "42", "string field"});
    call("set.create", {"set"});
    call("set.add", {"set", "x", "y", Binary{"\xff"s}});
    call("ts.create", {"series", Duration{0}, "sum"});
    for (int i = 0; i < 50; ++i) call("ts.add", {"series", Timestamp{i * kSecond}, int64_t{i}});
    call("bloom.create", {"bloom", int64_t{1000}, 0.01});
    for (int i = 0; i < 300; ++i) call("bloom.add", {"bloom", "member" + std::to_string(i)});
    call("roaring.add", {"bits", int64_t{1}, int64_t{70000}, int64_t{4000000000}});
    // More than one import batch (4 MiB) of items.
    call("list.create", {"long"});
    const std::string kb(1024, 'x');
    for (int i = 0; i < 5000; ++i) call("list.push_right", {"long", kb + std::to_string(i)});
    // Expiry: one pending, one already past (not exported).
    ok(db.set_ttl("str", Timestamp{db.now_ns() + 3600 * kSecond}));
    ok(db.set_string("gone", "expired"));
    ok(db.set_ttl("gone", Timestamp{db.now_ns() - kSecond}));
  }

  std::string Export(Db& db) {
    std::ostringstream out;
    auto r = db.export_jsonl(out);
    EXPECT_TRUE(r.ok()) << r.status();
    return out.str();
  }

  Result<Db::TransferStats> Import(Db& db, const std::string& text, bool replace = false) {
    std::istringstream in(text);
    Db::ImportOptions o;
    o.replace = replace;
    return db.import_jsonl(in, o);
  }

  // A second database on another backend, whose type ids are assigned in
  // another order than the source's.
  std::unique_ptr<Db> OpenOther() {
    std::string backend = GetParam() == "rocksdb" ? "lmdb" : "rocksdb";
    auto d = Db::open(Options::OnDisk(dir_ + "/other", backend));
    EXPECT_TRUE(d.ok()) << d.status();
    if (!d.ok()) return nullptr;
    for (const char* c : {"roaring.add", "bloom.create", "ts.create"}) {
      std::vector<Value> args{"tmp"};
      if (c[0] == 'r') args.push_back(int64_t{1});
      if (c[0] == 'b') args = {"tmp", int64_t{10}, 0.1};
      EXPECT_TRUE((*d)->call(c, args).ok()) << c;
      EXPECT_TRUE((*d)->delete_key("tmp").ok());
    }
    return std::move(*d);
  }
};

TEST_P(ExportTest, EveryTypeRoundTripsExactly) {
  Populate(*db_);
  if (HasFatalFailure()) return;
  std::string a = Export(*db_);
  auto other = OpenOther();
  ASSERT_NE(other, nullptr);
  auto stats = Import(*other, a);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->keys, 25u);  // every key above except "gone"
  ASSERT_TRUE(db_->collect_garbage(true).ok());
  EXPECT_EQ(stats->items, CountNamespace(*db_, keys::kSub));
  EXPECT_GE(stats->items, 5u + 2 + 3 + 50 + 5000);
  std::string b = Export(*other);
  std::vector<std::string> la = Lines(a), lb = Lines(b);
  ASSERT_GT(la.size(), 5000u);
  la.erase(la.begin());  // the headers differ (time, backend, type order)
  lb.erase(lb.begin());
  EXPECT_TRUE(la == lb) << "the re-export differs from the export";
  EXPECT_EQ(a.find("\"gone\""), std::string::npos);

  // And the values read back through their commands.
  Db& d = *other;
  EXPECT_EQ(*d.get("raw"), "bytes\0\xff"s);
  EXPECT_EQ(*d.get_string("\x00k\xff"s), "a key that is not UTF-8");
  EXPECT_EQ(*d.get_int("int"), std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(std::signbit(*d.get_float("negzero")));
  EXPECT_TRUE(std::isnan(*d.get_float("nan")));
  EXPECT_EQ(d.get_time("time")->ToString(), "2026-11-26T06:30:00.123456789+09:00");
  EXPECT_EQ(*d.get_uuid("uuid"), *db_->get_uuid("uuid"));
  EXPECT_EQ(*d.get_bigint("big"), BigInt(1) << 300);
  EXPECT_EQ(d.get_decimal("dec")->ToString(), "-19.99");
  EXPECT_TRUE(*d.verify_password("pw", "correct horse"));
  EXPECT_EQ(d.extract_safe_box("box", "key material")->bytes, "the plaintext");
  EXPECT_EQ(*d.ttl("str"), *db_->ttl("str"));
  EXPECT_EQ(d.call("list.range", "list", 0, -1)->ToString(),
            db_->call("list.range", "list", 0, -1)->ToString());
  EXPECT_EQ(d.call("list.length", "emptylist")->as_int(), 0);
  EXPECT_EQ(d.call("list.index", "long", -1)->as_string(), std::string(1024, 'x') + "4999");
  EXPECT_EQ(d.call("map.get", "map", int64_t{42})->as_string(), "int field");
  EXPECT_EQ(d.call("set.cardinality", "set")->as_int(), 3);
  EXPECT_EQ(d.call("ts.range", "series", Timestamp{0}, Timestamp{100 * kSecond}, "sum",
                   Duration{100 * kSecond})
                ->ToString(),
            db_->call("ts.range", "series", Timestamp{0}, Timestamp{100 * kSecond}, "sum",
                      Duration{100 * kSecond})
                ->ToString());
  for (int i = 0; i < 300; ++i)
    ASSERT_TRUE(d.call("bloom.contains", "bloom", "member" + std::to_string(i))->as_bool());
  EXPECT_EQ(d.call("roaring.export", "bits")->ToString(),
            db_->call("roaring.export", "bits")->ToString());
}

TEST_P(ExportTest, DamagedInputIsAClearErrorAndNoKeyIsHalfWritten) {
  Populate(*db_);
  if (HasFatalFailure()) return;
  const std::vector<std::string> lines = Lines(Export(*db_));
  auto other = OpenOther();
  ASSERT_NE(other, nullptr);
  auto fails = [&](const std::vector<std::string>& l, Code code, const std::string& needle,
                   bool replace = false) {
    auto r = Import(*other, Join(l), replace);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), code) << r.status();
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status();
  };
  // Not an export at all, or an unreadable line.
  fails({"{\"hello\":1}"}, Code::kInvalidArgument, "not a Tower export");
  fails({}, Code::kInvalidArgument, "empty");
  std::vector<std::string> l = lines;
  l[1] = "{nope";
  fails(l, Code::kInvalidArgument, "line 2: not a JSON object");
  // Cut inside the long list: the keys before it are there, the list is not,
  // and its items are collected as orphans.
  size_t long_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with("{\"key\":\"long\"")) long_line = i;
  }
  ASSERT_GT(long_line, 0u);
  l.assign(lines.begin(), lines.begin() + static_cast<std::ptrdiff_t>(long_line + 4500));
  fails(l, Code::kCorruption, "truncated");
  EXPECT_TRUE(*other->exists("list"));
  EXPECT_FALSE(*other->exists("long"));
  EXPECT_GT(CountNamespace(*other, keys::kSub), 3000u);  // a batch of the list's items
  ASSERT_TRUE(other->collect_garbage(true).ok());
  EXPECT_LT(CountNamespace(*other, keys::kSub), 100u) << "orphan items left behind";

  // A key that exists: an error naming it, or replaced on request, its old
  // items reclaimed.
  fails(lines, Code::kAlreadyExists, "already exists");
  auto replaced = Import(*other, Join(lines), /*replace=*/true);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  ASSERT_TRUE(other->collect_garbage(true).ok());
  EXPECT_EQ(CountNamespace(*other, keys::kSub), CountNamespace(*db_, keys::kSub));

  // A lost line, a type whose plugin is missing, an encoding too new.
  l = lines;
  l.erase(l.begin() + static_cast<std::ptrdiff_t>(long_line + 10));
  fails(l, Code::kCorruption, "lines lost", /*replace=*/true);
  l = lines;
  size_t types_at = l[0].find("\"plugin\":\"bloom\"");
  ASSERT_NE(types_at, std::string::npos);
  l[0].replace(types_at, 16, "\"plugin\":\"nosuch\"");
  auto fresh = Db::open(Options::InMemory("memory"));
  ASSERT_TRUE(fresh.ok());
  {
    std::istringstream in(Join(l));
    auto r = (*fresh)->import_jsonl(in);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kNotFound) << r.status();
    EXPECT_NE(r.status().message().find("type 'bloom' of plugin 'nosuch'"), std::string::npos)
        << r.status();
  }
  l = {lines[0], "{\"key\":\"k\",\"type\":\"int\",\"encoding\":9,\"payload\":\"AAAAAAAAAAE=\"}",
       "{\"end\":true,\"keys\":1,\"items\":0}"};
  fails(l, Code::kIncompatible, "encoding 9");
  l[1] = "{\"key\":\"k\",\"type\":\"int\",\"encoding\":1,\"payload\":\"not base64!\"}";
  fails(l, Code::kInvalidArgument, "line 2: \"payload\" is not valid base64");
  l[1] = "{\"key\":\"k\",\"type\":\"int\",\"encoding\":1,\"payload\":\"AAAAAAAAAAE=\"}";
  l.insert(l.begin() + 2, "[\"AA==\",\"AA==\"]");
  fails(l, Code::kInvalidArgument, "which is not a collection");
  EXPECT_FALSE(*other->exists("k"));

  // A key whose deadline passed between export and import is skipped.
  l = {lines[0],
       "{\"key\":\"late\",\"type\":\"bytes\",\"encoding\":1,\"expires_ms\":1,\"payload\":\"\"}",
       "{\"end\":true,\"keys\":1,\"items\":0}"};
  auto late = Import(*other, Join(l));
  ASSERT_TRUE(late.ok()) << late.status();
  EXPECT_EQ(late->keys, 0u);
  EXPECT_EQ(late->expired, 1u);
  EXPECT_FALSE(*other->exists("late"));
}

TOWER_COMMAND_TEST_BACKENDS(ExportTest);

}  // namespace
}  // namespace tower::testing_support
