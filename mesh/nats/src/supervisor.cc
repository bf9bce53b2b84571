#include "supervisor.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

extern char** environ;

namespace tower::mesh::nats {
namespace {

using tower::sdk::Error;
using Clock = std::chrono::steady_clock;

// Forks every nats-server from one thread that lives as long as the
// process. The child asks for SIGKILL when its parent dies
// (PR_SET_PDEATHSIG), and Linux means the forking *thread* by "parent":
// forking from this thread makes it "when this process dies", so a
// nats-server never outlives a towerd killed with SIGKILL, whichever thread
// started or restarted it.
class Spawner {
 public:
  static Spawner& Get() {
    static Spawner* s = new Spawner();  // never destroyed: its thread runs until exit
    return *s;
  }
  // Runs binary with argv, stdin from /dev/null, stdout and stderr to
  // log_fd, in its own process group with default signals. 0 or an errno
  // (of fork, or of the exec in the child).
  int Spawn(const std::string& binary, const std::vector<std::string>& argv, int log_fd,
            pid_t* pid) {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return !busy_; });
    busy_ = true;
    int rc = 0;
    bool done = false;
    job_ = [&] {
      rc = Fork(binary, argv, log_fd, pid);
      done = true;
    };
    work_.notify_one();
    finished_.wait(lock, [&] { return done; });
    busy_ = false;
    idle_.notify_one();
    return rc;
  }

 private:
  Spawner() {
    std::thread([this] {
      std::unique_lock lock(mu_);
      for (;;) {
        work_.wait(lock, [&] { return static_cast<bool>(job_); });
        auto job = std::move(job_);
        job_ = nullptr;
        job();
        finished_.notify_all();
      }
    }).detach();
  }

  static int Fork(const std::string& binary, const std::vector<std::string>& args, int log_fd,
                  pid_t* pid) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int report[2];  // the exec's errno, if it fails; closed by a successful exec
    if (devnull < 0 || ::pipe2(report, O_CLOEXEC) != 0) {
      int e = errno;
      if (devnull >= 0) ::close(devnull);
      return e;
    }
    pid_t parent = ::getpid();
    pid_t child = ::fork();
    if (child < 0) {
      int e = errno;
      ::close(devnull);
      ::close(report[0]);
      ::close(report[1]);
      return e;
    }
    if (child == 0) {  // only async-signal-safe calls from here on
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died already
      ::setpgid(0, 0);
      struct sigaction dfl {};
      dfl.sa_handler = SIG_DFL;
      for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
      sigset_t none;
      sigemptyset(&none);
      ::sigprocmask(SIG_SETMASK, &none, nullptr);
      ::dup2(devnull, 0);
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
      int keep = report[1] > 2 ? report[1] : ::dup(report[1]);
      for (int fd = 3; fd < 65536; ++fd) {
        if (fd != keep) ::close(fd);
      }
      ::fcntl(keep, F_SETFD, FD_CLOEXEC);
      ::execve(binary.c_str(), argv.data(), environ);
      int e = errno;
      ssize_t w = ::write(keep, &e, sizeof(e));
      (void)w;
      ::_exit(127);
    }
    ::close(devnull);
    ::close(report[1]);
    int e = 0;
    ssize_t n;
    do {
      n = ::read(report[0], &e, sizeof(e));
    } while (n < 0 && errno == EINTR);
    ::close(report[0]);
    if (n == static_cast<ssize_t>(sizeof(e))) {
      ::waitpid(child, nullptr, 0);  // the exec failed: reap the child
      return e;
    }
    *pid = child;
    return 0;
  }

  std::mutex mu_;
  std::condition_variable work_, finished_, idle_;
  std::function<void()> job_;
  bool busy_ = false;
};

constexpr std::chrono::milliseconds kProbeTimeout{500};
constexpr std::chrono::milliseconds kProbeInterval{20};       // For the first second...
constexpr std::chrono::milliseconds kSlowProbeInterval{100};  // ...then this.
constexpr std::chrono::milliseconds kFastProbePeriod{1000};
constexpr std::chrono::seconds kStableRun{10};
constexpr size_t kErrorLogLines = 12;

