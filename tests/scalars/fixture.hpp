// A test fixture for data-type commands: one database per backend, and
// helpers to run commands through Db::call.
#ifndef TOWER_TESTS_SCALARS_FIXTURE_HPP_
#define TOWER_TESTS_SCALARS_FIXTURE_HPP_

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tower/db.hpp"

namespace tower::testing_support {

// How many keys of one namespace (keys::kSub, keys::kExpiry, ...; see
// docs/format.md) the store physically holds.
inline size_t CountNamespace(Db& db, char ns) {
  std::string lo(1, ns), hi(1, static_cast<char>(ns + 1));
  ReadOptions ro;
  ro.lower_bound = lo;
  ro.upper_bound = hi;
  auto it = db.backend().NewIterator(ro);
  EXPECT_TRUE(it.ok()) << it.status();
  if (!it.ok()) return 0;
  size_t n = 0;
  for (bool v = (*it)->Seek(lo); v; v = (*it)->Next()) ++n;
  return n;
}

// Parameter: backend name; "rocksdb" and "lmdb" run on disk in a temp dir.
class CommandTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tower-cmd-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Options o = GetParam() == "memory" ? Options::InMemory("memory")
                                       : Options::OnDisk(dir_ + "/db", GetParam());
    auto d = Db::open(o);
    ASSERT_TRUE(d.ok()) << d.status();
    db_ = std::move(*d);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs a command that must succeed.
  template <class... A>
  Value Ok(std::string_view name, A&&... args) {
    auto r = db_->call(name, std::forward<A>(args)...);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status();
    return r.ok() ? *r : Value();
  }
  // Runs a command that must fail with `code`; returns the message.
  template <class... A>
  std::string Fails(Code code, std::string_view name, A&&... args) {
    auto r = db_->call(name, std::forward<A>(args)...);
    EXPECT_FALSE(r.ok()) << name << " succeeded with " << (r.ok() ? r->ToString() : "");
    if (r.ok()) return "";
    EXPECT_EQ(r.status().code(), code) << name << ": " << r.status();
    return r.status().message();
  }

  std::string dir_;
  std::unique_ptr<Db> db_;
};

inline std::string BackendName(const ::testing::TestParamInfo<std::string>& i) { return i.param; }

#define TOWER_COMMAND_TEST_BACKENDS(Suite)                                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, Suite, ::testing::Values("memory", "rocksdb", "lmdb"), \
                           ::tower::testing_support::BackendName)

}  // namespace tower::testing_support

#endif  // TOWER_TESTS_SCALARS_FIXTURE_HPP_
