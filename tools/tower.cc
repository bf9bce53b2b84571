// tower: Tower's command line.
//
//   tower [OPTIONS] plugins            plugins and the crypto algorithms each offers
//   tower [OPTIONS] commands           every registered command with its arguments
//   tower [OPTIONS] call NAME ARGS...  runs any command by name
//   tower [OPTIONS] set KEY VALUE | get KEY | incr KEY [DELTA] | del KEY
//   tower --server URL health | stats  a towerd's health line and statistics
//   tower [OPTIONS] export FILE | import [--replace] FILE
//                                      the database as JSON Lines (docs/format.md)
//
// Options: --config FILE | --path DIR [--backend NAME] | --memory opens a
// database directly; --server nats://HOST:PORT [--database NAME] talks to a
// towerd instead, with the same commands. --plugin-path DIR (repeatable),
// --json. Arguments are typed as in tower/value_text.hpp ("int:5",
// "bin:0xff", plain text = a string); plain text given where the command's
// usage declares a type ("DELTA:int") is read as that type.
//
// Exit codes: 0 ok, 1 operation error (message on stderr), 2 usage error
// (unknown command, wrong argument count, badly typed argument).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <editline/readline.h>
#include <unistd.h>

#include "tower/crypto.hpp"
#include "tower/db.hpp"
#include "tower/mesh.hpp"
#include "tower/options.hpp"
#include "tower/plugin.hpp"
#include "tower/service.hpp"
#include "tower/value_text.hpp"
#include "tower/wire.hpp"

