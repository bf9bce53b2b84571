// tower-crypto-conformance: runs the crypto-provider conformance suite
// against crypto provider plugins chosen on the command line.
//
//   tower-crypto-conformance [--plugin-dir DIR]... [--password-params ALG=PARAMS]...
//                            PROVIDER... [gtest flags]
// Example: tower-crypto-conformance --plugin-dir ./build mycrypto
//          tower-crypto-conformance --password-params 'myhash=rounds=2' mycrypto
// With no PROVIDER it tests the built-in ones (openssl sodium gcrypt ascon
// argon2 bcrypt blake3).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto_conformance.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> providers;
  std::vector<std::filesystem::path> dirs;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--plugin-dir" && i + 1 < argc) {
      dirs.emplace_back(argv[++i]);
    } else if (a == "--password-params" && i + 1 < argc) {
      const std::string spec = argv[++i];
      const auto eq = spec.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "bad --password-params '%s' (want ALGORITHM=name=value,...)\n",
                     spec.c_str());
        return 2;
      }
      tower::conformance::SetPasswordTestParams(spec.substr(0, eq), spec.substr(eq + 1));
    } else if (a.rfind("--", 0) == 0) {
      rest.push_back(argv[i]);  // for gtest
    } else {
      providers.push_back(a);
    }
  }
  if (providers.empty()) providers = tower::conformance::BuiltinCryptoProviders();
  tower::conformance::SetCryptoPluginDirs(dirs);
  tower::conformance::SetCryptoProviders(providers);
  int n = static_cast<int>(rest.size());
  testing::InitGoogleTest(&n, rest.data());
  return RUN_ALL_TESTS();
}
