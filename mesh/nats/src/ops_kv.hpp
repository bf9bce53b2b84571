// The KV internals the lock operations build on (defined in ops_kv.cc).
#ifndef TOWER_MESH_NATS_OPS_KV_HPP_
#define TOWER_MESH_NATS_OPS_KV_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "conn.hpp"

namespace tower::mesh::nats {

namespace kvimpl {
// The kind of message a KV write publishes.
enum class WriteKind { kPut, kDelete, kPurge };
// Creates bucket KV_<bucket> as js_CreateKeyValue does, plus AllowDirect;
// *created is false when it existed with the same configuration.
Error CreateSimpleBucket(Conn& conn, const char* op, std::string_view bucket, int64_t replicas,
                         int64_t history, int64_t ttl_ns, bool allow_direct,
                         std::string_view description, bool* created);
// Publishes to $KV.<bucket>.<key> (a value, or a DEL / PURGE marker),
// expecting revision *expected when set (0 = no message). ABORTED on a
// revision mismatch, NOT_FOUND for a missing bucket, BUSY when the
// bucket's stream has no leader. *rev gets the new revision.
Error Write(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
            std::string_view data, WriteKind kind, std::optional<uint64_t> expected, uint64_t* rev);
// Writes only when the key holds no value (over a delete/purge marker
// too). ALREADY_EXISTS otherwise, with *holder = the value when known.
Error CreateKey(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
                std::string_view data, uint64_t* rev, std::string* holder);
// Whether the key holds a value. NOT_FOUND for a missing bucket.
Error KeyExists(Conn& conn, const char* op, std::string_view bucket, std::string_view key,
                bool* exists);
// The bucket's TTL (stream MaxAge) in ns. NOT_FOUND for a missing bucket.
Error BucketTtl(Conn& conn, const char* op, std::string_view bucket, int64_t* ttl_ns);
}  // namespace kvimpl

}  // namespace tower::mesh::nats

#endif  // TOWER_MESH_NATS_OPS_KV_HPP_