std::string Errno(int err) { return std::strerror(err); }

std::string DialHost(const std::string& host) {
  if (host.empty() || host == "0.0.0.0") return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

std::string Url(const std::string& scheme, const std::string& host, int port) {
  std::string h = DialHost(host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return scheme + "://" + h + ":" + std::to_string(port);
}

// ---------------------------------------------------------------------------
// Minimal JSON reading: enough to pick a string member out of an object.

void SkipWs(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool ParseHex4(std::string_view s, size_t i, uint32_t* out) {
  if (i + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) {
    char c = s[i + k];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  *out = v;
  return true;
}

// Parses the JSON string starting at s[i] == '"'; leaves i after it.
bool ParseJsonString(std::string_view s, size_t& i, std::string* out) {
  if (i >= s.size() || s[i] != '"') return false;
  ++i;
  std::string value;
  while (i < s.size()) {
    char c = s[i++];
    if (c == '"') {
      if (out) *out = std::move(value);
      return true;
    }
    if (c != '\\') {
      value += c;
      continue;
    }
    if (i >= s.size()) return false;
    char e = s[i++];
    switch (e) {
      case '"': value += '"'; break;
      case '\\': value += '\\'; break;
      case '/': value += '/'; break;
      case 'b': value += '\b'; break;
      case 'f': value += '\f'; break;
      case 'n': value += '\n'; break;
      case 'r': value += '\r'; break;
      case 't': value += '\t'; break;
      case 'u': {
        uint32_t cp = 0;
        if (!ParseHex4(s, i, &cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
          uint32_t lo = 0;
          if (ParseHex4(s, i + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        AppendUtf8(value, cp);
        break;
      }
      default: return false;
    }
  }
  return false;
}

// Skips one JSON value starting at s[i] (after whitespace).
bool SkipJsonValue(std::string_view s, size_t& i, int depth = 0) {
  if (depth > 64) return false;
  SkipWs(s, i);
  if (i >= s.size()) return false;
  char c = s[i];
  if (c == '"') return ParseJsonString(s, i, nullptr);
  if (c == '{' || c == '[') {
    char close = c == '{' ? '}' : ']';
    ++i;
    SkipWs(s, i);
    if (i < s.size() && s[i] == close) {
      ++i;
      return true;
    }
    while (true) {
      if (c == '{') {
        SkipWs(s, i);
        if (!ParseJsonString(s, i, nullptr)) return false;
        SkipWs(s, i);
        if (i >= s.size() || s[i] != ':') return false;
        ++i;
      }
      if (!SkipJsonValue(s, i, depth + 1)) return false;
      SkipWs(s, i);
      if (i >= s.size()) return false;
      if (s[i] == ',') {
        ++i;
        continue;
      }
      if (s[i] == close) {
        ++i;
        return true;
      }
      return false;
    }
  }
  size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\n' &&
         s[i] != '\r' && s[i] != '\t') {
    ++i;
  }
  return i > start;
}

// The raw text of member `key` of the JSON object `json`, if present.
std::optional<std::string_view> JsonMember(std::string_view json, std::string_view key) {
  size_t i = 0;
  SkipWs(json, i);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  ++i;
  while (true) {
    SkipWs(json, i);
    if (i < json.size() && json[i] == '}') return std::nullopt;
    std::string name;
    if (!ParseJsonString(json, i, &name)) return std::nullopt;
    SkipWs(json, i);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    ++i;
    SkipWs(json, i);
    size_t start = i;
    if (!SkipJsonValue(json, i)) return std::nullopt;
    if (name == key) return json.substr(start, i - start);
    SkipWs(json, i);
    if (i >= json.size() || json[i] != ',') return std::nullopt;
    ++i;
  }
}

// Member `key` of `json` as a string, if it is one.
std::optional<std::string> JsonStringMember(std::string_view json, std::string_view key) {
  std::optional<std::string_view> raw = JsonMember(json, key);
  if (!raw) return std::nullopt;
  size_t i = 0;
  std::string out;
  if (!ParseJsonString(*raw, i, &out)) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------------------
// Sockets.

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

// Connects to host:port before `deadline`; returns the fd or -1 (*why set).
int ConnectTcp(const std::string& host, int port, Clock::time_point deadline, std::string* why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    *why = std::string("resolve ") + host + ": " + gai_strerror(rc);
    return -1;
  }
  int result = -1;
  for (addrinfo* ai = res; ai != nullptr && result < 0; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      *why = "socket: " + Errno(errno);
      continue;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        *why = "connect: " + Errno(errno);
        ::close(fd);
        continue;
      }
      pollfd p{fd, POLLOUT, 0};
      int n = ::poll(&p, 1, RemainingMs(deadline));
      int err = 0;
      socklen_t len = sizeof(err);
      if (n <= 0) {
        *why = "connect: timed out";
        ::close(fd);
        continue;
      }
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        *why = "connect: " + Errno(err);
        ::close(fd);
        continue;
      }
    }
    result = fd;
  }
  ::freeaddrinfo(res);
  return result;
}

// Reads from fd until EOF, `stop_at` appears, or the deadline.
bool ReadUntil(int fd, Clock::time_point deadline, std::string_view stop_at, std::string* out,
               std::string* why) {
  char buf[4096];
  while (true) {
    if (!stop_at.empty() && out->find(stop_at) != std::string::npos) return true;
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = "read: timed out";
      return false;
    }
    ssize_t got = ::recv(fd, buf, sizeof(buf), 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *why = "read: " + Errno(errno);
      return false;
    }
    if (got == 0) return stop_at.empty();
    out->append(buf, static_cast<size_t>(got));
    if (out->size() > (8u << 20)) {
      *why = "read: response too large";
      return false;
    }
  }
}

// A tiny HTTP/1.0 GET; returns the status code (or -1, *why set).
int HttpGet(const std::string& host, int port, const std::string& path, std::string* body,
            std::string* why) {
  Clock::time_point deadline = Clock::now() + kProbeTimeout;
  Fd fd(ConnectTcp(host, port, deadline, why));
  if (fd.get() < 0) return -1;
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, RemainingMs(deadline)) <= 0) {
      *why = "write: timed out";
      return -1;
    }
    ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      *why = "write: " + Errno(errno);
      return -1;
    }
    sent += static_cast<size_t>(n);
  }
  std::string response;
  if (!ReadUntil(fd.get(), deadline, {}, &response, why)) return -1;
  // "HTTP/1.x NNN reason"
  if (response.compare(0, 5, "HTTP/") != 0) {
    *why = "not an HTTP response";
    return -1;
  }
  size_t sp = response.find(' ');
  if (sp == std::string::npos || sp + 4 > response.size()) {
    *why = "bad HTTP status line";
    return -1;
  }
  int status = 0;
  for (size_t k = sp + 1; k < sp + 4; ++k) {
    if (response[k] < '0' || response[k] > '9') {
      *why = "bad HTTP status line";
      return -1;
    }
    status = status * 10 + (response[k] - '0');
  }
  size_t header_end = response.find("\r\n\r\n");
  if (body) *body = header_end == std::string::npos ? "" : response.substr(header_end + 4);
  return status;
}

