// The crypto-provider conformance suite: one set of GoogleTest cases that
// every crypto provider plugin must pass, in-tree or out of tree. It needs
// no test vectors: it checks each algorithm a provider offers against the
// contract of tower/sdk/crypto.h (table sanity, AEAD round trips and
// tampering, password hashes and needs_rehash, KDFs, hashes, the random
// source), with one test instance per provider and algorithm.
//
// A runner chooses the providers before gtest registers the tests:
//   tower::conformance::SetCryptoPluginDirs({"./build"});
//   tower::conformance::SetCryptoProviders({"myprovider"});
//   testing::InitGoogleTest(&argc, argv);
//   return RUN_ALL_TESTS();
// tower-crypto-conformance (crypto_runner_main.cc) does this from its
// command line.
#ifndef TOWER_TESTS_CRYPTO_CONFORMANCE_HPP_
#define TOWER_TESTS_CRYPTO_CONFORMANCE_HPP_

#include <filesystem>
#include <string>
#include <vector>

namespace tower::conformance {

// The crypto providers to test, by plugin name (e.g. "openssl"). Set them
// before testing::InitGoogleTest: the test instances are generated from the
// algorithms these providers offer (each is loaded then).
void SetCryptoProviders(std::vector<std::string> providers);
const std::vector<std::string>& CryptoProviders();

// The providers built with Tower ("argon2", "ascon", ..., "sodium").
std::vector<std::string> BuiltinCryptoProviders();

// Extra plugin directories for the crypto suite, searched before
// $TOWER_PLUGIN_PATH and the defaults. (The backend suite has its own,
// SetPluginDirs, so that each suite links without the other.)
void SetCryptoPluginDirs(std::vector<std::filesystem::path> dirs);
const std::vector<std::filesystem::path>& CryptoPluginDirs();

// The parameters ("name=value,...") the suite hashes passwords with for the
// password algorithm `algorithm`; the rest of the checks derive stronger
// and weaker policies from them. Without a setting the suite uses cheap
// parameters for the algorithms it knows (argon2id/argon2i "t=1,m=16,p=1",
// bcrypt "cost=4", scrypt "ln=10,r=8,p=1", pbkdf2-sha256 "i=1000") and the
// algorithm's defaults otherwise. One hash and one verify per algorithm
// always run at the defaults.
void SetPasswordTestParams(const std::string& algorithm, std::string params);
std::string PasswordTestParams(const std::string& algorithm);

}  // namespace tower::conformance

#endif  // TOWER_TESTS_CRYPTO_CONFORMANCE_HPP_
