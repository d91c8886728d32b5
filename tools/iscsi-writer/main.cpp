// iscsi-writer — a small libiscsi initiator that writes blocks: the write half of the iSCSI
// benchmark (libiscsi's iscsi-perf only reads) and the writer of the durability test.
//
//   iscsi-writer bench  [-m QD] [-b BLOCKS] [-r] [-t SECONDS] [-i INITIATOR] URL
//       WRITE(16)s of BLOCKS blocks with QD in flight (sequential, or random with -r) for SECONDS;
//       prints "writes: N ios in S s: IOPS iops, MBPS MB/s".
//   iscsi-writer stream [-m QD] [-b BLOCKS] (--fua | --sync N) [-n COUNT] [-i INITIATOR] URL
//       writes consecutive extents of self-describing blocks until COUNT extents, the end of the
//       LU or the connection's end, and prints one line per extent known to be durable:
//       "durable LBA BLOCKS SEQ" — with --fua when its WRITE(16) with FUA succeeded; with --sync N
//       when a SYNCHRONIZE CACHE(16), sent after every N acknowledged writes, succeeded (it covers
//       every write acknowledged before it was sent).
//   iscsi-writer verify [-i INITIATOR] URL < JOURNAL
//       reads back every extent of a stream's output and checks each block.
//
// Exit status: 0 on success; 1 on a usage or login error; 2 when verify finds a bad block; 3 when
// the connection ended during bench or stream (what the durability test provokes).
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

constexpr char kMagic[8] = {'P', 'B', 'W', 'R', 'I', 'T', 'E', '1'};

struct Options {
  std::string mode;
  std::string url;
  std::string initiator = "iqn.2026-01.org.patchbay:iscsi-writer";
  int queue_depth = 32;
  std::uint32_t blocks = 8;
  bool random = false;
  double seconds = 10;
  bool fua = false;
  std::uint32_t sync_every = 0;
  std::uint64_t count = UINT64_MAX;
};

int usage() {
  std::fprintf(stderr,
               "usage: iscsi-writer bench  [-m QD] [-b BLOCKS] [-r] [-t SECONDS] [-i NAME] URL\n"
               "       iscsi-writer stream [-m QD] [-b BLOCKS] (--fua | --sync N) [-n COUNT] "
               "[-i NAME] URL\n"
               "       iscsi-writer verify [-i NAME] URL < JOURNAL\n");
  return 1;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Session {
  iscsi_context* ctx = nullptr;
  int lun = 0;
  std::uint32_t block_size = 512;
  std::uint64_t block_count = 0;
  // Tasks still queued get their callbacks (cancelled) here: call it while their owners live.
  void close() {
    if (ctx) {
      iscsi_logout_sync(ctx);
      iscsi_destroy_context(ctx);
      ctx = nullptr;
    }
  }
  ~Session() { close(); }
};

bool login(const Options& o, Session& s) {
  s.ctx = iscsi_create_context(o.initiator.c_str());
  if (!s.ctx) return false;
  iscsi_url* url = iscsi_parse_full_url(s.ctx, o.url.c_str());
  if (!url) {
    std::fprintf(stderr, "iscsi-writer: bad URL: %s\n", iscsi_get_error(s.ctx));
    return false;
  }
  iscsi_set_targetname(s.ctx, url->target);
  iscsi_set_session_type(s.ctx, ISCSI_SESSION_NORMAL);
  iscsi_set_header_digest(s.ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C);
  // A lost connection must end the run, not be papered over by a reconnect.
  iscsi_set_noautoreconnect(s.ctx, 1);
  if (url->user[0] != 0) iscsi_set_initiator_username_pwd(s.ctx, url->user, url->passwd);
  const int rc = iscsi_full_connect_sync(s.ctx, url->portal, url->lun);
  s.lun = url->lun;
  iscsi_destroy_url(url);
  if (rc != 0) {
    std::fprintf(stderr, "iscsi-writer: login failed: %s\n", iscsi_get_error(s.ctx));
    return false;
  }
  scsi_task* t = iscsi_readcapacity16_sync(s.ctx, s.lun);
  if (!t || t->status != SCSI_STATUS_GOOD) {
    std::fprintf(stderr, "iscsi-writer: READ CAPACITY(16) failed\n");
    if (t) scsi_free_scsi_task(t);
    return false;
  }
  auto* rc16 = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(t));
  s.block_size = rc16->block_length;
  s.block_count = rc16->returned_lba + 1;
  scsi_free_scsi_task(t);
  return true;
}

