/* zcring.h — the SEPCOM shared-memory unit ring (C API, usable from C and C++).
 *
 * A ring is one shared-memory region of n fixed-size units. The producer (patchbay's
 * ZeroCopyRing element) copies selected packets into free units and flags them RECEIVED; one
 * consumer process attaches by name, reads the units in place and flags each SEND or DROP; the
 * producer scans the units every α, transmits SEND units and reclaims DROP ones.
 *
 * Region layout (all offsets from the start of the mapping, little-endian, 64-byte aligned):
 *   zc_header                    4 cache lines: constants, producer line, consumer line, areas
 *   zc_unit[n_units]             one 48-byte descriptor per unit: state word, length, stamps,
 *                                where the payload is
 *   data[n_units][unit_stride]   the unit payloads (unit_stride = unit_size rounded up to 64)
 *
 * Lent units: a packet that already lies in shareable memory (a frame of an AF_XDP UMEM, which
 * patchbay keeps in a memfd) is not copied into its unit. The unit says area k and an offset, and
 * the payload is read (and may be modified) in place in that memory: the consumer maps area k
 * by opening /proc/<producer_pid>/fd/<fd> from header.areas[k-1]. zc_poll does this by itself,
 * so a consumer sees the same zc_unit_view either way.
 *
 * Unit states and who may move a unit out of each (the owner of a state is the only writer of
 * the unit's data and length while it is in that state):
 *
 *   FREE      --producer-->  ALLOCATED  (the producer is filling it)
 *   ALLOCATED --producer-->  RECEIVED   (published to the consumer: release store)
 *   RECEIVED  --consumer-->  READ       (claimed by zc_poll: compare-and-swap)
 *   READ      --consumer-->  SEND|DROP  (decided: compare-and-swap, release)
 *   SEND      --producer-->  IN_SEND    (being transmitted; back to FREE when the packet is gone)
 *   DROP      --producer-->  FREE       (reclaimed at a scan)
 *   RECEIVED|READ --producer--> FREE    only when the consumer died (its units are reclaimed)
 *
 * Memory ordering between the two processes: the state word is the only synchronisation. A
 * writer fills data and length with plain stores, then stores the new state with RELEASE; the
 * other side loads the state with ACQUIRE before touching data or length. That pairing makes the
 * payload written before the flag visible to whoever sees the flag (on x86 it compiles to plain
 * moves; on weaker CPUs it places the needed barriers). Both processes map the same physical
 * page, and lock-free 32-bit atomics are address-free, so the C++/C11 rules apply across
 * processes exactly as across threads.
 *
 * Names: a ring named NAME is a memfd owned by the producer, published as the symbolic link
 * $PB_ZC_DIR/patchbay-zc.NAME (PB_ZC_DIR defaults to /dev/shm) pointing at
 * /proc/<producer-pid>/fd/<memfd>. Opening the link re-opens the memfd; the memory disappears
 * with the producer (no stale segment survives a crash; a stale link is replaced by the next
 * producer and refused by consumers because its target is gone).
 */
#ifndef PB_ZCRING_H
#define PB_ZCRING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZC_MAGIC 0x435a4250u /* "PBZC" */
#define ZC_VERSION 2u
#define ZC_NAME_MAX 64
#define ZC_MAX_AREAS 4

enum zc_state {
  ZC_FREE = 0,
  ZC_ALLOCATED = 1,
  ZC_RECEIVED = 2,
  ZC_READ = 3,
  ZC_SEND = 4,
  ZC_IN_SEND = 5,
  ZC_DROP = 6,
  ZC_NSTATES = 7
};

/* Shareable memory the producer lends units from. The producer writes fd and size, then
 * generation (release); a consumer that sees a generation it has not mapped (acquire) maps the
 * area again. A slot is reassigned only when no unit refers to it. */
typedef struct zc_area {
  uint32_t generation; /* 0: never used; changes whenever the slot gets another memory */
  int32_t fd;          /* the producer's descriptor of the memfd */
  uint64_t size;       /* bytes */
} zc_area;

