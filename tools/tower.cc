// tower: Tower's command line.
//
//   tower plugins [--config FILE] [--plugin-path DIR]...
//       Every plugin on the search path (kind, name, version, ABI, file),
//       then every crypto algorithm with the provider that serves it (after
//       the config's [crypto] providers and pins) and the others offering it.
//
// Exit codes: 0 ok, 1 operation error (message on stderr), 2 usage error.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tower/crypto.hpp"
#include "tower/options.hpp"
#include "tower/plugin.hpp"

namespace {

constexpr char kUsage[] =
    "usage: tower plugins [--config FILE] [--plugin-path DIR]...\n"
    "  plugins   list plugins and the crypto algorithms each provider offers\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "tower: %s\n%s", why.c_str(), kUsage);
  return 2;
}

int Fail(const tower::Status& s) {
  std::fprintf(stderr, "tower: %s\n", s.ToString().c_str());
  return 1;
}

int Plugins(const tower::Options& o) {
  tower::PluginManager pm(o.plugin_paths);
  std::printf("%-9s %-12s %-9s %-5s %s\n", "KIND", "NAME", "VERSION", "ABI", "DESCRIPTION");
  for (const auto& name : pm.Available()) {
    auto p = pm.Load(name);
    if (!p.ok()) {
      std::printf("%-9s %-12s %-9s %-5s %s\n", "?", name.c_str(), "-", "-",
                  ("cannot load: " + p.status().ToString()).c_str());
      continue;
    }
    const tower::PluginInfo& i = (*p)->info();
    std::string abi = std::to_string(i.abi_major) + "." + std::to_string(i.abi_minor);
    std::printf("%-9s %-12s %-9s %-5s %s\n", tower::PluginKindName(i.kind), i.name.c_str(),
                i.version.c_str(), abi.c_str(), i.description.c_str());
  }
  auto crypto = tower::CryptoRegistry::Load(pm, o.crypto_providers, o.crypto_pins);
  if (!crypto.ok()) return Fail(crypto.status());
  std::printf("\n%-9s %-20s %-10s %s\n", "FAMILY", "ALGORITHM", "PROVIDER", "OFFERED BY");
  for (const auto& a : (*crypto)->algorithms()) {
    std::string by;
    for (const auto& p : a.offered_by) by += (by.empty() ? "" : ", ") + p;
    std::printf("%-9s %-20s %-10s %s%s\n", tower::CryptoFamilyName(a.family), a.name.c_str(),
                a.provider.c_str(), by.c_str(), a.pinned ? " (pinned)" : "");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return Usage("no command given");
  if (args[0] == "-h" || args[0] == "--help") {
    std::printf("%s", kUsage);
    return 0;
  }
  tower::Options o = tower::Options::InMemory("memory");
  std::vector<std::filesystem::path> extra_paths;
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--config" || args[i] == "--plugin-path") && i + 1 >= args.size())
      return Usage(args[i] + " needs a value");
    if (args[i] == "--config") {
      auto c = tower::Options::FromTomlFile(args[++i]);
      if (!c.ok()) return Fail(c.status());
      o = *c;
    } else if (args[i] == "--plugin-path") {
      extra_paths.emplace_back(args[++i]);
    } else {
      return Usage("unknown option '" + args[i] + "'");
    }
  }
  o.plugin_paths.insert(o.plugin_paths.begin(), extra_paths.begin(), extra_paths.end());
  if (args[0] == "plugins") return Plugins(o);
  return Usage("unknown command '" + args[0] + "'");
}