// Runs the event loop until `done()` or the connection fails (returns false then).
template <typename Done>
bool service(Session& s, Done done) {
  while (!done()) {
    pollfd p{iscsi_get_fd(s.ctx), static_cast<short>(iscsi_which_events(s.ctx)), 0};
    if (p.events == 0) {
      ::usleep(1000);
      continue;
    }
    if (::poll(&p, 1, 1000) < 0) continue;
    if (iscsi_service(s.ctx, p.revents) < 0) {
      std::fprintf(stderr, "iscsi-writer: %s\n", iscsi_get_error(s.ctx));
      return false;
    }
  }
  return true;
}

// ---- bench -------------------------------------------------------------------------------------

struct Bench {
  Session* s = nullptr;
  const Options* o = nullptr;
  std::vector<unsigned char> data;
  std::mt19937_64 rng{42};
  std::uint64_t next_lba = 0;
  int in_flight = 0;
  std::uint64_t done = 0;
  bool stop = false;
  bool failed = false;
};

void bench_cb(iscsi_context*, int status, void* command_data, void* private_data);

void bench_fill(Bench& b) {
  const std::uint64_t extents = b.s->block_count / b.o->blocks;
  while (!b.stop && b.in_flight < b.o->queue_depth) {
    std::uint64_t lba;
    if (b.o->random) {
      lba = (b.rng() % extents) * b.o->blocks;
    } else {
      if (b.next_lba + b.o->blocks > b.s->block_count) b.next_lba = 0;
      lba = b.next_lba;
      b.next_lba += b.o->blocks;
    }
    if (!iscsi_write16_task(b.s->ctx, b.s->lun, lba, b.data.data(),
                            static_cast<std::uint32_t>(b.data.size()),
                            static_cast<int>(b.s->block_size), 0, 0, 0, 0, 0, bench_cb, &b)) {
      b.failed = true;
      b.stop = true;
      return;
    }
    ++b.in_flight;
  }
}

void bench_cb(iscsi_context*, int status, void* command_data, void* private_data) {
  auto& b = *static_cast<Bench*>(private_data);
  scsi_free_scsi_task(static_cast<scsi_task*>(command_data));
  --b.in_flight;
  if (status != SCSI_STATUS_GOOD) {
    b.failed = true;
    b.stop = true;
    return;
  }
  ++b.done;
  bench_fill(b);
}

int bench(const Options& o) {
  Session s;
  if (!login(o, s)) return 1;
  if (s.block_count < o.blocks) return usage();
  Bench b;
  b.s = &s;
  b.o = &o;
  b.data.resize(static_cast<std::size_t>(o.blocks) * s.block_size);
  for (std::size_t i = 0; i < b.data.size(); ++i) b.data[i] = static_cast<unsigned char>(i * 31);
  const double start = now_s();
  bench_fill(b);
  const bool ok = service(s, [&] {
    if (!b.stop && now_s() - start >= o.seconds) b.stop = true;
    return b.stop && b.in_flight == 0;
  });
  const double secs = now_s() - start;
  s.close();  // cancelled tasks call back now, while `b` is alive
  const double iops = static_cast<double>(b.done) / secs;
  std::printf("writes: %" PRIu64 " ios in %.2f s: %.0f iops, %.1f MB/s\n", b.done, secs, iops,
              iops * o.blocks * s.block_size / 1e6);
  return ok && !b.failed ? 0 : 3;
}

// ---- stream ------------------------------------------------------------------------------------

void fill_block(unsigned char* p, std::uint32_t size, std::uint64_t lba, std::uint64_t seq) {
  std::memcpy(p, kMagic, 8);
  std::memcpy(p + 8, &lba, 8);
  std::memcpy(p + 16, &seq, 8);
  std::uint64_t x = lba * 0x9E3779B97F4A7C15ull ^ seq;
  for (std::uint32_t i = 24; i < size; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = static_cast<unsigned char>(x >> 56);
  }
}

