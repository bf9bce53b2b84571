// The key layout: how user keys and internal keys share one ordered store
// without ever colliding (see docs/format.md).
//
// Every backend key starts with a one-byte namespace tag:
//   'm' | user_key                                   metadata / value frame
//   's' | be32(len(user_key)) | user_key | be64(version) | subkey
//                                                    collection items
//   'x' | be64(deadline_ms) | user_key               expiry index
//   'g' | be32(len(user_key)) | user_key | be64(version)
//                                                    items to collect
//   'S' | name                                       system records
// Two keys from different namespaces differ in their first byte, and inside
// 's' the user key is length-prefixed, so no choice of user key (including
// bytes 0x00 and 0xFF) can produce another key's encoding.
#ifndef TOWER_KEYS_HPP_
#define TOWER_KEYS_HPP_

#include <cstdint>
#include <string>
#include <string_view>

namespace tower::keys {

inline constexpr char kMeta = 'm';
inline constexpr char kSub = 's';
inline constexpr char kExpiry = 'x';
inline constexpr char kGarbage = 'g';
inline constexpr char kSystem = 'S';

// Largest user key Tower accepts (the backend may allow less; see
// Db::max_user_key_size()).
inline constexpr size_t kMaxUserKeySize = 64 * 1024;

void PutBE32(std::string* dst, uint32_t v);
void PutBE64(std::string* dst, uint64_t v);
uint32_t GetBE32(const char* p);
uint64_t GetBE64(const char* p);

// Order-preserving encodings: a < b exactly when Encode(a) < Encode(b)
// bytewise. Doubles order -inf < negatives < -0.0 < +0.0 < positives < +inf;
// NaNs sort after +inf.
void PutOrderedInt64(std::string* dst, int64_t v);
int64_t GetOrderedInt64(const char* p);
void PutOrderedDouble(std::string* dst, double v);
double GetOrderedDouble(const char* p);

std::string Meta(std::string_view user_key);
// The prefix shared by every item of one collection version.
std::string SubPrefix(std::string_view user_key, uint64_t version);
std::string Sub(std::string_view user_key, uint64_t version, std::string_view subkey);
std::string Expiry(uint64_t deadline_ms, std::string_view user_key);
// A record that the items of (user_key, version) are garbage: the collector
// deletes them and then the record.
std::string Garbage(std::string_view user_key, uint64_t version);
std::string System(std::string_view name);

// Parsers return false when `key` is not of that namespace or is malformed.
bool ParseMeta(std::string_view key, std::string_view* user_key);
bool ParseSub(std::string_view key, std::string_view* user_key, uint64_t* version,
              std::string_view* subkey);
bool ParseExpiry(std::string_view key, uint64_t* deadline_ms, std::string_view* user_key);
bool ParseGarbage(std::string_view key, std::string_view* user_key, uint64_t* version);

// `key` quoted for messages: printable ASCII as is, other bytes as \xNN,
// cut after 120 bytes (sdk::quote).
std::string Quote(std::string_view key);

// The smallest key greater than every key that starts with `prefix`, or ""
// when there is none (prefix is all 0xFF).
std::string PrefixEnd(std::string_view prefix);

}  // namespace tower::keys

#endif  // TOWER_KEYS_HPP_
