/* Tower plugin ABI: the backend kind (an ordered key-value store).
 *
 * A backend stores byte keys and byte values in bytewise order. The kernel
 * never passes an empty key; values may be empty. All functions are
 * thread-safe on one tower_backend unless noted. Errors: the function returns
 * a TOWER_E_* code and, when `err` is not NULL, calls err->set() once with a
 * message that names the key, option or file involved.
 *
 * Lifetime: the host frees every iterator and snapshot before it closes the
 * backend, and keeps the plugin library loaded until close() has returned.
 */
#ifndef TOWER_SDK_BACKEND_H_
#define TOWER_SDK_BACKEND_H_

#include "tower/sdk/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tower_backend tower_backend;   /* opaque, plugin-owned */
typedef struct tower_snapshot tower_snapshot; /* opaque, plugin-owned */
typedef struct tower_iterator tower_iterator; /* opaque, plugin-owned */

/* A backend-specific option, "name" = "value" (both NUL-terminated). A
 * backend rejects names it does not know with TOWER_E_INVALID_ARGUMENT. */
typedef struct tower_option {
  const char* name;
  const char* value;
} tower_option;

/* tower_backend_options.flags */
#define TOWER_OPEN_IN_MEMORY 1u /* keep everything in memory; no path */
#define TOWER_OPEN_CREATE_IF_MISSING 2u
#define TOWER_OPEN_ERROR_IF_EXISTS 4u
#define TOWER_OPEN_SYNC_WRITES 8u /* every write is synced (durable) */
#define TOWER_OPEN_READ_ONLY 16u

struct tower_backend_api;

/* ABI 1.3: lets a backend open another backend by name, so that backends
 * stack (a compressing or metering backend over "rocksdb", say). */
typedef struct tower_backend_resolver {
  uint32_t struct_size;
  void* ctx; /* passed back as the first argument of find() */
  /* Finds the backend plugin `name` (NUL-terminated), loading it if needed,
   * and sets *out to its table. The table stays valid until the backend
   * being opened has been closed. TOWER_E_NOT_FOUND (no such plugin) or
   * TOWER_E_INVALID_ARGUMENT (not a backend) with a message in err. */
  int32_t (*find)(void* ctx, const char* name, const struct tower_backend_api** out,
                  tower_sink* err);
} tower_backend_resolver;

typedef struct tower_backend_options {
  uint32_t struct_size;
  uint32_t flags;            /* TOWER_OPEN_* */
  const char* path;          /* data directory; NULL or "" with IN_MEMORY */
  uint64_t cache_size;       /* bytes for the read cache; 0 = backend default */
  uint64_t memtable_size;    /* bytes of write buffer; 0 = backend default */
  uint64_t bytes_per_sync;   /* background sync granularity; 0 = never */
  const tower_option* extra; /* backend-specific options */
  size_t extra_count;
  /* ABI 1.3 (check struct_size): finds other backends; valid during open()
   * only, the tables it returns for the backend's whole life. */
  const tower_backend_resolver* resolver;
} tower_backend_options;

/* tower_read_options.flags */
#define TOWER_READ_DONT_FILL_CACHE 1u /* hint: a scan; do not displace the cache */

typedef struct tower_read_options {
  uint32_t struct_size;
  uint32_t flags;
  const tower_snapshot* snapshot; /* NULL = the latest state */
  /* Iterator bounds: keys k with lower <= k < upper. A bound whose data is
   * NULL is absent. Ignored by get and multi_get. */
  tower_slice lower_bound;
  tower_slice upper_bound;
} tower_read_options;

/* tower_write_options.flags */
#define TOWER_WRITE_SYNC 1u /* durable before the call returns */

typedef struct tower_write_options {
  uint32_t struct_size;
  uint32_t flags;
} tower_write_options;

/* One operation of an atomic write batch. */
#define TOWER_OP_PUT 1u          /* key := value */
#define TOWER_OP_DELETE 2u       /* remove key (no error if absent) */
#define TOWER_OP_DELETE_RANGE 3u /* remove every k with key <= k < value */

typedef struct tower_batch_op {
  uint32_t type; /* TOWER_OP_* */
  uint32_t reserved;
  tower_slice key;
  tower_slice value; /* PUT: the value; DELETE_RANGE: the exclusive end */
} tower_batch_op;

/* Receives multi_get results: code is TOWER_OK (value set) or
 * TOWER_E_NOT_FOUND or an error code. */
