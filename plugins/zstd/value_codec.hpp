// The stored form of a value in the "zstd" backend, and the zstd contexts
// used to make and read it.
//
// Format: one header byte, then the payload.
//   0x00  raw: the original bytes follow.
//   0x01  zstd: exactly one zstd frame follows, which records its content
//         size (ZSTD_compressCCtx always writes it).
// A value is compressed only when it is at least `min_size` bytes, at most
// kMaxValueSize, and the frame is shorter than the value; otherwise it is
// stored raw. Keys are never touched.
//
// Reading refuses, with TOWER_E_CORRUPTION naming the key: an empty stored
// value, an unknown header byte, a frame that is not zstd, does not record
// its size, claims more than kMaxValueSize bytes (a decompression bomb is
// refused before anything is allocated), is truncated, is followed by other
// bytes, or does not decompress to the size it claims.
//
// ZSTD_CCtx/ZSTD_DCtx are expensive to create (the compression context of
// level 3 allocates about 1 MiB on first use), so each Codec keeps a small
// pool of idle ones; a call borrows one and gives it back.
#ifndef TOWER_ZSTD_VALUE_CODEC_HPP_
#define TOWER_ZSTD_VALUE_CODEC_HPP_

#include <zstd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "tower/sdk/plugin.hpp"
#include "tower/sdk/text.hpp"

namespace tower::zstd_plugin {

inline constexpr unsigned char kRawHeader = 0x00;
inline constexpr unsigned char kZstdHeader = 0x01;
// The largest value that is ever compressed, and the largest content size a
// stored frame may claim (larger values are stored raw).
inline constexpr uint64_t kMaxValueSize = uint64_t{1} << 30;
inline constexpr int kMinLevel = 1;
inline constexpr int kMaxLevel = 19;

// Idle zstd contexts of one kind, handed out one per call.
template <class T, T* (*Create)(), size_t (*Free)(T*)>
class ContextPool {
 public:
  struct GiveBack {
    ContextPool* pool;
    void operator()(T* ctx) const { pool->put(ctx); }
  };
  using Lease = std::unique_ptr<T, GiveBack>;

  ContextPool() = default;
  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;
  ~ContextPool() {
    for (T* ctx : idle_) Free(ctx);
  }

  Lease get() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        T* ctx = idle_.back();
        idle_.pop_back();
        return Lease(ctx, GiveBack{this});
      }
    }
    T* ctx = Create();
    if (ctx == nullptr) throw std::bad_alloc();
    return Lease(ctx, GiveBack{this});
  }

 private:
  static constexpr size_t kMaxIdle = 16;  // more concurrent calls than this allocate

  void put(T* ctx) {
    {
      std::lock_guard lock(mu_);
      if (idle_.size() < kMaxIdle) {
        idle_.push_back(ctx);
        return;
      }
    }
    Free(ctx);
  }

  std::mutex mu_;
  std::vector<T*> idle_;
};