// Reads the NATS INFO greeting on the client port and returns its server_name.
std::optional<std::string> ClientInfoServerName(const std::string& host, int port,
                                                std::string* why) {
  Clock::time_point deadline = Clock::now() + kProbeTimeout;
  Fd fd(ConnectTcp(host, port, deadline, why));
  if (fd.get() < 0) return std::nullopt;
  std::string line;
  if (!ReadUntil(fd.get(), deadline, "\r\n", &line, why)) return std::nullopt;
  if (line.compare(0, 5, "INFO ") != 0) {
    *why = "no NATS INFO greeting";
    return std::nullopt;
  }
  std::string_view json(line);
  json = json.substr(5, json.find("\r\n") - 5);
  std::optional<std::string> name = JsonStringMember(json, "server_name");
  if (!name) *why = "INFO without server_name";
  return name;
}

std::string DescribeStatus(int code, int status) {
  if (code == CLD_EXITED) return "exit status " + std::to_string(status);
  if (code == CLD_KILLED || code == CLD_DUMPED) {
    return std::string("killed by signal ") + std::to_string(status) + " (" + ::strsignal(status) +
           ")";
  }
  return "stopped";
}

std::string TailOf(const std::string& text, size_t lines) {
  if (lines == 0) return "";
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  size_t pos = end;
  size_t count = 0;
  while (pos > 0) {
    if (text[pos - 1] == '\n' && ++count == lines) break;
    --pos;
  }
  return text.substr(pos, end - pos);
}

