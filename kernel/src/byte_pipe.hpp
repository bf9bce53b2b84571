// A bounded byte pipe between two threads, and a streambuf for each end.
// The service uses it to run Db::export_jsonl / import_jsonl (which work on
// streams) in a thread of their own while request handlers move the bytes
// in chunks over the mesh; the bound gives back-pressure both ways.
#ifndef TOWER_KERNEL_BYTE_PIPE_HPP_
#define TOWER_KERNEL_BYTE_PIPE_HPP_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <streambuf>
#include <string>
#include <string_view>

namespace tower {

class BytePipe {
 public:
  explicit BytePipe(size_t capacity) : capacity_(capacity) {}

  // Appends all of `data`, waiting for room; false when the pipe was
  // aborted, or when no room came for `idle` (the pipe is then aborted).
  bool Write(std::string_view data, std::chrono::milliseconds idle) {
    std::unique_lock lock(mu_);
    while (!data.empty()) {
      if (!cv_.wait_for(lock, idle, [&] { return aborted_ || Held() < capacity_; })) {
        timed_out_ = true;
        AbortLocked();
        return false;
      }
      if (aborted_) return false;
      size_t n = std::min(data.size(), capacity_ - Held());
      buf_.append(data.substr(0, n));
      data.remove_prefix(n);
      cv_.notify_all();
    }
    return true;
  }

  // No more writes: a reader sees the end once the buffer is drained.
  void CloseWrite() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }

  // Wakes and fails every waiter, now and later. `timed_out`: because one
  // side waited too long for the other.
  void Abort(bool timed_out = false) {
    std::lock_guard lock(mu_);
    timed_out_ = timed_out_ || timed_out;
    AbortLocked();
  }
  bool timed_out() {
    std::lock_guard lock(mu_);
    return timed_out_;
  }

  enum class Read { kData, kNothingYet, kEnd, kAborted };
  // Takes up to `max` bytes into *out (replacing it), waiting up to `wait`
  // for some to arrive.
  Read Take(size_t max, std::chrono::milliseconds wait, std::string* out) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return aborted_ || closed_ || Held() > 0; });
    out->clear();
    if (aborted_) return Read::kAborted;
    if (Held() == 0) return closed_ ? Read::kEnd : Read::kNothingYet;
    size_t n = std::min(max, Held());
    out->assign(buf_, head_, n);
    head_ += n;
    if (head_ == buf_.size()) {
      buf_.clear();
      head_ = 0;
    } else if (head_ > capacity_) {
      buf_.erase(0, head_);
      head_ = 0;
    }
    cv_.notify_all();
    return Read::kData;
  }

 private:
  size_t Held() const { return buf_.size() - head_; }
  void AbortLocked() {
    aborted_ = true;
    cv_.notify_all();
  }

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buf_;  // bytes [head_, size) are unread
  size_t head_ = 0;
  bool closed_ = false, aborted_ = false, timed_out_ = false;
};

// An ostream's buffer that writes into a pipe (64 KiB at a time).
class PipeWriteBuf : public std::streambuf {
 public:
  PipeWriteBuf(BytePipe& pipe, std::chrono::milliseconds idle) : pipe_(pipe), idle_(idle) {
    setp(buf_, buf_ + sizeof(buf_));
  }
  ~PipeWriteBuf() override { sync(); }

 protected:
  int_type overflow(int_type c) override {
    if (sync() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override {
    std::string_view pending(pbase(), static_cast<size_t>(pptr() - pbase()));
    setp(buf_, buf_ + sizeof(buf_));
    return pending.empty() || pipe_.Write(pending, idle_) ? 0 : -1;
  }

 private:
  BytePipe& pipe_;
  std::chrono::milliseconds idle_;
  char buf_[64 << 10];
};

// An istream's buffer that reads from a pipe; the end of the stream (or an
// abort, or `idle` without data) reads as end of file.
class PipeReadBuf : public std::streambuf {
 public:
  PipeReadBuf(BytePipe& pipe, std::chrono::milliseconds idle) : pipe_(pipe), idle_(idle) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    switch (pipe_.Take(64 << 10, idle_, &chunk_)) {
      case BytePipe::Read::kData:
        setg(chunk_.data(), chunk_.data(), chunk_.data() + chunk_.size());
        return traits_type::to_int_type(*gptr());
      case BytePipe::Read::kNothingYet:
        pipe_.Abort(/*timed_out=*/true);  // the writer went quiet for `idle`
        return traits_type::eof();
      case BytePipe::Read::kEnd:
      case BytePipe::Read::kAborted: return traits_type::eof();
    }
    return traits_type::eof();
  }

 private:
  BytePipe& pipe_;
  std::chrono::milliseconds idle_;
  std::string chunk_;
};

}  // namespace tower

#endif  // TOWER_KERNEL_BYTE_PIPE_HPP_