typedef struct tower_multi_sink {
  void* ctx;
  void (*item)(void* ctx, size_t index, int32_t code, const char* data, size_t size);
} tower_multi_sink;

/* tower_backend_api.capabilities */
#define TOWER_CAP_PERSISTENT 1u   /* can keep data on disk across restarts */
#define TOWER_CAP_IN_MEMORY 2u    /* supports TOWER_OPEN_IN_MEMORY */
#define TOWER_CAP_CHECKPOINT 4u   /* checkpoint() is implemented */
#define TOWER_CAP_DELETE_RANGE 8u /* DELETE_RANGE is native, not emulated */

/* The backend table. Append-only: a later minor version may add fields at
 * the end; the host calls only what struct_size covers. Every function
 * pointer up to `property` is mandatory in ABI 1.0. */
typedef struct tower_backend_api {
  uint32_t struct_size;
  uint32_t capabilities; /* TOWER_CAP_* */

  /* Opens (or creates) a store. On success *out is set. */
  int32_t (*open)(const tower_backend_options* options, tower_backend** out, tower_sink* err);
  /* Closes the store, releasing everything it owns. */
  void (*close)(tower_backend* db);

  /* Point read. TOWER_E_NOT_FOUND when absent (value untouched). */
  int32_t (*get)(tower_backend* db, const tower_read_options* ro, tower_slice key,
                 tower_sink* value, tower_sink* err);
  /* Reads n keys from one consistent view; calls out->item once per key. */
  int32_t (*multi_get)(tower_backend* db, const tower_read_options* ro, size_t n,
                       const tower_slice* keys, tower_multi_sink* out, tower_sink* err);
  /* Applies all n operations atomically and in order: after a crash either
   * all of them are visible or none. */
  int32_t (*write)(tower_backend* db, const tower_write_options* wo, const tower_batch_op* ops,
                   size_t n, tower_sink* err);

  /* A consistent read view that stays fixed until freed. */
  int32_t (*snapshot_new)(tower_backend* db, tower_snapshot** out, tower_sink* err);
  void (*snapshot_free)(tower_backend* db, tower_snapshot* snap);

  /* Iterators start unpositioned. Movement functions return 1 when the
   * iterator is positioned on an entry (valid), else 0. key()/value() are
   * valid only while the iterator is valid and until it moves. An iterator
   * is used by one thread at a time. An iterator created on a snapshot may
   * outlive that snapshot's handle: the backend keeps what it needs. A store
   * opened read-only answers writes with TOWER_E_NOT_SUPPORTED. */
  int32_t (*iter_new)(tower_backend* db, const tower_read_options* ro, tower_iterator** out,
                      tower_sink* err);
  void (*iter_free)(tower_iterator* it);
  int32_t (*iter_seek)(tower_iterator* it, tower_slice target);          /* >= */
  int32_t (*iter_seek_for_prev)(tower_iterator* it, tower_slice target); /* <= */
  int32_t (*iter_seek_to_first)(tower_iterator* it);
  int32_t (*iter_seek_to_last)(tower_iterator* it);
  int32_t (*iter_next)(tower_iterator* it);
  int32_t (*iter_prev)(tower_iterator* it);
  int32_t (*iter_valid)(tower_iterator* it);
  tower_slice (*iter_key)(tower_iterator* it);
  tower_slice (*iter_value)(tower_iterator* it);
  /* TOWER_OK, or the error that made the iterator invalid. */
  int32_t (*iter_status)(tower_iterator* it, tower_sink* err);

  /* Makes everything written so far durable (flags: TOWER_WRITE_SYNC also
   * forces memtables/maps to their files where that applies). */
  int32_t (*flush)(tower_backend* db, uint32_t flags, tower_sink* err);
  /* Writes a consistent copy of the whole store into `dir`, which must not
   * exist yet; the copy opens with the same plugin. */
  int32_t (*checkpoint)(tower_backend* db, const char* dir, tower_sink* err);
  /* Reads a named property into `value`. Every backend knows
   * "tower.stats" (human-readable, several lines), "tower.properties" (the
   * names it knows, one per line) and "tower.max-key-size" (decimal bytes,
   * 0 = unlimited); others are backend-specific. */
  int32_t (*property)(tower_backend* db, const char* name, tower_sink* value, tower_sink* err);
} tower_backend_api;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TOWER_SDK_BACKEND_H_ */
