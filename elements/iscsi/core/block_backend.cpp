#include "elements/iscsi/core/block_backend.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pb::iscsi {

// ---- CompletionQueue ---------------------------------------------------------------------------

CompletionQueue::CompletionQueue() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

CompletionQueue::~CompletionQueue() {
  {
    std::lock_guard lock(timer_mu_);
    timer_stop_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  if (fd_ >= 0) ::close(fd_);
}

void CompletionQueue::post_after(std::chrono::nanoseconds delay, std::function<void()> fn) {
  std::lock_guard lock(timer_mu_);
  timers_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
  if (!timer_.joinable()) {
    timer_ = std::thread([this] {
      std::unique_lock tl(timer_mu_);
      while (!timer_stop_) {
        if (timers_.empty()) {
          timer_cv_.wait(tl);
          continue;
        }
        const auto first = timers_.begin();
        if (std::chrono::steady_clock::now() < first->first) {
          timer_cv_.wait_until(tl, first->first);
          continue;
        }
        std::function<void()> due = std::move(first->second);
        timers_.erase(first);
        post(std::move(due));
      }
    });
  }
  timer_cv_.notify_all();
}

void CompletionQueue::post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    items_.push_back(std::move(fn));
  }
  const std::uint64_t one = 1;
  // A full counter still leaves the fd readable, so a failed write loses nothing.
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

std::size_t CompletionQueue::run() {
  std::uint64_t v;
  [[maybe_unused]] auto n = ::read(fd_, &v, sizeof v);
  std::vector<std::function<void()>> items;
  {
    std::lock_guard lock(mu_);
    items.swap(items_);
  }
  for (auto& fn : items) fn();
  return items.size();
}

bool CompletionQueue::pending() const {
  std::lock_guard lock(mu_);
  return !items_.empty();
}

// ---- WorkerPool --------------------------------------------------------------------------------