namespace {

constexpr char kUsage[] =
    "usage: tower [OPTIONS] COMMAND [ARGS...]\n"
    "commands:\n"
    "  plugins             list plugins and the crypto algorithms each provider offers\n"
    "  commands            list every command with its arguments\n"
    "  call NAME ARGS...   run a command by name, e.g. tower call int.add counter 5\n"
    "  set KEY VALUE       store VALUE (its type from a prefix: int:5, float:1.5, ...)\n"
    "  get KEY             the value of KEY, whatever its type\n"
    "  incr KEY [DELTA]    add DELTA (default 1) to an int; returns the new value\n"
    "  del KEY             delete KEY (any type)\n"
    "  health              a towerd's health line (--server)\n"
    "  stats               statistics: the backend's, or a towerd's (--server)\n"
    "  backup DIR          write a consistent copy of the database into DIR (new)\n"
    "  restore BACKUP      recreate the --path database (which must not exist) from BACKUP\n"
    "  export FILE         write every key (any type, with expiry and items) to FILE as\n"
    "                      JSON Lines; FILE - is standard output\n"
    "  import FILE         read an export into the database; --replace overwrites keys\n"
    "                      that exist (else they are an error); FILE - is standard input\n"
    "  shell               an interactive shell: these commands, history, completion\n"
    "  bench [N]           a short workload (N sets, gets and increments): ops/s, latencies\n"
    "options:\n"
    "  --config FILE       open the database a TOML config describes\n"
    "  --path DIR          open or create the database in DIR\n"
    "  --backend NAME      backend for a new database at --path (default rocksdb)\n"
    "  --memory            a throw-away in-memory database (the default)\n"
    "  --server URL        talk to a towerd at nats://HOST:PORT instead\n"
    "  --database NAME     the towerd database (default \"default\")\n"
    "  --plugin-path DIR   search DIR for plugins first (repeatable)\n"
    "  --json              print results as JSON\n"
    "  --replace           import: overwrite keys that already exist\n"
    "arguments: int:5 float:1.5 bool:true bin:0x00ff ts:RFC3339 dur:1h30m uuid:... bigint:...\n"
    "  dec:19.99 time:RFC3339 str:TEXT null; plain text is a string, or the type the\n"
    "  command declares for that position.\n";

int Usage(const std::string& why) {
  std::fprintf(stderr, "tower: %s\n%s", why.c_str(), kUsage);
  return 2;
}

int Fail(const tower::Status& s) {
  std::fprintf(stderr, "tower: %s\n", s.ToString().c_str());
  return 1;
}

int Plugins(const tower::Options& o) {
  tower::PluginManager pm(o.plugin_paths);
  std::printf("%-9s %-12s %-9s %-5s %s\n", "KIND", "NAME", "VERSION", "ABI", "DESCRIPTION");
  for (const auto& name : pm.Available()) {
    auto p = pm.Load(name);
    if (!p.ok()) {
      std::printf("%-9s %-12s %-9s %-5s %s\n", "?", name.c_str(), "-", "-",
                  ("cannot load: " + p.status().ToString()).c_str());
      continue;
    }
    const tower::PluginInfo& i = (*p)->info();
    std::string abi = std::to_string(i.abi_major) + "." + std::to_string(i.abi_minor);
    std::printf("%-9s %-12s %-9s %-5s %s\n", tower::PluginKindName(i.kind), i.name.c_str(),
                i.version.c_str(), abi.c_str(), i.description.c_str());
  }
  auto crypto = tower::CryptoRegistry::Load(pm, o.crypto_providers, o.crypto_pins);
  if (!crypto.ok()) return Fail(crypto.status());
  std::printf("\n%-9s %-20s %-10s %s\n", "FAMILY", "ALGORITHM", "PROVIDER", "OFFERED BY");
  for (const auto& a : (*crypto)->algorithms()) {
    std::string by;
    for (const auto& p : a.offered_by) by += (by.empty() ? "" : ", ") + p;
    std::printf("%-9s %-20s %-10s %s%s\n", tower::CryptoFamilyName(a.family), a.name.c_str(),
                a.provider.c_str(), by.c_str(), a.pinned ? " (pinned)" : "");
  }
  return 0;
}

// One parameter of a command's usage text ("DELTA:int", "[SALT:int]",
// "ITEM..."): the type plain text is read as ("" = any) and whether it
// repeats.
struct Param {
  std::string type;
  bool repeats = false;
};

std::vector<Param> ParseUsage(const std::string& usage) {
  std::vector<Param> out;
  size_t i = 0;
  while (i < usage.size()) {
    size_t j = usage.find(' ', i);
    std::string tok = usage.substr(i, j == std::string::npos ? std::string::npos : j - i);
    i = j == std::string::npos ? usage.size() : j + 1;
    std::erase_if(tok, [](char c) { return c == '[' || c == ']'; });
    Param p;
    if (tok.size() > 3 && tok.compare(tok.size() - 3, 3, "...") == 0) {
      p.repeats = true;
      tok.resize(tok.size() - 3);
    }
    if (auto colon = tok.find(':'); colon != std::string::npos) p.type = tok.substr(colon + 1);
    if (!tok.empty()) out.push_back(p);
  }
  return out;
}

// The typed-argument prefix for a usage type name ("" for none).
std::string PrefixFor(const std::string& type) {
  static const std::pair<const char*, const char*> kMap[] = {
      {"string", "str:"},    {"int", "int:"},      {"float", "float:"},  {"bool", "bool:"},
      {"binary", "bin:"},    {"timestamp", "ts:"}, {"duration", "dur:"}, {"uuid", "uuid:"},
      {"bigint", "bigint:"}, {"decimal", "dec:"},  {"time", "time:"}};
  for (const auto& [name, prefix] : kMap) {
    if (type == name) return prefix;
  }
  return "";
}

bool HasTypePrefix(const std::string& arg) {
  static const char* const kPrefixes[] = {"str:", "int:",  "float:",  "bool:", "bin:", "ts:",
                                          "dur:", "uuid:", "bigint:", "dec:",  "time:"};
  if (arg == "null") return true;
  for (const char* p : kPrefixes) {
    if (arg.rfind(p, 0) == 0) return true;
  }
  return false;
}

// Reads one argument: explicitly typed ("int:5") as written; plain text as
// the first of the declared types ("bigint|int") it parses as, else as a
// string when the position takes any value.
tower::Result<tower::Value> ParseTyped(const std::string& arg, const std::string& declared) {
  if (declared.empty() || HasTypePrefix(arg)) return tower::ParseValueArg(arg);
  tower::Status first;
  size_t start = 0;
  while (start <= declared.size()) {
    size_t bar = declared.find('|', start);
    std::string type = declared.substr(start, bar == std::string::npos ? bar : bar - start);
    start = bar == std::string::npos ? declared.size() + 1 : bar + 1;
    std::string prefix = PrefixFor(type);
    if (prefix.empty()) return tower::Value(arg);  // a type without a text form: a string
    auto v = tower::ParseValueArg(prefix + arg);
    if (v.ok()) return v;
    if (first.ok()) first = v.status();
  }
  return first;
}

int CallUsage(const tower::CommandInfo& c, const std::string& why) {
  std::fprintf(stderr, "tower: %s\nusage: tower call %s %s\n  %s\n", why.c_str(), c.name.c_str(),
               c.usage.c_str(), c.summary.c_str());
  return 2;
}

// Where commands run: a database opened here, or a towerd over the mesh.
struct Target {
  std::vector<tower::CommandInfo> commands;
  std::function<tower::Result<tower::Value>(const std::string&, std::span<const tower::Value>)>
      call;
};

int Commands(const Target& t, bool json) {
  for (const auto& c : t.commands) {
    if (json) {
      std::printf("{\"name\":%s,\"usage\":%s,\"summary\":%s,\"plugin\":%s,\"read_only\":%s}\n",
                  tower::JsonQuote(c.name).c_str(), tower::JsonQuote(c.usage).c_str(),
                  tower::JsonQuote(c.summary).c_str(), tower::JsonQuote(c.plugin).c_str(),
                  c.read_only ? "true" : "false");
    } else {
      std::printf("%-28s %-40s %s\n", c.name.c_str(), c.usage.c_str(), c.summary.c_str());
    }
  }
  return 0;
}

int Print(const tower::Result<tower::Value>& r, bool json) {
  if (!r.ok()) return Fail(r.status());
  if (json) {
    std::printf("%s\n", tower::ValueToJson(*r).c_str());
  } else {
    std::printf("%s\n", r->is_null() ? "OK" : r->ToString().c_str());
  }
  return 0;
}

int Call(const Target& t, const std::vector<std::string>& args, bool json) {
  if (args.empty()) return Usage("call needs a command name (see tower commands)");
  const std::string& name = args[0];
  std::optional<tower::CommandInfo> info;
  std::vector<std::string> similar;
  for (auto& c : t.commands) {
    if (c.name == name) info = c;
    auto dot = name.find('.');
    if (dot != std::string::npos && c.name.rfind(name.substr(0, dot + 1), 0) == 0)
      similar.push_back(c.name);
  }
  if (!info) {
    std::string hint;
    for (const auto& n : similar) hint += (hint.empty() ? "" : " ") + n;
    return Usage(
        "unknown command '" + name + "'" +
        (hint.empty() ? " (tower commands lists them)" : "; did you mean one of: " + hint));
  }
  const int32_t n = static_cast<int32_t>(args.size()) - 1;
  if (n < info->min_args || (info->max_args >= 0 && n > info->max_args)) {
    std::string want = std::to_string(info->min_args);
    if (info->max_args != info->min_args)
      want += info->max_args < 0 ? " or more" : " to " + std::to_string(info->max_args);
    return CallUsage(*info, name + " takes " + want + " arguments, got " + std::to_string(n));
  }
  std::vector<Param> params = ParseUsage(info->usage);
  std::vector<tower::Value> values;
  for (int32_t i = 0; i < n; ++i) {
    std::string arg = args[static_cast<size_t>(i) + 1];
    const Param* p = nullptr;
    if (static_cast<size_t>(i) < params.size()) {
      p = &params[static_cast<size_t>(i)];
    } else if (!params.empty() && params.back().repeats) {
      p = &params.back();
    }
    auto v = ParseTyped(arg, p ? p->type : "");
    if (!v.ok()) return CallUsage(*info, v.status().message());
    values.push_back(std::move(*v));
  }
  return Print(t.call(name, values), json);
}

// The friendly forms, as the commands they stand for.
int Friendly(const Target& t, const std::string& command, const std::vector<std::string>& args,
             bool json) {
  auto need = [&](size_t lo, size_t hi, const char* usage) {
    return args.size() >= lo && args.size() <= hi
               ? 0
               : Usage(command + " takes " + usage + ", got " + std::to_string(args.size()) +
                       " arguments");
  };
  if (command == "set") {
    if (int rc = need(2, 2, "KEY VALUE")) return rc;
    auto v = tower::ParseValueArg(args[1]);
    if (!v.ok()) return Usage(v.status().message());
    static const char* const kSetters[] = {"",     "string", "int",       "float",
                                           "bool", "binary", "timestamp", "duration",
                                           "uuid", "bigint", "decimal",   "time"};
    auto type = static_cast<size_t>(v->type());
    if (type == 0 || type >= std::size(kSetters)) return Usage("set needs a value, not " + args[1]);
    return Call(t, {std::string(kSetters[type]) + ".set", args[0], args[1]}, json);
  }
  if (command == "get") {
    if (int rc = need(1, 1, "KEY")) return rc;
    tower::Value key(args[0]);
    auto type = t.call("key.type", std::span<const tower::Value>(&key, 1));
    if (!type.ok()) return Fail(type.status());
    std::string getter = type->ToString() + ".get";
    bool known = false;
    for (const auto& c : t.commands) known = known || c.name == getter;
    if (!known) {
      return Fail(tower::Status::NotSupported(
          "key '" + args[0] + "' holds a " + type->ToString() +
          " value, which has no plain get (tower commands lists its commands)"));
    }
    return Print(t.call(getter, std::span<const tower::Value>(&key, 1)), json);
  }
  if (command == "incr") {
    if (int rc = need(1, 2, "KEY [DELTA]")) return rc;
    if (args.size() == 1) return Call(t, {"int.inc", args[0]}, json);
    return Call(t, {"int.add", args[0], args[1]}, json);
  }
  if (command != "del") return Usage("unknown command '" + command + "'");
  if (int rc = need(1, 1, "KEY")) return rc;
  return Call(t, {"key.delete", args[0]}, json);
}

// A short built-in workload through the target: N string sets over 1000
// keys, N gets of them, N increments of one counter (keys under
// "tower-bench:"). Prints ops/s and the median and 99th percentile latency.
int Bench(const Target& t, const std::vector<std::string>& args, bool json) {
  size_t n = 5000;
  if (!args.empty()) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(args[0].c_str(), &end, 10);
    if (args.size() > 1 || *end != '\0' || v == 0 || v > 100000000)
      return Usage("bench takes one count, 1..100000000");
    n = static_cast<size_t>(v);
  }
  const std::string value(64, 'v');
  const tower::Value counter("tower-bench:counter");
  auto one = [&](const char* name, auto&& make_args) -> int {
    std::vector<double> us;
    us.reserve(n);
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < n; ++i) {
      std::vector<tower::Value> a = make_args(i);
      auto t0 = std::chrono::steady_clock::now();
      auto r = t.call(name, a);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
      if (!r.ok()) return Fail(r.status());
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(us.begin(), us.end());
    double p50 = us[us.size() / 2], p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    if (json) {
      std::printf(
          "{\"command\":\"%s\",\"ops\":%zu,\"ops_per_s\":%.0f,\"p50_us\":%.1f,"
          "\"p99_us\":%.1f}\n",
          name, n, n / secs, p50, p99);
    } else {
      std::printf("%-12s %8zu ops  %10.0f ops/s  p50 %8.1f us  p99 %8.1f us\n", name, n, n / secs,
                  p50, p99);
    }
    return 0;
  };
  auto key = [](size_t i) { return tower::Value("tower-bench:" + std::to_string(i % 1000)); };
  if (int rc = one("string.set", [&](size_t i) {
        return std::vector{key(i), tower::Value(value)};
      }))
    return rc;
  if (int rc = one("string.get", [&](size_t i) { return std::vector{key(i)}; })) return rc;
  auto r = t.call("int.set", std::vector{counter, tower::Value(int64_t{0})});
  if (!r.ok()) return Fail(r.status());
  return one("int.inc", [&](size_t) { return std::vector{counter}; });
}