typedef struct zc_header {
  /* line 0: written once by the producer before the name is published */
  uint32_t magic;
  uint32_t version;
  uint32_t n_units;
  uint32_t unit_size;   /* usable bytes per unit */
  uint32_t unit_stride; /* distance between two units' data */
  uint32_t flags;
  uint64_t desc_offset; /* zc_unit[0] */
  uint64_t data_offset; /* data of unit 0 */
  uint64_t region_size;
  uint8_t pad0[16];
  /* line 1: the producer's (atomic accesses only) */
  uint64_t producer_pid;
  uint64_t producer_heartbeat_ns; /* CLOCK_MONOTONIC at the last scan */
  uint32_t publish_seq;           /* +1 after each published batch (a futex word) */
  uint32_t pad1;
  uint64_t scans;
  uint64_t stored;        /* packets put into units (statistics, relaxed) */
  uint64_t no_unit_drops; /* arrivals dropped with no unit free: Condition 2 (statistics) */
  uint8_t pad2[16];
  /* line 2: the consumer's (atomic accesses only) */
  uint64_t consumer_pid;          /* 0: no consumer attached */
  uint64_t consumer_heartbeat_ns; /* CLOCK_MONOTONIC at the consumer's last poll */
  uint32_t consumer_waiting;      /* 1 while the consumer sleeps in zc_wait */
  uint32_t pad3;
  uint64_t consumer_attaches;
  uint8_t pad4[32];
  /* line 3: the areas lent units point into (producer writes, consumer reads) */
  zc_area areas[ZC_MAX_AREAS];
} zc_header;

typedef struct zc_unit {
  uint32_t state;               /* enum zc_state; atomic accesses only */
  uint32_t length;              /* bytes of data in the unit */
  uint64_t timestamp_ns;        /* CLOCK_MONOTONIC when the producer filled it */
  uint64_t seq;                 /* producer's running packet number */
  uint64_t packet_timestamp_ns; /* the packet's own timestamp annotation (e.g. pcap time) */
  uint32_t area;                /* 0: the payload is this unit's data; k: lent, in areas[k-1] */
  uint32_t pad;
  uint64_t offset; /* of the payload in area k (lent units only) */
} zc_unit;

/* ---- consumer ---- */
typedef struct zc_ring zc_ring;

typedef struct zc_unit_view {
  uint32_t index;
  uint32_t length;
  uint64_t timestamp_ns;
  uint64_t seq;
  uint8_t* data; /* in the shared region or the lent area: read (or modify) in place */
} zc_unit_view;

/* Attaches to ring NAME as its (single) consumer. Returns 0 and *out, or -errno: -ENOENT no such
 * ring, -EBUSY another live consumer, -EPROTO not a ring or wrong version, -ESRCH producer gone. */
int zc_attach(const char* name, zc_ring** out);
/* Detaches: units still READ become DROP (the consumer never decided them), RECEIVED units stay
 * for the next consumer; then the mapping is released. NULL is accepted. */
void zc_detach(zc_ring* ring);
/* Claims up to max RECEIVED units (-> READ) and describes them in out; returns how many. Also
 * refreshes the consumer heartbeat. A lent unit whose area cannot be mapped, or whose payload
 * lies outside it, is flagged DROP at once and counted (zc_bad_units). */
size_t zc_poll(zc_ring* ring, zc_unit_view* out, size_t max);
/* Decides a unit the consumer holds (READ or RECEIVED): state ZC_SEND or ZC_DROP. Returns 0,
 * -EINVAL (bad index or state) or -ESTALE (the unit is no longer the consumer's). */
int zc_mark(zc_ring* ring, uint32_t index, enum zc_state state);
/* Sleeps until the producer publishes units or timeout_ms passes (futex on publish_seq). Returns
 * 1 if something may be waiting, 0 on timeout, -ESRCH if the producer is gone. */
int zc_wait(zc_ring* ring, int timeout_ms);
int zc_producer_alive(const zc_ring* ring);
/* Lent units zc_poll could not map (see above), since attach. */
uint64_t zc_bad_units(const zc_ring* ring);
uint32_t zc_units(const zc_ring* ring);
uint32_t zc_unit_size(const zc_ring* ring);
const zc_header* zc_ring_header(const zc_ring* ring);
/* The state of unit i as the consumer sees it now (acquire load). */
enum zc_state zc_unit_state(const zc_ring* ring, uint32_t index);

/* ---- shared helpers ---- */
/* "free", "allocated", "received", "read", "send", "in-send", "drop" (or "?"). */
const char* zc_state_name(int state);
/* Writes the link path of ring NAME into buf; returns 0, or -EINVAL (bad name) / -ENAMETOOLONG.
 * A name is 1..63 characters of [A-Za-z0-9_.-]. */
int zc_name_path(const char* name, char* buf, size_t len);
/* 1 if process pid exists (kill(pid, 0) succeeds or is refused with EPERM). */
int zc_pid_alive(uint64_t pid);
uint64_t zc_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* PB_ZCRING_H */
