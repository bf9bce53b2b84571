// Loads a crypto provider plugin through the kernel's PluginManager (the
// same path Tower uses) and finds its algorithm definitions by name.
#ifndef TOWER_TESTS_CRYPTO_PROVIDER_HPP_
#define TOWER_TESTS_CRYPTO_PROVIDER_HPP_

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tower/plugin.hpp"
#include "tower/sdk/crypto.h"

namespace tower::test {

// One loaded provider; keeps the library loaded while it lives.
class Provider {
 public:
  // Loads the crypto plugin `name`, searching `dirs` before the default
  // plugin path. A failure is recorded as a test failure when
  // `report_failure` is set; error() says what went wrong either way.
  explicit Provider(const std::string& name, std::vector<std::filesystem::path> dirs = {},
                    bool report_failure = true)
      : pm_(std::move(dirs)) {
    auto p = pm_.Load(name, PluginKind::kCrypto);
    if (!p.ok()) {
      error_ = p.status().ToString();
      if (report_failure) ADD_FAILURE() << error_;
      return;
    }
    plugin_ = *p;
    api_ = plugin_->crypto_api();
    if (api_ == nullptr) error_ = name + ": the plugin has no crypto table";
  }
  bool ok() const { return api_ != nullptr; }
  const std::string& error() const { return error_; }
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
  std::string error_;
};

}  // namespace tower::test

#endif  // TOWER_TESTS_CRYPTO_PROVIDER_HPP_
