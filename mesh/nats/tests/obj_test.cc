// Tests of the object store operations (ops_obj.cc) against a real
// nats-server with JetStream on 127.0.0.1 (ephemeral ports, temporary dirs).
#include <nats/nats.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "conn.hpp"
#include "op_harness.hpp"
#include "supervisor.hpp"
#include "test_util.hpp"

namespace tower::mesh::nats {
namespace {

using testing::CallOp;
using testing::Outcome;
using testing::TempDir;
using testing::Val;

constexpr int64_t kChunk = 128 * 1024;

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) s[i + k] = static_cast<char>(v >> (8 * k));
  }
  return s;
}

std::string Sha256Digest(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char kAlpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "SHA-256=";
  for (unsigned int i = 0; i < len; i += 3) {
    uint32_t n = static_cast<uint32_t>(md[i]) << 16;
    if (i + 1 < len) n |= static_cast<uint32_t>(md[i + 1]) << 8;
    if (i + 2 < len) n |= md[i + 2];
    out.push_back(kAlpha[(n >> 18) & 63]);
    out.push_back(kAlpha[(n >> 12) & 63]);
    out.push_back(i + 1 < len ? kAlpha[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < len ? kAlpha[n & 63] : '=');
  }
  return out;
}

// One nats-server for the whole suite (each test uses its own buckets).
class ObjTest : public testing::JetStreamSuite {
 protected:
  static void SetUpTestSuite() { StartServer("obj1"); }

  Outcome Call(const char* op, const std::vector<Val>& args) {
    return CallOp(*conn_, ObjOps(), op, args);
  }
  void Create(const std::string& bucket) {
    Outcome o = Call("obj.create", {Val::Str(bucket)});
    ASSERT_TRUE(o.error.ok()) << o.error.message;
  }
  Outcome Put(const std::string& bucket, const std::string& name, const std::string& data,
              std::vector<Val> opts = {}) {
    std::vector<Val> args = {Val::Str(bucket), Val::Str(name), Val::Bin(data)};
    for (auto& v : opts) args.push_back(std::move(v));
    return Call("obj.put", args);
  }
  Outcome Get(const std::string& bucket, const std::string& name) {
    return Call("obj.get", {Val::Str(bucket), Val::Str(name)});
  }
  // Messages in the bucket's stream (optionally only on `subject`).
  uint64_t StreamMsgs(const std::string& bucket, const std::string& subject = "") {
    jsOptions jo;
    jsOptions_Init(&jo);
    if (!subject.empty()) jo.Stream.Info.SubjectsFilter = subject.c_str();
    jsStreamInfo* si = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    std::string stream = "OBJ_" + bucket;
    natsStatus s = js_GetStreamInfo(&si, conn_->js, stream.c_str(), &jo, &jerr);
    EXPECT_EQ(s, NATS_OK) << natsStatus_GetText(s);
    if (s != NATS_OK) return 0;
    uint64_t n = si->State.Msgs;
    if (!subject.empty()) {
      n = 0;
      if (si->State.Subjects != nullptr)
        for (int i = 0; i < si->State.Subjects->Count; ++i) n += si->State.Subjects->List[i].Msgs;
    }
    jsStreamInfo_Destroy(si);
    return n;
  }
  static std::string Str(const Outcome& o, const char* field) {
    const Val* v = o.field(field);
    return v == nullptr ? "<missing>" : v->bytes;
  }
  static int64_t Int(const Outcome& o, const char* field) {
    const Val* v = o.field(field);
    return v == nullptr ? -1 : v->i;
  }
  static std::vector<std::string> Strings(const Outcome& o) {
    std::vector<std::string> out;
    for (const auto& v : o.array) out.push_back(v.bytes);
    return out;
  }
};

TEST_F(ObjTest, CreateBucketsAndDeleteBucket) {
  Outcome o = Call("obj.create",
                   {Val::Str("cb1"), Val::Str("description"), Val::Str("d"), Val::Str("storage"),
                    Val::Str("memory"), Val::Str("ttl"), Val::Dur(3600'000'000'000LL),
                    Val::Str("max_bytes"), Val::Int(1 << 24), Val::Str("replicas"), Val::Int(1)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_BOOL);
  EXPECT_EQ(o.value.i, 1);
  o = Call("obj.create", {Val::Str("cb1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0) << "second create reports an existing bucket";
  Create("cb0");

  // The stream looks as nats.go makes it.
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_GetStreamInfo(&si, conn_->js, "OBJ_cb1", nullptr, &jerr), NATS_OK);
  ASSERT_EQ(si->Config->SubjectsLen, 2);
  EXPECT_STREQ(si->Config->Subjects[0], "$O.cb1.C.>");
  EXPECT_STREQ(si->Config->Subjects[1], "$O.cb1.M.>");
  EXPECT_EQ(si->Config->Discard, js_DiscardNew);
  EXPECT_TRUE(si->Config->AllowRollup);
  EXPECT_TRUE(si->Config->AllowDirect);
  EXPECT_EQ(si->Config->Storage, js_MemoryStorage);
  EXPECT_EQ(si->Config->MaxAge, 3600'000'000'000LL);
  EXPECT_EQ(si->Config->MaxBytes, 1 << 24);
  EXPECT_STREQ(si->Config->Description, "d");
  jsStreamInfo_Destroy(si);

  o = Call("obj.buckets", {});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  std::vector<std::string> names = Strings(o);
  auto pos0 = std::find(names.begin(), names.end(), "cb0");
  auto pos1 = std::find(names.begin(), names.end(), "cb1");
  ASSERT_NE(pos0, names.end());
  ASSERT_NE(pos1, names.end());
  EXPECT_LT(pos0, pos1);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));

  o = Call("obj.delete_bucket", {Val::Str("cb1")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Call("obj.delete_bucket", {Val::Str("cb1")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  EXPECT_NE(o.error.message.find("cb1"), std::string::npos) << o.error.message;

  o = Call("obj.create", {Val::Str("cb2"), Val::Str("colour"), Val::Str("red")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(o.error.message.find("known: replicas, ttl, max_bytes, storage, description"),
            std::string::npos)
      << o.error.message;
  o = Call("obj.create", {Val::Str("cb2"), Val::Str("replicas"), Val::Int(6)});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
  o = Call("obj.create", {Val::Str("cb2"), Val::Str("storage"), Val::Str("tape")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
  o = Call("obj.create", {Val::Str("cb2"), Val::Str("replicas")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
}

TEST_F(ObjTest, RoundTrip10MiB) {
  Create("big");
  const std::string data = RandomBytes(10 << 20, 42);
  auto t0 = std::chrono::steady_clock::now();
  Outcome put = Put("big", "blob.bin", data);
  auto t1 = std::chrono::steady_clock::now();
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  Outcome got = Get("big", "blob.bin");
  auto t2 = std::chrono::steady_clock::now();
  ASSERT_TRUE(got.error.ok()) << got.error.message;
  EXPECT_EQ(got.value.type, TOWER_VALUE_BINARY);
  ASSERT_EQ(got.value.bytes.size(), data.size());
  EXPECT_TRUE(got.value.bytes == data);
  EXPECT_EQ(Int(put, "size"), 10 << 20);
  EXPECT_EQ(Int(put, "chunks"), 80);
  EXPECT_EQ(Str(put, "digest"), Sha256Digest(data));
  EXPECT_EQ(Str(put, "nuid").size(), 22u);
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
  std::printf("[   INFO   ] 10 MiB put %.1f ms (%.1f MiB/s), get %.1f ms (%.1f MiB/s)\n",
              secs(t1 - t0) * 1e3, 10 / secs(t1 - t0), secs(t2 - t1) * 1e3, 10 / secs(t2 - t1));
  Outcome info = Call("obj.info", {Val::Str("big"), Val::Str("blob.bin")});
  ASSERT_TRUE(info.error.ok()) << info.error.message;
  EXPECT_EQ(Str(info, "digest"), Sha256Digest(data));
  EXPECT_EQ(Str(info, "nuid"), Str(put, "nuid"));
  EXPECT_EQ(StreamMsgs("big"), 81u);
}

TEST_F(ObjTest, ZeroLengthObject) {
  Create("zero");
  Outcome put = Put("zero", "empty", "");
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  EXPECT_EQ(Int(put, "size"), 0);
  EXPECT_EQ(Int(put, "chunks"), 0);
  Outcome info = Call("obj.info", {Val::Str("zero"), Val::Str("empty")});
  ASSERT_TRUE(info.error.ok()) << info.error.message;
  EXPECT_EQ(Int(info, "size"), 0);
  EXPECT_EQ(Int(info, "chunks"), 0);
  EXPECT_EQ(Str(info, "digest"), Sha256Digest(""));
  Outcome got = Get("zero", "empty");
  ASSERT_TRUE(got.error.ok()) << got.error.message;
  EXPECT_EQ(got.value.type, TOWER_VALUE_BINARY);
  EXPECT_TRUE(got.value.bytes.empty());
  EXPECT_EQ(StreamMsgs("zero"), 1u);
}

TEST_F(ObjTest, SizesAroundTheChunkBoundary) {
  Create("sizes");
  const std::vector<int64_t> sizes = {1, kChunk - 1, kChunk, kChunk + 1, 3 * kChunk};
  for (int64_t size : sizes) {
    SCOPED_TRACE(size);
    std::string name = "obj-" + std::to_string(size);
    std::string data = RandomBytes(static_cast<size_t>(size), static_cast<uint64_t>(size));
    Outcome put = Put("sizes", name, data);
    ASSERT_TRUE(put.error.ok()) << put.error.message;
    EXPECT_EQ(Int(put, "chunks"), (size + kChunk - 1) / kChunk);
    EXPECT_EQ(Int(put, "size"), size);
    Outcome got = Get("sizes", name);
    ASSERT_TRUE(got.error.ok()) << got.error.message;
    EXPECT_TRUE(got.value.bytes == data);
  }
  // A small chunk size too.
  std::string data = RandomBytes(1001, 7);
  Outcome put = Put("sizes", "small-chunks", data, {Val::Str("chunk_size"), Val::Int(100)});
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  EXPECT_EQ(Int(put, "chunks"), 11);
  Outcome got = Get("sizes", "small-chunks");
  ASSERT_TRUE(got.error.ok()) << got.error.message;
  EXPECT_TRUE(got.value.bytes == data);
  put = Put("sizes", "x", "y", {Val::Str("chunk_size"), Val::Int(0)});
  EXPECT_EQ(put.error.code, TOWER_E_INVALID_ARGUMENT);
  put = Put("sizes", "x", "y", {Val::Str("chunk_size"), Val::Int(2 << 20)});
  EXPECT_EQ(put.error.code, TOWER_E_INVALID_ARGUMENT);
  put = Put("sizes", "x", "y", {Val::Str("chunksize"), Val::Int(10)});
  EXPECT_EQ(put.error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_NE(put.error.message.find("known: description, headers, chunk_size"), std::string::npos)
      << put.error.message;
}

TEST_F(ObjTest, OverwritePurgesOldChunks) {
  Create("over");
  std::string v1 = RandomBytes(3 * 1000, 1), v2 = RandomBytes(2 * 1000 - 5, 2);
  Outcome p1 = Put("over", "o", v1, {Val::Str("chunk_size"), Val::Int(1000)});
  ASSERT_TRUE(p1.error.ok()) << p1.error.message;
  EXPECT_EQ(StreamMsgs("over"), 4u);
  Outcome p2 = Put("over", "o", v2, {Val::Str("chunk_size"), Val::Int(1000)});
  ASSERT_TRUE(p2.error.ok()) << p2.error.message;
  EXPECT_NE(Str(p1, "nuid"), Str(p2, "nuid"));
  EXPECT_EQ(StreamMsgs("over"), 3u) << "2 new chunks + 1 meta; the old chunks are purged";
  EXPECT_EQ(StreamMsgs("over", "$O.over.C." + Str(p1, "nuid")), 0u);
  Outcome got = Get("over", "o");
  ASSERT_TRUE(got.error.ok()) << got.error.message;
  EXPECT_TRUE(got.value.bytes == v2);
}

TEST_F(ObjTest, DeleteThenGetIsNotFound) {
  Create("del");
  Outcome put = Put("del", "d", RandomBytes(5000, 3), {Val::Str("chunk_size"), Val::Int(1000)});
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  Outcome o = Call("obj.delete", {Val::Str("del"), Val::Str("d")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_NULL);
  o = Get("del", "d");
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  EXPECT_NE(o.error.message.find("'del'"), std::string::npos) << o.error.message;
  EXPECT_NE(o.error.message.find("'d'"), std::string::npos) << o.error.message;
  o = Call("obj.exists", {Val::Str("del"), Val::Str("d")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.type, TOWER_VALUE_BOOL);
  EXPECT_EQ(o.value.i, 0);
  o = Call("obj.info", {Val::Str("del"), Val::Str("d")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.info", {Val::Str("del"), Val::Str("d"), Val::Bool(true)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.field("deleted")->i, 1);
  EXPECT_EQ(Int(o, "size"), 0);
  EXPECT_EQ(Int(o, "chunks"), 0);
  EXPECT_EQ(Str(o, "digest"), "");
  EXPECT_EQ(StreamMsgs("del"), 1u) << "only the delete marker remains";
  o = Call("obj.delete", {Val::Str("del"), Val::Str("d")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  // Put again after delete works.
  put = Put("del", "d", "again");
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  o = Get("del", "d");
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.bytes, "again");
}

TEST_F(ObjTest, ListExistsInfo) {
  Create("lst");
  Outcome o = Call("obj.list", {Val::Str("lst")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_TRUE(o.is_array);
  EXPECT_TRUE(o.array.empty());
  const std::vector<std::string> names = {"z/last file.txt", "a", "ünïcødé ✓", "b.c.d", "<&>\"q\""};
  for (const auto& n : names) {
    Outcome put = Put("lst", n, "content of " + n);
    ASSERT_TRUE(put.error.ok()) << n << ": " << put.error.message;
  }
  Outcome put = Put("lst", "a", "a, version 2",
                    {Val::Str("description"), Val::Str("the \"first\"\nobject"),
                     Val::Str("headers"), Val::Str("X-One: 1\nX-Two: 2a\nX-Two: 2b\n")});
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  ASSERT_TRUE(Call("obj.delete", {Val::Str("lst"), Val::Str("b.c.d")}).error.ok());
  o = Call("obj.list", {Val::Str("lst")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  std::vector<std::string> want = {"<&>\"q\"", "a", "z/last file.txt", "ünïcødé ✓"};
  EXPECT_EQ(Strings(o), want);
  for (const auto& n : names) {
    o = Call("obj.exists", {Val::Str("lst"), Val::Str(n)});
    ASSERT_TRUE(o.error.ok()) << o.error.message;
    EXPECT_EQ(o.value.i, n == "b.c.d" ? 0 : 1) << n;
    if (n != "b.c.d") {
      Outcome g = Get("lst", n);
      ASSERT_TRUE(g.error.ok()) << g.error.message;
      EXPECT_EQ(g.value.bytes, n == "a" ? "a, version 2" : "content of " + n);
    }
  }
  o = Call("obj.info", {Val::Str("lst"), Val::Str("a")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "name"), "a");
  EXPECT_EQ(Str(o, "bucket"), "lst");
  EXPECT_EQ(Str(o, "description"), "the \"first\"\nobject");
  EXPECT_EQ(Str(o, "headers"), "X-One: 1\nX-Two: 2a\nX-Two: 2b\n");
  EXPECT_EQ(Int(o, "size"), 12);
  EXPECT_EQ(Int(o, "chunks"), 1);
  EXPECT_EQ(o.field("deleted")->i, 0);
  ASSERT_NE(o.field("mtime"), nullptr);
  EXPECT_EQ(o.field("mtime")->type, TOWER_VALUE_TIMESTAMP);
  int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LT(std::llabs(o.field("mtime")->i - now_ns), 60'000'000'000LL);
  o = Call("obj.info", {Val::Str("lst"), Val::Str("nope")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.exists", {Val::Str("lst"), Val::Str("nope")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0);
}

TEST_F(ObjTest, Copy) {
  Create("cpa");
  Create("cpb");
  std::string data = RandomBytes(2500, 9);
  Outcome src = Put("cpa", "src", data,
                    {Val::Str("chunk_size"), Val::Int(1000), Val::Str("description"),
                     Val::Str("orig"), Val::Str("headers"), Val::Str("K: v")});
  ASSERT_TRUE(src.error.ok()) << src.error.message;
  Outcome o = Call("obj.copy", {Val::Str("cpa"), Val::Str("src"), Val::Str("dst")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "name"), "dst");
  EXPECT_NE(Str(o, "nuid"), Str(src, "nuid"));
  EXPECT_EQ(Str(o, "digest"), Str(src, "digest"));
  EXPECT_EQ(Str(o, "description"), "orig");
  EXPECT_EQ(Str(o, "headers"), "K: v\n");
  EXPECT_EQ(Int(o, "chunks"), 3);
  EXPECT_EQ(StreamMsgs("cpa"), 8u) << "two objects, 3 chunks + 1 meta each";
  Outcome g = Get("cpa", "dst");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);
  g = Get("cpa", "src");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);

  o = Call("obj.copy", {Val::Str("cpa"), Val::Str("src"), Val::Str("other"), Val::Str("cpb")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "bucket"), "cpb");
  g = Get("cpb", "other");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);

  o = Call("obj.copy", {Val::Str("cpa"), Val::Str("missing"), Val::Str("x")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.copy", {Val::Str("cpa"), Val::Str("src"), Val::Str("x"), Val::Str("nobucket")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.copy", {Val::Str("cpa"), Val::Str("src"), Val::Str("src")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
}

TEST_F(ObjTest, Move) {
  Create("mv");
  std::string data = RandomBytes(4000, 11);
  Outcome src = Put("mv", "from", data, {Val::Str("chunk_size"), Val::Int(1000)});
  ASSERT_TRUE(src.error.ok()) << src.error.message;
  Outcome old_dst =
      Put("mv", "to", RandomBytes(3000, 12), {Val::Str("chunk_size"), Val::Int(1000)});
  ASSERT_TRUE(old_dst.error.ok()) << old_dst.error.message;
  EXPECT_EQ(StreamMsgs("mv"), 9u);

  Outcome o = Call("obj.move", {Val::Str("mv"), Val::Str("from"), Val::Str("to")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "name"), "to");
  EXPECT_EQ(Str(o, "nuid"), Str(src, "nuid")) << "same chunks";
  EXPECT_EQ(Int(o, "size"), 4000);
  // 4 chunks (not duplicated) + the metas of "to" and of the deleted "from";
  // the old "to" chunks are purged.
  EXPECT_EQ(StreamMsgs("mv"), 6u);
  EXPECT_EQ(StreamMsgs("mv", "$O.mv.C." + Str(old_dst, "nuid")), 0u);
  Outcome g = Get("mv", "to");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);
  g = Get("mv", "from");
  EXPECT_EQ(g.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.exists", {Val::Str("mv"), Val::Str("from")});
  EXPECT_EQ(o.value.i, 0);
  o = Call("obj.list", {Val::Str("mv")});
  EXPECT_EQ(Strings(o), std::vector<std::string>{"to"});

  // Putting the old name again must not purge the moved chunks.
  ASSERT_TRUE(Put("mv", "from", "new from").error.ok());
  g = Get("mv", "to");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);

  o = Call("obj.move", {Val::Str("mv"), Val::Str("ghost"), Val::Str("x")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.move", {Val::Str("mv"), Val::Str("to"), Val::Str("to")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
}

TEST_F(ObjTest, UpdateMeta) {
  Create("um");
  Outcome put =
      Put("um", "o", "payload",
          {Val::Str("description"), Val::Str("old"), Val::Str("headers"), Val::Str("A: 1")});
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  Outcome o =
      Call("obj.update_meta", {Val::Str("um"), Val::Str("o"), Val::Str("description"),
                               Val::Str("new"), Val::Str("headers"), Val::Str("B: 2\r\nB: 3\r\n")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "description"), "new");
  EXPECT_EQ(Str(o, "headers"), "B: 2\nB: 3\n");
  EXPECT_EQ(Str(o, "nuid"), Str(put, "nuid"));
  o = Call("obj.info", {Val::Str("um"), Val::Str("o")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "description"), "new");
  EXPECT_EQ(Str(o, "headers"), "B: 2\nB: 3\n");
  EXPECT_EQ(Str(o, "digest"), Str(put, "digest"));
  // Only the description: the headers stay.
  o = Call("obj.update_meta",
           {Val::Str("um"), Val::Str("o"), Val::Str("description"), Val::Str("newer")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "headers"), "B: 2\nB: 3\n");
  Outcome g = Get("um", "o");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_EQ(g.value.bytes, "payload");
  EXPECT_EQ(StreamMsgs("um"), 2u);
  o = Call("obj.update_meta",
           {Val::Str("um"), Val::Str("nope"), Val::Str("description"), Val::Str("x")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND);
  o = Call("obj.update_meta",
           {Val::Str("um"), Val::Str("o"), Val::Str("headers"), Val::Str("no colon")});
  EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT);
}

// Publishes `data` on `subject` through JetStream and waits for the ack.
void JsPublish(Conn* conn, const std::string& subject, const std::string& data) {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_Publish(nullptr, conn->js, subject.c_str(), data.data(),
                            static_cast<int>(data.size()), nullptr, &jerr);
  ASSERT_EQ(s, NATS_OK) << natsStatus_GetText(s);
}

void PurgeSubject(Conn* conn, const std::string& stream, const std::string& subject) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Stream.Purge.Subject = subject.c_str();
  jsErrCode jerr = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_PurgeStream(conn->js, stream.c_str(), &jo, &jerr), NATS_OK);
}

TEST_F(ObjTest, TamperingIsCorruption) {
  Create("tamper");
  std::string data = RandomBytes(2000, 13);
  Outcome put = Put("tamper", "t", data, {Val::Str("chunk_size"), Val::Int(1000)});
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  std::string chunks = "$O.tamper.C." + Str(put, "nuid");

  // Same chunk count and size, one flipped byte: only the digest differs.
  PurgeSubject(conn_.get(), "OBJ_tamper", chunks);
  std::string bad = data;
  bad[1500] ^= 0x5a;
  JsPublish(conn_.get(), chunks, bad.substr(0, 1000));
  JsPublish(conn_.get(), chunks, bad.substr(1000));
  Outcome g = Get("tamper", "t");
  EXPECT_EQ(g.error.code, TOWER_E_CORRUPTION) << g.error.message;
  EXPECT_NE(g.error.message.find("digest"), std::string::npos) << g.error.message;
  EXPECT_NE(g.error.message.find("'tamper'"), std::string::npos) << g.error.message;
  EXPECT_NE(g.error.message.find("'t'"), std::string::npos) << g.error.message;

  // An extra chunk: the count no longer matches.
  PurgeSubject(conn_.get(), "OBJ_tamper", chunks);
  JsPublish(conn_.get(), chunks, data.substr(0, 1000));
  JsPublish(conn_.get(), chunks, data.substr(1000));
  g = Get("tamper", "t");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);
  JsPublish(conn_.get(), chunks, "x");
  g = Get("tamper", "t");
  EXPECT_EQ(g.error.code, TOWER_E_CORRUPTION) << g.error.message;

  // Chunks gone.
  PurgeSubject(conn_.get(), "OBJ_tamper", chunks);
  g = Get("tamper", "t");
  EXPECT_EQ(g.error.code, TOWER_E_CORRUPTION) << g.error.message;

  // A meta that is not JSON.
  JsPublish(conn_.get(), "$O.tamper.M.dA==", "{not json");
  g = Get("tamper", "t");
  EXPECT_EQ(g.error.code, TOWER_E_CORRUPTION) << g.error.message;
}

TEST_F(ObjTest, BadNamesAreRejectedBeforeSending) {
  Create("names");
  natsStatistics* stats = nullptr;
  ASSERT_EQ(natsStatistics_Create(&stats), NATS_OK);
  auto out_msgs = [&] {
    uint64_t out = 0;
    natsConnection_GetStats(conn_->nc, stats);
    natsStatistics_GetCounts(stats, nullptr, nullptr, &out, nullptr, nullptr);
    return out;
  };
  uint64_t before = out_msgs();
  for (const char* bucket : {"", "a.b", "a b", "a*", "$O", "über"}) {
    SCOPED_TRACE(bucket);
    for (const char* op : {"obj.create", "obj.delete_bucket", "obj.list"}) {
      Outcome o = Call(op, {Val::Str(bucket)});
      EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << op;
      EXPECT_NE(o.error.message.find(op), std::string::npos) << o.error.message;
    }
    EXPECT_EQ(Put(bucket, "n", "d").error.code, TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(Get(bucket, "n").error.code, TOWER_E_INVALID_ARGUMENT);
  }
  for (const std::string& name : {std::string(""), std::string("\xff\xfe"), std::string("a\xc3")}) {
    for (const char* op : {"obj.get", "obj.info", "obj.exists", "obj.delete"}) {
      Outcome o = Call(op, {Val::Str("names"), Val::Str(name)});
      EXPECT_EQ(o.error.code, TOWER_E_INVALID_ARGUMENT) << op;
    }
    EXPECT_EQ(Put("names", name, "d").error.code, TOWER_E_INVALID_ARGUMENT);
    EXPECT_EQ(Call("obj.move", {Val::Str("names"), Val::Str("a"), Val::Str(name)}).error.code,
              TOWER_E_INVALID_ARGUMENT);
  }
  EXPECT_EQ(Put("names", "n", "d", {Val::Str("headers"), Val::Str("Bad Name: v")}).error.code,
            TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(Call("obj.get", {Val::Str("names")}).error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(Call("obj.get", {Val::Str("names"), Val::Int(3)}).error.code, TOWER_E_INVALID_ARGUMENT);
  EXPECT_EQ(out_msgs(), before) << "nothing was sent for rejected names";
  natsStatistics_Destroy(stats);
}

TEST_F(ObjTest, MissingBucketIsNotFound) {
  for (const char* op : {"obj.list", "obj.delete_bucket"}) {
    Outcome o = Call(op, {Val::Str("nosuch")});
    EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << op << ": " << o.error.message;
    EXPECT_NE(o.error.message.find("nosuch"), std::string::npos) << o.error.message;
  }
  for (const char* op : {"obj.get", "obj.info", "obj.exists", "obj.delete"}) {
    Outcome o = Call(op, {Val::Str("nosuch"), Val::Str("x")});
    EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << op << ": " << o.error.message;
    EXPECT_NE(o.error.message.find("nosuch"), std::string::npos) << o.error.message;
  }
  Outcome o = Put("nosuch", "x", "data");
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  o = Call("obj.update_meta", {Val::Str("nosuch"), Val::Str("x")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
  o = Call("obj.move", {Val::Str("nosuch"), Val::Str("x"), Val::Str("y")});
  EXPECT_EQ(o.error.code, TOWER_E_NOT_FOUND) << o.error.message;
}

}  // namespace
}  // namespace tower::mesh::nats

namespace tower::mesh::nats {
namespace {

TEST_F(ObjTest, FailedPutLeavesNoChunks) {
  Outcome o = Call("obj.create", {Val::Str("full"), Val::Str("max_bytes"), Val::Int(20000)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  Outcome put = Put("full", "small", "fits");
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  put = Put("full", "big", RandomBytes(50000, 5), {Val::Str("chunk_size"), Val::Int(1000)});
  EXPECT_FALSE(put.error.ok());
  std::printf("[   INFO   ] over max_bytes: code %d: %s\n", put.error.code,
              put.error.message.c_str());
  EXPECT_NE(put.error.message.find("'big'"), std::string::npos) << put.error.message;
  EXPECT_EQ(put.error.code, TOWER_E_BUSY) << put.error.message;
  EXPECT_EQ(StreamMsgs("full"), 2u) << "the partial chunks are purged";
  EXPECT_EQ(StreamMsgs("full", "$O.full.C.>"), 1u) << "only the chunk of 'small' remains";
  o = Call("obj.exists", {Val::Str("full"), Val::Str("big")});
  EXPECT_EQ(o.value.i, 0);
  Outcome g = Get("full", "small");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_EQ(g.value.bytes, "fits");
}

}  // namespace
}  // namespace tower::mesh::nats

// Interoperability with the official nats.go object store (Debian's nats.go
// 1.22), through the small Go program in tests/interop/objinterop, built by
// the dev CMakeLists when `go` and the packaged sources are present.
namespace tower::mesh::nats {
namespace {

#ifndef TOWER_OBJ_INTEROP_BIN
#define TOWER_OBJ_INTEROP_BIN ""
#endif

struct RunResult {
  int status = -1;
  std::string out;
};

RunResult RunCommand(const std::string& cmd) {
  RunResult r;
  FILE* f = ::popen((cmd + " 2>&1").c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  int st = ::pclose(f);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void WriteFile(const std::string& path, const std::string& data) {
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr) << path;
  ASSERT_EQ(std::fwrite(data.data(), 1, data.size(), f), data.size());
  std::fclose(f);
}

std::string ReadFile(const std::string& path) {
  std::string out;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return "<missing>";
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

class ObjInteropTest : public ObjTest {
 protected:
  void SetUp() override {
    ObjTest::SetUp();
    bin_ = TOWER_OBJ_INTEROP_BIN;
    if (bin_.empty()) {
      GTEST_SKIP() << "no nats.go interop program: `go` (golang-go) or the nats.go sources "
                      "(golang-github-nats-io-go-nats-dev) were missing when CMake ran";
    }
    if (::access(bin_.c_str(), X_OK) != 0) GTEST_SKIP() << "interop program " << bin_ << " absent";
  }
  // Runs the Go program: objinterop URL <args>.
  RunResult Go(const std::vector<std::string>& args) {
    std::string cmd = Quote(bin_) + " " + Quote(server_->client_url());
    for (const auto& a : args) cmd += " " + Quote(a);
    return RunCommand(cmd);
  }
  std::string bin_;
  TempDir tmp_;
};

TEST_F(ObjInteropTest, NatsGoReadsWhatTowerWrites) {
  Create("iop1");
  const std::string data = RandomBytes(300 * 1024 + 7, 21);
  Outcome put = Put("iop1", "dir/tower ✓.bin", data,
                    {Val::Str("description"), Val::Str("from <tower>"), Val::Str("headers"),
                     Val::Str("X-Origin: tower\nX-Multi: a\nX-Multi: b")});
  ASSERT_TRUE(put.error.ok()) << put.error.message;
  std::string file = tmp_.path() + "/got";
  RunResult r = Go({"get", "iop1", "dir/tower ✓.bin", file});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(ReadFile(file) == data);
  r = Go({"info", "iop1", "dir/tower ✓.bin"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("\"digest\":\"" + Str(put, "digest") + "\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"description\":\"from \\u003ctower\\u003e\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"X-Multi\":[\"a\",\"b\"]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"chunks\":3"), std::string::npos) << r.out;

  ASSERT_TRUE(Put("iop1", "empty", "").error.ok());
  r = Go({"get", "iop1", "empty", file});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(ReadFile(file), "");

  r = Go({"list", "iop1"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "dir/tower ✓.bin\nempty\n");

  // Moved and deleted objects as nats.go sees them.
  Outcome o = Call("obj.move", {Val::Str("iop1"), Val::Str("dir/tower ✓.bin"), Val::Str("moved")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  r = Go({"get", "iop1", "moved", file});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(ReadFile(file) == data);
  r = Go({"get", "iop1", "dir/tower ✓.bin", file});
  EXPECT_EQ(r.status, 2) << r.out;
  ASSERT_TRUE(Call("obj.delete", {Val::Str("iop1"), Val::Str("empty")}).error.ok());
  r = Go({"info", "iop1", "empty"});
  EXPECT_EQ(r.status, 2) << r.out;
  r = Go({"list", "iop1"});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "moved\n");
}

TEST_F(ObjInteropTest, TowerReadsWhatNatsGoWrites) {
  RunResult r = Go({"create", "iop2"});
  ASSERT_EQ(r.status, 0) << r.out;
  Outcome o = Call("obj.create", {Val::Str("iop2")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0) << "the bucket nats.go made is found";
  // Tower's buckets look like nats.go's.
  Create("iop2t");
  jsStreamInfo* a = nullptr;
  jsStreamInfo* b = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_GetStreamInfo(&a, conn_->js, "OBJ_iop2", nullptr, &jerr), NATS_OK);
  ASSERT_EQ(js_GetStreamInfo(&b, conn_->js, "OBJ_iop2t", nullptr, &jerr), NATS_OK);
  EXPECT_EQ(a->Config->Discard, b->Config->Discard);
  EXPECT_EQ(a->Config->AllowRollup, b->Config->AllowRollup);
  EXPECT_EQ(a->Config->AllowDirect, b->Config->AllowDirect);
  EXPECT_EQ(a->Config->MaxBytes, b->Config->MaxBytes);
  EXPECT_EQ(a->Config->MaxAge, b->Config->MaxAge);
  EXPECT_EQ(a->Config->Replicas, b->Config->Replicas);
  EXPECT_EQ(a->Config->Storage, b->Config->Storage);
  EXPECT_EQ(a->Config->MaxMsgsPerSubject, b->Config->MaxMsgsPerSubject);
  EXPECT_EQ(a->Config->Retention, b->Config->Retention);
  jsStreamInfo_Destroy(a);
  jsStreamInfo_Destroy(b);

  const std::string data = RandomBytes(2 * 128 * 1024 + 1, 22);
  std::string file = tmp_.path() + "/in";
  WriteFile(file, data);
  r = Go({"put", "iop2", "from go ✓", file, "made by \"nats.go\"", "X-Origin=go", "X-Multi=1",
          "X-Multi=2"});
  ASSERT_EQ(r.status, 0) << r.out;
  Outcome g = Get("iop2", "from go ✓");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_TRUE(g.value.bytes == data);
  Outcome info = Call("obj.info", {Val::Str("iop2"), Val::Str("from go ✓")});
  ASSERT_TRUE(info.error.ok()) << info.error.message;
  EXPECT_EQ(Str(info, "digest"), Sha256Digest(data));
  EXPECT_EQ(Int(info, "chunks"), 3);
  EXPECT_EQ(Int(info, "size"), static_cast<int64_t>(data.size()));
  EXPECT_EQ(Str(info, "description"), "made by \"nats.go\"");
  EXPECT_EQ(Str(info, "headers"), "X-Multi: 1\nX-Multi: 2\nX-Origin: go\n");

  WriteFile(file, "");
  r = Go({"put", "iop2", "go-empty", file});
  ASSERT_EQ(r.status, 0) << r.out;
  g = Get("iop2", "go-empty");
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_EQ(g.value.bytes, "");

  o = Call("obj.list", {Val::Str("iop2")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Strings(o), (std::vector<std::string>{"from go ✓", "go-empty"}));

  // Tower overwrites nats.go's object: the old chunks go; nats.go reads the new one.
  const std::string v2 = RandomBytes(1000, 23);
  ASSERT_TRUE(Put("iop2", "from go ✓", v2).error.ok());
  r = Go({"get", "iop2", "from go ✓", file});
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(ReadFile(file) == v2);
  EXPECT_EQ(StreamMsgs("iop2"), 3u) << "1 chunk + 2 metas";

  // nats.go deletes; Tower sees it gone.
  r = Go({"delete", "iop2", "from go ✓"});
  ASSERT_EQ(r.status, 0) << r.out;
  o = Call("obj.exists", {Val::Str("iop2"), Val::Str("from go ✓")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.value.i, 0);
  o = Call("obj.info", {Val::Str("iop2"), Val::Str("from go ✓"), Val::Bool(true)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(o.field("deleted")->i, 1);
}

}  // namespace
}  // namespace tower::mesh::nats

namespace tower::mesh::nats {
namespace {

// A get racing with overwrites returns one complete version, never a mix or
// a CORRUPTION error (the reader starts again when the chunks it was
// reading are purged by a newer put).
TEST_F(ObjTest, GetDuringOverwritesSeesWholeVersions) {
  Create("race");
  auto version = [](int v) { return RandomBytes(20000, 1000 + static_cast<uint64_t>(v)); };
  ASSERT_TRUE(Put("race", "hot", version(0), {Val::Str("chunk_size"), Val::Int(1000)}).error.ok());
  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int v = 1; v <= 40; ++v) {
      Outcome p = Put("race", "hot", version(v), {Val::Str("chunk_size"), Val::Int(1000)});
      EXPECT_TRUE(p.error.ok()) << p.error.message;
      written = v;
    }
    done = true;
  });
  // Every get returns a whole version, or ABORTED when the object kept
  // changing under it (the reader gives up after a few fresh starts).
  int gets = 0, aborted = 0, after_done = 0;
  std::string failure;
  while (failure.empty() && after_done < 5) {
    bool writer_done = done.load();
    int floor = written.load();
    Outcome g = Get("race", "hot");
    ++gets;
    if (writer_done) ++after_done;
    if (g.error.code == TOWER_E_ABORTED && !writer_done) {
      ++aborted;
      continue;
    }
    if (!g.error.ok()) {
      failure = "get " + std::to_string(gets) + ": " + g.error.message;
      break;
    }
    bool match = false;
    for (int v = floor; v <= 40 && !match; ++v) match = g.value.bytes == version(v);
    if (!match) failure = "get " + std::to_string(gets) + " returned no whole version";
  }
  writer.join();
  EXPECT_EQ(failure, "");
  std::printf("[   INFO   ] %d gets during 40 overwrites (%d aborted)\n", gets, aborted);
  EXPECT_EQ(StreamMsgs("race"), 21u);
}

}  // namespace
}  // namespace tower::mesh::nats

namespace tower::mesh::nats {
namespace {

// A meta written by another client, with JSON escapes (a surrogate pair,
// \u003c), white space, unknown fields and a link-free options object.
TEST_F(ObjTest, HandWrittenMetaIsDecoded) {
  Create("hand");
  const std::string name = "\xf0\x9f\x98\x80 <x>";  // U+1F600 " <x>"
  const std::string data = "hello, world";
  JsPublish(conn_.get(), "$O.hand.C.abcdefghijklmnopqrstuv", data);
  std::string b64 = "8J-YgCA8eD4=";  // base64url("\xf0\x9f\x98\x80 <x>")
  std::string meta =
      "{ \"name\" : \"\\ud83d\\ude00 \\u003cx\\u003e\", \"description\":\"tab\\there\\/\","
      " \"headers\": {\"A\": [\"1\", \"\\u00e9\"]}, \"options\": {\"max_chunk_size\": 131072},"
      " \"future\": [1, 2.5e3, {\"x\": null}, true], \"bucket\":\"hand\","
      " \"nuid\":\"abcdefghijklmnopqrstuv\", \"size\": 12,"
      " \"mtime\":\"2023-01-02T03:04:05.123456789Z\", \"chunks\": 1, \"digest\": \"" +
      Sha256Digest(data) + "\" }";
  JsPublish(conn_.get(), "$O.hand.M." + b64, meta);
  Outcome o = Call("obj.info", {Val::Str("hand"), Val::Str(name)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "name"), name);
  EXPECT_EQ(Str(o, "description"), "tab\there/");
  EXPECT_EQ(Str(o, "headers"), "A: 1\nA: \xc3\xa9\n");
  Outcome g = Get("hand", name);
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_EQ(g.value.bytes, data);
  o = Call("obj.list", {Val::Str("hand")});
  EXPECT_EQ(Strings(o), std::vector<std::string>{name});
  // Rewritten by Tower (update_meta) and read back.
  o = Call("obj.update_meta", {Val::Str("hand"), Val::Str(name), Val::Str("description"),
                               Val::Str("quote \" backslash \\ nl \n ctl \x01 done")});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  o = Call("obj.info", {Val::Str("hand"), Val::Str(name)});
  ASSERT_TRUE(o.error.ok()) << o.error.message;
  EXPECT_EQ(Str(o, "description"), "quote \" backslash \\ nl \n ctl \x01 done");
  EXPECT_EQ(Str(o, "headers"), "A: 1\nA: \xc3\xa9\n");
  g = Get("hand", name);
  ASSERT_TRUE(g.error.ok()) << g.error.message;
  EXPECT_EQ(g.value.bytes, data);
}

}  // namespace
}  // namespace tower::mesh::nats
