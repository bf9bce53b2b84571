// Plugin loading: the good path and every way a plugin can be refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tower/backend.hpp"
#include "tower/plugin.hpp"

namespace tower {
namespace {

namespace fs = std::filesystem;
const fs::path kFixtures = TOWER_TEST_PLUGIN_DIR;

bool Contains(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

TEST(Plugins, LoadsAndListsTheBuiltInBackends) {
  PluginManager pm;
  for (const char* name : {"memory", "rocksdb", "lmdb"}) {
    auto p = pm.Load(name, PluginKind::kBackend);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ((*p)->name(), name);
    // Loading again returns the same plugin.
    EXPECT_EQ(pm.Load(name)->get(), p->get());
  }
  auto loaded = pm.Loaded();
  ASSERT_EQ(loaded.size(), 3u);
  EXPECT_EQ(loaded[0].name, "lmdb");
  for (const auto& i : loaded) {
    EXPECT_EQ(i.kind, PluginKind::kBackend);
    EXPECT_FALSE(i.version.empty());
    EXPECT_EQ(i.abi_major, TOWER_ABI_MAJOR);
    EXPECT_TRUE(fs::exists(i.file));
  }
  auto avail = pm.Available(PluginKind::kBackend);
  EXPECT_NE(std::find(avail.begin(), avail.end(), "rocksdb"), avail.end());
}

TEST(Plugins, UnknownNameListsTheAvailableOnes) {
  PluginManager pm;
  auto p = pm.Load("nosuchbackend");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kNotFound);
  EXPECT_TRUE(Contains(p.status(), "nosuchbackend")) << p.status();
  EXPECT_TRUE(Contains(p.status(), "memory")) << p.status();
  EXPECT_TRUE(Contains(p.status(), "rocksdb")) << p.status();
  EXPECT_TRUE(Contains(p.status(), "lmdb")) << p.status();
}

TEST(Plugins, BadNamesAreRejectedBeforeTouchingTheDisk) {
  PluginManager pm;
  for (const char* bad : {"", "../memory", "Memory", "a/b", "x.so"}) {
    auto p = pm.Load(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), Code::kInvalidArgument) << p.status();
  }
}

TEST(Plugins, AFileThatIsNotASharedObjectIsRefused) {
  char tmpl[] = "/tmp/tower-plugins-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  fs::path junk = fs::path(tmpl) / "tower-junk.so";
  std::ofstream(junk) << "this is not an ELF file\n";
  PluginManager pm({tmpl});
  auto p = pm.Load("junk");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(p.status(), junk.string())) << p.status();
  fs::remove_all(tmpl);
}

TEST(Plugins, ASharedObjectWithoutTheEntrySymbolIsRefused) {
  PluginManager pm({kFixtures});
  auto p = pm.Load("noentry");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Contains(p.status(), "tower-noentry.so")) << p.status();
  EXPECT_TRUE(Contains(p.status(), "tower_plugin_entry")) << p.status();
}

TEST(Plugins, AnotherAbiMajorVersionIsRefused) {
  PluginManager pm({kFixtures});
  auto p = pm.Load("abi2");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kIncompatible);
  EXPECT_TRUE(Contains(p.status(), "tower-abi2.so")) << p.status();
  EXPECT_TRUE(Contains(p.status(), "ABI 2.")) << p.status();  // the plugin's
  EXPECT_TRUE(Contains(p.status(), "ABI 1.")) << p.status();  // the host's
}

TEST(Plugins, ATruncatedDescriptorIsRefused) {
  PluginManager pm({kFixtures});
  auto p = pm.Load("truncated");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kIncompatible);
  EXPECT_TRUE(Contains(p.status(), "truncated")) << p.status();
  EXPECT_TRUE(Contains(p.status(), "tower-truncated.so")) << p.status();
}

TEST(Plugins, APluginNeedingANewerHostIsRefused) {
  PluginManager pm({kFixtures});
  auto p = pm.Load("newerminor");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kIncompatible);
  EXPECT_TRUE(Contains(p.status(), "needs a host with ABI >=")) << p.status();
}

TEST(Plugins, TwoPluginsClaimingOneNameAreRefused) {
  PluginManager pm({kFixtures});
  ASSERT_TRUE(pm.Load("memory").ok());
  auto dup = pm.Load("dupmemory");  // a second file that says it is "memory"
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kAlreadyExists);
  EXPECT_TRUE(Contains(dup.status(), "tower-dupmemory.so")) << dup.status();
  EXPECT_TRUE(Contains(dup.status(), "tower-memory.so")) << dup.status();
}

TEST(Plugins, WrongKindIsRefused) {
  PluginManager pm;
  auto p = pm.Load("memory", PluginKind::kCrypto);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(Contains(p.status(), "backend plugin, not a crypto plugin")) << p.status();
}

TEST(Plugins, RepeatedLoadAndUnloadIsClean) {
  // Under AddressSanitizer this also checks that nothing leaks or dangles.
  for (int i = 0; i < 20; ++i) {
    PluginManager pm;
    auto p = pm.Load("memory", PluginKind::kBackend);
    ASSERT_TRUE(p.ok());
    BackendOptions o;
    o.in_memory = true;
    auto db = Backend::Open(*p, o);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Put({}, "k", "v").ok());
  }
}

}  // namespace
}  // namespace tower