WorkerPool::WorkerPool(unsigned threads) {
  for (unsigned i = 0; i < std::max(1u, threads); ++i) {
    threads_.emplace_back([this] {
      while (true) {
        std::function<void()> job;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
          if (jobs_.empty()) return;  // stop_ and drained
          job = std::move(jobs_.front());
          jobs_.pop_front();
        }
        job();
      }
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::run(std::function<void()> job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

namespace {

Status bounds(const IoRequest& r, std::uint64_t size) {
  if (r.op == IoOp::flush) return Status::ok();
  if (r.offset > size || r.length > size - r.offset)
    return Status::error("I/O beyond end of device");
  return Status::ok();
}

// ---- memory ------------------------------------------------------------------------------------

class MemoryBackend final : public BlockBackend {
 public:
  MemoryBackend(std::uint64_t size, std::uint32_t granularity)
      : data_(size),
        granularity_(std::max<std::uint32_t>(granularity, 512)),
        mapped_((size + granularity_ - 1) / granularity_, false) {}

  std::uint64_t size_bytes() const override { return data_.size(); }
  bool supports_discard() const override { return true; }

  void submit(const IoRequest& r, IoCallback done) override {
    if (auto st = bounds(r, data_.size()); !st) return done(st);
    switch (r.op) {
      case IoOp::read:
        std::memcpy(r.data, data_.data() + r.offset, r.length);
        break;
      case IoOp::write:
        std::memcpy(data_.data() + r.offset, r.data, r.length);
        mark(r.offset, r.length, true);
        break;
      case IoOp::flush:
        break;
      case IoOp::discard:
      case IoOp::write_zeroes: {
        std::memset(data_.data() + r.offset, 0, r.length);
        // Only whole granules become unmapped; partial ones stay mapped (and zeroed).
        const std::uint64_t first = (r.offset + granularity_ - 1) / granularity_;
        const std::uint64_t last = (r.offset + r.length) / granularity_;
        if (r.op == IoOp::discard)
          for (std::uint64_t g = first; g < last; ++g) mapped_[g] = false;
        else
          mark(r.offset, r.length, true);
        break;
      }
    }
    done(Status::ok());
  }

  Extent mapping(std::uint64_t offset, std::uint64_t max_len) const override {
    if (offset >= data_.size()) return {true, 0};
    max_len = std::min(max_len, data_.size() - offset);
    std::uint64_t g = offset / granularity_;
    const bool state = mapped_[g];
    std::uint64_t end = (g + 1) * granularity_;
    while (end < offset + max_len && mapped_[end / granularity_] == state) end += granularity_;
    return {state, std::min(end, offset + max_len) - offset};
  }

  std::string describe() const override { return "memory:" + std::to_string(data_.size()); }

 private:
  void mark(std::uint64_t off, std::uint64_t len, bool v) {
    if (len == 0) return;
    for (std::uint64_t g = off / granularity_; g <= (off + len - 1) / granularity_; ++g)
      mapped_[g] = v;
  }
  std::vector<std::uint8_t> data_;
  std::uint32_t granularity_;
  std::vector<bool> mapped_;
};

// ---- null --------------------------------------------------------------------------------------

class NullBackend final : public BlockBackend {
 public:
  explicit NullBackend(std::uint64_t size) : size_(size) {}
  std::uint64_t size_bytes() const override { return size_; }
  bool supports_discard() const override { return false; }
  void submit(const IoRequest& r, IoCallback done) override {
    if (auto st = bounds(r, size_); !st) return done(st);
    if (r.op == IoOp::read) std::memset(r.data, 0, r.length);
    done(Status::ok());
  }
  std::string describe() const override { return "null:" + std::to_string(size_); }

 private:
  std::uint64_t size_;
};

// ---- file --------------------------------------------------------------------------------------

Status errno_status(const char* what) {
  return Status::error(std::string(what) + ": " + std::strerror(errno));
}

class FileBackend final : public BlockBackend {
 public:
  FileBackend(int fd, std::string path, std::uint64_t size, std::shared_ptr<CompletionQueue> cq,
              unsigned threads)
      : fd_(fd), path_(std::move(path)), size_(size), cq_(std::move(cq)), pool_(threads) {}
  ~FileBackend() override {
    // The pool's destructor joins its threads before fd_ is closed.
  }

  std::uint64_t size_bytes() const override { return size_; }
  bool supports_discard() const override { return true; }

  void submit(const IoRequest& r, IoCallback done) override {
    if (auto st = bounds(r, size_); !st) return done(st);
    if (try_nowait(r) || try_inline_write(r)) return done(Status::ok());
    pool_.run([this, r, done = std::move(done)]() mutable {
      Status st = execute(r);
      cq_->post([done = std::move(done), st = std::move(st)] { done(st); });
    });
  }

  Extent mapping(std::uint64_t offset, std::uint64_t max_len) const override {
    if (offset >= size_) return {true, 0};
    max_len = std::min(max_len, size_ - offset);
    const off_t data = ::lseek(fd_.get(), static_cast<off_t>(offset), SEEK_DATA);
    if (data < 0) {
      // ENXIO: no data from here to the end of file: a hole.
      if (errno == ENXIO) return {false, max_len};
      return {true, max_len};
    }
    if (static_cast<std::uint64_t>(data) > offset)
      return {false, std::min<std::uint64_t>(static_cast<std::uint64_t>(data) - offset, max_len)};
    const off_t hole = ::lseek(fd_.get(), static_cast<off_t>(offset), SEEK_HOLE);
    if (hole < 0) return {true, max_len};
    return {true, std::min<std::uint64_t>(static_cast<std::uint64_t>(hole) - offset, max_len)};
  }

  std::string describe() const override { return "file:" + path_; }

 private:
  struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) {}
    ~Fd() { ::close(fd); }
    int get() const { return fd; }
  };

  // Data the page cache can serve needs no thread hop: one attempt with RWF_NOWAIT, which fails
  // (EAGAIN) instead of waiting for the disk or for memory, completes reads and plain writes on
  // the caller's thread. Anything short of the whole request goes to the pool, which redoes it.
  // FUA writes, flushes and discards always go to the pool: they wait for the device by design.
  bool try_nowait(const IoRequest& r) {
    if (r.length == 0 || r.length > (1u << 30)) return false;
    iovec v{r.data, r.length};
    ssize_t n = -1;
    if (r.op == IoOp::read) {
      n = ::preadv2(fd_.get(), &v, 1, static_cast<off_t>(r.offset), RWF_NOWAIT);
    } else if (r.op == IoOp::write && !r.fua && nowait_writes_) {
      n = ::pwritev2(fd_.get(), &v, 1, static_cast<off_t>(r.offset), RWF_NOWAIT);
      if (n < 0 && errno == EOPNOTSUPP) nowait_writes_ = false;  // this file system cannot
    }
    return n == static_cast<ssize_t>(r.length);
  }

  // Where RWF_NOWAIT writes are refused (buffered ext4), a small plain write is still only a copy
  // into the page cache: done here it costs a few microseconds, while the pool's round trip
  // (queue, worker wake-up, completion eventfd, scheduler wake-up) costs more than the write and
  // leaves the packet thread idle meanwhile. A write that was slow anyway (the kernel throttling
  // dirty pages, a page to read first) sends the following ones to the pool for a while, so
  // the packet thread waits on the disk at most once per pause.
  bool try_inline_write(const IoRequest& r) {
    if (r.op != IoOp::write || r.fua || nowait_writes_ || r.length == 0 ||
        r.length > kInlineWriteMax)
      return false;
    const auto start = std::chrono::steady_clock::now();
    if (start < inline_paused_until_) return false;
    iovec v{r.data, r.length};
    const ssize_t n = ::pwritev2(fd_.get(), &v, 1, static_cast<off_t>(r.offset), 0);
    const auto end = std::chrono::steady_clock::now();
    if (end - start > kSlowInlineWrite) inline_paused_until_ = end + kInlinePause;
    return n == static_cast<ssize_t>(r.length);  // short or failed: the pool does it again
  }

  Status execute(const IoRequest& r) {
    switch (r.op) {
      case IoOp::read: {
        std::uint64_t done = 0;
        while (done < r.length) {
          const ssize_t n = ::pread(fd_.get(), r.data + done, r.length - done,
                                    static_cast<off_t>(r.offset + done));
          if (n < 0) {
            if (errno == EINTR) continue;
            return errno_status("pread");
          }
          if (n == 0) {  // beyond EOF of a sparse/short file: zeros
            std::memset(r.data + done, 0, r.length - done);
            break;
          }
          done += static_cast<std::uint64_t>(n);
        }
        return Status::ok();
      }
      case IoOp::write: {
        std::uint64_t done = 0;
        while (done < r.length) {
          iovec v{r.data + done, r.length - done};
          const ssize_t n = ::pwritev2(fd_.get(), &v, 1, static_cast<off_t>(r.offset + done),
                                       r.fua ? RWF_DSYNC : 0);
          if (n < 0) {
            if (errno == EINTR) continue;
            return errno_status("pwrite");
          }
          done += static_cast<std::uint64_t>(n);
        }
        return Status::ok();
      }
      case IoOp::flush:
        if (::fdatasync(fd_.get()) != 0) return errno_status("fdatasync");
        return Status::ok();
      case IoOp::discard:
      case IoOp::write_zeroes: {
        const int mode = r.op == IoOp::discard ? (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)
                                               : (FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE);
        if (::fallocate(fd_.get(), mode, static_cast<off_t>(r.offset),
                        static_cast<off_t>(r.length)) == 0)
          return Status::ok();
        // File systems without hole punching: write zeros so reads still see zeros.
        std::vector<std::uint8_t> zeros(std::min<std::uint64_t>(r.length, 1 << 20));
        std::uint64_t done = 0;
        while (done < r.length) {
          const std::size_t n =
              static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), r.length - done));
          if (::pwrite(fd_.get(), zeros.data(), n, static_cast<off_t>(r.offset + done)) !=
              static_cast<ssize_t>(n))
            return errno_status("pwrite");
          done += n;
        }
        return Status::ok();
      }
    }
    return Status::error("bad I/O op");
  }

  Fd fd_;
  std::string path_;
  std::uint64_t size_;
  std::shared_ptr<CompletionQueue> cq_;
  bool nowait_writes_ = true;
  static constexpr std::uint64_t kInlineWriteMax = 64 << 10;
  static constexpr auto kSlowInlineWrite = std::chrono::milliseconds(1);
  static constexpr auto kInlinePause = std::chrono::milliseconds(100);
  std::chrono::steady_clock::time_point inline_paused_until_{};
  WorkerPool pool_;  // declared last: destroyed (joined) first
};

}  // namespace