int Run(const Target& t, const std::string& command, const std::vector<std::string>& args,
        bool json) {
  if (command == "bench") return Bench(t, args, json);
  if (command == "commands") return Commands(t, json);
  if (command == "call") return Call(t, args, json);
  return Friendly(t, command, args, json);
}

// Splits a shell line into words: white space separates, '...' and "..."
// quote (a backslash escapes the next character inside "..." and outside).
bool SplitWords(const std::string& line, std::vector<std::string>* words) {
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        cur += line[++i];
      } else {
        cur += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words->push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) words->push_back(std::move(cur));
  return quote == 0;
}

// Completion candidates: the shell's words first, then command names.
std::vector<std::string>& CompletionWords() {
  static std::vector<std::string> words;
  return words;
}

char* CompleteWord(const char* text, int state) {
  static size_t next = 0;
  if (state == 0) next = 0;
  const auto& words = CompletionWords();
  size_t len = std::strlen(text);
  while (next < words.size()) {
    const std::string& w = words[next++];
    if (w.compare(0, len, text) == 0) return strdup(w.c_str());
  }
  return nullptr;
}

char** Complete(const char* text, int start, int) {
  // Complete command names at the start of a line and after "call".
  std::string before(rl_line_buffer, static_cast<size_t>(start));
  std::vector<std::string> words;
  SplitWords(before, &words);
  if (words.empty() || (words.size() == 1 && words[0] == "call"))
    return rl_completion_matches(text, CompleteWord);
  return nullptr;
}