// `text` without the "Healthcheck failed" warnings that our probes cause.
std::string DropHealthcheckNoise(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl + 1;
    std::string_view line(text.data() + pos, end - pos);
    if (line.find("Healthcheck failed") == std::string_view::npos) out.append(line);
    pos = end;
  }
  return out;
}

// The file's content from `offset` (at most the last 256 KiB).
std::string ReadFileFrom(const std::string& path, off_t offset) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return "";
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return "";
  off_t start = std::max<off_t>(offset, st.st_size - (256 << 10));
  if (start < 0) start = 0;
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::pread(fd.get(), buf, sizeof(buf), start + static_cast<off_t>(out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Error WriteFile0600(const std::string& path, const std::string& text) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    return Error::Make(TOWER_E_IO_ERROR,
                       "cannot write nats-server config " + path + ": " + Errno(errno));
  }
  if (::fchmod(fd.get(), 0600) != 0) {
    return Error::Make(TOWER_E_IO_ERROR, "cannot chmod 0600 " + path + ": " + Errno(errno));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::Make(TOWER_E_IO_ERROR, "cannot write " + path + ": " + Errno(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Error::Ok();
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

Error FindBinary(const std::string& wanted, std::string* out) {
  std::string name = wanted.empty() ? "nats-server" : wanted;
  if (name.find('/') != std::string::npos) {
    if (IsExecutable(name)) {
      *out = name;
      return Error::Ok();
    }
    return Error::Make(TOWER_E_NOT_FOUND,
                       "nats-server binary not found or not executable: " + name);
  }
  const char* env = std::getenv("PATH");
  std::string path = env ? env : "";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (IsExecutable(candidate)) {
      *out = candidate;
      return Error::Ok();
    }
    start = end + 1;
  }
  if (wanted.empty() && IsExecutable(std::string(Supervisor::kDefaultBinary))) {
    *out = std::string(Supervisor::kDefaultBinary);
    return Error::Ok();
  }
  std::string msg = "nats-server binary \"" + name + "\" not found: searched PATH (" + path + ")";
  if (wanted.empty()) msg += " and " + std::string(Supervisor::kDefaultBinary);
  return Error::Make(TOWER_E_NOT_FOUND, msg);
}

std::string RandomSecret() {
  unsigned char bytes[18];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    ssize_t n = ::getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += static_cast<size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < sizeof(bytes); ++i) {
    unsigned v = i < got ? bytes[i] : static_cast<unsigned>(std::rand());
    out += kHex[(v >> 4) & 15];
    out += kHex[v & 15];
  }
  return out;
}

}  // namespace

Supervisor::Supervisor(NodeConfig config, SupervisorOptions options)
    : config_(std::move(config)), options_(std::move(options)) {}

Supervisor::~Supervisor() {
  Stop();
  if (owns_work_dir_ && !work_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
  }
}

void Supervisor::set_log(LogFn log) {
  std::lock_guard<std::mutex> lock(mu_);
  log_ = std::move(log);
}

void Supervisor::Log(int level, const std::string& message) const {
  LogFn log;
  {
    std::lock_guard<std::mutex> lock(mu_);
    log = log_;
  }
  if (log) log(level, message);
}

Error Supervisor::Prepare() {
  if (prepared_) return Error::Ok();
  NodeConfig config = config_;
  Error e = Validate(config);
  if (!e.ok()) return e;
  e = ResolvePorts(config);
  if (!e.ok()) return e;
  e = Validate(config);
  if (!e.ok()) return e;
  if (config.UsesAccounts() && config.system_password.empty()) {
    config.system_password = RandomSecret();
  }
  std::string binary;
  e = FindBinary(options_.binary, &binary);
  if (!e.ok()) return e;

  std::string dir = options_.work_dir;
  bool owns = false;
  if (dir.empty()) {
    std::string tmpl = "/tmp/tower-nats-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      return Error::Make(TOWER_E_IO_ERROR,
                         "cannot create a work dir under /tmp for nats-server: " + Errno(errno));
    }
    dir = tmpl;
    owns = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Error::Make(TOWER_E_IO_ERROR,
                         "cannot create nats-server work_dir " + dir + ": " + ec.message());
    }
  }
  std::string conf = dir + "/" + config.server_name + ".conf";
  e = WriteFile0600(conf, RenderConfig(config));
  if (!e.ok()) {
    if (owns) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    return e;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    config_ = std::move(config);
    binary_path_ = binary;
    work_dir_ = dir;
    owns_work_dir_ = owns;
  }
  prepared_ = true;
  return Error::Ok();
}