struct Stream {
  Session* s = nullptr;
  const Options* o = nullptr;
  struct Write {
    std::uint64_t lba;
    std::uint64_t seq;
    std::vector<unsigned char> data;
    Stream* st;
  };
  std::vector<Write*> acked;  // acknowledged, not yet covered by a sync
  // Every Write and SyncCtx alive; what a lost connection leaves behind is freed with the Stream.
  std::unordered_map<const void*, std::shared_ptr<void>> owned;
  template <typename T>
  T* own(T* p) {
    owned.emplace(p, std::shared_ptr<void>(p, [](void* q) { delete static_cast<T*>(q); }));
    return p;
  }
  void release(const void* p) { owned.erase(p); }
  std::uint64_t next_seq = 1;
  std::uint64_t next_lba = 0;
  std::uint64_t issued = 0;
  std::uint64_t durable = 0;
  int in_flight = 0;
  bool syncing = false;
  bool failed = false;
  bool finished = false;
};

void stream_fill(Stream& st);

void durable_line(Stream& st, const Stream::Write& w) {
  std::printf("durable %" PRIu64 " %u %" PRIu64 "\n", w.lba, st.o->blocks, w.seq);
  ++st.durable;
}

struct SyncCtx {
  Stream* st;
  std::vector<Stream::Write*> covered;
};

void sync_cb(iscsi_context*, int status, void* command_data, void* private_data) {
  auto* sc = static_cast<SyncCtx*>(private_data);
  Stream& st = *sc->st;
  scsi_free_scsi_task(static_cast<scsi_task*>(command_data));
  st.syncing = false;
  --st.in_flight;
  if (status == SCSI_STATUS_GOOD) {
    for (auto* w : sc->covered) durable_line(st, *w);
  } else {
    st.failed = true;
  }
  for (auto* w : sc->covered) st.release(w);
  st.release(sc);
  stream_fill(st);
}

void write_cb(iscsi_context*, int status, void* command_data, void* private_data) {
  auto* w = static_cast<Stream::Write*>(private_data);
  Stream& st = *w->st;
  scsi_free_scsi_task(static_cast<scsi_task*>(command_data));
  --st.in_flight;
  if (status != SCSI_STATUS_GOOD) {
    st.failed = true;
    st.release(w);
    return;
  }
  if (st.o->fua) {
    durable_line(st, *w);
    st.release(w);
  } else {
    st.acked.push_back(w);
  }
  stream_fill(st);
}

void stream_fill(Stream& st) {
  if (st.failed) return;
  // SYNCHRONIZE CACHE covers what was acknowledged before it is sent.
  if (st.o->sync_every != 0 && !st.syncing && st.acked.size() >= st.o->sync_every) {
    auto* sc = st.own(new SyncCtx{&st, std::move(st.acked)});
    st.acked.clear();
    if (!iscsi_synchronizecache16_task(st.s->ctx, st.s->lun, 0, 0, 0, 0, sync_cb, sc)) {
      st.failed = true;
      return;
    }
    st.syncing = true;
    ++st.in_flight;
  }
  const std::uint32_t bs = st.s->block_size;
  while (st.in_flight < st.o->queue_depth && st.issued < st.o->count &&
         st.next_lba + st.o->blocks <= st.s->block_count) {
    auto* w =
        st.own(new Stream::Write{st.next_lba, st.next_seq++,
                                 std::vector<unsigned char>(std::size_t{st.o->blocks} * bs), &st});
    for (std::uint32_t i = 0; i < st.o->blocks; ++i)
      fill_block(w->data.data() + std::size_t{i} * bs, bs, w->lba + i, w->seq);
    if (!iscsi_write16_task(st.s->ctx, st.s->lun, w->lba, w->data.data(),
                            static_cast<std::uint32_t>(w->data.size()), static_cast<int>(bs), 0, 0,
                            st.o->fua ? 1 : 0, 0, 0, write_cb, w)) {
      st.release(w);
      st.failed = true;
      return;
    }
    st.next_lba += st.o->blocks;
    ++st.issued;
    ++st.in_flight;
  }
  if (st.in_flight == 0) st.finished = true;
}