// An interactive shell: the same commands, one per line, with history
// (~/.tower_history) and completion of command names.
int Shell(const Target& t, bool json) {
  auto& words = CompletionWords();
  for (const char* w : {"commands", "call", "set", "get", "incr", "del", "help", "quit"})
    words.emplace_back(w);
  for (const auto& c : t.commands) words.push_back(c.name);
  rl_attempted_completion_function = Complete;
  const char* home = std::getenv("HOME");
  std::string history = home != nullptr ? std::string(home) + "/.tower_history" : "";
  if (!history.empty()) read_history(history.c_str());
  bool interactive = isatty(0);
  int last = 0;
  while (char* raw = readline(interactive ? "tower> " : "")) {
    std::string line(raw);
    std::free(raw);
    std::vector<std::string> argv;
    if (!SplitWords(line, &argv)) {
      std::fprintf(stderr, "tower: unterminated quote\n");
      last = 2;
      continue;
    }
    if (argv.empty()) continue;
    add_history(line.c_str());
    if (argv[0] == "quit" || argv[0] == "exit") break;
    if (argv[0] == "help") {
      std::printf("%s", kUsage);
      continue;
    }
    std::string command = argv[0];
    argv.erase(argv.begin());
    static const char* const kShellCommands[] = {"commands", "call", "set", "get", "incr", "del"};
    if (std::find(std::begin(kShellCommands), std::end(kShellCommands), command) ==
        std::end(kShellCommands)) {
      last = Usage("unknown command '" + command + "' (help lists them)");
      continue;
    }
    last = Run(t, command, argv, json);
    std::fflush(stdout);
  }
  if (!history.empty()) write_history(history.c_str());
  return last;
}

