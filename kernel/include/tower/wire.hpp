// The towerd wire protocol (docs/towerd.md): how a command and its reply
// travel over the mesh as compact, versioned bytes.
//
// Subjects:  tower.<database>.cmd.<command>   a command (request-reply)
//            tower.<database>.health          a one-line health report
//            tower.<database>.stats           statistics (JSON)
//            tower.<database>.commands        the registered commands (a reply
//                                             array: name, usage, summary,
//                                             plugin, read_only, min_args,
//                                             max_args per command)
//            tower.<database>.export          opens an export; the reply is the
//            tower.<database>.import          transfer's subject T (import takes
//                                             one bool argument: replace)
//            T.next                           export: the next chunk [binary,
//                                             end:bool, keys:int, items:int]
//            T.data                           import: one chunk [binary]
//            T.end                            import: no more data; the reply is
//                                             [keys:int, items:int, expired:int]
//            T.abort                          either: give up the transfer
//   where T = tower.<database>.xfer.<instance>.<n> reaches the one towerd
//   that opened it. A chunk is a slice of the JSON Lines stream
//   (docs/format.md), at most kTransferChunk bytes.
//
// Request (version 1):  0x01 | varint count | count x (varint len | value)
// Reply (version 1):    0x01 | status code (1 byte, 0 = OK) | body
//   OK body:    0x00 | varint len | value                  a single value
//               0x01 | varint count | count x (varint len | value)   an array
//   error body: the message (UTF-8)
// where `value` is the self-describing encoding of tower/sdk/value_codec.hpp
// (one type byte, then the value). A reader refuses other versions with
// Incompatible, and truncated or malformed bytes with Corruption.
#ifndef TOWER_WIRE_HPP_
#define TOWER_WIRE_HPP_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tower/status.hpp"
#include "tower/value.hpp"

namespace tower::wire {

inline constexpr uint8_t kVersion = 1;

// "tower.<database>.cmd.<command>" and the service subjects.
std::string CommandSubject(std::string_view database, std::string_view command);
std::string HealthSubject(std::string_view database);
std::string StatsSubject(std::string_view database);
std::string CommandsSubject(std::string_view database);
std::string ExportSubject(std::string_view database);
std::string ImportSubject(std::string_view database);
// "tower.<database>.xfer.<instance>": a service's own transfer subjects.
std::string TransferPrefix(std::string_view database, std::string_view instance);
inline constexpr size_t kTransferChunk = 256 << 10;
// Database names travel in subjects: [a-z0-9_-]+, at most 64 bytes.
Status CheckDatabaseName(std::string_view name);

// InvalidArgument for an argument the codec cannot carry (an array).
Result<std::string> EncodeRequest(std::span<const Value> args);
Result<std::vector<Value>> DecodeRequest(std::string_view bytes);

// A reply carrying `result` (OK) or the failure `status`.
std::string EncodeReply(const Result<Value>& result);
// The reply as the caller sees it: the value, or the same Status code and
// message the service got in process.
Result<Value> DecodeReply(std::string_view bytes);

}  // namespace tower::wire

#endif  // TOWER_WIRE_HPP_
