// Text forms of tower::Value for people and scripts: typed command-line
// arguments ("int:5", "bin:0xff", plain text = a string), Go-style durations
// and one JSON object per value. The tower CLI uses these; so will towerd
// and export/import.
#ifndef TOWER_VALUE_TEXT_HPP_
#define TOWER_VALUE_TEXT_HPP_

#include <string>
#include <string_view>

#include "tower/status.hpp"
#include "tower/value.hpp"

namespace tower {

// Parses one typed argument, "TYPE:TEXT", or plain text (a string):
//   str:TEXT      a string (for text that itself contains "TYPE:")
//   int:-5        int64            float:1.5, float:nan, float:-inf
//   bool:true     true/false/1/0   bin:0x00ff or bin:00ff (hex bytes)
//   ts:RFC3339    a timestamp; ts:1700000000000000000 (ns since the epoch)
//   dur:1h2m3.5s  a duration (Go syntax, or an integer of nanoseconds)
//   uuid:TEXT     bigint:-123 or bigint:0x7f      dec:19.99
//   time:RFC3339  a civil time with its offset      null
// Text without a known "TYPE:" prefix is a string. A known prefix with bad
// text is InvalidArgument naming the argument and the type.
Result<Value> ParseValueArg(std::string_view text);

// Go's time.ParseDuration: "300ms", "-1.5h", "2h45m", units ns, us (or µs),
// ms, s, m, h. InvalidArgument on bad syntax, Overflow beyond int64 ns.
Result<int64_t> ParseDuration(std::string_view text);

// One value as a JSON object: {"type":"int","value":42}. Every type keeps
// its exact value: big numbers, decimals, UUIDs and times as strings,
// timestamps and durations as integer nanoseconds, binary as "0x..." hex, a
// string that is not UTF-8 as {"type":"string","hex":"0x..."}, floats that
// JSON cannot write as "NaN", "Infinity", "-Infinity"; arrays nest.
std::string ValueToJson(const Value& v);

// `s` as a JSON string literal, quotes included. REQUIRES: valid UTF-8.
std::string JsonQuote(std::string_view s);

// True when `s` is valid UTF-8.
bool IsUtf8(std::string_view s);

}  // namespace tower

#endif  // TOWER_VALUE_TEXT_HPP_