// A progress bar on standard error, drawn only when it is a terminal and at
// most ten times a second; Done() clears it.
class ProgressBar {
 public:
  explicit ProgressBar(std::string what) : what_(std::move(what)), tty_(isatty(2) != 0) {}
  void Update(uint64_t done, uint64_t total) {
    if (!tty_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    if (total == 0) {
      std::fprintf(stderr, "\r%s %.1f MiB", what_.c_str(), static_cast<double>(done) / (1 << 20));
    } else {
      double f = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
      int filled = static_cast<int>(f * 30);
      std::fprintf(stderr, "\r%s [%s%s] %3.0f%%", what_.c_str(), std::string(filled, '#').c_str(),
                   std::string(30 - filled, '.').c_str(), f * 100);
    }
    std::fflush(stderr);
  }
  void Done() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::string what_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// tower export FILE: every key of the database (a tower::Db or a
// tower::RemoteDb) as JSON Lines.
template <class D>
int Export(D& db, const std::string& file, bool json) {
  std::ofstream f;
  std::ostream* out = &std::cout;
  if (file != "-") {
    f.open(file, std::ios::binary | std::ios::trunc);
    if (!f) {
      return Fail(
          tower::Status::IOError("export: cannot write '" + file + "': " + std::strerror(errno)));
    }
    out = &f;
  }
  ProgressBar bar("export");
  auto r = db.export_jsonl(*out, [&](uint64_t done, uint64_t total) { bar.Update(done, total); });
  bar.Done();
  if (!r.ok()) return Fail(r.status());
  if (file == "-") return 0;
  f.close();
  if (!f) return Fail(tower::Status::IOError("export: writing '" + file + "' failed"));
  if (json) {
    std::printf("{\"keys\":%llu,\"items\":%llu}\n", static_cast<unsigned long long>(r->keys),
                static_cast<unsigned long long>(r->items));
  } else {
    std::printf("exported %llu keys (%llu collection items) to %s\n",
                static_cast<unsigned long long>(r->keys), static_cast<unsigned long long>(r->items),
                file.c_str());
  }
  return 0;
}

// tower import FILE: reads an export into the database (local or remote).
template <class D>
int Import(D& db, const std::string& file, bool replace, bool json) {
  std::ifstream f;
  std::istream* in = &std::cin;
  tower::Db::ImportOptions options;
  options.replace = replace;
  if (file != "-") {
    f.open(file, std::ios::binary);
    if (!f) {
      return Fail(
          tower::Status::IOError("import: cannot read '" + file + "': " + std::strerror(errno)));
    }
    in = &f;
    std::error_code ec;
    options.total_bytes = std::filesystem::file_size(file, ec);
    if (ec) options.total_bytes = 0;
  }
  ProgressBar bar("import");
  options.progress = [&](uint64_t done, uint64_t total) { bar.Update(done, total); };
  auto r = db.import_jsonl(*in, options);
  bar.Done();
  if (!r.ok()) return Fail(r.status());
  if (json) {
    std::printf("{\"keys\":%llu,\"items\":%llu,\"expired\":%llu}\n",
                static_cast<unsigned long long>(r->keys), static_cast<unsigned long long>(r->items),
                static_cast<unsigned long long>(r->expired));
  } else {
    std::printf("imported %llu keys (%llu collection items)",
                static_cast<unsigned long long>(r->keys),
                static_cast<unsigned long long>(r->items));
    if (r->expired)
      std::printf("; skipped %llu that had expired", static_cast<unsigned long long>(r->expired));
    std::printf("\n");
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  tower::Options o = tower::Options::InMemory("memory");
  std::vector<std::filesystem::path> extra_paths;
  std::string command;
  std::vector<std::string> rest;
  bool json = false, have_config = false, replace = false;
  std::string path, backend, server, database = "default";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!command.empty() && command == "call") {
      rest.push_back(a);  // everything after "call" belongs to the command
      continue;
    }
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return 0;
    }
    bool takes_value = a == "--config" || a == "--plugin-path" || a == "--path" ||
                       a == "--backend" || a == "--server" || a == "--database";
    if (takes_value && i + 1 >= args.size()) return Usage(a + " needs a value");
    if (a == "--config") {
      auto c = tower::Options::FromTomlFile(args[++i]);
      if (!c.ok()) return Fail(c.status());
      o = *c;
      have_config = true;
    } else if (a == "--plugin-path") {
      extra_paths.emplace_back(args[++i]);
    } else if (a == "--path") {
      path = args[++i];
    } else if (a == "--backend") {
      backend = args[++i];
    } else if (a == "--server") {
      server = args[++i];
    } else if (a == "--database") {
      database = args[++i];
    } else if (a == "--memory") {
      path.clear();
    } else if (a == "--json") {
      json = true;
    } else if (a == "--replace") {
      replace = true;
    } else if (a.rfind("--", 0) == 0) {
      return Usage("unknown option '" + a + "'");
    } else if (command.empty()) {
      command = a;
    } else {
      rest.push_back(a);
    }
  }
  if (command.empty()) return Usage("no command given");
  if (have_config && !path.empty()) return Usage("--config and --path exclude each other");
  if (!path.empty()) {
    o = tower::Options::OnDisk(path, backend.empty() ? "rocksdb" : backend);
    // An existing database names its backend in its manifest.
    if (backend.empty() && std::filesystem::exists(std::filesystem::path(path) / "TOWER"))
      o.backend.clear();
  } else if (!backend.empty()) {
    o.backend = backend;
  }
  o.plugin_paths.insert(o.plugin_paths.begin(), extra_paths.begin(), extra_paths.end());
  if (command == "plugins") {
    if (!rest.empty()) return Usage("plugins takes no arguments");
    return Plugins(o);
  }
  static const char* const kCommands[] = {"commands", "call",   "set",    "get",   "incr",
                                          "del",      "health", "stats",  "shell", "backup",
                                          "restore",  "bench",  "export", "import"};
  if (std::find(std::begin(kCommands), std::end(kCommands), command) == std::end(kCommands))
    return Usage("unknown command '" + command + "'");
  if ((command == "commands" || command == "health" || command == "stats" || command == "shell") &&
      !rest.empty())
    return Usage(command + " takes no arguments");
  if (!server.empty() && (have_config || !path.empty()))
    return Usage("--server excludes --config and --path");
  if (server.empty() && command == "health") return Usage("health asks a towerd: give --server");
  if (command == "backup" || command == "restore") {
    if (!server.empty()) return Usage(command + " works on a local database (--path or --config)");
    if (rest.size() != 1) return Usage(command + " takes one directory");
  }
  if ((command == "export" || command == "import") && rest.size() != 1)
    return Usage(command + " takes one file (- for standard " +
                 (command == "export" ? "output)" : "input)"));
  if (replace && command != "import") return Usage("--replace is an import option");
  if (command == "restore") {
    // The backup is opened read-only and copied (consistently) into --path.
    if (path.empty()) return Usage("restore needs --path for the database to create");
    if (std::filesystem::exists(path))
      return Fail(tower::Status::AlreadyExists("restore: '" + path + "' already exists"));
    tower::Options from = tower::Options::OnDisk(rest[0], "");
    from.read_only = true;
    from.create_if_missing = false;
    from.plugin_paths = o.plugin_paths;
    auto backup = tower::Db::open(from);
    if (!backup.ok()) return Fail(backup.status().WithContext("restore: open backup " + rest[0]));
    tower::Status s = (*backup)->checkpoint(path);
    if (!s.ok()) return Fail(s);
    std::printf("restored %s into %s\n", rest[0].c_str(), path.c_str());
    return 0;
  }

