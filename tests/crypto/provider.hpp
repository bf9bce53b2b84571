// Loads a crypto provider plugin through the kernel's PluginManager (the
// same path Tower uses) and finds its algorithm definitions by name.
#ifndef TOWER_TESTS_CRYPTO_PROVIDER_HPP_
#define TOWER_TESTS_CRYPTO_PROVIDER_HPP_

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tower/plugin.hpp"
#include "tower/sdk/crypto.h"

namespace tower::test {

// One loaded provider; keeps the library loaded while it lives.
class Provider {
 public:
  explicit Provider(const std::string& name) {
    auto p = pm_.Load(name, PluginKind::kCrypto);
    if (!p.ok()) {
      ADD_FAILURE() << p.status().ToString();
      return;
    }
    plugin_ = *p;
    api_ = plugin_->crypto_api();
  }
  bool ok() const { return api_ != nullptr; }
  const tower_crypto_api* api() const { return api_; }

  const tower_aead_def* aead(std::string_view name) const {
    return Find(api_ ? api_->aeads : nullptr, api_ ? api_->aead_count : 0, name);
  }
  const tower_password_def* password(std::string_view name) const {
    return Find(api_ ? api_->passwords : nullptr, api_ ? api_->password_count : 0, name);
  }
  const tower_kdf_def* kdf(std::string_view name) const {
    return Find(api_ ? api_->kdfs : nullptr, api_ ? api_->kdf_count : 0, name);
  }
  const tower_hash_def* hash(std::string_view name) const {
    return Find(api_ ? api_->hashes : nullptr, api_ ? api_->hash_count : 0, name);
  }

 private:
  template <class D>
  static const D* Find(const D* defs, size_t n, std::string_view name) {
    for (size_t i = 0; i < n; ++i) {
      if (name == defs[i].name) return &defs[i];
    }
    return nullptr;
  }
  PluginManager pm_;
  PluginPtr plugin_;
  const tower_crypto_api* api_ = nullptr;
};

}  // namespace tower::test

#endif  // TOWER_TESTS_CRYPTO_PROVIDER_HPP_