std::unique_ptr<BlockBackend> make_memory_backend(std::uint64_t size, std::uint32_t granularity) {
  return std::make_unique<MemoryBackend>(size, granularity);
}

std::unique_ptr<BlockBackend> make_null_backend(std::uint64_t size) {
  return std::make_unique<NullBackend>(size);
}

Result<std::unique_ptr<BlockBackend>> make_file_backend(const std::string& path, std::uint64_t size,
                                                        std::shared_ptr<CompletionQueue> cq,
                                                        unsigned threads) {
  if (!cq) return Status::error("file backend needs a completion queue");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error("file:" + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::error("file:" + path + ": " + std::strerror(errno));
  }
  std::uint64_t bytes = static_cast<std::uint64_t>(st.st_size);
  if (S_ISBLK(st.st_mode)) {
    const off_t end = ::lseek(fd, 0, SEEK_END);
    bytes = end > 0 ? static_cast<std::uint64_t>(end) : 0;
  } else if (bytes == 0 && size != 0) {
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      ::close(fd);
      return Status::error("file:" + path + ": " + std::strerror(errno));
    }
    bytes = size;
  }
  if (bytes == 0) {
    ::close(fd);
    return Status::error("file:" + path + ": empty file");
  }
  return std::unique_ptr<BlockBackend>(
      std::make_unique<FileBackend>(fd, path, bytes, std::move(cq), threads));
}