  Target target;
  std::unique_ptr<tower::Db> db;
  std::unique_ptr<tower::PluginManager> plugins;
  std::shared_ptr<tower::mesh::Mesh> mesh;
  std::unique_ptr<tower::mesh::Client> client;
  std::unique_ptr<tower::RemoteDb> remote;
  if (server.empty()) {
    auto opened = tower::Db::open(o);
    if (!opened.ok()) return Fail(opened.status());
    db = std::move(*opened);
    if (command == "backup") {
      tower::Status s = db->checkpoint(rest[0]);
      if (!s.ok()) return Fail(s);
      std::printf("backed up into %s\n", rest[0].c_str());
      return 0;
    }
    if (command == "export") return Export(*db, rest[0], json);
    if (command == "import") return Import(*db, rest[0], replace, json);
    if (command == "stats") {
      auto st = db->stats();
      if (!st.ok()) return Fail(st.status());
      std::printf("%s\n", st->c_str());
      return 0;
    }
    target.commands = db->commands();
    target.call = [&](const std::string& name, std::span<const tower::Value> a) {
      return db->call(name, a);
    };
  } else {
    tower::Status s = tower::wire::CheckDatabaseName(database);
    if (!s.ok()) return Usage(s.message());
    plugins = std::make_unique<tower::PluginManager>(o.plugin_paths);
    auto m = tower::mesh::Mesh::Load(*plugins);
    if (!m.ok()) return Fail(m.status());
    mesh = *m;
    auto c = mesh->connect(tower::mesh::ClientOptions().with_servers({server}));
    if (!c.ok()) return Fail(c.status());
    client = std::move(*c);
    remote = std::make_unique<tower::RemoteDb>(*client, database);
    if (command == "health" || command == "stats") {
      auto text = command == "health" ? remote->health() : remote->stats();
      if (!text.ok()) return Fail(text.status());
      std::printf("%s\n", text->c_str());
      return 0;
    }
    if (command == "export") return Export(*remote, rest[0], json);
    if (command == "import") return Import(*remote, rest[0], replace, json);
    auto cmds = remote->commands();
    if (!cmds.ok()) return Fail(cmds.status());
    target.commands = std::move(*cmds);
    target.call = [&](const std::string& name, std::span<const tower::Value> a) {
      return remote->call(name, a);
    };
  }
  if (command == "shell") return Shell(target, json);
  return Run(target, command, rest, json);
}
