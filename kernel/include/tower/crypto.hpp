// tower::CryptoRegistry: the algorithms of the loaded crypto providers, and
// which provider serves each one.
//
// Providers are crypto plugins (see tower/sdk/crypto.h). Each algorithm is
// served by one provider: the one a pin names, else the first provider in
// preference order that offers it. Commands reach the chosen definitions
// through tower_cmd_api.find_crypto; applications list them with
// Db::crypto_algorithms().
#ifndef TOWER_CRYPTO_HPP_
#define TOWER_CRYPTO_HPP_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tower/plugin.hpp"
#include "tower/sdk/crypto.h"
#include "tower/status.hpp"

namespace tower {

enum class CryptoFamily : uint32_t {
  kAead = TOWER_CRYPTO_AEAD,
  kPassword = TOWER_CRYPTO_PASSWORD,
  kKdf = TOWER_CRYPTO_KDF,
  kHash = TOWER_CRYPTO_HASH,
};
// "aead", "password", "kdf", "hash".
const char* CryptoFamilyName(CryptoFamily f);

// One algorithm as the registry sees it.
struct AlgorithmInfo {
  CryptoFamily family;
  std::string name;
  std::string provider;                 // the provider that serves it
  std::vector<std::string> offered_by;  // every loaded provider offering it
  bool pinned = false;                  // chosen by a pin rather than by order
};

class CryptoRegistry {
 public:
  // Loads `providers` in order of preference (empty: every crypto plugin
  // on the search path, by name, skipping any that fail to load with a
  // warning) and applies `pins` (algorithm -> provider). A pin naming an
  // unknown algorithm, or a provider that does not offer it, is
  // InvalidArgument; a listed provider that cannot load is its load error.
  static Result<std::unique_ptr<CryptoRegistry>> Load(
      PluginManager& plugins, const std::vector<std::string>& providers,
      const std::map<std::string, std::string>& pins);

  // The chosen definition of `name` in `family` (a tower_aead_def*,
  // tower_password_def*, tower_kdf_def* or tower_hash_def*). NotSupported
  // naming the algorithm and the loaded providers when nobody offers it.
  Result<const void*> Find(CryptoFamily family, std::string_view name) const;
  // The password definition whose prefix `encoded` starts with.
  Result<const tower_password_def*> PasswordFor(std::string_view encoded) const;
  // Typed shorthands for Find.
  Result<const tower_aead_def*> Aead(std::string_view name) const;
  Result<const tower_kdf_def*> Kdf(std::string_view name) const;
  Result<const tower_hash_def*> Hash(std::string_view name) const;

  // Every algorithm, by family then name.
  std::vector<AlgorithmInfo> algorithms() const;
  // The loaded providers, in order of preference.
  std::vector<std::string> providers() const;

 private:
  struct Entry {
    const void* def = nullptr;
    std::string provider;
    std::vector<std::string> offered_by;
    bool pinned = false;
  };
  std::string LoadedText() const;
  std::vector<PluginPtr> plugins_;
  std::map<uint32_t, std::map<std::string, Entry, std::less<>>> algs_;  // family -> name ->
  std::vector<std::pair<std::string, const tower_password_def*>> prefixes_;
};

}  // namespace tower

#endif  // TOWER_CRYPTO_HPP_
