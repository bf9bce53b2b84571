// tower::Db: an open Tower database, the object applications embed.
//
// Db::open loads the backend plugin named by the options (or by the
// database's manifest), checks that every plugin that wrote the database is
// available, and takes an exclusive lock on the data directory so that two
// processes never open one database. Methods follow the Go original's names
// in snake_case and return Status / Result<T>; all are thread-safe.
#ifndef TOWER_DB_HPP_
#define TOWER_DB_HPP_

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <span>
#include <thread>
#include <unordered_map>

#include "tower/backend.hpp"
#include "tower/crypto.hpp"
#include "tower/options.hpp"
#include "tower/plugin.hpp"
#include "tower/status.hpp"
#include "tower/value.hpp"

namespace tower {

class LockTable;

// Parameter strings for Db::upsert_password and password_needs_rehash.
struct PasswordParams {
  // Argon2id/Argon2i: iterations, memory in KiB, lanes, hash bytes.
  static std::string Argon2(uint32_t t, uint32_t m_kib, uint32_t p, uint32_t len = 32) {
    return "t=" + std::to_string(t) + ",m=" + std::to_string(m_kib) + ",p=" + std::to_string(p) +
           ",l=" + std::to_string(len);
  }
  static std::string Bcrypt(uint32_t cost) { return "cost=" + std::to_string(cost); }
  // scrypt: N = 2^log2_n.
  static std::string Scrypt(uint32_t log2_n, uint32_t r, uint32_t p, uint32_t len = 32) {
    return "ln=" + std::to_string(log2_n) + ",r=" + std::to_string(r) + ",p=" + std::to_string(p) +
           ",l=" + std::to_string(len);
  }
  static std::string Pbkdf2(uint32_t iterations, uint32_t len = 32) {
    return "i=" + std::to_string(iterations) + ",l=" + std::to_string(len);
  }
};

// A command a data-type plugin registered (see Db::call).
struct CommandInfo {
  std::string name;     // "int.add"
  std::string usage;    // "KEY DELTA:int"
  std::string summary;  // one line
  std::string plugin;   // the plugin that provides it
  bool read_only = false;
  int32_t min_args = 0, max_args = 0;  // keys included; max -1 = unlimited
};

// What the manifest says about a database (see docs/format.md).
struct ManifestInfo {
  int format = 0;               // on-disk format version
  std::string backend;          // backend plugin that created it
  std::string backend_version;  // that plugin's version at creation
  std::string created;          // RFC 3339 UTC
  // Data types recorded in the database: name, owning plugin, type id,
  // encoding version.
  struct Type {
    std::string name;
    std::string plugin;
    uint8_t id = 0;
    uint8_t encoding = 0;
  };
  std::vector<Type> types;
};

class Db {
 public:
  // Opens (or creates) a database. Errors name the path, option or plugin.
  static Result<std::unique_ptr<Db>> open(const Options& options);
  // Reads the TOML config file and opens the database it describes.
  static Result<std::unique_ptr<Db>> open_config(const std::filesystem::path& file);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Raw byte values (the kernel's own "bytes" type).
  Status put(std::string_view key, std::string_view value);
  // NotFound names the key; TypeMismatch when the key holds another type.
  Result<std::string> get(std::string_view key);
  // Removes a key of any type; OK when it is absent (see delete_key).
  Status del(std::string_view key);
  // True when the key holds an unexpired value of any type.
  Result<bool> exists(std::string_view key);

  // Makes all writes durable.
  Status flush();
  // Writes a consistent copy of the database (data and manifest) into `dir`,
  // which must not exist; the copy opens with Db::open on the same backend.
  Status checkpoint(const std::string& dir);
  // Human-readable statistics of the backend.
  Result<std::string> stats();

  // Records that data type `type` of plugin `plugin` (encoding version
  // `encoding`) writes to this database, assigning it a type id. Idempotent.
  // A later open fails unless `plugin` is available.
  Result<uint8_t> register_type(std::string_view type, std::string_view plugin, uint8_t encoding);

  // Runs the command `name` (e.g. "int.add") with its arguments, keys
  // included: db.call("int.add", "counter", 5). Every command of every
  // loaded data-type plugin is reachable this way, including plugins the
  // kernel has never heard of. The command's keys are locked (in a fixed
  // order) and its writes commit as one atomic batch. An unknown command or
  // a wrong argument count is InvalidArgument showing the usage.
  Result<Value> call(std::string_view name, std::span<const Value> args);
  Result<Value> call(std::string_view name, std::vector<Value> args);
  template <class... A>
  Result<Value> call(std::string_view name, A&&... args) {
    const std::array<Value, sizeof...(A)> values{Value(std::forward<A>(args))...};
    return call(name, std::span<const Value>(values));
  }
  // --- Typed values: the Go original's op.Operator methods in snake_case.
  // Each is a thin wrapper over call("<type>.<op>", key, ...); see
  // docs/commands.md for every command's semantics and errors.

  // string (lengths and offsets in bytes)
  Status set_string(std::string_view key, std::string_view value);
  Result<std::string> get_string(std::string_view key);
  Result<std::string> append_string(std::string_view key, std::string_view suffix);
  Result<std::string> prepend_string(std::string_view key, std::string_view prefix);
  Result<std::string> replace_string(std::string_view key, std::string_view from,
                                     std::string_view to);
  Result<bool> contains_string(std::string_view key, std::string_view s);
  Result<bool> starts_with_string(std::string_view key, std::string_view s);
  Result<bool> ends_with_string(std::string_view key, std::string_view s);
  Result<int64_t> length_string(std::string_view key);
  Result<std::string> substring_string(std::string_view key, int64_t start, int64_t length);
  Result<int64_t> compare_string(std::string_view key, std::string_view other);
  Result<bool> equal_string(std::string_view key, std::string_view other);
  Result<std::string> upper_string(std::string_view key);
  Result<std::string> lower_string(std::string_view key);

  // int (int64, checked: Overflow leaves the value unchanged)
  Status set_int(std::string_view key, int64_t value);
  Result<int64_t> get_int(std::string_view key);
  Result<int64_t> add_int(std::string_view key, int64_t x);
  Result<int64_t> sub_int(std::string_view key, int64_t x);
  Result<int64_t> mul_int(std::string_view key, int64_t x);
  Result<int64_t> div_int(std::string_view key, int64_t x);
  Result<int64_t> mod_int(std::string_view key, int64_t x);
  Result<int64_t> inc_int(std::string_view key);
  Result<int64_t> dec_int(std::string_view key);
  Result<int64_t> neg_int(std::string_view key);
  Result<int64_t> abs_int(std::string_view key);
  Result<int64_t> swap_int(std::string_view key, int64_t value);  // returns the old value
  Result<int64_t> compare_int(std::string_view key, int64_t x);
  Result<bool> set_int_if_greater(std::string_view key, int64_t value);
  Result<bool> set_int_if_less(std::string_view key, int64_t value);
  Result<bool> set_int_if_equal(std::string_view key, int64_t expected, int64_t value);
  Result<int64_t> clamp_int(std::string_view key, int64_t min, int64_t max);
  Result<int64_t> min_int(std::string_view key, int64_t x);
  Result<int64_t> max_int(std::string_view key, int64_t x);
  Result<int64_t> and_int(std::string_view key, int64_t x);
  Result<int64_t> or_int(std::string_view key, int64_t x);
  Result<int64_t> xor_int(std::string_view key, int64_t x);
  Result<int64_t> not_int(std::string_view key);
  Result<int64_t> shift_left_int(std::string_view key, int64_t n);
  Result<int64_t> shift_right_int(std::string_view key, int64_t n);

  // float, bool, duration, timestamp, time, uuid, binary, bigint, decimal:
  // the same pattern, "<op>_<type>" calling "<type>.<op>" (docs/commands.md).
  Status set_float(std::string_view key, double v);
  Result<double> get_float(std::string_view key);
  Result<double> add_float(std::string_view key, double x);
  Result<double> sub_float(std::string_view key, double x);
  Result<double> mul_float(std::string_view key, double x);
  Result<double> div_float(std::string_view key, double x);
  Result<double> neg_float(std::string_view key);
  Result<double> abs_float(std::string_view key);
  Result<double> swap_float(std::string_view key, double v);
  Result<int64_t> compare_float(std::string_view key, double x);
  Result<bool> set_float_if_greater(std::string_view key, double v);
  Result<bool> set_float_if_less(std::string_view key, double v);
  Result<bool> set_float_if_equal(std::string_view key, double expected, double v);
  Result<double> clamp_float(std::string_view key, double min, double max);
  Result<double> min_float(std::string_view key, double x);
  Result<double> max_float(std::string_view key, double x);
  Status set_bool(std::string_view key, bool v);
  Result<bool> get_bool(std::string_view key);
  Result<bool> and_bool(std::string_view key, bool x);
  Result<bool> or_bool(std::string_view key, bool x);
  Result<bool> xor_bool(std::string_view key, bool x);
  Result<bool> not_bool(std::string_view key);
  Result<bool> toggle_bool(std::string_view key);
  Result<bool> equal_bool(std::string_view key, bool x);
  Result<bool> set_bool_if_true(std::string_view key, bool v);
  Result<bool> set_bool_if_false(std::string_view key, bool v);
  Result<bool> set_bool_if_equal(std::string_view key, bool expected, bool v);
  Status set_duration(std::string_view key, Duration v);
  Result<Duration> get_duration(std::string_view key);
  Result<Duration> add_duration(std::string_view key, Duration x);
  Result<Duration> sub_duration(std::string_view key, Duration x);
  Result<Duration> mul_duration(std::string_view key, int64_t n);
  Result<Duration> div_duration(std::string_view key, int64_t n);
  Result<Duration> neg_duration(std::string_view key);
  Result<Duration> abs_duration(std::string_view key);
  Result<Duration> swap_duration(std::string_view key, Duration v);
  Result<int64_t> compare_duration(std::string_view key, Duration x);
  Result<bool> set_duration_if_greater(std::string_view key, Duration v);
  Result<bool> set_duration_if_less(std::string_view key, Duration v);
  Result<bool> set_duration_if_equal(std::string_view key, Duration expected, Duration v);
  Status set_timestamp(std::string_view key, Timestamp v);
  Result<Timestamp> get_timestamp(std::string_view key);
  Result<Timestamp> add_duration_to_timestamp(std::string_view key, Duration d);
  Result<Timestamp> sub_duration_from_timestamp(std::string_view key, Duration d);
  Result<int64_t> compare_timestamp(std::string_view key, Timestamp t);
  Result<bool> before_timestamp(std::string_view key, Timestamp t);
  Result<bool> after_timestamp(std::string_view key, Timestamp t);
  Result<bool> set_timestamp_if_greater(std::string_view key, Timestamp v);
  Result<bool> set_timestamp_if_less(std::string_view key, Timestamp v);
  Result<bool> set_timestamp_if_equal(std::string_view key, Timestamp expected, Timestamp v);
  Status set_time(std::string_view key, const Time& v);
  Result<Time> get_time(std::string_view key);
  Result<Time> add_duration_to_time(std::string_view key, Duration d);
  Result<Time> sub_duration_from_time(std::string_view key, Duration d);
  Result<bool> before_time(std::string_view key, const Time& t);
  Result<bool> after_time(std::string_view key, const Time& t);
  Result<bool> equal_time(std::string_view key, const Time& t);
  Result<Duration> diff_time(std::string_view key, const Time& t);
  Result<bool> is_zero_time(std::string_view key);
  Result<bool> set_time_if_greater(std::string_view key, const Time& v);
  Result<bool> set_time_if_less(std::string_view key, const Time& v);
  Result<bool> set_time_if_equal(std::string_view key, const Time& expected, const Time& v);
  Result<int64_t> year_time(std::string_view key);
  Result<int64_t> month_time(std::string_view key);
  Result<int64_t> day_time(std::string_view key);
  Result<int64_t> hour_time(std::string_view key);
  Result<int64_t> minute_time(std::string_view key);
  Result<int64_t> second_time(std::string_view key);
  Result<int64_t> nanosecond_time(std::string_view key);
  Status set_uuid(std::string_view key, const Uuid& v);
  Result<Uuid> get_uuid(std::string_view key);
  Result<Uuid> generate_uuid(std::string_view key, int64_t version = 4);
  Result<bool> equal_uuid(std::string_view key, const Uuid& u);
  Result<int64_t> compare_uuid(std::string_view key, const Uuid& u);
  Result<std::string> uuid_to_string(std::string_view key);
  Result<bool> is_nil_uuid(std::string_view key);
  Result<int64_t> version_uuid(std::string_view key);
  Result<std::string> variant_uuid(std::string_view key);
  Result<bool> set_uuid_if_nil(std::string_view key, const Uuid& v);
  Result<bool> set_uuid_if_equal(std::string_view key, const Uuid& expected, const Uuid& v);
  Status set_binary(std::string_view key, std::string_view bytes);
  Result<Binary> get_binary(std::string_view key);
  Result<Binary> append_binary(std::string_view key, std::string_view bytes);
  Result<Binary> prepend_binary(std::string_view key, std::string_view bytes);
  Result<int64_t> length_binary(std::string_view key);
  Result<Binary> slice_binary(std::string_view key, int64_t start, int64_t length);
  Result<bool> equal_binary(std::string_view key, std::string_view bytes);
  Result<int64_t> compare_binary(std::string_view key, std::string_view bytes);
  Result<Binary> and_binary(std::string_view key, std::string_view bytes);
  Result<Binary> or_binary(std::string_view key, std::string_view bytes);
  Result<Binary> xor_binary(std::string_view key, std::string_view bytes);
  Result<bool> contains_binary(std::string_view key, std::string_view bytes);
  Result<int64_t> index_of_binary(std::string_view key, std::string_view bytes);
  Result<Binary> reverse_binary(std::string_view key);
  Status set_bigint(std::string_view key, const BigInt& v);
  Result<BigInt> get_bigint(std::string_view key);
  Result<BigInt> add_bigint(std::string_view key, const BigInt& x);
  Result<BigInt> sub_bigint(std::string_view key, const BigInt& x);
  Result<BigInt> mul_bigint(std::string_view key, const BigInt& x);
  Result<BigInt> div_bigint(std::string_view key, const BigInt& x);
  Result<BigInt> mod_bigint(std::string_view key, const BigInt& x);
  Result<BigInt> neg_bigint(std::string_view key);
  Result<BigInt> abs_bigint(std::string_view key);
  Result<int64_t> cmp_bigint(std::string_view key, const BigInt& x);
  Result<std::string> bigint_to_text(std::string_view key, int64_t base = 10);
  Result<BigInt> bigint_from_text(std::string_view key, std::string_view text, int64_t base = 10);
  Status set_decimal(std::string_view key, const Decimal& v);
  Result<Decimal> get_decimal(std::string_view key);
  Status set_decimal_from_float(std::string_view key, double v, int64_t scale);
  Result<double> get_decimal_as_float(std::string_view key);
  Result<Decimal> add_decimal(std::string_view key, const Decimal& x);
  Result<Decimal> sub_decimal(std::string_view key, const Decimal& x);
  Result<Decimal> mul_decimal(std::string_view key, const Decimal& x);
  Result<Decimal> div_decimal(std::string_view key, const Decimal& x, int64_t result_scale);
  Result<int64_t> cmp_decimal(std::string_view key, const Decimal& x);
  Result<std::string> decimal_to_text(std::string_view key);
  Result<Decimal> decimal_from_text(std::string_view key, std::string_view text);

  // --- Passwords (the "secrets" plugin on the crypto providers; see
  // docs/crypto.md). Algorithms: "argon2id" (recommended), "argon2i",
  // "bcrypt", "scrypt", "pbkdf2-sha256". `params` overrides the defaults,
  // e.g. PasswordParams::Argon2(3, 65536, 4); empty = the defaults, which
  // follow OWASP guidance. The stored hash is self-describing, so it still
  // verifies after the defaults change.
  Status upsert_password(std::string_view key, std::string_view password,
                         std::string_view algorithm = "argon2id", int64_t salt_length = 16,
                         std::string_view params = "");
  Result<bool> verify_password(std::string_view key, std::string_view password);
  // True when the stored hash is of another algorithm or weaker than
  // `algorithm` with `params` (empty = its defaults): rehash on next login.
  Result<bool> password_needs_rehash(std::string_view key, std::string_view algorithm,
                                     std::string_view params = "");
  // The stored hash string, e.g. "$argon2id$v=19$m=32768,t=3,p=4$...".
  Result<std::string> get_password_hash(std::string_view key);

  // --- SafeBox: values encrypted with a key derived (BLAKE3) from
  // `key_material`. Algorithms: aes-128/192/256-gcm, chacha20-poly1305,
  // xchacha20-poly1305, ascon-128, ascon-128a, ascon-80pq, ascon-aead128
  // (recommended among the Ascon ones), camellia-128/192/256-gcm,
  // aria-128/192/256-gcm, and "none" (stored in clear, only on request and
  // never over an encrypted box).
  Status upsert_safe_box(std::string_view key, std::string_view data, std::string_view key_material,
                         std::string_view algorithm);
  struct SafeBox {
    std::string algorithm;
    std::string ciphertext;  // with the tag appended
    std::string nonce;
  };
  Result<SafeBox> get_safe_box(std::string_view key);
  // The plaintext; AuthFailed for wrong key material or tampered data.
  Result<Binary> extract_safe_box(std::string_view key, std::string_view key_material);

  // --- Keys of any type, and their expiry (TTL). The kernel's own
  // commands "key.*" (docs/commands.md); an expired key reads as absent at
  // once, and the sweeper (Options::expiry_sweep_interval) or
  // truncate_expired() deletes it.

  // Sets the key's expiry deadline (the Go original's SetTTL). A deadline in
  // the past expires the key at once. NotFound when the key is absent.
  Status set_ttl(std::string_view key, Timestamp deadline);
  // Removes the key's expiry (RemoveTTL); false when it had none.
  Result<bool> remove_ttl(std::string_view key);
  // The key's deadline (millisecond precision), or nullopt when it has none.
  Result<std::optional<Timestamp>> ttl(std::string_view key);
  // Deletes a key of any type; false when it was absent.
  Result<bool> delete_key(std::string_view key);
  // The name of the key's type ("int", "string", ...).
  Result<std::string> type_of(std::string_view key);
  // Deletes every key whose deadline has passed (by the injectable clock)
  // through the expiry index, now, and returns how many it deleted (the Go
  // original's TruncateExpired).
  Result<uint64_t> truncate_expired();
  // Deletes the items of collections that were deleted, replaced, cleared
  // or expired (they are unreachable at once; this reclaims the space) and,
  // with `orphans`, also finds groups of items no value names any more by
  // checking every group against its key. Returns how many groups it
  // removed. The sweeper runs it in the background.
  Result<uint64_t> collect_garbage(bool orphans = true);

  // --- Export and import: the whole database as JSON Lines (the format is
  // in docs/format.md, "Export files"). Every key keeps its type, its exact
  // stored encoding, its expiry deadline and a collection's items, so any
  // type round-trips exactly, including types of plugins the kernel has
  // never heard of.

  // Counts of what an export wrote or an import read.
  struct TransferStats {
    uint64_t keys = 0;     // keys written (import: imported)
    uint64_t items = 0;    // collection items among them
    uint64_t expired = 0;  // import: keys skipped because their deadline had passed
  };
  // Called now and then with progress: (keys done, keys in all) for an
  // export, (bytes read, ImportOptions::total_bytes) for an import.
  using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;
  // Writes every unexpired key, from one consistent snapshot, to `out`.
  Result<TransferStats> export_jsonl(std::ostream& out, const ProgressFn& progress = {});
  struct ImportOptions {
    // Replace keys that already exist; without it an existing key is
    // AlreadyExists naming it (keys before it stay imported).
    bool replace = false;
    uint64_t total_bytes = 0;  // the input's size, for progress (0 = unknown)
    ProgressFn progress;
  };
  // Reads an export. Each key is written atomically (its items first, under
  // a fresh items version, then its value in one batch), holding the key's
  // lock. Type ids are mapped by type and plugin name, so the source and
  // the target may number types differently; a type whose plugin is not
  // loaded, or whose stored encoding is newer than the loaded plugin
  // reads, is an error naming the key, type and plugin. A malformed line is
  // InvalidArgument naming its line number; a file without its end record
  // (truncated) is Corruption.
  Result<TransferStats> import_jsonl(std::istream& in, const ImportOptions& options);
  Result<TransferStats> import_jsonl(std::istream& in) { return import_jsonl(in, ImportOptions()); }

  // Every registered command, sorted by name.
  std::vector<CommandInfo> commands() const;

  // The clock used for expiry and timestamps (nanoseconds since the epoch);
  // tests inject one. Default: the system clock. Set it while no command
  // runs (the expiry sweeper is paused while it changes).
  void set_clock(std::function<int64_t()> now_ns);
  int64_t now_ns() const;
  // Whether a value with this deadline (milliseconds since the epoch) has
  // expired by that clock. Reads the clock only when there is a deadline,
  // so keys without a TTL cost no clock read.
  bool Expired(std::optional<uint64_t> expiry_ms) const;

  const ManifestInfo& manifest() const { return manifest_; }
  const Options& options() const { return options_; }
  PluginManager& plugins() { return *plugins_; }
  Backend& backend() { return *backend_; }
  // The longest user key this database accepts.
  size_t max_user_key_size() const { return max_user_key_size_; }
  // The crypto providers and algorithms this database uses (see
  // tower/crypto.hpp and Options::crypto_providers / crypto_pins).
  const CryptoRegistry& crypto() const { return *crypto_; }

 private:
  friend struct CmdCtx;
  friend struct CmdApi;
  friend struct Typed;
  struct DatatypeState;
  struct Command;
  Db();
  Status CheckKey(std::string_view key) const;
  Status LoadTypes();
  Status LoadDatatypes();
  // Registers the kernel's own commands ("key.*", expiry.cc).
  Status RegisterKernelCommands();
  // The items-version allocator (items.cc).
  Status LoadItemsVersion();
  Result<uint64_t> NewItemsVersion();
  void StartSweeper();
  void StopSweeper();
  Result<uint8_t> TypeId(DatatypeState* dt, uint32_t local);
  // The id of an imported value's type (export.cc): by type and plugin
  // name, checking that the loaded plugin reads `encoding`.
  Result<uint8_t> ImportTypeId(std::string_view type, std::string_view plugin, uint8_t encoding);
  void Publish(DatatypeState* dt, uint32_t local, uint8_t id);
  std::string TypeName(uint8_t id) const;
  const Command* FindCommand(std::string_view name) const;
  static Status UnknownCommand(std::string_view name);
  // The one dispatch path: checks the argument count and keys, locks the
  // keys, runs the command with `args` in ABI form (results to `out`) and
  // commits its staged writes as one batch.
  Status Run(const Command& c, std::span<const tower_value> args, tower_value_sink* out);

  Options options_;
  std::unique_ptr<PluginManager> plugins_;
  std::shared_ptr<Backend> backend_;
  ManifestInfo manifest_;
  int lock_fd_ = -1;
  size_t max_user_key_size_ = 0;
  mutable std::shared_mutex types_mu_;  // manifest_.types; serialises type-id assignment
  std::vector<std::unique_ptr<DatatypeState>> datatypes_;
  std::map<std::string, std::unique_ptr<Command>, std::less<>> commands_;
  // The same commands by name for the per-call lookup.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string_view, const Command*, NameHash, std::equal_to<>> command_index_;
  // Database type id -> (plugin, its type index). Written once per id under
  // types_mu_ (local before dt, release), read lock-free on every command.
  std::array<std::atomic<DatatypeState*>, 256> by_id_dt_{};
  std::array<std::atomic<uint32_t>, 256> by_id_local_{};
  std::unique_ptr<LockTable> locks_;
  std::unique_ptr<CryptoRegistry> crypto_;
  std::function<int64_t()> clock_;
  // The kernel's commands, as a data-type state without a plugin.
  std::unique_ptr<DatatypeState> kernel_dt_;
  // Items versions: the next to hand out, and the end of the persisted block.
  std::atomic<uint64_t> next_items_version_{1};
  uint64_t reserved_items_version_ = 1;  // guarded by items_version_mu_
  std::mutex items_version_mu_;
  std::mutex gc_mu_;  // one garbage collection at a time
  // The background expiry sweeper.
  std::thread sweeper_;
  std::mutex sweeper_mu_;
  std::condition_variable sweeper_cv_;
  bool sweeper_stop_ = false;  // guarded by sweeper_mu_
};

}  // namespace tower

#endif  // TOWER_DB_HPP_