std::string Supervisor::config_path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return work_dir_.empty() ? "" : work_dir_ + "/" + config_.server_name + ".conf";
}

std::string Supervisor::log_path() const {
  std::lock_guard<std::mutex> lock(mu_);
  return work_dir_.empty() ? "" : work_dir_ + "/" + config_.server_name + ".log";
}

Error Supervisor::SpawnLocked(pid_t* pid) {
  std::string log = work_dir_ + "/" + config_.server_name + ".log";
  std::string conf = work_dir_ + "/" + config_.server_name + ".conf";
  Fd log_fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (log_fd.get() < 0) {
    return Error::Make(TOWER_E_IO_ERROR,
                       "cannot open nats-server log " + log + ": " + Errno(errno));
  }
  pid_t child = -1;
  int rc = Spawner::Get().Spawn(binary_path_, {binary_path_, "-c", conf}, log_fd.get(), &child);
  if (rc != 0) {
    return Error::Make(rc == ENOENT ? TOWER_E_NOT_FOUND : TOWER_E_IO_ERROR,
                       "cannot run nats-server binary " + binary_path_ + ": " + Errno(rc));
  }
  pid_ = child;
  *pid = child;
  return Error::Ok();
}

bool Supervisor::StopRequested() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_ || restart_suspended_;
}

