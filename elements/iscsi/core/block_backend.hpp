// Block storage behind a SCSI logical unit, asynchronous so packet threads never wait on a disk.
//
//   memory:SIZE  a RAM buffer; completes inline (a memcpy is cheaper than a thread hop)
//   file:PATH    page-cache hits (RWF_NOWAIT) and small plain writes on the caller's thread, the
//                rest on a worker pool; FUA via pwritev2(RWF_DSYNC), flush = fdatasync,
//                discard = fallocate(PUNCH_HOLE), mapping from SEEK_DATA/SEEK_HOLE
//   null:SIZE    drops writes, reads zeros; measures the protocol alone
//
// Completions of deferred I/O are posted to a CompletionQueue, which the owning thread drains
// (its fd becomes readable), so every callback runs on the thread that drives the target.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/core/diag.hpp"

namespace pb::iscsi {

// Multi-producer queue of callbacks with an eventfd that is readable while it is non-empty.
class CompletionQueue {
 public:
  CompletionQueue();
  ~CompletionQueue();
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  int fd() const { return fd_; }
  void post(std::function<void()> fn);  // any thread
  // Posts `fn` once `delay` has passed (any thread). A timer thread starts on first use; what is
  // still waiting when the queue is destroyed never runs.
  void post_after(std::chrono::nanoseconds delay, std::function<void()> fn);
  // Runs everything posted so far on the calling thread; returns how many ran.
  std::size_t run();
  bool pending() const;

 private:
  int fd_ = -1;
  mutable std::mutex mu_;
  std::vector<std::function<void()>> items_;
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
  bool timer_stop_ = false;
  std::thread timer_;
};

// A fixed set of threads running blocking jobs.
class WorkerPool {
 public:
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;
  void run(std::function<void()> job);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

enum class IoOp : std::uint8_t { read, write, flush, discard, write_zeroes };

struct IoRequest {
  IoOp op = IoOp::read;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  std::uint8_t* data = nullptr;  // read: destination; write: source (kept alive by the caller)
  bool fua = false;              // write reaches stable storage before completion
};

using IoCallback = std::function<void(Status)>;

struct Extent {
  bool mapped = true;
  std::uint64_t length = 0;  // bytes from the queried offset with the same state
};

class BlockBackend {
 public:
  virtual ~BlockBackend() = default;
  virtual std::uint64_t size_bytes() const = 0;
  // Whether discard really deallocates (and reads back zeros), for thin provisioning.
  virtual bool supports_discard() const = 0;
  // Starts the I/O. `done` runs before submit returns or later via the completion queue; never on
  // another thread.
  virtual void submit(const IoRequest& req, IoCallback done) = 0;
  // Provisioning state at `offset`, looking at most `max_len` bytes ahead. Synchronous and cheap.
  virtual Extent mapping(std::uint64_t offset, std::uint64_t max_len) const {
    (void)offset;
    return {true, max_len};
  }
  virtual std::string describe() const = 0;
};

struct BackendOptions {
  std::uint64_t size_bytes = 64ull << 20;  // memory and null; file: size if the file is created
  std::uint32_t granularity = 4096;        // memory: unit of mapped/unmapped tracking
  unsigned file_threads = 4;
};

std::unique_ptr<BlockBackend> make_memory_backend(std::uint64_t size,
                                                  std::uint32_t granularity = 4096);
std::unique_ptr<BlockBackend> make_null_backend(std::uint64_t size);
// Opens (or creates with `size` when missing) PATH. Completions go to `cq`.
Result<std::unique_ptr<BlockBackend>> make_file_backend(const std::string& path, std::uint64_t size,
                                                        std::shared_ptr<CompletionQueue> cq,
                                                        unsigned threads = 4);
// "memory", "memory:SIZE", "null", "null:SIZE", "file:PATH" (SIZE with K/M/G suffix).
Result<std::unique_ptr<BlockBackend>> make_backend(std::string_view spec,
                                                   const BackendOptions& opts,
                                                   std::shared_ptr<CompletionQueue> cq);
Result<std::uint64_t> parse_size(std::string_view s);

}  // namespace pb::iscsi
