// The crypto registry: which provider serves which algorithm.
#include "tower/crypto.hpp"

#include <algorithm>

#include "tower/log.hpp"

namespace tower {

const char* CryptoFamilyName(CryptoFamily f) {
  switch (f) {
    case CryptoFamily::kAead: return "aead";
    case CryptoFamily::kPassword: return "password";
    case CryptoFamily::kKdf: return "kdf";
    case CryptoFamily::kHash: return "hash";
  }
  return "?";
}

namespace {

// Calls f(family, name, def) for every algorithm of a provider's table.
template <class F>
void ForEachAlgorithm(const tower_crypto_api* api, F f) {
  for (size_t i = 0; i < api->aead_count; ++i)
    f(CryptoFamily::kAead, api->aeads[i].name, &api->aeads[i]);
  for (size_t i = 0; i < api->password_count; ++i)
    f(CryptoFamily::kPassword, api->passwords[i].name, &api->passwords[i]);
  for (size_t i = 0; i < api->kdf_count; ++i)
    f(CryptoFamily::kKdf, api->kdfs[i].name, &api->kdfs[i]);
  for (size_t i = 0; i < api->hash_count; ++i)
    f(CryptoFamily::kHash, api->hashes[i].name, &api->hashes[i]);
}

}  // namespace

Result<std::unique_ptr<CryptoRegistry>> CryptoRegistry::Load(
    PluginManager& plugins, const std::vector<std::string>& providers,
    const std::map<std::string, std::string>& pins) {
  auto r = std::unique_ptr<CryptoRegistry>(new CryptoRegistry());
  bool listed = !providers.empty();
  std::vector<std::string> names = listed ? providers : plugins.Available(PluginKind::kCrypto);
  // A pinned provider is loaded even when the list leaves it out.
  for (const auto& [alg, provider] : pins) {
    if (std::find(names.begin(), names.end(), provider) == names.end()) names.push_back(provider);
  }
  for (const auto& name : names) {
    auto p = plugins.Load(name, PluginKind::kCrypto);
    if (!p.ok()) {
      bool pinned =
          std::any_of(pins.begin(), pins.end(), [&](const auto& kv) { return kv.second == name; });
      if (listed || pinned) {
        return p.status().WithContext("crypto provider '" + name + "'");
      }
      Log(LogLevel::kWarn, "crypto",
          "skipping crypto provider '" + name + "': " + p.status().ToString());
      continue;
    }
    r->plugins_.push_back(*p);
    ForEachAlgorithm((*p)->crypto_api(), [&](CryptoFamily f, const char* alg, const void* def) {
      Entry& e = r->algs_[static_cast<uint32_t>(f)][alg];
      if (e.def == nullptr) {
        e.def = def;
        e.provider = name;
      }
      e.offered_by.push_back(name);
    });
  }
  for (const auto& [alg, provider] : pins) {
    bool found = false;
    for (auto& [family, by_name] : r->algs_) {
      auto it = by_name.find(alg);
      if (it == by_name.end()) continue;
      found = true;
      Entry& e = it->second;
      if (std::find(e.offered_by.begin(), e.offered_by.end(), provider) == e.offered_by.end()) {
        std::string offered;
        for (const auto& o : e.offered_by) offered += (offered.empty() ? "" : ", ") + o;
        return Status::InvalidArgument(
            "crypto pin '" + alg + "' = '" + provider +
            "': that provider does not offer it (offered by: " + offered + ")");
      }
      for (const auto& p : r->plugins_) {
        if (p->name() != provider) continue;
        ForEachAlgorithm(p->crypto_api(), [&](CryptoFamily f, const char* n, const void* def) {
          if (static_cast<uint32_t>(f) == family && alg == n) e.def = def;
        });
      }
      e.provider = provider;
      e.pinned = true;
    }
    if (!found) {
      return Status::InvalidArgument("crypto pin '" + alg +
                                     "': no loaded provider offers an algorithm of that name "
                                     "(loaded: " +
                                     r->LoadedText() + ")");
    }
  }
  if (auto it = r->algs_.find(TOWER_CRYPTO_PASSWORD); it != r->algs_.end()) {
    for (const auto& [name, e] : it->second) {
      const auto* d = static_cast<const tower_password_def*>(e.def);
      for (const char* const* p = d->prefixes; *p != nullptr; ++p) r->prefixes_.emplace_back(*p, d);
    }
  }
  return r;
}

std::string CryptoRegistry::LoadedText() const {
  std::string out;
  for (const auto& p : plugins_) out += (out.empty() ? "" : ", ") + p->name();
  return out.empty() ? "none" : out;
}

Result<const void*> CryptoRegistry::Find(CryptoFamily family, std::string_view name) const {
  if (auto f = algs_.find(static_cast<uint32_t>(family)); f != algs_.end()) {
    if (auto it = f->second.find(name); it != f->second.end()) return it->second.def;
  }
  return Status::NotSupported(std::string("no loaded crypto provider offers the ") +
                              CryptoFamilyName(family) + " algorithm '" + std::string(name) +
                              "' (loaded providers: " + LoadedText() + ")");
}

Result<const tower_password_def*> CryptoRegistry::PasswordFor(std::string_view encoded) const {
  const tower_password_def* best = nullptr;
  size_t best_len = 0;
  for (const auto& [prefix, def] : prefixes_) {
    if (encoded.starts_with(prefix) && prefix.size() > best_len) {
      best = def;
      best_len = prefix.size();
    }
  }
  if (best != nullptr) return best;
  size_t end = encoded.find('$', 1);
  std::string id(encoded.substr(0, end == std::string_view::npos ? 12 : end + 1));
  return Status::NotSupported("no loaded crypto provider verifies password hashes of the form '" +
                              id + "...' (loaded providers: " + LoadedText() + ")");
}

Result<const tower_aead_def*> CryptoRegistry::Aead(std::string_view name) const {
  auto d = Find(CryptoFamily::kAead, name);
  if (!d.ok()) return d.status();
  return static_cast<const tower_aead_def*>(*d);
}
Result<const tower_kdf_def*> CryptoRegistry::Kdf(std::string_view name) const {
  auto d = Find(CryptoFamily::kKdf, name);
  if (!d.ok()) return d.status();
  return static_cast<const tower_kdf_def*>(*d);
}
Result<const tower_hash_def*> CryptoRegistry::Hash(std::string_view name) const {
  auto d = Find(CryptoFamily::kHash, name);
  if (!d.ok()) return d.status();
  return static_cast<const tower_hash_def*>(*d);
}

std::vector<AlgorithmInfo> CryptoRegistry::algorithms() const {
  std::vector<AlgorithmInfo> out;
  for (const auto& [family, by_name] : algs_) {
    for (const auto& [name, e] : by_name) {
      out.push_back({static_cast<CryptoFamily>(family), name, e.provider, e.offered_by, e.pinned});
    }
  }
  return out;
}

std::vector<std::string> CryptoRegistry::providers() const {
  std::vector<std::string> out;
  for (const auto& p : plugins_) out.push_back(p->name());
  return out;
}

}  // namespace tower