Error Supervisor::WaitReady(pid_t pid) {
  const NodeConfig& c = config_;  // Stable after Prepare().
  const std::string http_host = DialHost(c.http_host);
  const std::string client_host = DialHost(c.host);
  const Clock::time_point started = Clock::now();
  const Clock::time_point deadline = started + options_.ready_timeout;
  std::string last = "no answer yet";
  std::string last_logged;
  while (true) {
    siginfo_t info{};
    int rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (rc == 0 && info.si_pid == pid) {
      return Error::Make(TOWER_E_IO_ERROR, "nats-server " + c.server_name + " (pid " +
                                               std::to_string(pid) + ") exited during startup (" +
                                               DescribeStatus(info.si_code, info.si_status) + ")");
    }
    if (StopRequested()) {
      return Error::Make(TOWER_E_ABORTED,
                         "nats-server " + c.server_name + ": start aborted by Stop() or Kill()");
    }
    std::string why;
    std::string body;
    // 1. The monitoring endpoint answers (JetStream, if configured, is enabled).
    const std::string basic = "/healthz?js-enabled-only=true";
    int status = HttpGet(http_host, c.http_port, basic, &body, &why);
    if (status != 200) {
      last = "GET " + basic + " on http port " + std::to_string(c.http_port) + ": " +
             (status < 0 ? why : "HTTP " + std::to_string(status) + " " + TailOf(body, 1));
    } else {
      // 2. The client port is served by this server (the client listener
      //    opens last, and a taken port is caught here).
      std::optional<std::string> name = ClientInfoServerName(client_host, c.port, &why);
      if (!name) {
        last = "client port " + std::to_string(c.port) + ": " + why;
      } else if (*name != c.server_name) {
        last = "client port " + std::to_string(c.port) + " is served by \"" + *name + "\", not " +
               c.server_name;
      } else if (!options_.wait_for_meta_leader) {
        return Error::Ok();
      } else {
        // 3. A meta leader is known (/jsz does not log, unlike a failing
        //    /healthz), then the full health check passes.
        status = HttpGet(http_host, c.http_port, "/jsz", &body, &why);
        std::optional<std::string> leader;
        if (status == 200) {
          std::optional<std::string_view> meta = JsonMember(body, "meta_cluster");
          if (meta) leader = JsonStringMember(*meta, "leader");
        }
        if (status != 200) {
          last = "GET /jsz: " + (status < 0 ? why : "HTTP " + std::to_string(status));
        } else if (!leader || leader->empty()) {
          last = "GET /jsz: no JetStream meta leader yet";
        } else {
          status = HttpGet(http_host, c.http_port, "/healthz", &body, &why);
          if (status == 200) return Error::Ok();
          last = "GET /healthz: " +
                 (status < 0 ? why : "HTTP " + std::to_string(status) + " " + TailOf(body, 1));
        }
      }
    }
    if (last != last_logged) {
      Log(kLogDebug, "nats-server " + c.server_name + " not ready yet: " + last);
      last_logged = last;
    }
    if (Clock::now() >= deadline) {
      return Error::Make(TOWER_E_TIMEOUT, "nats-server " + c.server_name + " not ready within " +
                                              std::to_string(options_.ready_timeout.count()) +
                                              " ms (" + last + ")");
    }
    std::this_thread::sleep_for(Clock::now() - started < kFastProbePeriod ? kProbeInterval
                                                                          : kSlowProbeInterval);
  }
}

Error Supervisor::SpawnAndWait() {
  pid_t pid = -1;
  off_t log_offset = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || restart_suspended_) {
      return Error::Make(TOWER_E_ABORTED, "nats-server " + config_.server_name + ": stopped");
    }
    struct stat st {};
    std::string log = work_dir_ + "/" + config_.server_name + ".log";
    if (::stat(log.c_str(), &st) == 0) log_offset = st.st_size;
    Error e = SpawnLocked(&pid);
    if (!e.ok()) return e;
  }
  Log(kLogInfo, "started nats-server " + config_.server_name + " (pid " + std::to_string(pid) +
                    ", client port " + std::to_string(config_.port) + ")");
  Error e = WaitReady(pid);
  if (e.ok()) return e;
  // Kill and reap the failed child, then attach this run's log.
  {
    std::lock_guard<std::mutex> lock(mu_);
    ::kill(pid, SIGKILL);
  }
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid_ = -1;
    last_status_ = status;
  }
  cv_.notify_all();
  std::string tail =
      TailOf(DropHealthcheckNoise(ReadFileFrom(log_path(), log_offset)), kErrorLogLines);
  if (!tail.empty()) e.message += "; log " + log_path() + ":\n" + tail;
  return e;
}

Error Supervisor::Start() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pid_ > 0) return Error::Ok();
  }
  JoinMonitor();
  Error e = Prepare();
  if (!e.ok()) return e;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
    restart_suspended_ = false;
  }
  e = SpawnAndWait();
  if (!e.ok()) return e;
  monitor_ = std::thread([this] { MonitorLoop(); });
  return Error::Ok();
}

