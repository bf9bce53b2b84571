// crypto_bench: what SafeBox and the password layer cost.
//
//  1. SafeBox upsert + extract of 1 MiB values with AES-256-GCM through
//     tower::Db (memory backend) against doing the same by hand in the same
//     run: a random nonce, EVP seal, a put into the raw memory store, a get,
//     EVP open. Medians of --reps; the ratio is tower/raw (target >= 0.90).
//  2. Seal throughput of every AEAD the loaded providers offer (1 MiB).
//  3. The time of one hash per password algorithm at its defaults.
//
//   crypto_bench [--ops=N] [--reps=R]
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench_common.hpp"
#include "tower/db.hpp"

namespace {

constexpr size_t kValue = 1 << 20;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Raw: what an application would write with OpenSSL and the store directly.
double RunRaw(size_t ops, const std::string& data, const unsigned char* key) {
  Side store = DirectMemory();
  store.open("");
  EVP_CIPHER* aes = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  std::string sealed, got, plain(kValue, '\0');
  auto t0 = Clock::now();
  for (size_t i = 0; i < ops; ++i) {
    // seal: nonce || ciphertext || tag
    sealed.resize(12 + data.size() + 16);
    auto* s = reinterpret_cast<unsigned char*>(sealed.data());
    if (RAND_bytes(s, 12) != 1) Die("RAND_bytes");
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    int n = 0, m = 0;
    if (EVP_EncryptInit_ex2(c, aes, key, s, nullptr) != 1 ||
        EVP_EncryptUpdate(c, s + 12, &n, reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size())) != 1 ||
        EVP_EncryptFinal_ex(c, s + 12 + n, &m) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, s + 12 + data.size()) != 1)
      Die("EVP seal");
    EVP_CIPHER_CTX_free(c);
    store.put("box", sealed);
    // open
    if (!store.get("box", &got)) Die("raw get");
    auto* g = reinterpret_cast<unsigned char*>(got.data());
    size_t len = got.size() - 12 - 16;
    c = EVP_CIPHER_CTX_new();
    if (EVP_DecryptInit_ex2(c, aes, key, g, nullptr) != 1 ||
        EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(plain.data()), &n, g + 12,
                          static_cast<int>(len)) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, g + 12 + len) != 1 ||
        EVP_DecryptFinal_ex(c, reinterpret_cast<unsigned char*>(plain.data()) + n, &m) != 1)
      Die("EVP open");
    EVP_CIPHER_CTX_free(c);
    if (plain.size() != data.size()) Die("raw round trip");
  }
  auto t1 = Clock::now();
  EVP_CIPHER_free(aes);
  store.close();
  return static_cast<double>(ops) / Seconds(t0, t1);
}

double RunTower(tower::Db& db, size_t ops, const std::string& data, const std::string& km) {
  auto t0 = Clock::now();
  for (size_t i = 0; i < ops; ++i) {
    if (!db.upsert_safe_box("box", data, km, "aes-256-gcm").ok()) Die("upsert_safe_box");
    auto p = db.extract_safe_box("box", km);
    if (!p.ok() || p->bytes.size() != data.size()) Die("extract_safe_box");
  }
  return static_cast<double>(ops) / Seconds(t0, Clock::now());
}

}  // namespace

int main(int argc, char** argv) {
  size_t ops = 200;
  int reps = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--ops=", 0) == 0)
      ops = std::stoul(a.substr(6));
    else if (a.rfind("--reps=", 0) == 0)
      reps = std::stoi(a.substr(7));
    else
      Die("unknown argument " + a + " (see the comment at the top of crypto_bench.cc)");
  }
  auto opened = tower::Db::open(tower::Options::InMemory("memory"));
  if (!opened.ok()) Die(opened.status().ToString());
  tower::Db& db = **opened;
  std::string data(kValue, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + 7);
  unsigned char key[32];
  if (RAND_bytes(key, sizeof key) != 1) Die("RAND_bytes");
  const std::string km(reinterpret_cast<char*>(key), sizeof key);

  RunRaw(ops / 4 + 1, data, key);  // warm-up, untimed
  RunTower(db, ops / 4 + 1, data, km);
  std::vector<double> raw, tow;
  for (int r = 0; r < reps; ++r) {
    if (r % 2 == 0) {
      raw.push_back(RunRaw(ops, data, key));
      tow.push_back(RunTower(db, ops, data, km));
    } else {
      tow.push_back(RunTower(db, ops, data, km));
      raw.push_back(RunRaw(ops, data, key));
    }
  }
  std::printf("crypto_bench: SafeBox 1 MiB upsert+extract, AES-256-GCM, %zu ops x %d reps\n", ops,
              reps);
  std::printf("  raw EVP + store %10.1f ops/s  (%.0f MB/s)\n", Median(raw),
              Median(raw) * 2 * kValue / 1e6);
  std::printf("  tower safe box  %10.1f ops/s  (%.0f MB/s)   ratio %.3f (target >= 0.90)\n",
              Median(tow), Median(tow) * 2 * kValue / 1e6, Median(tow) / Median(raw));

  std::printf("\nAEAD seal throughput, 1 MiB, through each chosen provider:\n");
  std::vector<uint8_t> out(kValue + 64), nonce(64, 7);
  for (const auto& a : db.crypto().algorithms()) {
    if (a.family != tower::CryptoFamily::kAead) continue;
    auto d = db.crypto().Aead(a.name);
    if (!d.ok()) Die(d.status().ToString());
    const tower_aead_def* def = *d;
    std::vector<uint8_t> k(def->key_size, 1);
    std::vector<double> rates;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      size_t n = 0;
      do {
        if (def->seal(def->user, k.data(), k.size(), nonce.data(), def->nonce_size, nullptr, 0,
                      reinterpret_cast<const uint8_t*>(data.data()), data.size(), out.data(),
                      nullptr) != TOWER_OK)
          Die(a.name + " seal");
        ++n;
      } while (Seconds(t0, Clock::now()) < 0.2);
      rates.push_back(static_cast<double>(n * kValue) / 1e6 / Seconds(t0, Clock::now()));
    }
    std::printf("  %-20s %-8s %8.0f MB/s\n", a.name.c_str(), a.provider.c_str(), Median(rates));
  }

  std::printf("\nOne password hash at the defaults (median of %d):\n", reps);
  for (const char* alg : {"argon2id", "argon2i", "bcrypt", "scrypt", "pbkdf2-sha256"}) {
    std::vector<double> ms;
    for (int r = 0; r < reps; ++r) {
      auto t0 = Clock::now();
      auto s = db.upsert_password("pw", "correct horse battery staple", alg);
      if (!s.ok()) Die(s.ToString());
      ms.push_back(Seconds(t0, Clock::now()) * 1e3);
    }
    std::printf("  %-14s %8.1f ms   %s\n", alg, Median(ms), db.get_password_hash("pw")->c_str());
  }
  return 0;
}