int stream(const Options& o) {
  if (o.fua == (o.sync_every != 0)) return usage();
  Session s;
  if (!login(o, s)) return 1;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // every durable line reaches the journal at once
  Stream st;
  st.s = &s;
  st.o = &o;
  stream_fill(st);
  const bool ok = service(s, [&] { return st.finished || st.failed; });
  // A final sync makes the last acknowledged writes durable when the run ends normally.
  if (ok && !st.failed && !st.acked.empty()) {
    scsi_task* t = iscsi_synchronizecache16_sync(s.ctx, s.lun, 0, 0, 0, 0);
    if (t && t->status == SCSI_STATUS_GOOD)
      for (auto* w : st.acked) durable_line(st, *w);
    if (t) scsi_free_scsi_task(t);
  }
  const bool clean = ok && !st.failed;
  s.close();  // cancelled tasks call back now, while `st` is alive
  std::fprintf(stderr, "iscsi-writer: %" PRIu64 " extents issued, %" PRIu64 " durable%s\n",
               st.issued, st.durable, clean ? "" : ", then the connection ended");
  return clean ? 0 : 3;
}

// ---- verify ------------------------------------------------------------------------------------

int verify(const Options& o) {
  Session s;
  if (!login(o, s)) return 1;
  char line[256];
  std::uint64_t extents = 0;
  std::uint64_t bad = 0;
  std::vector<unsigned char> want(s.block_size);
  while (std::fgets(line, sizeof line, stdin)) {
    std::uint64_t lba = 0, seq = 0;
    unsigned blocks = 0;
    if (std::sscanf(line, "durable %" SCNu64 " %u %" SCNu64, &lba, &blocks, &seq) != 3) continue;
    scsi_task* t = iscsi_read16_sync(s.ctx, s.lun, lba, blocks * s.block_size,
                                     static_cast<int>(s.block_size), 0, 0, 0, 0, 0);
    if (!t || t->status != SCSI_STATUS_GOOD ||
        t->datain.size != static_cast<int>(blocks * s.block_size)) {
      std::fprintf(stderr, "iscsi-writer: READ(16) of LBA %" PRIu64 " failed\n", lba);
      if (t) scsi_free_scsi_task(t);
      return 3;
    }
    for (unsigned i = 0; i < blocks; ++i) {
      fill_block(want.data(), s.block_size, lba + i, seq);
      if (std::memcmp(want.data(), t->datain.data + std::size_t{i} * s.block_size, s.block_size) !=
          0) {
        std::printf("BAD lba %" PRIu64 " (extent %" PRIu64 ", seq %" PRIu64 ")\n", lba + i, lba,
                    seq);
        ++bad;
      }
    }
    scsi_free_scsi_task(t);
    ++extents;
  }
  std::printf("verified %" PRIu64 " extents, %" PRIu64 " bad blocks\n", extents, bad);
  return bad == 0 ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  Options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "-m" && (v = value())) {
      o.queue_depth = std::atoi(v);
    } else if (a == "-b" && (v = value())) {
      o.blocks = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    } else if (a == "-t" && (v = value())) {
      o.seconds = std::atof(v);
    } else if (a == "-n" && (v = value())) {
      o.count = std::strtoull(v, nullptr, 10);
    } else if (a == "-i" && (v = value())) {
      o.initiator = v;
    } else if (a == "-r") {
      o.random = true;
    } else if (a == "--fua") {
      o.fua = true;
    } else if (a == "--sync" && (v = value())) {
      o.sync_every = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    } else if (!a.empty() && a[0] != '-' && o.url.empty()) {
      o.url = a;
    } else {
      return usage();
    }
  }
  if (o.url.empty() || o.queue_depth < 1 || o.blocks < 1) return usage();
  if (o.mode == "bench") return bench(o);
  if (o.mode == "stream") return stream(o);
  if (o.mode == "verify") return verify(o);
  return usage();
}