void Supervisor::MonitorLoop() {
  std::chrono::milliseconds backoff = options_.restart_backoff;
  while (true) {
    pid_t pid;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pid = pid_;
    }
    if (pid <= 0) return;
    Clock::time_point started = Clock::now();
    siginfo_t info{};
    while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) != 0 &&
           errno == EINTR) {
    }
    bool restart;
    {
      std::lock_guard<std::mutex> lock(mu_);
      int status = 0;
      ::waitpid(pid, &status, 0);  // Reap under the lock: nobody signals a recycled pid.
      pid_ = -1;
      last_status_ = status;
      restart = !stopping_ && !restart_suspended_ && options_.auto_restart;
    }
    cv_.notify_all();
    if (!restart) return;
    if (Clock::now() - started >= kStableRun) backoff = options_.restart_backoff;
    Log(kLogWarning, "nats-server " + config_.server_name + " (pid " + std::to_string(pid) +
                         ") died (" + DescribeStatus(info.si_code, info.si_status) +
                         "); restarting in " + std::to_string(backoff.count()) + " ms");
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (cv_.wait_for(lock, backoff, [this] { return stopping_ || restart_suspended_; })) {
          return;
        }
      }
      backoff = std::min(backoff * 2, options_.max_restart_backoff);
      Error e = SpawnAndWait();
      if (e.ok()) {
        restart_count_.fetch_add(1);
        Log(kLogInfo, "nats-server " + config_.server_name + " restarted");
        break;
      }
      if (StopRequested()) return;
      Log(kLogError, "restarting nats-server " + config_.server_name + " failed: " + e.message +
                         "; next try in " + std::to_string(backoff.count()) + " ms");
    }
  }
}

void Supervisor::JoinMonitor() {
  if (monitor_.joinable()) monitor_.join();
}

Error Supervisor::Stop() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  Error result = Error::Ok();
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
    if (pid_ > 0) {
      pid_t pid = pid_;
      ::kill(pid, SIGTERM);
      if (!cv_.wait_for(lock, options_.stop_timeout, [this] { return pid_ <= 0; })) {
        if (pid_ > 0) ::kill(pid_, SIGKILL);
        if (!cv_.wait_for(lock, std::chrono::seconds(10), [this] { return pid_ <= 0; })) {
          result = Error::Make(TOWER_E_TIMEOUT, "nats-server " + config_.server_name + " (pid " +
                                                    std::to_string(pid) +
                                                    ") did not exit after SIGKILL");
        }
        lock.unlock();
        Log(kLogWarning, "nats-server " + config_.server_name + " ignored SIGTERM for " +
                             std::to_string(options_.stop_timeout.count()) + " ms; killed");
      }
    }
  }
  if (result.ok()) JoinMonitor();
  return result;
}

void Supervisor::Kill() {
  std::lock_guard<std::mutex> lifecycle(lifecycle_mu_);
  {
    std::unique_lock<std::mutex> lock(mu_);
    restart_suspended_ = true;
    cv_.notify_all();
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      cv_.wait_for(lock, std::chrono::seconds(10), [this] { return pid_ <= 0; });
    }
  }
  JoinMonitor();
}

NodeConfig Supervisor::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

std::string Supervisor::client_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Url("nats", config_.host, config_.port);
}

std::string Supervisor::cluster_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_.HasCluster()) return "";
  return Url("nats", config_.cluster_host, config_.cluster_port);
}

std::string Supervisor::gateway_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (config_.kind != NodeConfig::Kind::kGateway) return "";
  return Url("nats", config_.gateway_host, config_.gateway_port);
}

std::string Supervisor::leaf_url() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_.accept_leafnodes) return "";
  return Url("nats", config_.leaf_host, config_.leaf_port);
}

int Supervisor::http_port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_.http_port;
}

pid_t Supervisor::pid() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_;
}

bool Supervisor::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_ > 0;
}

int Supervisor::restart_count() const { return restart_count_.load(); }

std::string Supervisor::LogTail(size_t lines) const {
  std::string out = TailOf(ReadFileFrom(log_path(), 0), lines);
  std::string server_log;
  {
    std::lock_guard<std::mutex> lock(mu_);
    server_log = config_.log_file;
  }
  if (!server_log.empty()) {
    std::string more = TailOf(ReadFileFrom(server_log, 0), lines);
    if (!more.empty()) out += (out.empty() ? "" : "\n") + more;
  }
  return out;
}

}  // namespace tower::mesh::nats