Result<std::uint64_t> parse_size(std::string_view s) {
  if (s.empty()) return Status::error("empty size");
  std::uint64_t mult = 1;
  switch (s.back()) {
    case 'k':
    case 'K':
      mult = 1ull << 10;
      break;
    case 'm':
    case 'M':
      mult = 1ull << 20;
      break;
    case 'g':
    case 'G':
      mult = 1ull << 30;
      break;
    case 't':
    case 'T':
      mult = 1ull << 40;
      break;
    default:
      break;
  }
  if (mult != 1) s.remove_suffix(1);
  if (s.empty()) return Status::error("bad size");
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::error("bad size '" + std::string(s) + "'");
    if (v > UINT64_MAX / 10) return Status::error("size too large");
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > UINT64_MAX / mult) return Status::error("size too large");
  return v * mult;
}

Result<std::unique_ptr<BlockBackend>> make_backend(std::string_view spec,
                                                   const BackendOptions& opts,
                                                   std::shared_ptr<CompletionQueue> cq) {
  const auto colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  const std::string_view arg =
      colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
  std::uint64_t size = opts.size_bytes;
  if ((kind == "memory" || kind == "null") && !arg.empty()) {
    auto s = parse_size(arg);
    if (!s) return s.status();
    size = *s;
  }
  if (kind == "memory") return make_memory_backend(size, opts.granularity);
  if (kind == "null") return make_null_backend(size);
  if (kind == "file") {
    if (arg.empty()) return Status::error("file: needs a path");
    return make_file_backend(std::string(arg), opts.size_bytes, std::move(cq), opts.file_threads);
  }
  return Status::error("unknown back end '" + std::string(kind) + "' (memory, file:PATH, null)");
}

}  // namespace pb::iscsi