// A reusable output buffer for decompressed values (not zero-filled).
class Buffer {
 public:
  char* reserve(size_t n) {
    if (n > capacity_) {
      data_ = std::make_unique_for_overwrite<char[]>(n);
      capacity_ = n;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

// What was written through one Codec, for "zstd.stats".
struct CodecCounters {
  uint64_t raw = 0;         // values stored raw
  uint64_t compressed = 0;  // values stored as a zstd frame
  uint64_t bytes_in = 0;    // value bytes handed to write()
  uint64_t bytes_out = 0;   // bytes stored, header bytes included

  void add(const CodecCounters& o) {
    raw += o.raw;
    compressed += o.compressed;
    bytes_in += o.bytes_in;
    bytes_out += o.bytes_out;
  }
};

class Codec {
 public:
  Codec(int level, uint64_t min_size) : level_(level), min_size_(min_size) {}

  int level() const { return level_; }
  uint64_t min_size() const { return min_size_; }

  // Appends the stored form of `value` to *out and counts it in *counters.
  void encode(std::string_view value, std::string* out, CodecCounters* counters) {
    const size_t start = out->size();
    counters->bytes_in += value.size();
    if (!value.empty() && value.size() >= min_size_ && value.size() <= kMaxValueSize) {
      const size_t bound = ZSTD_compressBound(value.size());
      out->resize(start + 1 + bound);
      size_t n;
      {
        auto cctx = cctx_.get();
        n = ZSTD_compressCCtx(cctx.get(), out->data() + start + 1, bound, value.data(),
                              value.size(), level_);
      }
      if (!ZSTD_isError(n) && n < value.size()) {
        (*out)[start] = static_cast<char>(kZstdHeader);
        out->resize(start + 1 + n);
        ++counters->compressed;
        counters->bytes_out += 1 + n;
        return;
      }
      if (ZSTD_isError(n))  // cannot happen with a bound-sized output; stay correct anyway
        sdk::log(TOWER_LOG_WARN, "zstd",
                 std::string("compression failed, value stored raw: ") + ZSTD_getErrorName(n));
      out->resize(start);
    }
    out->push_back(static_cast<char>(kRawHeader));
    out->append(value);
    ++counters->raw;
    counters->bytes_out += 1 + value.size();
  }

  // The cheap part of decode(): the header byte is there and known.
  sdk::Error check_header(std::string_view key, std::string_view stored) const {
    if (stored.empty()) return corrupt(key, "the stored value is empty (no header byte)");
    const auto header = static_cast<unsigned char>(stored[0]);
    if (header == kRawHeader || header == kZstdHeader) return sdk::Error::Ok();
    static constexpr char kHex[] = "0123456789abcdef";
    return corrupt(key, std::string("unknown header byte 0x") + kHex[header >> 4] +
                            kHex[header & 15] + " (0x00 = raw, 0x01 = zstd frame)");
  }

  // Decodes the stored bytes of `key`. *out views `stored` (raw values) or
  // *buf (compressed ones) and is valid while both are unchanged.
  sdk::Error decode(std::string_view key, std::string_view stored, Buffer* buf,
                    std::string_view* out) const {
    sdk::Error e = check_header(key, stored);
    if (!e.ok()) return e;
    std::string_view payload = stored.substr(1);
    if (static_cast<unsigned char>(stored[0]) == kRawHeader) {
      *out = payload;
      return sdk::Error::Ok();
    }
    const unsigned long long size = ZSTD_getFrameContentSize(payload.data(), payload.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) return corrupt(key, "the payload is not a zstd frame");
    if (size == ZSTD_CONTENTSIZE_UNKNOWN)
      return corrupt(key, "the zstd frame does not record its content size");
    if (size > kMaxValueSize)
      return corrupt(key, "the zstd frame claims " + std::to_string(size) +
                              " bytes of content, more than the " + std::to_string(kMaxValueSize) +
                              "-byte limit");
    const size_t frame = ZSTD_findFrameCompressedSize(payload.data(), payload.size());
    if (ZSTD_isError(frame))
      return corrupt(key, std::string("bad zstd frame: ") + ZSTD_getErrorName(frame));
    if (frame != payload.size())
      return corrupt(
          key, std::to_string(payload.size() - frame) + " unexpected bytes after the zstd frame");
    char* dst = buf->reserve(static_cast<size_t>(size));
    size_t n;
    {
      auto dctx = dctx_.get();
      n = ZSTD_decompressDCtx(dctx.get(), dst, static_cast<size_t>(size), payload.data(),
                              payload.size());
    }
    if (ZSTD_isError(n))
      return corrupt(key, std::string("zstd decompression failed: ") + ZSTD_getErrorName(n));
    if (n != size)
      return corrupt(key, "the zstd frame decompressed to " + std::to_string(n) +
                              " bytes instead of the " + std::to_string(size) + " it records");
    decompressed_.fetch_add(1, std::memory_order_relaxed);
    *out = std::string_view(dst, n);
    return sdk::Error::Ok();
  }

  uint64_t decompressed() const { return decompressed_.load(std::memory_order_relaxed); }
  uint64_t corrupt_reads() const { return corrupt_.load(std::memory_order_relaxed); }

 private:
  sdk::Error corrupt(std::string_view key, const std::string& why) const {
    corrupt_.fetch_add(1, std::memory_order_relaxed);
    return sdk::Error::Make(TOWER_E_CORRUPTION,
                            "zstd: value of key " + sdk::quote(key) + " is corrupt: " + why);
  }

  const int level_;
  const uint64_t min_size_;
  ContextPool<ZSTD_CCtx, &ZSTD_createCCtx, &ZSTD_freeCCtx> cctx_;
  mutable ContextPool<ZSTD_DCtx, &ZSTD_createDCtx, &ZSTD_freeDCtx> dctx_;
  mutable std::atomic<uint64_t> decompressed_{0};
  mutable std::atomic<uint64_t> corrupt_{0};
};

}  // namespace tower::zstd_plugin

#endif  // TOWER_ZSTD_VALUE_CODEC_HPP_
